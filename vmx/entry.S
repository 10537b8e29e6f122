/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entering and leaving a guest.
 *
 *   int vmx_enter(struct guest_regs *regs, int launched)
 *
 * saves tern's callee-saved registers, points HOST_RSP at this frame, loads
 * the guest's general registers and does VMLAUNCH (first time) or VMRESUME.
 * A VM exit lands at vmx_exit (HOST_RIP) on that same RSP: the guest's
 * registers go back into *regs and vmx_enter returns 0. If the entry itself
 * fails (VMfail), it returns 1 and the VM-instruction error field says why.
 * RSP and RIP of the guest live in the VMCS, not in struct guest_regs.
 */
#include "vmx/guest_regs.h"

#define VMCS_HOST_RSP	0x6c14	/* vmx/vmcs.h */

	.text
	.globl vmx_enter
vmx_enter:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi			/* regs, found again at exit */
	movl	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jbe	.Lfail_early
	movl	%esi, %eax		/* launched? decided before regs load */
	testl	%eax, %eax
	movq	GUEST_REGS_RCX(%rdi), %rcx
	movq	GUEST_REGS_RDX(%rdi), %rdx
	movq	GUEST_REGS_RBX(%rdi), %rbx
	movq	GUEST_REGS_RBP(%rdi), %rbp
	movq	GUEST_REGS_RSI(%rdi), %rsi
	movq	GUEST_REGS_R8(%rdi), %r8
	movq	GUEST_REGS_R9(%rdi), %r9
	movq	GUEST_REGS_R10(%rdi), %r10
	movq	GUEST_REGS_R11(%rdi), %r11
	movq	GUEST_REGS_R12(%rdi), %r12
	movq	GUEST_REGS_R13(%rdi), %r13
	movq	GUEST_REGS_R14(%rdi), %r14
	movq	GUEST_REGS_R15(%rdi), %r15
	movq	GUEST_REGS_RAX(%rdi), %rax	/* MOV leaves ZF from TEST alone */
	movq	GUEST_REGS_RDI(%rdi), %rdi
	jnz	1f
	vmlaunch
	jmp	.Lfail
1:	vmresume
.Lfail:
	/* Still tern's stack; guest values are in the registers: drop them. */
	popq	%rdi
.Lfail_pop:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	movl	$1, %eax
	ret
.Lfail_early:
	popq	%rdi
	jmp	.Lfail_pop

	.globl vmx_exit
vmx_exit:
	pushq	%rdi			/* guest RDI */
	movq	8(%rsp), %rdi		/* regs */
	movq	%rax, GUEST_REGS_RAX(%rdi)
	movq	%rcx, GUEST_REGS_RCX(%rdi)
	movq	%rdx, GUEST_REGS_RDX(%rdi)
	movq	%rbx, GUEST_REGS_RBX(%rdi)
	movq	%rbp, GUEST_REGS_RBP(%rdi)
	movq	%rsi, GUEST_REGS_RSI(%rdi)
	movq	%r8, GUEST_REGS_R8(%rdi)
	movq	%r9, GUEST_REGS_R9(%rdi)
	movq	%r10, GUEST_REGS_R10(%rdi)
	movq	%r11, GUEST_REGS_R11(%rdi)
	movq	%r12, GUEST_REGS_R12(%rdi)
	movq	%r13, GUEST_REGS_R13(%rdi)
	movq	%r14, GUEST_REGS_R14(%rdi)
	movq	%r15, GUEST_REGS_R15(%rdi)
	popq	%rax
	movq	%rax, GUEST_REGS_RDI(%rdi)
	popq	%rdi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	xorl	%eax, %eax
	ret
