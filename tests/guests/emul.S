/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Instruction emulation on MMIO, checked against the CPU itself: each
 * read-modify-write form runs twice with the same registers and flags,
 * once on a register of the I/O APIC (pin 10's redirection entry, high
 * half: 32 bits that read back as written; IOREGSEL for bytes), once on
 * RAM, and everything must agree: the memory operand, EAX/ECX/EDX and the
 * arithmetic flags (those the SDM leaves undefined are masked). Then
 * CMPS/SCAS with REPE/REPNE against the ECAM, string elements that cross
 * a page, and OUTS/INS with REP on COM1 and the PCI configuration ports.
 */
#include "guest.h"

#define IOAPIC		0xfec00000
#define IOWIN		(IOAPIC + 0x10)
#define ECAM		0xb0000000
#define COM1		0x3f8
#define FL_ALL		0x8d5		/* OF SF ZF AF PF CF */
#define FL_LOGIC	0x8c5		/* AF undefined */
#define FL_BT		0x001		/* CF only */

/*
 * TRY init, eax, ecx, flags, mask, instruction using (%edi): on IOWIN,
 * then on RAM; a mismatch fails naming the test's number.
 */
.macro TRY init, a, c, fl, mask, op:vararg
	movl	$0x25, IOAPIC
	movl	$IOWIN, %edi
	movl	$\init, (%edi)
	movl	$\a, %eax
	movl	$\c, %ecx
	movl	$0x5a5a00ff, %edx
	pushl	$(\fl | 2)
	popfl
	\op
	pushfl
	popl	s_fl
	movl	%eax, s_a
	movl	%ecx, s_c
	movl	%edx, s_d
	movl	(%edi), %eax
	movl	%eax, s_m
	movl	$ram, %edi
	movl	$\init, (%edi)
	movl	$\a, %eax
	movl	$\c, %ecx
	movl	$0x5a5a00ff, %edx
	pushl	$(\fl | 2)
	popfl
	\op
	pushfl
	movl	(%edi), %ebx
	pushl	$\mask
	call	compare
.endm

/* The same for a byte operand, on IOREGSEL. */
.macro TRYB init, a, c, fl, mask, op:vararg
	movl	$IOAPIC, %edi
	movb	$\init, (%edi)
	movl	$\a, %eax
	movl	$\c, %ecx
	movl	$0x5a5a00ff, %edx
	pushl	$(\fl | 2)
	popfl
	\op
	pushfl
	popl	s_fl
	movl	%eax, s_a
	movl	%ecx, s_c
	movl	%edx, s_d
	movzbl	(%edi), %eax
	movl	%eax, s_m
	movl	$ram, %edi
	movl	$0, (%edi)
	movb	$\init, (%edi)
	movl	$\a, %eax
	movl	$\c, %ecx
	movl	$0x5a5a00ff, %edx
	pushl	$(\fl | 2)
	popfl
	\op
	pushfl
	movzbl	(%edi), %ebx
	pushl	$\mask
	call	compare
.endm

	.text
	.code32
	.globl	guest_main
