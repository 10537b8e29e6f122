// SPDX-License-Identifier: GPL-2.0
/*
 * The False Reads Preventer's bookkeeping (mm/swap/preventer.c): slots and
 * the page limit, the byte bitmap at word edges, the sequential rule, the
 * injected-time limit, reads, full pages, and the merge against a
 * reference model. Time is a number handed in; nothing sleeps.
 */
#include <stdlib.h>
#include <string.h>

#include "mm/swap/preventer.h"
#include "tests/unit/suites.h"

static struct prev P;
static u8 bufs[4][PAGE_SIZE];

static struct prev_page *start(u64 gpa, int b, u64 now)
{
	struct prev_page *pg;

	ck_assert_uint_eq(prev_start(&P, gpa, bufs[b], now, &pg), 0);
	ck_assert_ptr_nonnull(pg);
	return pg;
}

static u32 wr(struct prev_page *pg, u32 off, u32 len, u8 val)
{
	u8 d[PAGE_SIZE];

	memset(d, val, len);
	return prev_write(&P, pg, off, len, d);
}

START_TEST(settings)
{
	struct prev_settings s;
	char err[128];

	prev_init(&P);
	ck_assert(P.set.enabled);
	ck_assert_uint_eq(P.set.max_pages, 32);
	ck_assert_uint_eq(P.set.max_ns, 1000000);
	ck_assert(P.set.sequential);
	s = P.set;
	s.max_pages = 0;
	ck_assert_int_eq(prev_configure(&P, &s, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "preventer: max pages 0 is not in 1..64");
	s.max_pages = 65;
	ck_assert_int_eq(prev_configure(&P, &s, err, sizeof(err)), -1);
	ck_assert_uint_eq(P.set.max_pages, 32);		/* unchanged */
	s.max_pages = 64;
	ck_assert_int_eq(prev_configure(&P, &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(P.set.max_pages, 64);
	ck_assert_str_eq(prev_end_name(PREV_END_NONSEQ), "nonsequential");
	ck_assert_str_eq(prev_end_name(PREV_END_COUNT), "?");
}
END_TEST

START_TEST(start_and_limit)
{
	struct prev_settings s;
	struct prev_page *a, *b, *c;

	prev_init(&P);
	s = P.set;
	s.max_pages = 2;
	ck_assert_int_eq(prev_configure(&P, &s, NULL, 0), 0);
	a = start(0x5000, 0, 10);
	b = start(0x7123, 1, 10);		/* any address in the page */
	ck_assert_uint_eq(b->gpa, 0x7000);
	ck_assert_ptr_eq(prev_find(&P, 0x5fff), a);
	ck_assert_ptr_eq(prev_find(&P, 0x7000), b);
	ck_assert_ptr_null(prev_find(&P, 0x6000));
	/* A third page: over the limit, counted, not started. */
	ck_assert_uint_eq(prev_start(&P, 0x9000, bufs[2], 10, &c), PREV_ACT_READ);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(P.c.ended[PREV_END_LIMIT], 1);
	/* The same page twice is refused (the caller's bug), not counted. */
	ck_assert_uint_eq(prev_start(&P, 0x5000, bufs[2], 10, &c), PREV_ACT_READ);
	ck_assert_uint_eq(P.c.ended[PREV_END_LIMIT], 1);
	ck_assert_uint_eq(P.c.started, 2);
	ck_assert_uint_eq(P.active, 2);
	/* A slot back: room again. */
	prev_merge(&P, a, bufs[3]);
	ck_assert_uint_eq(P.active, 1);
	c = start(0x9000, 2, 20);
	ck_assert_uint_eq(P.c.started, 3);
	/* Off: never started. */
	prev_init(&P);
	P.set.enabled = false;
	ck_assert_uint_eq(prev_start(&P, 0x1000, bufs[0], 0, &c), PREV_ACT_READ);
	ck_assert_uint_eq(P.c.started, 0);
	ck_assert_uint_eq(P.c.ended[PREV_END_LIMIT], 0);
}
END_TEST

START_TEST(bitmap_edges)
{
	struct prev_page *pg;

	prev_init(&P);
	P.set.sequential = false;
	pg = start(0x1000, 0, 0);
	ck_assert_uint_eq(wr(pg, 63, 2, 1), 0);	/* across the first word */
	ck_assert_uint_eq(pg->map[0], BIT(63));
	ck_assert_uint_eq(pg->map[1], BIT(0));
	ck_assert_uint_eq(pg->filled, 2);
	ck_assert(prev_all_buffered(pg, 63, 2));
	ck_assert(!prev_all_buffered(pg, 62, 2));
	ck_assert(!prev_all_buffered(pg, 63, 3));
	ck_assert_uint_eq(wr(pg, 64, 64, 2), 0);	/* a whole word, overlapping one bit */
	ck_assert_uint_eq(pg->map[1], ~0ULL);
	ck_assert_uint_eq(pg->filled, 65);
	ck_assert(prev_all_buffered(pg, 63, 65));
	ck_assert_uint_eq(wr(pg, 4095, 1, 3), 0);	/* the last byte */
	ck_assert_uint_eq(pg->map[63], BIT(63));
	ck_assert(prev_all_buffered(pg, 4095, 1));
	ck_assert(!prev_all_buffered(pg, 4094, 2));
	ck_assert(!prev_all_buffered(pg, 4095, 2));	/* past the page */
	ck_assert(!prev_all_buffered(pg, 5000, 1));
	ck_assert(prev_all_buffered(pg, 100, 0));	/* nothing asked */
	ck_assert_uint_eq(wr(pg, 1, 200, 4), 0);	/* over what is there */
	ck_assert_uint_eq(pg->filled, 200 + 1);		/* bytes 1..200 and 4095 */
	ck_assert_uint_eq(P.c.bytes_emulated, 2 + 64 + 1 + 200);
	ck_assert(!prev_all_buffered(pg, 0, 1));	/* never written */
	bufs[0][0] = 0x77;
	ck_assert_uint_eq(wr(pg, 0, 1, 5), 0);
	ck_assert_uint_eq(bufs[0][0], 5);
	ck_assert_uint_eq(bufs[0][63], 4);
	ck_assert_uint_eq(bufs[0][64], 4);
	ck_assert(!prev_all_buffered(pg, 201, 1));
}
END_TEST

START_TEST(sequential_rule)
{
	struct prev_page *pg;

	prev_init(&P);
	pg = start(0x1000, 0, 0);
	/* A first write anywhere, then up, down, and over the run. */
	ck_assert_uint_eq(wr(pg, 2048, 8, 1), 0);
	ck_assert_uint_eq(wr(pg, 2056, 8, 1), 0);	/* adjoining above */
	ck_assert_uint_eq(wr(pg, 2040, 8, 1), 0);	/* adjoining below */
	ck_assert_uint_eq(wr(pg, 2044, 20, 1), 0);	/* inside and over */
	ck_assert_uint_eq(pg->lo, 2040);
	ck_assert_uint_eq(pg->hi, 2064);
	/* A gap above: ended, still buffered. */
	ck_assert_uint_eq(wr(pg, 2065, 1, 9), PREV_ACT_READ);
	ck_assert_uint_eq(pg->state, PREV_READING);
	ck_assert_uint_eq(pg->end, PREV_END_NONSEQ);
	ck_assert_uint_eq(bufs[0][2065], 9);
	ck_assert_uint_eq(P.c.ended[PREV_END_NONSEQ], 1);
	/* After the end, writes go on being buffered, anywhere, no action. */
	ck_assert_uint_eq(wr(pg, 0, 4, 8), 0);
	ck_assert_uint_eq(bufs[0][3], 8);
	ck_assert_uint_eq(P.c.ended[PREV_END_NONSEQ], 1);

	/* A gap below also ends it. */
	pg = start(0x2000, 1, 0);
	ck_assert_uint_eq(wr(pg, 100, 4, 1), 0);
	ck_assert_uint_eq(wr(pg, 95, 4, 1), PREV_ACT_READ);	/* 99 missing */
	ck_assert_uint_eq(pg->end, PREV_END_NONSEQ);

	/* The setting off: gaps are fine. */
	P.set.sequential = false;
	pg = start(0x3000, 2, 0);
	ck_assert_uint_eq(wr(pg, 0, 4, 1), 0);
	ck_assert_uint_eq(wr(pg, 1000, 4, 1), 0);
	ck_assert_uint_eq(pg->state, PREV_EMULATING);
}
END_TEST

START_TEST(time_limit)
{
	struct prev_page *pg;

	prev_init(&P);
	pg = start(0x1000, 0, 5000);
	ck_assert_uint_eq(wr(pg, 0, 8, 1), 0);
	ck_assert_uint_eq(prev_check_time(&P, pg, 5000 + 999999), 0);
	/* 1 ms after the first write: ended, once. */
	ck_assert_uint_eq(prev_check_time(&P, pg, 5000 + 1000000), PREV_ACT_READ);
	ck_assert_uint_eq(pg->end, PREV_END_TIMEOUT);
	ck_assert_uint_eq(prev_check_time(&P, pg, 1 << 30), 0);
	ck_assert_uint_eq(P.c.ended[PREV_END_TIMEOUT], 1);
	/* Writes are still buffered after it, with no action. */
	ck_assert_uint_eq(wr(pg, 8, 8, 2), 0);
	ck_assert_uint_eq(bufs[0][8], 2);

	/* Writes never check the time themselves: a REP's chunks stay one
	 * step, and a page one of them fills is whole, not timed out. */
	pg = start(0x2000, 1, 0);
	ck_assert_uint_eq(wr(pg, 0, 2048, 1), 0);
	ck_assert_uint_eq(wr(pg, 2048, 2048, 1), PREV_ACT_MAP);
	ck_assert_uint_eq(prev_check_time(&P, pg, 1 << 30), 0);	/* not emulating */
	ck_assert_uint_eq(P.c.ended[PREV_END_TIMEOUT], 1);
	ck_assert_uint_eq(P.c.false_reads_avoided, 1);
	prev_release(&P, pg);

	/* max_ns 0: no limit. */
	P.set.max_ns = 0;
	pg = start(0x3000, 2, 0);
	ck_assert_uint_eq(wr(pg, 0, 8, 1), 0);
	ck_assert_uint_eq(prev_check_time(&P, pg, ~0ULL), 0);
}
END_TEST

START_TEST(reads)
{
	struct prev_page *pg;
	u8 out[16];

	prev_init(&P);
	pg = start(0x1000, 0, 0);
	ck_assert_uint_eq(wr(pg, 0, 16, 0xab), 0);
	memset(out, 0, sizeof(out));
	ck_assert_uint_eq(prev_read(&P, pg, 4, 8, out), 0);
	ck_assert_uint_eq(out[0], 0xab);
	ck_assert_uint_eq(out[7], 0xab);
	ck_assert_uint_eq(P.c.reads_served, 1);
	/* One byte short: the vCPU waits, the read starts once. */
	memset(out, 0, sizeof(out));
	ck_assert_uint_eq(prev_read(&P, pg, 12, 8, out), PREV_ACT_READ | PREV_ACT_WAIT);
	ck_assert_uint_eq(out[0], 0);			/* nothing given */
	ck_assert_uint_eq(pg->end, PREV_END_READ);
	ck_assert_uint_eq(prev_read(&P, pg, 100, 1, out), PREV_ACT_WAIT);
	/* Buffered bytes are still served while the read is out. */
	ck_assert_uint_eq(prev_read(&P, pg, 0, 16, out), 0);
	ck_assert_uint_eq(P.c.waits, 2);
	ck_assert_uint_eq(P.c.ended[PREV_END_READ], 1);
	ck_assert_uint_eq(P.c.reads_served, 2);
}
END_TEST

START_TEST(full_page)
{
	struct prev_page *pg;

	prev_init(&P);
	pg = start(0x1000, 0, 0);
	for (u32 off = 0; off < PAGE_SIZE - 64; off += 64)
		ck_assert_uint_eq(wr(pg, off, 64, (u8)off), 0);
	ck_assert_uint_eq(wr(pg, PAGE_SIZE - 64, 64, 1), PREV_ACT_MAP);
	ck_assert_uint_eq(pg->end, PREV_END_FULL);
	ck_assert_uint_eq(P.c.false_reads_avoided, 1);
	ck_assert_uint_eq(P.c.ended[PREV_END_FULL], 1);
	ck_assert_uint_eq(P.active, 1);			/* until released */
	prev_release(&P, pg);
	ck_assert_uint_eq(P.active, 0);
	prev_release(&P, pg);				/* twice: no harm */
	ck_assert_uint_eq(P.active, 0);
	ck_assert_ptr_null(prev_find(&P, 0x1000));

	/* Full after the read was asked: mapped, but no false read avoided. */
	pg = start(0x2000, 1, 0);
	ck_assert_uint_eq(wr(pg, 0, 8, 1), 0);
	ck_assert_uint_eq(prev_end(&P, pg, PREV_END_HOST), PREV_ACT_READ);
	ck_assert_uint_eq(prev_end(&P, pg, PREV_END_HOST), 0);	/* once */
	ck_assert_uint_eq(wr(pg, 8, PAGE_SIZE - 8, 2), PREV_ACT_MAP);
	ck_assert_uint_eq(P.c.false_reads_avoided, 1);
	ck_assert_uint_eq(P.c.full_while_reading, 1);
	ck_assert_uint_eq(P.c.ended[PREV_END_HOST], 1);
	prev_merge(&P, pg, NULL);			/* the read came anyway */
	ck_assert_uint_eq(bufs[1][0], 1);
	ck_assert_uint_eq(bufs[1][8], 2);

	/* One write of the whole page (a REP that short-circuited). */
	pg = start(0x3000, 2, 0);
	ck_assert_uint_eq(wr(pg, 0, PAGE_SIZE, 0), PREV_ACT_MAP);
	ck_assert_uint_eq(P.c.false_reads_avoided, 2);
}
END_TEST

START_TEST(bad_calls)
{
	struct prev_page *pg;
	u8 d[8] = { 0 };

	prev_init(&P);
	pg = start(0x1000, 0, 0);
	/* Offsets outside the page: refused and ended, nothing written. */
	ck_assert_uint_eq(prev_write(&P, pg, 4090, 8, d), PREV_ACT_READ | PREV_ACT_WAIT);
	ck_assert_uint_eq(pg->end, PREV_END_INSN);
	ck_assert_uint_eq(pg->filled, 0);
	ck_assert_uint_eq(prev_write(&P, pg, 4096, 1, d), PREV_ACT_WAIT);
	ck_assert_uint_eq(prev_write(&P, pg, 0, 0, d), PREV_ACT_WAIT);
	ck_assert_uint_eq(prev_write(&P, pg, 0xffffffffu, 2, d), PREV_ACT_WAIT);
	ck_assert_uint_eq(prev_read(&P, pg, 4095, 2, d), PREV_ACT_WAIT);
	ck_assert_uint_eq(P.c.bytes_emulated, 0);
	/* The two reasons only this file decides become "host". */
	pg = start(0x2000, 1, 0);
	ck_assert_uint_eq(prev_end(&P, pg, PREV_END_FULL), PREV_ACT_READ);
	ck_assert_uint_eq(pg->end, PREV_END_HOST);
	/* A freed slot: calls do nothing harmful. */
	prev_merge(&P, pg, bufs[3]);
	prev_merge(&P, pg, bufs[3]);
	ck_assert_uint_eq(P.c.merges, 1);
	ck_assert_uint_eq(prev_write(&P, pg, 0, 1, d), PREV_ACT_WAIT);
	ck_assert_uint_eq(P.active, 1);
}
END_TEST

/* Random writes, an end, more writes, the merge: the page must be the old
 * content with every write applied in order (buffered bytes win). */
START_TEST(merge_model)
{
	static u8 old[PAGE_SIZE], model[PAGE_SIZE], data[PAGE_SIZE];

	srand(1234);
	for (int round = 0; round < 200; round++) {
		struct prev_page *pg;
		int nw = rand() % 40;

		prev_init(&P);
		P.set.sequential = round & 1;
		for (u32 i = 0; i < PAGE_SIZE; i++)
			old[i] = model[i] = (u8)rand();
		memset(bufs[0], 0xcc, PAGE_SIZE);
		pg = start(0x4000, 0, 0);
		for (int w = 0; w < nw; w++) {
			u32 off = (u32)rand() % PAGE_SIZE;
			u32 len = 1 + (u32)rand() % MIN(300u, (u32)PAGE_SIZE - off);
			u32 act;

			for (u32 i = 0; i < len; i++)
				data[i] = (u8)rand();
			act = prev_write(&P, pg, off, len, data);
			ck_assert(!(act & PREV_ACT_WAIT));
			memcpy(model + off, data, len);
			if (w == nw / 2)
				prev_end(&P, pg, PREV_END_HOST);
		}
		prev_merge(&P, pg, old);
		ck_assert_int_eq(memcmp(bufs[0], model, PAGE_SIZE), 0);
		ck_assert_uint_eq(P.active, 0);
	}
}
END_TEST

/* tern writes a page whole (a disk read into it) while writes are buffered
 * for it: they are older, dropped with the slot; the buffer is the
 * caller's to free; an emulation still running counts as ended by tern. */
START_TEST(drop_for_overwrite)
{
	struct prev_page *pg;

	prev_init(&P);
	pg = start(0x1000, 0, 0);
	ck_assert_uint_eq(wr(pg, 0, 8, 1), 0);
	ck_assert_ptr_eq(prev_drop(&P, pg), bufs[0]);
	ck_assert_uint_eq(P.active, 0);
	ck_assert_uint_eq(P.c.dropped, 1);
	ck_assert_uint_eq(P.c.ended[PREV_END_HOST], 1);
	ck_assert_ptr_null(prev_find(&P, 0x1000));
	ck_assert_ptr_null(prev_drop(&P, pg));		/* twice: nothing */
	ck_assert_uint_eq(P.c.dropped, 1);
	/* Its read already asked (ended): not counted as ended again. */
	pg = start(0x2000, 1, 0);
	ck_assert_uint_eq(wr(pg, 0, 8, 1), 0);
	ck_assert_uint_eq(prev_end(&P, pg, PREV_END_TIMEOUT), PREV_ACT_READ);
	ck_assert_ptr_eq(prev_drop(&P, pg), bufs[1]);
	ck_assert_uint_eq(P.c.ended[PREV_END_HOST], 1);
	ck_assert_uint_eq(P.c.dropped, 2);
	/* The page starts afresh next time, with nothing of the old buffer. */
	pg = start(0x2000, 2, 0);
	ck_assert_uint_eq(pg->filled, 0);
	ck_assert(!prev_all_buffered(pg, 0, 8));
}
END_TEST

Suite *preventer_suite(void)
{
	Suite *s = suite_create("preventer");
	TCase *tc = tcase_create("buffer");

	tcase_add_test(tc, settings);
	tcase_add_test(tc, start_and_limit);
	tcase_add_test(tc, bitmap_edges);
	tcase_add_test(tc, sequential_rule);
	tcase_add_test(tc, time_limit);
	tcase_add_test(tc, reads);
	tcase_add_test(tc, full_page);
	tcase_add_test(tc, bad_calls);
	tcase_add_test(tc, merge_model);
	tcase_add_test(tc, drop_for_overwrite);
	suite_add_tcase(s, tc);
	return s;
}
