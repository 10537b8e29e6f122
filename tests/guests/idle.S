/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest that says hello and halts for good: it runs until `vm stop`.
 * If multiboot gave it a module (its VM's initrd), it names it first.
 */
	.text
	.code32
	.globl	guest_main
guest_main:
	movl	mb_info, %ebx
	testl	$(1 << 3), (%ebx)		/* MB1_INFO_MODS */
	jz	2f
	cmpl	$0, 20(%ebx)			/* mods_count */
	je	2f
	movl	24(%ebx), %ebx			/* the first module */
	movl	$m_mod, %esi
	call	puts
	movl	8(%ebx), %esi			/* its string */
	call	puts
	movl	$m_comma, %esi
	call	puts
	movl	4(%ebx), %eax
	subl	(%ebx), %eax
	call	putdec
	movl	$m_bytes, %esi
	call	puts
2:	movl	$msg, %esi
	call	puts
1:	cli
	hlt
	jmp	1b

	.section .rodata
msg:	.asciz	"guest: idle, halting until stopped\n"
m_mod:	.asciz	"guest: idle: multiboot module "
m_comma: .asciz	", "
m_bytes: .asciz	" bytes\n"

