// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/vdev/vlapic.h"

/* xAPIC register offsets (SDM 3A table 11-1) */
#define R_ID		0x020
#define R_VERSION	0x030
#define R_TPR		0x080
#define R_PPR		0x0a0
#define R_EOI		0x0b0
#define R_LDR		0x0d0
#define R_DFR		0x0e0
#define R_SVR		0x0f0
#define R_ISR		0x100
#define R_TMR		0x180
#define R_IRR		0x200
#define R_ESR		0x280
#define R_LVT_CMCI	0x2f0
#define R_ICR_LO	0x300
#define R_ICR_HI	0x310
#define R_LVT_TIMER	0x320
#define R_LVT_ERROR	0x370
#define R_TIMER_INIT	0x380
#define R_TIMER_CUR	0x390
#define R_TIMER_DIV	0x3e0

#define SVR_ENABLE	BIT(8)

static int lvt_index(u32 off)
{
	if (off == R_LVT_CMCI)
		return 0;
	if (off >= R_LVT_TIMER && off <= R_LVT_ERROR)
		return 1 + (off - R_LVT_TIMER) / 0x10;
	return -1;
}

static u32 *timer_lvt(struct vlapic *l)
{
	return &l->lvt[1];
}

static u32 divisor(const struct vlapic *l)
{
	u32 v = ((l->divide_cfg & 8) >> 1) | (l->divide_cfg & 3);

	return v == 7 ? 1 : 2U << v;
}

static int highest(const u32 *bits)
{
	for (int w = 7; w >= 0; w--)
		if (bits[w])
			return w * 32 + 31 - __builtin_clz(bits[w]);
	return -1;
}

void vlapic_set_irr(struct vlapic *l, int v)
{
	if (v >= 16 && v < 256)
		__atomic_fetch_or(&l->irr[v / 32], 1U << (v % 32), __ATOMIC_RELEASE);
}

void vlapic_accept(struct vlapic *l, int v, bool level)
{
	if (v < 16 || v >= 256)
		return;
	/* TMR first: the vCPU may inject as soon as IRR shows it. */
	if (level)
		__atomic_fetch_or(&l->tmr[v / 32], 1U << (v % 32), __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&l->tmr[v / 32], ~(1U << (v % 32)), __ATOMIC_RELAXED);
	vlapic_set_irr(l, v);
}

/* The logical destination register as the guest sees it. */
static u32 ldr(const struct vlapic *l)
{
	/* x2APIC: derived from the ID, cluster in 31:16 (SDM 3A 11.12.10.2). */
	if (l->x2apic)
		return ((l->id >> 4) << 16) | (1U << (l->id & 15));
	return l->ldr;
}

bool vlapic_accepts(const struct vlapic *l, const struct vlapic_ipi *ipi, bool is_sender)
{
	u32 broadcast = ipi->x2apic ? 0xffffffff : 0xff;
	u32 mine = ldr(l);

	switch (ipi->shorthand) {
	case 1:
		return is_sender;
	case 2:
		return true;
	case 3:
		return !is_sender;
	}
	if (ipi->dest == broadcast)
		return true;
	if (!ipi->logical)
		return ipi->dest == l->id;
	if (ipi->x2apic)	/* cluster: same cluster, a bit in common */
		return (ipi->dest >> 16) == (mine >> 16) &&
		       (ipi->dest & mine & 0xffff);
	mine >>= 24;		/* xAPIC: 8-bit logical ID in LDR 31:24 */
	if ((l->dfr >> 28) == DFR_MODEL_FLAT)
		return ipi->dest & mine;
	return (ipi->dest >> 4) == (mine >> 4) && (ipi->dest & mine & 0xf);
}

static u32 ppr(const struct vlapic *l)
{
	int isrv = highest(l->isr);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (l->tpr & 0xf0) >= isr_class ? l->tpr & 0xff : isr_class;
}

void vlapic_reset(struct vlapic *l, u32 id)
{
	memset(l, 0, sizeof(*l));
	l->id = id;
	l->enabled = true;
	l->svr = 0xff;
	l->dfr = 0xffffffff;
	l->level_eoi = -1;
	for (int i = 0; i < 7; i++)
		l->lvt[i] = LVT_MASK;
}

u64 vlapic_min_period;

/* The interrupt period of the periodic mode: the count's, floored. */
static u64 fire_period(const struct vlapic *l)
{
	u64 period = (u64)l->initial * divisor(l);

	return period < vlapic_min_period ? vlapic_min_period : period;
}

static void arm(struct vlapic *l, u64 now)
{
	u32 mode = LVT_TIMER_MODE(*timer_lvt(l));

	if (mode == LVT_MODE_TSC_DEADLINE) {
		l->deadline = l->tsc_deadline;
		return;
	}
	l->start = now;
	if (!l->initial)
		l->deadline = 0;
	else if (mode == LVT_MODE_PERIODIC)
		l->deadline = now + fire_period(l);
	else
		l->deadline = now + (u64)l->initial * divisor(l);
}

