// SPDX-License-Identifier: GPL-2.0
#include "core/cpu.h"
#include "core/vdev/vlapic.h"
#include "tests/unit/suites.h"
#include "vmx/msr.h"
#include "vmx/msr_bitmap.h"

static u8 bm[PAGE_SIZE];

START_TEST(passthrough_in_bitmap)
{
	u32 open = 0;

	msr_policy_build_bitmap(bm);
	for (u32 i = 0; i < msr_policy_count; i++) {
		const struct msr_policy *p = &msr_policy[i];
		bool pass = p->flags & MSRP_PASSTHROUGH;

		for (u32 m = p->first; m <= p->last; m++) {
			ck_assert_msg(msr_bitmap_exits(bm, m, false) == !pass, "%s read", p->name);
			ck_assert_msg(msr_bitmap_exits(bm, m, true) == !pass, "%s write", p->name);
			open += pass;
		}
	}
	ck_assert_uint_eq(open, 14);	/* 11, and the three SYSENTER MSRs */
	/* Emulated ones exit; so does what the table does not know. */
	ck_assert(msr_bitmap_exits(bm, MSR_EFER, true));
	ck_assert(msr_bitmap_exits(bm, MSR_IA32_APIC_BASE, false));
	ck_assert(msr_bitmap_exits(bm, 0x80b, true));		/* x2APIC EOI */
	ck_assert(msr_bitmap_exits(bm, 0x1d9, false));		/* IA32_DEBUGCTL */
	ck_assert(msr_bitmap_exits(bm, 0x480, false));	/* IA32_VMX_BASIC */
	/* Nothing else in either range was opened. */
	for (u32 m = 0; m <= 0x1fff; m++) {
		const struct msr_policy *p = msr_policy_find(m);

		if (!p || !(p->flags & MSRP_PASSTHROUGH))
			ck_assert_msg(msr_bitmap_exits(bm, m, false) &&
				      msr_bitmap_exits(bm, m, true), "%#x open", m);
	}
}
END_TEST

START_TEST(exclusive_flags)
{
	for (u32 i = 0; i < msr_policy_count; i++) {
		const struct msr_policy *p = &msr_policy[i];

		ck_assert_uint_le(p->first, p->last);
		ck_assert_msg(!!(p->flags & MSRP_EMULATED) != !!(p->flags & MSRP_PASSTHROUGH),
			      "%s: emulated or pass-through, exactly one", p->name);
		/* Only what the guest owns is cleared for it. */
		if (p->flags & MSRP_CLEAR_ON_STOP)
			ck_assert_msg(p->flags & MSRP_PASSTHROUGH, "%s", p->name);
		/* No MSR in two entries. */
		for (u32 j = i + 1; j < msr_policy_count; j++)
			ck_assert_msg(p->last < msr_policy[j].first ||
				      msr_policy[j].last < p->first, "%s overlaps %s",
				      p->name, msr_policy[j].name);
	}
}
END_TEST

START_TEST(clear_on_stop)
{
	static const u32 want[] = {
		MSR_SPEC_CTRL, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,
		MSR_KERNEL_GS_BASE, MSR_TSC_AUX,
	};
	u32 n = 0;

	for (u32 i = 0; i < msr_policy_count; i++)
		if (msr_policy[i].flags & MSRP_CLEAR_ON_STOP)
			n += msr_policy[i].last - msr_policy[i].first + 1;
	ck_assert_uint_eq(n, ARRAY_SIZE(want));
	for (u32 i = 0; i < ARRAY_SIZE(want); i++) {
		const struct msr_policy *p = msr_policy_find(want[i]);

		ck_assert_ptr_nonnull(p);
		ck_assert(p->flags & MSRP_CLEAR_ON_STOP);
	}
	/* SPEC_CTRL is not on every CPU: probed before it is written. */
	ck_assert(msr_policy_find(MSR_SPEC_CTRL)->flags & MSRP_MAY_BE_ABSENT);
	/* VMCS guest state and write-only barriers are not cleared. */
	ck_assert(!(msr_policy_find(MSR_FS_BASE)->flags & MSRP_CLEAR_ON_STOP));
	ck_assert(!(msr_policy_find(MSR_GS_BASE)->flags & MSRP_CLEAR_ON_STOP));
	ck_assert(!(msr_policy_find(MSR_PRED_CMD)->flags & MSRP_CLEAR_ON_STOP));
}
END_TEST

START_TEST(emulated)
{
	static const u32 want[] = {
		MSR_IA32_TSC, MSR_IA32_APIC_BASE, MSR_IA32_FEATURE_CONTROL,
		MSR_IA32_BIOS_SIGN_ID, MSR_IA32_ARCH_CAPABILITIES, MSR_IA32_MISC_ENABLE, MSR_IA32_PAT,
		MSR_TSC_DEADLINE, MSR_X2APIC_FIRST, MSR_X2APIC_LAST, MSR_EFER,
	};

	for (u32 i = 0; i < ARRAY_SIZE(want); i++) {
		const struct msr_policy *p = msr_policy_find(want[i]);

		ck_assert_ptr_nonnull(p);
		ck_assert(p->flags & MSRP_EMULATED);
	}
	ck_assert_ptr_null(msr_policy_find(0x1d9));	/* unknown: #GP */
	ck_assert_ptr_null(msr_policy_find(MSR_X2APIC_LAST + 1));
}
END_TEST

Suite *msr_policy_suite(void)
{
	Suite *s = suite_create("msr_policy");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, passthrough_in_bitmap);
	tcase_add_test(tc, exclusive_flags);
	tcase_add_test(tc, clear_on_stop);
	tcase_add_test(tc, emulated);
	suite_add_tcase(s, tc);
	return s;
}
