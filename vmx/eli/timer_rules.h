/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rules of ELI's exitless guest timer (vmx/eli/timer.h), pure and
 * unit-tested: whether the guest's local APIC timer may go on the hardware
 * for a stint in guest mode, what the hardware did with it, and when tern
 * must still end the stint.
 */
#ifndef TERN_VMX_ELI_TIMER_RULES_H
#define TERN_VMX_ELI_TIMER_RULES_H

#include "core/types.h"
#include "vmx/eli/vec_set.h"

/*
 * NULL if the timer (its LVT and the guest's virtual TPR) can interrupt
 * the guest on the hardware: its vector is one no exception and no device
 * of the VM uses, and the guest's task priority would let it in. Else why
 * not (for `vm stats`). The hardware sees neither the guest's TPR nor its
 * virtual in-service vectors: the caller lends only in direct mode, where
 * nothing virtual is in service.
 */
const char *eli_timer_refusal(u32 lvt_timer, u32 tpr, const struct vec_set *device);

/* What became of a lent timer, read back after the stint. */
enum eli_timer_end {
	ELI_TIMER_NOT_FIRED,	/* the virtual APIC still owns the expiry */
	ELI_TIMER_DELIVERED,	/* through the shadow IDT: the guest has it */
	ELI_TIMER_PENDING,	/* raised but not taken (guest IF off, or it
				 * came after the exit): tern's handler takes
				 * it, and the virtual APIC raises it again */
};

/* fired: the one-shot count reached 0; irr: the vector waits in the
 * physical IRR. A vector still waiting was never delivered. */
static inline enum eli_timer_end eli_timer_classify(bool fired, bool irr)
{
	if (irr)
		return ELI_TIMER_PENDING;
	return fired ? ELI_TIMER_DELIVERED : ELI_TIMER_NOT_FIRED;
}

/*
 * The guest TSC at which guest mode must still end while the timer is
 * lent (0: none but tern's slice): tern's own next timer on the core
 * (tern_next, already in guest TSC; 0 none), and for a periodic timer
 * (period > 0) half a period past the lent expiry, when the next expiry
 * must be lent again.
 */
u64 eli_timer_bound(u64 at, u64 period, u64 tern_next);

#endif