guest_main:
	/* Arithmetic, m,r and r,m and m,imm. */
	TRY	0x12345678, 0, 0x9abcdef0, 0, FL_ALL, addl %ecx, (%edi)
	TRY	0x7fffffff, 0, 1, 0, FL_ALL, addl %ecx, (%edi)
	TRY	0x80000000, 0, 0x80000000, 0, FL_ALL, addl (%edi), %ecx
	TRY	1, 0, 0, 0, FL_ALL, addl $0x7fffffff, (%edi)
	TRY	5, 0, 0, 0, FL_ALL, addl $-5, (%edi)
	TRY	0xff, 0, 0, 0, FL_ALL, addl $0x1001, (%edi)
	TRY	3, 0, 5, 0, FL_ALL, subl %ecx, (%edi)
	TRY	0x80000000, 0, 1, 0, FL_ALL, subl %ecx, (%edi)
	TRY	0x10, 0x11, 0, 0, FL_ALL, subl (%edi), %eax
	TRY	7, 0, 7, 0, FL_ALL, cmpl %ecx, (%edi)
	TRY	7, 0, 8, 0, FL_ALL, cmpl (%edi), %ecx
	TRY	0x40, 0, 0, 0, FL_ALL, cmpl $0x41, (%edi)
	TRY	0x40, 0, 0, 0, FL_ALL, cmpb $0x41, (%edi)
	TRY	0xfffffffe, 0, 1, 1, FL_ALL, adcl %ecx, (%edi)
	TRY	0, 0, 0, 1, FL_ALL, sbbl $0, (%edi)
	TRY	0x10, 0x10, 0, 1, FL_ALL, sbbl (%edi), %eax
	/* Logic: AF undefined. */
	TRY	0xf0f0f0f0, 0, 0, FL_ALL, FL_LOGIC, andl $0xff00ff00, (%edi)
	TRY	0xf0f0f0f0, 0, 0, 0, FL_LOGIC, andl $0x0f0f0f0f, (%edi)
	TRY	0x00000001, 0, 0, 0, FL_LOGIC, orl %edx, (%edi)
	TRY	0x12345678, 0, 0, 0, FL_LOGIC, orl $0x80000000, (%edi)
	TRY	0x12345678, 0x12345678, 0, 0, FL_LOGIC, xorl (%edi), %eax
	TRY	0x12345678, 0, 0, 0, FL_LOGIC, xorl $-1, (%edi)
	TRY	0x12345678, 0x00ff00ff, 0, 0, FL_LOGIC, andl (%edi), %eax
	TRY	0x12345678, 0x80000000, 0, 0, FL_LOGIC, orl (%edi), %eax
	TRY	0x10000000, 0, 0, FL_ALL, FL_LOGIC, testl $0x10000000, (%edi)
	TRY	0x10000000, 0, 0x01000000, 0, FL_LOGIC, testl %ecx, (%edi)
	TRY	0x80, 0, 0, 0, FL_LOGIC, testb $0x80, (%edi)
	TRY	0x8000, 0, 0, 0, FL_LOGIC, testw $0x8000, (%edi)
	/* Exchanges. */
	TRY	0x11111111, 0, 0x22222222, FL_ALL, FL_ALL, xchgl %ecx, (%edi)
	TRY	0x11111111, 0, 0x22222222, 0, FL_ALL, xchgl (%edi), %edx
	TRY	0x11111111, 0x11111111, 0x33333333, 0, FL_ALL, cmpxchgl %ecx, (%edi)
	TRY	0x11111111, 0x11111112, 0x33333333, 0, FL_ALL, cmpxchgl %ecx, (%edi)
	/* Bits: CF only is defined (ZF is left alone by these CPUs). */
	TRY	0x00000000, 0, 0, 0, FL_BT, btsl $5, (%edi)
	TRY	0xffffffff, 0, 0, 0, FL_BT, btrl $31, (%edi)
	TRY	0x00000010, 0, 0, FL_ALL, FL_BT, btl $4, (%edi)
	TRY	0x00000010, 0, 0, 0, FL_BT, btcl $4, (%edi)
	TRY	0x00010000, 0, 16, 0, FL_BT, btl %ecx, (%edi)
	TRY	0x00010000, 0, 17, 0, FL_BT, btsl %ecx, (%edi)
	TRY	0x00010000, 0, 16, 0, FL_BT, btrl %ecx, (%edi)
	/* Bytes, on IOREGSEL; high-byte registers too. */
	TRYB	0x80, 0, 0, 0, FL_ALL, addb $0x80, (%edi)
	TRYB	0x10, 0, 0x11, 0, FL_ALL, subb %cl, (%edi)
	TRYB	0x10, 0x1100, 0, 0, FL_ALL, cmpb %ah, (%edi)
	TRYB	0x0f, 0, 0, 0, FL_ALL, addb $1, (%edi)
	TRYB	0x81, 0, 0, 0, FL_LOGIC, testb $0x81, (%edi)
	TRYB	0x42, 0, 0x2400, 0, FL_ALL, xchgb %ch, (%edi)
	TRYB	0x42, 0x0100, 0, 0, FL_LOGIC, orb (%edi), %ah
	TRYB	0x42, 0x42, 0x99, 0, FL_ALL, cmpxchgb %cl, (%edi)
	TRYB	0x40, 0, 0, 0, FL_BT, btsl $0, (%edi)
	movl	$m_pre, %esi
	call	puts
	movl	tests, %eax
	call	putdec
	movl	$m_rmw, %esi
	call	puts

	/* CMPS/SCAS against the host bridge's first 16 bytes of ECAM. */
	cld
	movl	$ECAM, %esi
	movl	$copy, %edi
	movl	$4, %ecx
	rep movsl
	movl	$copy, %esi
	movl	$diff, %edi
	movl	$4, %ecx
	rep movsl
	xorl	$0x100, diff + 8		/* the third dword differs */
	/* REPE CMPSD: ECAM against diff, then copy against diff. */
	movl	$ECAM, %esi
	call	repe_cmps
	movl	%ecx, s_c
	movl	%esi, s_a
	movl	%edi, s_d
	movl	%eax, s_fl
	movl	$copy, %esi
	call	repe_cmps
	cmpl	s_fl, %eax
	CHECK(e, m_cmps)
	cmpl	s_c, %ecx
	CHECK(e, m_cmps)
	subl	$copy, %esi
	addl	$ECAM, %esi
	cmpl	s_a, %esi
	CHECK(e, m_cmps)
	cmpl	s_d, %edi
	CHECK(e, m_cmps)
	cmpl	$1, %ecx			/* stopped at the third */
	CHECK(e, m_cmps)
	/* REPNE SCASD for the class dword, in ECAM and in the copy. */
	movl	$ECAM, %edi
	call	repne_scas
	movl	%ecx, s_c
	movl	%edi, s_d
	movl	%eax, s_fl
	movl	$copy, %edi
	call	repne_scas
	cmpl	s_fl, %eax
	CHECK(e, m_scas)
	cmpl	s_c, %ecx
	CHECK(e, m_scas)
	subl	$copy, %edi
	addl	$ECAM, %edi
	cmpl	s_d, %edi
	CHECK(e, m_scas)
	cmpl	$1, %ecx
	CHECK(e, m_scas)
	/* Backwards: STD; REPE CMPSB from the last byte of the 16. */
	std
	movl	$(ECAM + 15), %esi
	movl	$(diff + 15), %edi
	movl	$16, %ecx
	repe cmpsb
	pushfl
	popl	%eax
	cld
	cmpl	$9, %ecx			/* 7 compared: byte 9 differs */
	CHECK(e, m_cmps)
	cmpl	$(ECAM + 8), %esi
	CHECK(e, m_cmps)
	testl	$0x40, %eax
	CHECK(z, m_cmps)
	movl	$m_cmps_ok, %esi
	call	puts

	/* Elements across a page: two bytes of unbacked memory (all-ones)
	 * and the host bridge's vendor ID; a store half in RAM, half past
	 * the end of it (dropped). */
	movl	$(ECAM - 2), %esi
	movl	$ram, %edi
	movsl
	cmpl	$0x8086ffff, ram
	CHECK(e, m_cross)
	movl	mb_info, %ebx
	movl	8(%ebx), %eax			/* mem_upper, KiB above 1 MiB */
	shll	$10, %eax
	leal	0x100000 - 2(%eax), %edi
	movl	%edi, %ebx
	movl	$0x12345678, %eax
	stosl
	cmpw	$0x5678, (%ebx)
	CHECK(e, m_cross)
	movl	$m_cross_ok, %esi
	call	puts

	/* String port I/O: REP OUTSB to COM1 (the test reads the line). */
	movl	$m_outs, %esi
	movl	$(m_outs_end - m_outs), %ecx
	movw	$COM1, %dx
	rep outsb
	/* REP INSD from the PCI data port: the host bridge's IDs twice. */
	movl	$0x80000000, %eax
	movw	$0xcf8, %dx
	outl	%eax, %dx
	movw	$0xcfc, %dx
	movl	$inbuf, %edi
	movl	$2, %ecx
	rep insl
	cmpl	$(inbuf + 8), %edi
	CHECK(e, m_ins)
	cmpl	$0x29c08086, inbuf
	CHECK(e, m_ins)
	cmpl	$0x29c08086, inbuf + 4
	CHECK(e, m_ins)
	/* OUTSD to the address port, then the class by IN. */
	movl	$cfg_class, %esi
	movw	$0xcf8, %dx
	outsl
	movw	$0xcfc, %dx
	inl	%dx, %eax
	cmpl	$0x06000000, %eax
	CHECK(e, m_ins)
	/* INSB backwards from COM1's scratch register; INSW from it too. */
	movw	$(COM1 + 7), %dx
	movb	$0xa5, %al
	outb	%al, %dx
	std
	movl	$(inbuf + 3), %edi
	movl	$3, %ecx
	rep insb
	cld
	cmpl	$inbuf, %edi
	CHECK(e, m_ins)
	cmpl	$0xa5a5a500 + 0x86, inbuf
	CHECK(e, m_ins)
	movl	$m_ins_ok, %esi
	call	puts
	movb	$0, %al
	jmp	guest_exit

