// SPDX-License-Identifier: GPL-2.0
/*
 * The swapper's pure parts: the slot allocator of a shared swap partition,
 * the per-page state machine with its races, CLOCK over fake EPT A/D bits,
 * watermarks, and a randomized run of two vCPUs against a fake EPT, fake
 * disk and fake completions in any order, checked bit for bit.
 */
#include <stdlib.h>
#include <string.h>

#include "mm/swap/swap_area.h"
#include "mm/swap/swap_vm.h"
#include "suites.h"

/* ---- the slot allocator ---- */

START_TEST(area_carve_shared)
{
	struct swap_dev d;
	struct swap_area *a, *b, *c;
	u32 longest;

	ck_assert_int_eq(swap_dev_init(&d, 100 * 4096 + 100, 512), 0);
	ck_assert_uint_eq(d.nslots, 100);	/* the tail under a slot unused */
	ck_assert_uint_eq(swap_slot_blocks(&d), 8);
	a = swap_area_carve(&d, "a", 40, 40);
	b = swap_area_carve(&d, "b", 40, 40);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(a->base, 0);
	ck_assert_uint_eq(b->base, 40);
	/* 20 left: a VM wanting 40 and accepting 10 gets the 20. */
	ck_assert_ptr_null(swap_area_carve(&d, "c", 40, 30));
	c = swap_area_carve(&d, "c", 40, 10);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->base, 80);
	ck_assert_uint_eq(c->nslots, 20);
	ck_assert_uint_eq(swap_dev_free(&d, &longest), 0);
	/* a's run back: first fit puts the next one there. */
	swap_area_release(&d, a);
	ck_assert_uint_eq(swap_dev_free(&d, &longest), 40);
	ck_assert_uint_eq(longest, 40);
	a = swap_area_carve(&d, "d", 30, 30);
	ck_assert_uint_eq(a->base, 0);
	ck_assert_str_eq(a->owner, "d");
	/* Slot 3 of b is partition slot 43: LBA 344 in 512-byte blocks. */
	ck_assert_uint_eq(swap_slot_lba(&d, b, 3), 43 * 8);
	swap_area_release(&d, a);
	swap_area_release(&d, b);
	swap_area_release(&d, c);
	ck_assert_uint_eq(swap_dev_free(&d, NULL), 100);
}
END_TEST

START_TEST(area_bad_devices)
{
	struct swap_dev d;

	ck_assert_int_eq(swap_dev_init(&d, 1 << 20, 0), -1);
	ck_assert_int_eq(swap_dev_init(&d, 1 << 20, 8192), -1);
	ck_assert_int_eq(swap_dev_init(&d, 1 << 20, 3000), -1);
	ck_assert_int_eq(swap_dev_init(&d, 4095, 512), -1);
	ck_assert_int_eq(swap_dev_init(&d, 1 << 20, 4096), 0);
	ck_assert_ptr_null(swap_area_carve(&d, "x", 0, 0));
	ck_assert_ptr_null(swap_area_carve(&d, "x", 10, 20));
	/* Every area in use: no more. */
	for (int i = 0; i < SWAP_AREAS_MAX; i++)
		ck_assert_ptr_nonnull(swap_area_carve(&d, "x", 1, 1));
	ck_assert_ptr_null(swap_area_carve(&d, "y", 1, 1));
	for (int i = 0; i < SWAP_AREAS_MAX; i++)
		swap_area_release(&d, &d.areas[i]);
}
END_TEST

START_TEST(slots_next_fit)
{
	struct swap_dev d;
	struct swap_area *a;
	u32 s;

	ck_assert_int_eq(swap_dev_init(&d, 200 * 4096ULL, 4096), 0);
	a = swap_area_carve(&d, "a", 130, 130);
	/* Consecutive allocations: consecutive slots, across bitmap words. */
	for (u32 i = 0; i < 130; i++)
		ck_assert_uint_eq(swap_slot_alloc(a), i);
	ck_assert_uint_eq(a->used, 130);
	ck_assert_uint_eq(swap_slot_alloc(a), SWAP_NO_SLOT);
	ck_assert_uint_eq(a->full, 1);
	swap_slot_free(a, 5);
	swap_slot_free(a, 100);
	swap_slot_free(a, 100);			/* twice: ignored */
	swap_slot_free(a, 999);			/* outside: ignored */
	ck_assert_uint_eq(a->used, 128);
	ck_assert(!swap_slot_used(a, 5));
	/* The cursor wrapped to 0: the first free from there is 5, then 100. */
	ck_assert_uint_eq(swap_slot_alloc(a), 5);
	ck_assert_uint_eq(swap_slot_alloc(a), 100);
	s = swap_slot_alloc(a);
	ck_assert_uint_eq(s, SWAP_NO_SLOT);
	swap_area_release(&d, a);
}
END_TEST

