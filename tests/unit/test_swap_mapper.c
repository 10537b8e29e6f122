// SPDX-License-Identifier: GPL-2.0
/*
 * The Swap Mapper's pure parts: the association table both ways, and the
 * per-page states it changes (swap_vm.h): associated pages dropped with no
 * swap write and read back from the image with sequential prefetch, writes
 * breaking the association, a disk write to a block settling its pages
 * first, a disk read into a page on disk needing no read (stale reads
 * avoided; baseline counts them), silent writes counted in baseline; and a
 * randomized run of all of it, with I/O landing in any order, checked bit
 * for bit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm/swap/swap_area.h"
#include "mm/swap/swap_mapper.h"
#include "mm/swap/swap_vm.h"
#include "suites.h"

START_TEST(assoc_both_ways)
{
	struct swap_assoc a;
	u32 seen[3], n = 0;

	ck_assert_int_eq(swap_assoc_init(&a, 1000), 0);
	/* 9 bytes a page: a block, a link, a bucket per 4 pages. */
	ck_assert_uint_le(swap_assoc_bytes(&a), 9 * 1000 + 4 * 256);
	ck_assert_uint_eq(swap_assoc_block(&a, 5), SWAP_NO_BLOCK);
	swap_assoc_set(&a, 5, 100);
	swap_assoc_set(&a, 6, 101);
	swap_assoc_set(&a, 7, 100);		/* the same block twice */
	swap_assoc_set(&a, 5 + 256, 100 + 256);	/* same bucket, other block */
	ck_assert_uint_eq(a.count, 4);
	ck_assert_uint_eq(swap_assoc_block(&a, 6), 101);
	for (u32 j = swap_assoc_first(&a, 100); j != SWAP_ASSOC_END; j = swap_assoc_next(&a, j))
		seen[n++] = j;
	ck_assert_uint_eq(n, 2);
	ck_assert((seen[0] == 5 && seen[1] == 7) || (seen[0] == 7 && seen[1] == 5));
	/* Re-association moves the page. */
	swap_assoc_set(&a, 7, 102);
	ck_assert_uint_eq(swap_assoc_first(&a, 100), 5);
	ck_assert_uint_eq(swap_assoc_next(&a, 5), SWAP_ASSOC_END);
	ck_assert_uint_eq(swap_assoc_first(&a, 102), 7);
	swap_assoc_clear(&a, 5);
	swap_assoc_clear(&a, 5);		/* twice: nothing */
	swap_assoc_clear(&a, 5000);		/* outside: nothing */
	ck_assert_uint_eq(swap_assoc_first(&a, 100), SWAP_ASSOC_END);
	ck_assert_uint_eq(swap_assoc_first(&a, 356), 261);
	ck_assert_uint_eq(a.count, 3);
	swap_assoc_destroy(&a);
	ck_assert_int_eq(swap_assoc_init(&a, 0), -1);
}
END_TEST

/* A random run against a plain model: every page's block as set and
 * cleared, checked both ways. */
START_TEST(assoc_random_against_model)
{
	enum { N = 300, B = 40 };
	struct swap_assoc a;
	u32 model[N];

	srand(11);
	ck_assert_int_eq(swap_assoc_init(&a, N), 0);
	memset(model, 0xff, sizeof(model));
	for (int step = 0; step < 20000; step++) {
		u32 i = (u32)rand() % N;

		if (rand() % 3)
			swap_assoc_set(&a, i, model[i] = (u32)rand() % B);
		else
			swap_assoc_clear(&a, i), model[i] = SWAP_NO_BLOCK;
		if (step % 97)
			continue;
		for (u32 b = 0; b < B; b++) {
			u32 want = 0, got = 0;

			for (u32 k = 0; k < N; k++)
				want += model[k] == b;
			for (u32 j = swap_assoc_first(&a, b); j != SWAP_ASSOC_END;
			     j = swap_assoc_next(&a, j)) {
				ck_assert_uint_eq(model[j], b);
				got++;
			}
			ck_assert_uint_eq(got, want);
		}
		for (u32 k = 0; k < N; k++)
			ck_assert_uint_eq(swap_assoc_block(&a, k), model[k]);
	}
	swap_assoc_destroy(&a);
}
END_TEST

/* ---- the states, with a fake EPT ---- */

