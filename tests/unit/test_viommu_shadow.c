// SPDX-License-Identifier: GPL-2.0
/*
 * Shadowing a guest's vIOMMU translations into the physical VT-d
 * (core/vdev/viommu/vtd_shadow.h, the shadow half of vtd_mapcache.h, and
 * vtd_walk.h's table enumeration): the guest's second-level table in fake
 * RAM, the physical side a model that logs every install, clear, flush,
 * pin and unpin. The rule checked throughout (thesis 2.5.1): a page is
 * unpinned only after every physical entry pointing at it was cleared AND
 * an invalidation (flush) came after the clear.
 */
#include <string.h>

#include "core/le.h"
#include "core/vdev/viommu/vtd_mapcache.h"
#include "core/vdev/viommu/vtd_regs_emul.h"
#include "core/vdev/viommu/vtd_shadow.h"
#include "core/vdev/viommu/vtd_walk.h"
#include "fake_guest.h"
#include "suites.h"

#define MS	1000000ULL
#define SID	0x10
#define SID2	0x18
#define DID	3
#define RW	(VTDW_SL_R | VTDW_SL_W)
#define PAGES	256			/* IOVA pages modelled */

/* Tables in the fake guest RAM: a 3-level domain. */
#define L3	(FG_BASE + 0x0000)
#define L2	(FG_BASE + 0x1000)
#define L1	(FG_BASE + 0x2000)
#define DATA	(FG_BASE + 0x10000)	/* guest pages the IOVAs map */

static const struct vtdw_mem mem = { fg_read, NULL, NULL };
static u64 cap;
static struct vtdw_ctx ctx = { .did = DID, .tt = VTDW_TT_SL, .levels = 3, .slpt = L3 };

/* The physical side. phys[sid][page]: 0 none, 1 installed, 2 cleared and
 * not yet flushed; pgpa: the guest page it points at. */
enum { P_NONE, P_LIVE, P_CLEARED };
static u8 phys[2][PAGES];
static u64 pgpa[2][PAGES];
static u8 pperm[2][PAGES];		/* installed: 1 read, 2 write */
static int pins[FG_SIZE >> 12];
static u32 installs, clears, flushes, order_bad, unpins_n, pins_n;
static bool flush_ok;
static char log_buf[4096];

static void logc(char ch)
{
	size_t n = strlen(log_buf);

	if (n + 1 < sizeof(log_buf)) {
		log_buf[n] = ch;
		log_buf[n + 1] = 0;
	}
}

static int sidx(u16 sid)
{
	return sid == SID ? 0 : 1;
}

/* An overcommitted VM: one guest page on disk (~0: none). Reads of it and
 * pins of it fail with `again`, which, as in the vIOMMU, is the state of
 * the last access (a table read or a pin). */
static u64 on_disk = ~0ULL;
static bool last_again;

static bool d_read(void *ctx, u64 gpa, void *buf, u32 len)
{
	last_again = (gpa & ~0xfffULL) == on_disk;
	return !last_again && fg_read(ctx, gpa, buf, len);
}

static bool d_again(void *ctx)
{
	return last_again;
}

static const struct vtdw_mem dmem = { d_read, NULL, d_again };

static bool t_pin(void *c, u64 gpa, u64 *hpa, bool *ours)
{
	last_again = (gpa & ~0xfffULL) == on_disk;
	if (last_again || !fg_is_ram(NULL, gpa, 0x1000))
		return false;
	pins[(gpa - FG_BASE) >> 12]++;
	pins_n++;
	*hpa = gpa + 0x100000000ULL;
	*ours = true;
	logc('p');
	return true;
}

static void t_unpin(void *c, u64 gpa, bool ours)
{
	/* No physical entry to the page may be live, or cleared but not yet
	 * invalidated. */
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < PAGES; k++)
			if (phys[s][k] != P_NONE && pgpa[s][k] == gpa)
				order_bad++;
	pins[(gpa - FG_BASE) >> 12]--;
	unpins_n++;
	logc('u');
}

static bool t_install(void *c, const struct vmc_entry *e)
{
	u32 k = (u32)(e->iova >> 12);

	if (k >= PAGES || phys[sidx(e->sid)][k] != P_NONE)
		order_bad++;
	else {
		phys[sidx(e->sid)][k] = P_LIVE;
		pgpa[sidx(e->sid)][k] = e->gpa;
		pperm[sidx(e->sid)][k] = (e->r ? 1 : 0) | (e->w ? 2 : 0);
	}
	installs++;
	logc('i');
	return true;
}

