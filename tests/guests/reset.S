/* SPDX-License-Identifier: GPL-2.0 */
/* Resets itself at once, through the 8042 or port 0xcf9 (the TSC's low bit
 * picks one, so repeated boots use both). tern restarts it each time; the
 * test counts the restarts and stops it. */
	.text
	.code32
	.globl	guest_main
guest_main:
	movl	$msg, %esi
	call	puts
	rdtsc
	testb	$1, %al
	jz	1f
	movb	$0xfe, %al
	outb	%al, $0x64		/* 8042 reset pulse */
	jmp	2f
1:	movb	$0x06, %al
	movw	$0xcf9, %dx
	outb	%al, %dx		/* hard reset */
2:	cli
	hlt
	jmp	2b

	.section .rodata
msg:	.asciz	"guest: booted, resetting\n"
