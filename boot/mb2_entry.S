/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot2 entry. GRUB (BIOS or UEFI) jumps here in 32-bit protected mode
 * without paging (Multiboot2 spec 3.3: EAX magic, EBX boot info). We build
 * the hand-over page tables of boot/bootinfo.h, enter long mode and call
 * mb2_main() in the high half, which fills the boot_info.
 */
#include "boot/multiboot2.h"

#define CR0_PE		(1 << 0)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define MSR_EFER	0xc0000080
#define EFER_LME	(1 << 8)
#define EFER_NXE	(1 << 11)
#define PTE_P		0x1
#define PTE_W		0x2
#define PTE_PS		0x80
#define COM1		0x3f8

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	.balign 8
	.short MB2_HTAG_ENTRY, 0
	.long 12
	.long mb2_entry32
	.balign 8
	.short MB2_HTAG_MODULE_ALIGN, 0
	.long 8
	.balign 8
	.short MB2_HTAG_END, 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl mb2_entry32
mb2_entry32:
	cli
	cld
	movl	$boot32_stack_top, %esp
	cmpl	$MB2_BOOTLOADER_MAGIC, %eax
	movl	$msg_magic, %esi
	jne	fail32
	movl	%ebx, %edi			/* boot info, kept to the end */

	/* Long mode is required (CPUID 0x80000001 EDX.LM, bit 29). */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	movl	$msg_nolm, %esi
	jb	fail32
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx
	jnc	fail32
	movl	%edx, %ebp			/* EDX.NX is bit 20 */

	/* Clear the page tables (GRUB zero-fills, but do not rely on it). */
	pushl	%edi
	movl	$boot_pt_start, %edi
	movl	$(boot_pt_end - boot_pt_start) / 4, %ecx
	xorl	%eax, %eax
	rep stosl
	popl	%edi

	/* 4 page directories: [0, 4 GiB) in 2 MiB pages. */
	movl	$boot_pd, %ebx
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$(PTE_P | PTE_W | PTE_PS), %eax
	movl	%eax, (%ebx, %ecx, 8)
	movl	%ecx, %eax
	shrl	$11, %eax			/* high dword of ecx << 21 */
	movl	%eax, 4(%ebx, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jb	1b

	/* PDPT for identity and direct map: entries 0-3 -> the 4 PDs. */
	movl	$boot_pdpt, %ebx
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$boot_pd + (PTE_P | PTE_W), %eax
	movl	%eax, (%ebx, %ecx, 8)
	incl	%ecx
	cmpl	$4, %ecx
	jb	2b

	/* High PDPT: entry 510 (KERNEL_VIRT_BASE) -> first GiB. */
	movl	$(boot_pd + (PTE_P | PTE_W)), boot_pdpt_high + 510 * 8

	movl	$(boot_pdpt + (PTE_P | PTE_W)), boot_pml4		/* identity */
	movl	$(boot_pdpt + (PTE_P | PTE_W)), boot_pml4 + 256 * 8	/* direct */
	movl	$(boot_pdpt_high + (PTE_P | PTE_W)), boot_pml4 + 511 * 8

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	btl	$20, %ebp
	jnc	3f
	orl	$EFER_NXE, %eax
3:	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_PE), %eax
	movl	%eax, %cr0
	lgdt	boot_gdt_ptr
	ljmp	$0x08, $mb2_entry64

	/* Print the string at ESI on COM1 (already set up by the BIOS or not:
	 * either way, this is all we can say) and stop. */
fail32:
	movw	$COM1, %dx
4:	lodsb
	testb	%al, %al
	jz	5f
	outb	%al, %dx
	jmp	4b
5:	cli
	hlt
	jmp	5b

	.code64
mb2_entry64:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	movabsq	$boot_stack_top, %rsp
	movl	%edi, %edi			/* boot info, zero-extended */
	movabsq	$mb2_main, %rax
	call	*%rax
6:	cli
	hlt
	jmp	6b

	.section .boot.data, "aw"
	.balign 8
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff		/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.short	boot_gdt_end - boot_gdt - 1
	.long	boot_gdt
msg_magic:
	.asciz	"tern: not loaded by a multiboot2 loader\r\n"
msg_nolm:
	.asciz	"tern: this CPU has no 64-bit long mode\r\n"

	.section .boot.bss, "aw", @nobits
	.balign 4096
boot_pt_start:
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4 * 4096
boot_pt_end:
	.skip	1024
boot32_stack_top:
