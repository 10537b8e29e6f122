/* SPDX-License-Identifier: GPL-2.0 */
/* A guest that triple-faults on purpose: an empty IDT, then INT3. The VM
 * must stop with a dump; tern and the other VMs must carry on. */
	.text
	.code32
	.globl	guest_main
guest_main:
	movl	$msg, %esi
	call	puts
	lidt	no_idt
	int3
1:	hlt
	jmp	1b

	.section .rodata
msg:	.asciz	"guest: about to triple fault\n"
	.align 8
no_idt:	.short	0
	.long	0

