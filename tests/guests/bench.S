/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit-cost benchmark: N round trips each of CPUID, VMCALL, OUT and an
 * MMIO write (the xAPIC EOI register: an EPT violation that tern decodes
 * and emulates, with an empty ISR so it changes nothing), timed
 * with RDTSC (in Bochs one TSC tick is one emulated instruction, so the
 * figures are instruction counts), minus the same loop without the
 * exiting instruction. Prints "bench: KIND TICKS per round trip".
 */
#define N 2000

	.text
	.code32
	.globl	guest_main
guest_main:

	/* Baseline: the loop with no exit in it. */
	rdtsc
	movl	%eax, %edi
	movl	$N, %ecx
1:	xorl	%eax, %eax
	nop
	loop	1b
	rdtsc
	subl	%edi, %eax
	movl	%eax, base

	movl	$m_cpuid, %esi
	rdtsc
	movl	%eax, %edi
	movl	$N, %ecx
2:	xorl	%eax, %eax
	pushl	%ecx
	cpuid
	popl	%ecx
	loop	2b
	call	report

	movl	$m_vmcall, %esi
	rdtsc
	movl	%eax, %edi
	movl	$N, %ecx
3:	xorl	%eax, %eax
	vmcall
	loop	3b
	call	report

	movl	$m_io, %esi
	rdtsc
	movl	%eax, %edi
	movl	$N, %ecx
4:	xorl	%eax, %eax
	outb	%al, $0x80
	loop	4b
	call	report

	movl	$m_mmio, %esi
	rdtsc
	movl	%eax, %edi
	movl	$N, %ecx
5:	xorl	%eax, %eax
	movl	%eax, 0xfee000b0
	loop	5b
	call	report

	movl	$m_done, %esi
	call	puts
	movb	$0, %al
	jmp	guest_exit

/* ESI = label, EDI = start TSC: print (now - start - base) / N. */
report:
	rdtsc
	subl	%edi, %eax
	subl	base, %eax
	xorl	%edx, %edx
	movl	$N, %ecx
	divl	%ecx
	call	puts
	call	putdec
	movl	$m_per, %esi
	call	puts
	ret

	.section .rodata
m_cpuid:	.asciz	"bench: cpuid "
m_vmcall:	.asciz	"bench: vmcall "
m_io:		.asciz	"bench: out "
m_mmio:		.asciz	"bench: mmio "
m_per:		.asciz	" TSC ticks per exit round trip\n"
m_done:		.asciz	"bench: done\n"

	.bss
base:	.long	0