static u32 current_count(const struct vlapic *l, u64 now)
{
	u64 period = (u64)l->initial * divisor(l), elapsed;

	if (!l->initial || LVT_TIMER_MODE(l->lvt[1]) == LVT_MODE_TSC_DEADLINE)
		return 0;
	elapsed = now - l->start;
	if (LVT_TIMER_MODE(l->lvt[1]) == LVT_MODE_PERIODIC)
		elapsed %= period;
	else if (elapsed >= period)
		return 0;
	return (u32)((period - elapsed) / divisor(l));
}

bool vlapic_read(struct vlapic *l, u32 off, u64 now, u64 *val)
{
	int i;

	switch (off) {
	case R_ID:	*val = l->x2apic ? l->id : l->id << 24; return true;
	case R_VERSION:	*val = VLAPIC_VERSION; return true;
	case R_TPR:	*val = l->tpr; return true;
	case R_PPR:	*val = ppr(l); return true;
	case R_LDR:	*val = ldr(l); return true;
	case R_DFR:	*val = l->dfr; return !l->x2apic;
	case R_SVR:	*val = l->svr; return true;
	case R_ESR:	*val = l->esr; return true;
	case R_ICR_LO:	*val = 0; return true;
	case R_ICR_HI:	*val = l->icr_hi; return !l->x2apic;
	case R_TIMER_INIT: *val = l->initial; return true;
	case R_TIMER_CUR: *val = current_count(l, now); return true;
	case R_TIMER_DIV: *val = l->divide_cfg; return true;
	}
	if (off >= R_ISR && off < R_ISR + 0x80 && !(off & 0xf)) {
		*val = l->isr[(off - R_ISR) / 0x10];
		return true;
	}
	if (off >= R_TMR && off < R_TMR + 0x80 && !(off & 0xf)) {
		*val = l->tmr[(off - R_TMR) / 0x10];
		return true;
	}
	if (off >= R_IRR && off < R_IRR + 0x80 && !(off & 0xf)) {
		*val = l->irr[(off - R_IRR) / 0x10];
		return true;
	}
	i = lvt_index(off);
	if (i >= 0) {
		*val = l->lvt[i];
		return true;
	}
	*val = 0;
	return false;
}

bool vlapic_write(struct vlapic *l, u32 off, u64 val, u64 now)
{
	u32 v = (u32)val;
	int i;

	switch (off) {
	case R_TPR:
		l->tpr = v & 0xff;
		return true;
	case R_EOI: {
		int top = highest(l->isr);

		if (top >= 0) {
			u32 bit = 1U << (top % 32);

			l->isr[top / 32] &= ~bit;
			/* A level interrupt's EOI goes back to the I/O APIC. */
			if (__atomic_load_n(&l->tmr[top / 32], __ATOMIC_RELAXED) & bit)
				l->level_eoi = top;
		}
		l->eois++;
		return true;
	}
	case R_LDR:
		if (l->x2apic)
			break;
		l->ldr = v & 0xff000000;
		return true;
	case R_DFR:
		if (l->x2apic)
			break;
		l->dfr = v | 0x0fffffff;
		return true;
	case R_SVR:
		l->svr = v & 0x1ff;
		if (!(v & SVR_ENABLE))	/* software disable masks all LVTs */
			for (int k = 0; k < 7; k++)
				l->lvt[k] |= LVT_MASK;
		return true;
	case R_ESR:
		l->esr = 0;
		return true;
	case R_ICR_HI:
		if (l->x2apic)
			break;
		l->icr_hi = v;
		return true;
	case R_ICR_LO: {
		u32 shorthand = (v >> 18) & 3, mode = (v >> 8) & 7;

		if (mode == ICR_MODE_FIXED && shorthand == 1) {
			/* The common self-IPI needs no other vCPU. */
			vlapic_set_irr(l, v & 0xff);
			l->self_ipis++;
			return true;
		}
		if (mode != ICR_MODE_FIXED && mode != ICR_MODE_LOWEST &&
		    mode != ICR_MODE_NMI && mode != ICR_MODE_INIT &&
		    mode != ICR_MODE_STARTUP) {
			l->bad_writes++;	/* SMI, reserved modes */
			return true;
		}
		l->ipi.valid = true;
		l->ipi.mode = (u8)mode;
		l->ipi.vector = v & 0xff;
		l->ipi.shorthand = (u8)shorthand;
		l->ipi.assert = v & BIT(14);
		l->ipi.logical = v & BIT(11);
		l->ipi.x2apic = l->x2apic;
		l->ipi.dest = l->x2apic ? (u32)(val >> 32) : l->icr_hi >> 24;
		return true;
	}
	case X2APIC_SELF_IPI:
		if (!l->x2apic)
			break;
		vlapic_set_irr(l, v & 0xff);
		l->self_ipis++;
		return true;
	case R_TIMER_INIT:
		l->initial = v;
		arm(l, now);
		return true;
	case R_TIMER_DIV:
		l->divide_cfg = v & 0xb;
		return true;
	}
	i = lvt_index(off);
	if (i >= 0) {
		u32 old_mode = LVT_TIMER_MODE(l->lvt[i]);

		if (!(l->svr & SVR_ENABLE))
			v |= LVT_MASK;
		l->lvt[i] = v & (i == 1 ? 0x700ff : 0x1f7ff);
		/* Into or out of TSC-deadline mode disarms the timer (SDM 3A
		 * 11.5.4.1); between one-shot and periodic the count goes on,
		 * and what it does at zero follows the new mode. */
		if (i == 1 && (LVT_TIMER_MODE(l->lvt[1]) == LVT_MODE_TSC_DEADLINE) !=
			      (old_mode == LVT_MODE_TSC_DEADLINE)) {
			l->initial = 0;
			l->tsc_deadline = 0;
			l->deadline = 0;
		}
		return true;
	}
	l->bad_writes++;
	return false;
}

void vlapic_write_tsc_deadline(struct vlapic *l, u64 val, u64 now)
{
	(void)now;
	if (LVT_TIMER_MODE(l->lvt[1]) != LVT_MODE_TSC_DEADLINE)
		return;		/* ignored outside TSC-deadline mode */
	l->tsc_deadline = val;
	l->deadline = val;
}

/* The timer expired at l->deadline: on to the next period, or disarmed. */
static void timer_expired(struct vlapic *l, u64 now)
{
	l->timer_fires++;
	switch (LVT_TIMER_MODE(l->lvt[1])) {
	case LVT_MODE_PERIODIC: {
		u64 period = fire_period(l);

		/* Catch up without a storm: the next tick after now. */
		if (now < l->deadline)
			now = l->deadline;
		l->deadline += period * ((now - l->deadline) / period + 1);
		break;
	}
	case LVT_MODE_TSC_DEADLINE:
		l->tsc_deadline = 0;
		l->deadline = 0;
		break;
	default:
		l->deadline = 0;
	}
}

u64 vlapic_poll(struct vlapic *l, u64 now)
{
	u32 lvt = l->lvt[1];

	if (!l->deadline || now < l->deadline)
		return l->deadline;
	if (!(lvt & LVT_MASK))
		vlapic_set_irr(l, lvt & 0xff);
	timer_expired(l, now);
	return l->deadline;
}

u64 vlapic_timer_period(const struct vlapic *l)
{
	return LVT_TIMER_MODE(l->lvt[1]) == LVT_MODE_PERIODIC && l->initial ?
	       fire_period(l) : 0;
}

void vlapic_timer_delivered(struct vlapic *l, u64 now)
{
	if (!l->deadline)
		return;
	l->direct_fires++;
	timer_expired(l, now);
}

u32 vlapic_tsc_deadline_sync(struct vlapic *l, u64 hw, bool raised, u64 read, u64 stopped)
{
	u32 lvt = l->lvt[1], direct = 0;

	if (LVT_TIMER_MODE(lvt) != LVT_MODE_TSC_DEADLINE)
		return 0;
	if (raised) {
		/* Taken by tern on the hardware: the guest gets it here, once,
		 * for hw too if hw had passed by the stop (an expiry then would
		 * have merged into the one pending). */
		l->timer_fires++;
		if (!(lvt & LVT_MASK))
			vlapic_set_irr(l, lvt & 0xff);
		if (hw <= stopped)
			hw = 0;
	} else if (hw && hw <= read) {
		/* Passed before it was read, nothing raised: the guest took
		 * it (the hardware kept the value). */
		l->timer_fires++;
		l->direct_fires++;
		direct = 1;
		hw = 0;
	}
	/* Ahead when read and not raised: it never fired on the hardware
	 * (stopped first), so it is the virtual timer's, even if it has
	 * passed since (the next vlapic_poll raises it). */
	l->tsc_deadline = hw;
	l->deadline = hw;
	return direct;
}

int vlapic_pending(const struct vlapic *l)
{
	int v;

	if (!(l->irr[0] | l->irr[1] | l->irr[2] | l->irr[3] | l->irr[4] |
	      l->irr[5] | l->irr[6] | l->irr[7]))
		return -1;		/* the common case, on every VM entry */
	v = highest(l->irr);

	if (v < 0 || !(l->svr & SVR_ENABLE))
		return -1;
	if (((u32)v & 0xf0) <= (ppr(l) & 0xf0))
		return -1;
	return v;
}

void vlapic_ack(struct vlapic *l, int v)
{
	__atomic_fetch_and(&l->irr[v / 32], ~(1U << (v % 32)), __ATOMIC_ACQ_REL);
	l->isr[v / 32] |= 1U << (v % 32);
	l->injected++;
}
