/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU one-shot timers on the local APIC timer. A timer fires on the
 * CPU that armed it, from interrupt context.
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

#endif
