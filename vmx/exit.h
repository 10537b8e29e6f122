/* SPDX-License-Identifier: GPL-2.0 */
/* Exit handling: one handler per exit reason, chosen from a table. */
#ifndef TERN_VMX_EXIT_H
#define TERN_VMX_EXIT_H

#include "vmx/vcpu.h"

enum exit_action {
	EXIT_RESUME = 0,
	EXIT_STOP,
};

/* Read the exit, count it, run its handler. On the vCPU's core. */
int vmx_handle_exit(struct vcpu *v);

/* Handlers that live with their mechanism; qual: the exit qualification. */
int vmx_exit_cr(struct vcpu *v, u64 qual);		/* vmx/cr.c */
struct cr_ctx;
/* The guest's control-register state for vmx/arch_rules.h. */
void vmx_cr_context(struct vcpu *v, struct cr_ctx *c);		/* vmx/cr.c */

/* Pass what a local APIC register access left (an IPI, a level EOI) to the
 * rest of the VM (vmx/exit.c). */
void lapic_events(struct vcpu *v);

/* VMCALL numbers (RAX) for test guests; the result goes to RAX. */
#define HC_NOP		0	/* returns 0: for exit-cost benchmarks */
#define HC_VCPU_ID	1	/* returns the vCPU number */
#define HC_EXITS	2	/* the vCPU's exits so far, but the preemption
				 * timer's (test guests) */
#define HC_ELI_STATE	3	/* 0: ELI not live yet, 1: direct, 2: injection
				 * mode, 3: off for good (eli = off, fallback) */
#define HC_ELI_KICK	4	/* a host IPI to this core at the next entry */
#define HC_EXITS_ALL	5	/* the vCPU's exits so far, all of them */
#define HC_GUEST_TSC	6	/* TSC ticks the vCPU spent in guest mode so far */
#define HC_MARK		7	/* RBX 0 or 1: keep the vCPU's and the VM's ELI
				 * counters as they are now (this exit counted)
				 * in mark RBX, for `metrics mark N`: a window the
				 * guest marks (the benchmarks); any CPL: a guest
				 * process can spoil only its own VM's marks */
#define HC_ENOSYS	((u64)-1)

#endif
