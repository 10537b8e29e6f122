// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include "irq/irq.h"
#include "vmx/eli/np_exit.h"
#include "vmx/vmcs.h"

/* #NP error code (3A 6.13): bit 1 says the index is an IDT vector. */
#define ERR_IDT		BIT(1)
#define ERR_INDEX(e)	(((e) >> 3) & 0x1fff)

enum eli_np_cause eli_np_classify(u32 exit_info, u32 exit_err, u32 vectoring, u8 *vector)
{
	u32 type;

	if (!(exit_info & INTR_INFO_VALID) ||
	    (exit_info & INTR_INFO_TYPE_MASK) != INTR_TYPE_HW_EXC ||
	    (u8)exit_info != EXC_NP || !(exit_info & INTR_INFO_DELIVER_CODE))
		return ELI_NP_NOT_NP;
	/* Not while delivering an event: a segment load, say. */
	if (!(vectoring & INTR_INFO_VALID))
		return ELI_NP_GUEST_FAULT;
	/* While delivering, but not on the gate of that event: the gate was
	 * present and its code segment was not. The guest's own fault. */
	if (!(exit_err & ERR_IDT) || ERR_INDEX(exit_err) != (u8)vectoring)
		return ELI_NP_GUEST_FAULT;
	*vector = vectoring;
	type = vectoring & INTR_INFO_TYPE_MASK;
	if (type == INTR_TYPE_EXT)
		return ELI_NP_HOST_INTR;
	/* INT n, INT3, INTO, a hardware exception past a short guest limit. */
	return ELI_NP_GUEST_EVENT;
}
