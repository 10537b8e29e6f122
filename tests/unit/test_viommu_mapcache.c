// SPDX-License-Identifier: GPL-2.0
/*
 * tern's IOVA->HPA translations with optimistic teardown
 * (core/vdev/viommu/vtd_mapcache.h): the LRU, the FIFO's quota and
 * residency with time injected, reuse, batches, and the pin accounting
 * (a page unpinned only once no entry and no DMA holds it).
 */
#include <string.h>

#include "core/vdev/viommu/vtd_mapcache.h"
#include "suites.h"

#define MS	1000000ULL
#define SID	0x10
#define DID	1
#define RAM_END	0x10000000ULL

/* The fake host: pin counts per guest page, which must never go below 0
 * nor be given back twice. */
static int pins[RAM_END >> 12];
static int pin_calls, unpin_calls, bad_unpins;

static bool t_pin(void *ctx, u64 gpa, u64 *hpa, bool *ours)
{
	*ours = true;
	if (gpa >= RAM_END)
		return false;
	pins[gpa >> 12]++;
	pin_calls++;
	*hpa = gpa + 0x100000000ULL;
	return true;
}

static void t_unpin(void *ctx, u64 gpa, bool ours)
{
	if (!ours || gpa >= RAM_END || pins[gpa >> 12] <= 0)
		bad_unpins++;
	else
		pins[gpa >> 12]--;
	unpin_calls++;
}

static const struct vmc_ops ops = { .pin = t_pin, .unpin = t_unpin };
static struct vmc c;

static void setup(u32 live, u32 quota, u64 res, enum vmc_mode mode)
{
	memset(pins, 0, sizeof(pins));
	pin_calls = unpin_calls = bad_unpins = 0;
	ck_assert_int_eq(vmc_init(&c, live, quota, res, mode, &ops, NULL), 0);
}

static void teardown(void)
{
	vmc_destroy(&c, 0);
	ck_assert_int_eq(bad_unpins, 0);
	ck_assert_int_eq(pin_calls, unpin_calls);
	int left = 0;

	for (u64 i = 0; i < (RAM_END >> 12); i++)
		left += pins[i] != 0;
	ck_assert_int_eq(left, 0);
}

/* Map, use and release: what a DMA does. */
static u32 map_put(u64 iova, u64 gpa, u64 now)
{
	u32 i = vmc_map(&c, SID, DID, iova, gpa, true, true, now);

	ck_assert_uint_ne(i, VMC_NONE);
	vmc_put(&c, i);
	return i;
}

static void unmap(u64 iova, u64 now)
{
	struct vmc_sel s = { .kind = VMC_SEL_RANGE, .did = DID, .iova = iova, .len = 0x1000 };

	vmc_invalidate(&c, &s, now);
}

START_TEST(strict_teardown)
{
	u32 i;

	setup(16, VMC_QUOTA_DEFAULT, VMC_RESIDENCY_DEFAULT, VMC_STRICT);
	/* Nothing yet: a lookup misses. */
	ck_assert_uint_eq(vmc_get(&c, SID, 0x5000, false, 0), VMC_NONE);
	map_put(0x5000, 0x2000, 0);
	ck_assert_int_eq(pins[2], 1);
	/* Found live with its host page, for either access it allows. */
	i = vmc_get(&c, SID, 0x5123, true, 1);
	ck_assert_uint_ne(i, VMC_NONE);
	ck_assert_uint_eq(vmc_hpa(&c, i), 0x100002000ULL);
	vmc_put(&c, i);
	/* Another device's IOVA is its own. */
	ck_assert_uint_eq(vmc_get(&c, SID + 1, 0x5000, false, 1), VMC_NONE);
	/* The guest unmaps: gone at once, one invalidation, unpinned. */
	unmap(0x5000, 2);
	ck_assert_uint_eq(vmc_get(&c, SID, 0x5000, false, 3), VMC_NONE);
	ck_assert_int_eq(pins[2], 0);
	ck_assert_uint_eq(c.st.unmaps, 1);
	ck_assert_uint_eq(c.st.phys_inv, 1);
	ck_assert_uint_eq(c.st.stale_max, 0);
	ck_assert_uint_eq(vmc_stale_now(&c), 0);
	/* An invalidation that covers nothing costs nothing. */
	unmap(0x9000, 4);
	ck_assert_uint_eq(c.st.phys_inv, 1);
	/* A range: one batch for all it covers. */
	for (u64 k = 0; k < 8; k++)
		map_put(0x10000 + k * 0x1000, 0x20000 + k * 0x1000, 5);
	{
		struct vmc_sel s = { .kind = VMC_SEL_RANGE, .did = DID, .iova = 0x10000,
				     .len = 0x8000 };

		ck_assert_uint_eq(vmc_invalidate(&c, &s, 6), 8);
	}
	ck_assert_uint_eq(c.st.phys_inv, 2);
	ck_assert_uint_eq(c.pinned, 0);
	teardown();
}
END_TEST

START_TEST(optimistic_reuse)
{
	setup(16, 4, 10 * MS, VMC_OPTIMISTIC);
	map_put(0x5000, 0x2000, 0);
	unmap(0x5000, 1 * MS);
	/* Stale: out of the lookup, still pinned, no invalidation yet. */
	ck_assert_uint_eq(vmc_get(&c, SID, 0x5000, false, 2 * MS), VMC_NONE);
	ck_assert_int_eq(pins[2], 1);
	ck_assert_uint_eq(vmc_stale_now(&c), 1);
	ck_assert_uint_eq(c.st.phys_inv, 0);
	ck_assert_uint_eq(vmc_oldest_stale_ns(&c, 3 * MS), 2 * MS);
	/* The clock's next look: the end of its residency. */
	ck_assert_uint_eq(vmc_due(&c), 11 * MS);
	/* Mapped again to the same page within the window: reused. */
	map_put(0x5000, 0x2000, 4 * MS);
	ck_assert_uint_eq(c.st.reused, 1);
	ck_assert_int_eq(pin_calls, 1);
	ck_assert_uint_eq(c.st.phys_inv, 0);
	ck_assert_uint_eq(vmc_stale_now(&c), 0);
	ck_assert_uint_eq(vmc_due(&c), 0);
	ck_assert_uint_eq(c.st.stale_longest_ns, 3 * MS);
	ck_assert_uint_ne(vmc_get(&c, SID, 0x5000, false, 4 * MS), VMC_NONE);
	vmc_put(&c, c.lru.tail);
	/* Mapped again to another page: the old one goes, the new pinned. */
	unmap(0x5000, 5 * MS);
	map_put(0x5000, 0x3000, 6 * MS);
	ck_assert_uint_eq(c.st.replaced, 1);
	ck_assert_uint_eq(c.st.phys_inv, 1);
	ck_assert_int_eq(pins[2], 0);
	ck_assert_int_eq(pins[3], 1);
	ck_assert_uint_eq(c.st.maps, 3);
	ck_assert_uint_eq(c.st.unmaps, 2);
	teardown();
}
END_TEST

START_TEST(optimistic_residency)
{
	static const u64 at[5] = { 0, 1 * MS, 2 * MS, 8 * MS, 9 * MS };

	setup(16, 100, 10 * MS, VMC_OPTIMISTIC);
	for (u64 k = 0; k < 5; k++) {
		map_put(0x10000 + k * 0x1000, 0x20000 + k * 0x1000, 0);
		unmap(0x10000 + k * 0x1000, at[k]);
	}
	ck_assert_uint_eq(vmc_stale_now(&c), 5);
	ck_assert_uint_eq(c.st.stale_max, 5);
	/* 9.999 ms after the first: nothing expired. */
	vmc_expire(&c, 10 * MS - 1);
	ck_assert_uint_eq(vmc_stale_now(&c), 5);
	/* 12 ms: the first is past the residency: all five go in one batch,
	 * the young ones of 8 and 9 ms early. */
	vmc_expire(&c, 12 * MS);
	ck_assert_uint_eq(vmc_stale_now(&c), 0);
	ck_assert_uint_eq(c.st.expired, 5);
	ck_assert_uint_eq(c.st.phys_inv, 1);
	ck_assert_int_eq(pins[0x20], 0);
	ck_assert_int_eq(pins[0x24], 0);
	ck_assert_uint_eq(c.st.stale_longest_ns, 12 * MS);
	/* The check runs on every lookup too: one unmapped at 13 ms is gone
	 * at a lookup at 23 ms, not at 22.999. */
	map_put(0x15000, 0x25000, 13 * MS);
	unmap(0x15000, 13 * MS);
	ck_assert_uint_eq(vmc_get(&c, SID, 0x90000, false, 23 * MS - 1), VMC_NONE);
	ck_assert_uint_eq(vmc_stale_now(&c), 1);
	ck_assert_uint_eq(vmc_get(&c, SID, 0x90000, false, 23 * MS), VMC_NONE);
	ck_assert_uint_eq(vmc_stale_now(&c), 0);
	ck_assert_uint_eq(c.st.phys_inv, 2);
	/* Too late: a map of an expired IOVA is a new pin. */
	map_put(0x10000, 0x20000, 31 * MS);
	ck_assert_uint_eq(c.st.reused, 0);
	ck_assert_int_eq(pin_calls, 7);
	teardown();
}
END_TEST

/* Another core's clock a little behind (TSCs of different cores): a
 * stale translation looked at "before" its deferral is young, not an
 * aeon old: no early expiry, no near-2^64 "longest". */
START_TEST(optimistic_time_behind)
{
	setup(16, 100, 10 * MS, VMC_OPTIMISTIC);
	map_put(0x10000, 0x20000, 5 * MS);
	unmap(0x10000, 5 * MS);
	vmc_expire(&c, 5 * MS - 50);
	ck_assert_uint_eq(vmc_stale_now(&c), 1);
	ck_assert_uint_eq(c.st.expired, 0);
	ck_assert_uint_eq(vmc_oldest_stale_ns(&c, 5 * MS - 50), 0);
	/* Reused by a map whose time trails the deferral's. */
	map_put(0x10000, 0x20000, 5 * MS - 40);
	ck_assert_uint_eq(c.st.reused, 1);
	ck_assert_uint_eq(c.st.stale_longest_ns, 0);
	unmap(0x10000, 6 * MS);
	vmc_expire(&c, 17 * MS);
	ck_assert_uint_eq(c.st.expired, 1);
	ck_assert_uint_eq(c.st.stale_longest_ns, 11 * MS);
	teardown();
}
END_TEST

START_TEST(optimistic_quota)
{
	setup(64, 4, 10 * MS, VMC_OPTIMISTIC);
	for (u64 k = 0; k < 10; k++)
		map_put(0x10000 + k * 0x1000, 0x20000 + k * 0x1000, 0);
	/* One invalidation of all ten: the FIFO keeps the last four. */
	{
		struct vmc_sel s = { .kind = VMC_SEL_DOMAIN, .did = DID };

		ck_assert_uint_eq(vmc_invalidate(&c, &s, 1), 10);
	}
	ck_assert_uint_eq(vmc_stale_now(&c), 4);
	ck_assert_uint_eq(c.st.over_quota, 6);
	ck_assert_uint_eq(c.st.phys_inv, 1);
	ck_assert_uint_eq(c.pinned, 4);
	/* The oldest went: the first six pages. */
	ck_assert_int_eq(pins[0x25], 0);
	ck_assert_int_eq(pins[0x26], 1);
	/* Another domain's invalidation does not touch these. */
	{
		struct vmc_sel s = { .kind = VMC_SEL_DOMAIN, .did = DID + 1 };

		ck_assert_uint_eq(vmc_invalidate(&c, &s, 2), 0);
	}
	/* Leaving optimistic mode tears the FIFO down. */
	vmc_set_mode(&c, VMC_STRICT, 3);
	ck_assert_uint_eq(vmc_stale_now(&c), 0);
	ck_assert_uint_eq(c.pinned, 0);
	ck_assert_uint_eq(c.st.phys_inv, 2);
	teardown();
}
END_TEST

START_TEST(lru_and_room)
{
	u32 held[4];

	/* Room for 4 live entries and a FIFO of 1 (6 entries in all). */
	setup(4, 1, 10 * MS, VMC_STRICT);
	ck_assert_uint_eq(c.nent, 6);
	for (u64 k = 0; k < 6; k++)
		map_put(0x10000 + k * 0x1000, 0x20000 + k * 0x1000, 0);
	ck_assert_uint_eq(c.st.evicted, 0);
	/* Touch the first: the second is now the least recently used. */
	vmc_put(&c, vmc_get(&c, SID, 0x10000, false, 1));
	map_put(0x30000, 0x40000, 2);
	ck_assert_uint_eq(c.st.evicted, 1);
	ck_assert_uint_eq(c.st.phys_inv, 1);
	ck_assert_uint_eq(vmc_get(&c, SID, 0x11000, false, 4), VMC_NONE);
	ck_assert_int_eq(pins[0x21], 0);
	held[0] = vmc_get(&c, SID, 0x10000, false, 4);
	ck_assert_uint_ne(held[0], VMC_NONE);
	vmc_put(&c, held[0]);
	/* Every entry held by a DMA: no room, nothing pinned for it. */
	vmc_flush(&c, 5);
	for (u64 k = 0; k < c.nent; k++) {
		u32 i = vmc_map(&c, SID, DID, 0x50000 + k * 0x1000, 0x60000 + k * 0x1000, true,
				true, 6);

		ck_assert_uint_ne(i, VMC_NONE);
		if (k < 4)
			held[k] = i;
		else
			vmc_put(&c, i);
		/* Hold them all. */
		if (k >= 4)
			c.ent[i].refs++;
	}
	ck_assert_uint_eq(vmc_map(&c, SID, DID, 0x90000, 0x99000, true, true, 7), VMC_NONE);
	ck_assert_uint_eq(c.st.no_room, 1);
	ck_assert_int_eq(pins[0x99], 0);
	for (u32 i = 0; i < c.nent; i++)
		if (c.ent[i].refs && (i != held[0] && i != held[1] && i != held[2] && i != held[3]))
			vmc_put(&c, i);
	for (int k = 0; k < 4; k++)
		vmc_put(&c, held[k]);
	teardown();
}
END_TEST

START_TEST(pins_shared_and_in_flight)
{
	u32 a, b;

	setup(16, 8, 10 * MS, VMC_STRICT);
	/* Two IOVAs (and two devices) on one guest page: pinned once. */
	a = vmc_map(&c, SID, DID, 0x5000, 0x2000, true, false, 0);
	b = vmc_map(&c, SID + 8, DID, 0x7000, 0x2000, true, true, 0);
	ck_assert_int_eq(pin_calls, 1);
	ck_assert_uint_eq(c.pinned, 1);
	/* Read-only: a write finds nothing (the caller walks, and faults). */
	vmc_put(&c, a);
	ck_assert_uint_eq(vmc_get(&c, SID, 0x5000, true, 1), VMC_NONE);
	a = vmc_get(&c, SID, 0x5000, false, 1);
	ck_assert_uint_ne(a, VMC_NONE);
	/* Unmapped while a DMA holds it: out of the lookup at once, the
	 * page pinned until the DMA is done. */
	unmap(0x5000, 2);
	ck_assert_uint_eq(c.st.unmapped_in_flight, 1);
	ck_assert_uint_eq(vmc_get(&c, SID, 0x5000, false, 3), VMC_NONE);
	ck_assert_int_eq(pins[2], 1);
	vmc_put(&c, a);
	/* Still the other device's. */
	ck_assert_int_eq(pins[2], 1);
	vmc_put(&c, b);
	{
		struct vmc_sel s = { .kind = VMC_SEL_DEVICE, .sid = SID + 8, .fm = 0 };

		ck_assert_uint_eq(vmc_invalidate(&c, &s, 4), 1);
	}
	ck_assert_int_eq(pins[2], 0);
	ck_assert_uint_eq(c.pinned, 0);
	/* Not RAM: nothing mapped. */
	ck_assert_uint_eq(vmc_map(&c, SID, DID, 0x5000, RAM_END, true, true, 5), VMC_NONE);
	ck_assert_uint_eq(c.live, 0);
	teardown();
}
END_TEST

/* A long random run: the invariants the host relies on, checked as we go. */
START_TEST(random_run)
{
	u64 seed = 12345, now = 0;
	u32 held[32], nheld = 0, bad = 0;

	setup(64, 32, 10 * MS, VMC_OPTIMISTIC);
	for (int step = 0; step < 200000; step++) {
		u32 r;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		r = (u32)(seed >> 33);
		now += (r & 0xff) * 1000;
		switch (r % 7) {
		case 0:
		case 1: {
			u64 iova = (u64)(r >> 8) % 128 * 0x1000;
			/* Mostly the page it had: reuse is possible. */
			u64 gpa = ((iova >> 12) % 64 + (r >> 20) % 2) * 0x1000;
			u32 i = vmc_map(&c, SID, DID, iova, gpa, true, true, now);

			if (i != VMC_NONE) {
				if (nheld < 32)
					held[nheld++] = i;
				else
					vmc_put(&c, i);
			}
			break;
		}
		case 2:
			if (nheld)
				vmc_put(&c, held[--nheld]);
			break;
		case 3:
			unmap((u64)(r >> 8) % 128 * 0x1000, now);
			break;
		case 4: {
			u32 i = vmc_get(&c, SID, (u64)(r >> 8) % 128 * 0x1000, false, now);

			if (i != VMC_NONE)
				vmc_put(&c, i);
			break;
		}
		case 5:
			vmc_expire(&c, now);
			break;
		case 6:
			if (r % 1000 == 6)
				vmc_set_mode(&c, (r >> 12) & 1 ? VMC_STRICT : VMC_OPTIMISTIC, now);
			break;
		}
		/* Within the quota after every call; a held entry's page is
		 * pinned; no page given back that was not pinned. */
		bad += vmc_stale_now(&c) > 32;
		for (u32 k = 0; k < nheld; k++)
			bad += pins[c.ent[held[k]].gpa >> 12] < 1;
		bad += bad_unpins;
		if (c.mode == VMC_OPTIMISTIC && vmc_stale_now(&c))
			bad += vmc_oldest_stale_ns(&c, now) >= 12 * MS;
		/* The clock is told when the oldest stale entry is due, and
		 * that nothing is while nothing is stale. */
		bad += vmc_stale_now(&c) ? vmc_due(&c) != now - vmc_oldest_stale_ns(&c, now) + 10 * MS :
					   vmc_due(&c) != 0;
		if (bad)
			ck_abort_msg("step %d: an invariant broke", step);
	}
	while (nheld)
		vmc_put(&c, held[--nheld]);
	ck_assert_uint_gt(c.st.reused, 0);
	teardown();
}
END_TEST

Suite *viommu_mapcache_suite(void)
{
	Suite *s = suite_create("viommu_mapcache");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, strict_teardown);
	tcase_add_test(tc, optimistic_reuse);
	tcase_add_test(tc, optimistic_residency);
	tcase_add_test(tc, optimistic_time_behind);
	tcase_add_test(tc, optimistic_quota);
	tcase_add_test(tc, lru_and_room);
	tcase_add_test(tc, pins_shared_and_in_flight);
	tcase_add_test(tc, random_run);
	suite_add_tcase(s, tc);
	return s;
}
