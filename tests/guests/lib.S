/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every test guest shares: the multiboot v1 header, a flat GDT, an
 * IDT (set_gate adds vectors) whose #GP handler skips the faulting 2-byte instruction (RDMSR and
 * WRMSR are 2 bytes) and counts it, COM1 output, and the exit port.
 * 32-bit code, cdecl-free: arguments in registers as documented.
 */
#define MB1_MAGIC	0x1badb002
#define MB1_FLAGS	0x3
#define COM1		0x3f8
#define EXIT_PORT	0xf4

	.section .multiboot, "a"
	.align 4
	.long	MB1_MAGIC, MB1_FLAGS, -(MB1_MAGIC + MB1_FLAGS)

	.text
	.code32

/* Entry: keep the multiboot registers, take our stack, GDT and IDT, and
 * run the guest's guest_main. */
	.globl	_start
_start:
	movl	$stack_top, %esp
	movl	%eax, mb_magic
	movl	%ebx, mb_info
	call	guest_setup
	jmp	guest_main

/* Load our own GDT and IDT: tern's hand-over leaves GDTR/IDTR unset. */
guest_setup:
	lgdt	gdt_ptr
	ljmp	$0x08, $1f
1:	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	$gp_handler, %eax
	movw	%ax, idt + 13 * 8
	shrl	$16, %eax
	movw	%ax, idt + 13 * 8 + 6
	movw	$0x08, idt + 13 * 8 + 2
	movw	$0x8e00, idt + 13 * 8 + 4
	lidt	idt_ptr
	ret

/* set_gate: EAX handler, EBX vector -> a 32-bit interrupt gate. */
	.globl	set_gate
set_gate:
	pushl	%edi
	pushl	%eax
	leal	idt(, %ebx, 8), %edi
	movw	%ax, (%edi)
	movw	$0x08, 2(%edi)
	movw	$0x8e00, 4(%edi)
	shrl	$16, %eax
	movw	%ax, 6(%edi)
	popl	%eax
	popl	%edi
	ret

gp_handler:
	addl	$4, %esp		/* error code */
	addl	$2, (%esp)		/* skip RDMSR/WRMSR */
	incl	gp_count
	iret

/* putc: AL */
	.globl	putc
putc:
	pushl	%edx
	pushl	%eax
	movw	$COM1 + 5, %dx
1:	inb	%dx, %al
	testb	$0x20, %al
	jz	1b
	popl	%eax
	movw	$COM1, %dx
	outb	%al, %dx
	popl	%edx
	ret

/* puts: ESI = NUL-terminated string */
	.globl	puts
puts:
	pushl	%eax
	pushl	%esi
1:	lodsb
	testb	%al, %al
	jz	2f
	call	putc
	jmp	1b
2:	popl	%esi
	popl	%eax
	ret

/* putdec: EAX, unsigned decimal */
	.globl	putdec
putdec:
	pushal
	movl	$10, %ecx
	xorl	%ebx, %ebx
1:	xorl	%edx, %edx
	divl	%ecx
	pushl	%edx
	incl	%ebx
	testl	%eax, %eax
	jnz	1b
2:	popl	%eax
	addb	$'0', %al
	call	putc
	decl	%ebx
	jnz	2b
	popal
	ret

/* puts64: RSI = NUL-terminated string, polled COM1; for guests that run in
 * 64-bit mode (the rest of this file is 32-bit code). */
	.code64
	.globl	puts64
puts64:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	movw	$0x3f8 + 5, %dx
1:	movb	(%rsi), %cl
	testb	%cl, %cl
	jz	3f
2:	inb	%dx, %al
	testb	$0x20, %al
	jz	2b
	movw	$0x3f8, %dx
	movb	%cl, %al
	outb	%al, %dx
	movw	$0x3f8 + 5, %dx
	incq	%rsi
	jmp	1b
3:	popq	%rdx
	popq	%rcx
	popq	%rax
	ret
	.code32

/* guest_fail: ESI = what failed; prints "guest: FAIL ..." and exits 1 */
	.globl	guest_fail
guest_fail:
	pushl	%esi
	movl	$m_fail, %esi
	call	puts
	popl	%esi
	call	puts
	movb	$'\n', %al
	call	putc
	movb	$1, %al
	jmp	guest_exit

/* exit: AL = status, through the exit port; never returns */
	.globl	guest_exit
guest_exit:
	outb	%al, $EXIT_PORT
1:	cli
	hlt
	jmp	1b

	.data
	.align 8
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08 code */
	.quad	0x00cf93000000ffff	/* 0x10 data */
gdt_end:
gdt_ptr:
	.short	gdt_end - gdt - 1
	.long	gdt
	.align 8
idt:
	.fill	256, 8, 0
	.globl	idt_ptr
idt_ptr:
	.short	256 * 8 - 1
	.long	idt
	.globl	gp_count, mb_magic, mb_info
gp_count:
	.long	0
mb_magic:
	.long	0
mb_info:
	.long	0

	.section .rodata
m_fail:	.asciz	"guest: FAIL "

	.bss
	.align 16
	.skip	8192
stack_top:
