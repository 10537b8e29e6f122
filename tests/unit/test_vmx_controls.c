// SPDX-License-Identifier: GPL-2.0
#include "tests/unit/suites.h"
#include "vmx/controls.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_msr.h"

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

/* A CPU that allows everything and forces nothing on. */
static struct vmx_msrs all_allowed(void)
{
	struct vmx_msrs m = { 0 };

	m.pinbased = m.procbased = m.procbased2 = m.exit = m.entry = 0xffffffffULL << 32;
	return m;
}

START_TEST(features_feed_controls)
{
	struct vmx_msrs m = all_allowed();
	struct vm_features f = { 0 };
	struct vmx_controls c;
	const char *which = NULL;
	u32 miss = 0;

	/* Today's VM: external interrupts exit, no exception does. */
	ck_assert_int_eq(vmx_controls_compute(&m, &f, &c, &miss, &which), 0);
	ck_assert(c.pin & PIN_EXT_INT_EXITING);
	ck_assert(c.pin & PIN_NMI_EXITING);
	ck_assert(c.pin & PIN_PREEMPTION_TIMER);
	ck_assert(!(c.proc2 & PROC2_DESC_TABLE_EXITING));
	ck_assert(c.proc2 & PROC2_EPT);
	ck_assert(c.proc & PROC_HLT_EXITING);
	ck_assert(c.proc & PROC_CR8_LOAD_EXITING);	/* CR8 is the virtual TPR */
	ck_assert(c.proc & PROC_CR8_STORE_EXITING);
	ck_assert_uint_eq(c.exception_bitmap, 0);
	/* ELI's: interrupts through the guest's IDT, #NP and #GP exit,
	 * LIDT/SIDT exit. */
	f = (struct vm_features){ .no_ext_int_exiting = true, .desc_table_exiting = true,
				  .exception_bitmap = BIT(11) | BIT(13) };
	ck_assert_int_eq(vmx_controls_compute(&m, &f, &c, &miss, &which), 0);
	ck_assert(!(c.pin & PIN_EXT_INT_EXITING));
	ck_assert(c.pin & PIN_NMI_EXITING);
	ck_assert(c.proc2 & PROC2_DESC_TABLE_EXITING);
	ck_assert_uint_eq(c.exception_bitmap, BIT(11) | BIT(13));
}
END_TEST

START_TEST(features_the_cpu_refuses)
{
	struct vmx_msrs m = all_allowed();
	struct vm_features f = { .desc_table_exiting = true };
	struct vmx_controls c;
	const char *which = NULL;
	u32 miss = 0;

	m.procbased2 &= ~((u64)PROC2_DESC_TABLE_EXITING << 32);
	ck_assert_int_eq(vmx_controls_compute(&m, &f, &c, &miss, &which), -1);
	ck_assert_uint_eq(miss, PROC2_DESC_TABLE_EXITING);
	ck_assert_str_eq(which, "secondary processor-based");
	/* External-interrupt exiting forced on (must-be-1): no ELI here. */
	m = all_allowed();
	m.pinbased |= PIN_EXT_INT_EXITING;
	f = (struct vm_features){ .no_ext_int_exiting = true };
	ck_assert_int_eq(vmx_controls_compute(&m, &f, &c, &miss, &which), -1);
	ck_assert_uint_eq(miss, PIN_EXT_INT_EXITING);
	ck_assert_str_eq(which, "pin-based");
	/* Without interrupt-window exiting tern cannot inject at all. */
	m = all_allowed();
	m.procbased &= ~((u64)PROC_INTR_WINDOW_EXITING << 32);
	f = (struct vm_features){ 0 };
	ck_assert_int_eq(vmx_controls_compute(&m, &f, &c, &miss, &which), -1);
	ck_assert_uint_eq(miss, PROC_INTR_WINDOW_EXITING);
}
END_TEST

Suite *vmx_controls_suite(void)
{
	Suite *s = suite_create("vmx_controls");
	TCase *tc = tcase_create("compute");

	tcase_add_test(tc, compute);
	tcase_add_test(tc, features_feed_controls);
	tcase_add_test(tc, features_the_cpu_refuses);
	tcase_add_test(tc, fix_cr);
	tcase_add_test(tc, exit_names);
	suite_add_tcase(s, tc);
	return s;
}
