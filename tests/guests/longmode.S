/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest that enters IA-32e mode itself (PAE, EFER.LME by WRMSR, CR0.PG:
 * tern keeps EFER.LMA and the VMCS in step) and uses CR8, which in 64-bit
 * mode is the local APIC's task priority: CR8 = 15 must read back as 15
 * and show as TPR 0xf0 in the xAPIC page, and must never reach the core's
 * own TPR. It leaves CR8 at 15 when it exits: the test then checks the
 * core takes tern's timer interrupts again (they would stay blocked if the
 * guest had set the core's TPR). Exit 0 when all held.
 */
#define COM1		0x3f8
#define EXIT_PORT	0xf4
#define MSR_EFER	0xc0000080

	.text
	.code32
	.globl	guest_main
guest_main:
	cli
	/* Identity: [0, 4 MiB) for the guest, and the xAPIC page. */
	movl	$pdpt + 3, pml4
	movl	$pd + 3, pdpt
	movl	$pd_apic + 3, pdpt + 3 * 8
	movl	$0x000083, pd			/* 2 MiB pages */
	movl	$0x200083, pd + 8
	movl	$0xfee00093, pd_apic + 503 * 8	/* uncached */
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$0x100, %eax			/* LME */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000000, %eax		/* PG: IA-32e mode */
	movl	%eax, %cr0
	lgdt	gdt64_ptr
	ljmp	$0x18, $long_entry

	.code64
long_entry:
	movl	$MSR_EFER, %ecx
	rdmsr
	testl	$0x400, %eax			/* LMA */
	jz	fail_lma
	movq	$15, %rax
	movq	%rax, %cr8
	movq	%cr8, %rbx
	cmpq	$15, %rbx
	jne	fail_cr8
	movl	0xfee00080, %eax		/* the xAPIC page's TPR */
	cmpl	$0xf0, %eax
	jne	fail_tpr
	leaq	m_ok(%rip), %rsi
	call	puts64
	xorl	%eax, %eax
	outb	%al, $EXIT_PORT
1:	hlt
	jmp	1b

fail_lma:
	leaq	m_lma(%rip), %rsi
	jmp	fail64
fail_cr8:
	leaq	m_cr8(%rip), %rsi
	jmp	fail64
fail_tpr:
	leaq	m_tpr(%rip), %rsi
fail64:
	call	puts64
	movb	$1, %al
	outb	%al, $EXIT_PORT
	jmp	1b

	.section .rodata
m_ok:	.asciz	"guest: longmode: IA-32e entered; CR8 15 reads back, xAPIC TPR 0xf0\n"
m_lma:	.asciz	"guest: FAIL EFER.LMA not set after CR0.PG\n"
m_cr8:	.asciz	"guest: FAIL CR8 did not read back\n"
m_tpr:	.asciz	"guest: FAIL CR8 is not the APIC's TPR\n"

	.data
	.align 8
gdt64:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08 32-bit code */
	.quad	0x00cf93000000ffff	/* 0x10 data */
	.quad	0x00af9b000000ffff	/* 0x18 64-bit code */
gdt64_end:
gdt64_ptr:
	.short	gdt64_end - gdt64 - 1
	.long	gdt64

	.bss
	.align 4096
pml4:	.skip	4096
pdpt:	.skip	4096
pd:	.skip	4096
pd_apic: .skip	4096
