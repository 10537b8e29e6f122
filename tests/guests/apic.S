/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Local APIC test guest: the timer in one-shot and periodic mode through
 * the xAPIC page (EOI by MMIO), then x2APIC mode by IA32_APIC_BASE, the
 * TSC-deadline timer and a self-IPI through MSRs (EOI by MSR 0x80b).
 * Interrupts arrive through the guest's IDT; HLT sleeps until they do.
 * Prints what it counted; exit status 0 when all matched.
 */
#include "guest.h"

#define APIC		0xfee00000
#define VEC_TIMER	0x40
#define VEC_IPI		0x41

	.text
	.code32
	.globl	guest_main
guest_main:
	movl	$timer_isr, %eax
	movl	$VEC_TIMER, %ebx
	call	set_gate
	movl	$ipi_isr, %eax
	movl	$VEC_IPI, %ebx
	call	set_gate

	/* xAPIC: enable, one-shot 20000 TSC ticks at divide-by-1. */
	movl	$0x1ff, APIC + 0xf0
	movl	$0xb, APIC + 0x3e0
	movl	$VEC_TIMER, APIC + 0x320
	movl	$20000, APIC + 0x380
	sti
1:	hlt
	cmpl	$1, ticks
	jb	1b
	cli
	movl	APIC + 0x390, %eax	/* current count ran out */
	testl	%eax, %eax
	CHECK(z, m_cur)
	movl	$m_oneshot, %esi
	call	puts

	/* Periodic: six ticks, then mask. */
	movl	$VEC_TIMER | (1 << 17), APIC + 0x320
	movl	$10000, APIC + 0x380
	sti
2:	hlt
	cmpl	$7, ticks
	jb	2b
	cli
	movl	$VEC_TIMER | (1 << 16), APIC + 0x320
	movl	$0, APIC + 0x380
	movl	$m_periodic, %esi
	call	puts

	/* x2APIC through IA32_APIC_BASE.EXTD; EOI by MSR from now on. */
	movl	$0x1b, %ecx
	rdmsr
	orl	$(1 << 10), %eax
	wrmsr
	movl	$1, x2
	movl	$0x802, %ecx		/* x2APIC ID */
	rdmsr
	testl	%eax, %eax
	CHECK(z, m_id)

	/* TSC-deadline: 30000 ticks from now. */
	movl	$0x832, %ecx
	movl	$VEC_TIMER | (2 << 17), %eax
	xorl	%edx, %edx
	wrmsr
	rdtsc
	addl	$30000, %eax
	adcl	$0, %edx
	movl	$0x6e0, %ecx
	wrmsr
	sti
3:	hlt
	cmpl	$8, ticks
	jb	3b
	cli
	movl	$m_deadline, %esi
	call	puts

	/* TSC-deadline again, but spinning with interrupts on, never
	 * exiting: only the preemption timer brings tern back in time. */
	movl	$0x6e0, %ecx
	rdtsc
	addl	$30000, %eax
	adcl	$0, %edx
	wrmsr
	sti
	movl	$10000000, %ecx
4:	cmpl	$9, ticks
	jae	5f
	pause
	loop	4b
	cli
	movl	$m_spin, %esi
	jmp	guest_fail
5:	cli
	movl	$m_spin_ok, %esi
	call	puts

	/* Self-IPI. */
	movl	$0x83f, %ecx
	movl	$VEC_IPI, %eax
	xorl	%edx, %edx
	wrmsr
	sti
	nop
	cli
	cmpl	$1, ipis
	CHECK(e, m_ipi)
	movl	$m_ipi_ok, %esi
	call	puts

	movl	$m_pass, %esi
	call	puts
	movb	$0, %al
	jmp	guest_exit

eoi:
	cmpl	$0, x2
	jne	1f
	movl	$0, APIC + 0xb0
	ret
1:	pushl	%ecx
	pushl	%eax
	pushl	%edx
	movl	$0x80b, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	popl	%edx
	popl	%eax
	popl	%ecx
	ret

timer_isr:
	incl	ticks
	call	eoi
	iret

ipi_isr:
	incl	ipis
	call	eoi
	iret

	.section .rodata
m_oneshot:	.asciz	"guest: apic: one-shot timer fired once\n"
m_periodic:	.asciz	"guest: apic: periodic timer fired 6 times\n"
m_deadline:	.asciz	"guest: apic: x2APIC mode, TSC-deadline timer fired\n"
m_ipi_ok:	.asciz	"guest: apic: self-IPI delivered\n"
m_spin_ok:	.asciz	"guest: apic: TSC-deadline timer fired while spinning\n"
m_spin:		.asciz	"the timer never interrupted the spinning guest"
m_pass:		.asciz	"guest: PASS\n"
m_cur:		.asciz	"one-shot current count not 0 after firing"
m_id:		.asciz	"x2APIC ID MSR unreadable"
m_ipi:		.asciz	"self-IPI not delivered"

	.data
	.align 8
ticks:	.long	0
ipis:	.long	0
x2:	.long	0

