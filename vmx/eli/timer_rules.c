// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include "core/vdev/vlapic.h"
#include "irq/irq.h"
#include "vmx/eli/timer_rules.h"

const char *eli_timer_refusal(u32 lvt_timer, u32 tpr, const struct vec_set *device)
{
	u8 vec = lvt_timer & 0xff;

	if (lvt_timer & LVT_MASK)
		return "the guest's timer is masked";
	if (vec < VEC_EXCEPTIONS_END)
		return "the guest's timer vector is an exception's";
	if (vec_set_has(device, vec))
		return "the guest's timer shares its vector with a device";
	/* SDM 3A 11.8.3.1: a vector is held while its class is not above
	 * the task-priority class. */
	if (vec_class(vec) <= vec_class((u8)tpr))
		return "the guest's task priority holds its timer back";
	return NULL;
}

u64 eli_timer_bound(u64 at, u64 period, u64 tern_next)
{
	u64 b = tern_next;

	if (period) {
		u64 next = at + period / 2;

		if (!b || next < b)
			b = next;
	}
	return b;
}
