/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Architectural checks on what tern emulates: writes a CPU refuses must
 * give #GP, writes it accepts must stick, and the VM must keep running
 * (before, such values went into the VMCS and the next VM entry failed).
 * - MOV to CR0: reserved bits of 31:0 ignored (0x7fffffff reads back
 *   0x6005003f, CD and NW included, and clearing them sticks too); PG
 *   without PE and NW without CD: #GP.
 * - MOV to CR4: ~0 and VMXE alone: #GP.
 * - WRMSR: EFER with a reserved bit, PAT with memory type 2: #GP; LME and
 *   a valid PAT stick.
 * - IA32_APIC_BASE: EXTD without EN, x2APIC back to xAPIC, disabled
 *   straight to x2APIC, a base over RAM: #GP; a base elsewhere moves the
 *   xAPIC page there; CPUID's APIC bit follows EN.
 * - SYSENTER_CS/ESP/EIP keep what is written.
 * - CMOS register A's update-in-progress bit rises and falls once a
 *   second, and the seconds move on across it.
 * - IA32_TSC and IA32_TSC_ADJUST writes move the guest's TSC.
 * - The local APIC timer keeps its initial count from one-shot to periodic.
 * - DR7 survives exits; a single-step trap follows an instruction tern
 *   emulated (an OUT), not the one after it.
 * Every CR write here changes CR0.NE or CR4.VMXE, which tern owns, so it
 * exits. Exit 0 when all held; the test counts the #GPs (10).
 */
#include "guest.h"

#define MSR_APIC_BASE	0x1b
#define MSR_EFER	0xc0000080
#define MSR_PAT		0x277
#define CR0_BOOT	0x11		/* PE | ET, as multiboot hands over */

/* The next instruction may #GP: the handler skips len bytes, counts it. */
#define MAYFAULT(len)	movl $len, gp_len

/* Expect exactly one #GP more than before: */
#define EXPECT_GP(msg)	\
	incl	expected; \
	movl	expected, %eax; \
	cmpl	%eax, gp_seen; \
	CHECK(e, msg)

	.text
	.code32
	.globl	guest_main
guest_main:
	movl	$gp_skip, %eax
	movl	$13, %ebx
	call	set_gate

	/* CR0: reserved bits ignored, the defined ones kept. */
	MAYFAULT(3)
	movl	$0x7fffffff, %eax
	movl	%eax, %cr0
	movl	%cr0, %eax
	cmpl	$0x6005003f, %eax
	CHECK(e, m_cr0_rsvd)
	movl	$CR0_BOOT, %eax
	movl	%eax, %cr0
	movl	$0x80000030, %eax	/* PG | NE | ET, no PE */
	movl	%eax, %cr0
	EXPECT_GP(m_cr0_pg)
	movl	$0x20000031, %eax	/* NW | NE | ET | PE, no CD */
	movl	%eax, %cr0
	EXPECT_GP(m_cr0_nw)
	movl	%cr0, %eax
	cmpl	$CR0_BOOT, %eax
	CHECK(e, m_cr0_kept)

	/* CR4: everything, and VMX alone. */
	movl	$0xffffffff, %eax
	movl	%eax, %cr4
	EXPECT_GP(m_cr4_all)
	movl	$0x2000, %eax
	movl	%eax, %cr4
	EXPECT_GP(m_cr4_vmxe)
	movl	%cr4, %eax
	testl	%eax, %eax
	CHECK(z, m_cr4_kept)
	movl	$m_cr, %esi
	call	puts

	/* EFER and PAT. */
	MAYFAULT(2)
	movl	$MSR_EFER, %ecx
	movl	$2, %eax		/* reserved bit 1 */
	xorl	%edx, %edx
	wrmsr
	EXPECT_GP(m_efer_rsvd)
	movl	$0x100, %eax		/* LME: fine with paging off */
	wrmsr
	rdmsr
	cmpl	$0x100, %eax
	CHECK(e, m_efer_lme)
	xorl	%eax, %eax
	wrmsr
	movl	$MSR_PAT, %ecx
	movl	$0x00070402, %eax	/* entry 0: type 2, reserved */
	movl	$0x00070406, %edx
	wrmsr
	EXPECT_GP(m_pat_bad)
	movl	$0x00070105, %eax
	wrmsr
	rdmsr
	cmpl	$0x00070105, %eax
	CHECK(e, m_pat_kept)
	movl	$m_msr, %esi
	call	puts

	/* IA32_APIC_BASE transitions (xAPIC now: 0xfee00900 on the BSP). */
	movl	$MSR_APIC_BASE, %ecx
	rdmsr
	cmpl	$0xfee00900, %eax
	CHECK(e, m_apic_base)
	movl	$0xfee00500, %eax	/* EXTD without EN */
	xorl	%edx, %edx
	wrmsr
	EXPECT_GP(m_apic_invalid)
	movl	$0x00100900, %eax	/* over its own RAM: refused */
	wrmsr
	EXPECT_GP(m_apic_move)
	movl	$0xfed00900, %eax	/* elsewhere: the page moves there */
	wrmsr
	movl	0xfed00030, %eax	/* the version register, at the new base */
	andl	$0xff, %eax
	cmpl	$0x14, %eax
	CHECK(e, m_apic_new)
	movl	0xfee00030, %eax	/* nothing at the old one now */
	cmpl	$0xffffffff, %eax
	CHECK(e, m_apic_old)
	movl	$MSR_APIC_BASE, %ecx
	movl	$0xfee00900, %eax	/* back */
	xorl	%edx, %edx
	wrmsr
	movl	$1, %eax
	cpuid
	testl	$(1 << 21), %ecx	/* x2APIC offered? */
	jz	2f
	movl	$MSR_APIC_BASE, %ecx
	movl	$0xfee00d00, %eax	/* to x2APIC: fine */
	xorl	%edx, %edx
	wrmsr
	movl	$0xfee00900, %eax	/* back to xAPIC directly: #GP */
	wrmsr
	EXPECT_GP(m_apic_x2_back)
	movl	$0xfee00100, %eax	/* disabled: fine */
	wrmsr
	movl	$1, %eax
	cpuid
	testl	$(1 << 9), %edx		/* CPUID's APIC bit follows EN */
	CHECK(z, m_cpuid_apic_off)
	movl	$MSR_APIC_BASE, %ecx
	movl	$0xfee00d00, %eax	/* disabled straight to x2APIC: #GP */
	xorl	%edx, %edx
	wrmsr
	EXPECT_GP(m_apic_x2_direct)
	movl	$0xfee00900, %eax	/* xAPIC again */
	wrmsr
	movl	$1, %eax
	cpuid
	testl	$(1 << 9), %edx
	CHECK(nz, m_cpuid_apic_on)
	jmp	3f
2:	movl	$m_nox2apic, %esi	/* keep the #GP count the same */
	call	puts
	addl	$2, expected
	addl	$2, gp_seen
3:	movl	$m_apic, %esi
	call	puts

	/* SYSENTER MSRs hold what is written. */
	movl	$0x174, %ecx
4:	movl	%ecx, %eax
	shll	$8, %eax
	xorl	%edx, %edx
	wrmsr
	rdmsr
	movl	%ecx, %ebx
	shll	$8, %ebx
	cmpl	%ebx, %eax
	CHECK(e, m_sysenter)
	incl	%ecx
	cmpl	$0x177, %ecx
	jne	4b
	movl	$m_sysenter_ok, %esi
	call	puts

	/* CMOS register A: UIP rises before the second's update and falls
	 * after it, and the seconds register has moved on by then. */
	movl	$2000000, %ecx
5:	call	rtc_reg_a
	testb	$0x80, %al
	jnz	6f
	loop	5b
	movl	$m_nouip, %esi
	jmp	guest_fail
6:	movb	$0, %al			/* seconds, during the update window */
	outb	%al, $0x70
	inb	$0x71, %al
	movb	%al, %bl
	movl	$2000000, %ecx
7:	call	rtc_reg_a
	testb	$0x80, %al
	jz	8f
	loop	7b
	movl	$m_uipstuck, %esi
	jmp	guest_fail
