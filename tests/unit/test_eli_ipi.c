// SPDX-License-Identifier: GPL-2.0
#include "irq/irq.h"
#include "tests/unit/suites.h"
#include "vmx/eli/ipi.h"

/* Which guest IPI vectors may go on the hardware. */
START_TEST(vector_refusals)
{
	struct vec_set dev = { { 0 } }, tmr = { { 0 } };

	vec_set_add(&dev, 0x61);
	vec_set_add(&tmr, 0xec);
	/* Linux's: reschedule, call-function (single), reboot, irq-work. */
	ck_assert_ptr_null(eli_ipi_vector_refusal(0xfd, &dev, &tmr));
	ck_assert_ptr_null(eli_ipi_vector_refusal(0xfc, &dev, &tmr));
	ck_assert_ptr_null(eli_ipi_vector_refusal(0xfb, &dev, &tmr));
	ck_assert_ptr_null(eli_ipi_vector_refusal(0xf8, &dev, &tmr));
	ck_assert_ptr_null(eli_ipi_vector_refusal(0xf6, &dev, &tmr));
	ck_assert_ptr_null(eli_ipi_vector_refusal(0x42, &dev, &tmr));
	ck_assert_ptr_null(eli_ipi_vector_refusal(VEC_CLAIM_LAST, &dev, &tmr));
	/* tern's fixed vectors, every one of them, and their neighbours. */
	for (u32 v = VEC_FIXED_FIRST; v <= VEC_FIXED_LAST; v++)
		ck_assert_str_eq(eli_ipi_vector_refusal((u8)v, &dev, &tmr),
				 "one of tern's fixed vectors");
	ck_assert_ptr_null(eli_ipi_vector_refusal(VEC_FIXED_FIRST - 1, &dev, &tmr));
	ck_assert_ptr_null(eli_ipi_vector_refusal(VEC_FIXED_LAST + 1, &dev, &tmr));
	ck_assert_str_eq(eli_ipi_vector_refusal(0xff, &dev, &tmr), "the spurious vector");
	ck_assert_str_eq(eli_ipi_vector_refusal(0x1f, &dev, &tmr), "an exception's vector");
	ck_assert_str_eq(eli_ipi_vector_refusal(0x61, &dev, &tmr), "a device of the VM uses it");
	ck_assert_str_eq(eli_ipi_vector_refusal(0xec, &dev, &tmr), "the guest's timer uses it");
}
END_TEST

/* tern's fixed vectors: where no Linux guest sends an IPI, above every
 * device vector tern hands out. */
START_TEST(fixed_vectors)
{
	ck_assert_uint_gt(VEC_FIXED_FIRST, VEC_DYN_LAST);
	ck_assert_uint_eq(VEC_FIXED_LAST - VEC_FIXED_FIRST, 3);
	ck_assert_uint_ge(VEC_HALT, VEC_FIXED_FIRST);
	ck_assert_uint_le(VEC_CALL, VEC_FIXED_LAST);
	ck_assert_uint_ge(VEC_KICK, VEC_FIXED_FIRST);
	ck_assert_uint_le(VEC_TIMER, VEC_FIXED_LAST);
	ck_assert_uint_lt(VEC_FIXED_LAST, 0xf4);
	ck_assert_uint_lt(VEC_CLAIM_LAST, VEC_SPURIOUS);
}
END_TEST

START_TEST(tpr)
{
	/* SDM 3A 11.8.3.1: held while its class is not above the TPR's. */
	ck_assert(!eli_ipi_tpr_holds(0xfd, 0));
	ck_assert(!eli_ipi_tpr_holds(0xfd, 0xef));
	ck_assert(eli_ipi_tpr_holds(0xfd, 0xf0));
	ck_assert(eli_ipi_tpr_holds(0x42, 0x4f));
	ck_assert(!eli_ipi_tpr_holds(0x50, 0x4f));
}
END_TEST

Suite *eli_ipi_suite(void)
{
	Suite *s = suite_create("eli_ipi");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, vector_refusals);
	tcase_add_test(tc, fixed_vectors);
	tcase_add_test(tc, tpr);
	suite_add_tcase(s, tc);
	return s;
}
