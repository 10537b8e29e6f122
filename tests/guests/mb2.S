/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot2 test guest: a v2 header (entry address tag, an optional
 * framebuffer tag tern may ignore, a required information request for
 * what tern provides) beside the v1 header every guest has; tern must
 * boot it as multiboot2. Prints the boot information tags it finds:
 * command line, boot loader name, the module (the VM's initrd), basic
 * memory, memory map entries, the ACPI RSDP copy. Exit 0 when the magic
 * and every expected tag were there.
 */
#include "guest.h"

#define MB2_MAGIC	0xe85250d6
#define MB2_LEN		(mb2_end - mb2_header)

	.section .multiboot, "a"
	.align 8
mb2_header:
	.long	MB2_MAGIC, 0, MB2_LEN, -(MB2_MAGIC + MB2_LEN)
	/* information request (required): cmdline, module, meminfo, mmap */
	.short	1, 0
	.long	24
	.long	1, 3, 4, 6
	/* entry address */
	.short	3, 0
	.long	12
	.long	mb2_entry
	.long	0			/* pad to 8 */
	/* framebuffer, optional: tern has none and may say so by omission */
	.short	5, 1
	.long	20
	.long	0, 0, 0
	.long	0			/* pad */
	.short	0, 0
	.long	8
mb2_end:

	.text
	.code32
/* The v2 entry: mark it, then the common start-up. */
mb2_entry:
	movl	$1, via_mb2_entry
	jmp	_start

	.globl	guest_main
guest_main:
	cmpl	$0x36d76289, mb_magic
	CHECK(e, m_magic)
	cmpl	$1, via_mb2_entry
	CHECK(e, m_entry)
	movl	$m_magic_ok, %esi
	call	puts

	movl	mb_info, %ebx
	leal	8(%ebx), %ebx		/* first tag */
next:	movl	(%ebx), %eax		/* type */
	testl	%eax, %eax
	jz	done
	cmpl	$1, %eax
	je	t_cmdline
	cmpl	$2, %eax
	je	t_loader
	cmpl	$3, %eax
	je	t_module
	cmpl	$4, %eax
	je	t_meminfo
	cmpl	$6, %eax
	je	t_mmap
	cmpl	$15, %eax
	je	t_rsdp
advance:
	movl	4(%ebx), %eax		/* size, then 8-byte alignment */
	addl	$7, %eax
	andl	$~7, %eax
	addl	%eax, %ebx
	jmp	next

t_cmdline:
	orl	$1, seen
	movl	$m_cmdline, %esi
	call	puts
	leal	8(%ebx), %esi
	call	puts
	movl	$m_quote_nl, %esi
	call	puts
	jmp	advance
t_loader:
	orl	$2, seen
	movl	$m_loader, %esi
	call	puts
	leal	8(%ebx), %esi
	call	puts
	movl	$m_nl, %esi
	call	puts
	jmp	advance
t_module:
	orl	$4, seen
	movl	$m_module, %esi
	call	puts
	leal	16(%ebx), %esi		/* its name */
	call	puts
	movl	$m_comma, %esi
	call	puts
	movl	12(%ebx), %eax		/* mod_end - mod_start */
	subl	8(%ebx), %eax
	call	putdec
	movl	$m_bytes, %esi
	call	puts
	testl	$0xfff, 8(%ebx)		/* page-aligned */
	CHECK(z, m_align)
	jmp	advance
t_meminfo:
	orl	$8, seen
	movl	$m_meminfo, %esi
	call	puts
	movl	12(%ebx), %eax
	call	putdec
	movl	$m_kib, %esi
	call	puts
	jmp	advance
t_mmap:
	orl	$16, seen
	movl	$m_mmap, %esi
	call	puts
	movl	4(%ebx), %eax		/* (size - 16) / entry size */
	subl	$16, %eax
	xorl	%edx, %edx
	divl	8(%ebx)
	call	putdec
	movl	$m_entries, %esi
	call	puts
	jmp	advance
t_rsdp:
	cmpl	$0x20445352, 8(%ebx)	/* "RSD " */
	CHECK(e, m_rsdp)
	orl	$32, seen
	movl	$m_rsdp_ok, %esi
	call	puts
	jmp	advance

done:	cmpl	$63, seen
	CHECK(e, m_missing)
	movl	$m_pass, %esi
	call	puts
	movb	$0, %al
	jmp	guest_exit

	.section .rodata
m_magic_ok:	.asciz	"guest: mb2: multiboot2 magic, entered at the entry address tag\n"
m_cmdline:	.asciz	"guest: mb2: command line '"
m_quote_nl:	.asciz	"'\n"
m_loader:	.asciz	"guest: mb2: boot loader "
m_nl:		.asciz	"\n"
m_module:	.asciz	"guest: mb2: module "
m_comma:	.asciz	", "
m_bytes:	.asciz	" bytes\n"
m_meminfo:	.asciz	"guest: mb2: upper memory "
m_kib:		.asciz	" KiB\n"
m_mmap:		.asciz	"guest: mb2: memory map with "
m_entries:	.asciz	" entries\n"
m_rsdp_ok:	.asciz	"guest: mb2: ACPI RSDP copy\n"
m_pass:		.asciz	"guest: PASS\n"
m_magic:	.asciz	"EAX is not the multiboot2 magic"
m_entry:	.asciz	"not entered at the entry address tag"
m_align:	.asciz	"the module is not page-aligned"
m_rsdp:		.asciz	"the ACPI tag holds no RSDP"
m_missing:	.asciz	"a boot information tag is missing"

	.data
via_mb2_entry:	.long	0
seen:		.long	0
