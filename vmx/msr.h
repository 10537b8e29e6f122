/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSR policy: one table of every MSR tern knows and what it does with it.
 * Anything not in it exits and gets #GP. An MSR is either emulated (the
 * RDMSR/WRMSR exit handles it, vmx/msr.c) or passed through (the guest
 * owns it: the MSR bitmap lets it through, and the guest's value stays in
 * the core's register); a pass-through MSR tern does not load on every
 * entry and exit itself is cleared when the vCPU stops, so nothing passes
 * to the next VM on that core.
 */
#ifndef TERN_VMX_MSR_H
#define TERN_VMX_MSR_H

#include "core/types.h"

#define MSRP_EMULATED		BIT(0)	/* the RDMSR/WRMSR exit handles it */
#define MSRP_PASSTHROUGH	BIT(1)	/* no exit: the guest owns it */
#define MSRP_CLEAR_ON_STOP	BIT(2)	/* zeroed when the vCPU stops */
#define MSRP_MAY_BE_ABSENT	BIT(3)	/* not on every CPU: probed before clearing */

struct msr_policy {
	u32 first, last;	/* a range, or first == last */
	u32 flags;		/* MSRP_* */
	const char *name;
};

extern const struct msr_policy msr_policy[];
extern const u32 msr_policy_count;

/* The table's entry for msr, or NULL (tern does not know it: #GP). */
const struct msr_policy *msr_policy_find(u32 msr);
/* An MSR bitmap (vmx/msr_bitmap.h) where exactly the pass-through MSRs
 * do not exit. */
void msr_policy_build_bitmap(u8 *bitmap);

#ifndef TERN_HOST_TEST
struct vcpu;

/* RDMSR and WRMSR exits (vmx/msr.c). */
int vmx_exit_rdmsr(struct vcpu *v, u64 qual);
int vmx_exit_wrmsr(struct vcpu *v, u64 qual);
/* On the vCPU's core as it stops: zero the MSRP_CLEAR_ON_STOP ones. */
void msr_policy_clear_on_stop(void);
#endif

#endif
