// SPDX-License-Identifier: GPL-2.0
#include "core/cpu.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/timer.h"
#include "core/tsc.h"
#include "irq/irq.h"
#include "irq/lapic.h"

/* The local APIC's TSC-deadline mode (SDM 3A 11.5.4.1), probed once. */
static bool has_tsc_deadline(void)
{
	static int has = -1;

	if (has < 0)
		has = lapic_has_tsc_deadline();
	return has;
}

/*
 * Program the LAPIC for the earliest deadline; called with timer_lock held.
 * In TSC-deadline mode where the CPU has it: the interrupt comes when the
 * TSC reaches the deadline, never before. A one-shot count converted with
 * the calibrated rate may end a little early (Bochs's does), and the
 * handler then finds nothing due and arms one more tick: two interrupts
 * for one deadline, and a wait judged by the clock (the vIOMMU sidecore's
 * MWAIT bound) misread.
 */
static void reprogram(struct percpu *p)
{
	struct timer *t = p->timers;
	u64 now = rdtsc(), hz = tsc_hz(), ticks;

	if (!t) {
		lapic_timer_stop();
		return;
	}
	if (has_tsc_deadline()) {
		lapic_timer_tsc_deadline(VEC_TIMER, t->deadline);
		return;
	}
	if (!p->lapic_timer_hz || !hz) {
		lapic_timer_oneshot(VEC_TIMER, 1);
		return;
	}
	ticks = t->deadline > now ? t->deadline - now : 0;
	lapic_timer_oneshot(VEC_TIMER,
			    (u64)((unsigned __int128)ticks * p->lapic_timer_hz / hz) + 1);
}

bool timer_lend(u32 vector, u64 deadline)
{
	struct percpu *p = this_cpu();
	u64 now = rdtsc(), hz = tsc_hz(), ticks;

	if (!p->lapic_timer_hz || !hz)
		return false;
	ticks = deadline > now ? deadline - now : 0;
	/* One-shot, counting down to 0: the count register then says
	 * whether it fired (timer_take_back). */
	lapic_timer_oneshot(vector, (u64)((unsigned __int128)ticks * p->lapic_timer_hz / hz) + 1);
	return true;
}

bool timer_lend_tsc_deadline(u32 vector, u64 deadline)
{
	if (!has_tsc_deadline())
		return false;
	/* tern's own deadline is armed in the same mode, and a new vector
	 * alone does not disarm it: it could reach the guest's vector. */
	wrmsr(MSR_TSC_DEADLINE, 0);
	lapic_timer_tsc_deadline(vector, deadline);
	return true;
}

bool timer_take_back(void)
{
	struct percpu *p = this_cpu();
	bool fired = !lapic_read(LAPIC_TIMER_CUR);

	/* Stopped before it is taken back: past this point it can no
	 * longer raise the lent vector. */
	lapic_timer_stop();
	spin_lock(&p->timer_lock);
	reprogram(p);
	spin_unlock(&p->timer_lock);
	return fired;
}

u64 timer_next_deadline(void)
{
	struct percpu *p = this_cpu();

	return p->timers ? p->timers->deadline : 0;
}

static void timer_irq(struct regs *r, void *arg)
{
	struct percpu *p = this_cpu();

	(void)r; (void)arg;
	p->timer_irqs++;
	for (;;) {
		struct timer *t;

		spin_lock(&p->timer_lock);
		t = p->timers;
		if (!t || t->deadline > rdtsc()) {
			reprogram(p);
			spin_unlock(&p->timer_lock);
			return;
		}
		p->timers = t->next;
		t->armed = false;
		spin_unlock(&p->timer_lock);
		t->fn(t, t->arg);
	}
}

void timer_init_cpu(void)
{
	struct percpu *p = this_cpu();

	irq_set_handler(VEC_TIMER, timer_irq, NULL, "lapic-timer");
	p->lapic_timer_hz = lapic_timer_calibrate();
	if (!p->lapic_timer_hz)
		pr_warn("timer: CPU%u: local APIC timer did not count", p->index);
}

void timer_arm(struct timer *t, u64 ns, void (*fn)(struct timer *, void *), void *arg)
{
	struct percpu *p = this_cpu();
	struct timer **pp;
	u64 f;

	t->deadline = rdtsc() + (u64)((unsigned __int128)ns * tsc_hz() / 1000000000ULL);
	t->fn = fn;
	t->arg = arg;
	f = spin_lock_irqsave(&p->timer_lock);
	for (pp = &p->timers; *pp && (*pp)->deadline <= t->deadline; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->armed = true;
	reprogram(p);
	spin_unlock_irqrestore(&p->timer_lock, f);
}

void timer_cancel(struct timer *t)
{
	struct percpu *p = this_cpu();
	struct timer **pp;
	u64 f = spin_lock_irqsave(&p->timer_lock);

	for (pp = &p->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			t->armed = false;
			break;
		}
	}
	reprogram(p);
	spin_unlock_irqrestore(&p->timer_lock, f);
}
