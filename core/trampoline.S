/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Application-processor start-up code (SDM 3A 9.4.4, 9.8.5). core/smp.c
 * copies it to a page T below 1 MiB and patches the data at its end; the
 * SIPI starts the AP in real mode at T:0. Real -> protected -> long mode,
 * then a jump to ap_entry(percpu) in the high half. Only position-
 * independent references: offsets from T, which the 16-bit code puts in EBX.
 */
#define OFF(x)	((x) - tramp_start)

	.section .rodata
	.globl tramp_start, tramp_end
	.globl tramp_gdtr, tramp_jump32, tramp_jump64
	.globl tramp_cr0, tramp_cr3, tramp_cr4, tramp_efer
	.globl tramp_percpu, tramp_stack, tramp_entry
	.balign 16
	.code16
tramp_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	movzwl	%ax, %ebx
	shll	$4, %ebx			/* EBX = T */
	lgdtl	OFF(tramp_gdtr)
	movl	%cr0, %eax
	orl	$1, %eax			/* PE */
	movl	%eax, %cr0
	ljmpl	*OFF(tramp_jump32)

	.code32
tramp_pm32:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	OFF(tramp_cr4)(%ebx), %eax
	movl	%eax, %cr4
	movl	OFF(tramp_cr3)(%ebx), %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx
	movl	OFF(tramp_efer)(%ebx), %eax
	xorl	%edx, %edx
	wrmsr
	movl	OFF(tramp_cr0)(%ebx), %eax
	movl	%eax, %cr0
	ljmp	*OFF(tramp_jump64)(%ebx)

	.code64
tramp_lm64:
	movq	OFF(tramp_percpu)(%rbx), %rdi
	movq	OFF(tramp_stack)(%rbx), %rsp
	movq	OFF(tramp_entry)(%rbx), %rax
	xorl	%ebp, %ebp
	jmp	*%rax

	.balign 8
	/* Accessed bits preset: loading a segment with it clear makes the
	 * CPU write the descriptor, and this page is mapped read-only once
	 * paging is on (W^X). */
tramp_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff		/* 0x08: 32-bit code */
	.quad	0x00cf93000000ffff		/* 0x10: data */
	.quad	0x00af9b000000ffff		/* 0x18: 64-bit code */
tramp_gdt_end:
tramp_gdtr:
	.short	tramp_gdt_end - tramp_gdt - 1
	.long	OFF(tramp_gdt)			/* + T, patched */
	.balign 8
tramp_jump32:
	.long	OFF(tramp_pm32)			/* + T, patched */
	.short	0x08
	.balign 8
tramp_jump64:
	.long	OFF(tramp_lm64)			/* + T, patched */
	.short	0x18
	.balign 8
tramp_cr0:	.long 0
tramp_cr3:	.long 0
tramp_cr4:	.long 0
tramp_efer:	.long 0
tramp_percpu:	.quad 0
tramp_stack:	.quad 0
tramp_entry:	.quad 0
tramp_end:
