/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 64-bit entry used by the UEFI loader (boot/uefi/loader.c) once boot
 * services are gone: RDI holds the boot_info (direct-map address). The
 * hand-over state is described in boot/bootinfo.h.
 */
	.section .text.entry, "ax"
	.globl boot_entry64
boot_entry64:
	cli
	cld
	movabsq	$boot_stack_top, %rsp
	xorl	%ebp, %ebp
	call	tern_main
1:	cli
	hlt
	jmp	1b

	.section .bss
	.balign 16
	.globl boot_stack_top
	.globl boot_stack
boot_stack:
	.skip	16384
boot_stack_top:
