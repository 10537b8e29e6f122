/* SPDX-License-Identifier: GPL-2.0 */
/* A guest that says hello and halts for good: it runs until `vm stop`. */
	.text
	.code32
	.globl	guest_main
guest_main:
	movl	$msg, %esi
	call	puts
1:	cli
	hlt
	jmp	1b

	.section .rodata
msg:	.asciz	"guest: idle, halting until stopped\n"

