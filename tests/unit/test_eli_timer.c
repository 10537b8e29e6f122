// SPDX-License-Identifier: GPL-2.0
#include "core/vdev/vlapic.h"
#include "tests/unit/suites.h"
#include "vmx/eli/timer_rules.h"

START_TEST(refusals)
{
	struct vec_set dev = { { 0 } };

	vec_set_add(&dev, 0x61);
	ck_assert_ptr_null(eli_timer_refusal(0x40, 0, &dev));
	ck_assert_ptr_null(eli_timer_refusal(0xec | (2u << 17), 0x20, &dev));
	ck_assert_str_eq(eli_timer_refusal(0x40 | LVT_MASK, 0, &dev),
			 "the guest's timer is masked");
	ck_assert_str_eq(eli_timer_refusal(0x1f, 0, &dev),
			 "the guest's timer vector is an exception's");
	ck_assert_str_eq(eli_timer_refusal(0x61, 0, &dev),
			 "the guest's timer shares its vector with a device");
	/* Held while its class is not above the TPR's class. */
	ck_assert_str_eq(eli_timer_refusal(0x40, 0x40, &dev),
			 "the guest's task priority holds its timer back");
	ck_assert_str_eq(eli_timer_refusal(0x4f, 0x4f, &dev),
			 "the guest's task priority holds its timer back");
	ck_assert_ptr_null(eli_timer_refusal(0x50, 0x4f, &dev));
}
END_TEST

START_TEST(outcomes)
{
	/* A vector still waiting in the IRR was never delivered, whatever
	 * the count says (it may have fired after the count was read). */
	ck_assert_int_eq(eli_timer_classify(true, true), ELI_TIMER_PENDING);
	ck_assert_int_eq(eli_timer_classify(false, true), ELI_TIMER_PENDING);
	ck_assert_int_eq(eli_timer_classify(true, false), ELI_TIMER_DELIVERED);
	ck_assert_int_eq(eli_timer_classify(false, false), ELI_TIMER_NOT_FIRED);
}
END_TEST

START_TEST(bounds)
{
	/* One-shot: only tern's own timers end the stint. */
	ck_assert_uint_eq(eli_timer_bound(1000, 0, 0), 0);
	ck_assert_uint_eq(eli_timer_bound(1000, 0, 700), 700);
	/* Periodic: half a period past the lent expiry, or tern's sooner. */
	ck_assert_uint_eq(eli_timer_bound(1000, 400, 0), 1200);
	ck_assert_uint_eq(eli_timer_bound(1000, 400, 5000), 1200);
	ck_assert_uint_eq(eli_timer_bound(1000, 400, 1100), 1100);
}
END_TEST

Suite *eli_timer_suite(void)
{
	Suite *s = suite_create("eli_timer");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, refusals);
	tcase_add_test(tc, outcomes);
	tcase_add_test(tc, bounds);
	suite_add_tcase(s, tc);
	return s;
}
