// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/*
 * The MSR table (vmx/msr.h), apart from the exits that use it, so the unit
 * tests can check the bitmap and the clear-on-stop list against it.
 */
#include "core/cpu.h"
#include "core/vdev/vlapic.h"
#include "vmx/msr.h"
#include "vmx/msr_bitmap.h"

#define ONE(msr, flags)		{ msr, msr, flags, #msr }
#define EMUL			MSRP_EMULATED
/* Guest-owned and not VMCS state: cleared when the vCPU stops. */
#define OWNED			(MSRP_PASSTHROUGH | MSRP_CLEAR_ON_STOP)

/*
 * Pass-through: FS/GS base and the SYSENTER MSRs are guest state in the
 * VMCS (loaded on every entry, saved on every exit, SDM 3C 27.3.1); KERNEL_GS_BASE, the SYSCALL MSRs, TSC_AUX and SPEC_CTRL
 * are ones tern never uses itself (no SWAPGS, no SYSCALL, a core per
 * vCPU), so the guest keeps them in the core, and they are cleared when
 * the vCPU stops; PRED_CMD and FLUSH_CMD are write-only barriers.
 */
const struct msr_policy msr_policy[] = {
	ONE(MSR_IA32_TSC, EMUL),
	ONE(MSR_IA32_TSC_ADJUST, EMUL),
	ONE(MSR_IA32_APIC_BASE, EMUL),
	ONE(MSR_IA32_FEATURE_CONTROL, EMUL),
	ONE(MSR_SPEC_CTRL, OWNED | MSRP_MAY_BE_ABSENT),
	ONE(MSR_PRED_CMD, MSRP_PASSTHROUGH),
	ONE(MSR_IA32_BIOS_SIGN_ID, EMUL),
	ONE(MSR_IA32_SYSENTER_CS, MSRP_PASSTHROUGH),
	ONE(MSR_IA32_SYSENTER_ESP, MSRP_PASSTHROUGH),
	ONE(MSR_IA32_SYSENTER_EIP, MSRP_PASSTHROUGH),
	ONE(MSR_IA32_ARCH_CAPABILITIES, EMUL),
	ONE(MSR_FLUSH_CMD, MSRP_PASSTHROUGH),
	ONE(MSR_IA32_MISC_ENABLE, EMUL),
	ONE(MSR_IA32_PAT, EMUL),
	ONE(MSR_TSC_DEADLINE, EMUL),
	{ MSR_X2APIC_FIRST, MSR_X2APIC_LAST, EMUL, "x2APIC registers" },
	ONE(MSR_EFER, EMUL),
	ONE(MSR_STAR, OWNED),
	ONE(MSR_LSTAR, OWNED),
	ONE(MSR_CSTAR, OWNED),
	ONE(MSR_SFMASK, OWNED),
	ONE(MSR_FS_BASE, MSRP_PASSTHROUGH),
	ONE(MSR_GS_BASE, MSRP_PASSTHROUGH),
	ONE(MSR_KERNEL_GS_BASE, OWNED),
	ONE(MSR_TSC_AUX, OWNED),
};
const u32 msr_policy_count = ARRAY_SIZE(msr_policy);

const struct msr_policy *msr_policy_find(u32 msr)
{
	for (u32 i = 0; i < msr_policy_count; i++)
		if (msr >= msr_policy[i].first && msr <= msr_policy[i].last)
			return &msr_policy[i];
	return NULL;
}

void msr_policy_build_bitmap(u8 *bitmap)
{
	msr_bitmap_exit_all(bitmap);
	for (u32 i = 0; i < msr_policy_count; i++) {
		if (!(msr_policy[i].flags & MSRP_PASSTHROUGH))
			continue;
		for (u32 m = msr_policy[i].first; m <= msr_policy[i].last; m++)
			msr_bitmap_allow(bitmap, m, true, true);
	}
}
