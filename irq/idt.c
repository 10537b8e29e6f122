// SPDX-License-Identifier: GPL-2.0
/* IDT gates (SDM 3A 6.14.1), dispatch, and each core's vector table
 * (irq/vectors.c). */
#include <string.h>

#include "core/cpu.h"
#include "core/log.h"
#include "core/percpu.h"
#include "irq/irq.h"
#include "irq/lapic.h"
#include "irq/vectors.h"

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

static struct irq_slot *table(u32 cpu)
{
	return cpu < cpu_count ? cpus[cpu]->vectors : NULL;
}

int irq_alloc_vector_movable(u32 cpu, irq_handler_t fn, void *arg, const char *owner,
			     irq_move_fn move)
{
	struct irq_slot *t = table(cpu);

	return t ? vectors_alloc(t, fn, arg, owner, move) : -1;
}

int irq_alloc_vector(u32 cpu, irq_handler_t fn, void *arg, const char *owner)
{
	return irq_alloc_vector_movable(cpu, fn, arg, owner, NULL);
}

int irq_claim_vector(u32 cpu, u32 v, irq_handler_t fn, void *arg, const char *owner)
{
	struct irq_slot *t = table(cpu);

	return t ? vectors_claim(t, cpu, v, VEC_DYN_LAST, fn, arg, owner) : -1;
}

int irq_claim_ipi_vector(u32 cpu, u32 v, irq_handler_t fn, void *arg, const char *owner)
{
	struct irq_slot *t = table(cpu);

	return t ? vectors_claim(t, cpu, v, VEC_CLAIM_LAST, fn, arg, owner) : -1;
}

bool irq_vector_held_by(u32 cpu, u32 v, irq_handler_t fn, const void *arg)
{
	const struct irq_slot *t = table(cpu);

	return t && vectors_held_by(t, v, fn, arg);
}

void irq_free_vector(u32 cpu, u32 vector)
{
	struct irq_slot *t = table(cpu);

	if (t)
		vectors_free(t, vector);
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
