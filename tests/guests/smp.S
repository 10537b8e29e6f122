/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two vCPUs. The BSP starts the AP the way firmware does (INIT, then two
 * start-up IPIs to a real-mode trampoline at 0x7000), the AP switches to
 * protected mode and waits. Then, through the xAPIC ICR, the way kernels
 * use it: fixed IPIs BSP -> AP and back by physical destination (the BSP
 * halts until its one arrives), the same by logical destination in the
 * flat model (LDR bit per CPU, as Linux sets it with up to 8 CPUs), an NMI
 * to the AP, and a logical multicast from the AP that names both CPUs.
 * Last, INIT and a start-up IPI to the running AP: it starts over.
 * Exit status 0 when every one arrived exactly where it was sent.
 */
#include "guest.h"

#define APIC		0xfee00000
#define TRAMP		0x7000
#define VEC_TO_AP	0x41
#define VEC_TO_BSP	0x42
#define VEC_MULTI	0x43
#define ICR_LOGICAL	(1 << 11)
#define ICR_NMI		(4 << 8)
/* Spin (with a bound) until the 32-bit variable reaches the value. */
#define WAIT_FOR(var, val, msg) \
	movl	$100000000, %ecx; \
8:	cmpl	$val, var; \
	jae	9f; \
	pause; \
	loop	8b; \
	movl	$msg, %esi; \
	jmp	guest_fail; \
9:

	.text
	.code32
	.globl	guest_main
guest_main:
	movl	$ap_isr, %eax
	movl	$VEC_TO_AP, %ebx
	call	set_gate
	movl	$bsp_isr, %eax
	movl	$VEC_TO_BSP, %ebx
	call	set_gate
	movl	$multi_isr, %eax
	movl	$VEC_MULTI, %ebx
	call	set_gate
	movl	$nmi_isr, %eax
	movl	$2, %ebx
	call	set_gate

	/* The trampoline, with our GDTR inside it, below 1 MiB. */
	movl	$tramp_start, %esi
	movl	$TRAMP, %edi
	movl	$tramp_end - tramp_start, %ecx
	rep movsb
	sgdt	TRAMP + tramp_gdtr - tramp_start

	movl	$0x1ff, APIC + 0xf0
	movl	$0xffffffff, APIC + 0xe0	/* DFR: flat model */
	movl	$0x01 << 24, APIC + 0xd0	/* LDR: logical ID bit 0 */
	movl	$1 << 24, APIC + 0x310
	movl	$0x4500, APIC + 0x300		/* INIT, level assert */
	movl	$1 << 24, APIC + 0x310
	movl	$0x4600 | (TRAMP >> 12), APIC + 0x300	/* start-up */
	movl	$1 << 24, APIC + 0x310
	movl	$0x4600 | (TRAMP >> 12), APIC + 0x300	/* and again */

	movl	$100000000, %ecx
2:	cmpl	$0, ap_alive
	jne	3f
	pause
	loop	2b
	movl	$m_noap, %esi
	jmp	guest_fail
3:	movl	$m_started, %esi
	call	puts

	movl	$1 << 24, APIC + 0x310
	movl	$VEC_TO_AP, APIC + 0x300	/* fixed IPI to APIC 1 */
	sti
4:	hlt
	cmpl	$0, bsp_ipis
	je	4b
	cli
	cmpl	$1, ap_ipis
	CHECK(e, m_apipi)
	movl	$m_ipis, %esi
	call	puts

	/* Logical, flat model: the AP is logical ID bit 1. */
	sti
	movl	$0x02 << 24, APIC + 0x310
	movl	$ICR_LOGICAL | VEC_TO_AP, APIC + 0x300
	WAIT_FOR(bsp_ipis, 2, m_nological)
	cmpl	$2, ap_ipis
	CHECK(e, m_apipi2)
	movl	$m_logical, %esi
	call	puts

	/* An NMI to the AP; it answers with a multicast to both CPUs. */
	movl	$1 << 24, APIC + 0x310
	movl	$ICR_NMI, APIC + 0x300
	WAIT_FOR(multi, 2, m_nomulti)
	cli
	cmpl	$1, ap_nmis
	CHECK(e, m_nmis)
	cmpl	$2, bsp_ipis
	CHECK(e, m_extra)
	cmpl	$2, ap_ipis
	CHECK(e, m_extra)
	movl	$m_nmi, %esi
	call	puts

	/* INIT the running AP, then start it again: it counts itself. */
	movl	$1 << 24, APIC + 0x310
	movl	$0x4500, APIC + 0x300		/* INIT, level assert */
	movl	$1 << 24, APIC + 0x310
	movl	$0x4600 | (TRAMP >> 12), APIC + 0x300
	WAIT_FOR(ap_alive, 2, m_norestart)
	movl	$m_restart, %esi
	call	puts
	movl	$m_pass, %esi
	call	puts
	movb	$0, %al
	jmp	guest_exit

	/* Copied to TRAMP; runs in real mode at TRAMP>>4:0. */
	.code16
