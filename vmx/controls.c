// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include "vmx/controls.h"

u32 vmx_ctl_compute(u64 cap, u32 required, u32 optional, u32 *missing)
{
	u32 must1 = (u32)cap, may1 = (u32)(cap >> 32);

	*missing = required & ~may1;
	return (must1 | required | (optional & may1)) & may1;
}
