/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prints 64 KiB (its whole COM1 history, console_history = 64K), waits a
 * while, prints a last line and exits. The test attaches with `vm console`
 * in that wait: printing the history takes longer than the wait, so the
 * guest stops while its history is being printed, and the last line must
 * still be shown.
 */
	.text
	.code32
	.globl	guest_main
guest_main:
	movl	$1024, %ebx			/* 1024 lines of 64 bytes */
1:	movl	$m_line, %esi
	call	puts
	decl	%ebx
	jnz	1b
	movl	$m_waiting, %esi
	call	puts
	movl	$20000000, %ecx			/* ~2 s of guest time at 10M ips */
2:	loop	2b
	movl	$m_last, %esi
	call	puts
	xorb	%al, %al
	jmp	guest_exit

	.section .rodata
m_line:		.asciz	"guest: chatty: a line of the history, sixty-four bytes long....\n"
m_waiting:	.asciz	"guest: chatty: history written; waiting\n"
m_last:		.asciz	"guest: chatty: the last line\n"