8:	movb	$0, %al
	outb	%al, $0x70
	inb	$0x71, %al
	cmpb	%al, %bl
	CHECK(ne, m_nosecond)
	movl	$m_uip, %esi
	call	puts

	/* IA32_TSC: a write moves the guest's clock (2^40 ahead here), and
	 * IA32_TSC_ADJUST, where CPUID shows it, by as much. */
	movl	gp_seen, %edi
	rdtsc
	movl	%edx, tsc_hi
	addl	$0x100, %edx
	movl	$0x10, %ecx
	wrmsr
	rdtsc
	subl	tsc_hi, %edx		/* 0x100, or 0x101 if the low half wrapped */
	cmpl	$0x100, %edx
	CHECK(ae, m_tsc)
	cmpl	$0x101, %edx
	CHECK(be, m_tsc)
	cmpl	gp_seen, %edi
	CHECK(e, m_tsc_gp)
	movl	$7, %eax
	xorl	%ecx, %ecx
	cpuid
	testl	$2, %ebx
	jz	9f
	movl	$0x3b, %ecx
	rdmsr
	cmpl	$0xff, %edx		/* 2^40 less the few ticks the write took */
	CHECK(ae, m_tsc_adjust)
	cmpl	$0x100, %edx
	CHECK(be, m_tsc_adjust)
	xorl	%eax, %eax		/* adjust back to 0: the clock follows */
	xorl	%edx, %edx
	wrmsr
	rdtsc
	subl	tsc_hi, %edx
	cmpl	$1, %edx
	CHECK(be, m_tsc_back)
9:	movl	$m_tsc_ok, %esi
	call	puts

	/* Local APIC timer: one-shot to periodic keeps the initial count
	 * (only a change into or out of TSC-deadline mode disarms). */
	movl	$0xb, 0xfee003e0		/* divide by 1 */
	movl	$0x00010040, 0xfee00320		/* one-shot, masked */
	movl	$0x10000000, 0xfee00380		/* initial count */
	movl	$0x00030040, 0xfee00320		/* periodic, masked */
	movl	0xfee00380, %eax
	cmpl	$0x10000000, %eax
	CHECK(e, m_timer_mode)
	movl	$0, 0xfee00380			/* stopped */
	movl	$m_timer_ok, %esi
	call	puts

	/* NMIs in the right number: one to itself, whose handler sends two
	 * more while NMIs are blocked: one stays pending (the CPU latches
	 * one), the other is lost. Two handled in all. */
	movl	$nmi_handler, %eax
	movl	$2, %ebx
	call	set_gate
	call	send_nmi
	movl	$100000, %ecx		/* the pending one comes after IRET */
1:	cmpl	$2, nmi_count
	jae	2f
	loop	1b
2:	movl	$100000, %ecx		/* and no third */
3:	loop	3b
	cmpl	$2, nmi_count
	CHECK(e, m_nmi_count)
	movl	$m_nmi_ok, %esi
	call	puts

	/* DR7 survives exits (it is VMCS state: saved and loaded). */
	movl	$0x401, %eax		/* L0 on, breakpoint 0 at address 0 */
	xorl	%edx, %edx
	movl	%edx, %dr0
	movl	%eax, %dr7
	cpuid				/* an exit */
	movl	%dr7, %eax
	cmpl	$0x401, %eax
	CHECK(e, m_dr7)
	movl	$0x400, %eax
	movl	%eax, %dr7

	/* Single-step over an instruction tern emulates: the #DB arrives
	 * right after it, as the CPU's would. */
	movl	$db_handler, %eax
	movl	$1, %ebx
	call	set_gate
	pushfl
	orl	$0x100, (%esp)		/* TF */
	popfl
	outb	%al, $0x80		/* emulated; the trap follows it */
after_out:
	nop
	cmpl	$1, db_count
	CHECK(e, m_db_count)
	cmpl	$after_out, db_eip
	CHECK(e, m_db_eip)
	movl	$m_debug, %esi
	call	puts

	movl	$m_prefix, %esi
	call	puts
	movl	gp_seen, %eax
	call	putdec
	movl	$m_gps, %esi
	call	puts
	xorb	%al, %al
	jmp	guest_exit

/* #DB: where it hit; stop single-stepping. */
db_handler:
	incl	db_count
	pushl	%eax
	movl	4(%esp), %eax
	movl	%eax, db_eip
	popl	%eax
	andl	$~0x100, 8(%esp)
	iret

/* NMI to this vCPU (APIC ID 0) by the xAPIC's ICR. */
send_nmi:
	movl	$0, 0xfee00310
	movl	$0x4400, 0xfee00300	/* NMI, assert, physical */
	ret

nmi_handler:
	incl	nmi_count
	cmpl	$1, nmi_count
	jne	1f
	call	send_nmi
	call	send_nmi
1:	iret

rtc_reg_a:
	movb	$0x0a, %al
	outb	%al, $0x70
	inb	$0x71, %al
	ret

