// SPDX-License-Identifier: GPL-2.0
#include "tests/unit/suites.h"
#include "vmx/controls.h"
#include "vmx/vmcs.h"

START_TEST(compute)
{
	/* must-be-1: bits 1,2; may-be-1: bits 0-7 */
	u64 cap = 0x06 | (0xffULL << 32);
	u32 missing;

	ck_assert_uint_eq(vmx_ctl_compute(cap, 0x10, 0x100 | 0x20, &missing), 0x36);
	ck_assert_uint_eq(missing, 0);
	/* A required bit the CPU forbids is reported. */
	vmx_ctl_compute(cap, 0x300, 0, &missing);
	ck_assert_uint_eq(missing, 0x300);
	/* Optional bits the CPU forbids are dropped silently. */
	ck_assert_uint_eq(vmx_ctl_compute(cap, 0, 0xf00, &missing), 0x06);
	ck_assert_uint_eq(missing, 0);
}
END_TEST

START_TEST(fix_cr)
{
	/* CR0: PE, NE and PG forced on, CD/NW allowed. */
	ck_assert_uint_eq(vmx_fix_cr(0x11, 0x80000021, 0xffffffff), 0x80000031);
	/* CR4: VMXE forced on, bit 25 not allowed. */
	ck_assert_uint_eq(vmx_fix_cr(BIT(25) | 0x20, 0x2000, ~BIT(25)), 0x2020);
}
END_TEST

START_TEST(exit_names)
{
	ck_assert_str_eq(vmx_exit_name(EXIT_CPUID), "CPUID");
	ck_assert_str_eq(vmx_exit_name(EXIT_EPT_VIOLATION), "EPT-violation");
	ck_assert_str_eq(vmx_exit_name(EXIT_REASON_ENTRY_FAIL | EXIT_ENTRY_BAD_GUEST),
			 "entry-bad-guest");
	ck_assert_str_eq(vmx_exit_name(69), "other");
	/* The VMX instructions a guest gets #UD for are named in `vm stats`. */
	for (u32 r = EXIT_VMCLEAR; r <= EXIT_VMXON; r++)
		ck_assert_str_ne(vmx_exit_name(r), "other");
	ck_assert_str_eq(vmx_exit_name(EXIT_VMPTRST), "VMPTRST");
	ck_assert_str_eq(vmx_exit_name(EXIT_VMRESUME), "VMRESUME");
	ck_assert_str_eq(vmx_exit_name(EXIT_VMWRITE), "VMWRITE");
	ck_assert_str_eq(vmx_exit_name(EXIT_VMXON), "VMXON");
	ck_assert_str_eq(vmx_exit_name(EXIT_VMFUNC), "VMFUNC");
	ck_assert_str_eq(vmx_exit_name(9999), "other");
}
END_TEST

Suite *vmx_controls_suite(void)
{
	Suite *s = suite_create("vmx_controls");
	TCase *tc = tcase_create("compute");

	tcase_add_test(tc, compute);
	tcase_add_test(tc, fix_cr);
	tcase_add_test(tc, exit_names);
	suite_add_tcase(s, tc);
	return s;
}
