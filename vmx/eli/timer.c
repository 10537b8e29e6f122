// SPDX-License-Identifier: GPL-2.0
/*
 * ELI's exitless guest timer: the core's local APIC timer lent to the
 * guest for each stint in guest mode (see timer.h; the rules are in
 * timer_rules.c). Runs on the vCPU's own core with interrupts off.
 */
#include "core/timer.h"
#include "core/vm/vm.h"
#include "irq/irq.h"
#include "irq/lapic.h"
#include "vmx/eli/eli.h"
#include "vmx/eli/timer.h"
#include "vmx/eli/timer_rules.h"
#include "vmx/vcpu.h"

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
	if (vec == v->eli.timer_refused)
		return "tern uses the guest's timer vector on this core";
	if (v->eli.timer_vec) {
		irq_free_vector(v->cpu, v->eli.timer_vec);
		v->eli.timer_vec = 0;
	}
	if (irq_claim_vector(v->cpu, vec, timer_in_tern, v, v->vm->name) < 0) {
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

u64 eli_timer_enter(struct vcpu *v, u64 at)
{
	struct eli_vm *e = &v->vm->eli;
	u32 lvt = v->lapic.lvt[1];
	u8 vec = lvt & 0xff;
	const char *why;
	u64 next;

	if (!at || v->vm->cfg.eli_timer != CONFIG_ELI_TIMER_DIRECT || !v->eli.live ||
	    v->eli.mode.mode != ELI_DIRECT || v->eli.stepping)
		return at;
	why = eli_timer_refusal(lvt, v->lapic.tpr, &e->device);
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
	if (!timer_lend(vec, at - v->tsc_offset)) {
		v->eli.timer_why = "tern's local APIC timer was never calibrated";
		return at;
	}
	v->eli.timer_lent = true;
	v->eli.timer_why = NULL;
	e->stats.timer_lent++;
	next = timer_next_deadline();
	return eli_timer_bound(at, vlapic_timer_period(&v->lapic), next ? next + v->tsc_offset : 0);
}

void eli_timer_exit(struct vcpu *v)
{
	struct eli_stats *s = &v->vm->eli.stats;
	u8 vec = v->eli.timer_vec;
	bool fired, irr;

	v->eli.timer_lent = false;
	fired = timer_take_back();
	irr = lapic_read(LAPIC_IRR + 0x10 * (vec / 32)) & BIT(vec % 32);
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
