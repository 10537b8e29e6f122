// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/vdev/bus.h"

void vdev_bus_clear(struct vdev_bus *b)
{
	memset(b, 0, sizeof(*b));
	b->lock = (spinlock_t)SPINLOCK_INIT;
}

/* The first region whose end lies above addr (the only one that can hold
 * it, the table being sorted and free of overlaps). */
static u32 first_above(const struct vdev_table *t, u64 addr)
{
	u32 lo = 0, hi = t->n;

	while (lo < hi) {
		u32 mid = (lo + hi) / 2;

		if (t->r[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A writer's edit: readers that overlap it see an odd or changed count. */
static void edit_begin(struct vdev_bus *b)
{
	__atomic_store_n(&b->generation, b->generation + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void edit_end(struct vdev_bus *b)
{
	__atomic_store_n(&b->generation, b->generation + 1, __ATOMIC_RELEASE);
}

int vdev_register(struct vdev_bus *b, enum vdev_space s, u64 base, u64 len, vdev_rw_fn rw,
		  void *ctx, u32 arg, const char *name, const char **clash)
{
	struct vdev_table *t = &b->space[s];
	u64 f, end = base + len;
	int rc = -1;
	u32 i;

	*clash = NULL;
	if (!len || end < base)
		return -1;
	f = spin_lock_irqsave(&b->lock);
	i = first_above(t, base);
	if (i < t->n && t->r[i].base < end) {
		*clash = t->r[i].name;
	} else if (t->n < VDEV_REGIONS_MAX) {
		edit_begin(b);
		memmove(&t->r[i + 1], &t->r[i], (t->n - i) * sizeof(t->r[0]));
		t->r[i] = (struct vdev_region){ base, end, rw, ctx, arg, name };
		t->n++;
		edit_end(b);
		rc = 0;
	}
	spin_unlock_irqrestore(&b->lock, f);
	return rc;
}

int vdev_unregister(struct vdev_bus *b, enum vdev_space s, u64 base)
{
	struct vdev_table *t = &b->space[s];
	u64 f = spin_lock_irqsave(&b->lock);
	u32 i = first_above(t, base);
	int rc = -1;

	if (i < t->n && t->r[i].base == base) {
		edit_begin(b);
		memmove(&t->r[i], &t->r[i + 1], (t->n - i - 1) * sizeof(t->r[0]));
		t->n--;
		edit_end(b);
		rc = 0;
	}
	spin_unlock_irqrestore(&b->lock, f);
	return rc;
}

/* The lookup; *gen_out: the generation the copy is valid for. */
static bool lookup(struct vdev_bus *b, enum vdev_space s, u64 addr, struct vdev_region *out,
		   u64 *gen_out)
{
	const struct vdev_table *t = &b->space[s];
	bool found;
	u64 gen;

	for (;;) {
		gen = __atomic_load_n(&b->generation, __ATOMIC_ACQUIRE);
		if (gen & 1) {
			cpu_relax();
			continue;
		}
		/* A torn copy is possible here; the count check discards it. */
		u32 n = READ_ONCE(t->n), i = first_above(t, addr);

		found = i < n && t->r[i].base <= addr && addr < t->r[i].end;
		if (found)
			*out = t->r[i];
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&b->generation, __ATOMIC_RELAXED) == gen) {
			*gen_out = gen;
			return found;
		}
	}
}

bool vdev_lookup(struct vdev_bus *b, enum vdev_space s, u64 addr, struct vdev_region *out)
{
	u64 gen;

	return lookup(b, s, addr, out, &gen);
}

bool vdev_access_slow(struct vdev_bus *b, struct vdev_hit *hit, enum vdev_space s, u64 addr,
		      u32 size, bool write, u64 *val)
{
	struct vdev_region r;
	u64 gen;

	if (!hit) {
		if (!lookup(b, s, addr, &r, &gen))
			return false;
		return r.rw(&r, addr, size, write, val);
	}
	if (!lookup(b, s, addr, &hit->r, &hit->gen)) {
		hit->r.base = hit->r.end = 0;	/* nothing to hit */
		return false;
	}
	return hit->r.rw(&hit->r, addr, size, write, val);
}
