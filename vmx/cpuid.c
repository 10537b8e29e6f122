// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/*
 * CPUID policy, apart from the exit that asks it: pure, so the unit tests
 * can hold every hidden bit to account without a CPU that has them. The
 * filter itself is inline in vmx/cpuid.h (it runs on every CPUID exit);
 * tern's own leaves, rarely asked, are here.
 */
#include <string.h>

#include "vmx/cpuid.h"

/* A signature block: its max leaf (one more: the features leaf, zero). */
static struct cpuid_regs signature(u32 base, const char *sig)
{
	struct cpuid_regs r = { .a = base + 1 };

	memcpy(&r.b, sig, 4);
	memcpy(&r.c, sig + 4, 4);
	memcpy(&r.d, sig + 8, 4);
	return r;
}

struct cpuid_regs cpuid_tern_leaf(u32 leaf, bool paravirt_kvm)
{
	struct cpuid_regs none = { 0 };
	u32 tern = CPUID_HV_BASE + (paravirt_kvm ? CPUID_HV_BLOCK : 0);

	if (leaf == tern)
		return signature(tern, CPUID_HV_SIGNATURE);
	/* KVM's: 0x40000001 (features and hints) stays all zero. */
	if (paravirt_kvm && leaf == CPUID_HV_BASE)
		return signature(CPUID_HV_BASE, CPUID_KVM_SIGNATURE);
	return none;
}