/* REPE CMPSD over 4 dwords against diff: EAX = flags after. */
repe_cmps:
	movl	$diff, %edi
	movl	$4, %ecx
	repe cmpsl
	pushfl
	popl	%eax
	andl	$FL_ALL, %eax
	ret

/* REPNE SCASD for the class dword over 4: EAX = flags after. */
repne_scas:
	movl	$0x06000000, %eax
	movl	$4, %ecx
	repne scasl
	pushfl
	popl	%eax
	andl	$FL_ALL, %eax
	ret

/* After a TRY: the RAM run's flags and memory (EBX) against the MMIO
 * run's; the mask is on the stack above the flags. */
compare:
	pushl	%eax
	movl	12(%esp), %eax			/* flags of the RAM run */
	xorl	s_fl, %eax
	andl	8(%esp), %eax			/* the defined ones */
	popl	%eax
	jnz	1f
	cmpl	s_a, %eax
	jne	1f
	cmpl	s_c, %ecx
	jne	1f
	cmpl	s_d, %edx
	jne	1f
	cmpl	s_m, %ebx
	jne	1f
	incl	tests
	ret	$8
1:	movl	$m_rmw_fail, %esi
	call	puts
	movl	tests, %eax
	incl	%eax
	call	putdec
	movl	$m_rmw_fail2, %esi
	jmp	guest_fail

	.section .rodata
