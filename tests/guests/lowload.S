/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A multiboot kernel linked and loaded at 0x8000, in conventional memory
 * (tests/guests/guest-low.ld): tern loads it there and puts the boot
 * information above it, not over it. Checks it runs where it was linked,
 * that EBX's information lies beyond its own end and is sound (flags, the
 * command line), and exits 0.
 */
#include "guest.h"


	.text
	.code32
	.globl	guest_main
guest_main:
	call	1f
1:	popl	%eax			/* where this code runs */
	cmpl	$1b, %eax
	CHECK(e, m_where)
	cmpl	$0x100000, %eax
	CHECK(b, m_high)
	cmpl	$0x2badb002, mb_magic
	CHECK(e, m_magic)
	movl	mb_info, %ebx
	cmpl	$_end, %ebx		/* not over the kernel */
	CHECK(ae, m_over)
	testl	$4, (%ebx)		/* a command line */
	CHECK(nz, m_nocmd)
	movl	16(%ebx), %esi
	cmpl	$_end, %esi
	CHECK(ae, m_over)
	movl	$m_ok, %esi
	call	puts
	movl	16(%ebx), %esi
	call	puts
	movb	$'\n', %al
	call	putc
	xorb	%al, %al
	jmp	guest_exit

	.section .rodata
m_ok:		.asciz	"guest: lowload: running at 0x8000, boot information above it; cmdline: "
m_where:	.asciz	"not running where it was linked"
m_high:		.asciz	"not below 1 MiB"
m_magic:	.asciz	"bad multiboot magic"
m_over:		.asciz	"the boot information overlaps the kernel"
m_nocmd:	.asciz	"no command line"
