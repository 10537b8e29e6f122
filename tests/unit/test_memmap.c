// SPDX-License-Identifier: GPL-2.0
#include "mm/memmap.h"
#include "tests/unit/suites.h"

#define R(b, l, t) { (b), (l), (t), 0 }

START_TEST(sorted_and_merged)
{
	struct boot_mem_range in[] = {
		R(0x100000, 0x100000, BOOT_MEM_USABLE),
		R(0, 0x9f000, BOOT_MEM_USABLE),
		R(0x200000, 0x100000, BOOT_MEM_USABLE),	/* adjacent: merges */
	};
	struct memmap m;
	struct reports r = { 0 };

	ck_assert_int_eq(memmap_normalize(&m, in, 3, collect_report, &r), 0);
	ck_assert_uint_eq(m.count, 2);
	ck_assert_uint_eq(m.r[0].base, 0);
	ck_assert_uint_eq(m.r[1].base, 0x100000);
	ck_assert_uint_eq(m.r[1].len, 0x200000);
	ck_assert_uint_eq(memmap_total(&m, BOOT_MEM_USABLE), 0x9f000 + 0x200000);
}
END_TEST

START_TEST(overlap_stricter_wins_and_is_reported)
{
	struct boot_mem_range in[] = {
		R(0x100000, 0x400000, BOOT_MEM_USABLE),
		R(0x200000, 0x100000, BOOT_MEM_RESERVED),
	};
	struct memmap m;
	struct reports r = { 0 };

	ck_assert_int_eq(memmap_normalize(&m, in, 2, collect_report, &r), 1);
	ck_assert(reports_find(&r, "entry 1 [0x200000, +0x100000) overlaps entry 0"));
	ck_assert_uint_eq(m.count, 3);
	ck_assert_uint_eq(m.r[1].type, BOOT_MEM_RESERVED);
	ck_assert_uint_eq(m.r[1].base, 0x200000);
	ck_assert_uint_eq(memmap_total(&m, BOOT_MEM_USABLE), 0x300000);
}
END_TEST

START_TEST(tern_carve_out_is_silent)
{
	struct boot_mem_range in[] = {
		R(0x100000, 0x1000000, BOOT_MEM_USABLE),
		R(0x200000, 0x40000, BOOT_MEM_TERN),
	};
	struct memmap m;
	struct reports r = { 0 };

	ck_assert_int_eq(memmap_normalize(&m, in, 2, collect_report, &r), 0);
	ck_assert_uint_eq(memmap_total(&m, BOOT_MEM_TERN), 0x40000);
	ck_assert_uint_eq(memmap_total(&m, BOOT_MEM_USABLE), 0x1000000 - 0x40000);
}
END_TEST

START_TEST(absurd_entries_dropped)
{
	struct boot_mem_range in[] = {
		R(0x100000, 0, BOOT_MEM_USABLE),			/* empty */
		R(0xfffffffffffff000ULL, 0x2000, BOOT_MEM_USABLE),	/* wraps */
		R(1ULL << 60, 0x1000, BOOT_MEM_USABLE),			/* > 2^52 */
		R(0x100000, 0x1000, 77),				/* bad type */
		R(0x200000, 0x1000, BOOT_MEM_USABLE),
	};
	struct memmap m;
	struct reports r = { 0 };

	ck_assert_int_eq(memmap_normalize(&m, in, 5, collect_report, &r), 4);
	ck_assert(reports_find(&r, "entry 0 [0x100000, +0) is empty"));
	ck_assert(reports_find(&r, "entry 1 [0xfffffffffffff000, +0x2000) lies beyond"));
	ck_assert(reports_find(&r, "entry 2"));
	ck_assert(reports_find(&r, "unknown type 77, treated as reserved"));
	ck_assert_uint_eq(memmap_total(&m, BOOT_MEM_RESERVED), 0x1000);
	ck_assert_uint_eq(memmap_total(&m, BOOT_MEM_USABLE), 0x1000);
}
END_TEST

START_TEST(holes_stay_holes)
{
	struct boot_mem_range in[] = {
		R(0, 0x1000, BOOT_MEM_USABLE),
		R(0x10000, 0x1000, BOOT_MEM_USABLE),
	};
	struct memmap m;

	memmap_normalize(&m, in, 2, NULL, NULL);
	ck_assert_uint_eq(m.count, 2);
	ck_assert_uint_eq(m.r[1].base, 0x10000);
}
END_TEST

Suite *memmap_suite(void)
{
	Suite *s = suite_create("memmap");
	TCase *tc = tcase_create("normalize");

	tcase_add_test(tc, sorted_and_merged);
	tcase_add_test(tc, overlap_stricter_wins_and_is_reported);
	tcase_add_test(tc, tern_carve_out_is_silent);
	tcase_add_test(tc, absurd_entries_dropped);
	tcase_add_test(tc, holes_stay_holes);
	suite_add_tcase(s, tc);
	return s;
}