#define NP	32
static struct swap_dev dev;
static struct swap_area *area;
static struct swap_assoc assoc;
static struct swap_vm s;
static bool ept_a[NP];

static bool no_pin(void *ctx, u64 i) { return false; }

static bool test_clear_a(void *ctx, u64 i)
{
	bool a = ept_a[i];

	ept_a[i] = false;
	return a;
}

static const struct swap_clock_ops ops = { no_pin, test_clear_a };

static void setup(u64 limit, bool mapper)
{
	memset(ept_a, 0, sizeof(ept_a));
	ck_assert_int_eq(swap_dev_init(&dev, 4096ULL * 256, 512), 0);
	area = swap_area_carve(&dev, "vm", NP, NP);
	ck_assert_int_eq(swap_vm_init(&s, NP, limit, area), 0);
	if (mapper) {
		ck_assert_int_eq(swap_assoc_init(&assoc, NP), 0);
		s.assoc = &assoc;
	}
}

static void teardown(void)
{
	if (s.assoc)
		swap_assoc_destroy(&assoc);
	swap_vm_destroy(&s);
	swap_area_release(&dev, area);
}

/* Page i resident, filled whole by a disk read of block b. */
static void fill(u64 i, u32 b)
{
	u32 slot;

	ck_assert_int_eq(swap_fault_overwrite(&s, i, &slot), SWAP_ACT_MAP_ZERO);
	swap_mark_filled(&s, i);
	swap_associate(&s, i, b);
}

/* Evict page i (picked alone), clean. */
static enum swap_act evict(u64 i)
{
	u64 v;
	u32 slot;

	s.hand = i;
	ck_assert_uint_eq(swap_clock_pick(&s, &ops, NULL, &v, 1), 1);
	ck_assert_uint_eq(v, i);
	return swap_evict(&s, i, false, &slot);
}

START_TEST(mapper_drops_and_refaults_with_prefetch)
{
	u64 pf[8];
	u32 blk = 0;
	u8 wake;

	setup(NP, true);
	for (u64 i = 0; i < 6; i++)
		fill(10 + i, 500 + (u32)i);
	ck_assert_uint_eq(s.assoc_made, 6);
	for (u64 i = 0; i < 6; i++)
		ck_assert_int_eq(evict(10 + i), SWAP_ACT_DROP);
	ck_assert_uint_eq(s.dropped_image, 6);
	ck_assert_uint_eq(s.out_written, 0);
	ck_assert_uint_eq(s.silent_writes, 0);
	/* The guest touches page 11: block 501 from the image, and the pages
	 * of blocks 502.. read ahead with it, in block order. */
	ck_assert_int_eq(swap_fault(&s, 11, 0, &blk), SWAP_ACT_READ_IMAGE);
	ck_assert_uint_eq(blk, 501);
	ck_assert_uint_eq(swap_prefetch(&s, 11, blk, pf, 8), 4);
	ck_assert_uint_eq(pf[0], 12);
	ck_assert_uint_eq(pf[3], 15);
	ck_assert_uint_eq(s.prefetched, 4);
	/* A vCPU wants one of them while in flight: used. */
	ck_assert_int_eq(swap_fault(&s, 13, 1, &blk), SWAP_ACT_WAIT);
	ck_assert_int_eq(swap_read_done(&s, 11, true, &wake), SWAP_ACT_MAP);
	ck_assert_uint_eq(wake, 1);
	for (u64 i = 12; i < 16; i++)
		ck_assert_int_eq(swap_read_done(&s, i, true, &wake), SWAP_ACT_MAP);
	ck_assert_uint_eq(s.in_image, 5);
	ck_assert_uint_eq(s.in_swap, 0);
	ck_assert_uint_eq(s.prefetch_used, 1);
	/* Page 14 accessed (A set) before the clock: used. */
	ept_a[14] = true;
	s.hand = 14;
	{
		u64 v;

		swap_clock_pick(&s, &ops, NULL, &v, 1);
	}
	ck_assert_uint_eq(s.prefetch_used, 2);
	/* Still associated: dropped again without a write. */
	ck_assert_int_eq(swap_read_done(&s, 15, true, &wake), SWAP_ACT_NONE);
	ck_assert_int_eq(swap_evict(&s, 15, true, &blk), SWAP_ACT_DROP);
	teardown();
}
END_TEST

START_TEST(write_breaks_association)
{
	u32 slot;

	setup(NP, true);
	fill(3, 77);
	ck_assert(!swap_break(&s, 4));
	/* The guest's write fault: its protection was the swapper's. */
	s.pte[3].flags |= SWPF_WP;
	ck_assert(swap_break(&s, 3));
	ck_assert_uint_eq(swap_assoc_block(&assoc, 3), SWAP_NO_BLOCK);
	ck_assert_uint_eq(s.assoc_broken, 1);
	/* Now an ordinary dirty page: written. */
	ck_assert_int_eq(evict(3), SWAP_ACT_WRITE);
	ck_assert_int_eq(swap_write_done(&s, 3, true, false), SWAP_ACT_FREE_FRAME);
	/* tern's own write breaks it too. */
	fill(4, 78);
	swap_mark_dirty(&s, 4);
	ck_assert_uint_eq(swap_assoc_first(&assoc, 78), SWAP_ASSOC_END);
	ck_assert_int_eq(evict(4), SWAP_ACT_WRITE);
	ck_assert_uint_eq(s.silent_writes, 0);
	(void)slot;
	teardown();
}
END_TEST

START_TEST(disk_write_settles_block)
{
	u64 out[4];
	u32 n, blk;
	u8 wake;

	setup(NP, true);
	fill(1, 40);
	fill(2, 41);
	ck_assert_int_eq(evict(2), SWAP_ACT_DROP);
	/* Resident page of block 40: it lets go at once. */
	ck_assert_int_eq(swap_settle(&s, 40, out, 4, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(swap_assoc_first(&assoc, 40), SWAP_ASSOC_END);
	/* Dropped page of block 41: read back first, the write waits. */
	ck_assert_int_eq(swap_settle(&s, 41, out, 4, &n), -EAGAIN);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(out[0], 2);
	ck_assert_int_eq(s.pte[2].state, SWP_READING);
	ck_assert_int_eq(swap_settle(&s, 41, out, 4, &n), -EAGAIN);	/* in flight */
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(swap_read_done(&s, 2, true, &wake), SWAP_ACT_MAP);
	ck_assert_int_eq(swap_settle(&s, 41, out, 4, &n), 0);
	ck_assert_uint_eq(s.settled, 2);
	ck_assert_uint_eq(s.settle_reads, 1);
	/* No longer associated: its next eviction writes it to swap. */
	ck_assert_int_eq(evict(2), SWAP_ACT_WRITE);
	(void)blk;
	teardown();
}
END_TEST

START_TEST(stale_reads_avoided_or_counted)
{
	u32 slot;

	/* Mapper: a page in swap overwritten by a disk read: no read. */
	setup(NP, true);
	ck_assert_int_eq(swap_fault(&s, 5, 0, &slot), SWAP_ACT_MAP_ZERO);
	ck_assert_int_eq(evict(5), SWAP_ACT_WRITE);
	ck_assert_int_eq(swap_write_done(&s, 5, true, false), SWAP_ACT_FREE_FRAME);
	ck_assert_int_eq(swap_fault_overwrite(&s, 5, &slot), SWAP_ACT_MAP_ZERO);
	ck_assert_uint_eq(s.stale_avoided, 1);
	ck_assert_uint_eq(s.in_swap, 0);
	teardown();
	/* Baseline: read back, counted; a filled clean page written out is
	 * a silent write. */
	setup(NP, false);
	ck_assert_int_eq(swap_fault(&s, 5, 0, &slot), SWAP_ACT_MAP_ZERO);
	ck_assert_int_eq(evict(5), SWAP_ACT_WRITE);
	ck_assert_int_eq(swap_write_done(&s, 5, true, false), SWAP_ACT_FREE_FRAME);
	ck_assert_int_eq(swap_fault_overwrite(&s, 5, &slot), SWAP_ACT_READ);
	ck_assert_uint_eq(s.stale_reads, 1);
	swap_associate(&s, 6, 9);		/* no table: nothing */
	ck_assert_int_eq(swap_fault_overwrite(&s, 6, &slot), SWAP_ACT_MAP_ZERO);
	swap_mark_filled(&s, 6);
	ck_assert_int_eq(evict(6), SWAP_ACT_WRITE);
	ck_assert_uint_eq(s.silent_writes, 1);
	ck_assert_uint_eq(s.assoc_made, 0);
	teardown();
}
END_TEST

/* Baseline's silent writes: a page a disk read filled is written out
 * although the guest never wrote it since; the EPT D flag may be set from
 * before the fill (the kernel zeroed the page it allocated), so the
 * write protection set at the fill is what tells. */
START_TEST(silent_write_despite_dirty_flag_from_before_the_fill)
{
	u64 v;
	u32 slot;

	setup(NP, false);
	for (u64 i = 6; i <= 7; i++) {
		ck_assert_int_eq(swap_fault(&s, i, 0, &slot), SWAP_ACT_MAP_ZERO);
		s.pte[i].flags |= SWPF_WP;	/* swapper_fill_begin */
		swap_mark_filled(&s, i);
	}
	/* Page 7: the guest's first write since the fill lifts it. */
	ck_assert(swap_break(&s, 7));
	for (u64 i = 6; i <= 7; i++) {
		s.hand = i;
		ck_assert_uint_eq(swap_clock_pick(&s, &ops, NULL, &v, 1), 1);
		ck_assert_int_eq(swap_evict(&s, i, true, &slot), SWAP_ACT_WRITE);
	}
	ck_assert_uint_eq(s.silent_writes, 1);
	teardown();
}
END_TEST

/* The Preventer filled a page on disk whole: resident with no read, its
 * block's and slot's copies old (its next eviction writes it). */
START_TEST(fill_whole_needs_no_read)
{
	u32 slot;

	setup(NP, true);
	fill(3, 40);
	ck_assert_int_eq(evict(3), SWAP_ACT_DROP);
	ck_assert_uint_eq(s.frames, 0);
	ck_assert(swap_fill_whole(&s, 3));
	ck_assert_uint_eq(s.pte[3].state, SWP_RESIDENT);
	ck_assert_uint_eq(s.frames, 1);
	ck_assert_uint_eq(s.in_image + s.in_swap, 0);
	ck_assert_uint_eq(swap_assoc_first(&assoc, 40), SWAP_ASSOC_END);
	ck_assert_int_eq(evict(3), SWAP_ACT_WRITE);
	ck_assert_int_eq(swap_write_done(&s, 3, true, false), SWAP_ACT_FREE_FRAME);
	/* From swap too; not for a page that is not on disk. */
	ck_assert(swap_fill_whole(&s, 3));
	ck_assert_uint_eq(s.in_swap, 0);
	ck_assert(!swap_fill_whole(&s, 3));
	ck_assert(!swap_fill_whole(&s, 4));
	ck_assert_int_eq(swap_fault(&s, 4, 0, &slot), SWAP_ACT_MAP_ZERO);
	ck_assert_uint_eq(s.stale_avoided, 0);
	teardown();
}
END_TEST

START_TEST(prefetch_bounded_by_frames)
{
	u64 pf[8];
	u32 blk;

	setup(4, true);
	for (u64 i = 0; i < 8; i++) {
		fill(i, 100 + (u32)i);
		ck_assert_int_eq(evict(i), SWAP_ACT_DROP);
	}
	ck_assert_uint_eq(s.frames, 0);
	ck_assert_int_eq(swap_fault(&s, 0, 0, &blk), SWAP_ACT_READ_IMAGE);
	/* 4 frames: the faulting page and 3 read ahead. */
	ck_assert_uint_eq(swap_prefetch(&s, 0, blk, pf, 8), 3);
	ck_assert_uint_eq(s.frames, 4);
	/* One not read after all (no host frame): not counted as read ahead. */
	swap_read_cancel(&s, pf[2]);
	ck_assert_uint_eq(s.prefetched, 2);
	ck_assert_uint_eq(s.frames, 3);
	ck_assert_uint_eq(s.pte[pf[2]].state, SWP_SWAPPED);
	teardown();
}
END_TEST

/* Filled whole while its read was out: resident whatever the read brought
 * (a failed read-ahead too, which would otherwise send it back to disk),
 * its block's copy old, the read counted, the waiters woken. */
START_TEST(read_superseded_stays_resident)
{
	u64 pf[4];
	u32 blk;
	u8 wake;

	setup(NP, true);
	for (u64 i = 0; i < 3; i++) {
		fill(i, 60 + (u32)i);
		ck_assert_int_eq(evict(i), SWAP_ACT_DROP);
	}
	ck_assert_int_eq(swap_fault(&s, 0, 1, &blk), SWAP_ACT_READ_IMAGE);
	ck_assert_uint_eq(swap_prefetch(&s, 0, blk, pf, 4), 2);
	swap_read_superseded(&s, 0, &wake);
	ck_assert_uint_eq(wake, 1u << 1);
	ck_assert_uint_eq(s.pte[0].state, SWP_RESIDENT);
	ck_assert_uint_eq(s.in_image, 1);
	ck_assert_uint_eq(swap_assoc_first(&assoc, 60), SWAP_ASSOC_END);
	ck_assert(!(s.pte[0].flags & (SWPF_IMAGE | SWPF_SLOT_VALID)));
	/* A read-ahead whose read failed, the page filled meanwhile. */
	swap_read_superseded(&s, pf[0], &wake);
	ck_assert_uint_eq(s.pte[pf[0]].state, SWP_RESIDENT);
	ck_assert(!(s.pte[pf[0]].flags & SWPF_PREFETCHED));
	ck_assert_uint_eq(s.frames, 3);
	ck_assert_uint_eq(s.reading, 1);
	/* Not reading: nothing. */
	swap_read_superseded(&s, 0, &wake);
	ck_assert_uint_eq(wake, 0);
	ck_assert_uint_eq(s.in_image, 2);
	teardown();
}
END_TEST

/* ---- randomized: the Mapper against a fake EPT, disk and swap ---- */

/*
 * One vCPU, tern's disk requests (reads that fill pages whole, writes that
 * take them whole to the disk, each settling its block first), the
 * Preventer's whole-page fills, reclaim and every completion in any
 * order; the disk's and the slots' content sampled when the I/O lands, as
 * a DMA would. Every guest read must see what was last written.
 */
#define MB	24		/* disk blocks */
#define ML	10		/* frames */

struct mio {
	bool write, image;
	u64 idx[9];		/* image: the pages of blocks blk, blk+1, ... */
	u32 n, blk, slot;
};

static u32 m_frame[NP], m_expect[NP], m_slot[NP], m_blk[MB];
static bool m_mapped[NP], m_d[NP], m_dirty_at_unmap[NP], m_waiting;
static struct mio m_ios[NP + 8];
static u32 m_nios;
static u64 m_picked[NP];
static u32 m_npicked;
static u64 m_rng = 0x9e3779b97f4a7c15ULL;
static u32 m_serial = 1;

static u32 mrnd(u32 n)
{
	m_rng ^= m_rng << 13;
	m_rng ^= m_rng >> 7;
	m_rng ^= m_rng << 17;
	return (u32)(m_rng % n);
}

static void m_map(u64 i)
{
	m_mapped[i] = true;
	ept_a[i] = m_d[i] = false;
}

/* A fault's answer acted on. true: the page is mapped now. */
static bool m_act(u64 i, enum swap_act act, u32 slot, bool tern)
{
	u64 more[8];

	switch (act) {
	case SWAP_ACT_RETRY:
		return true;
	case SWAP_ACT_MAP_ZERO:
		m_frame[i] = 0;
		m_map(i);
		return true;
	case SWAP_ACT_MAP_BACK:
		m_map(i);
		return true;
	case SWAP_ACT_READ:
		m_ios[m_nios++] = (struct mio){ .slot = slot, .n = 1, .idx = { i } };
		break;
	case SWAP_ACT_READ_IMAGE: {
		u32 n = swap_prefetch(&s, i, slot, more, 8);
		struct mio *io = &m_ios[m_nios++];

		*io = (struct mio){ .image = true, .blk = slot, .n = n + 1, .idx = { i } };
		for (u32 k = 0; k < n; k++)
			io->idx[k + 1] = more[k];
		break;
	}
	case SWAP_ACT_WAIT:
		break;
	default:
		ck_abort_msg("unexpected fault answer %d", act);
	}
	if (!tern)
		m_waiting = true;
	return false;
}

static void m_guest(u64 i, bool write)
{
	u32 slot = SWAP_NO_SLOT;

	enum swap_act act;

	/* Decided first: slot is its output. */
	if (!m_mapped[i] && (act = swap_fault(&s, i, 0, &slot), !m_act(i, act, slot, false)))
		return;
	ept_a[i] = true;
	if (!write) {
		ck_assert_uint_eq(m_frame[i], m_expect[i]);
		return;
	}
	/* The swapper's write protection: the first write breaks it. */
	if (s.pte[i].flags & SWPF_WP)
		swap_break(&s, i);
	m_d[i] = true;
	m_frame[i] = m_expect[i] = m_serial++;
}

/* The Preventer filled a page on disk whole: mapped, no read. */
static void m_fill_whole(u64 i)
{
	if (!swap_fill_whole(&s, i))
		return;
	m_frame[i] = m_expect[i] = m_serial++;
	m_map(i);
	swap_mark_dirty(&s, i);
	swap_break(&s, i);
}

/* A guest read request: block b into page i, whole. */
static void m_disk_read(u64 i, u32 b)
{
	u32 slot = SWAP_NO_SLOT;

	enum swap_act act;

	/* Decided first: slot is its output. */
	if (!m_mapped[i] && (act = swap_fault_overwrite(&s, i, &slot), !m_act(i, act, slot, true)))
		return;			/* retried later, as virtio-blk does */
	swap_mark_dirty(&s, i);
	s.pte[i].flags |= SWPF_WP;	/* swapper_fill_begin */
	m_frame[i] = m_expect[i] = m_blk[b];
	swap_associate(&s, i, b);	/* fill_done, every vCPU's rights dropped */
}

/* A guest write request: page i to block b, whole. */
static void m_disk_write(u64 i, u32 b)
{
	u32 slot = SWAP_NO_SLOT, n;
	u64 out[4];
	enum swap_act act;

	if (swap_settle(&s, b, out, 4, &n)) {
		for (u32 k = 0; k < n; k++)
			m_ios[m_nios++] = (struct mio){ .image = true, .blk = b, .n = 1,
							 .idx = { out[k] } };
		return;
	}
	/* Decided first: slot is its output. */
	if (!m_mapped[i] && (act = swap_fault(&s, i, SWAP_WAITER_TERN, &slot), !m_act(i, act, slot, true)))
		return;
	s.pte[i].flags |= SWPF_WP;	/* swapper_fill_begin */
	m_blk[b] = m_frame[i];
	swap_associate(&s, i, b);
}

static void m_reclaim(void)
{
	u64 need = swap_reclaim_need(&s), out[NP];
	u32 n;

	if (!need)
		return;
	n = swap_clock_pick(&s, &ops, NULL, out, (u32)MIN(need, 8ULL));
	if (!n)
		m_waiting = m_waiting && !swap_take_frame_waiters(&s);
	for (u32 k = 0; k < n; k++) {
		m_dirty_at_unmap[out[k]] = m_d[out[k]];
		m_mapped[out[k]] = false;
		m_picked[m_npicked++] = out[k];
	}
}

static void m_decide(u32 k)
{
	u64 i = m_picked[k];
	u32 slot = SWAP_NO_SLOT;
	bool image = s.pte[i].flags & SWPF_IMAGE;
	u32 blk = image ? swap_assoc_block(&assoc, i) : SWAP_NO_BLOCK;

	m_picked[k] = m_picked[--m_npicked];
	switch (swap_evict(&s, i, m_dirty_at_unmap[i], &slot)) {
	case SWAP_ACT_DROP:
		/* What makes a drop safe: the copy it relies on is current. */
		if (image)
			ck_assert_uint_eq(m_blk[blk], m_expect[i]);
		else
			ck_assert_uint_eq(m_slot[s.pte[i].slot], m_expect[i]);
		if (swap_take_frame_waiters(&s))
			m_waiting = false;
		break;
	case SWAP_ACT_WRITE:
		m_ios[m_nios++] = (struct mio){ .write = true, .slot = slot, .n = 1, .idx = { i } };
		break;
	case SWAP_ACT_MAP_BACK:
		m_map(i);
		break;
	case SWAP_ACT_NONE:
		break;
	default:
		ck_abort_msg("unexpected evict answer");
	}
}

static void m_complete(u32 k)
{
	struct mio io = m_ios[k];
	u8 w = 0;

	m_ios[k] = m_ios[--m_nios];
	if (io.write) {
		u64 i = io.idx[0];

		m_slot[io.slot] = m_frame[i];
		if (swap_write_done(&s, i, true, m_mapped[i] && m_d[i]) == SWAP_ACT_FREE_FRAME)
			m_frame[i] = 0xdeadbeef;
		if (swap_take_frame_waiters(&s))
			m_waiting = false;
		return;
	}
	for (u32 p = 0; p < io.n; p++) {
		u64 i = io.idx[p];
		u32 val = io.image ? m_blk[io.blk + p] : m_slot[io.slot];

		switch (swap_read_done(&s, i, true, &w)) {
		case SWAP_ACT_MAP:
			m_frame[i] = val;
			m_map(i);
			break;
		case SWAP_ACT_NONE:
			break;
		default:
			ck_abort_msg("unexpected read answer");
		}
		if (w & 1)
			m_waiting = false;
	}
	if (swap_take_frame_waiters(&s))
		m_waiting = false;
}

START_TEST(mapper_random_run_bit_for_bit)
{
	setup(ML, true);
	memset(m_mapped, 0, sizeof(m_mapped));
	memset(m_expect, 0, sizeof(m_expect));
	memset(m_slot, 0, sizeof(m_slot));
	for (u32 b = 0; b < MB; b++)
		m_blk[b] = 0x40000000 + b;
	m_nios = m_npicked = 0;
	m_waiting = false;
	for (int step = 0; step < 300000; step++) {
		u32 what = mrnd(40);
		u64 i = mrnd(4) ? mrnd(NP / 2) : mrnd(NP);

		if (what < 8) {
			if (!m_waiting)
				m_guest(i, mrnd(4) == 0);
		} else if (what < 14) {
			/* Reading a file again: its pages in order. */
			for (u64 k = 0; k < 4 && !m_waiting; k++)
				m_guest((i + k) % NP, false);
		} else if (what < 16) {
			if (!m_waiting)
				m_fill_whole(i);
		} else if (what < 18) {
			/* A file read: consecutive pages of consecutive blocks,
			 * the runs prefetch finds again. */
			for (u64 k = 0; k < 4; k++)
				m_disk_read((i + k) % NP, (u32)((i + k) % MB));
		} else if (what < 19) {
			m_disk_write(i, mrnd(MB));
		} else if (what < 25) {
			m_reclaim();
		} else if (what < 32 && m_npicked) {
			m_decide(mrnd(m_npicked));
		} else if (m_nios) {
			m_complete(mrnd(m_nios));
		}
		ck_assert_uint_le(m_nios, NP);
	}
	/* Drain, then every page reads back what was last written. */
	while (m_npicked)
		m_decide(0);
	while (m_nios)
		m_complete(0);
	for (u64 i = 0; i < NP; i++) {
		for (int tries = 0; !m_mapped[i] && tries < 100; tries++) {
			m_waiting = false;
			m_guest(i, false);
			while (m_nios)
				m_complete(0);
			if (!m_mapped[i]) {
				m_reclaim();
				while (m_npicked)
					m_decide(0);
				while (m_nios)
					m_complete(0);
			}
		}
		m_guest(i, false);
	}
	ck_assert_uint_gt(s.dropped_image, 1000);
	ck_assert_uint_gt(s.in_image, 1000);
	ck_assert_uint_gt(s.prefetched, 100);
	ck_assert_uint_gt(s.settle_reads, 10);
	ck_assert_uint_gt(s.out_written, 100);
	teardown();
}
END_TEST

Suite *swap_mapper_suite(void)
{
	Suite *su = suite_create("swap_mapper");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, assoc_both_ways);
	tcase_add_test(tc, assoc_random_against_model);
	tcase_add_test(tc, mapper_drops_and_refaults_with_prefetch);
	tcase_add_test(tc, write_breaks_association);
	tcase_add_test(tc, disk_write_settles_block);
	tcase_add_test(tc, stale_reads_avoided_or_counted);
	tcase_add_test(tc, prefetch_bounded_by_frames);
	tcase_add_test(tc, fill_whole_needs_no_read);
	tcase_add_test(tc, read_superseded_stays_resident);
	tcase_add_test(tc, silent_write_despite_dirty_flag_from_before_the_fill);
	tcase_add_test(tc, mapper_random_run_bit_for_bit);
	suite_add_tcase(su, tc);
	return su;
}
