/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One core's vector ownership (struct percpu's slots), pure so that the
 * host unit tests run the kernel's own code (irq/idt.c wraps it per core).
 * A slot is taken by a compare-and-swap of its owner, so cores may
 * allocate on each other's tables; a claim (ELI, thesis 3.5.3) runs under
 * the claimant's locks (irq.h: irq_move_fn).
 */
#ifndef TERN_IRQ_VECTORS_H
#define TERN_IRQ_VECTORS_H

#include "irq/irq.h"

/* The first free vector of [VEC_DYN_FIRST, VEC_DYN_LAST], or -1. */
int vectors_alloc(struct irq_slot *t, irq_handler_t fn, void *arg, const char *owner,
		  irq_move_fn move);
/*
 * Vector v (up to `last`) for the claimant: free, or held by a movable
 * user, which first moves (its move(cpu, v, to)) to a free vector of v's
 * priority class (the upper nibble, SDM 3A 11.8.3), else to the highest
 * free one, so its interrupts keep their place against the guest's as far
 * as they can. v, or -1 (exceptions, fixed vectors, an unmovable user, no
 * room, or the mover refused: then nothing changed).
 */
int vectors_claim(struct irq_slot *t, u32 cpu, u32 v, u32 last, irq_handler_t fn, void *arg,
		  const char *owner);
bool vectors_held_by(const struct irq_slot *t, u32 v, irq_handler_t fn, const void *arg);
void vectors_free(struct irq_slot *t, u32 v);

#endif
