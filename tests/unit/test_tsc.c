// SPDX-License-Identifier: GPL-2.0
#include "core/tsc.h"
#include "tests/unit/suites.h"

START_TEST(choose)
{
	u32 src;

	/* Agreeing within 2%: CPUID's exact figure wins. */
	ck_assert_uint_eq(tsc_choose(2000000000, TSC_SRC_CPUID15, 2010000000,
				     TSC_SRC_PIT, &src), 2000000000);
	ck_assert_uint_eq(src, TSC_SRC_CPUID15);
	/* Bochs: CPUID says 1497.6 MHz, the TSC runs at the ips rate. */
	ck_assert_uint_eq(tsc_choose(1497600000, TSC_SRC_CPUID15, 10000000,
				     TSC_SRC_PIT, &src), 10000000);
	ck_assert_uint_eq(src, TSC_SRC_PIT);
	/* Only one of them. */
	ck_assert_uint_eq(tsc_choose(0, TSC_SRC_NONE, 3000000, TSC_SRC_PMTIMER, &src), 3000000);
	ck_assert_uint_eq(src, TSC_SRC_PMTIMER);
	ck_assert_uint_eq(tsc_choose(1000, TSC_SRC_CPUID16, 0, TSC_SRC_PIT, &src), 1000);
	ck_assert_uint_eq(src, TSC_SRC_CPUID16);
	ck_assert_uint_eq(tsc_choose(0, TSC_SRC_NONE, 0, TSC_SRC_PIT, &src), 0);
	ck_assert_uint_eq(src, TSC_SRC_NONE);
}
END_TEST

Suite *tsc_suite(void)
{
	Suite *s = suite_create("tsc");
	TCase *tc = tcase_create("choose");

	tcase_add_test(tc, choose);
	suite_add_tcase(s, tc);
	return s;
}
