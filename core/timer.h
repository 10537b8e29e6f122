/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU one-shot timers on the local APIC timer (its TSC-deadline mode
 * where the CPU has it, timer.c). A timer fires on the CPU that armed it,
 * from interrupt context.
 */
#ifndef TERN_CORE_TIMER_H
#define TERN_CORE_TIMER_H

#include "core/types.h"

struct timer {
	u64 deadline;			/* TSC */
	void (*fn)(struct timer *t, void *arg);
	void *arg;
	struct timer *next;
	bool armed;
};

void timer_init_cpu(void);
/* Arm on this CPU, `ns` from now. The struct must live until it fires or
 * is cancelled. */
void timer_arm(struct timer *t, u64 ns, void (*fn)(struct timer *, void *), void *arg);
void timer_cancel(struct timer *t);

/*
 * The local APIC timer lent to a guest (ELI's exitless guest timer,
 * vmx/eli/timer.h), interrupts off, for one stint in guest mode: it
 * interrupts with `vector` at TSC `deadline` (a little late or early by
 * the timer's clock), and this core's own timers are not served by it
 * until it is taken back: the lender bounds the stint by
 * timer_next_deadline() (the VMX-preemption timer). false: the timer was
 * never calibrated. timer_take_back() reprograms it for this core's
 * timers and says whether the lent interrupt was raised.
 */
bool timer_lend(u32 vector, u64 deadline);
bool timer_take_back(void);
/*
 * The same in TSC-deadline mode (SDM 3A 11.5.4.1), for a borrower that
 * writes IA32_TSC_DEADLINE itself (deadline 0: not armed until then);
 * false where the CPU has no TSC-deadline mode. timer_take_back() ends
 * it (its answer means nothing then: read IA32_TSC_DEADLINE before).
 */
bool timer_lend_tsc_deadline(u32 vector, u64 deadline);
/* The earliest armed timer on this CPU (TSC), or 0. */
u64 timer_next_deadline(void);

#endif