tramp_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	TRAMP + tramp_gdtr - tramp_start
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $ap_pm32
tramp_gdtr:
	.skip	6
tramp_end:

	.code32
ap_pm32:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	$ap_stack_top, %esp
	lidt	idt_ptr
	cmpl	$0, ap_alive			/* started again after INIT? */
	jne	7f
	movl	$0x1ff, APIC + 0xf0		/* the AP's own APIC */
	movl	$0xffffffff, APIC + 0xe0
	movl	$0x02 << 24, APIC + 0xd0
	lock incl ap_alive
	sti
5:	hlt
	cmpl	$0, ap_ipis
	je	5b
	movl	$0, APIC + 0x310
	movl	$VEC_TO_BSP, APIC + 0x300	/* fixed IPI to APIC 0 */
	WAIT_FOR(ap_ipis, 2, m_nological)
	movl	$0x01 << 24, APIC + 0x310	/* to logical ID bit 0 */
	movl	$ICR_LOGICAL | VEC_TO_BSP, APIC + 0x300
	WAIT_FOR(ap_nmis, 1, m_nonmi)
	movl	$0x03 << 24, APIC + 0x310	/* both CPUs, itself too */
	movl	$ICR_LOGICAL | VEC_MULTI, APIC + 0x300
6:	cli
	hlt
	jmp	6b
7:	lock incl ap_alive
	jmp	6b

ap_isr:
	lock incl ap_ipis
	movl	$0, APIC + 0xb0
	iret

bsp_isr:
	lock incl bsp_ipis
	movl	$0, APIC + 0xb0
	iret

multi_isr:
	lock incl multi
	movl	$0, APIC + 0xb0
	iret

nmi_isr:				/* no EOI: an NMI is not in the ISR */
	lock incl ap_nmis
	iret

	.section .rodata
m_started:	.asciz	"guest: smp: AP started by INIT-SIPI-SIPI, in protected mode\n"
m_ipis:		.asciz	"guest: smp: fixed IPIs delivered BSP->AP and AP->BSP\n"
m_logical:	.asciz	"guest: smp: logical (flat) IPIs delivered BSP->AP and AP->BSP\n"
m_nmi:		.asciz	"guest: smp: NMI to the AP, its logical multicast reached both CPUs\n"
m_restart:	.asciz	"guest: smp: the running AP restarted by INIT and a start-up IPI\n"
m_norestart:	.asciz	"the AP did not restart after INIT-SIPI"
m_nological:	.asciz	"a logical-destination IPI never arrived"
m_apipi2:	.asciz	"the AP did not count exactly two IPIs"
m_nonmi:	.asciz	"the NMI never reached the AP"
m_nomulti:	.asciz	"the multicast IPI did not reach both CPUs"
m_nmis:		.asciz	"the AP did not count exactly one NMI"
m_extra:	.asciz	"an IPI arrived where it was not sent"
m_pass:		.asciz	"guest: PASS\n"
m_noap:		.asciz	"the AP never started"
m_apipi:	.asciz	"the AP did not count exactly one IPI"

	.data
ap_alive:	.long	0
ap_ipis:	.long	0
bsp_ipis:	.long	0
ap_nmis:	.long	0
multi:		.long	0

	.bss
	.align 16
	.skip	2048
ap_stack_top:
