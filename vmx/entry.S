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
#define VMCS_HOST_RSP	0x6c14

/* struct guest_regs offsets (vmx/vcpu.h) */
#define R_RAX	0
#define R_RCX	8
#define R_RDX	16
#define R_RBX	24
#define R_RBP	32
#define R_RSI	40
#define R_RDI	48
#define R_R8	56
#define R_R9	64
#define R_R10	72
#define R_R11	80
#define R_R12	88
#define R_R13	96
#define R_R14	104
#define R_R15	112

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
	movq	R_RCX(%rdi), %rcx
	movq	R_RDX(%rdi), %rdx
	movq	R_RBX(%rdi), %rbx
	movq	R_RBP(%rdi), %rbp
	movq	R_RSI(%rdi), %rsi
	movq	R_R8(%rdi), %r8
	movq	R_R9(%rdi), %r9
	movq	R_R10(%rdi), %r10
	movq	R_R11(%rdi), %r11
	movq	R_R12(%rdi), %r12
	movq	R_R13(%rdi), %r13
	movq	R_R14(%rdi), %r14
	movq	R_R15(%rdi), %r15
	movq	R_RAX(%rdi), %rax	/* MOV leaves ZF from TEST alone */
	movq	R_RDI(%rdi), %rdi
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
	movq	%rax, R_RAX(%rdi)
	movq	%rcx, R_RCX(%rdi)
	movq	%rdx, R_RDX(%rdi)
	movq	%rbx, R_RBX(%rdi)
	movq	%rbp, R_RBP(%rdi)
	movq	%rsi, R_RSI(%rdi)
	movq	%r8, R_R8(%rdi)
	movq	%r9, R_R9(%rdi)
	movq	%r10, R_R10(%rdi)
	movq	%r11, R_R11(%rdi)
	movq	%r12, R_R12(%rdi)
	movq	%r13, R_R13(%rdi)
	movq	%r14, R_R14(%rdi)
	movq	%r15, R_R15(%rdi)
	popq	%rax
	movq	%rax, R_RDI(%rdi)
	popq	%rdi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	xorl	%eax, %eax
	ret
