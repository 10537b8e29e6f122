// SPDX-License-Identifier: GPL-2.0
/*
 * The Preventer's instruction side (vmx/emul/page_emul.c) against a fake
 * guest: 16 pages of RAM mapped linearly at LA, page 3 under emulation by
 * a real Preventer (mm/swap/preventer.c), the others plain RAM. Linux's
 * page clearing and copying sequences, the exact registers after REP
 * short-circuits and page-edge stops, and refusals that change nothing.
 */
#include <string.h>

#include "mm/swap/preventer.h"
#include "tests/unit/suites.h"
#include "vmx/emul/page_emul.h"

#define LA	0xffff888000000000ULL	/* linear = LA + guest-physical */
#define PG	0x3000ULL		/* the page under emulation */
#define NPAGES	16
#define LA32	0x40000000ULL		/* and the same at 1 GiB, for 32-bit code */

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12 };

static u8 ram[NPAGES][PAGE_SIZE];
static bool unmapped[NPAGES];
static struct prev P;
static struct prev_page *pg;
static u8 buf[PAGE_SIZE];
static int writes, bad_writes;
static struct pemul_regs R;
static struct pemul_result res;

static bool f_translate(void *arg, u64 la, bool write, u64 *gpa)
{
	u64 g = la >= LA ? la - LA : la - LA32;

	if (la < LA32 || g >= NPAGES * PAGE_SIZE || unmapped[g / PAGE_SIZE])
		return false;
	*gpa = g;
	return true;
}

static u32 f_read(void *arg, u64 gpa, void *b, u32 len)
{
	struct prev_page *p = prev_find(&P, gpa);
	u32 act;

	ck_assert_uint_le((gpa & (PAGE_SIZE - 1)) + len, PAGE_SIZE);
	if (!p) {
		memcpy(b, &ram[gpa / PAGE_SIZE][gpa % PAGE_SIZE], len);
		return 0;
	}
	act = prev_read(&P, p, (u32)(gpa % PAGE_SIZE), len, b);
	return act | ((act & PREV_ACT_WAIT) ? PEMUL_MEM_STOP : 0);
}

static u32 f_write(void *arg, u64 gpa, const void *b, u32 len)
{
	struct prev_page *p = prev_find(&P, gpa);
	u32 act;

	ck_assert_uint_le((gpa & (PAGE_SIZE - 1)) + len, PAGE_SIZE);
	if (!p) {
		bad_writes++;
		return PEMUL_MEM_STOP;
	}
	writes++;
	act = prev_write(&P, p, (u32)(gpa % PAGE_SIZE), len, b);
	return act | ((act & PREV_ACT_WAIT) ? PEMUL_MEM_STOP : 0);
}

static const struct pemul_ops ops = { f_translate, f_read, f_write };

static void setup(void)
{
	prev_init(&P);
	memset(buf, 0xee, sizeof(buf));
	ck_assert_uint_eq(prev_start(&P, PG, buf, 0, &pg), 0);
	memset(unmapped, 0, sizeof(unmapped));
	for (u32 p = 0; p < NPAGES; p++)
		for (u32 i = 0; i < PAGE_SIZE; i++)
			ram[p][i] = (u8)(p * 31 + i * 7);
	memset(&R, 0, sizeof(R));
	R.rip = 0xffffffff81000000ULL;
	R.rflags = 2;
	writes = bad_writes = 0;
}

static void run(enum insn_mode mode, const u8 *b, u32 n)
{
	pemul_run(&ops, NULL, PG, mode, b, n, &R, &res);
}

#define RUN(mode, ...) do { static const u8 b_[] = { __VA_ARGS__ }; \
	run(mode, b_, sizeof(b_)); } while (0)
#define RUN64(...) RUN(INSN_MODE_64, __VA_ARGS__)

static bool buf_is(u32 off, u32 len, u8 v)
{
	for (u32 i = 0; i < len; i++)
		if (buf[off + i] != v)
			return false;
	return true;
}

/* clear_page_rep: movl $512,%ecx; xorl %eax,%eax; rep stosq */
START_TEST(clear_page_rep)
{
	setup();
	R.gpr[RCX] = 512;
	R.gpr[RDI] = LA + PG;
	RUN64(0xf3, 0x48, 0xab);
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(R.gpr[RCX], 0);
	ck_assert_uint_eq(R.gpr[RDI], LA + PG + PAGE_SIZE);
	ck_assert_uint_eq(R.rip, 0xffffffff81000003ULL);
	ck_assert_uint_eq(res.elements, 512);
	ck_assert_uint_eq(res.bytes, PAGE_SIZE);
	ck_assert(res.acts & PREV_ACT_MAP);
	ck_assert(!(res.acts & PREV_ACT_READ));
	ck_assert(buf_is(0, PAGE_SIZE, 0));
	ck_assert_uint_eq(P.c.false_reads_avoided, 1);
	ck_assert_int_eq(bad_writes, 0);
}
END_TEST

/* clear_page_erms and memset: rep stosb with a byte value */
START_TEST(clear_page_erms)
{
	setup();
	R.gpr[RCX] = 4096;
	R.gpr[RAX] = 0x1234565a;		/* AL only */
	R.gpr[RDI] = LA + PG;
	RUN64(0xf3, 0xaa);
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(R.gpr[RCX], 0);
	ck_assert_uint_eq(R.gpr[RDI], LA + PG + PAGE_SIZE);
	ck_assert_uint_eq(R.rip, 0xffffffff81000002ULL);
	ck_assert(buf_is(0, PAGE_SIZE, 0x5a));
	ck_assert(res.acts & PREV_ACT_MAP);
	ck_assert_int_eq(writes, PAGE_SIZE / 256);	/* chunks, one exit */
}
END_TEST

/* A REP that starts mid-page and goes past it stops at the edge. */
START_TEST(rep_stos_page_end)
{
	setup();
	R.gpr[RCX] = 0x1000 + 0xffffffff00000000ULL;	/* 64-bit count */
	R.gpr[RDI] = LA + PG + 0x800;
	R.gpr[RAX] = 0x77;
	RUN64(0xf3, 0xaa);
	ck_assert_uint_eq(res.status, PEMUL_PAGE_END);
	ck_assert_uint_eq(res.elements, 0x800);
	ck_assert_uint_eq(R.gpr[RCX], 0xffffffff00000800ULL);
	ck_assert_uint_eq(R.gpr[RDI], LA + PG + 0x1000);
	ck_assert_uint_eq(R.rip, 0xffffffff81000000ULL);	/* re-executed */
	ck_assert(buf_is(0x800, 0x800, 0x77));
	ck_assert(buf_is(0, 0x800, 0xee));
	ck_assert_uint_eq(res.acts, 0);
	/* The same with rep stosd at 32-bit address size in 64-bit mode:
	 * only ECX/EDI move, the upper halves stay. */
	setup();
	R.gpr[RCX] = 0xdead000000000400ULL;
	R.gpr[RDI] = LA + PG + 0xc00;		/* EDI = 0x80003c00 */
	R.seg_base[0] = 0;
	RUN64(0x67, 0xf3, 0xab);
	/* The operand is at EDI alone (linear 0x80003c00): not mapped. */
	ck_assert_uint_eq(res.status, PEMUL_UNMAPPED);
	ck_assert_uint_eq(R.gpr[RCX], 0xdead000000000400ULL);
}
END_TEST

/* Descending (DF = 1) rep stosq from the page's last quadword. */
START_TEST(rep_stos_down)
{
	setup();
	R.rflags |= BIT(10);
	R.gpr[RCX] = 1000;
	R.gpr[RDI] = LA + PG + 0xff8;
	R.gpr[RAX] = 0x0102030405060708ULL;
	RUN64(0xf3, 0x48, 0xab);
	ck_assert_uint_eq(res.status, PEMUL_PAGE_END);
	ck_assert_uint_eq(res.elements, 512);
	ck_assert_uint_eq(R.gpr[RCX], 488);
	ck_assert_uint_eq(R.gpr[RDI], LA + PG - 8);
	ck_assert(res.acts & PREV_ACT_MAP);		/* a descending run fills it */
	ck_assert(!(res.acts & PREV_ACT_READ));
	ck_assert_uint_eq(buf[0], 8);
	ck_assert_uint_eq(buf[7], 1);
	ck_assert_uint_eq(buf[0xff8], 8);
}
END_TEST

/* copy_page: movl $512,%ecx; rep movsq from another page */
START_TEST(copy_page_rep)
{
	setup();
	R.gpr[RCX] = 512;
	R.gpr[RSI] = LA + 0x5000;
	R.gpr[RDI] = LA + PG;
	RUN64(0xf3, 0x48, 0xa5);
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(R.gpr[RCX], 0);
	ck_assert_uint_eq(R.gpr[RSI], LA + 0x6000);
	ck_assert_uint_eq(R.gpr[RDI], LA + PG + PAGE_SIZE);
	ck_assert_uint_eq(R.rip, 0xffffffff81000003ULL);
	ck_assert_int_eq(memcmp(buf, ram[5], PAGE_SIZE), 0);
	ck_assert(res.acts & PREV_ACT_MAP);
	ck_assert_uint_eq(P.c.false_reads_avoided, 1);
}
END_TEST

/* memcpy's rep movsb: source across two pages, destination past the edge */
START_TEST(rep_movsb_edges)
{
	setup();
	R.gpr[RCX] = 0x300;
	R.gpr[RSI] = LA + 0x5f80;		/* crosses into page 6 */
	R.gpr[RDI] = LA + PG + 0xe00;
	RUN64(0xf3, 0xa4);
	ck_assert_uint_eq(res.status, PEMUL_PAGE_END);
	ck_assert_uint_eq(res.elements, 0x200);
	ck_assert_uint_eq(R.gpr[RCX], 0x100);
	ck_assert_uint_eq(R.gpr[RSI], LA + 0x5f80 + 0x200);
	ck_assert_uint_eq(R.gpr[RDI], LA + PG + 0x1000);
	ck_assert_uint_eq(R.rip, 0xffffffff81000000ULL);
	ck_assert_int_eq(memcmp(buf + 0xe00, &ram[5][0xf80], 0x80), 0);
	ck_assert_int_eq(memcmp(buf + 0xe80, &ram[6][0], 0x180), 0);

	/* The source's first page unmapped: refused, nothing moves. */
	setup();
	unmapped[5] = true;
	R.gpr[RCX] = 0x100;
	R.gpr[RSI] = LA + 0x5000;
	R.gpr[RDI] = LA + PG;
	RUN64(0xf3, 0xa4);
	ck_assert_uint_eq(res.status, PEMUL_UNMAPPED);
	ck_assert_uint_eq(R.gpr[RCX], 0x100);
	ck_assert_uint_eq(R.gpr[RSI], LA + 0x5000);
	ck_assert_uint_eq(R.gpr[RDI], LA + PG);
	ck_assert_uint_eq(pg->filled, 0);

	/* The source runs into an unmapped page: stopped where it got to. */
	setup();
	unmapped[6] = true;
	R.gpr[RCX] = 0x100;
	R.gpr[RSI] = LA + 0x5fc0;
	R.gpr[RDI] = LA + PG;
	RUN64(0xf3, 0xa4);
	ck_assert_uint_eq(res.status, PEMUL_STOPPED);
	ck_assert_uint_eq(res.elements, 0x40);
	ck_assert_uint_eq(R.gpr[RCX], 0xc0);
	ck_assert_uint_eq(R.gpr[RSI], LA + 0x6000);
	ck_assert_uint_eq(R.gpr[RDI], LA + PG + 0x40);
	ck_assert_uint_eq(R.rip, 0xffffffff81000000ULL);
	ck_assert_uint_eq(pg->filled, 0x40);
}
END_TEST

/* memmove's backward copy: std; rep movsq from the top down */
START_TEST(rep_movs_down)
{
	setup();
	R.rflags |= BIT(10);
	R.gpr[RCX] = 512;
	R.gpr[RSI] = LA + 0x5ff8;
	R.gpr[RDI] = LA + PG + 0xff8;
	RUN64(0xf3, 0x48, 0xa5);
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(R.gpr[RCX], 0);
	ck_assert_uint_eq(R.gpr[RSI], LA + 0x5000 - 8);
	ck_assert_uint_eq(R.gpr[RDI], LA + PG - 8);
	ck_assert_uint_eq(R.rip, 0xffffffff81000003ULL);
	ck_assert_int_eq(memcmp(buf, ram[5], PAGE_SIZE), 0);
	ck_assert(res.acts & PREV_ACT_MAP);
	ck_assert_uint_eq(P.c.ended[PREV_END_NONSEQ], 0);
}
END_TEST

/* EDI wraps at 4 GiB inside the page (ES's base is not page-aligned):
 * stopped at the wrap, as if at the page's edge. */
START_TEST(index_wrap)
{
	setup();
	R.seg_base[0] = LA32 + PG + 0x800;
	R.gpr[RDI] = 0xfffff800;		/* linear LA32 + PG + 0 */
	R.gpr[RCX] = 0x1000;
	R.gpr[RAX] = 0x01010101;
	RUN(INSN_MODE_32, 0xf3, 0xab);
	ck_assert_uint_eq(res.status, PEMUL_PAGE_END);
	ck_assert_uint_eq(res.elements, 0x200);
	ck_assert_uint_eq(R.gpr[RDI], 0);
	ck_assert_uint_eq(R.gpr[RCX], 0xe00);
	ck_assert(buf_is(0, 0x800, 1));
	ck_assert(buf_is(0x800, 0x800, 0xee));
}
END_TEST

/* MOVS within the page: element by element, reads from the buffer. */
START_TEST(movs_same_page)
{
	setup();
	/* Byte 0 buffered; rep movsb from 0 to 1 replicates it, as the CPU's
	 * element-by-element definition does. */
	R.gpr[RDI] = LA + PG;
	R.gpr[RAX] = 0x42;
	RUN64(0xaa);					/* stosb */
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(R.gpr[RDI], LA + PG + 1);
	R.gpr[RSI] = LA + PG;
	R.gpr[RCX] = 8;
	RUN64(0xf3, 0xa4);
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert(buf_is(0, 9, 0x42));
	ck_assert_uint_eq(P.c.reads_served, 8);
	/* A source byte not buffered: the vCPU must wait; nothing moved. */
	R.gpr[RSI] = LA + PG + 0x100;
	R.gpr[RDI] = LA + PG + 9;
	R.gpr[RCX] = 4;
	RUN64(0xf3, 0xa4);
	ck_assert_uint_eq(res.status, PEMUL_STOPPED);
	ck_assert(res.acts & PREV_ACT_WAIT);
	ck_assert(res.acts & PREV_ACT_READ);
	ck_assert_uint_eq(R.gpr[RCX], 4);
	ck_assert_uint_eq(R.gpr[RDI], LA + PG + 9);
	ck_assert_uint_eq(pg->end, PREV_END_READ);
}
END_TEST

/* clear_page_orig: eight movq %rax,n*8(%rdi), leaq 64(%rdi),%rdi, x64 */
START_TEST(clear_page_orig)
{
	static const u8 first[] = { 0x48, 0x89, 0x07 };		/* movq %rax,(%rdi) */
	u8 put[] = { 0x48, 0x89, 0x47, 0 };			/* movq %rax,d8(%rdi) */

	setup();
	R.gpr[RDI] = LA + PG;
	for (int loop = 0; loop < 64; loop++) {
		run(INSN_MODE_64, first, sizeof(first));
		ck_assert_uint_eq(res.status, PEMUL_DONE);
		for (u8 k = 1; k < 8; k++) {
			put[3] = (u8)(8 * k);
			run(INSN_MODE_64, put, sizeof(put));
			ck_assert_uint_eq(res.status, PEMUL_DONE);
			ck_assert_uint_eq(res.acts, loop == 63 && k == 7 ? PREV_ACT_MAP : 0);
		}
		R.gpr[RDI] += 64;
	}
	ck_assert_uint_eq(R.rip, 0xffffffff81000000ULL + 64 * (3 + 7 * 4));
	ck_assert(buf_is(0, PAGE_SIZE, 0));
	ck_assert_uint_eq(P.c.false_reads_avoided, 1);
	ck_assert_uint_eq(P.c.ended[PREV_END_NONSEQ], 0);
}
END_TEST

/* copy_page_regs' stores (rax, rbx, rdx, r8-r12) and MOVNTI */
START_TEST(copy_page_regs_movnti)
{
	setup();
	R.gpr[RDI] = LA + PG;
	R.gpr[RBX] = 0x1111111111111111ULL;
	R.gpr[R8] = 0x8888888888888888ULL;
	R.gpr[R12] = 0xcccccccccccccccdULL;
	RUN64(0x48, 0x89, 0x5f, 0x08);		/* movq %rbx,0x8(%rdi) */
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(R.rip, 0xffffffff81000004ULL);
	RUN64(0x4c, 0x89, 0x47, 0x10);		/* movq %r8,0x10(%rdi) */
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	RUN64(0x4c, 0x89, 0x67, 0x18);		/* movq %r12,0x18(%rdi) */
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert(buf_is(8, 8, 0x11));
	ck_assert(buf_is(16, 8, 0x88));
	ck_assert_uint_eq(buf[24], 0xcd);
	ck_assert_uint_eq(buf[31], 0xcc);
	/* movnti %r12,0x20(%rdi); movnti %ebx,0x28(%rdi) (4 bytes) */
	RUN64(0x4c, 0x0f, 0xc3, 0x67, 0x20);
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(res.bytes, 8);
	ck_assert_uint_eq(buf[32], 0xcd);
	RUN64(0x0f, 0xc3, 0x5f, 0x28);
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(res.bytes, 4);
	ck_assert(buf_is(40, 4, 0x11));
	ck_assert_uint_eq(buf[44], 0xee);
	/* movnti with 66: #UD on the CPU, not decoded */
	RUN64(0x66, 0x0f, 0xc3, 0x5f, 0x30);
	ck_assert_uint_eq(res.status, PEMUL_DECODE);
}
END_TEST

/* Immediates, byte stores, moffs, addressing forms. */
START_TEST(store_forms)
{
	setup();
	R.gpr[RDI] = LA + PG;
	RUN64(0xc7, 0x07, 0x78, 0x56, 0x34, 0x12);	/* movl $0x12345678,(%rdi) */
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(buf[0], 0x78);
	ck_assert_uint_eq(buf[3], 0x12);
	RUN64(0x48, 0xc7, 0x47, 0x04, 0xff, 0xff, 0xff, 0xff);	/* movq $-1,4(%rdi) */
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert(buf_is(4, 8, 0xff));
	R.gpr[RAX] = 0xab00;
	RUN64(0x88, 0x67, 0x0c);			/* movb %ah,12(%rdi) */
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(buf[12], 0xab);
	RUN64(0xc6, 0x47, 0x0d, 0x5c);			/* movb $0x5c,13(%rdi) */
	ck_assert_uint_eq(buf[13], 0x5c);
	RUN64(0x66, 0xc7, 0x47, 0x0e, 0x34, 0x12);	/* movw $0x1234,14(%rdi) */
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(buf[15], 0x12);
	/* SIB: movq %rax,(%rdi,%r8,8) with r8 = 2 */
	R.gpr[R8] = 2;
	R.gpr[RAX] = 0x0807060504030201ULL;
	RUN64(0x4a, 0x89, 0x04, 0xc7);
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(buf[16], 1);
	ck_assert_uint_eq(buf[23], 8);
	/* RIP-relative: movl %eax,disp32(%rip) to PG + 24 */
	{
		u64 next;

		R.rip = LA + 0x8000 + (R.rip & 0xfff);	/* within +-2 GiB */
		next = R.rip + 6;
		s32 d = (s32)((LA + PG + 24) - next);
		u8 b[6] = { 0x89, 0x05, (u8)d, (u8)(d >> 8), (u8)(d >> 16), (u8)(d >> 24) };

		run(INSN_MODE_64, b, sizeof(b));
		ck_assert_uint_eq(res.status, PEMUL_DONE);
		ck_assert_uint_eq(buf[24], 1);
		ck_assert_uint_eq(buf[27], 4);
		ck_assert_uint_eq(buf[28], 0xee);
	}
	/* moffs: movabs %al,LA+PG+28 */
	{
		u64 a = LA + PG + 28;
		u8 b[10] = { 0xa2 };

		for (int i = 0; i < 8; i++)
			b[1 + i] = (u8)(a >> (8 * i));
		run(INSN_MODE_64, b, 9);
		ck_assert_uint_eq(res.status, PEMUL_DONE);
		ck_assert_uint_eq(buf[28], 1);
		ck_assert_uint_eq(R.rip & 0xfff, 6 + 8 + 3 + 4 + 6 + 4 + 6 + 9);
	}
	/* %fs override: FS's base is added in 64-bit mode, DS's is not */
	setup();
	R.seg_base[4] = 0x100;
	R.seg_base[3] = 0x7777000;
	R.gpr[RDI] = LA + PG;
	R.gpr[RAX] = 0x99;
	RUN64(0x64, 0x88, 0x07);			/* movb %al,%fs:(%rdi) */
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(buf[0x100], 0x99);
	RUN64(0x88, 0x07);				/* movb %al,(%rdi) */
	ck_assert_uint_eq(buf[0], 0x99);
}
END_TEST

/* 32-bit mode: ES's base counts, ECX/EDI/ESI are the registers */
START_TEST(mode_32)
{
	setup();
	R.seg_base[0] = LA32 - 0x1000;
	R.gpr[RDI] = PG + 0x1000 + 0x800;	/* ES:EDI = LA32 + PG + 0x800 */
	R.gpr[RCX] = 0x300;			/* dwords; 0x200 fit */
	R.gpr[RAX] = 0xa5a5a5a5;
	RUN(INSN_MODE_32, 0xf3, 0xab);
	ck_assert_uint_eq(res.status, PEMUL_PAGE_END);
	ck_assert_uint_eq(R.gpr[RCX], 0x100);
	ck_assert_uint_eq(R.gpr[RDI], PG + 0x2000);
	ck_assert(buf_is(0x800, 0x800, 0xa5));
	/* DS's base counts outside 64-bit mode: movl %eax,(%edi) */
	R.seg_base[3] = LA32 - 0x2000;
	R.gpr[RDI] = PG + 0x2000 + 0x7fc;
	RUN(INSN_MODE_32, 0x89, 0x07);
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(pg->filled, 0x804);
	/* 16-bit addressing (67 in 32-bit mode) is refused, named. */
	RUN(INSN_MODE_32, 0x67, 0x89, 0x07);
	ck_assert_uint_eq(res.status, PEMUL_ADDRESS);
	ck_assert_str_eq(pemul_status_name(res.status), "16-bit addressing");
	ck_assert_uint_eq(R.rip, 0xffffffff81000002ULL);
}
END_TEST

/* Loads from the page: served when buffered, else the vCPU waits. */
START_TEST(loads)
{
	setup();
	R.gpr[RDI] = LA + PG;
	R.gpr[RAX] = 0x1122334455667788ULL;
	RUN64(0x48, 0x89, 0x07);			/* movq %rax,(%rdi) */
	R.gpr[RAX] = 0;
	RUN64(0x48, 0x8b, 0x0f);			/* movq (%rdi),%rcx */
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(R.gpr[RCX], 0x1122334455667788ULL);
	RUN64(0x0f, 0xb6, 0x57, 0x07);			/* movzbl 7(%rdi),%edx */
	ck_assert_uint_eq(R.gpr[RDX], 0x11);
	R.gpr[RBX] = 0xffffffffffffffffULL;
	RUN64(0x8b, 0x5f, 0x04);			/* movl 4(%rdi),%ebx */
	ck_assert_uint_eq(R.gpr[RBX], 0x11223344);	/* upper half cleared */
	/* One byte past what is buffered: waits, nothing loaded. */
	R.gpr[RBX] = 5;
	{
		u64 rip = R.rip;

		RUN64(0x48, 0x8b, 0x5f, 0x01);		/* movq 1(%rdi),%rbx */
		ck_assert_uint_eq(res.status, PEMUL_STOPPED);
		ck_assert_uint_eq(res.acts, PREV_ACT_READ | PREV_ACT_WAIT);
		ck_assert_uint_eq(R.gpr[RBX], 5);
		ck_assert_uint_eq(R.rip, rip);
	}
	ck_assert_uint_eq(P.c.ended[PREV_END_READ], 1);
}
END_TEST

/* Everything refused leaves the registers and the buffer as they were. */
START_TEST(refusals)
{
	static const struct {
		u8 b[8];
		u8 n;
		u8 mode;
		u8 status;
		u64 rdi;
	} cases[] = {
		{ { 0x48, 0x01, 0x07 }, 3, 8, PEMUL_UNSUPPORTED, 0 },	/* add %rax,(%rdi) */
		{ { 0xf0, 0x48, 0x89, 0x07 }, 4, 8, PEMUL_UNSUPPORTED, 0 },	/* lock mov */
		{ { 0x48, 0x87, 0x07 }, 3, 8, PEMUL_UNSUPPORTED, 0 },	/* xchg */
		{ { 0xf3, 0x48, 0xa7 }, 3, 8, PEMUL_UNSUPPORTED, 0 },	/* repe cmpsq */
		{ { 0xf3, 0xac }, 2, 8, PEMUL_UNSUPPORTED, 0 },	/* rep lodsb */
		{ { 0xae }, 1, 8, PEMUL_UNSUPPORTED, 0 },		/* scasb */
		{ { 0x0f, 0x0b }, 2, 8, PEMUL_DECODE, 0 },		/* ud2 */
		{ { 0x48, 0x89 }, 2, 8, PEMUL_DECODE, 0 },		/* cut short */
		{ { 0x48, 0x89, 0x87, 0, 0 }, 5, 8, PEMUL_DECODE, 0 },	/* disp32 cut */
		{ { 0x48, 0x89, 0xc7 }, 3, 8, PEMUL_DECODE, 0 },	/* register form */
		{ { 0xf3, 0x48, 0x89, 0x07 }, 4, 8, PEMUL_DECODE, 0 },	/* rep mov */
		{ { 0 }, 0, 8, PEMUL_DECODE, 0 },			/* nothing */
		{ { 0x48, 0x89, 0x87, 0xfc, 0x0f, 0, 0 }, 7, 8, PEMUL_CROSSES, 0 },
		{ { 0x48, 0xab }, 2, 8, PEMUL_CROSSES, 0xffc },	/* stosq at the edge */
		{ { 0x48, 0x89, 0x07 }, 3, 8, PEMUL_OTHER_PAGE, 0x1000 },
		{ { 0x48, 0x89, 0x07 }, 3, 8, PEMUL_UNMAPPED, 0x100000 },
	};

	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pemul_regs before;

		setup();
		R.gpr[RDI] = LA + PG + cases[i].rdi;
		R.gpr[RCX] = 16;
		R.gpr[RSI] = LA + 0x5000;
		before = R;
		run(cases[i].mode, cases[i].b, cases[i].n);
		ck_assert_msg(res.status == cases[i].status, "case %u: %s", i,
			      pemul_status_name(res.status));
		ck_assert_int_eq(memcmp(&R, &before, sizeof(R)), 0);
		ck_assert_uint_eq(pg->filled, 0);
		ck_assert_uint_eq(res.bytes, 0);
		ck_assert_int_eq(writes + bad_writes, 0);
		ck_assert_uint_eq(pg->state, PREV_EMULATING);
	}
	/* The status names exist for each. */
	for (u32 s = PEMUL_DONE; s <= PEMUL_CROSSES; s++)
		ck_assert_str_ne(pemul_status_name(s), "?");
	ck_assert_str_eq(pemul_status_name(99), "?");
}
END_TEST

/* REP with RCX = 0 does nothing but move RIP. */
START_TEST(rep_zero)
{
	setup();
	R.gpr[RDI] = LA + 0x100000;		/* not even mapped: never touched */
	RUN64(0xf3, 0x48, 0xab);
	ck_assert_uint_eq(res.status, PEMUL_DONE);
	ck_assert_uint_eq(R.rip, 0xffffffff81000003ULL);
	ck_assert_uint_eq(res.elements, 0);
}
END_TEST

/* The effective-address helper on its own (insn.c). */
START_TEST(effective_address)
{
	static const u64 gpr[16] = { 0x10, 0x20, 0x30, 0x40, 0x1000, 0x2000, 0x60, 0x70,
				     0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0 };
	struct insn in;
	u64 ea;

	/* movl %eax,-8(%rbp): SS is its default segment */
	ck_assert_int_eq(insn_decode((const u8[]){ 0x89, 0x45, 0xf8 }, 3, INSN_MODE_64, &in), 0);
	ck_assert_int_eq(insn_ea(&in, gpr, 0, &ea), 0);
	ck_assert_uint_eq(ea, 0x2000 - 8);
	ck_assert_uint_eq(in.seg, 2);
	/* movq %rax,0x10(%r13,%r14,4): REX.B and REX.X */
	ck_assert_int_eq(insn_decode((const u8[]){ 0x4b, 0x89, 0x44, 0xb5, 0x10 }, 5,
				     INSN_MODE_64, &in), 0);
	ck_assert_int_eq(insn_ea(&in, gpr, 0, &ea), 0);
	ck_assert_uint_eq(ea, 0xd0 + 0xe0 * 4 + 0x10);
	ck_assert_uint_eq(in.seg, 3);
	/* SIB with no base and rSP as no index: movl %eax,0x1234 */
	ck_assert_int_eq(insn_decode((const u8[]){ 0x89, 0x04, 0x25, 0x34, 0x12, 0, 0 }, 7,
				     INSN_MODE_64, &in), 0);
	ck_assert_int_eq(insn_ea(&in, gpr, 0, &ea), 0);
	ck_assert_uint_eq(ea, 0x1234);
	/* 32-bit mode, disp32 alone is absolute, and wraps at 4 GiB */
	ck_assert_int_eq(insn_decode((const u8[]){ 0x89, 0x05, 0, 0, 0, 0xe0 }, 6,
				     INSN_MODE_32, &in), 0);
	ck_assert_int_eq(insn_ea(&in, gpr, 0x1000, &ea), 0);
	ck_assert_uint_eq(ea, 0xe0000000);
	ck_assert_int_eq(insn_decode((const u8[]){ 0x89, 0x80, 0xf0, 0xff, 0xff, 0xff }, 6,
				     INSN_MODE_32, &in), 0);	/* -0x10(%eax) */
	ck_assert_int_eq(insn_ea(&in, gpr, 0, &ea), 0);
	ck_assert_uint_eq(ea, 0x0);
	/* %gs override is kept */
	ck_assert_int_eq(insn_decode((const u8[]){ 0x65, 0x48, 0x89, 0x04, 0x24 }, 5,
				     INSN_MODE_64, &in), 0);
	ck_assert_uint_eq(in.seg, 5);
	/* strings have no ModRM operand */
	ck_assert_int_eq(insn_decode((const u8[]){ 0xaa }, 1, INSN_MODE_64, &in), 0);
	ck_assert_int_eq(insn_ea(&in, gpr, 0, &ea), -1);
}
END_TEST

Suite *page_emul_suite(void)
{
	Suite *s = suite_create("page_emul");
	TCase *tc = tcase_create("stores");

	tcase_add_test(tc, clear_page_rep);
	tcase_add_test(tc, clear_page_erms);
	tcase_add_test(tc, rep_stos_page_end);
	tcase_add_test(tc, rep_stos_down);
	tcase_add_test(tc, copy_page_rep);
	tcase_add_test(tc, rep_movsb_edges);
	tcase_add_test(tc, rep_movs_down);
	tcase_add_test(tc, index_wrap);
	tcase_add_test(tc, movs_same_page);
	tcase_add_test(tc, clear_page_orig);
	tcase_add_test(tc, copy_page_regs_movnti);
	tcase_add_test(tc, store_forms);
	tcase_add_test(tc, mode_32);
	tcase_add_test(tc, loads);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, rep_zero);
	tcase_add_test(tc, effective_address);
	suite_add_tcase(s, tc);
	return s;
}
