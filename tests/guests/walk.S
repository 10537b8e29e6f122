/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A page table outside RAM: 32-bit paging whose page directory sends
 * linear 0x40000000-0x403fffff to a page table at 0xfee00000, the local
 * APIC's page. A store to 0x400c0000 makes the CPU read its page-table
 * entry at 0xfee00300, the ICR; the store's own value would be a self-IPI
 * (vector 0x40) if tern took the paging-entry access for the operand.
 * tern must stop the VM naming the walk instead; any instruction after
 * the store is a failure.
 */
#include "guest.h"

#define APIC		0xfee00000
#define VEC		0x40
#define LINEAR		0x400c0000

	.text
	.code32
	.globl	guest_main
guest_main:
	movl	$isr, %eax
	movl	$VEC, %ebx
	call	set_gate
	movl	$0x1ff, APIC + 0xf0		/* local APIC on */

	/* 0-4 MiB identity by a 4 MiB page; 1 GiB by a page table in MMIO. */
	movl	$0x83, pd			/* P, RW, PS */
	movl	$(APIC | 3), pd + (LINEAR >> 22) * 4
	movl	$pd, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$0x10, %eax			/* PSE */
	movl	%eax, %cr4
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	movl	%eax, %cr0
	jmp	1f
1:	movl	$m_paging, %esi
	call	puts

	/* ICR := fixed, self, vector 0x40, if the store went to the ICR. */
	movl	$(0x40000 | VEC), LINEAR
	sti
	nop
	cli
	movl	$m_emulated, %esi
	cmpl	$0, ipis
	CHECK(e, m_ipi)
	jmp	guest_fail

isr:					/* no EOI: the APIC page is not mapped */
	incl	ipis
	iret

	.section .rodata
m_paging:	.asciz	"guest: walk: paging on, page table at 0xfee00000\n"
m_emulated:	.asciz	"the store through an MMIO page table was emulated"
m_ipi:		.asciz	"the store through an MMIO page table became an IPI"

	.data
ipis:	.long	0

	.bss
	.align	4096
pd:	.skip	4096