/* ---- a fake EPT for the state machine ---- */

#define NP	64
static struct swap_dev dev;
static struct swap_area *area;
static struct swap_vm s;
static bool ept_a[NP], ept_d[NP], pinned[NP];

static bool fake_pinned(void *ctx, u64 i) { return pinned[i]; }

static bool fake_test_clear_a(void *ctx, u64 i)
{
	bool a = ept_a[i];

	ept_a[i] = false;
	return a;
}

static const struct swap_clock_ops fake_ops = { fake_pinned, fake_test_clear_a };

static void setup(u64 npages, u64 limit)
{
	memset(ept_a, 0, sizeof(ept_a));
	memset(ept_d, 0, sizeof(ept_d));
	memset(pinned, 0, sizeof(pinned));
	ck_assert_int_eq(swap_dev_init(&dev, 4096ULL * 256, 512), 0);
	area = swap_area_carve(&dev, "vm", (u32)npages, (u32)npages);
	ck_assert_ptr_nonnull(area);
	ck_assert_int_eq(swap_vm_init(&s, npages, limit, area), 0);
}

static void teardown(void)
{
	swap_vm_destroy(&s);
	ck_assert_uint_eq(area->used, 0);	/* every slot given back */
	swap_area_release(&dev, area);
}

/* Touch pages [0, n) by vCPU 0: each gets a zeroed frame. */
static void fill(u64 n)
{
	u32 slot;

	for (u64 i = 0; i < n; i++)
		ck_assert_int_eq(swap_fault(&s, i, 0, &slot), SWAP_ACT_MAP_ZERO);
}

START_TEST(init_refusals)
{
	struct swap_vm v;

	ck_assert_int_eq(swap_vm_init(&v, 0, 1, NULL), -1);
	ck_assert_int_eq(swap_vm_init(&v, 10, 0, NULL), -1);
	ck_assert_int_eq(swap_vm_init(&v, 10, 11, NULL), -1);	/* resident > memory */
	ck_assert_int_eq(swap_vm_init(&v, 10, 5, NULL), -1);	/* overcommit, no swap */
	ck_assert_int_eq(swap_vm_init(&v, 10, 10, NULL), 0);
	ck_assert_uint_eq(swap_reclaim_need(&v), 0);		/* never reclaims */
	ck_assert_int_eq(swap_set_limit(&v, 5), -1);
	swap_vm_destroy(&v);
}
END_TEST

START_TEST(zero_fill_then_wait_for_frame)
{
	u32 slot;

	setup(16, 8);
	fill(8);
	ck_assert_uint_eq(s.frames, 8);
	ck_assert_uint_eq(s.in_zero, 8);
	/* A stale translation: retry. */
	ck_assert_int_eq(swap_fault(&s, 3, 0, &slot), SWAP_ACT_RETRY);
	/* No frame left: vCPUs 1 and 2 wait for one; reclaim is due. */
	ck_assert_int_eq(swap_fault(&s, 8, 1, &slot), SWAP_ACT_WAIT);
	ck_assert_int_eq(swap_fault(&s, 9, 2, &slot), SWAP_ACT_WAIT);
	ck_assert_uint_eq(s.frame_waiters, 0x6);
	ck_assert_uint_gt(swap_reclaim_need(&s), 0);
	/* tern itself never waits: a frame past the limit, counted. */
	ck_assert_int_eq(swap_fault(&s, 10, SWAP_WAITER_TERN, &slot), SWAP_ACT_MAP_ZERO);
	ck_assert_uint_eq(s.over_limit, 1);
	ck_assert_uint_eq(swap_take_frame_waiters(&s), 0x6);
	ck_assert_uint_eq(s.frame_waiters, 0);
	teardown();
}
END_TEST

START_TEST(write_out_and_read_back)
{
	u64 v[4];
	u32 slot, slot2;
	u8 wake;

	setup(16, 8);
	fill(8);
	ept_a[0] = true;			/* page 0 recently used */
	ck_assert_uint_eq(swap_clock_pick(&s, &fake_ops, NULL, v, 2), 2);
	ck_assert_uint_eq(v[0], 1);		/* 0 had its second chance */
	ck_assert_uint_eq(v[1], 2);
	ck_assert(!ept_a[0]);
	ck_assert_uint_eq(s.a_cleared, 1);
	ck_assert_uint_eq(s.writing, 2);
	/* Never written but never in swap: a write all the same. */
	ck_assert_int_eq(swap_evict(&s, 1, false, &slot), SWAP_ACT_WRITE);
	ck_assert_uint_eq(slot, 0);
	ck_assert_int_eq(swap_evict(&s, 1, false, &slot2), SWAP_ACT_NONE);	/* twice */
	ck_assert_int_eq(swap_write_done(&s, 1, true, false), SWAP_ACT_FREE_FRAME);
	ck_assert_int_eq(swap_write_done(&s, 1, true, false), SWAP_ACT_NONE);	/* twice */
	ck_assert_uint_eq(s.frames, 7);
	ck_assert_uint_eq(s.out_written, 1);
	ck_assert_uint_eq(s.pte[1].state, SWP_SWAPPED);
	/* Two vCPUs fault on it: one read, both wake. */
	ck_assert_int_eq(swap_fault(&s, 1, 0, &slot2), SWAP_ACT_READ);
	ck_assert_uint_eq(slot2, slot);
	ck_assert_int_eq(swap_fault(&s, 1, 3, &slot2), SWAP_ACT_WAIT);
	ck_assert_uint_eq(s.frames, 8);
	ck_assert_uint_eq(s.reading, 1);
	ck_assert_int_eq(swap_read_done(&s, 1, true, &wake), SWAP_ACT_MAP);
	ck_assert_uint_eq(wake, 0x9);
	ck_assert_uint_eq(s.in_swap, 1);
	ck_assert(s.pte[1].flags & SWPF_SLOT_VALID);
	/* Read back and untouched: dropped without a write, same slot. */
	ck_assert_uint_eq(swap_evict(&s, 2, true, &slot2), SWAP_ACT_WRITE);
	ck_assert_uint_eq(slot2, 1);
	s.hand = 1;
	ck_assert_uint_eq(swap_clock_pick(&s, &fake_ops, NULL, v, 1), 1);
	ck_assert_uint_eq(v[0], 1);
	ck_assert_int_eq(swap_evict(&s, 1, false, &slot2), SWAP_ACT_DROP);
	ck_assert_uint_eq(s.out_dropped, 1);
	ck_assert_uint_eq(s.pte[1].state, SWP_SWAPPED);
	ck_assert_uint_eq(area->used, 2);
	/* Read back, then written: rewritten into its own slot. */
	ck_assert_int_eq(swap_fault(&s, 1, 0, &slot2), SWAP_ACT_READ);
	ck_assert_int_eq(swap_read_done(&s, 1, true, &wake), SWAP_ACT_MAP);
	s.hand = 1;
	ck_assert_uint_eq(swap_clock_pick(&s, &fake_ops, NULL, v, 1), 1);
	ck_assert_int_eq(swap_evict(&s, 1, true, &slot2), SWAP_ACT_WRITE);
	ck_assert_uint_eq(slot2, slot);
	ck_assert_uint_eq(area->used, 2);
	ck_assert_int_eq(swap_write_done(&s, 1, true, false), SWAP_ACT_FREE_FRAME);
	ck_assert_int_eq(swap_write_done(&s, 2, true, false), SWAP_ACT_FREE_FRAME);
	teardown();
}
END_TEST

START_TEST(touched_while_writing)
{
	u64 v[2];
	u32 slot;
	u8 wake;

	setup(8, 4);
	fill(4);
	ck_assert_uint_eq(swap_clock_pick(&s, &fake_ops, NULL, v, 2), 2);
	/* Page 0: touched after the pick, before its entry was removed
	 * and the write chosen: it simply stays. */
	ck_assert_int_eq(swap_fault(&s, 0, 1, &slot), SWAP_ACT_MAP_BACK);
	ck_assert_int_eq(swap_evict(&s, 0, false, &slot), SWAP_ACT_NONE);
	ck_assert_uint_eq(s.pte[0].state, SWP_RESIDENT);
	/* Page 1: touched while its write is in flight: mapped back at once,
	 * no waiting; a second vCPU's fault is the same answer. */
	ck_assert_int_eq(swap_evict(&s, 1, true, &slot), SWAP_ACT_WRITE);
	ck_assert_int_eq(swap_fault(&s, 1, 0, &slot), SWAP_ACT_MAP_BACK);
	ck_assert_int_eq(swap_fault(&s, 1, 2, &slot), SWAP_ACT_MAP_BACK);
	ck_assert_uint_eq(s.cancels, 2);
	/* The guest wrote it meanwhile: the copy is stale; the frame stays. */
	ck_assert_int_eq(swap_write_done(&s, 1, true, true), SWAP_ACT_NONE);
	ck_assert_uint_eq(s.pte[1].state, SWP_RESIDENT);
	ck_assert(!(s.pte[1].flags & SWPF_SLOT_VALID));
	ck_assert_uint_eq(s.frames, 4);
	ck_assert_uint_eq(s.writing, 0);
	/* Again, only read meanwhile: the copy is good, the next reclaim of
	 * the clean page is a drop. */
	s.hand = 1;
	ck_assert_uint_eq(swap_clock_pick(&s, &fake_ops, NULL, v, 1), 1);
	ck_assert_int_eq(swap_evict(&s, 1, false, &slot), SWAP_ACT_WRITE);
	ck_assert_int_eq(swap_fault(&s, 1, 0, &slot), SWAP_ACT_MAP_BACK);
	ck_assert_int_eq(swap_write_done(&s, 1, true, false), SWAP_ACT_NONE);
	ck_assert(s.pte[1].flags & SWPF_SLOT_VALID);
	s.hand = 1;
	ck_assert_uint_eq(swap_clock_pick(&s, &fake_ops, NULL, v, 1), 1);
	ck_assert_int_eq(swap_evict(&s, 1, false, &slot), SWAP_ACT_DROP);
	/* A read of it fails: the VM must stop; its waiters are told. */
	ck_assert_int_eq(swap_fault(&s, 1, 5, &slot), SWAP_ACT_READ);
	ck_assert_int_eq(swap_read_done(&s, 1, false, &wake), SWAP_ACT_STOP);
	ck_assert_uint_eq(wake, 0x20);
	ck_assert_uint_eq(s.read_errors, 1);
	teardown();
}
END_TEST

/* tern's own writes, which no EPT D flag records, make the slot's copy
 * old: a resident page's, and one tern holds while its write-out runs. */
START_TEST(tern_writes_count_as_dirty)
{
	u64 v[1];
	u32 slot;
	u8 wake;

	setup(8, 4);
	fill(4);
	/* Page 0 written out and read back: its slot is good... */
	ck_assert_uint_eq(swap_clock_pick(&s, &fake_ops, NULL, v, 1), 1);
	ck_assert_int_eq(swap_evict(&s, 0, false, &slot), SWAP_ACT_WRITE);
	ck_assert_int_eq(swap_write_done(&s, 0, true, false), SWAP_ACT_FREE_FRAME);
	ck_assert_int_eq(swap_fault(&s, 0, SWAP_WAITER_TERN, &slot), SWAP_ACT_READ);
	ck_assert_int_eq(swap_read_done(&s, 0, true, &wake), SWAP_ACT_MAP);
	ck_assert(s.pte[0].flags & SWPF_SLOT_VALID);
	/* ...until tern writes it: then reclaim writes it again. */
	swap_mark_dirty(&s, 0);
	ck_assert(!(s.pte[0].flags & SWPF_SLOT_VALID));
	s.hand = 0;
	ck_assert_uint_eq(swap_clock_pick(&s, &fake_ops, NULL, v, 1), 1);
	ck_assert_uint_eq(v[0], 0);
	ck_assert_int_eq(swap_evict(&s, 0, false, &slot), SWAP_ACT_WRITE);
	/* tern takes it back during that write and writes it: the write
	 * lands, the page stays, and its copy is not trusted though the
	 * guest's D flag says clean. */
	ck_assert_int_eq(swap_fault(&s, 0, SWAP_WAITER_TERN, &slot), SWAP_ACT_MAP_BACK);
	swap_mark_dirty(&s, 0);
	ck_assert_int_eq(swap_write_done(&s, 0, true, false), SWAP_ACT_NONE);
	ck_assert_uint_eq(s.pte[0].state, SWP_RESIDENT);
	ck_assert(!(s.pte[0].flags & (SWPF_SLOT_VALID | SWPF_TERN_DIRTY)));
	/* Touched between the pick and the eviction: nothing stays behind. */
	s.hand = 0;
	ck_assert_uint_eq(swap_clock_pick(&s, &fake_ops, NULL, v, 1), 1);
	ck_assert_int_eq(swap_fault(&s, 0, SWAP_WAITER_TERN, &slot), SWAP_ACT_MAP_BACK);
	swap_mark_dirty(&s, 0);
	ck_assert_int_eq(swap_evict(&s, 0, false, &slot), SWAP_ACT_NONE);
	ck_assert(!(s.pte[0].flags & (SWPF_SLOT_VALID | SWPF_TERN_DIRTY)));
	swap_mark_dirty(&s, 99);		/* not a page: nothing */
	teardown();
}
END_TEST

START_TEST(write_error_keeps_page)
{
	u64 v[1];
	u32 slot;

	setup(8, 4);
	fill(4);
	ck_assert_uint_eq(swap_clock_pick(&s, &fake_ops, NULL, v, 1), 1);
	ck_assert_int_eq(swap_evict(&s, v[0], false, &slot), SWAP_ACT_WRITE);
	ck_assert_int_eq(swap_write_done(&s, v[0], false, false), SWAP_ACT_MAP_BACK);
	ck_assert_uint_eq(s.pte[v[0]].state, SWP_RESIDENT);
	ck_assert_uint_eq(s.frames, 4);
	ck_assert_uint_eq(s.write_errors, 1);
	teardown();
}
END_TEST

START_TEST(pinned_never_reclaimed)
{
	u64 v[8];
	u32 slot;

	setup(8, 4);
	fill(4);
	pinned[0] = pinned[2] = true;
	ck_assert_uint_eq(swap_clock_pick(&s, &fake_ops, NULL, v, 8), 2);
	ck_assert_uint_eq(v[0], 1);
	ck_assert_uint_eq(v[1], 3);
	ck_assert_uint_ge(s.skipped_pinned, 2);
	ck_assert_int_eq(swap_evict(&s, 1, false, &slot), SWAP_ACT_WRITE);
	ck_assert_int_eq(swap_evict(&s, 3, false, &slot), SWAP_ACT_WRITE);
	ck_assert_int_eq(swap_write_done(&s, 1, true, false), SWAP_ACT_FREE_FRAME);
	ck_assert_int_eq(swap_write_done(&s, 3, true, false), SWAP_ACT_FREE_FRAME);
	ck_assert_int_eq(swap_fault(&s, 4, 0, &slot), SWAP_ACT_MAP_ZERO);
	ck_assert_int_eq(swap_fault(&s, 5, 0, &slot), SWAP_ACT_MAP_ZERO);
	/* Every frame pinned now: the clock finds nothing, and the waiting
	 * vCPU is given a frame past the limit instead of waiting for ever. */
	pinned[4] = pinned[5] = true;
	ck_assert_int_eq(swap_fault(&s, 6, 1, &slot), SWAP_ACT_WAIT);
	ck_assert_uint_eq(swap_clock_pick(&s, &fake_ops, NULL, v, 8), 0);
	ck_assert(s.stuck);
	ck_assert_int_eq(swap_fault(&s, 6, 1, &slot), SWAP_ACT_MAP_ZERO);
	ck_assert_uint_eq(s.over_limit, 1);
	teardown();
}
END_TEST

START_TEST(area_full_keeps_page)
{
	struct swap_dev d;
	struct swap_area *small;
	struct swap_vm v;
	u64 out[4];
	u32 slot;

	ck_assert_int_eq(swap_dev_init(&d, 4096ULL * 2, 4096), 0);
	small = swap_area_carve(&d, "tiny", 2, 1);
	ck_assert_int_eq(swap_vm_init(&v, 8, 4, small), 0);
	for (u64 i = 0; i < 4; i++)
		ck_assert_int_eq(swap_fault(&v, i, 0, &slot), SWAP_ACT_MAP_ZERO);
	memset(ept_a, 0, sizeof(ept_a));
	memset(pinned, 0, sizeof(pinned));
	ck_assert_uint_eq(swap_clock_pick(&v, &fake_ops, NULL, out, 3), 3);
	ck_assert_int_eq(swap_evict(&v, out[0], false, &slot), SWAP_ACT_WRITE);
	ck_assert_int_eq(swap_evict(&v, out[1], false, &slot), SWAP_ACT_WRITE);
	ck_assert_int_eq(swap_evict(&v, out[2], false, &slot), SWAP_ACT_MAP_BACK);
	ck_assert_uint_eq(v.area_full, 1);
	ck_assert_uint_eq(v.pte[out[2]].state, SWP_RESIDENT);
	swap_vm_destroy(&v);
	ck_assert_uint_eq(small->used, 0);
	swap_area_release(&d, small);
}
END_TEST

START_TEST(watermarks)
{
	u32 slot;
	u64 need;

	/* 256 pages, 128 frames: high 4 (128/32), low 2. */
	ck_assert_int_eq(swap_dev_init(&dev, 4096ULL * 256, 512), 0);
	area = swap_area_carve(&dev, "vm", 256, 256);
	ck_assert_int_eq(swap_vm_init(&s, 256, 128, area), 0);
	ck_assert_uint_eq(s.wm_high, 4);
	ck_assert_uint_eq(s.wm_low, 2);
	for (u64 i = 0; i < 125; i++)
		swap_fault(&s, i, 0, &slot);
	ck_assert_uint_eq(swap_reclaim_need(&s), 0);	/* 3 free: above low */
	swap_fault(&s, 125, 0, &slot);
	ck_assert_uint_eq(swap_reclaim_need(&s), 0);	/* 2 free: at low */
	swap_fault(&s, 126, 0, &slot);
	need = swap_reclaim_need(&s);			/* 1 free: to high */
	ck_assert_uint_eq(need, 3);
	ck_assert(s.reclaiming);
	/* Writes in flight count as free soon; hysteresis until high. */
	s.writing = 2;
	ck_assert_uint_eq(swap_reclaim_need(&s), 1);
	s.writing = 3;
	ck_assert_uint_eq(swap_reclaim_need(&s), 0);
	ck_assert(!s.reclaiming);
	s.writing = 0;
	/* `vm resident` shrinks it: reclaim down to the new limit and high. */
	ck_assert_int_eq(swap_set_limit(&s, 64), 0);
	ck_assert_uint_eq(s.wm_high, 4);
	ck_assert_uint_eq(swap_reclaim_need(&s), 127 - 64 + 4);
	ck_assert_int_eq(swap_set_limit(&s, 257), -1);
	ck_assert_int_eq(swap_set_limit(&s, 0), -1);
	/* Growing it back: nothing to do. */
	ck_assert_int_eq(swap_set_limit(&s, 256), 0);
	ck_assert_uint_eq(swap_reclaim_need(&s), 0);
	swap_vm_destroy(&s);
	swap_area_release(&dev, area);
}
END_TEST

START_TEST(flush_paced_by_time)
{
	u64 v[1];

	setup(8, 4);
	fill(4);
	ck_assert(!swap_flush_due(&s, 100 * SWAP_AGE_PERIOD_NS));	/* nothing cleared */
	ept_a[0] = true;
	swap_clock_pick(&s, &fake_ops, NULL, v, 1);
	ck_assert(swap_flush_due(&s, 100 * SWAP_AGE_PERIOD_NS));
	ept_a[2] = true;
	s.hand = 2;
	swap_clock_pick(&s, &fake_ops, NULL, v, 1);
	/* Within the period: later. */
	ck_assert(!swap_flush_due(&s, 100 * SWAP_AGE_PERIOD_NS + 1000));
	ck_assert(swap_flush_due(&s, 101 * SWAP_AGE_PERIOD_NS));
	ck_assert(!swap_flush_due(&s, 102 * SWAP_AGE_PERIOD_NS));
	teardown();
}
END_TEST

/* ---- randomized: two vCPUs, a fake EPT and disk, any completion order ---- */

#define RP	48		/* guest pages */
#define RL	12		/* frames */

struct io {
	u64 idx;
	u32 slot;
	bool write;
};

static u32 frame_val[RP], slot_val[RP], expect[RP];
static bool mapped[RP], dirty_at_unmap[RP];
static struct io ios[RP];
static u32 nios;
static u64 picked[RP];
static u32 npicked;
static bool vcpu_waiting[2];
static u64 rng = 88172645463325252ULL;

static u32 rnd(u32 n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (u32)(rng % n);
}

static void map_page(u64 i)
{
	mapped[i] = true;
	ept_a[i] = ept_d[i] = false;
}

static void wake(u8 mask)
{
	for (int v = 0; v < 2; v++)
		if (mask & BIT(v))
			vcpu_waiting[v] = false;
}

/* vCPU v accesses page i: faults until the page is there. */
static void guest_access(int v, u64 i, bool write)
{
	u32 slot;

	while (!mapped[i]) {
		switch (swap_fault(&s, i, (u32)v, &slot)) {
		case SWAP_ACT_MAP_ZERO:
			frame_val[i] = 0;
			map_page(i);
			break;
		case SWAP_ACT_MAP_BACK:
			mapped[i] = true;	/* same frame; A/D fresh */
			ept_a[i] = ept_d[i] = false;
			break;
		case SWAP_ACT_READ:
			ios[nios++] = (struct io){ i, slot, false };
			vcpu_waiting[v] = true;
			return;
		case SWAP_ACT_WAIT:
			vcpu_waiting[v] = true;
			return;
		case SWAP_ACT_RETRY:
			ck_abort_msg("retry on an unmapped page");
			return;
		default:
			ck_abort_msg("unexpected fault answer");
			return;
		}
	}
	ept_a[i] = true;
	if (write) {
		ept_d[i] = true;
		expect[i] = frame_val[i] = rnd(1u << 30) + 1;
	} else {
		ck_assert_uint_eq(frame_val[i], expect[i]);
	}
}

static void reclaim(void)
{
	u64 need = swap_reclaim_need(&s), out[RP];
	u32 n;

	if (!need)
		return;
	n = swap_clock_pick(&s, &fake_ops, NULL, out, (u32)MIN(need, 4ULL));
	if (!n)
		wake(swap_take_frame_waiters(&s));	/* they get one past the limit */
	/* The entries go now (and a flush); the decision comes later, so
	 * faults can land in between. */
	for (u32 k = 0; k < n; k++) {
		dirty_at_unmap[out[k]] = ept_d[out[k]];	/* xchg of the entry */
		mapped[out[k]] = false;
		picked[npicked++] = out[k];
	}
}

static void decide(u32 k)
{
	u64 i = picked[k];
	bool dirty = dirty_at_unmap[i];
	u32 slot;

	picked[k] = picked[--npicked];
	switch (swap_evict(&s, i, dirty, &slot)) {
	case SWAP_ACT_DROP:
		/* The invariant that makes dropping safe. */
		ck_assert_uint_eq(slot_val[s.pte[i].slot], expect[i]);
		wake(swap_take_frame_waiters(&s));
		break;
	case SWAP_ACT_WRITE:
		ios[nios++] = (struct io){ i, slot, true };
		break;
	case SWAP_ACT_MAP_BACK:
		map_page(i);
		break;
	case SWAP_ACT_NONE:
		/* Taken back by a fault; if it was written before the
		 * entry went, the next eviction must not drop it. */
		if (dirty)
			ck_assert(!(s.pte[i].flags & SWPF_SLOT_VALID));
		break;
	default:
		ck_abort_msg("unexpected evict answer");
	}
}

static void complete(u32 k)
{
	struct io io = ios[k];
	u8 w;

	ios[k] = ios[--nios];
	if (io.write) {
		/* The disk sees the frame as it is when the DMA happens. */
		slot_val[io.slot] = frame_val[io.idx];
		switch (swap_write_done(&s, io.idx, true, mapped[io.idx] && ept_d[io.idx])) {
		case SWAP_ACT_FREE_FRAME:
			ck_assert(!mapped[io.idx]);
			frame_val[io.idx] = 0xdeadbeef;		/* the frame is gone */
			wake(swap_take_frame_waiters(&s));
			break;
		case SWAP_ACT_NONE:
			ck_assert(mapped[io.idx]);
			break;
		default:
			ck_abort_msg("unexpected write answer");
		}
	} else {
		frame_val[io.idx] = slot_val[io.slot];
		ck_assert_int_eq(swap_read_done(&s, io.idx, true, &w), SWAP_ACT_MAP);
		map_page(io.idx);
		wake(w);
	}
}

START_TEST(random_run_bit_for_bit)
{
	setup(RP, RL);
	memset(mapped, 0, sizeof(mapped));
	memset(expect, 0, sizeof(expect));
	memset(slot_val, 0, sizeof(slot_val));
	nios = npicked = 0;
	vcpu_waiting[0] = vcpu_waiting[1] = false;
	for (int step = 0; step < 200000; step++) {
		u32 what = rnd(10);

		if (what < 5) {
			int v = (int)rnd(2);
			/* Mostly a hot quarter, sometimes anywhere. */
			u64 i = rnd(4) ? rnd(RP / 4) : rnd(RP);

			if (!vcpu_waiting[v])
				guest_access(v, i, rnd(3) == 0);
		} else if (what < 7) {
			reclaim();
		} else if (what < 8 && npicked) {
			decide(rnd(npicked));
		} else if (nios) {
			complete(rnd(nios));
		}
		ck_assert_uint_le(s.frames, RL + s.over_limit);
	}
	/* Drain, then every page reads back what was last written. */
	while (npicked)
		decide(0);
	while (nios)
		complete(0);
	vcpu_waiting[0] = vcpu_waiting[1] = false;
	for (u64 i = 0; i < RP; i++) {
		while (!mapped[i]) {
			guest_access(0, i, false);
			while (nios)
				complete(0);
			if (!mapped[i]) {
				reclaim();
				while (npicked)
					decide(0);
				while (nios)
					complete(0);
				vcpu_waiting[0] = false;
			}
		}
		guest_access(0, i, false);
	}
	ck_assert_uint_gt(s.out_written, 1000);
	ck_assert_uint_gt(s.out_dropped, 100);
	ck_assert_uint_gt(s.in_swap, 1000);
	ck_assert_uint_gt(s.cancels, 10);
	teardown();
}
END_TEST

Suite *swap_suite(void)
{
	Suite *su = suite_create("swap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, area_carve_shared);
	tcase_add_test(tc, area_bad_devices);
	tcase_add_test(tc, slots_next_fit);
	tcase_add_test(tc, init_refusals);
	tcase_add_test(tc, zero_fill_then_wait_for_frame);
	tcase_add_test(tc, write_out_and_read_back);
	tcase_add_test(tc, touched_while_writing);
	tcase_add_test(tc, tern_writes_count_as_dirty);
	tcase_add_test(tc, write_error_keeps_page);
	tcase_add_test(tc, pinned_never_reclaimed);
	tcase_add_test(tc, area_full_keeps_page);
	tcase_add_test(tc, watermarks);
	tcase_add_test(tc, flush_paced_by_time);
	tcase_add_test(tc, random_run_bit_for_bit);
	suite_add_tcase(su, tc);
	return su;
}
