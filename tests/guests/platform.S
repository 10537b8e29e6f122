/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PC platform test guest: the I/O APIC (version, redirection entries),
 * the 8254 PIT's IRQ 0 on I/O APIC pin 2 in periodic mode, COM1's THRE
 * and received-data interrupts on pin 4 (a key typed at `vm console`),
 * the 8259's mask register, PCI configuration space by 0xcf8/0xcfc and by
 * ECAM (the host bridge at 00:00.0, nothing at 00:01.0), the ACPI PM
 * timer, and finally power-off by
 * ACPI S5 through PM1a_CNT. Interrupts arrive through the guest's IDT with
 * EOI by the xAPIC page. Prints what it counted; S5 is the success exit.
 */
#include "guest.h"

#define APIC		0xfee00000
#define IOAPIC		0xfec00000
#define COM1		0x3f8
#define PM1_CNT		0x604
#define PM_TMR		0x608
#define VEC_PIT		0x30
#define VEC_COM1	0x34


	.text
	.code32
	.globl	guest_main
guest_main:
	movl	$pit_isr, %eax
	movl	$VEC_PIT, %ebx
	call	set_gate
	movl	$com1_isr, %eax
	movl	$VEC_COM1, %ebx
	call	set_gate
	movl	$0x1ff, APIC + 0xf0		/* local APIC on */

	/* 8259: mask everything; the mask reads back. */
	movb	$0xff, %al
	outb	%al, $0xa1
	movb	$0xfb, %al
	outb	%al, $0x21
	inb	$0x21, %al
	cmpb	$0xfb, %al
	CHECK(e, m_pic)

	/* PCI: q35's host bridge by mechanism #1 and by ECAM. */
	movl	$0x80000000, %eax
	movw	$0xcf8, %dx
	outl	%eax, %dx
	movw	$0xcfc, %dx
	inl	%dx, %eax
	cmpl	$0x29c08086, %eax
	CHECK(e, m_pci)
	movl	0xb0000000, %eax
	cmpl	$0x29c08086, %eax
	CHECK(e, m_pci)
	movl	0xb0008000, %eax		/* 00:01.0: absent */
	cmpl	$0xffffffff, %eax
	CHECK(e, m_pci)
	movl	$m_pci_ok, %esi
	call	puts

	/* String instructions on MMIO: REP MOVSD from the ECAM into RAM,
	 * MOVSD from RAM into IOREGSEL, REP STOSD into unbacked memory. */
	cld
	movl	$0xb0000000, %esi
	movl	$strbuf, %edi
	movl	$4, %ecx
	rep movsl
	testl	%ecx, %ecx
	CHECK(z, m_str)
	cmpl	$0xb0000010, %esi
	CHECK(e, m_str)
	cmpl	$0x29c08086, strbuf
	CHECK(e, m_str)
	cmpl	$0x06000000, strbuf + 8		/* class: host bridge */
	CHECK(e, m_str)
	movl	$strsel, %esi
	movl	$IOAPIC, %edi
	movsl					/* IOREGSEL := 1 (version) */
	movl	IOAPIC + 0x10, %eax
	cmpl	$0x170020, %eax
	CHECK(e, m_str)
	movl	$0xe0000000, %edi
	movl	$3, %ecx
	xorl	%eax, %eax
	rep stosl
	cmpl	$0xe000000c, %edi
	CHECK(e, m_str)
	movl	$m_str_ok, %esi
	call	puts

	/* I/O APIC: 24 pins, version 0x20; pin 2 (IRQ 0) -> 0x30, pin 4
	 * (COM1) -> 0x34, both edge, to APIC 0. */
	movl	$1, IOAPIC
	movl	IOAPIC + 0x10, %eax
	cmpl	$0x170020, %eax
	CHECK(e, m_ioapic)
	IOAPIC_WR(0x15, 0)
	IOAPIC_WR(0x14, VEC_PIT)
	IOAPIC_WR(0x19, 0)
	IOAPIC_WR(0x18, VEC_COM1)
	movl	$0x14, IOAPIC
	movl	IOAPIC + 0x10, %eax
	cmpl	$VEC_PIT, %eax
	CHECK(e, m_ioapic)
	movl	$m_ioapic_ok, %esi
	call	puts

	/* PIT channel 0, mode 2, 1193 ticks (1 ms): five interrupts. */
	movb	$0x34, %al
	outb	%al, $0x43
	movb	$(1193 & 0xff), %al
	outb	%al, $0x40
	movb	$(1193 >> 8), %al
	outb	%al, $0x40
	WAIT(pit_ticks, 5)
	movb	$0x30, %al			/* stop: mode 0, no count */
	outb	%al, $0x43
	movl	$m_pit, %esi
	call	puts

	/* PM timer: 32 bits at 3.58 MHz, moving. */
	movw	$PM_TMR, %dx
	inl	%dx, %eax
	movl	%eax, %ebx
	movl	$100000, %ecx