/* #GP: skip the faulting instruction (gp_len bytes), count it. */
gp_skip:
	addl	$4, %esp		/* error code */
	pushl	%eax
	movl	gp_len, %eax
	addl	%eax, 4(%esp)
	popl	%eax
	incl	gp_seen
	iret

	.section .rodata
m_cr:		.asciz	"guest: archcheck: CR0 and CR4 writes checked\n"
m_msr:		.asciz	"guest: archcheck: EFER and PAT writes checked\n"
m_apic:		.asciz	"guest: archcheck: APIC base transitions checked\n"
m_nox2apic:	.asciz	"guest: archcheck: no x2APIC offered; its transitions skipped\n"
m_sysenter_ok:	.asciz	"guest: archcheck: SYSENTER MSRs hold their values\n"
m_prefix:	.asciz	"guest: archcheck: "
m_nmi_ok:	.asciz	"guest: archcheck: two NMIs sent inside the NMI handler: one delivered after it\n"
m_nmi_count:	.asciz	"NMIs not delivered as a CPU latches them (expected 2 in all)"
m_timer_ok:	.asciz	"guest: archcheck: a timer mode change kept the initial count\n"
m_timer_mode:	.asciz	"one-shot to periodic cleared the APIC timer's initial count"
m_tsc_ok:	.asciz	"guest: archcheck: IA32_TSC and IA32_TSC_ADJUST writes move the guest's clock\n"
m_tsc:		.asciz	"a write to IA32_TSC did not move the TSC by 2^40"
m_tsc_gp:	.asciz	"a write to IA32_TSC raised #GP"
m_tsc_adjust:	.asciz	"IA32_TSC_ADJUST did not follow the IA32_TSC write"
m_tsc_back:	.asciz	"IA32_TSC_ADJUST = 0 did not move the TSC back"
m_debug:	.asciz	"guest: archcheck: DR7 kept across exits, single-step #DB after an emulated OUT\n"
m_dr7:		.asciz	"DR7 lost across an exit"
m_db_count:	.asciz	"single-step: not exactly one #DB"
m_db_eip:	.asciz	"single-step: the #DB did not follow the emulated OUT"
m_gps:		.asciz	" #GP taken\n"
m_uip:		.asciz	"guest: archcheck: CMOS update-in-progress rose and fell with the second\n"
m_nouip:	.asciz	"CMOS UIP never rose"
m_uipstuck:	.asciz	"CMOS UIP never fell"
m_nosecond:	.asciz	"the CMOS seconds did not move across the update"
m_cr0_rsvd:	.asciz	"CR0 reserved bits not ignored"
m_cr0_pg:	.asciz	"CR0.PG without PE: no #GP"
m_cr0_nw:	.asciz	"CR0.NW without CD: no #GP"
m_cr0_kept:	.asciz	"CR0 changed by a refused write"
m_cr4_all:	.asciz	"CR4 = ~0: no #GP"
m_cr4_vmxe:	.asciz	"CR4.VMXE: no #GP"
m_cr4_kept:	.asciz	"CR4 changed by a refused write"
m_efer_rsvd:	.asciz	"EFER reserved bit: no #GP"
m_efer_lme:	.asciz	"EFER.LME did not stick"
m_pat_bad:	.asciz	"PAT type 2: no #GP"
m_pat_kept:	.asciz	"a valid PAT did not stick"
m_apic_base:	.asciz	"IA32_APIC_BASE is not 0xfee00900"
m_apic_invalid:	.asciz	"APIC EXTD without EN: no #GP"
m_apic_move:	.asciz	"APIC base moved over RAM: no #GP"
m_apic_new:	.asciz	"the moved APIC is not at its new base"
m_apic_old:	.asciz	"the moved APIC still answers at 0xfee00000"
m_apic_x2_back:	.asciz	"x2APIC back to xAPIC: no #GP"
m_apic_x2_direct: .asciz "disabled straight to x2APIC: no #GP"
m_cpuid_apic_off: .asciz "CPUID shows an APIC that is disabled"
m_cpuid_apic_on: .asciz	"CPUID hides an enabled APIC"
m_sysenter:	.asciz	"a SYSENTER MSR lost its value"

	.data
gp_len:		.long	2
db_count:	.long	0
nmi_count:	.long	0
tsc_hi:		.long	0
db_eip:		.long	0
gp_seen:	.long	0
expected:	.long	0
