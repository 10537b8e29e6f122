/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Timer storms: the shortest periods a guest can program, which real
 * hardware merges into one pending interrupt. The local APIC timer in
 * periodic mode with initial count 1 and divide-by-1, unmasked with
 * interrupts off, then masked; a TSC deadline in the past; the PIT at
 * reload 1 with its I/O APIC pin (and the 8259) masked. Each time a busy
 * loop must complete; then each source delivers once when the guest lets
 * it (the handlers mask their source at the first interrupt). tern must
 * not exit for timer periods nobody can observe (vm stats shows how many
 * preemption-timer exits and PIT host timer arms there were).
 */
#include "guest.h"

#define APIC		0xfee00000
#define IOAPIC		0xfec00000
#define VEC_LAPIC	0x40
#define VEC_PIT		0x31
#define LOOPS		1000000
#define LVT_PERIODIC	0x20000
#define LVT_DEADLINE	0x40000
#define LVT_MASKED	0x10000
#define SPIN		movl $LOOPS, %ecx; 2: decl %ecx; jnz 2b

	.text
	.code32
	.globl	guest_main
guest_main:
	movl	$lapic_isr, %eax
	movl	$VEC_LAPIC, %ebx
	call	set_gate
	movl	$pit_isr, %eax
	movl	$VEC_PIT, %ebx
	call	set_gate
	movl	$0x1ff, APIC + 0xf0		/* local APIC on */
	movb	$0xff, %al			/* 8259s: all masked */
	outb	%al, $0xa1
	outb	%al, $0x21

	/* PIT channel 0, mode 2, reload 1: an interrupt every 838 ns on a
	 * pin that stays masked (pin 2: vector 0x31, masked). */
	IOAPIC_WR(0x15, 0)
	IOAPIC_WR(0x14, LVT_MASKED | VEC_PIT)
	movb	$0x34, %al
	outb	%al, $0x43
	movb	$1, %al
	outb	%al, $0x40
	movb	$0, %al
	outb	%al, $0x40

	/* Local APIC timer: periodic, count 1, divide by 1, interrupts off. */
	cli
	movl	$0xb, APIC + 0x3e0
	movl	$(LVT_PERIODIC | VEC_LAPIC), APIC + 0x320
	movl	$1, APIC + 0x380
	SPIN
	movl	$m_unmasked, %esi
	call	puts
	/* The same, masked in the LVT. */
	movl	$(LVT_MASKED | LVT_PERIODIC | VEC_LAPIC), APIC + 0x320
	SPIN
	movl	$m_masked, %esi
	call	puts
	/* Unmasked again: the pending tick is taken (the handler masks). */
	movl	$(LVT_PERIODIC | VEC_LAPIC), APIC + 0x320
	WAIT(lticks, 1)

	/* TSC deadline in the past (TSC-deadline mode: CPUID.1:ECX[24]). */
	movl	$1, %eax
	cpuid
	btl	$24, %ecx
	jnc	3f
	movl	$(LVT_DEADLINE | VEC_LAPIC), APIC + 0x320
	movl	$0x6e0, %ecx
	movl	$1, %eax
	xorl	%edx, %edx
	wrmsr
	SPIN
	WAIT(lticks, 2)
	movl	$m_deadline, %esi
	call	puts
3:	movl	$LVT_MASKED, APIC + 0x320
	movl	$0, APIC + 0x380

	/* The PIT's pin unmasked: its interrupt comes (the handler masks). */
	IOAPIC_WR(0x14, VEC_PIT)
	WAIT(pticks, 1)
	movb	$0x30, %al			/* stop: mode 0, no count */
	outb	%al, $0x43
	movl	$m_done, %esi
	call	puts
	movb	$0, %al
	jmp	guest_exit

lapic_isr:
	incl	lticks
	movl	$(LVT_MASKED | LVT_PERIODIC | VEC_LAPIC), APIC + 0x320
	movl	$0, APIC + 0xb0			/* EOI */
	iret

pit_isr:
	pushl	%eax
	incl	pticks
	IOAPIC_WR(0x14, LVT_MASKED | VEC_PIT)
	movl	$0, APIC + 0xb0
	popl	%eax
	iret

	.section .rodata
m_unmasked:	.asciz	"guest: storm: loop done under a periodic local APIC timer of 1 tick\n"
m_masked:	.asciz	"guest: storm: loop done under the same timer masked\n"
m_deadline:	.asciz	"guest: storm: loop done after a TSC deadline in the past\n"
m_done:		.asciz	"guest: storm: PIT at reload 1 masked, then delivered once\n"

	.data
lticks:	.long	0
pticks:	.long	0
