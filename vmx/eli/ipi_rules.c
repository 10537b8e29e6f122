// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include "irq/irq.h"
#include "vmx/eli/ipi.h"

const char *eli_ipi_vector_refusal(u8 vec, const struct vec_set *device,
				   const struct vec_set *timer)
{
	if (vec < VEC_EXCEPTIONS_END)
		return "an exception's vector";
	if (vec >= VEC_FIXED_FIRST && vec <= VEC_FIXED_LAST)
		return "one of tern's fixed vectors";
	if (vec > VEC_CLAIM_LAST)
		return "the spurious vector";
	/* One vector, one handler on a core: the device's or the timer's
	 * claim has it (and its gate is in the shadow already). */
	if (vec_set_has(device, vec))
		return "a device of the VM uses it";
	if (vec_set_has(timer, vec))
		return "the guest's timer uses it";
	return NULL;
}

bool eli_ipi_tpr_holds(u8 vec, u32 tpr)
{
	return vec_class(vec) <= vec_class((u8)tpr);
}
