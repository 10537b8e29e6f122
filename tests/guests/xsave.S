/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Extended state test guest: CPUID shows XSAVE and mirrors CR4.OSXSAVE,
 * XSETBV sets XCR0 (XGETBV reads it back), an invalid XCR0 (AVX without
 * SSE) gets #GP, and the vector registers start clean: XMM0 must read
 * zero, then the guest leaves a marker in it. Started twice on the same
 * core, the second run must not see the first run's marker. Exit 0 when
 * all held; 2 when the CPU has no XSAVE (nothing to test).
 */
#include "guest.h"

#define CR4_OSFXSR	(1 << 9)
#define CR4_OSXSAVE	(1 << 18)

	.text
	.code32
	.globl	guest_main
guest_main:
	movl	$gp3_handler, %eax		/* XSETBV is 3 bytes */
	movl	$13, %ebx
	call	set_gate

	movl	$1, %eax
	cpuid
	testl	$(1 << 26), %ecx
	jnz	1f
	movl	$m_noxsave, %esi
	call	puts
	movb	$2, %al
	jmp	guest_exit
1:	testl	$(1 << 27), %ecx		/* OSXSAVE still clear */
	CHECK(z, m_osxsave0)

	movl	%cr4, %eax
	orl	$(CR4_OSFXSR | CR4_OSXSAVE), %eax
	movl	%eax, %cr4
	movl	$1, %eax
	cpuid
	testl	$(1 << 27), %ecx
	CHECK(nz, m_osxsave1)

	/* XCR0 = x87 | SSE, read back. */
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	movl	$3, %eax
	xsetbv
	xorl	%ecx, %ecx
	xgetbv
	cmpl	$3, %eax
	CHECK(e, m_xgetbv)
	/* AVX without SSE: #GP, XCR0 unchanged. */
	movl	$5, %eax
	xorl	%edx, %edx
	xorl	%ecx, %ecx
	xsetbv
	cmpl	$1, gp3_count
	CHECK(e, m_nogp)
	xorl	%ecx, %ecx
	xgetbv
	cmpl	$3, %eax
	CHECK(e, m_xgetbv)
	movl	$m_xcr0, %esi
	call	puts

	/* XMM0 as the previous guest on this core may have left it. */
	movd	%xmm0, %eax
	testl	%eax, %eax
	CHECK(z, m_dirty)
	movl	$0x7e57da7a, %eax
	movd	%eax, %xmm0
	movl	$m_clean, %esi
	call	puts
	movl	$m_pass, %esi
	call	puts
	movb	$0, %al
	jmp	guest_exit

gp3_handler:
	addl	$4, %esp
	addl	$3, (%esp)
	incl	gp3_count
	iret

	.section .rodata
m_noxsave:	.asciz	"guest: xsave: the CPU has no XSAVE\n"
m_xcr0:		.asciz	"guest: xsave: XSETBV/XGETBV of XCR0, #GP for AVX without SSE\n"
m_clean:	.asciz	"guest: xsave: XMM0 started clean\n"
m_pass:		.asciz	"guest: PASS\n"
m_osxsave0:	.asciz	"CPUID shows OSXSAVE before CR4.OSXSAVE is set"
m_osxsave1:	.asciz	"CPUID does not show OSXSAVE after CR4.OSXSAVE is set"
m_xgetbv:	.asciz	"XCR0 does not read back what was set"
m_nogp:		.asciz	"an invalid XCR0 did not #GP"
m_dirty:	.asciz	"XMM0 holds a previous guest's value"

	.data
gp3_count:	.long	0
