// SPDX-License-Identifier: GPL-2.0
#include "tests/unit/suites.h"
#include "vmx/caps.h"
#include "vmx/vmx_msr.h"

/* Allowed-1 settings live in bits 63:32 of each capability MSR. */
#define A1(bits)	((u64)(bits) << 32)

static struct vmx_msrs full(void)
{
	struct vmx_msrs m = {
		.basic = 4 | (4096ULL << 32) | VMX_BASIC_TRUE_CTLS,
		.pinbased = A1(PIN_EXT_INT_EXITING | PIN_NMI_EXITING | PIN_PREEMPTION_TIMER),
		.procbased = A1(PROC_HLT_EXITING | PROC_IO_BITMAPS | PROC_MSR_BITMAPS |
				PROC_SECONDARY_CONTROLS),
		.procbased2 = A1(PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED_GUEST |
				 PROC2_VIRT_X2APIC),
		.exit = A1(EXIT_ACK_INTERRUPT),
		.misc = 5,
		.ept_vpid = EPT_CAP_WALK_4 | EPT_CAP_WB | EPT_CAP_2M | EPT_CAP_1G |
			    EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL |
			    VPID_CAP_INVVPID | VPID_CAP_SINGLE | VPID_CAP_ALL,
		.feature_control = FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX,
	};
	return m;
}

START_TEST(decode_full)
{
	struct vmx_msrs m = full();
	struct vmx_caps c;
	char why[96];

	vmx_caps_decode(&c, true, &m);
	ck_assert_uint_eq(c.revision, 4);
	ck_assert_uint_eq(c.vmcs_size, 4096);
	ck_assert(c.true_ctls);
	ck_assert(c.ept && c.ept_2m && c.ept_1g && c.ept_wb && c.ept_4level);
	ck_assert(c.vpid && c.invvpid_single && c.invvpid_all && !c.invvpid_addr);
	ck_assert(c.unrestricted_guest && c.preemption_timer && c.x2apic_virt);
	ck_assert(!c.posted_interrupts && !c.ept_ad);
	ck_assert_uint_eq(c.preemption_timer_shift, 5);
	ck_assert_uint_eq(c.fc_state, VMX_FC_ENABLED);
	ck_assert(vmx_caps_usable(&c, why, sizeof(why)));
	ck_assert_str_eq(why, "ok");
}
END_TEST

START_TEST(missing_pieces_named)
{
	struct vmx_msrs m = full();
	struct vmx_caps c;
	char why[96];

	m.procbased2 &= ~A1(PROC2_UNRESTRICTED_GUEST);
	vmx_caps_decode(&c, true, &m);
	ck_assert(!vmx_caps_usable(&c, why, sizeof(why)));
	ck_assert_str_eq(why, "no unrestricted guest");

	m = full();
	m.procbased &= ~A1(PROC_SECONDARY_CONTROLS);	/* hides EPT and VPID */
	vmx_caps_decode(&c, true, &m);
	ck_assert(!c.ept && !c.vpid);
	ck_assert(!vmx_caps_usable(&c, why, sizeof(why)));
	ck_assert_str_eq(why, "no 4-level write-back EPT");

	m = full();
	m.pinbased = 0;
	vmx_caps_decode(&c, true, &m);
	vmx_caps_usable(&c, why, sizeof(why));
	ck_assert_str_eq(why, "no VMX-preemption timer");
}
END_TEST

START_TEST(feature_control_states)
{
	struct vmx_msrs m = full();
	struct vmx_caps c;
	char why[96];

	m.feature_control = FEATURE_CONTROL_LOCK;
	vmx_caps_decode(&c, true, &m);
	ck_assert_uint_eq(c.fc_state, VMX_FC_DISABLED);
	ck_assert(!vmx_caps_usable(&c, why, sizeof(why)));
	ck_assert(strstr(why, "locked by firmware"));

	m.feature_control = 0;
	vmx_caps_decode(&c, true, &m);
	ck_assert_uint_eq(c.fc_state, VMX_FC_UNLOCKED);
	ck_assert(vmx_caps_usable(&c, NULL, 0));

	vmx_caps_decode(&c, false, &m);		/* QEMU TCG: no VMX at all */
	ck_assert_uint_eq(c.fc_state, VMX_FC_NO_VMX);
	ck_assert(!c.ept);
	ck_assert(!vmx_caps_usable(&c, why, sizeof(why)));
	ck_assert_str_eq(why, "no VMX in CPUID");
}
END_TEST

Suite *vmx_caps_suite(void)
{
	Suite *s = suite_create("vmx_caps");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, decode_full);
	tcase_add_test(tc, missing_pieces_named);
	tcase_add_test(tc, feature_control_states);
	suite_add_tcase(s, tc);
	return s;
}
