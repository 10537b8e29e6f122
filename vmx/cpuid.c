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

struct cpuid_regs cpuid_tern_leaf(u32 leaf)
{
	struct cpuid_regs r = { 0 };

	if (leaf == CPUID_HV_BASE) {
		r.a = CPUID_HV_BASE + 1;
		memcpy(&r.b, CPUID_HV_SIGNATURE, 4);
		memcpy(&r.c, CPUID_HV_SIGNATURE + 4, 4);
		memcpy(&r.d, CPUID_HV_SIGNATURE + 8, 4);
	}
	return r;
}
