// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* One core's vector ownership: allocation, ELI's claims and moves. */
#include "irq/vectors.h"

static bool fixed_vector(u32 v)
{
	return v < VEC_EXCEPTIONS_END || (v >= VEC_FIXED_FIRST && v <= VEC_FIXED_LAST) ||
	       v > VEC_CLAIM_LAST;
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

int vectors_alloc(struct irq_slot *t, irq_handler_t fn, void *arg, const char *owner,
		  irq_move_fn move)
{
	for (int v = VEC_DYN_FIRST; v <= VEC_DYN_LAST; v++)
		if (take(&t[v], fn, arg, owner, move))
			return v;
	return -1;
}

/* Where the user of v moves, taken for it. */
static int move_target(struct irq_slot *t, u32 v)
{
	const struct irq_slot *from = &t[v];
	u32 c = v & 0xf0;

	for (u32 to = MAX(c, (u32)VEC_DYN_FIRST); to <= MIN(c + 15, (u32)VEC_DYN_LAST); to++)
		if (to != v && take(&t[to], from->fn, from->arg, from->owner, from->move))
			return (int)to;
	for (u32 to = VEC_DYN_LAST + 1; to-- > VEC_DYN_FIRST;)
		if (to != v && take(&t[to], from->fn, from->arg, from->owner, from->move))
			return (int)to;
	return -1;
}

int vectors_claim(struct irq_slot *t, u32 cpu, u32 v, u32 last, irq_handler_t fn, void *arg,
		  const char *owner)
{
	struct irq_slot *s;
	int to;

	if (v > last || v > 0xff || fixed_vector(v))
		return -1;
	s = &t[v];
	if (take(s, fn, arg, owner, NULL))
		return (int)v;
	if (!__atomic_load_n(&s->move, __ATOMIC_ACQUIRE))
		return -1;
	/* A movable user: its source moves to `to` (held for it), then v is
	 * the claimant's. An interrupt already sent with v reaches the
	 * claimant's handler: spurious to it; the mover makes up for one the
	 * user may lose (core/vdev/pci/passthru.c). */
	to = move_target(t, v);
	if (to < 0)
		return -1;
	if (s->move(s->arg, cpu, v, (u32)to)) {
		vectors_free(t, (u32)to);
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

bool vectors_held_by(const struct irq_slot *t, u32 v, irq_handler_t fn, const void *arg)
{
	return v <= 0xff && __atomic_load_n(&t[v].fn, __ATOMIC_ACQUIRE) == fn && t[v].arg == arg;
}

void vectors_free(struct irq_slot *t, u32 v)
{
	struct irq_slot *s;

	if (v > 0xff || fixed_vector(v))
		return;
	s = &t[v];
	__atomic_store_n(&s->fn, NULL, __ATOMIC_RELEASE);
	s->arg = NULL;
	s->move = NULL;
	__atomic_store_n(&s->owner, NULL, __ATOMIC_RELEASE);
}
