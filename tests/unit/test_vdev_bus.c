// SPDX-License-Identifier: GPL-2.0
#include "core/vdev/bus.h"
#include "tests/unit/suites.h"

static u64 last_addr;
static u32 last_arg, calls;

static bool rw(const struct vdev_region *r, u64 addr, u32 size, bool write, u64 *val)
{
	last_addr = addr;
	last_arg = r->arg;
	calls++;
	if (!write)
		*val = r->base + 0x1000 * r->arg;
	return true;
}

/* A device that only decodes byte accesses. */
static bool bytes_only(const struct vdev_region *r, u64 addr, u32 size, bool write, u64 *val)
{
	if (size != 1)
		return false;
	*val = 0x5a;
	return true;
}

static void add(struct vdev_bus *b, enum vdev_space s, u64 base, u64 len, u32 arg)
{
	const char *clash;

	ck_assert_int_eq(vdev_register(b, s, base, len, rw, NULL, arg, "dev", &clash), 0);
}

START_TEST(lookup_edges)
{
	struct vdev_bus b;
	struct vdev_region r;
	u64 val = 0;

	vdev_bus_clear(&b);
	/* Out of order on purpose: the table sorts itself. */
	add(&b, VDEV_PIO, 0x3f8, 8, 1);
	add(&b, VDEV_PIO, 0x20, 2, 2);
	add(&b, VDEV_PIO, 0xcfc, 4, 3);
	add(&b, VDEV_PIO, 0x40, 4, 4);
	ck_assert_uint_eq(b.space[VDEV_PIO].n, 4);
	for (u32 i = 1; i < 4; i++)
		ck_assert(b.space[VDEV_PIO].r[i - 1].end <= b.space[VDEV_PIO].r[i].base);
	ck_assert(vdev_lookup(&b, VDEV_PIO, 0x3f8, &r) && r.arg == 1);
	ck_assert(vdev_lookup(&b, VDEV_PIO, 0x3ff, &r) && r.arg == 1);
	ck_assert(!vdev_lookup(&b, VDEV_PIO, 0x400, &r));
	ck_assert(!vdev_lookup(&b, VDEV_PIO, 0x3f7, &r));
	ck_assert(!vdev_lookup(&b, VDEV_PIO, 0x0, &r));
	ck_assert(!vdev_lookup(&b, VDEV_PIO, 0xffff, &r));
	ck_assert(vdev_lookup(&b, VDEV_PIO, 0x21, &r) && r.arg == 2);
	ck_assert(vdev_lookup(&b, VDEV_PIO, 0xcff, &r) && r.arg == 3);
	/* The spaces are apart. */
	ck_assert(!vdev_lookup(&b, VDEV_MMIO, 0x3f8, &r));
	calls = 0;
	ck_assert(vdev_access(&b, NULL, VDEV_PIO, 0x43, 1, false, &val));
	ck_assert_uint_eq(calls, 1);
	ck_assert_uint_eq(last_addr, 0x43);	/* absolute, not an offset */
	ck_assert_uint_eq(val, 0x40 + 0x4000);
	ck_assert(!vdev_access(&b, NULL, VDEV_PIO, 0x44, 1, false, &val));
	ck_assert_uint_eq(calls, 1);
}
END_TEST

START_TEST(overlaps_refused)
{
	struct vdev_bus b;
	const char *clash;

	vdev_bus_clear(&b);
	ck_assert_int_eq(vdev_register(&b, VDEV_MMIO, 0xfec00000, 0x1000, rw, NULL, 0,
				       "I/O APIC", &clash), 0);
	/* Overlapping the start, the end, inside, around: each refused by name. */
	ck_assert_int_eq(vdev_register(&b, VDEV_MMIO, 0xfebff000, 0x2000, rw, NULL, 0, "x", &clash), -1);
	ck_assert_str_eq(clash, "I/O APIC");
	ck_assert_int_eq(vdev_register(&b, VDEV_MMIO, 0xfec00ff0, 0x20, rw, NULL, 0, "x", &clash), -1);
	ck_assert_int_eq(vdev_register(&b, VDEV_MMIO, 0xfec00100, 4, rw, NULL, 0, "x", &clash), -1);
	ck_assert_int_eq(vdev_register(&b, VDEV_MMIO, 0xfe000000, 0x2000000, rw, NULL, 0, "x", &clash), -1);
	/* Touching is not overlapping. */
	ck_assert_int_eq(vdev_register(&b, VDEV_MMIO, 0xfebff000, 0x1000, rw, NULL, 0, "x", &clash), 0);
	ck_assert_int_eq(vdev_register(&b, VDEV_MMIO, 0xfec01000, 0x1000, rw, NULL, 0, "y", &clash), 0);
	/* Empty and wrapping ranges. */
	ck_assert_int_eq(vdev_register(&b, VDEV_MMIO, 0x1000, 0, rw, NULL, 0, "z", &clash), -1);
	ck_assert_int_eq(vdev_register(&b, VDEV_MMIO, ~0ULL - 10, 100, rw, NULL, 0, "z", &clash), -1);
	ck_assert_uint_eq(b.space[VDEV_MMIO].n, 3);
}
END_TEST

START_TEST(unregister_and_full)
{
	struct vdev_bus b;
	struct vdev_region r;
	const char *clash;
	u64 gen;

	vdev_bus_clear(&b);
	for (u32 i = 0; i < VDEV_REGIONS_MAX; i++)
		add(&b, VDEV_MMIO, 0x100000 - 0x1000 * (u64)i, 0x1000, i);
	ck_assert_int_eq(vdev_register(&b, VDEV_MMIO, 0x200000, 0x1000, rw, NULL, 0, "x", &clash), -1);
	ck_assert_ptr_null(clash);
	for (u32 i = 0; i < VDEV_REGIONS_MAX; i++)
		ck_assert(vdev_lookup(&b, VDEV_MMIO, 0x100000 - 0x1000 * (u64)i + 0x800, &r) &&
			  r.arg == i);
	gen = b.generation;
	ck_assert_int_eq(vdev_unregister(&b, VDEV_MMIO, 0x100000 - 0x1000 * 5), 0);
	/* Each edit moves the generation by two: readers see it changed. */
	ck_assert_uint_eq(b.generation, gen + 2);
	ck_assert(!vdev_lookup(&b, VDEV_MMIO, 0x100000 - 0x1000 * 5, &r));
	ck_assert(vdev_lookup(&b, VDEV_MMIO, 0x100000 - 0x1000 * 4, &r) && r.arg == 4);
	ck_assert(vdev_lookup(&b, VDEV_MMIO, 0x100000 - 0x1000 * 6, &r) && r.arg == 6);
	/* Only a region's own base removes it. */
	ck_assert_int_eq(vdev_unregister(&b, VDEV_MMIO, 0x100000 - 0x1000 * 4 + 8), -1);
	ck_assert_int_eq(vdev_unregister(&b, VDEV_MMIO, 0x100000 - 0x1000 * 5), -1);
	/* Room again. */
	ck_assert_int_eq(vdev_register(&b, VDEV_MMIO, 0x200000, 0x1000, rw, NULL, 0, "x", &clash), 0);
}
END_TEST

START_TEST(declined_access)
{
	struct vdev_bus b;
	const char *clash;
	u64 val = 0;

	vdev_bus_clear(&b);
	ck_assert_int_eq(vdev_register(&b, VDEV_PIO, 0x70, 2, bytes_only, NULL, 0, "rtc", &clash), 0);
	ck_assert(vdev_access(&b, NULL, VDEV_PIO, 0x71, 1, false, &val));
	ck_assert_uint_eq(val, 0x5a);
	ck_assert(!vdev_access(&b, NULL, VDEV_PIO, 0x70, 2, false, &val));
}
END_TEST

START_TEST(hit_cache)
{
	struct vdev_bus b;
	struct vdev_hit hit = { 0 };
	u64 val = 0;

	vdev_bus_clear(&b);
	/* A zeroed cache on a fresh bus (generation 0) hits nothing. */
	ck_assert(!vdev_access(&b, &hit, VDEV_PIO, 0, 1, false, &val));
	add(&b, VDEV_PIO, 0x3f8, 8, 1);
	add(&b, VDEV_PIO, 0x80, 1, 2);
	ck_assert(vdev_access(&b, &hit, VDEV_PIO, 0x3fd, 1, false, &val));
	ck_assert_uint_eq(hit.r.arg, 1);
	ck_assert_uint_eq(hit.gen, b.generation);
	/* The same device again: served from the copy. */
	hit.r.arg = 7;
	ck_assert(vdev_access(&b, &hit, VDEV_PIO, 0x3f8, 1, false, &val));
	ck_assert_uint_eq(last_arg, 7);
	/* Another device: looked up. */
	ck_assert(vdev_access(&b, &hit, VDEV_PIO, 0x80, 1, true, &val));
	ck_assert_uint_eq(last_arg, 2);
	/* Gone from the bus: the cached copy must not answer. */
	ck_assert_int_eq(vdev_unregister(&b, VDEV_PIO, 0x80), 0);
	ck_assert(!vdev_access(&b, &hit, VDEV_PIO, 0x80, 1, true, &val));
	ck_assert_uint_eq(hit.r.end - hit.r.base, 0);
	ck_assert(!vdev_access(&b, &hit, VDEV_PIO, 0x80, 1, true, &val));
}
END_TEST

Suite *vdev_bus_suite(void)
{
	Suite *s = suite_create("vdev_bus");
	TCase *tc = tcase_create("bus");

	tcase_add_test(tc, lookup_edges);
	tcase_add_test(tc, overlaps_refused);
	tcase_add_test(tc, unregister_and_full);
	tcase_add_test(tc, declined_access);
	tcase_add_test(tc, hit_cache);
	suite_add_tcase(s, tc);
	return s;
}
