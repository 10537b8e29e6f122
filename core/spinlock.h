/* SPDX-License-Identifier: GPL-2.0 */
/* Ticket spinlocks: FIFO, so no CPU starves on a busy console or log. */
#ifndef TERN_CORE_SPINLOCK_H
#define TERN_CORE_SPINLOCK_H

#include "core/types.h"
#include "core/cpu.h"

typedef struct {
	volatile u32 next;
	volatile u32 owner;
} spinlock_t;

#define SPINLOCK_INIT	{ 0, 0 }

static inline void spin_lock(spinlock_t *l)
{
	u32 me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		cpu_relax();
}

static inline bool spin_trylock(spinlock_t *l)
{
	u32 owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	u32 expect = owner;

	return __atomic_compare_exchange_n(&l->next, &expect, owner + 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

static inline u64 spin_lock_irqsave(spinlock_t *l)
{
	u64 f = irq_save();

	spin_lock(l);
	return f;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, u64 f)
{
	spin_unlock(l);
	irq_restore(f);
}

#endif