static void t_clear(void *c, const struct vmc_entry *e)
{
	u32 k = (u32)(e->iova >> 12);

	if (k >= PAGES || phys[sidx(e->sid)][k] != P_LIVE)
		order_bad++;
	else
		phys[sidx(e->sid)][k] = P_CLEARED;
	clears++;
	logc('c');
}

static bool t_flush(void *c)
{
	flushes++;
	logc('F');
	if (!flush_ok)
		return false;
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < PAGES; k++)
			if (phys[s][k] == P_CLEARED)
				phys[s][k] = P_NONE;
	return true;
}

static const struct vmc_ops ops = {
	.pin = t_pin, .unpin = t_unpin,
	.install = t_install, .clear = t_clear, .flush = t_flush,
};
static struct vmc c;

static void setup(enum vmc_mode mode, u32 quota)
{
	struct vtde unit;

	memset(fg_ram, 0, sizeof(fg_ram));
	memset(phys, 0, sizeof(phys));
	memset(pins, 0, sizeof(pins));
	installs = clears = flushes = order_bad = unpins_n = pins_n = 0;
	on_disk = ~0ULL;
	last_again = false;
	flush_ok = true;
	log_buf[0] = 0;
	vtde_init(&unit, NULL, NULL);
	cap = unit.cap;
	/* IOVA 0 .. 2 MiB through one L1 table. */
	put64(fg(L3), L2 | RW);
	put64(fg(L2), L1 | RW);
	ck_assert_int_eq(vmc_init(&c, 128, quota, 10 * MS, mode, &ops, NULL), 0);
}

static void gmap(u64 iova, u64 gpa, u64 perm)
{
	put64(fg(L1 + 8 * (iova >> 12)), gpa | perm);
}

static void gunmap(u64 iova)
{
	put64(fg(L1 + 8 * (iova >> 12)), 0);
}

/* The same through guest memory m (pages on disk). */
static struct vshd_result vshd_sync_m(const struct vtdw_mem *m, u16 sid, u64 lo, u64 hi,
				      u64 now)
{
	struct vshd_result r;

	vshd_sync(&c, m, cap, &ctx, sid, lo, hi, now, &r);
	return r;
}

/* The guest's invalidation of [iova, iova + len) as the unit passes it on. */
static struct vshd_result inv(u16 sid, u64 iova, u64 len, u64 now)
{
	struct vshd_result r;

	vshd_sync(&c, &mem, cap, &ctx, sid, iova, iova + len, now, &r);
	return r;
}

static void finish(void)
{
	vmc_destroy(&c, 100 * MS);
	ck_assert_uint_eq(order_bad, 0);
	ck_assert_uint_eq(pins_n, unpins_n);
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < PAGES; k++)
			ck_assert_int_eq(phys[s][k], P_NONE);
}

/* The enumeration: present leaves in range, in order; a 2 MiB page in
 * 4 KiB pages; a reserved bit or a table outside RAM gives nothing. */
static u64 seen_iova[1024], seen_gpa[1024];
static u32 nseen;

static bool collect(void *arg, u64 iova, u64 gpa, bool r, bool w)
{
	seen_iova[nseen] = iova;
	seen_gpa[nseen] = gpa | (r ? 1 : 0) | (w ? 2 : 0);
	return ++nseen < 1024;
}

START_TEST(enumerate)
{
	setup(VMC_STRICT, 16);
	gmap(0x3000, DATA, RW);
	gmap(0x5000, DATA + 0x1000, VTDW_SL_R);
	gmap(0x6000, DATA + 0x2000, RW | (1ULL << 50));		/* reserved: skipped */
	put64(fg(L2 + 8), 0x400000 | RW | VTDW_SL_PS);	/* 2 MiB at 2 MiB */
	put64(fg(L2 + 16), 0x7fff0000000ULL | RW);		/* a table outside RAM */
	nseen = 0;
	ck_assert(vtdw_enum(&mem, cap, &ctx, 0, 0x200000 + 0x3000, 1000, collect, NULL));
	ck_assert_uint_eq(nseen, 5);
	ck_assert_uint_eq(seen_iova[0], 0x3000);
	ck_assert_uint_eq(seen_gpa[0], DATA | 3);
	ck_assert_uint_eq(seen_iova[1], 0x5000);
	ck_assert_uint_eq(seen_gpa[1], (DATA + 0x1000) | 1);
	ck_assert_uint_eq(seen_iova[2], 0x200000);
	ck_assert_uint_eq(seen_gpa[4], 0x402000 | 3);
	/* A budget cut short says so. */
	nseen = 0;
	ck_assert(!vtdw_enum(&mem, cap, &ctx, 0, 0x400000, 3, collect, NULL));
	ck_assert_uint_eq(nseen, 3);
	/* Pass-through gives nothing to shadow. */
	{
		struct vtdw_ctx pt = ctx;

		pt.tt = VTDW_TT_PT;
		nseen = 0;
		ck_assert(vtdw_enum(&mem, cap, &pt, 0, ~0ULL, 1000, collect, NULL));
		ck_assert_uint_eq(nseen, 0);
	}
	finish();
}
END_TEST

/* Strict: a map installs (pin before install), a neighbour's map leaves
 * the first alone, an unmap clears, flushes once, then unpins. */
START_TEST(strict_map_unmap_order)
{
	struct vshd_result r;

	setup(VMC_STRICT, 16);
	gmap(0x1000, DATA, RW);
	r = inv(SID, 0x1000, 0x1000, 1);
	ck_assert_uint_eq(r.seen, 1);
	ck_assert_str_eq(log_buf, "pi");
	ck_assert_int_eq(phys[0][1], P_LIVE);
	gmap(0x2000, DATA + 0x1000, VTDW_SL_R);
	/* A domain-wide invalidation: the first entry is kept as it is. */
	r = inv(SID, 0, ~0ULL, 2);
	ck_assert_uint_eq(r.seen, 2);
	ck_assert_uint_eq(r.unmapped, 0);
	ck_assert_str_eq(log_buf, "pipi");
	ck_assert_uint_eq(c.st.maps, 2);
	/* Unmap both: cleared, ONE invalidation, then the pages go. */
	gunmap(0x1000);
	gunmap(0x2000);
	log_buf[0] = 0;
	r = inv(SID, 0, 0x4000, 3);
	ck_assert_uint_eq(r.unmapped, 2);
	ck_assert_str_eq(log_buf, "ccFuu");
	ck_assert_uint_eq(c.st.phys_real, 1);
	ck_assert_uint_eq(c.pinned, 0);
	finish();
}
END_TEST

/* A changed mapping (another page, or less access): the old entry goes
 * (invalidated before its page is unpinned), the new one comes. */
START_TEST(strict_remap)
{
	setup(VMC_STRICT, 16);
	gmap(0x1000, DATA, RW);
	inv(SID, 0x1000, 0x1000, 1);
	gmap(0x1000, DATA + 0x3000, RW);
	log_buf[0] = 0;
	inv(SID, 0x1000, 0x1000, 2);
	ck_assert_str_eq(log_buf, "cFupi");
	ck_assert_uint_eq(pgpa[0][1], DATA + 0x3000);
	gmap(0x1000, DATA + 0x3000, VTDW_SL_R);
	log_buf[0] = 0;
	inv(SID, 0x1000, 0x1000, 3);
	ck_assert_str_eq(log_buf, "cFupi");
	finish();
}
END_TEST

/* The physical entry gets exactly the guest's R and W (VT-d 9.8): a
 * write-only page (W without R) arrives unreadable; a change of the
 * permissions alone is a remap (old entry invalidated, new installed). */
START_TEST(write_only_permissions)
{
	setup(VMC_STRICT, 16);
	gmap(0x1000, DATA, VTDW_SL_W);
	gmap(0x2000, DATA + 0x1000, VTDW_SL_R);
	gmap(0x3000, DATA + 0x2000, RW);
	inv(SID, 0x1000, 0x3000, 1);
	ck_assert_str_eq(log_buf, "pipipi");
	ck_assert_uint_eq(pperm[0][1], 2);
	ck_assert_uint_eq(pperm[0][2], 1);
	ck_assert_uint_eq(pperm[0][3], 3);
	/* Read-write to write-only, and write-only to read-write. */
	gmap(0x3000, DATA + 0x2000, VTDW_SL_W);
	log_buf[0] = 0;
	inv(SID, 0x3000, 0x1000, 2);
	ck_assert_str_eq(log_buf, "cFupi");
	ck_assert_uint_eq(pperm[0][3], 2);
	gmap(0x1000, DATA, RW);
	log_buf[0] = 0;
	inv(SID, 0x1000, 0x1000, 3);
	ck_assert_str_eq(log_buf, "cFupi");
	ck_assert_uint_eq(pperm[0][1], 3);
	finish();
}
END_TEST

/* Optimistic: the unmap is deferred (the physical entry lives on, the
 * page stays pinned), a map of the same page reuses it with no pin and
 * no install, the residency's expiry tears a batch down with one flush. */
START_TEST(optimistic_defer_reuse_expire)
{
	struct vshd_result r;

	setup(VMC_OPTIMISTIC, 16);
	for (u64 k = 1; k <= 4; k++)
		gmap(k << 12, DATA + (k << 12), RW);
	inv(SID, 0, ~0ULL, 0);
	ck_assert_uint_eq(installs, 4);
	for (u64 k = 1; k <= 4; k++)
		gunmap(k << 12);
	log_buf[0] = 0;
	r = inv(SID, 0, ~0ULL, 1 * MS);
	ck_assert_uint_eq(r.unmapped, 4);
	ck_assert_str_eq(log_buf, "");
	ck_assert_uint_eq(vmc_stale_now(&c), 4);
	ck_assert_int_eq(phys[0][2], P_LIVE);
	/* Mapped again to the same page: reused. */
	gmap(2 << 12, DATA + (2 << 12), RW);
	inv(SID, 2 << 12, 0x1000, 2 * MS);
	ck_assert_str_eq(log_buf, "");
	ck_assert_uint_eq(c.st.reused, 1);
	/* Past the residency: the other three in one batch. */
	vmc_expire(&c, 12 * MS);
	ck_assert_str_eq(log_buf, "cccFuuu");
	ck_assert_uint_eq(c.st.phys_real, 1);
	ck_assert_int_eq(phys[0][2], P_LIVE);
	finish();
}
END_TEST

/* A unit that does not answer: the pages stay pinned (counted). */
START_TEST(flush_failure_keeps_pins)
{
	setup(VMC_STRICT, 16);
	gmap(0x1000, DATA, RW);
	inv(SID, 0x1000, 0x1000, 1);
	flush_ok = false;
	gunmap(0x1000);
	log_buf[0] = 0;
	inv(SID, 0x1000, 0x1000, 2);
	ck_assert_str_eq(log_buf, "cF");
	ck_assert_uint_eq(c.st.flush_failed, 1);
	ck_assert_uint_eq(c.st.kept_pinned, 1);
	ck_assert_int_eq(pins[(DATA - FG_BASE) >> 12], 1);
	/* (The model's page stays pinned: mark it so finish() balances.) */
	pins_n--;
	vmc_destroy(&c, 100 * MS);
	ck_assert_uint_eq(order_bad, 0);
}
END_TEST

/* Shadowed entries are never evicted for room; emulated ones are. */
START_TEST(shadow_not_evicted)
{
	u32 i;

	setup(VMC_STRICT, 4);
	for (u64 k = 0; k < 128; k++)
		gmap(k << 12, DATA + ((k % 32) << 12), RW);
	inv(SID, 0, ~0ULL, 1);
	ck_assert_uint_eq(installs, 128);
	/* Room for the 129th + quota only via the free list: none left. */
	i = vmc_map(&c, 0x99, DID, 0x0, DATA, true, true, 2);
	ck_assert_uint_ne(i, VMC_NONE);		/* the spare slots */
	vmc_put(&c, i);
	ck_assert_uint_eq(clears, 0);
	finish();
}
END_TEST

/* A long random run of two devices, both modes, shared pages, emulated
 * DMA beside them: never an unpin before the invalidation covering it. */
START_TEST(random_order)
{
	u64 seed = 777, now = 0;

	setup(VMC_OPTIMISTIC, 16);
	for (int step = 0; step < 60000; step++) {
		u32 r;
		u16 sid;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		r = (u32)(seed >> 33);
		now += (r & 0xff) * 2000;
		sid = (r >> 9) & 1 ? SID : SID2;
		switch (r % 8) {
		case 0:
		case 1:
		case 2: {
			u64 k = (r >> 10) % 64;

			gmap(k << 12, DATA + (((r >> 16) % 24) << 12),
			     (r >> 22) & 1 ? RW : VTDW_SL_R);
			inv(sid, k << 12, 0x1000, now);
			break;
		}
		case 3:
		case 4: {
			u64 k = (r >> 10) % 64;

			gunmap(k << 12);
			inv(sid, (k & ~3ULL) << 12, 0x4000, now);
			break;
		}
		case 5: {
			u32 i = vmc_map(&c, 0x99, DID, ((r >> 10) % 32) << 12,
					DATA + (((r >> 16) % 24) << 12), true, true, now);

			if (i != VMC_NONE)
				vmc_put(&c, i);
			break;
		}
		case 6:
			vmc_expire(&c, now);
			break;
		case 7:
			if (r % 97 == 7)
				vmc_set_mode(&c, (r >> 12) & 1 ? VMC_STRICT : VMC_OPTIMISTIC, now);
			else if (r % 89 == 7)
				vmc_drop(&c, sid, now);
			else
				inv(sid, 0, ~0ULL, now);
			break;
		}
		if (order_bad)
			ck_abort_msg("step %d: a page unpinned before its invalidation", step);
	}
	ck_assert_uint_gt(c.st.phys_real, 100);
	ck_assert_uint_gt(c.st.reused, 0);
	finish();
}
END_TEST

/*
 * Overcommitted: a page the guest maps, or a page of its table, on disk.
 * The sync stops there (again): what lies before it is done (a map
 * installed, an unmap torn down), nothing at or past it is decided (no
 * translation taken for an unmap because its table could not be read);
 * run again once the page is in, it finishes.
 */
START_TEST(page_on_disk_stops_sync)
{
	struct vshd_result r;

	setup(VMC_STRICT, 16);
	gmap(0x1000, DATA, RW);
	gmap(0x3000, DATA + 0x2000, RW);
	gmap(0x6000, DATA + 0x5000, RW);
	r = vshd_sync_m(&dmem, SID, 0, 0x10000, 1);
	ck_assert(!r.again && r.seen == 3);
	/* Unmap 0x3000, map 0x4000 to a page on disk and 0x5000 after it,
	 * unmap 0x6000. */
	gunmap(0x3000);
	gmap(0x4000, DATA + 0x3000, RW);
	gmap(0x5000, DATA + 0x4000, RW);
	gunmap(0x6000);
	on_disk = DATA + 0x3000;
	log_buf[0] = 0;
	r = vshd_sync_m(&dmem, SID, 0, 0x10000, 2);
	ck_assert(r.again && !r.truncated);
	ck_assert_uint_eq(r.seen, 1);
	ck_assert_uint_eq(r.unmapped, 1);		/* 0x3000, before the stop */
	ck_assert_str_eq(log_buf, "cFu");
	ck_assert_int_eq(phys[0][1], P_LIVE);
	ck_assert_int_eq(phys[0][4], P_NONE);
	ck_assert_int_eq(phys[0][5], P_NONE);
	ck_assert_int_eq(phys[0][6], P_LIVE);		/* past the stop: as it was */
	/* In: the rest. */
	on_disk = ~0ULL;
	log_buf[0] = 0;
	r = vshd_sync_m(&dmem, SID, 0, 0x10000, 3);
	ck_assert(!r.again);
	ck_assert_uint_eq(r.seen, 3);
	ck_assert_uint_eq(r.unmapped, 1);		/* 0x6000 */
	ck_assert_str_eq(log_buf, "pipicFu");
	ck_assert_int_eq(phys[0][4], P_LIVE);
	ck_assert_int_eq(phys[0][5], P_LIVE);
	ck_assert_int_eq(phys[0][6], P_NONE);
	/* The leaf table itself on disk: nothing decided, nothing torn down
	 * (every entry would look unmapped otherwise). */
	gunmap(0x1000);
	on_disk = L1;
	log_buf[0] = 0;
	r = vshd_sync_m(&dmem, SID, 0, 0x10000, 4);
	ck_assert(r.again);
	ck_assert_uint_eq(r.unmapped, 0);
	ck_assert_str_eq(log_buf, "");
	ck_assert_int_eq(phys[0][1], P_LIVE);
	on_disk = ~0ULL;
	r = vshd_sync_m(&dmem, SID, 0, 0x10000, 5);
	ck_assert(!r.again);
	ck_assert_uint_eq(r.unmapped, 1);
	ck_assert_int_eq(phys[0][1], P_NONE);
	finish();
}
END_TEST

START_TEST(inv_am)
{
	ck_assert_int_eq(vshd_inv_am(0x5000, 0x5000, true, 18), 0);
	ck_assert_int_eq(vshd_inv_am(0x4000, 0x5000, true, 18), 1);
	ck_assert_int_eq(vshd_inv_am(0x3000, 0x4000, true, 18), 3);	/* 0x0-0x7fff */
	ck_assert_int_eq(vshd_inv_am(0x0, 0x3fffff000ULL, true, 18), -1);
	ck_assert_int_eq(vshd_inv_am(0x5000, 0x5000, false, 18), -1);
}
END_TEST

Suite *viommu_shadow_suite(void)
{
	Suite *s = suite_create("viommu_shadow");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, enumerate);
	tcase_add_test(tc, strict_map_unmap_order);
	tcase_add_test(tc, strict_remap);
	tcase_add_test(tc, write_only_permissions);
	tcase_add_test(tc, optimistic_defer_reuse_expire);
	tcase_add_test(tc, flush_failure_keeps_pins);
	tcase_add_test(tc, shadow_not_evicted);
	tcase_add_test(tc, random_order);
	tcase_add_test(tc, page_on_disk_stops_sync);
	tcase_add_test(tc, inv_am);
	suite_add_tcase(s, tc);
	return s;
}
