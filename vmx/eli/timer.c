// SPDX-License-Identifier: GPL-2.0
/*
 * ELI's exitless guest timer: the core's local APIC timer lent to the
 * guest for each stint in guest mode (see timer.h; the rules are in
 * timer_rules.c). Runs on the vCPU's own core with interrupts off.
 */
#include "core/cpu.h"
#include "core/timer.h"
#include "core/vdev/vlapic.h"
#include "core/vdev/vplatform.h"
#include "core/vm/vm.h"
#include "irq/irq.h"
#include "irq/lapic.h"
#include "mm/kmem.h"
#include "vmx/eli/eli.h"
#include "vmx/eli/timer.h"
#include "vmx/eli/timer_rules.h"
#include "vmx/msr_bitmap.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_ops.h"
#include "vmx/vcpu.h"

/*
 * How long eli_timer_exit() gives a deadline the TSC has passed to raise
 * its interrupt, in TSC ticks: on hardware that clears IA32_TSC_DEADLINE
 * when it fires, a past value still there is an expiry not raised yet.
 */
#define TSCD_RAISE_WAIT		2000

/*
 * The lent vector came while tern ran (raised after the exit, or while
 * the guest had interrupts off): eli_timer_exit() found it waiting and
 * left the expiry to the virtual APIC, which injects it. Nothing to do
 * but count; irq_dispatch() completes it on the hardware.
 */
static void timer_in_tern(struct regs *r, void *arg)
{
	struct vcpu *v = arg;

	(void)r;
	v->vm->eli.stats.timer_in_tern++;
}

/* The vector is this vCPU's on its core, or why not. */
static const char *claim(struct vcpu *v, u8 vec)
{
	int got;
	u64 f;

	if (vec == v->eli.timer_refused)
		return "tern uses the guest's timer vector on this core";
	if (v->eli.timer_vec) {
		irq_free_vector(v->cpu, v->eli.timer_vec);
		v->eli.timer_vec = 0;
	}
	/* Under the platform lock: a route of an assigned function through
	 * tern may hold the vector and move (irq/irq.h). */
	f = vplat_lock(v->vm);
	got = irq_claim_vector(v->cpu, vec, timer_in_tern, v, v->vm->name);
	vplat_unlock(v->vm, f);
	if (got < 0) {
		v->eli.timer_refused = vec;
		return "tern uses the guest's timer vector on this core";
	}
	v->eli.timer_vec = vec;
	return NULL;
}

/* The vector gets a present gate in the shadow: every vCPU resyncs. */
static void show_in_shadow(struct vm *vm, u8 vec)
{
	struct eli_vm *e = &vm->eli;
	u64 f = spin_lock_irqsave(&e->lock);

	vec_set_add(&e->timer, vec);
	spin_unlock_irqrestore(&e->lock, f);
	__atomic_add_fetch(&e->gen, 1, __ATOMIC_RELEASE);
}

void eli_tscd_note(struct vcpu *v, u64 before, u64 after, u16 exit, u8 raised)
{
	v->eli.tscd_trace[v->eli.tscd_next++ % ELI_TSCD_TRACE] = (struct eli_tscd_trace){
		.lent = before, .hw = after, .now = guest_tsc(v), .exit = exit, .raised = raised };
}

/* IA32_TSC_DEADLINE straight to the hardware, or trapped again. */
static void tscd_exits(struct vcpu *v, bool exits)
{
	u8 *bm = phys_to_virt(v->eli.msr_bitmap_pa);

	msr_bitmap_set_read_exit(bm, MSR_TSC_DEADLINE, exits);
	msr_bitmap_set_write_exit(bm, MSR_TSC_DEADLINE, exits);
}

static bool vec_raised(u8 vec)
{
	return lapic_read(LAPIC_IRR + 0x10 * (vec / 32)) & BIT(vec % 32);
}

/*
 * The guest's timer is in TSC-deadline mode: the hardware's timer in the
 * same mode, IA32_TSC_DEADLINE passed through (the guest's arm is then a
 * plain WRMSR, no exit). The hardware compares the value with its own
 * TSC, so only for a guest whose TSC is the host's (no offset). A vector
 * the virtual APIC still has raised waits for injection mode.
 */
static const char *tscd_refusal(struct vcpu *v, u8 vec)
{
	if (v->tsc_offset)
		return "the guest moved its TSC: its TSC deadline is not the hardware's";
	if (v->lapic.irr[vec / 32] & BIT(vec % 32))
		return "the guest's timer interrupt waits to be injected";
	return NULL;
}

