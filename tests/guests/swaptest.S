/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The overcommit test guest (issue #11): run with more memory than it may
 * keep resident (tern.cfg: memory 16M, resident 4M), it writes a pattern
 * over all its RAM from 2 MiB up, each dword a function of its address and
 * the pass, and reads it back, every dword compared and all of them
 * summed, so tern must swap most of it out and back bit for bit:
 *   pass 1  written in address order;
 *   pass 2  written page by page in a scattered order (page i*1237 mod n),
 *           read back in address order;
 * then tern's own accesses to its RAM: a REP MOVSD from unbacked memory
 * (all ones) onto the first page, and a REPE CMPSD of that page against
 * unbacked memory, both emulated by tern through its accessor while the
 * page is likely on disk; a sweep over the rest pushes the page out
 * again, and it must read back as all ones (tern's writes, which the EPT
 * dirty flag never sees, were written out);
 *   pass 3  as pass 1 with another pattern;
 *   pass 4  fresh pages, the False Reads Preventer's case: every page, in
 *           the scattered order, written whole by one REP STOSL with a
 *           value of its own (a kernel clearing a page it allocates), all
 *           checked; then the first half of each, scattered again, by
 *           REP STOSL with another value, and a dword of its second half
 *           read at once (under vswapper: buffered bytes merged with the
 *           page's old content), all checked.
 * Ends through the exit port with 0, or 1 naming the first bad address.
 */
#include "guest.h"

#define START		0x200000	/* above the guest's image and stack */
#define UNBACKED	0xe0000000	/* reads all ones, writes dropped */
#define MULT		0x01000193
#define STRIDE		1237		/* prime: page i*STRIDE mod n visits all */

	.text
	.code32
	.globl	guest_main
guest_main:
	cmpl	$0x2badb002, mb_magic
	CHECK(e, m_magic)
	movl	mb_info, %ebx
	movl	8(%ebx), %eax		/* mem_upper, KiB above 1 MiB */
	shll	$10, %eax
	addl	$0x100000, %eax
	movl	%eax, top
	subl	$START, %eax
	CHECK(a, m_small)
	shrl	$12, %eax
	movl	%eax, npages
	movl	$m_hello, %esi
	call	puts
	movl	npages, %eax
	call	putdec
	movl	$m_hello2, %esi
	call	puts

	/* Pass 1: in address order. */
	movl	$0x5a5a1111, seed
	movl	$START, %edi
	movl	top, %ecx
	call	fill_seq
	call	verify_all
	movl	$1, %eax
	call	pass_done

	/* Pass 2: page by page, scattered. */
	movl	$0xa5a52222, seed
	xorl	%ebx, %ebx		/* checksum */
	xorl	%ecx, %ecx		/* i */
1:	movl	%ecx, %eax
	imull	$STRIDE, %eax
	xorl	%edx, %edx
	divl	npages			/* edx = page */
	shll	$12, %edx
	leal	START(%edx), %edi
	leal	4096(%edi), %ebp
2:	movl	%edi, %eax
	imull	$MULT, %eax
	xorl	seed, %eax
	movl	%eax, (%edi)
	addl	%eax, %ebx
	addl	$4, %edi
	cmpl	%ebp, %edi
	jb	2b
	incl	%ecx
	cmpl	npages, %ecx
	jb	1b
	movl	%ebx, wsum
	call	verify_all
	movl	$2, %eax
	call	pass_done

	/* tern's accesses: its first page written and compared by tern's
	 * string emulation (the page is the least recently used: on disk). */
	cld
	movl	$UNBACKED, %esi
	movl	$START, %edi
	movl	$1024, %ecx
	rep movsl
	movl	$START, %esi
	movl	$UNBACKED, %edi
	movl	$1024, %ecx
	repe cmpsl
	CHECK(e, m_cmps)
	testl	%ecx, %ecx
	CHECK(z, m_cmps)
	movl	$m_emul, %esi
	call	puts
	/* The rest read again (pass 2's pattern), then the page. */
	movl	$START + 4096, %edi
	call	verify_from
	movl	$START, %edi
3:	cmpl	$0xffffffff, (%edi)
	jne	bad_dword
	addl	$4, %edi
	cmpl	$START + 4096, %edi
	jb	3b
	movl	$m_emul2, %esi
	call	puts

	/* Pass 3: in address order again, another pattern. */
	movl	$0x3c3c3333, seed
	movl	$START, %edi
	movl	top, %ecx
	call	fill_seq
	call	verify_all
	movl	$3, %eax
	call	pass_done

	/* Pass 4a: each page whole by one REP STOSL, scattered. */
	cld
	xorl	%ecx, %ecx
1:	call	scattered_page		/* EDI = the page */
	movl	%edi, %eax
	xorl	$0x77770000, %eax
	pushl	%ecx
	movl	$1024, %ecx
	rep stosl
	popl	%ecx
	incl	%ecx
	cmpl	npages, %ecx
	jb	1b
	movl	$START, %edi
2:	movl	%edi, %eax
	andl	$~0xfff, %eax
	xorl	$0x77770000, %eax
	cmpl	%eax, (%edi)
	jne	bad_dword
	addl	$4, %edi
	cmpl	top, %edi
	jb	2b
	movl	$m_fresh, %esi
	call	puts

	/* Pass 4b: the first half of each page, then a dword of its second. */
	xorl	%ecx, %ecx
1:	call	scattered_page
	movl	%edi, %eax
	xorl	$0x12340000, %eax
	pushl	%ecx
	movl	$512, %ecx
	rep stosl			/* EDI ends at the page's middle */
	popl	%ecx
	movl	%edi, %eax
	andl	$~0xfff, %eax
	xorl	$0x77770000, %eax
	cmpl	%eax, (%edi)
	jne	bad_dword
	incl	%ecx
	cmpl	npages, %ecx
	jb	1b
	movl	$START, %edi
2:	movl	%edi, %eax
	andl	$~0xfff, %eax
	testl	$0x800, %edi
	jnz	3f
	xorl	$0x12340000, %eax
	jmp	4f
3:	xorl	$0x77770000, %eax
4:	cmpl	%eax, (%edi)
	jne	bad_dword
	addl	$4, %edi
	cmpl	top, %edi
	jb	2b
	movl	$m_half, %esi
	call	puts

	movl	$m_pass, %esi
	call	puts
	movb	$0, %al
	jmp	guest_exit

/* scattered_page: EDI = page ECX*STRIDE mod npages, from START. */
scattered_page:
	movl	%ecx, %eax
	imull	$STRIDE, %eax
	xorl	%edx, %edx
	divl	npages
	shll	$12, %edx
	leal	START(%edx), %edi
	ret

/* fill_seq: [EDI, ECX) with the pattern; its sum in wsum. */
fill_seq:
	xorl	%ebx, %ebx
1:	movl	%edi, %eax
	imull	$MULT, %eax
	xorl	seed, %eax
	movl	%eax, (%edi)
	addl	%eax, %ebx
	addl	$4, %edi
	cmpl	%ecx, %edi
	jb	1b
	movl	%ebx, wsum
	ret

/* verify_all: every dword of [START, top) is the pattern, and the sum is
 * wsum. verify_from: from EDI, no sum. */
verify_all:
	movl	$START, %edi
	xorl	%ebx, %ebx
	call	verify_loop
	cmpl	wsum, %ebx
	CHECK(e, m_sum)
	movl	%ebx, rsum
	ret
verify_from:
	xorl	%ebx, %ebx
verify_loop:
1:	movl	%edi, %eax
	imull	$MULT, %eax
	xorl	seed, %eax
	movl	(%edi), %edx
	cmpl	%eax, %edx
	jne	bad_dword
	addl	%edx, %ebx
	addl	$4, %edi
	cmpl	top, %edi
	jb	1b
	ret

/* The dword at EDI is wrong: name it. */
bad_dword:
	movl	$m_bad, %esi
	call	puts
	movl	%edi, %eax
	call	putdec
	movb	$'\n', %al
	call	putc
	movl	$m_badword, %esi
	jmp	guest_fail

/* pass_done: EAX = the pass */
pass_done:
	movl	$m_passn, %esi
	call	puts
	call	putdec
	movl	$m_sumis, %esi
	call	puts
	movl	rsum, %eax
	call	putdec
	movb	$'\n', %al
	call	putc
	ret

	.data
	.align 4
top:	.long	0
npages:	.long	0
seed:	.long	0
wsum:	.long	0
rsum:	.long	0

	.section .rodata
m_hello:	.asciz	"guest: swaptest: a pattern over "
m_hello2:	.asciz	" pages from 2 MiB\n"
m_passn:	.asciz	"guest: swaptest: pass "
m_sumis:	.asciz	" read back bit for bit, checksum "
m_emul:		.asciz	"guest: swaptest: tern's string emulation wrote and compared a page\n"
m_emul2:	.asciz	"guest: swaptest: the page tern wrote read back as written\n"
m_pass:		.asciz	"guest: swaptest: PASS\n"
m_fresh:	.asciz	"guest: swaptest: pass 4 pages written whole by REP STOSL read back\n"
m_half:		.asciz	"guest: swaptest: pass 4 half-written pages kept their other half\n"
m_bad:		.asciz	"guest: swaptest: wrong dword at "
m_badword:	.asciz	"a dword read back differs from what was written"
m_sum:		.asciz	"the checksum read back differs from the one written"
m_cmps:		.asciz	"REPE CMPSD: the page tern wrote is not all ones"
m_magic:	.asciz	"bad multiboot magic"
m_small:	.asciz	"memory ends below 2 MiB"
