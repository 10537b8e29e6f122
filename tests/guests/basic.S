/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The basic test guest: checks the multiboot hand-over, tern's CPUID
 * (hypervisor leaf, VMX hidden), VMCALL, port I/O, MSRs (an unknown one
 * must #GP), and prints what it saw; ends through the exit port with
 * 0 (all passed) or 1. Counts it causes, for `vm stats` checks:
 * 3 CPUID, 101 VMCALL, 64 OUT + 1 IN to port 0x99 (unclaimed), 2 RDMSR (1 #GP),
 * 3 EPT violations on unbacked memory (2 reads, 1 write). It also finds
 * tern's ACPI tables (RSDP in 0xe0000-0xfffff, XSDT, MADT) and counts CPUs.
 */
#include "guest.h"


	.text
	.code32
	.globl	guest_main
guest_main:
	cmpl	$0x2badb002, mb_magic
	CHECK(e, m_magic)
	movl	$m_hello, %esi
	call	puts

	/* Command line and memory from the multiboot information. */
	movl	mb_info, %ebx
	testl	$4, (%ebx)
	CHECK(nz, m_nocmd)
	movl	$m_cmdline, %esi
	call	puts
	movl	16(%ebx), %esi
	call	puts
	movl	$m_mem, %esi
	call	puts
	movl	8(%ebx), %eax
	call	putdec
	movl	$m_kib, %esi
	call	puts

	/* CPUID: the hypervisor leaf and its signature. */
	movl	$0x40000000, %eax
	cpuid
	cmpl	$0x6e726554, %ebx	/* "Tern" */
	CHECK(e, m_sig)
	cmpl	$0x6e726554, %ecx
	CHECK(e, m_sig)
	cmpl	$0x6e726554, %edx
	CHECK(e, m_sig)
	movl	$1, %eax
	cpuid
	btl	$31, %ecx
	CHECK(c, m_hvbit)
	btl	$5, %ecx
	CHECK(nc, m_vmx)
	movl	$m_cpuid, %esi
	call	puts
	xorl	%eax, %eax
	cpuid				/* third CPUID exit */

	/* 100 VMCALL nops, then "who am I". */
	movl	$100, %ecx
2:	xorl	%eax, %eax
	vmcall
	testl	%eax, %eax
	CHECK(z, m_vmcall)
	loop	2b
	movl	$1, %eax
	vmcall
	testl	%eax, %eax		/* vcpu 0 */
	CHECK(z, m_vmcall)
	movl	$m_vmcall_ok, %esi
	call	puts

	/* Unclaimed port: writes vanish, reads are all ones. */
	movl	$64, %ecx
3:	outb	%al, $0x99
	loop	3b
	inb	$0x99, %al
	cmpb	$0xff, %al
	CHECK(e, m_io)
	movl	$m_io_ok, %esi
	call	puts

	/* MSRs: misc-enable reads with fast strings; an unknown one #GPs. */
	movl	$0x1a0, %ecx
	rdmsr
	testl	$1, %eax
	CHECK(nz, m_msr)
	movl	$0x4b564d00, %ecx
	rdmsr
	cmpl	$1, gp_count
	CHECK(e, m_gp)
	movl	$m_msr_ok, %esi
	call	puts

	/* Unbacked guest-physical memory: all ones, writes vanish. */
	movl	$0xe0000000, %edi
	movl	$0x12345678, (%edi)
	movl	(%edi), %eax
	cmpl	$0xffffffff, %eax
	CHECK(e, m_unbacked)
	xorl	%eax, %eax
	movzbl	3(%edi), %eax
	cmpl	$0xff, %eax
	CHECK(e, m_unbacked)
	movl	$m_unbacked_ok, %esi
	call	puts

	/* ACPI: the RSDP on a 16-byte boundary, then XSDT -> MADT. */
	movl	$0xe0000, %esi
5:	cmpl	$0x20445352, (%esi)	/* "RSD " */
	jne	6f
	cmpl	$0x20525450, 4(%esi)	/* "PTR " */
	je	7f
6:	addl	$16, %esi
	cmpl	$0x100000, %esi
	jb	5b
	movl	$m_nordsp, %esi
	jmp	guest_fail
7:	movl	24(%esi), %ebx		/* XSDT (below 4 GiB) */
	cmpl	$0x54445358, (%ebx)	/* "XSDT" */
	CHECK(e, m_noxsdt)
	movl	4(%ebx), %ecx
	subl	$36, %ecx
	shrl	$3, %ecx		/* entries */
	leal	36(%ebx), %edx
8:	movl	(%edx), %edi
	cmpl	$0x43495041, (%edi)	/* "APIC" */
	je	9f
	addl	$8, %edx
	loop	8b
	movl	$m_nomadt, %esi
	jmp	guest_fail
9:	movl	4(%edi), %ecx		/* MADT length */
	leal	(%edi, %ecx), %ecx	/* end */
	addl	$44, %edi
	xorl	%eax, %eax
10:	cmpl	%ecx, %edi
	jae	11f
	cmpb	$0, (%edi)		/* local APIC */
	je	12f
	cmpb	$9, (%edi)		/* local x2APIC */
	jne	13f
12:	incl	%eax
13:	movzbl	1(%edi), %edx
	addl	%edx, %edi
	jmp	10b
11:	movl	$m_acpi, %esi
	call	puts
	call	putdec
	movl	$m_acpi2, %esi
	call	puts
	cmpl	$1, %eax
	CHECK(e, m_ncpu)

	/* CMOS clock: wait out an update in progress (244 us of every
	 * second; the test counts the extra polls), then the date (BCD). */
	xorl	%ecx, %ecx
3:	movb	$0x0a, %al
	outb	%al, $0x70
	inb	$0x71, %al
	testb	$0x80, %al
	jz	4f
	incl	%ecx
	cmpl	$100000, %ecx
	jb	3b
	movl	$m_uip, %esi
	jmp	guest_fail
4:	movl	$m_uip_polls, %esi
	call	puts
	movl	%ecx, %eax
	call	putdec
	movb	$'\n', %al
	call	putc
	movl	$m_rtc, %esi
	call	puts
	movb	$0x32, %al		/* century */
	call	put_cmos_bcd
	movb	$0x09, %al		/* year */
	call	put_cmos_bcd
	movb	$'-', %al
	call	putc
	movb	$0x08, %al		/* month */
	call	put_cmos_bcd
	movb	$'-', %al
	call	putc
	movb	$0x07, %al		/* day */
	call	put_cmos_bcd
	movb	$'\n', %al
	call	putc

	movl	$m_pass, %esi
	call	puts
	movb	$0, %al
	jmp	guest_exit

/* put_cmos_bcd: AL = CMOS register; prints its two BCD digits. */
put_cmos_bcd:
	outb	%al, $0x70
	inb	$0x71, %al
	pushl	%eax
	shrb	$4, %al
	addb	$'0', %al
	call	putc
	popl	%eax
	andb	$0x0f, %al
	addb	$'0', %al
	call	putc
	ret

	.section .rodata
m_hello:	.asciz	"guest: hello from a multiboot guest\n"
m_cmdline:	.asciz	"guest: cmdline '"
m_mem:		.asciz	"'\nguest: memory above 1 MiB: "
m_kib:		.asciz	" KiB\n"
m_cpuid:	.asciz	"guest: cpuid: hypervisor TernTernTern, VMX hidden\n"
m_vmcall_ok:	.asciz	"guest: vmcall: 101 calls answered\n"
m_io_ok:	.asciz	"guest: io: unclaimed port reads 0xff\n"
m_msr_ok:	.asciz	"guest: msr: known MSR read, unknown MSR raised #GP\n"
m_unbacked_ok:	.asciz	"guest: unbacked memory reads all ones, writes dropped\n"
m_acpi:		.asciz	"guest: acpi: RSDP, XSDT, MADT with "
m_acpi2:	.asciz	" CPU(s)\n"
m_rtc:		.asciz	"guest: rtc: "
m_pass:		.asciz	"guest: PASS\n"
m_magic:	.asciz	"bad multiboot magic"
m_nocmd:	.asciz	"no command line"
m_sig:		.asciz	"no TernTernTern CPUID signature"
m_hvbit:	.asciz	"CPUID.1:ECX.hypervisor clear"
m_vmx:		.asciz	"CPUID.1:ECX.VMX visible"
m_vmcall:	.asciz	"VMCALL returned the wrong value"
m_io:		.asciz	"unclaimed port did not read 0xff"
m_msr:		.asciz	"IA32_MISC_ENABLE without fast strings"
m_gp:		.asciz	"unknown MSR did not raise #GP"
m_unbacked:	.asciz	"unbacked memory did not read all ones"
m_nordsp:	.asciz	"no RSDP in 0xe0000-0xfffff"
m_noxsdt:	.asciz	"RSDP does not point at an XSDT"
m_nomadt:	.asciz	"no MADT in the XSDT"
m_ncpu:		.asciz	"MADT does not list exactly 1 CPU"
m_uip:		.asciz	"CMOS clock stuck in update"
m_uip_polls:	.asciz	"guest: rtc: update-in-progress polls "