u64 eli_timer_enter(struct vcpu *v, u64 at)
{
	struct eli_vm *e = &v->vm->eli;
	u32 lvt = v->lapic.lvt[1];
	u8 vec = lvt & 0xff;
	bool tscd = LVT_TIMER_MODE(lvt) == LVT_MODE_TSC_DEADLINE;
	const char *why;
	u64 next;

	if (v->vm->cfg.eli_timer != CONFIG_ELI_TIMER_DIRECT || !v->eli.live ||
	    v->eli.mode.mode != ELI_DIRECT || v->eli.stepping)
		return at;
	/* Nothing to lend for a one-shot or periodic timer not armed; a
	 * TSC deadline is lent armed or not: the guest arms it. */
	if (!at && !tscd)
		return at;
	why = eli_timer_refusal(lvt, v->lapic.tpr, &e->device);
	if (!why && tscd)
		why = tscd_refusal(v, vec);
	if (!why && vec != v->eli.timer_vec)
		why = claim(v, vec);
	if (why) {
		v->eli.timer_why = why;
		return at;
	}
	/* A new timer vector: its gate in the shadow before the entry. */
	if (!vec_set_has(&e->timer, vec))
		show_in_shadow(v->vm, vec);
	if (!eli_shadow_sync(v))
		return at;
	if (tscd && timer_lend_tsc_deadline(vec, v->lapic.tsc_deadline)) {
		tscd_exits(v, false);
		v->eli.timer_tscd = true;
		e->stats.timer_tscd++;
	} else if (!at) {
		v->eli.timer_why = "the guest's TSC deadline cannot go on this CPU's timer";
		return at;
	} else if (!timer_lend(vec, at - v->tsc_offset)) {
		v->eli.timer_why = "tern's local APIC timer was never calibrated";
		return at;
	}
	v->eli.timer_lent = true;
	v->eli.timer_why = NULL;
	e->stats.timer_lent++;
	next = timer_next_deadline();
	/* The guest's deadline is the hardware's now: only tern's bounds
	 * the stint. */
	if (v->eli.timer_tscd)
		return next;
	return eli_timer_bound(at, vlapic_timer_period(&v->lapic), next ? next + v->tsc_offset : 0);
}

/*
 * After a stint with IA32_TSC_DEADLINE passed through: what the hardware
 * holds goes back to the virtual timer (vlapic_tsc_deadline_sync). A
 * value the TSC has passed with no interrupt raised is either an expiry
 * the guest took (hardware that keeps the value: Bochs) or one about to
 * be raised (hardware that clears it when it fires): given a moment, the
 * second shows in the IRR. Judged at the time of the read, not later: a
 * value still ahead then that passed while the timer was being stopped
 * never fired (the stop came first) and stays armed in the virtual timer;
 * judged later, it read as taken, and the guest's tick was lost.
 */
static void tscd_exit(struct vcpu *v)
{
	struct eli_stats *s = &v->vm->eli.stats;
	u8 vec = v->eli.timer_vec;
	u64 lent = v->lapic.tsc_deadline, at, hw, stopped;
	bool raised;

	/* The time first: a value passed by then had fired before the read. */
	at = rdtsc();
	hw = rdmsr(MSR_TSC_DEADLINE);
	raised = vec_raised(vec);

	if (!raised && hw && hw <= at)
		while (!(raised = vec_raised(vec)) && rdtsc() - at < TSCD_RAISE_WAIT)
			cpu_relax();
	v->eli.timer_tscd = false;
	timer_take_back();
	stopped = rdtsc();
	/* Raised before the timer was stopped, or never will be. */
	raised = raised || vec_raised(vec);
	tscd_exits(v, true);
	/* Only stints that saw the deadline change or fire. */
	if (lent != hw || raised)
		eli_tscd_note(v, lent, hw, (u16)vmread(VMCS_EXIT_REASON), raised);
	s->timer_direct += vlapic_tsc_deadline_sync(&v->lapic, hw, raised, at + v->tsc_offset,
						    stopped + v->tsc_offset);
	s->timer_pending += raised;
}

void eli_timer_exit(struct vcpu *v)
{
	struct eli_stats *s = &v->vm->eli.stats;
	u8 vec = v->eli.timer_vec;
	bool fired, irr;

	v->eli.timer_lent = false;
	if (v->eli.timer_tscd) {
		tscd_exit(v);
		return;
	}
	fired = timer_take_back();
	irr = vec_raised(vec);
	switch (eli_timer_classify(fired, irr)) {
	case ELI_TIMER_DELIVERED:
		vlapic_timer_delivered(&v->lapic, guest_tsc(v));
		s->timer_direct++;
		break;
	case ELI_TIMER_PENDING:
		s->timer_pending++;
		break;
	case ELI_TIMER_NOT_FIRED:
		break;
	}
}

void eli_timer_stop(struct vcpu *v)
{
	if (v->eli.timer_lent)
		eli_timer_exit(v);
	if (v->eli.timer_vec)
		irq_free_vector(v->cpu, v->eli.timer_vec);
	v->eli.timer_vec = 0;
	v->eli.timer_refused = 0;
}