m_pre:		.asciz	"guest: emul: "
m_rmw:		.asciz	" read-modify-write forms on MMIO agree with the CPU\n"
m_rmw_fail:	.asciz	"guest: emul: MMIO and RAM disagree in test "
m_rmw_fail2:	.asciz	"(see above)"
m_cmps:		.asciz	"REPE CMPS on MMIO"
m_scas:		.asciz	"REPNE SCAS on MMIO"
m_cmps_ok:	.asciz	"guest: emul: REPE CMPS and REPNE SCAS on MMIO, both directions\n"
m_cross:	.asciz	"string element across a page"
m_cross_ok:	.asciz	"guest: emul: string elements across a page\n"
m_outs:		.ascii	"guest: emul: REP OUTSB to COM1\n"
m_outs_end:
m_ins:		.asciz	"INS/OUTS"
m_ins_ok:	.asciz	"guest: emul: REP INSD, OUTSD, REP INSB backwards\n"
cfg_class:	.long	0x80000008

	.data
	.align	4
s_fl:	.long	0
s_a:	.long	0
s_c:	.long	0
s_d:	.long	0
s_m:	.long	0
tests:	.long	0
ram:	.long	0, 0
copy:	.long	0, 0, 0, 0
diff:	.long	0, 0, 0, 0
inbuf:	.long	0, 0
