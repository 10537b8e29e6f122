/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two vCPUs. The BSP starts the AP the way firmware does (INIT, then two
 * start-up IPIs to a real-mode trampoline at 0x7000), the AP switches to
 * protected mode and waits; then a fixed IPI goes BSP -> AP and AP -> BSP
 * through the xAPIC ICR. Exit status 0 when both arrived.
 */
#define APIC		0xfee00000
#define TRAMP		0x7000
#define VEC_TO_AP	0x41
#define VEC_TO_BSP	0x42
#define CHECK(cond, msg) j##cond 1f; movl $msg, %esi; jmp guest_fail; 1:

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

	/* The trampoline, with our GDTR inside it, below 1 MiB. */
	movl	$tramp_start, %esi
	movl	$TRAMP, %edi
	movl	$tramp_end - tramp_start, %ecx
	rep movsb
	sgdt	TRAMP + tramp_gdtr - tramp_start

	movl	$0x1ff, APIC + 0xf0
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
	movl	$0x1ff, APIC + 0xf0		/* the AP's own APIC */
	lock incl ap_alive
	sti
5:	hlt
	cmpl	$0, ap_ipis
	je	5b
	cli
	movl	$0, APIC + 0x310
	movl	$VEC_TO_BSP, APIC + 0x300	/* fixed IPI to APIC 0 */
6:	cli
	hlt
	jmp	6b

ap_isr:
	incl	ap_ipis
	movl	$0, APIC + 0xb0
	iret

bsp_isr:
	incl	bsp_ipis
	movl	$0, APIC + 0xb0
	iret

	.section .rodata
m_started:	.asciz	"guest: smp: AP started by INIT-SIPI-SIPI, in protected mode\n"
m_ipis:		.asciz	"guest: smp: fixed IPIs delivered BSP->AP and AP->BSP\n"
m_pass:		.asciz	"guest: PASS\n"
m_noap:		.asciz	"the AP never started"
m_apipi:	.asciz	"the AP did not count exactly one IPI"

	.data
ap_alive:	.long	0
ap_ipis:	.long	0
bsp_ipis:	.long	0

	.bss
	.align 16
	.skip	2048
ap_stack_top:
