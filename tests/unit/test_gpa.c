// SPDX-License-Identifier: GPL-2.0
/* The guest-physical map on the host: a fake allocator backs "RAM". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm/gpa.h"
#include "suites.h"

#define ARENA	(32ULL << 20)

static u8 *arena;
static u64 used;
static bool no_large;		/* simulate fragmented host memory */
static u64 frees;

static u64 fake_alloc(u64 pages, u64 align)
{
	u64 off = ALIGN_UP(used, align);

	if ((no_large && align > PAGE_SIZE) || off + pages * PAGE_SIZE > ARENA)
		return 0;
	used = off + pages * PAGE_SIZE;
	memset(arena + off, 0, pages * PAGE_SIZE);
	return (u64)(uintptr_t)(arena + off);	/* "physical" = host pointer */
}

static void fake_free(u64 pa, u64 pages)
{
	(void)pa;
	frees += pages;
}

static void *fake_p2v(u64 pa)
{
	return (void *)(uintptr_t)pa;
}

static const struct gpa_ops ops = { fake_alloc, fake_free, fake_p2v };
static struct gpa_map g;

static void setup(void)
{
	arena = aligned_alloc(SZ_2M, ARENA);
	used = frees = 0;
	no_large = false;
	/* Three whole 2 MiB runs and a partial one of two pages. */
	ck_assert_int_eq(gpa_map_create(&g, 6 * SZ_2M / 2 + 8192, &ops), 0);
}

static void teardown(void)
{
	gpa_map_destroy(&g);
	free(arena);
}

START_TEST(layout)
{
	u64 lo, hi;

	gpa_layout(1ULL << 30, &lo, &hi);
	ck_assert_uint_eq(lo, 1ULL << 30);
	ck_assert_uint_eq(hi, 0);
	/* Above 2.75 GiB the rest goes to 4 GiB: the hole keeps the ECAM,
	 * the I/O APIC and the local APIC clear of RAM. */
	gpa_layout(4ULL << 30, &lo, &hi);
	ck_assert_uint_eq(lo, GPA_LOW_TOP);
	ck_assert_uint_eq(hi, (4ULL << 30) - GPA_LOW_TOP);
	gpa_layout(100, &lo, &hi);
	ck_assert_uint_eq(lo, PAGE_SIZE);
}
END_TEST

START_TEST(ram)
{
	u64 hpa;
	u32 perm;

	ck_assert_uint_eq(g.large_runs, 3);
	ck_assert_uint_eq(g.small_pages, 2);
	ck_assert(gpa_is_ram(&g, 0, 3 * SZ_2M + 8192));
	ck_assert(!gpa_is_ram(&g, 3 * SZ_2M + 8192, 1));
	ck_assert(!gpa_is_ram(&g, 0xfee00000, 4));
	ck_assert(gpa_lookup(&g, SZ_2M + 5, &hpa, &perm));
	ck_assert_uint_eq(perm, MAP_W | MAP_X);
	/* tern's view and the guest's are the same bytes. */
	*(u32 *)gpa_to_hva(&g, SZ_2M + 8) = 0xfeedf00d;
	ck_assert(gpa_lookup(&g, SZ_2M + 8, &hpa, NULL));
	ck_assert_uint_eq(*(u32 *)fake_p2v(hpa), 0xfeedf00d);
	ck_assert(gpa_copy_to(&g, 3 * SZ_2M + 4090, "crosses", 8));
	ck_assert(!memcmp(gpa_to_hva(&g, 3 * SZ_2M + 4090), "crosse", 6));
	ck_assert_str_eq(gpa_to_hva(&g, 3 * SZ_2M + 4096), "s");
	ck_assert(!gpa_copy_to(&g, 3 * SZ_2M + 8190, "x", 3));
}
END_TEST

static u64 flushes_seen, fault_gpa;
static u32 fault_access;

static void on_flush(struct gpa_map *m, void *ctx)
{
	(void)m; (void)ctx;
	flushes_seen++;
}

/* A handler that gives write access back, as the vIOMMU or swapper would. */
static enum gpa_fault on_fault(struct gpa_map *m, u64 gpa, u32 access, u32 waiter, void *ctx)
{
	(void)ctx; (void)waiter;
	fault_gpa = gpa;
	fault_access = access;
	gpa_set_state(m, gpa & ~(u64)(PAGE_SIZE - 1), PAGE_SIZE, 0, GPA_PG_WP);
	return GPA_FAULT_RETRY;
}

START_TEST(protection_and_faults)
{
	struct gpa_fault_handler h = { .fn = on_fault, .state_bit = GPA_PG_WP };
	u64 page = SZ_2M + PAGE_SIZE;
	u32 perm;

	flushes_seen = 0;
	gpa_set_flush(&g, on_flush, NULL);
	/* Write-protect two pages inside a 2 MiB run: EPT splits it. */
	ck_assert_int_eq(gpa_set_state(&g, page, 2 * PAGE_SIZE, GPA_PG_WP, 0), 0);
	ck_assert_uint_gt(g.ept.splits, 0);
	ck_assert(gpa_lookup(&g, page, NULL, &perm));
	ck_assert_uint_eq(perm, MAP_X);
	ck_assert(gpa_lookup(&g, SZ_2M, NULL, &perm));
	ck_assert_uint_eq(perm, MAP_W | MAP_X);
	ck_assert_uint_eq(gpa_page_state(&g, page + PAGE_SIZE), GPA_PG_WP);
	/* Batched: two calls, one flush. */
	ck_assert_int_eq(gpa_set_state(&g, 0, PAGE_SIZE, GPA_PG_WP, 0), 0);
	gpa_flush(&g);
	gpa_flush(&g);
	ck_assert_uint_eq(flushes_seen, 1);
	ck_assert_uint_eq(g.flush_asked, 1);
	ck_assert_uint_eq(g.flush_done, 1);
	/* No handler yet: a write to a protected page stops the VM. */
	ck_assert_int_eq(gpa_fault(&g, page + 12, GPA_ACCESS_WRITE, 0), GPA_FAULT_STOP);
	ck_assert_uint_eq(g.faults_unhandled, 1);
	/* A read of a write-protected page is a stale translation: retry. */
	ck_assert_int_eq(gpa_fault(&g, page + 12, GPA_ACCESS_READ, 0), GPA_FAULT_RETRY);
	/* The handler resolves the write. */
	ck_assert_int_eq(gpa_add_fault_handler(&g, &h), 0);
	ck_assert_int_eq(gpa_fault(&g, page + 12, GPA_ACCESS_WRITE, 0), GPA_FAULT_RETRY);
	ck_assert_uint_eq(fault_gpa, page + 12);
	ck_assert_uint_eq(fault_access, GPA_ACCESS_WRITE);
	ck_assert(gpa_lookup(&g, page, NULL, &perm));
	ck_assert_uint_eq(perm, MAP_W | MAP_X);
	/* Giving rights back needs no flush. */
	gpa_flush(&g);
	ck_assert_uint_eq(flushes_seen, 1);
	/* Not RAM: the MMIO path's. */
	ck_assert_int_eq(gpa_fault(&g, 0xfec00000, GPA_ACCESS_READ, 0), GPA_FAULT_NOT_RAM);
}
END_TEST

static u32 nested_left;

/* Another core's gpa_flush() while this one's still waits for the vCPUs. */
static void on_flush_nested(struct gpa_map *m, void *ctx)
{
	(void)ctx;
	flushes_seen++;
	if (nested_left) {
		nested_left--;
		gpa_flush(m);
	}
}

/*
 * A flush only asked (vm_ept_changed: a vCPU in guest mode takes it at its
 * next exit), or one another core still waits for, does not let gpa_flush
 * return at once: its caller frees what it unmapped next.
 */
START_TEST(flush_waits_for_flushes_asked)
{
	flushes_seen = 0;
	gpa_set_flush(&g, on_flush, NULL);
	ck_assert_int_eq(gpa_set_state(&g, PAGE_SIZE, PAGE_SIZE, GPA_PG_WP, 0), 0);
	gpa_flush_async(&g);
	ck_assert_uint_eq(flushes_seen, 0);
	ck_assert(!g.stale);
	gpa_flush(&g);
	ck_assert_uint_eq(flushes_seen, 1);
	ck_assert_uint_eq(g.flush_done, g.flush_asked);
	/* Done and nothing new: nothing to wait for. */
	gpa_flush(&g);
	ck_assert_uint_eq(flushes_seen, 1);
	/* An asynchronous flush with nothing stale asks nothing. */
	gpa_flush_async(&g);
	gpa_flush(&g);
	ck_assert_uint_eq(flushes_seen, 1);
	/* Under way on "another core": the second caller flushes again. */
	gpa_set_flush(&g, on_flush_nested, NULL);
	nested_left = 1;
	ck_assert_int_eq(gpa_set_state(&g, 2 * PAGE_SIZE, PAGE_SIZE, GPA_PG_WP, 0), 0);
	gpa_flush(&g);
	ck_assert_uint_eq(flushes_seen, 3);
	ck_assert_uint_eq(g.flush_done, g.flush_asked);
	gpa_flush(&g);
	ck_assert_uint_eq(flushes_seen, 3);
	gpa_set_flush(&g, NULL, NULL);
}
END_TEST

START_TEST(noaccess_and_pins)
{
	u64 page = 2 * SZ_2M + 7 * PAGE_SIZE;

	/* Pinned (DMA) pages are never taken away; nothing changes. */
	ck_assert_int_eq(gpa_set_state(&g, page, PAGE_SIZE, GPA_PG_PINNED, 0), 0);
	ck_assert_int_eq(gpa_set_state(&g, page - PAGE_SIZE, 2 * PAGE_SIZE,
				       GPA_PG_NOACCESS, 0), -1);
	ck_assert_uint_eq(gpa_page_state(&g, page - PAGE_SIZE), 0);
	/* Unpinned: gone from the guest, still tern's. */
	ck_assert_int_eq(gpa_set_state(&g, page, PAGE_SIZE, GPA_PG_NOACCESS, GPA_PG_PINNED), 0);
	ck_assert(!gpa_lookup(&g, page, NULL, NULL));
	ck_assert_ptr_nonnull(gpa_to_hva(&g, page));
	ck_assert(g.stale);
	ck_assert_int_eq(gpa_fault(&g, page, GPA_ACCESS_READ, 0), GPA_FAULT_STOP);
	/* Back. */
	ck_assert_int_eq(gpa_set_state(&g, page, PAGE_SIZE, 0, GPA_PG_NOACCESS), 0);
	ck_assert(gpa_lookup(&g, page, NULL, NULL));
	/* Not RAM, or unaligned: refused. */
	ck_assert_int_eq(gpa_set_state(&g, 0xfee00000, PAGE_SIZE, GPA_PG_WP, 0), -1);
	ck_assert_int_eq(gpa_set_state(&g, 100, PAGE_SIZE, GPA_PG_WP, 0), -1);
}
END_TEST

struct walk {
	int n;
	u64 total, wp_len;
};

static int count(u64 gpa, u64 hpa, u64 len, u32 perm, void *ctx)
{
	struct walk *w = ctx;

	(void)gpa; (void)hpa;
	w->n++;
	w->total += len;
	if (perm == MAP_X)
		w->wp_len += len;
	return 0;
}

START_TEST(walk_and_mmio)
{
	struct walk w = { 0 };
	u32 perm;

	ck_assert_int_eq(gpa_set_state(&g, SZ_2M, 2 * PAGE_SIZE, GPA_PG_WP, 0), 0);
	ck_assert_int_eq(gpa_set_state(&g, SZ_2M + 5 * PAGE_SIZE, PAGE_SIZE, GPA_PG_NOACCESS, 0), 0);
	ck_assert_int_eq(gpa_walk(&g, 0, 0x100000000ULL, count, &w), 0);
	ck_assert_uint_eq(w.total, 3 * SZ_2M + 8192 - PAGE_SIZE);
	ck_assert_uint_eq(w.wp_len, 2 * PAGE_SIZE);
	ck_assert_int_ge(w.n, 3);		/* split by permissions and the hole */
	/* A device page outside RAM, then gone; never over RAM. */
	ck_assert_int_eq(gpa_map_mmio(&g, 0xfeb00000, 0xfeb00000, PAGE_SIZE, true), 0);
	ck_assert(gpa_lookup(&g, 0xfeb00000, NULL, &perm));
	ck_assert_uint_eq(perm, MAP_W);
	ck_assert_int_ne(gpa_map_mmio(&g, SZ_2M, 0xfeb00000, PAGE_SIZE, true), 0);
	ck_assert_int_eq(gpa_unmap_mmio(&g, 0xfeb00000, PAGE_SIZE), 0);
	ck_assert(!gpa_lookup(&g, 0xfeb00000, NULL, NULL));
}
END_TEST

START_TEST(fragmented_host)
{
	struct gpa_map f;

	no_large = true;
	ck_assert_int_eq(gpa_map_create(&f, SZ_2M + PAGE_SIZE, &ops), 0);
	ck_assert_uint_eq(f.large_runs, 0);
	ck_assert_uint_eq(f.small_pages, 513);
	ck_assert(gpa_copy_to(&f, SZ_2M - 2, "abcd", 5));
	ck_assert_str_eq(gpa_to_hva(&f, SZ_2M), "cd");
	frees = 0;
	gpa_map_destroy(&f);
	ck_assert_uint_ge(frees, 513);			/* RAM and tables back */
}
END_TEST

static u64 hole_alloc(u64 pages, u64 align)
{
	(void)pages; (void)align;
	return 0xaf000000;	/* runs into the guest's 32-bit device hole */
}

static const struct gpa_ops hole_ops = { hole_alloc, fake_free, fake_p2v };

/* iommu = off-unsafe: the device DMAs to guest-physical = host-physical. */
START_TEST(identity)
{
	struct gpa_map f;
	u64 hpa, base;

	ck_assert_int_eq(gpa_map_create_identity(&f, 8 * SZ_1M, &ops), 0);
	base = f.high_base;
	ck_assert(f.identity);
	ck_assert_uint_eq(base & (SZ_2M - 1), 0);
	ck_assert_uint_eq(f.low_size, SZ_1M);
	ck_assert_uint_eq(f.high_size, 7 * SZ_1M);
	ck_assert(gpa_is_ram(&f, 0x9f000, PAGE_SIZE));
	ck_assert(!gpa_is_ram(&f, SZ_1M, 1));		/* the gap below the range */
	ck_assert(gpa_is_ram(&f, base, 7 * SZ_1M));
	ck_assert(!gpa_is_ram(&f, base, 7 * SZ_1M + 1));
	/* High RAM: the guest's address is the host's, large pages. */
	ck_assert(gpa_lookup(&f, base + 0x123456, &hpa, NULL));
	ck_assert_uint_eq(hpa, base + 0x123456);
	ck_assert_ptr_eq(gpa_to_hva(&f, base + 8), (void *)(uintptr_t)(base + 8));
	ck_assert_uint_eq(f.large_runs, 4);
	/* The first MiB is ordinary RAM, elsewhere on the host. */
	ck_assert(gpa_lookup(&f, 0x7000, &hpa, NULL));
	ck_assert_uint_ne(hpa, 0x7000);
	ck_assert(gpa_copy_to(&f, base + SZ_2M - 2, "abcd", 5));
	ck_assert_str_eq((char *)(uintptr_t)(base + SZ_2M), "cd");
	/* Page state works there as anywhere. */
	ck_assert_int_eq(gpa_set_state(&f, base + SZ_2M, PAGE_SIZE, GPA_PG_PINNED, 0), 0);
	ck_assert_uint_eq(gpa_page_state(&f, base + SZ_2M), GPA_PG_PINNED);
	frees = 0;
	gpa_map_destroy(&f);
	ck_assert_uint_ge(frees, 256 + 7 * 256);	/* both banks back */
	/* A host range in the 32-bit hole would put RAM under the guest's
	 * ECAM and APICs: refused, and given back. */
	frees = 0;
	ck_assert_int_eq(gpa_map_create_identity(&f, 64 * SZ_1M, &hole_ops), PT_ERR_RANGE);
	ck_assert_uint_eq(frees, 63 * 256);
	ck_assert_int_eq(gpa_map_create_identity(&f, SZ_1M, &ops), PT_ERR_RANGE);
}
END_TEST

/* Handlers that log their calls, for the chains below. */
struct probe {
	struct gpa_fault_handler h;
	char name;
	enum gpa_fault answer;
	u32 waiter;
};

static char calls[16];

static enum gpa_fault probe_fault(struct gpa_map *m, u64 gpa, u32 access, u32 waiter, void *ctx)
{
	struct probe *p = ctx;
	size_t n = strlen(calls);

	(void)m; (void)gpa; (void)access;
	if (n + 1 < sizeof(calls))
		calls[n] = p->name;
	p->waiter = waiter;
	return p->answer;
}

static void probe_init(struct probe *p, char name, u8 bit, enum gpa_fault answer)
{
	*p = (struct probe){ .h = { .fn = probe_fault, .ctx = p, .state_bit = bit },
			     .name = name, .answer = answer, .waiter = ~0u };
	ck_assert_int_eq(gpa_add_fault_handler(&g, &p->h), 0);
}

static enum gpa_fault fault(u64 gpa, u32 access)
{
	memset(calls, 0, sizeof(calls));
	return gpa_fault(&g, gpa, access, 1);
}

#define WP_PAGE		(SZ_2M + 3 * PAGE_SIZE)
#define NA_PAGE		(SZ_2M + 4 * PAGE_SIZE)

START_TEST(handlers_by_bit)
{
	struct probe w, n;

	ck_assert_int_eq(gpa_set_state(&g, WP_PAGE, PAGE_SIZE, GPA_PG_WP, 0), 0);
	ck_assert_int_eq(gpa_set_state(&g, NA_PAGE, PAGE_SIZE, GPA_PG_NOACCESS, 0), 0);
	probe_init(&n, 'n', GPA_PG_NOACCESS, GPA_FAULT_RETRY);
	probe_init(&w, 'w', GPA_PG_WP, GPA_FAULT_RETRY);
	/* Each bit's fault goes to its own handler only. */
	ck_assert_int_eq(fault(WP_PAGE + 8, GPA_ACCESS_WRITE), GPA_FAULT_RETRY);
	ck_assert_str_eq(calls, "w");
	ck_assert_int_eq(fault(NA_PAGE, GPA_ACCESS_READ), GPA_FAULT_RETRY);
	ck_assert_str_eq(calls, "n");
	ck_assert_int_eq(fault(NA_PAGE, GPA_ACCESS_EXEC), GPA_FAULT_RETRY);
	ck_assert_str_eq(calls, "n");
	/* A read or fetch does not violate WP: stale, nobody asked. */
	ck_assert_int_eq(fault(WP_PAGE, GPA_ACCESS_READ | GPA_ACCESS_EXEC), GPA_FAULT_RETRY);
	ck_assert_str_eq(calls, "");
	ck_assert_uint_eq(g.faults, 3);
	ck_assert_uint_eq(g.faults_unhandled, 0);
	/* Only the protection bits; and never twice (a loop). */
	w.h.state_bit = GPA_PG_PINNED;
	ck_assert_int_eq(gpa_add_fault_handler(&g, &w.h), -1);
	w.h.state_bit = GPA_PG_WP;
	ck_assert_int_eq(gpa_add_fault_handler(&g, &w.h), -1);
	ck_assert_int_eq(fault(WP_PAGE, GPA_ACCESS_WRITE), GPA_FAULT_RETRY);
	ck_assert_str_eq(calls, "w");
}
END_TEST

START_TEST(pass_falls_through)
{
	struct probe a, b, c;

	ck_assert_int_eq(gpa_set_state(&g, WP_PAGE, PAGE_SIZE, GPA_PG_WP, 0), 0);
	probe_init(&a, 'a', GPA_PG_WP, GPA_FAULT_PASS);
	probe_init(&b, 'b', GPA_PG_NOACCESS, GPA_FAULT_RETRY);
	probe_init(&c, 'c', GPA_PG_WP, GPA_FAULT_RETRY);
	/* Registration order; the NOACCESS one skipped. */
	ck_assert_int_eq(fault(WP_PAGE, GPA_ACCESS_WRITE), GPA_FAULT_RETRY);
	ck_assert_str_eq(calls, "ac");
	ck_assert_uint_eq(g.faults_unhandled, 0);
	/* The first answer other than PASS is the fault's. */
	a.answer = GPA_FAULT_STOP;
	ck_assert_int_eq(fault(WP_PAGE, GPA_ACCESS_WRITE), GPA_FAULT_STOP);
	ck_assert_str_eq(calls, "a");
	ck_assert_uint_eq(g.faults_unhandled, 1);
	/* Everyone passes: nobody's, the VM stops. */
	a.answer = c.answer = GPA_FAULT_PASS;
	ck_assert_int_eq(fault(WP_PAGE, GPA_ACCESS_WRITE), GPA_FAULT_STOP);
	ck_assert_str_eq(calls, "ac");
	ck_assert_uint_eq(g.faults_unhandled, 2);
	ck_assert_uint_eq(g.faults, 3);
}
END_TEST

/* A handler that finds the page's rights already back (another core
 * lifted the protection after the map read the state): not its own, but
 * the access runs again rather than stopping the VM. */
static enum gpa_fault lifted_meanwhile(struct gpa_map *m, u64 gpa, u32 access, u32 waiter,
				       void *ctx)
{
	gpa_set_state(m, gpa & ~(u64)(PAGE_SIZE - 1), PAGE_SIZE, 0, GPA_PG_WP);
	return GPA_FAULT_PASS;
}

START_TEST(pass_after_rights_came_back_retries)
{
	struct gpa_fault_handler h = { .fn = lifted_meanwhile, .state_bit = GPA_PG_WP };

	ck_assert_int_eq(gpa_add_fault_handler(&g, &h), 0);
	ck_assert_int_eq(gpa_set_state(&g, WP_PAGE, PAGE_SIZE, GPA_PG_WP, 0), 0);
	ck_assert_int_eq(fault(WP_PAGE, GPA_ACCESS_WRITE), GPA_FAULT_RETRY);
	ck_assert_uint_eq(g.faults_unhandled, 0);
	gpa_remove_fault_handler(&g, &h);
}
END_TEST

START_TEST(no_handler_stops)
{
	struct probe w;

	ck_assert_int_eq(gpa_set_state(&g, NA_PAGE, PAGE_SIZE, GPA_PG_NOACCESS, 0), 0);
	ck_assert_int_eq(fault(NA_PAGE, GPA_ACCESS_READ), GPA_FAULT_STOP);
	ck_assert_uint_eq(g.faults, 1);
	ck_assert_uint_eq(g.faults_unhandled, 1);
	/* A handler of the other bit does not take it either. */
	probe_init(&w, 'w', GPA_PG_WP, GPA_FAULT_RETRY);
	ck_assert_int_eq(fault(NA_PAGE, GPA_ACCESS_WRITE), GPA_FAULT_STOP);
	ck_assert_str_eq(calls, "");
	ck_assert_uint_eq(g.faults_unhandled, 2);
	/* An outcome only the map gives is a refusal. */
	ck_assert_int_eq(gpa_set_state(&g, WP_PAGE, PAGE_SIZE, GPA_PG_WP, 0), 0);
	w.answer = GPA_FAULT_NOT_RAM;
	ck_assert_int_eq(fault(WP_PAGE, GPA_ACCESS_WRITE), GPA_FAULT_STOP);
	ck_assert_uint_eq(g.faults_unhandled, 3);
}
END_TEST

START_TEST(removed_handler)
{
	struct probe a, b, c;

	ck_assert_int_eq(gpa_set_state(&g, WP_PAGE, PAGE_SIZE, GPA_PG_WP, 0), 0);
	probe_init(&a, 'a', GPA_PG_WP, GPA_FAULT_PASS);
	probe_init(&b, 'b', GPA_PG_WP, GPA_FAULT_PASS);
	probe_init(&c, 'c', GPA_PG_WP, GPA_FAULT_RETRY);
	ck_assert_int_eq(fault(WP_PAGE, GPA_ACCESS_WRITE), GPA_FAULT_RETRY);
	ck_assert_str_eq(calls, "abc");
	gpa_remove_fault_handler(&g, &b.h);
	ck_assert_int_eq(fault(WP_PAGE, GPA_ACCESS_WRITE), GPA_FAULT_RETRY);
	ck_assert_str_eq(calls, "ac");
	/* Again: nothing (it is not in). Then the last, then the first. */
	gpa_remove_fault_handler(&g, &b.h);
	gpa_remove_fault_handler(&g, &c.h);
	ck_assert_int_eq(fault(WP_PAGE, GPA_ACCESS_WRITE), GPA_FAULT_STOP);
	ck_assert_str_eq(calls, "a");
	gpa_remove_fault_handler(&g, &a.h);
	ck_assert_ptr_null(g.handlers);
	ck_assert_int_eq(fault(WP_PAGE, GPA_ACCESS_WRITE), GPA_FAULT_STOP);
	ck_assert_str_eq(calls, "");
	/* Back in, at the end. */
	ck_assert_int_eq(gpa_add_fault_handler(&g, &c.h), 0);
	ck_assert_int_eq(gpa_add_fault_handler(&g, &b.h), 0);
	ck_assert_int_eq(fault(WP_PAGE, GPA_ACCESS_WRITE), GPA_FAULT_RETRY);
	ck_assert_str_eq(calls, "c");
}
END_TEST

static u32 woken[4], nwoken;
static void *wake_ctx_seen;

static void on_wake(struct gpa_map *m, u32 waiter, void *ctx)
{
	ck_assert_ptr_eq(m, &g);
	wake_ctx_seen = ctx;
	if (nwoken < 4)
		woken[nwoken++] = waiter;
}

/* The swapper's case: a disk read under way, the vCPU sleeps. */
START_TEST(wait_and_wake)
{
	struct probe s;
	int ctx;

	nwoken = 0;
	gpa_set_waker(&g, on_wake, &ctx);
	ck_assert_int_eq(gpa_set_state(&g, NA_PAGE, PAGE_SIZE, GPA_PG_NOACCESS, 0), 0);
	probe_init(&s, 's', GPA_PG_NOACCESS, GPA_FAULT_WAIT);
	memset(calls, 0, sizeof(calls));
	ck_assert_int_eq(gpa_fault(&g, NA_PAGE + 4, GPA_ACCESS_READ, 3), GPA_FAULT_WAIT);
	ck_assert_str_eq(calls, "s");
	ck_assert_uint_eq(s.waiter, 3);
	ck_assert_uint_eq(g.waits, 1);
	ck_assert_uint_eq(g.faults_unhandled, 0);
	ck_assert_uint_eq(nwoken, 0);		/* nobody woken before the work is done */
	/* The read completes: the page back, the vCPU that waited woken. */
	ck_assert_int_eq(gpa_set_state(&g, NA_PAGE, PAGE_SIZE, 0, GPA_PG_NOACCESS), 0);
	gpa_wake(&g, s.waiter);
	ck_assert_uint_eq(nwoken, 1);
	ck_assert_uint_eq(woken[0], 3);
	ck_assert_ptr_eq(wake_ctx_seen, &ctx);
	ck_assert_uint_eq(g.wakes, 1);
	ck_assert_int_eq(gpa_fault(&g, NA_PAGE + 4, GPA_ACCESS_READ, 3), GPA_FAULT_RETRY);
	/* Another vCPU's fault: its own index reaches the handler. */
	ck_assert_int_eq(gpa_set_state(&g, NA_PAGE, PAGE_SIZE, GPA_PG_NOACCESS, 0), 0);
	ck_assert_int_eq(gpa_fault(&g, NA_PAGE, GPA_ACCESS_WRITE, 0), GPA_FAULT_WAIT);
	ck_assert_uint_eq(s.waiter, 0);
	ck_assert_uint_eq(g.waits, 2);
	/* No waker yet (a VM still starting): counted, nothing called. */
	gpa_set_waker(&g, NULL, NULL);
	gpa_wake(&g, 1);
	ck_assert_uint_eq(nwoken, 1);
	ck_assert_uint_eq(g.wakes, 2);
}
END_TEST

START_TEST(pinned_and_wp)
{
	struct probe w, n;
	u64 page = NA_PAGE;

	probe_init(&w, 'w', GPA_PG_WP, GPA_FAULT_PASS);
	probe_init(&n, 'n', GPA_PG_NOACCESS, GPA_FAULT_RETRY);
	/* Pinned alone takes no right away: never a handler's. */
	ck_assert_int_eq(gpa_set_state(&g, page, PAGE_SIZE, GPA_PG_PINNED, 0), 0);
	ck_assert_int_eq(fault(page, GPA_ACCESS_WRITE), GPA_FAULT_RETRY);
	ck_assert_str_eq(calls, "");
	ck_assert_uint_eq(g.faults, 0);
	/* Pinned and write-protected (DMA reads it, the guest's writes are
	 * watched): WP handlers only, and no-access still refused. */
	ck_assert_int_eq(gpa_set_state(&g, page, PAGE_SIZE, GPA_PG_WP, 0), 0);
	ck_assert_int_eq(gpa_set_state(&g, page, PAGE_SIZE, GPA_PG_NOACCESS, 0), -1);
	ck_assert_uint_eq(gpa_page_state(&g, page), GPA_PG_PINNED | GPA_PG_WP);
	ck_assert_int_eq(fault(page, GPA_ACCESS_WRITE), GPA_FAULT_STOP);
	ck_assert_str_eq(calls, "w");
	ck_assert_int_eq(fault(page, GPA_ACCESS_READ), GPA_FAULT_RETRY);
	ck_assert_str_eq(calls, "");
	/* Unpinned, WP and no-access: a read is NOACCESS's only, a write
	 * violates both, asked in registration order. */
	ck_assert_int_eq(gpa_set_state(&g, page, PAGE_SIZE, GPA_PG_NOACCESS, GPA_PG_PINNED), 0);
	ck_assert_int_eq(fault(page, GPA_ACCESS_READ), GPA_FAULT_RETRY);
	ck_assert_str_eq(calls, "n");
	ck_assert_int_eq(fault(page, GPA_ACCESS_WRITE), GPA_FAULT_RETRY);
	ck_assert_str_eq(calls, "wn");
}
END_TEST

/* An overcommitted VM's map: frames page by page, for the swapper. */
START_TEST(sparse_frames)
{
	u64 f1, f2, f3, hpa, *e;
	u32 perm;
	bool dirty = false;

	/* A dense map has no per-page frames to give or take. */
	ck_assert_int_eq(gpa_page_install(&g, 0x5000, fake_alloc(1, PAGE_SIZE)), -1);
	ck_assert_uint_eq(gpa_page_release(&g, 0x5000), 0);
	gpa_map_destroy(&g);
	ck_assert_int_eq(gpa_map_create_sparse(&g, 8 * SZ_1M, &ops), 0);
	ck_assert(g.sparse);
	ck_assert_uint_eq(g.large_runs + g.small_pages, 0);
	ck_assert_ptr_null(gpa_to_hva(&g, 0x5000));
	ck_assert(!gpa_copy_to(&g, 0x5000, "x", 1));
	ck_assert(!gpa_lookup(&g, 0x5000, NULL, NULL));
	ck_assert(gpa_page_state(&g, 0x5000) & GPA_PG_NOACCESS);
	/* Pinning a page without a frame is refused (no-access). */
	ck_assert_int_eq(gpa_set_state(&g, 0x5000, PAGE_SIZE, GPA_PG_PINNED, 0), -1);

	f1 = fake_alloc(1, PAGE_SIZE);
	ck_assert_int_eq(gpa_page_install(&g, 0x5001, f1), -1);		/* unaligned */
	ck_assert_int_eq(gpa_page_install(&g, 0xc0000000ULL, f1), -1);	/* not RAM */
	ck_assert_int_eq(gpa_page_install(&g, 0x5000, f1), 0);
	ck_assert_int_eq(gpa_page_install(&g, 0x5000, f1), -1);		/* has one */
	ck_assert(gpa_lookup(&g, 0x5000, &hpa, &perm));
	ck_assert_uint_eq(hpa, f1);
	ck_assert_uint_eq(perm, MAP_W | MAP_X);
	ck_assert(!(gpa_page_state(&g, 0x5000) & GPA_PG_NOACCESS));
	ck_assert_ptr_eq(gpa_to_hva(&g, 0x5010), (void *)(uintptr_t)(f1 + 0x10));
	ck_assert(gpa_copy_to(&g, 0x5000, "x", 1));

	/* The CPU sets A and D: A is cleared as it is read, D never. */
	e = pt_leaf(&g.ept, 0x5000);
	ck_assert_ptr_nonnull(e);
	*e |= EPT_A | EPT_D;
	ck_assert(gpa_page_test_clear_accessed(&g, 0x5000));
	ck_assert(!gpa_page_test_clear_accessed(&g, 0x5000));
	ck_assert(gpa_page_dirty(&g, 0x5000));
	ck_assert(gpa_page_dirty(&g, 0x5fff));
	/* A mapped page's frame cannot be taken. */
	ck_assert_uint_eq(gpa_page_release(&g, 0x5000), 0);

	/* Evict: the entry goes with its D flag; the frame stays. */
	g.stale = false;
	ck_assert_int_eq(gpa_page_evict(&g, 0x5000, &dirty), 0);
	ck_assert(dirty);
	ck_assert(g.stale);
	ck_assert(!gpa_lookup(&g, 0x5000, NULL, NULL));
	ck_assert(gpa_page_state(&g, 0x5000) & GPA_PG_NOACCESS);
	ck_assert(gpa_page_has_frame(&g, 0x5000));
	ck_assert_ptr_nonnull(gpa_to_hva(&g, 0x5000));
	/* Restored (a fault while it was on its way out): A and D clear. */
	ck_assert_int_eq(gpa_page_restore(&g, 0x5000), 0);
	e = pt_leaf(&g.ept, 0x5000);
	ck_assert_uint_eq(*e & (EPT_A | EPT_D), 0);
	ck_assert_int_eq(gpa_page_evict(&g, 0x5000, &dirty), 0);
	ck_assert(!dirty);
	ck_assert_uint_eq(gpa_page_release(&g, 0x5000), f1);
	ck_assert_uint_eq(gpa_page_release(&g, 0x5000), 0);
	ck_assert_ptr_null(gpa_to_hva(&g, 0x5000));
	ck_assert_int_eq(gpa_page_restore(&g, 0x5000), -1);
	ck_assert_int_eq(gpa_page_evict(&g, 0x5000, &dirty), -1);

	/* Pinned pages are never evicted. */
	f2 = fake_alloc(1, PAGE_SIZE);
	ck_assert_int_eq(gpa_page_install(&g, 0x6000, f2), 0);
	ck_assert_int_eq(gpa_set_state(&g, 0x6000, PAGE_SIZE, GPA_PG_PINNED, 0), 0);
	ck_assert_int_eq(gpa_page_evict(&g, 0x6000, &dirty), -1);
	ck_assert(gpa_lookup(&g, 0x6000, NULL, NULL));
	/* A write-protected page gets its frame read/execute. */
	ck_assert_int_eq(gpa_set_state(&g, 0x7000, PAGE_SIZE, GPA_PG_WP, 0), 0);
	ck_assert(!gpa_lookup(&g, 0x7000, NULL, NULL));		/* still no frame */
	f3 = fake_alloc(1, PAGE_SIZE);
	ck_assert_int_eq(gpa_page_install(&g, 0x7000, f3), 0);
	ck_assert(gpa_lookup(&g, 0x7000, NULL, &perm));
	ck_assert_uint_eq(perm, MAP_X);
	/* The EPT pointer asks for A/D only when told to. */
	ck_assert(!(gpa_map_eptp(&g) & EPTP_AD));
	gpa_set_ad(&g, true);
	ck_assert(gpa_map_eptp(&g) & EPTP_AD);
	/* Destroying it frees the frames it still has (and its tables). */
	frees = 0;
	gpa_map_destroy(&g);
	ck_assert_uint_ge(frees, 2);
	ck_assert_int_eq(gpa_map_create(&g, SZ_2M, &ops), 0);	/* for teardown */
}
END_TEST

/* A fake swapper for tern's own accesses: frames on demand, holds counted. */
static int fake_holds, fake_writes, fake_gets;
static bool fake_on_disk;

static int fake_get(struct gpa_map *m, u64 page, u32 flags, void *ctx)
{
	(void)ctx;
	fake_gets++;
	if (fake_on_disk && (flags & GPA_GET_NOWAIT))
		return -EAGAIN;
	if (!gpa_page_has_frame(m, page) && gpa_page_install(m, page, fake_alloc(1, PAGE_SIZE)))
		return -ENOMEM;
	fake_holds++;
	fake_writes += !!(flags & GPA_GET_WRITE);
	return 0;
}

static void fake_put(struct gpa_map *m, u64 page, void *ctx)
{
	(void)m;
	(void)page;
	(void)ctx;
	fake_holds--;
}

static const struct gpa_access_ops fake_access = { fake_get, fake_put };

/* tern's accessor: a dense map answers at once, a sparse one asks. */
START_TEST(get_put_page)
{
	char buf[8];
	int err = 0;
	u8 *p;

	fake_holds = fake_writes = fake_gets = 0;
	fake_on_disk = false;
	/* Dense: the frame, no hold taken. */
	gpa_set_access(&g, &fake_access, NULL);
	ck_assert_ptr_eq(gpa_get_page(&g, 0x1234, GPA_GET_WRITE, NULL), gpa_to_hva(&g, 0x1234));
	gpa_put_page(&g, 0x1234);
	ck_assert_int_eq(fake_gets, 0);
	ck_assert_ptr_null(gpa_get_page(&g, 0xc0000000ULL, 0, &err));
	ck_assert_int_eq(err, -EFAULT);
	gpa_map_destroy(&g);

	ck_assert_int_eq(gpa_map_create_sparse(&g, 8 * SZ_1M, &ops), 0);
	/* No access ops: a page without a frame is not there. */
	ck_assert_ptr_null(gpa_get_page(&g, 0x3000, 0, NULL));
	gpa_set_access(&g, &fake_access, NULL);
	p = gpa_get_page(&g, 0x3ffe, GPA_GET_WRITE, &err);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_eq(p, gpa_to_hva(&g, 0x3ffe));
	ck_assert_int_eq(fake_holds, 1);
	ck_assert_int_eq(fake_writes, 1);
	gpa_put_page(&g, 0x3ffe);
	ck_assert_int_eq(fake_holds, 0);
	/* Copies cross pages, each held while copied, writes counted. */
	ck_assert(gpa_copy_to(&g, 0x4ffc, "crossing", 8));
	ck_assert_int_eq(fake_writes, 3);
	ck_assert(gpa_copy_from(&g, 0x4ffc, buf, 8));
	ck_assert(!memcmp(buf, "crossing", 8));
	ck_assert_int_eq(fake_writes, 3);
	ck_assert_int_eq(fake_holds, 0);
	ck_assert(!gpa_copy_from(&g, g.low_size - 4, buf, 8));	/* past RAM */
	/* A caller that cannot wait hears so. */
	fake_on_disk = true;
	ck_assert_ptr_null(gpa_get_page(&g, 0x9000, GPA_GET_NOWAIT, &err));
	ck_assert_int_eq(err, -EAGAIN);
	/* One that can wait gets it. */
	ck_assert(gpa_copy_from(&g, 0x9000, buf, 1));
	ck_assert_int_eq(fake_holds, 0);
}
END_TEST

Suite *gpa_suite(void)
{
	Suite *s = suite_create("gpa");
	TCase *tc = tcase_create("map");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, layout);
	tcase_add_test(tc, ram);
	tcase_add_test(tc, protection_and_faults);
	tcase_add_test(tc, flush_waits_for_flushes_asked);
	tcase_add_test(tc, noaccess_and_pins);
	tcase_add_test(tc, walk_and_mmio);
	tcase_add_test(tc, fragmented_host);
	tcase_add_test(tc, identity);
	tcase_add_test(tc, handlers_by_bit);
	tcase_add_test(tc, pass_falls_through);
	tcase_add_test(tc, pass_after_rights_came_back_retries);
	tcase_add_test(tc, no_handler_stops);
	tcase_add_test(tc, removed_handler);
	tcase_add_test(tc, wait_and_wake);
	tcase_add_test(tc, pinned_and_wp);
	tcase_add_test(tc, sparse_frames);
	tcase_add_test(tc, get_put_page);
	suite_add_tcase(s, tc);
	return s;
}
