/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ELI's test guest (vmx/eli/eli.h), with Bochs's e1000 assigned (guest
 * 00:02.0, its INTx on guest GSI 18 by the _PRT) and loaded in
 * conventional memory (the VM's RAM above 1 MiB is identity-mapped).
 * It sizes BAR0 (ELI shows it one page larger: 256 KiB for the e1000's
 * 128), places it at 0xc0000000, routes the line to vector 0x61 on
 * vCPU 0, enters 64-bit mode with its own IDT and the local APIC in
 * x2APIC mode, maps the BAR, and waits until tern reports ELI live
 * (hypercall 3). Then, counting its exits with hypercall 2 (all but the
 * preemption timer's):
 *  A. 50 device interrupts, raised through the e1000's ICS register,
 *     taken and EOI'd (x2APIC EOI MSR) with no exit at all;
 *  B. a host interrupt to its core (hypercall 4) comes and goes (tern
 *     reflects the #NP it causes; the system test reads the counter);
 *  C. a segment load of a not-present descriptor gives the guest its
 *     own #NP, with the selector as error code;
 *  D. rewriting the device vector's gate in its IDT moves the next
 *     interrupt to the new handler (tern resyncs the shadow);
 *  E. a self-IPI (a virtual interrupt: injection mode) is taken and
 *     EOI'd, and ELI is back in direct mode after it; 20 device
 *     interrupts then cost no exit again;
 *  G. its x2APIC timer, armed 5 times, goes on the hardware (thesis
 *     3.9, eli_timer = direct): each expiry costs one exit, its arming
 *     WRMSR, and ELI stays in direct mode;
 *  F. loading page tables that do not map the BAR (as a kernel with
 *     page-table isolation does for user mode) ends ELI for the vCPU
 *     (hypercall 3 says 3) before an interrupt could fault on the IDT;
 *     back on its own tables, device interrupts still come (through
 *     tern now).
 * With "vec N" (decimal) its device's vector is N instead (test_bochs_vm:
 * a vector tern's route of another assigned function holds on that core,
 * which must move: thesis 3.5.3).
 * With the command line "hang", it instead takes one device interrupt
 * without ever EOI'ing it and spins with interrupts off: `vm stop` must
 * still stop it, and its core must be clean for the next VM.
 *
 * With "bench PERIOD TICKS" it is ELI's benchmark workload (tests/system/
 * bench_eli.py), under any eli = setting: its x2APIC timer ticks every
 * PERIOD TSC ticks (a kernel's HZ), and it raises device interrupts back
 * to back for TICKS TSC ticks, then prints what it did and what it cost:
 * "bench: interrupts N timer T exits E tsc C guest G" (exits of every
 * kind, all TSC figures in ticks; G the vCPU's ticks in guest mode).
 */
#include "guest.h"

#define E1000		0xc0000000
#define E1000_ICR	0xc0
#define E1000_ICS	0xc8
#define E1000_IMS	0xd0
#define E1000_IMC	0xd8
#define ICR_LSC		0x4
#define IOAPIC		0xfec00000
#define DEV_VEC		0x61
#define TIMER_VEC	0x40
#define IPI_VEC		0x42
#define GUEST_GSI	18		/* slot 2, INTA: 16 + ((2 + 0) & 3) */
#define MSR_EFER	0xc0000080
#define MSR_APIC_BASE	0x1b
#define X2APIC_EOI	0x80b
#define X2APIC_SVR	0x80f
#define X2APIC_LVT_TMR	0x832
#define X2APIC_TMR_INIT	0x838
#define X2APIC_TMR_DIV	0x83e
#define X2APIC_SELF_IPI	0x83f
#define HC_EXITS	2
#define HC_ELI_STATE	3
#define HC_ELI_KICK	4
#define HC_EXITS_ALL	5
#define HC_GUEST_TSC	6
#define NP_SEL		0x20
#define SPIN		20000000

/* On the condition, go on; otherwise fail with msg (64-bit code). */
	.macro	check64 cc, msg
	j\cc	.Lok\@
	leaq	\msg(%rip), %rsi
	jmp	fail64
.Lok\@:
	.endm

	.text
	.code32
	.globl	guest_main
guest_main:
	/* The command line: "hang" selects the never-EOI guest. */
	movl	mb_info, %ebx
	testl	$4, (%ebx)
	jz	1f
	movl	16(%ebx), %esi
	cmpl	$0x676e6168, (%esi)		/* "hang" */
	jne	2f
	movl	$1, hang
2:	cmpl	$0x20636576, (%esi)		/* "vec N" */
	jne	2f
	addl	$3, %esi
	call	atoi
	movl	%eax, dev_vec
	jmp	1f
2:	cmpl	$0x636e6562, (%esi)		/* "bench PERIOD TICKS" */
	jne	1f
	cmpb	$0x68, 4(%esi)
	jne	1f
	movl	$1, bench
	addl	$6, %esi
	call	atoi
	movl	%eax, bench_period
	call	atoi
	movl	%eax, bench_ticks
1:
	/* BAR0 of 00:02.0: its size as the guest sees it. */
	movw	$0xcf8, %dx
	movl	$0x80001010, %eax
	outl	%eax, %dx
	movw	$0xcfc, %dx
	movl	$0xffffffff, %eax
	outl	%eax, %dx
	inl	%dx, %eax
	andl	$0xfffffff0, %eax
	negl	%eax
	cmpl	$0x40000, %eax
	je	3f
	cmpl	$0, bench			/* eli = off: the device's own size */
	je	4f
	cmpl	$0x20000, %eax
	je	3f
4:	movl	$m_barsize, %esi
	jmp	guest_fail
3:
	movl	$E1000, %eax
	outl	%eax, %dx
	/* Memory decoding on (command register). */
	movw	$0xcf8, %dx
	movl	$0x80001004, %eax
	outl	%eax, %dx
	movw	$0xcfc, %dx
	movw	$0x0002, %ax
	outw	%ax, %dx
	/* The line: vector 0x61, level, active low, to APIC ID 0. */
	IOAPIC_WR(0x10 + 2 * GUEST_GSI + 1, 0)
	movl	$0x10 + 2 * GUEST_GSI, IOAPIC
	movl	dev_vec, %eax
	orl	$0xa000, %eax
	movl	%eax, IOAPIC + 0x10

	/* 64-bit mode: [0, 4 MiB) identity, and 0xc0000000 (the BAR) and
	 * 0xfec00000 uncached, 2 MiB pages. */
	movl	$pdpt + 3, pml4
	movl	$pd + 3, pdpt
	movl	$pd_hi + 3, pdpt + 3 * 8
	movl	$0x000083, pd
	movl	$0x200083, pd + 8
	movl	$0xc0000093, pd_hi
	movl	$0xfec00093, pd_hi + 502 * 8
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$0x20, %eax
	movl	%eax, %cr4
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	movl	%eax, %cr0
	lgdt	gdt64_ptr			/* emulated: descriptor-table exiting */
	ljmp	$0x18, $long_entry

/* atoi: ESI at spaces then decimal digits; EAX the number, ESI past it. */
atoi:
	xorl	%eax, %eax
1:	cmpb	$' ', (%esi)
	jne	2f
	incl	%esi
	jmp	1b
2:	movzbl	(%esi), %ecx
	subl	$'0', %ecx
	cmpl	$9, %ecx
	ja	3f
	imull	$10, %eax
	addl	%ecx, %eax
	incl	%esi
	jmp	2b
3:	ret

	.code64
long_entry:
	movl	$0x10, %eax
	movl	%eax, %ss
	leaq	stack64_top(%rip), %rsp
	/* The IDT: exceptions we expect, the device, the timer. */
	leaq	np_handler(%rip), %rax
	movl	$11, %ebx
	call	gate64
	leaq	fault_handler(%rip), %rax
	movl	$13, %ebx
	call	gate64
	movl	$14, %ebx
	call	gate64
	leaq	dev_handler(%rip), %rax
	movl	dev_vec(%rip), %ebx
	call	gate64
	leaq	timer_handler(%rip), %rax
	movl	$TIMER_VEC, %ebx
	call	gate64
	leaq	ipi_handler(%rip), %rax
	movl	$IPI_VEC, %ebx
	call	gate64
	lidt	idt64_ptr(%rip)
	/* SIDT answers the guest's own IDTR, whatever tern loads. */
	sidt	sidt_buf(%rip)
	leaq	idt64(%rip), %rax
	cmpq	%rax, sidt_buf + 2(%rip)
	check64	e, m_sidt
	/* x2APIC on (EN | EXTD), software-enabled. */
	movl	$MSR_APIC_BASE, %ecx
	rdmsr
	orl	$0xc00, %eax
	wrmsr
	movl	$X2APIC_SVR, %ecx
	movl	$0x1ff, %eax
	xorl	%edx, %edx
	wrmsr
	/* The e1000: old causes cleared, link-status change unmasked. */
	movl	$E1000, %ebx
	movl	E1000_ICR(%rbx), %eax
	movl	$ICR_LSC, E1000_IMS(%rbx)
	sti

	/* Wait for ELI (each hypercall is an exit where tern tries). */
	movl	$SPIN, %r12d
1:	movl	$HC_ELI_STATE, %eax
	vmcall
	cmpq	$1, %rax
	je	2f
	cmpq	$3, %rax			/* off: the benchmark runs anyway */
	jne	0f
	cmpl	$0, bench(%rip)
	jne	do_bench
0:	pause
	decl	%r12d
	jnz	1b
	leaq	m_nolive(%rip), %rsi
	jmp	fail64
2:	cmpl	$0, bench(%rip)
	jne	do_bench
	leaq	m_live(%rip), %rsi
	call	puts64
	cmpl	$0, hang(%rip)
	jne	do_hang

	/* A. 50 device interrupts, no exit. */
	movl	$HC_EXITS, %eax
	vmcall
	movq	%rax, %r13
	movl	$50, %r14d
3:	call	raise
	decl	%r14d
	jnz	3b
	movl	$HC_EXITS, %eax
	vmcall
	subq	%r13, %rax
	cmpq	$1, %rax			/* the hypercall itself */
	check64	e, m_exits
	leaq	m_a(%rip), %rsi
	call	puts64

	/* B. A host interrupt on a hidden gate. */
	movl	$HC_ELI_KICK, %eax
	vmcall
	testq	%rax, %rax
	check64	z, m_kick
	movl	$1000, %ecx
4:	pause
	loop	4b
	leaq	m_b(%rip), %rsi
	call	puts64

	/* C. The guest's own #NP. */
	movl	$NP_SEL, %eax
	movl	%eax, %ds			/* 8e d8: the handler skips 2 bytes */
	cmpl	$1, np_count(%rip)
	check64	e, m_np
	cmpl	$NP_SEL, np_err(%rip)
	check64	e, m_np
	leaq	m_c(%rip), %rsi
	call	puts64

	/* D. The device's gate rewritten: the shadow follows. */
	leaq	dev_handler2(%rip), %rax
	movl	dev_vec(%rip), %ebx
	call	gate64
	movl	dev_count2(%rip), %r15d
	call	raise_any
	cmpl	$1, dev_count2(%rip)
	check64	e, m_rewrite
	leaq	m_d(%rip), %rsi
	call	puts64
	leaq	dev_handler(%rip), %rax
	movl	dev_vec(%rip), %ebx
	call	gate64

	/* E. A self-IPI: a virtual interrupt, injection mode. */
	movl	$X2APIC_SELF_IPI, %ecx
	movl	$IPI_VEC, %eax
	xorl	%edx, %edx
	wrmsr
	movl	$SPIN, %r12d
5:	cmpl	$0, ipi_count(%rip)
	jne	6f
	pause
	decl	%r12d
	jnz	5b
	leaq	m_ipi(%rip), %rsi
	jmp	fail64
6:	movl	$HC_ELI_STATE, %eax
	vmcall
	cmpq	$1, %rax
	check64	e, m_back
	movl	$HC_EXITS, %eax
	vmcall
	movq	%rax, %r13
	movl	$20, %r14d
7:	call	raise
	decl	%r14d
	jnz	7b
	movl	$HC_EXITS, %eax
	vmcall
	subq	%r13, %rax
	cmpq	$1, %rax
	check64	e, m_exits
	leaq	m_e(%rip), %rsi
	call	puts64

	/* G. The x2APIC timer on the hardware (eli_timer = direct): the
	 * arming WRMSR is its only exit, 5 times over. */
	movl	$X2APIC_TMR_DIV, %ecx
	movl	$0xb, %eax
	xorl	%edx, %edx
	wrmsr
	movl	$X2APIC_LVT_TMR, %ecx
	movl	$TIMER_VEC, %eax
	wrmsr
	movl	$5, %r14d
4:	movl	$HC_EXITS, %eax
	vmcall
	movq	%rax, %r13
	movl	timer_count(%rip), %r15d
	incl	%r15d
	movl	$X2APIC_TMR_INIT, %ecx
	movl	$20000, %eax
	xorl	%edx, %edx
	wrmsr
	movl	$SPIN, %r12d
5:	cmpl	%r15d, timer_count(%rip)
	jae	6f
	pause
	decl	%r12d
	jnz	5b
	leaq	m_timer(%rip), %rsi
	jmp	fail64
6:	movl	$HC_EXITS, %eax
	vmcall
	subq	%r13, %rax
	cmpq	$2, %rax			/* the arm and the hypercall */
	check64	e, m_texits
	decl	%r14d
	jnz	4b
	movl	$HC_ELI_STATE, %eax
	vmcall
	cmpq	$1, %rax
	check64	e, m_tback
	leaq	m_g(%rip), %rsi
	call	puts64

	/* F. Page tables without the BAR: ELI must leave first. */
	leaq	pd + 3(%rip), %rax
	movq	%rax, pdpt_nobar(%rip)		/* low memory only */
	leaq	pdpt_nobar + 3(%rip), %rax
	movq	%rax, pml4_nobar(%rip)
	movq	%cr3, %r14
	leaq	pml4_nobar(%rip), %rax
	movq	%rax, %cr3
	movl	$HC_ELI_STATE, %eax
	vmcall
	movq	%r14, %cr3
	cmpq	$3, %rax
	check64	e, m_pti
	call	raise
	leaq	m_f(%rip), %rsi
	call	puts64
	xorl	%eax, %eax
	outb	%al, $0xf4
8:	hlt
	jmp	8b

/* One device interrupt into dev_handler, waited for with interrupts on. */
raise:
	movl	dev_count(%rip), %r15d
	incl	%r15d
	movl	$E1000, %ebx
	movl	$ICR_LSC, E1000_ICS(%rbx)
	movl	$SPIN, %r12d
1:	cmpl	%r15d, dev_count(%rip)
	jae	2f
	pause
	decl	%r12d
	jnz	1b
	leaq	m_noirq(%rip), %rsi
	jmp	fail64
2:	ret

/* One device interrupt, into whichever handler: count2 or count. */
raise_any:
	movl	dev_count(%rip), %r15d
	movl	$E1000, %ebx
	movl	$ICR_LSC, E1000_ICS(%rbx)
	movl	$SPIN, %r12d
1:	cmpl	$0, dev_count2(%rip)
	jne	2f
	cmpl	%r15d, dev_count(%rip)
	jne	2f
	pause
	decl	%r12d
	jnz	1b
	leaq	m_noirq(%rip), %rsi
	jmp	fail64
2:	ret

/* The benchmark: a periodic timer, device interrupts back to back. */
do_bench:
	movl	$X2APIC_TMR_DIV, %ecx
	movl	$0xb, %eax
	xorl	%edx, %edx
	wrmsr
	movl	$X2APIC_LVT_TMR, %ecx
	movl	$TIMER_VEC | 0x20000, %eax	/* periodic */
	wrmsr
	movl	$X2APIC_TMR_INIT, %ecx
	movl	bench_period(%rip), %eax
	wrmsr
	movl	$HC_EXITS_ALL, %eax
	vmcall
	movq	%rax, b_exits(%rip)
	movl	$HC_GUEST_TSC, %eax
	vmcall
	movq	%rax, b_guest(%rip)
	movl	dev_count(%rip), %eax
	movl	%eax, b_dev(%rip)
	movl	timer_count(%rip), %eax
	movl	%eax, b_timer(%rip)
	rdtsc
	shlq	$32, %rdx
	orq	%rax, %rdx
	movq	%rdx, b_tsc(%rip)
	movl	bench_ticks(%rip), %r13d
1:	call	raise
	rdtsc
	shlq	$32, %rdx
	orq	%rax, %rdx
	subq	b_tsc(%rip), %rdx
	cmpq	%r13, %rdx
	jb	1b
	movq	%rdx, b_tsc(%rip)		/* now the length */
	movl	$HC_GUEST_TSC, %eax
	vmcall
	subq	b_guest(%rip), %rax
	movq	%rax, b_guest(%rip)
	movl	$HC_EXITS_ALL, %eax
	vmcall
	subq	b_exits(%rip), %rax
	decq	%rax				/* the hypercall just above */
	movq	%rax, b_exits(%rip)
	movl	$X2APIC_LVT_TMR, %ecx
	movl	$0x10000, %eax			/* masked */
	xorl	%edx, %edx
	wrmsr
	leaq	m_bench(%rip), %rsi
	call	puts64
	movl	dev_count(%rip), %eax
	subl	b_dev(%rip), %eax
	call	putdec64
	leaq	m_btimer(%rip), %rsi
	call	puts64
	movl	timer_count(%rip), %eax
	subl	b_timer(%rip), %eax
	call	putdec64
	leaq	m_bexits(%rip), %rsi
	call	puts64
	movq	b_exits(%rip), %rax
	call	putdec64
	leaq	m_btsc(%rip), %rsi
	call	puts64
	movq	b_tsc(%rip), %rax
	call	putdec64
	leaq	m_bguest(%rip), %rsi
	call	puts64
	movq	b_guest(%rip), %rax
	call	putdec64
	leaq	m_nl(%rip), %rsi
	call	puts64
	xorl	%eax, %eax
	outb	%al, $0xf4
2:	hlt
	jmp	2b

/* putdec64: RAX unsigned, to COM1 in decimal. */
putdec64:
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	leaq	numbuf + 23(%rip), %rsi
	movb	$0, (%rsi)
	movl	$10, %ebx
1:	xorl	%edx, %edx
	divq	%rbx
	addb	$'0', %dl
	decq	%rsi
	movb	%dl, (%rsi)
	testq	%rax, %rax
	jnz	1b
	call	puts64
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	ret

do_hang:
	movl	$1, no_eoi(%rip)
	call	raise
	leaq	m_hang(%rip), %rsi
	call	puts64
	cli
9:	jmp	9b

/* gate64: RAX handler, EBX vector: a present 64-bit interrupt gate. */
gate64:
	leaq	idt64(%rip), %rdi
	shll	$4, %ebx
	addq	%rbx, %rdi
	movw	%ax, (%rdi)
	movw	$0x18, 2(%rdi)
	movw	$0x8e00, 4(%rdi)
	shrq	$16, %rax
	movw	%ax, 6(%rdi)
	shrq	$16, %rax
	movl	%eax, 8(%rdi)
	movl	$0, 12(%rdi)
	ret

dev_handler:
	pushq	%rax
	leaq	dev_count(%rip), %rax
	jmp	1f
dev_handler2:
	pushq	%rax
	leaq	dev_count2(%rip), %rax
1:	pushq	%rbx
	movl	$E1000, %ebx
	movl	E1000_ICR(%rbx), %ebx		/* read to clear: the line drops */
	incl	(%rax)
	popq	%rbx
	jmp	eoi

ipi_handler:
	pushq	%rax
	incl	ipi_count(%rip)
	jmp	eoi

timer_handler:
	pushq	%rax
	incl	timer_count(%rip)
eoi:
	cmpl	$0, no_eoi(%rip)
	jne	1f
	pushq	%rcx
	pushq	%rdx
	movl	$X2APIC_EOI, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	popq	%rdx
	popq	%rcx
1:	popq	%rax
	iretq

np_handler:
	pushq	%rax
	movq	8(%rsp), %rax			/* the error code */
	movl	%eax, np_err(%rip)
	incl	np_count(%rip)
	addq	$2, 16(%rsp)			/* past the faulting MOV */
	popq	%rax
	addq	$8, %rsp
	iretq

fault_handler:
	leaq	m_fault(%rip), %rsi
	jmp	fail64

fail64:
	cli
	call	puts64
	movb	$1, %al
	outb	%al, $0xf4
1:	hlt
	jmp	1b

	.section .rodata
m_barsize: .asciz "eli: BAR0 does not show 256 KiB (the e1000's 128 and ELI's page)\n"
m_nolive: .asciz "guest: FAIL eli: ELI never went live\n"
m_live:	.asciz	"guest: eli: live\n"
m_a:	.asciz	"guest: eli: A: 50 device interrupts and their EOIs, 0 exits\n"
m_b:	.asciz	"guest: eli: B: a host interrupt came and went\n"
m_c:	.asciz	"guest: eli: C: own #NP delivered with the selector\n"
m_d:	.asciz	"guest: eli: D: rewritten gate took the next interrupt\n"
m_e:	.asciz	"guest: eli: E: a self-IPI through injection mode, back to direct; 20 more interrupts, 0 exits\n"
m_g:	.asciz	"guest: eli: G: its timer on the hardware: 5 expiries, one exit each (the arm)\n"
m_ipi:	.asciz	"guest: FAIL eli: the self-IPI never came\n"
m_texits: .asciz "guest: FAIL eli: the timer cost more exits than its arm\n"
m_tback: .asciz	"guest: FAIL eli: not in direct mode after the timer\n"
m_bench: .asciz	"guest: eli: bench: interrupts "
m_btimer: .asciz " timer "
m_bexits: .asciz " exits "
m_btsc:	.asciz	" tsc "
m_bguest: .asciz " guest "
m_nl:	.asciz	"\n"
m_f:	.asciz	"guest: eli: F: page tables without the shadow IDT ended ELI first; interrupts still come\n"
m_pti:	.asciz	"guest: FAIL eli: ELI stayed live on page tables that do not map the shadow IDT\n"
m_hang:	.asciz	"guest: eli: hanging with a device interrupt never EOI'd, interrupts off\n"
m_noirq: .asciz	"guest: FAIL eli: a device interrupt never came\n"
m_exits: .asciz	"guest: FAIL eli: device interrupts exited\n"
m_kick:	.asciz	"guest: FAIL eli: the kick hypercall was refused\n"
m_np:	.asciz	"guest: FAIL eli: own #NP not delivered as raised\n"
m_rewrite: .asciz "guest: FAIL eli: the rewritten gate was not used\n"
m_timer: .asciz	"guest: FAIL eli: the x2APIC timer never came\n"
m_back:	.asciz	"guest: FAIL eli: not back in direct mode after the self-IPI\n"
m_fault: .asciz	"guest: FAIL eli: unexpected #GP or #PF\n"
m_sidt:	.asciz	"guest: FAIL eli: SIDT did not return the guest's own IDT\n"

	.data
	.align 8
gdt64:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08 32-bit code */
	.quad	0x00cf93000000ffff	/* 0x10 data */
	.quad	0x00af9b000000ffff	/* 0x18 64-bit code */
	.quad	0x00cf13000000ffff	/* 0x20 data, not present */
gdt64_end:
gdt64_ptr:
	.short	gdt64_end - gdt64 - 1
	.long	gdt64
	.align 8
idt64_ptr:
	.short	4095
	.long	idt64, 0
sidt_buf: .skip	16
hang:	.long	0
dev_vec: .long	DEV_VEC
bench:	.long	0
bench_period: .long 0
bench_ticks: .long 0
b_dev:	.long	0
b_timer: .long	0
	.align 8
b_exits: .quad	0
b_guest: .quad	0
b_tsc:	.quad	0
numbuf:	.skip	24
no_eoi:	.long	0
dev_count: .long 0
dev_count2: .long 0
timer_count: .long 0
ipi_count: .long 0
np_count: .long	0
np_err:	.long	0

	.bss
	.align 4096
pml4:	.skip	4096
pdpt:	.skip	4096
pd:	.skip	4096
pd_hi:	.skip	4096
pml4_nobar: .skip 4096
pdpt_nobar: .skip 4096
idt64:	.skip	4096
	.skip	4096
stack64_top:
