// SPDX-License-Identifier: GPL-2.0
/*
 * The Preventer at the fault handler (mm/swap/preventer_fault.c) against
 * a fake swapper: 16 guest pages, some swapped out with their old content
 * "on disk", frames from a pool, reads recorded and completed by the test,
 * mappings recorded. Each scenario checks what the guest ends up seeing.
 */
#include <string.h>

#include "mm/swap/preventer_fault.h"
#include "tests/unit/suites.h"

#define LA	0xffff888000000000ULL
#define NPAGES	16
#define NFRAMES	40

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI };

static struct prev P;
static u8 ram[NPAGES][PAGE_SIZE];	/* mapped pages' content */
static u8 disk[NPAGES][PAGE_SIZE];	/* swapped-out pages' old content */
static bool swapped[NPAGES];
static u8 frames[NFRAMES][PAGE_SIZE];
static int frames_used, frames_freed, reads, maps;
static u64 read_gpa[64];
static bool alloc_fails;
static struct pemul_regs R;

static u8 *f_alloc(void *arg)
{
	if (alloc_fails || frames_used == NFRAMES)
		return NULL;
	memset(frames[frames_used], 0xdd, PAGE_SIZE);
	return frames[frames_used++];
}

static void f_free(void *arg, u8 *frame)
{
	frames_freed++;
}

static void f_start_read(void *arg, u64 gpa)
{
	ck_assert_uint_lt(reads, 64);
	read_gpa[reads++] = gpa;
}

static void f_map(void *arg, u64 gpa, u8 *frame)
{
	ck_assert(swapped[gpa / PAGE_SIZE]);
	memcpy(ram[gpa / PAGE_SIZE], frame, PAGE_SIZE);
	swapped[gpa / PAGE_SIZE] = false;
	maps++;
}

static bool f_translate(void *arg, u64 la, bool write, u64 *gpa)
{
	if (la < LA || la - LA >= NPAGES * PAGE_SIZE)
		return false;
	*gpa = la - LA;
	return true;
}

static bool f_read_ram(void *arg, u64 gpa, void *buf, u32 len)
{
	if (swapped[gpa / PAGE_SIZE])
		return false;
	memcpy(buf, &ram[gpa / PAGE_SIZE][gpa % PAGE_SIZE], len);
	return true;
}

static const struct prev_fault_ops ops = {
	f_alloc, f_free, f_start_read, f_map, f_translate, f_read_ram,
};

static void setup(void)
{
	prev_init(&P);
	for (u32 p = 0; p < NPAGES; p++) {
		swapped[p] = p >= 3;		/* pages 3.. are out */
		for (u32 i = 0; i < PAGE_SIZE; i++) {
			ram[p][i] = swapped[p] ? 0 : (u8)(p + i);
			disk[p][i] = (u8)(0x80 + p * 3 + i * 5);
		}
	}
	frames_used = frames_freed = reads = maps = 0;
	alloc_fails = false;
	memset(&R, 0, sizeof(R));
	R.rip = 0xffffffff81000000ULL;
	R.rflags = 2;
}

static enum prev_fault_result fault(u64 gpa, enum prev_access a, u64 now, const u8 *b, u32 n)
{
	return prev_fault(&P, &ops, NULL, gpa, a, now, INSN_MODE_64, b, n, &R);
}

static const u8 stosq[] = { 0xf3, 0x48, 0xab };		/* rep stosq */
static const u8 movq_store[] = { 0x48, 0x89, 0x07 };	/* movq %rax,(%rdi) */
static const u8 movq_load[] = { 0x48, 0x8b, 0x07 };	/* movq (%rdi),%rax */

/* clear_page_rep on a swapped-out page: one fault, mapped, never read. */
START_TEST(clear_page_no_read)
{
	setup();
	R.gpr[RCX] = 512;
	R.gpr[RDI] = LA + 0x5000;
	ck_assert_uint_eq(fault(0x5000, PREV_ACCESS_WRITE, 0, stosq, 3), PREV_FAULT_RESUME);
	ck_assert_uint_eq(R.rip, 0xffffffff81000003ULL);
	ck_assert_uint_eq(R.gpr[RCX], 0);
	ck_assert_int_eq(maps, 1);
	ck_assert_int_eq(reads, 0);
	ck_assert(!swapped[5]);
	for (u32 i = 0; i < PAGE_SIZE; i++)
		ck_assert_uint_eq(ram[5][i], 0);
	ck_assert_uint_eq(P.c.false_reads_avoided, 1);
	ck_assert_uint_eq(P.active, 0);
	ck_assert_int_eq(frames_freed, 0);	/* the buffer is the page now */
}
END_TEST

/* clear_page_orig: 512 faulting movq; the last one maps. */
START_TEST(movq_loop_no_read)
{
	setup();
	R.gpr[RAX] = 0x0123456789abcdefULL;
	for (u32 off = 0; off < PAGE_SIZE; off += 8) {
		R.gpr[RDI] = LA + 0x4000 + off;
		ck_assert_uint_eq(fault(0x4000 + off, PREV_ACCESS_WRITE, off * 100, movq_store, 3),
				  PREV_FAULT_RESUME);
		ck_assert_int_eq(maps, off == PAGE_SIZE - 8);
	}
	ck_assert_int_eq(reads, 0);
	ck_assert_uint_eq(ram[4][0], 0xef);
	ck_assert_uint_eq(ram[4][4095], 0x01);
	ck_assert_uint_eq(P.c.started, 1);
	ck_assert_uint_eq(P.c.bytes_emulated, PAGE_SIZE);
}
END_TEST

/* Half a page written, then a read of the other half: the vCPU waits, the
 * page is read once, merged (written bytes win) and mapped. */
START_TEST(partial_then_read)
{
	setup();
	R.gpr[RCX] = 256;
	R.gpr[RDI] = LA + 0x6000;
	R.gpr[RAX] = 0x4141414141414141ULL;
	ck_assert_uint_eq(fault(0x6000, PREV_ACCESS_WRITE, 0, stosq, 3), PREV_FAULT_RESUME);
	ck_assert_int_eq(maps + reads, 0);
	/* A read of buffered bytes is served. */
	R.gpr[RDI] = LA + 0x6010;
	ck_assert_uint_eq(fault(0x6010, PREV_ACCESS_READ, 10, movq_load, 3), PREV_FAULT_RESUME);
	ck_assert_uint_eq(R.gpr[RAX], 0x4141414141414141ULL);
	/* Of missing ones: wait, read started, nothing loaded. */
	R.gpr[RDI] = LA + 0x6800;
	R.gpr[RAX] = 7;
	{
		u64 rip = R.rip;

		ck_assert_uint_eq(fault(0x6800, PREV_ACCESS_READ, 20, movq_load, 3),
				  PREV_FAULT_WAIT);
		ck_assert_uint_eq(R.rip, rip);
		ck_assert_uint_eq(R.gpr[RAX], 7);
	}
	ck_assert_int_eq(reads, 1);
	ck_assert_uint_eq(read_gpa[0], 0x6000);
	ck_assert_uint_eq(P.c.ended[PREV_END_READ], 1);
	/* Another vCPU writes meanwhile: buffered, no second read. */
	R.gpr[RDI] = LA + 0x6f00;
	R.gpr[RAX] = 0x4242424242424242ULL;
	ck_assert_uint_eq(fault(0x6f00, PREV_ACCESS_WRITE, 30, movq_store, 3), PREV_FAULT_RESUME);
	ck_assert_int_eq(reads, 1);
	/* The read lands. */
	ck_assert(prev_fault_read_done(&P, &ops, NULL, 0x6000, disk[6]));
	ck_assert_int_eq(maps, 1);
	for (u32 i = 0; i < PAGE_SIZE; i++) {
		u8 want = i < 2048 ? 0x41 : (i >= 0xf00 && i < 0xf08) ? 0x42 : disk[6][i];

		ck_assert_uint_eq(ram[6][i], want);
	}
	ck_assert_uint_eq(P.active, 0);
	ck_assert_uint_eq(P.c.merges, 1);
	/* A late completion for a page no one emulates: dropped. */
	ck_assert(!prev_fault_read_done(&P, &ops, NULL, 0x6000, disk[6]));
}
END_TEST

/* A page that fills while its read is out: mapped then, read dropped. */
START_TEST(full_while_reading)
{
	setup();
	R.gpr[RDI] = LA + 0x7000;
	R.gpr[RAX] = 1;
	ck_assert_uint_eq(fault(0x7000, PREV_ACCESS_WRITE, 0, movq_store, 3), PREV_FAULT_RESUME);
	/* 1 ms later: the next write ends it (timeout), read started. */
	R.gpr[RDI] = LA + 0x7008;
	ck_assert_uint_eq(fault(0x7008, PREV_ACCESS_WRITE, 1000000, movq_store, 3),
			  PREV_FAULT_RESUME);
	ck_assert_uint_eq(P.c.ended[PREV_END_TIMEOUT], 1);
	ck_assert_int_eq(reads, 1);
	ck_assert_int_eq(maps, 0);
	/* The rest by one REP while the read is out: mapped at once. */
	R.gpr[RDI] = LA + 0x7010;
	R.gpr[RCX] = 510;
	R.gpr[RAX] = 2;
	ck_assert_uint_eq(fault(0x7010, PREV_ACCESS_WRITE, 1100000, stosq, 3), PREV_FAULT_RESUME);
	ck_assert_int_eq(maps, 1);
	ck_assert_uint_eq(P.c.full_while_reading, 1);
	ck_assert_uint_eq(P.c.false_reads_avoided, 0);
	ck_assert(!prev_fault_read_done(&P, &ops, NULL, 0x7000, disk[7]));
	ck_assert_uint_eq(ram[7][0], 1);
	ck_assert_uint_eq(ram[7][8], 1);
	ck_assert_uint_eq(ram[7][16], 2);
	ck_assert_uint_eq(ram[7][4095], 0);

	/* Late, but the write completes the page: no read at all. */
	setup();
	R.gpr[RDI] = LA + 0x7000;
	ck_assert_uint_eq(fault(0x7000, PREV_ACCESS_WRITE, 0, movq_store, 3), PREV_FAULT_RESUME);
	R.gpr[RDI] = LA + 0x7008;
	R.gpr[RCX] = 511;
	ck_assert_uint_eq(fault(0x7008, PREV_ACCESS_WRITE, 5000000, stosq, 3), PREV_FAULT_RESUME);
	ck_assert_int_eq(reads, 0);
	ck_assert_int_eq(maps, 1);
	ck_assert_uint_eq(P.c.false_reads_avoided, 1);
	ck_assert_uint_eq(P.c.ended[PREV_END_TIMEOUT], 0);
}
END_TEST

/* Not the Preventer's: reads, fetches, off, no frame, the page limit. */
START_TEST(not_started)
{
	setup();
	R.gpr[RDI] = LA + 0x5000;
	ck_assert_uint_eq(fault(0x5000, PREV_ACCESS_READ, 0, movq_load, 3), PREV_FAULT_NONE);
	ck_assert_uint_eq(fault(0x5000, PREV_ACCESS_EXEC, 0, movq_load, 3), PREV_FAULT_NONE);
	alloc_fails = true;
	ck_assert_uint_eq(fault(0x5000, PREV_ACCESS_WRITE, 0, movq_store, 3), PREV_FAULT_NONE);
	alloc_fails = false;
	P.set.enabled = false;
	ck_assert_uint_eq(fault(0x5000, PREV_ACCESS_WRITE, 0, movq_store, 3), PREV_FAULT_NONE);
	P.set.enabled = true;
	ck_assert_uint_eq(P.c.started, 0);
	ck_assert_int_eq(frames_used, 0);
	/* 32 pages under emulation; the 33rd is the usual path, its frame back. */
	P.set.sequential = false;
	for (u64 i = 0; i < 32; i++) {
		u64 gpa = 0x3000 + (i % 13) * PAGE_SIZE + (i / 13) * 64;

		R.gpr[RDI] = LA + gpa;
		ck_assert_uint_eq(fault(gpa, PREV_ACCESS_WRITE, 0, movq_store, 3),
				  PREV_FAULT_RESUME);
	}
	ck_assert_uint_eq(P.active, 13);		/* pages 3..15 */
	{
		struct prev_settings s = P.set;

		s.max_pages = 13;
		ck_assert_int_eq(prev_configure(&P, &s, NULL, 0), 0);
	}
	swapped[2] = true;
	R.gpr[RDI] = LA + 0x2000;
	ck_assert_uint_eq(fault(0x2000, PREV_ACCESS_WRITE, 0, movq_store, 3), PREV_FAULT_NONE);
	ck_assert_uint_eq(P.c.ended[PREV_END_LIMIT], 1);
	ck_assert_int_eq(frames_freed, 1);
	ck_assert_int_eq(reads, 0);
}
END_TEST

/* Instructions the Preventer cannot emulate: the page comes in, the vCPU
 * waits, nothing of the guest's state changed. */
START_TEST(refused_instruction)
{
	static const u8 add[] = { 0x48, 0x01, 0x07 };		/* add %rax,(%rdi) */
	static const u8 junk[] = { 0x0f, 0xff };
	struct pemul_regs before;

	setup();
	R.gpr[RDI] = LA + 0x8000;
	before = R;
	ck_assert_uint_eq(fault(0x8000, PREV_ACCESS_WRITE, 0, add, 3), PREV_FAULT_WAIT);
	ck_assert_int_eq(memcmp(&R, &before, sizeof(R)), 0);
	ck_assert_uint_eq(P.c.ended[PREV_END_INSN], 1);
	ck_assert_int_eq(reads, 1);
	/* Again before the read lands: still waits, no second read. */
	ck_assert_uint_eq(fault(0x8000, PREV_ACCESS_WRITE, 0, junk, 2), PREV_FAULT_WAIT);
	ck_assert_int_eq(reads, 1);
	ck_assert(prev_fault_read_done(&P, &ops, NULL, 0x8000, disk[8]));
	ck_assert_int_eq(memcmp(ram[8], disk[8], PAGE_SIZE), 0);
	/* An instruction fetch from a page under emulation waits too. */
	R.gpr[RDI] = LA + 0x9000;
	ck_assert_uint_eq(fault(0x9000, PREV_ACCESS_WRITE, 0, movq_store, 3), PREV_FAULT_RESUME);
	ck_assert_uint_eq(fault(0x9000, PREV_ACCESS_EXEC, 0, movq_store, 3), PREV_FAULT_WAIT);
	ck_assert_uint_eq(P.c.ended[PREV_END_READ], 1);
	ck_assert_int_eq(reads, 2);
}
END_TEST

/* copy_page from a page that is itself swapped out: the source cannot be
 * given, the destination comes in, the vCPU waits; from a page under
 * emulation with the bytes missing, that page's read starts too. */
START_TEST(movs_sources)
{
	static const u8 movsq[] = { 0xf3, 0x48, 0xa5 };

	setup();
	R.gpr[RCX] = 512;
	R.gpr[RSI] = LA + 0xa000;		/* swapped, not emulated */
	R.gpr[RDI] = LA + 0xb000;
	ck_assert_uint_eq(fault(0xb000, PREV_ACCESS_WRITE, 0, movsq, 3), PREV_FAULT_WAIT);
	ck_assert_uint_eq(R.gpr[RCX], 512);
	ck_assert_int_eq(reads, 1);
	ck_assert_uint_eq(read_gpa[0], 0xb000);
	ck_assert_uint_eq(P.c.ended[PREV_END_INSN], 1);

	/* Source page 0xc000 under emulation with 8 bytes buffered. */
	setup();
	R.gpr[RDI] = LA + 0xc000;
	R.gpr[RAX] = 0x55;
	ck_assert_uint_eq(fault(0xc000, PREV_ACCESS_WRITE, 0, movq_store, 3), PREV_FAULT_RESUME);
	R.gpr[RCX] = 512;
	R.gpr[RSI] = LA + 0xc000;
	R.gpr[RDI] = LA + 0xd000;
	ck_assert_uint_eq(fault(0xd000, PREV_ACCESS_WRITE, 0, movsq, 3), PREV_FAULT_WAIT);
	/* The first 256-byte chunk of the source is not all there: nothing
	 * copied (a REP may stop at any element), both pages read. */
	ck_assert_uint_eq(R.gpr[RCX], 512);
	ck_assert_uint_eq(R.gpr[RSI], LA + 0xc000);
	ck_assert_int_eq(reads, 2);
	ck_assert_uint_eq(read_gpa[0], 0xc000);
	ck_assert_uint_eq(read_gpa[1], 0xd000);
	ck_assert(prev_fault_read_done(&P, &ops, NULL, 0xd000, disk[13]));
	ck_assert_int_eq(memcmp(ram[13], disk[13], PAGE_SIZE), 0);
	ck_assert(prev_fault_read_done(&P, &ops, NULL, 0xc000, disk[12]));
	ck_assert_uint_eq(ram[12][0], 0x55);
	ck_assert_uint_eq(ram[12][9], disk[12][9]);
	ck_assert_uint_eq(P.active, 0);
}
END_TEST

Suite *preventer_fault_suite(void)
{
	Suite *s = suite_create("preventer_fault");
	TCase *tc = tcase_create("fake swapper");

	tcase_add_test(tc, clear_page_no_read);
	tcase_add_test(tc, movq_loop_no_read);
	tcase_add_test(tc, partial_then_read);
	tcase_add_test(tc, full_while_reading);
	tcase_add_test(tc, not_started);
	tcase_add_test(tc, refused_instruction);
	tcase_add_test(tc, movs_sources);
	suite_add_tcase(s, tc);
	return s;
}
