// SPDX-License-Identifier: GPL-2.0
/* IDT gates (SDM 3A 6.14.1) and per-core vector ownership. */
#include <string.h>

#include "core/cpu.h"
#include "core/log.h"
#include "core/percpu.h"
#include "irq/irq.h"
#include "irq/lapic.h"

struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 zero;
} __packed;

#define GATE_INTERRUPT	0x8e	/* present, DPL0, 64-bit interrupt gate */

extern const u64 irq_stub_table[256];

void idt_init_cpu(void *page)
{
	struct idt_gate *idt = page;

	for (int v = 0; v < 256; v++) {
		u64 h = irq_stub_table[v];

		idt[v].offset_lo = h & 0xffff;
		idt[v].selector = GDT_CODE;
		idt[v].ist = 0;
		idt[v].type_attr = GATE_INTERRUPT;
		idt[v].offset_mid = (h >> 16) & 0xffff;
		idt[v].offset_hi = h >> 32;
		idt[v].zero = 0;
	}
	/* Faults that may come with a broken stack get known-good ones. */
	idt[EXC_DF].ist = IST_DF;
	idt[EXC_NMI].ist = IST_NMI;
	idt[EXC_MC].ist = IST_MC;
}

void idt_load(void *page)
{
	struct {
		u16 limit;
		u64 base;
	} __packed d = { 256 * sizeof(struct idt_gate) - 1, (u64)page };

	__asm__ __volatile__("lidt %0" :: "m"(d));
}

void irq_set_handler(u32 vector, irq_handler_t fn, void *arg, const char *owner)
{
	struct irq_slot *s = &this_cpu()->vectors[vector & 0xff];

	s->fn = fn;
	s->arg = arg;
	s->owner = owner;
}

static bool take(struct irq_slot *s, irq_handler_t fn, void *arg, const char *owner,
		 irq_move_fn move)
{
	if (__atomic_load_n(&s->owner, __ATOMIC_ACQUIRE) ||
	    !__sync_bool_compare_and_swap(&s->owner, NULL, owner))
		return false;
	s->arg = arg;
	s->move = move;
	__atomic_store_n(&s->fn, fn, __ATOMIC_RELEASE);
	return true;
}

int irq_alloc_vector_movable(u32 cpu, irq_handler_t fn, void *arg, const char *owner,
			     irq_move_fn move)
{
	struct percpu *p = cpu < cpu_count ? cpus[cpu] : NULL;

	if (!p)
		return -1;
	for (int v = VEC_DYN_FIRST; v <= VEC_DYN_LAST; v++)
		if (take(&p->vectors[v], fn, arg, owner, move))
			return v;
	return -1;
}

int irq_alloc_vector(u32 cpu, irq_handler_t fn, void *arg, const char *owner)
{
	return irq_alloc_vector_movable(cpu, fn, arg, owner, NULL);
}

/*
 * Where the user of v moves: a free vector of its priority class (the
 * vector's upper nibble, SDM 3A 11.8.3), else the highest free one, so
 * its interrupts keep their place against the guest's as far as they can.
 */
static int move_target(struct percpu *p, u32 v, const struct irq_slot *from)
{
	u32 c = v & 0xf0;

	for (u32 t = MAX(c, (u32)VEC_DYN_FIRST); t <= MIN(c + 15, (u32)VEC_DYN_LAST); t++)
		if (take(&p->vectors[t], from->fn, from->arg, from->owner, from->move))
			return (int)t;
	for (u32 t = VEC_DYN_LAST + 1; t-- > VEC_DYN_FIRST;)
		if (take(&p->vectors[t], from->fn, from->arg, from->owner, from->move))
			return (int)t;
	return -1;
}

static bool fixed_vector(u32 v)
{
	return (v >= VEC_FIXED_FIRST && v <= VEC_FIXED_LAST) || v > VEC_CLAIM_LAST;
}

static int claim(u32 cpu, u32 v, irq_handler_t fn, void *arg, const char *owner)
{
	struct percpu *p = cpu < cpu_count ? cpus[cpu] : NULL;
	struct irq_slot *s;
	int to;

	if (!p || v < VEC_EXCEPTIONS_END || fixed_vector(v))
		return -1;
	s = &p->vectors[v];
	if (take(s, fn, arg, owner, NULL))
		return (int)v;
	if (!__atomic_load_n(&s->move, __ATOMIC_ACQUIRE))
		return -1;
	/* A movable user: its source moves to `to` (held for it), then v is
	 * the claimant's. An interrupt already sent with v reaches the
	 * claimant's handler: spurious to it; the mover makes up for one the
	 * user may lose (passthru.c). */
	to = move_target(p, v, s);
	if (to < 0)
		return -1;
	if (s->move(s->arg, cpu, v, (u32)to)) {
		irq_free_vector(cpu, (u32)to);
		return -1;
	}
	/* Never the old handler with the new argument: none in between (an
	 * interrupt then is counted as unexpected, and dropped). */
	__atomic_store_n(&s->fn, NULL, __ATOMIC_RELEASE);
	s->move = NULL;
	s->arg = arg;
	__atomic_store_n(&s->owner, owner, __ATOMIC_RELEASE);
	__atomic_store_n(&s->fn, fn, __ATOMIC_RELEASE);
	return (int)v;
}

int irq_claim_vector(u32 cpu, u32 v, irq_handler_t fn, void *arg, const char *owner)
{
	return v > VEC_DYN_LAST ? -1 : claim(cpu, v, fn, arg, owner);
}

int irq_claim_ipi_vector(u32 cpu, u32 v, irq_handler_t fn, void *arg, const char *owner)
{
	return claim(cpu, v, fn, arg, owner);
}

bool irq_vector_held_by(u32 cpu, u32 v, irq_handler_t fn, const void *arg)
{
	const struct irq_slot *s;

	if (cpu >= cpu_count || v > 0xff)
		return false;
	s = &cpus[cpu]->vectors[v];
	return __atomic_load_n(&s->fn, __ATOMIC_ACQUIRE) == fn && s->arg == arg;
}

void irq_free_vector(u32 cpu, u32 vector)
{
	struct irq_slot *s;

	if (cpu >= cpu_count || vector < VEC_EXCEPTIONS_END || fixed_vector(vector))
		return;
	s = &cpus[cpu]->vectors[vector];
	__atomic_store_n(&s->fn, NULL, __ATOMIC_RELEASE);
	s->arg = NULL;
	s->move = NULL;
	__atomic_store_n(&s->owner, NULL, __ATOMIC_RELEASE);
}

void irq_dispatch(struct regs *r)
{
	struct percpu *p = this_cpu();
	struct irq_slot *s;

	if (r->vector < VEC_EXCEPTIONS_END) {
		exception_handle(r);
		return;
	}
	if (r->vector == VEC_SPURIOUS)
		return;		/* no EOI for spurious (SDM 3A 11.9) */
	p->irq_count++;
	s = &p->vectors[r->vector];
	s->count++;
	if (s->fn)
		s->fn(r, s->arg);
	else
		pr_warn("irq: vector %#llx on cpu%u has no owner",
			(unsigned long long)r->vector, p->index);
	lapic_eoi();
}