3:	loop	3b
	inl	%dx, %eax
	cmpl	%ebx, %eax
	CHECK(ne, m_pmtmr)
	movl	$m_pmtmr_ok, %esi
	call	puts

	/* COM1: OUT2 on, THRE interrupt on; the THR is empty, so it fires. */
	movw	$COM1 + 4, %dx
	movb	$0x0b, %al			/* DTR, RTS, OUT2 */
	outb	%al, %dx
	movw	$COM1 + 1, %dx
	movb	$0x02, %al
	outb	%al, %dx
	WAIT(thre_irqs, 1)
	/* Received data: the operator types a key. */
	movw	$COM1 + 1, %dx
	movb	$0x01, %al
	outb	%al, %dx
	movl	$m_type, %esi
	call	puts
	WAIT(rx_char, 1)
	movl	$m_rx, %esi
	call	puts
	movl	rx_char, %eax
	call	putc
	movb	$'\n', %al
	call	putc
	movw	$COM1 + 1, %dx
	xorb	%al, %al
	outb	%al, %dx

	/* VMX instructions: #UD, as on a CPU without VMX (CPUID hides it). */
	movl	$ud_handler, %eax
	movl	$6, %ebx
	call	set_gate
	vmxoff				/* 0f 01 c4 */
	vmptrst	ud_scratch		/* 0f c7 /7 with a 32-bit address: 7 bytes */
	cmpl	$2, ud_count
	CHECK(e, m_noud)
	movl	$m_ud, %esi
	call	puts

	/* Power off: SLP_TYP 5 (the DSDT's \_S5) with SLP_EN. */
	movl	$m_s5, %esi
	call	puts
	movw	$PM1_CNT, %dx
	movw	$(5 << 10) | (1 << 13), %ax
	outw	%ax, %dx
	movl	$m_nos5, %esi
	jmp	guest_fail

/* #UD: skip the VMX instruction (3 bytes, then 7), count it. */
ud_handler:
	cmpl	$0, ud_count
	jne	1f
	addl	$3, (%esp)
	jmp	2f
1:	addl	$7, (%esp)
2:	incl	ud_count
	iret

pit_isr:
	incl	pit_ticks
	movl	$0, APIC + 0xb0
	iret

/* COM1: IIR says why; THRE counted, a byte stored. */
com1_isr:
	pushl	%eax
	pushl	%edx
	movw	$COM1 + 2, %dx
	inb	%dx, %al
	andb	$0x0f, %al
	cmpb	$0x02, %al
	jne	1f
	incl	thre_irqs
	movw	$COM1 + 1, %dx			/* THRE off again */
	xorb	%al, %al
	outb	%al, %dx
	jmp	2f
1:	cmpb	$0x04, %al
	jne	2f
	movw	$COM1, %dx
	inb	%dx, %al
	movzbl	%al, %eax
	movl	%eax, rx_char
2:	movl	$0, APIC + 0xb0
	popl	%edx
	popl	%eax
	iret

	.section .rodata
m_ioapic_ok:	.asciz	"guest: platform: I/O APIC version 0x20, 24 pins, entries programmed\n"
m_pit:		.asciz	"guest: platform: 5 PIT interrupts through I/O APIC pin 2\n"
m_pmtmr_ok:	.asciz	"guest: platform: ACPI PM timer runs\n"
m_pci_ok:	.asciz	"guest: platform: PCI host bridge 8086:29c0 by 0xcf8 and ECAM\n"
m_pci:		.asciz	"PCI configuration space is wrong"
m_str_ok:	.asciz	"guest: platform: string MMIO: REP MOVSD from ECAM, MOVSD to the I/O APIC, REP STOSD unbacked\n"
m_str:		.asciz	"a string instruction on MMIO went wrong"
m_type:		.asciz	"guest: platform: COM1 THRE interrupt; type a key\n"
m_rx:		.asciz	"guest: platform: received by interrupt: "
m_s5:		.asciz	"guest: platform: entering ACPI S5\n"
m_ud:		.asciz	"guest: platform: VMXOFF and VMPTRST raised #UD\n"
m_noud:		.asciz	"VMX instructions did not raise #UD"
m_pic:		.asciz	"the 8259 mask did not read back"
m_ioapic:	.asciz	"the I/O APIC version or entry is wrong"
m_pmtmr:	.asciz	"the PM timer does not move"
m_nos5:		.asciz	"still running after S5"

	.data
ud_count:	.long	0
ud_scratch:	.quad	0
pit_ticks:	.long	0
thre_irqs:	.long	0
rx_char:	.long	0
strsel:		.long	1
strbuf:		.long	0, 0, 0, 0
