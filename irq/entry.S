/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupt and exception entry stubs (SDM 3A 6.12). Every vector gets a stub
 * that pushes a dummy error code where the CPU pushes none, then the vector,
 * and joins the common path, which builds a struct regs (irq/irq.h).
 * tern runs only at CPL0 with GS already the per-CPU base: no SWAPGS.
 * The frame is 22 quadwords and the CPU aligns RSP to 16 before pushing, so
 * RSP is 16-byte aligned at the call, as the ABI wants.
 */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
		      (v) == 21 || (v) == 29 || (v) == 30)

	.section .text
	.balign 16
irq_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	call	irq_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp
	iretq

	.altmacro
.macro STUB v
	.balign 16
irq_stub_\v:
	.if !(\v == 8 || (\v >= 10 && \v <= 14) || \v == 17 || \v == 21 || \v == 29 || \v == 30)
	pushq	$0
	.endif
	pushq	$\v
	jmp	irq_common
.endm

.set v, 0
.rept 256
	STUB %v
	.set v, v + 1
.endr

.macro STUB_ADDR v
	.quad irq_stub_\v
.endm

	.section .rodata
	.balign 8
	.globl irq_stub_table
irq_stub_table:
.set v, 0
.rept 256
	STUB_ADDR %v
	.set v, v + 1
.endr
