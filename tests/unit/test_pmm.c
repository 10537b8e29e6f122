// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "mm/pmm.h"
#include "tests/unit/suites.h"

/* "Physical memory" for the tests: 64 MiB of host memory at pa 0. */
#define FAKE_SIZE	(64ULL << 20)
static u8 *fake;

static void *p2v(u64 pa)
{
	ck_assert(pa < FAKE_SIZE);
	return fake + pa;
}

static void setup(void)
{
	struct boot_mem_range in[] = {
		{ 0, 0x9f000, BOOT_MEM_USABLE, 0 },
		{ 0x100000, 0x1f00000, BOOT_MEM_USABLE, 0 },	/* 1 MiB - 32 MiB */
		{ 0x2000000, 0x100000, BOOT_MEM_RESERVED, 0 },
		{ 0x2100000, 0x1f00000, BOOT_MEM_USABLE, 0 },	/* 33 - 64 MiB */
	};
	struct memmap m;

	fake = calloc(1, FAKE_SIZE);
	memmap_normalize(&m, in, 4, NULL, NULL);
	ck_assert_int_eq(pmm_init(&m, p2v), 0);
}

static void teardown(void)
{
	free(fake);
}

START_TEST(init_counts)
{
	struct pmm_stats s;

	pmm_get_stats(&s);
	ck_assert_uint_eq(s.regions, 3);
	ck_assert_uint_eq(s.total_pages, 0x9f + 0x1f00 + 0x1f00);
	/* Bitmaps and page 0 are reserved. */
	ck_assert_uint_eq(s.free_pages, s.total_pages - 1 - s.bitmap_bytes / PAGE_SIZE);
	ck_assert(!pmm_is_free(0));
}
END_TEST

START_TEST(alloc_default_skips_low_memory)
{
	u64 pa = pmm_alloc(1);

	ck_assert_uint_ge(pa, SZ_1M);
	ck_assert(!pmm_is_free(pa));
}
END_TEST

START_TEST(alloc_below_1m_and_alignment)
{
	u64 low = pmm_alloc_range(1, PAGE_SIZE, 0x1000, SZ_1M);
	u64 al = pmm_alloc_range(4, SZ_2M, SZ_1M, ~0ULL);

	ck_assert_uint_ne(low, 0);
	ck_assert_uint_lt(low, SZ_1M);
	ck_assert_uint_ne(al, 0);
	ck_assert(IS_ALIGNED(al, SZ_2M));
}
END_TEST

START_TEST(contiguous_never_spans_a_hole)
{
	/* 31 MiB + 1 page cannot fit in either region. */
	ck_assert_uint_eq(pmm_alloc((0x1f00000 >> 12) + 1), 0);
	struct pmm_stats s;

	pmm_get_stats(&s);
	ck_assert_uint_eq(s.failed_allocs, 1);
}
END_TEST

START_TEST(free_and_double_free)
{
	struct pmm_stats a, b;
	u64 pa;

	pmm_get_stats(&a);
	pa = pmm_alloc(3);
	pmm_free(pa, 3);
	pmm_get_stats(&b);
	ck_assert_uint_eq(a.free_pages, b.free_pages);
	pmm_free(pa, 1);		/* already free */
	pmm_free(0x2000000, 1);		/* reserved, not managed */
	pmm_get_stats(&b);
	ck_assert_uint_eq(b.bad_frees, 2);
	ck_assert_uint_eq(a.free_pages, b.free_pages);
}
END_TEST

START_TEST(exhaustion_returns_zero)
{
	u64 n = 0;

	while (pmm_alloc_range(1, PAGE_SIZE, 0, ~0ULL))
		n++;
	struct pmm_stats s;

	pmm_get_stats(&s);
	ck_assert_uint_eq(s.free_pages, 0);
	ck_assert_uint_gt(n, 15000);
}
END_TEST

START_TEST(no_usable_memory_fails_init)
{
	struct boot_mem_range in[] = { { 0, 0x9f000, BOOT_MEM_RESERVED, 0 } };
	struct memmap m;

	memmap_normalize(&m, in, 1, NULL, NULL);
	ck_assert_int_eq(pmm_init(&m, p2v), -1);
}
END_TEST

Suite *pmm_suite(void)
{
	Suite *s = suite_create("pmm");
	TCase *tc = tcase_create("alloc");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, init_counts);
	tcase_add_test(tc, alloc_default_skips_low_memory);
	tcase_add_test(tc, alloc_below_1m_and_alignment);
	tcase_add_test(tc, contiguous_never_spans_a_hole);
	tcase_add_test(tc, free_and_double_free);
	tcase_add_test(tc, exhaustion_returns_zero);
	tcase_add_test(tc, no_usable_memory_fails_init);
	suite_add_tcase(s, tc);
	return s;
}
