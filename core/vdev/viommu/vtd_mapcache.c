// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* tern's IOVA->HPA translations with optimistic teardown (vtd_mapcache.h). */
#include <stdlib.h>
#include <string.h>

#include "core/vdev/viommu/vtd_mapcache.h"

#define PG_MASK		(~0xfffULL)

static u32 hash_key(const struct vmc *c, u16 sid, u64 iova)
{
	u64 k = (iova >> 12) ^ ((u64)sid << 40);

	return (u32)((k * 0x9e3779b97f4a7c15ULL) >> 32) % c->nhash;
}

static u32 hash_gpa(const struct vmc *c, u64 gpa)
{
	return (u32)(((gpa >> 12) * 0x9e3779b97f4a7c15ULL) >> 32) % c->nhash;
}

/* --- the two lists (LRU of live entries, FIFO of stale ones) --- */

static void list_add_tail(struct vmc *c, struct vmc_list *l, u32 i)
{
	struct vmc_entry *e = &c->ent[i];

	e->prev = l->tail;
	e->next = VMC_NONE;
	if (l->tail != VMC_NONE)
		c->ent[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
	l->n++;
}

static void list_del(struct vmc *c, struct vmc_list *l, u32 i)
{
	struct vmc_entry *e = &c->ent[i];

	if (e->prev != VMC_NONE)
		c->ent[e->prev].next = e->next;
	else
		l->head = e->next;
	if (e->next != VMC_NONE)
		c->ent[e->next].prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = VMC_NONE;
	l->n--;
}

/* --- the chains --- */

static void chain_del(struct vmc *c, u32 *head, u32 i, bool by_gpa)
{
	for (u32 *p = head; *p != VMC_NONE; p = by_gpa ? &c->ent[*p].gnext : &c->ent[*p].hnext) {
		if (*p == i) {
			*p = by_gpa ? c->ent[i].gnext : c->ent[i].hnext;
			return;
		}
	}
}

static u32 find(const struct vmc *c, u16 sid, u64 iova)
{
	for (u32 i = c->hash[hash_key(c, sid, iova)]; i != VMC_NONE; i = c->ent[i].hnext)
		if (c->ent[i].sid == sid && c->ent[i].iova == iova)
			return i;
	return VMC_NONE;
}

/* Another entry that pins gpa (i excluded), or VMC_NONE. */
static u32 find_gpa(const struct vmc *c, u64 gpa, u32 except)
{
	for (u32 i = c->ghash[hash_gpa(c, gpa)]; i != VMC_NONE; i = c->ent[i].gnext)
		if (i != except && c->ent[i].gpa == gpa)
			return i;
	return VMC_NONE;
}

/* --- teardown --- */

/* The last step: the page given back if no other entry pins it (and its
 * batch's invalidation was done: else the pin stays, counted). */
static void release(struct vmc *c, u32 i)
{
	struct vmc_entry *e = &c->ent[i];

	chain_del(c, &c->ghash[hash_gpa(c, e->gpa)], i, true);
	if (find_gpa(c, e->gpa, VMC_NONE) == VMC_NONE) {
		if (e->keep_pin)
			c->st.kept_pinned++;
		else
			c->ops->unpin(c->ctx, e->gpa, e->ours);
		c->st.unpins++;
		c->pinned--;
	}
	e->state = VMC_FREE;
	e->next = c->free;
	c->free = i;
}

void vmc_commit(struct vmc *c)
{
	u32 n = c->nbatch;
	bool ok = true;

	if (!n)
		return;
	c->nbatch = 0;
	c->st.phys_inv++;
	/* The physical IOTLB forgets every cleared entry before any of
	 * their pages goes back (thesis 2.5.1). */
	if (c->batch_shadow) {
		c->batch_shadow = false;
		c->st.phys_real++;
		ok = c->ops->flush(c->ctx);
		if (!ok)
			c->st.flush_failed++;
	}
	for (u32 k = 0; k < n; k++) {
		struct vmc_entry *e = &c->ent[c->batch[k]];

		e->keep_pin |= !ok;
		if (!e->refs) {
			c->dying--;
			release(c, c->batch[k]);
		}
	}
}

/* How long since `since`: 0 if `now` is earlier. The times come from the
 * cores that deferred and that look (samecore: any vCPU's), whose TSCs may
 * differ by a little (Bochs: a few ticks); a negative age must not read
 * as an aeon (an early expiry, a "longest" near 2^64 ns). */
static u64 age_ns(u64 now, u64 since)
{
	return now > since ? now - since : 0;
}

/* Out of its list and the lookup (and the physical VT-d), into the batch;
 * released at vmc_commit, or by the last vmc_put after it. */
static void unlink(struct vmc *c, u32 i, u64 now)
{
	struct vmc_entry *e = &c->ent[i];

	if (c->nbatch == VMC_BATCH_MAX)
		vmc_commit(c);
	if (e->state == VMC_LIVE) {
		list_del(c, &c->lru, i);
		c->live--;
	} else if (e->state == VMC_STALE) {
		list_del(c, &c->fifo, i);
		c->st.stale_longest_ns = MAX(c->st.stale_longest_ns, age_ns(now, e->since));
	}
	chain_del(c, &c->hash[hash_key(c, e->sid, e->iova)], i, false);
	if (e->shadow) {
		c->ops->clear(c->ctx, e);
		c->st.clears++;
		c->batch_shadow = true;
	}
	c->st.torn_down++;
	e->state = VMC_DYING;
	c->dying++;
	if (e->refs)
		c->st.unmapped_in_flight++;
	c->batch[c->nbatch++] = i;
}

u64 vmc_oldest_stale_ns(const struct vmc *c, u64 now)
{
	return c->fifo.n ? age_ns(now, c->ent[c->fifo.head].since) : 0;
}

u64 vmc_due(const struct vmc *c)
{
	return c->fifo.n ? c->ent[c->fifo.head].since + c->residency_ns : 0;
}

void vmc_expire(struct vmc *c, u64 now)
{
	bool expired;
	u32 keep;
	u64 age;

	if (!c->fifo.n)
		return;
	age = age_ns(now, c->ent[c->fifo.head].since);
	if (c->fifo.n <= c->quota && age < c->residency_ns)
		return;
	/* One batch, one invalidation: over the quota, down to 7/8 of it;
	 * the oldest past the residency, all of them. Keeping the young ones
	 * to their own expiry would cost an invalidation every fraction of
	 * the residency; flushed now they cost none, and the staleness bound
	 * is the same. */
	keep = c->fifo.n > c->quota ? c->quota - c->quota / 8 : c->fifo.n;
	expired = age >= c->residency_ns;
	while (c->fifo.n) {
		u32 i = c->fifo.head;

		if (c->fifo.n > keep)
			c->st.over_quota++;
		else if (expired)
			c->st.expired++;
		else
			break;
		unlink(c, i, now);
	}
	vmc_commit(c);
}

/* Tear down every entry of list l (the caller's one batch). */
static void tear_all(struct vmc *c, struct vmc_list *l, u64 now)
{
	while (l->n)
		unlink(c, l->head, now);
}

void vmc_flush(struct vmc *c, u64 now)
{
	tear_all(c, &c->fifo, now);
	tear_all(c, &c->lru, now);
	vmc_commit(c);
}

void vmc_set_mode(struct vmc *c, enum vmc_mode mode, u64 now)
{
	if (mode == VMC_STRICT && c->mode != VMC_STRICT) {
		tear_all(c, &c->fifo, now);
		vmc_commit(c);
	}
	/* The risk figures are the mode's own from here. */
	c->st.stale_max = c->fifo.n;
	c->st.stale_longest_ns = 0;
	c->mode = mode;
}

/* --- lookup and map --- */

u32 vmc_get(struct vmc *c, u16 sid, u64 iova, bool write, u64 now)
{
	u32 i;

	vmc_expire(c, now);
	c->st.lookups++;
	i = find(c, sid, iova & PG_MASK);
	if (i == VMC_NONE || c->ent[i].state != VMC_LIVE || !(write ? c->ent[i].w : c->ent[i].r))
		return VMC_NONE;
	/* Most recently used at the LRU's tail. */
	list_del(c, &c->lru, i);
	list_add_tail(c, &c->lru, i);
	c->ent[i].refs++;
	c->st.hits++;
	return i;
}

/* A free entry: from the free list, else the FIFO's oldest (stale), else
 * the least recently used live entry no DMA holds. */
static u32 take(struct vmc *c, u64 now)
{
	u32 i;

	while (c->free == VMC_NONE) {
		if (c->fifo.n) {
			i = c->fifo.head;
			c->st.over_quota++;
		} else {
			/* Not one the device may DMA through. */
			for (i = c->lru.head; i != VMC_NONE && (c->ent[i].refs || c->ent[i].shadow);
			     i = c->ent[i].next)
				;
			if (i == VMC_NONE) {
				c->st.no_room++;
				return VMC_NONE;
			}
			c->st.evicted++;
		}
		unlink(c, i, now);
		vmc_commit(c);
	}
	i = c->free;
	c->free = c->ent[i].next;
	return i;
}

/* vmc_map and vmc_map_shadow: the entry, or VMC_NONE; held (refs) only
 * for an emulated device's DMA. */
static u32 map_entry(struct vmc *c, u16 sid, u16 did, u64 iova, u64 gpa, bool r, bool w,
		     bool shadow, u64 now)
{
	struct vmc_entry *e;
	u32 i, o;
	u64 hpa;
	bool ours;

	iova &= PG_MASK;
	gpa &= PG_MASK;
	vmc_expire(c, now);
	i = find(c, sid, iova);
	if (i != VMC_NONE) {
		e = &c->ent[i];
		/* The same page: reused, whatever the state; a shadowed one
		 * only with the same access (its physical entry has it). */
		if (e->gpa == gpa && (!e->shadow || (e->r == r && e->w == w))) {
			if (e->state == VMC_STALE) {
				list_del(c, &c->fifo, i);
				c->st.stale_longest_ns = MAX(c->st.stale_longest_ns,
							     age_ns(now, e->since));
				c->st.reused++;
				list_add_tail(c, &c->lru, i);
				c->live++;
				e->state = VMC_LIVE;
				c->st.maps++;
			} else {
				list_del(c, &c->lru, i);
				list_add_tail(c, &c->lru, i);
				if (!shadow)
					c->st.maps++;
			}
			e->did = did;
			e->r = r;
			e->w = w;
			e->seen = true;
			if (!shadow)
				e->refs++;
			return i;
		}
		/* Another page now: the old translation goes first. */
		if (e->state == VMC_STALE)
			c->st.replaced++;
		unlink(c, i, now);
		vmc_commit(c);
	}
	/* The slot first: making room may tear down the page's last pin. */
	i = take(c, now);
	if (i == VMC_NONE)
		return VMC_NONE;
	o = find_gpa(c, gpa, VMC_NONE);
	if (o != VMC_NONE) {
		hpa = c->ent[o].hpa;
		ours = c->ent[o].ours;
	} else if (c->ops->pin(c->ctx, gpa, &hpa, &ours)) {
		c->st.pins++;
		c->pinned++;
	} else {
		c->ent[i].state = VMC_FREE;
		c->ent[i].next = c->free;
		c->free = i;
		return VMC_NONE;
	}
	e = &c->ent[i];
	*e = (struct vmc_entry){ .iova = iova, .gpa = gpa, .hpa = hpa, .sid = sid, .did = did,
				 .state = VMC_LIVE, .r = r, .w = w, .ours = ours,
				 .refs = shadow ? 0 : 1, .shadow = shadow, .seen = true };
	e->hnext = c->hash[hash_key(c, sid, iova)];
	c->hash[hash_key(c, sid, iova)] = i;
	e->gnext = c->ghash[hash_gpa(c, gpa)];
	c->ghash[hash_gpa(c, gpa)] = i;
	list_add_tail(c, &c->lru, i);
	c->live++;
	c->st.maps++;
	if (shadow) {
		if (c->ops->install(c->ctx, e)) {
			c->st.installs++;
		} else {
			/* Never in the physical VT-d: no invalidation owed. */
			c->st.install_failed++;
			e->shadow = false;
			unlink(c, i, now);
			vmc_commit(c);
			return VMC_NONE;
		}
	}
	return i;
}

u32 vmc_map(struct vmc *c, u16 sid, u16 did, u64 iova, u64 gpa, bool r, bool w, u64 now)
{
	return map_entry(c, sid, did, iova, gpa, r, w, false, now);
}

u32 vmc_map_shadow(struct vmc *c, u16 sid, u16 did, u64 iova, u64 gpa, bool r, bool w, u64 now)
{
	return map_entry(c, sid, did, iova, gpa, r, w, true, now);
}

void vmc_put(struct vmc *c, u32 i)
{
	struct vmc_entry *e = &c->ent[i];

	if (i >= c->nent || !e->refs)
		return;
	if (--e->refs || e->state != VMC_DYING)
		return;
	/* Torn down while in flight: its batch's invalidation is done
	 * (every public call commits its batch before it returns). */
	c->dying--;
	release(c, i);
}

/* --- invalidation --- */

static bool covers(const struct vmc_sel *s, const struct vmc_entry *e)
{
	switch (s->kind) {
	case VMC_SEL_ALL:
		return true;
	case VMC_SEL_DOMAIN:
		return e->did == s->did;
	case VMC_SEL_RANGE:
		return e->did == s->did && e->iova >= s->iova && e->iova - s->iova < s->len;
	case VMC_SEL_DEVICE: {
		u16 m = (u16)((1u << (s->fm > 3 ? 3 : s->fm)) - 1);

		return (e->sid & ~m) == (s->sid & ~m);
	}
	}
	return false;
}

/* The guest unmapped live entry i: torn down (strict, into the batch) or
 * deferred (optimistic). */
static void unmap_one(struct vmc *c, u32 i, u64 now)
{
	c->st.unmaps++;
	if (c->mode == VMC_OPTIMISTIC) {
		/* Logically unmapped, physically alive. */
		list_del(c, &c->lru, i);
		c->live--;
		c->ent[i].state = VMC_STALE;
		c->ent[i].since = now;
		list_add_tail(c, &c->fifo, i);
		c->st.deferred++;
		if (c->fifo.n > c->st.stale_max)
			c->st.stale_max = c->fifo.n;
	} else {
		unlink(c, i, now);
	}
}

u32 vmc_invalidate(struct vmc *c, const struct vmc_sel *sel, u64 now)
{
	u32 unmapped = 0;
	u32 i = c->lru.head;

	while (i != VMC_NONE) {
		u32 next = c->ent[i].next;

		/* Shadowed entries follow the guest's tables (vmc_sweep). */
		if (!c->ent[i].shadow && covers(sel, &c->ent[i])) {
			unmapped++;
			unmap_one(c, i, now);
		}
		i = next;
	}
	vmc_commit(c);
	vmc_expire(c, now);
	return unmapped;
}

static bool in_range(const struct vmc_entry *e, u16 sid, u64 lo, u64 hi)
{
	return e->shadow && e->sid == sid && e->iova >= lo && e->iova < hi;
}

void vmc_mark(struct vmc *c, u16 sid, u64 lo, u64 hi)
{
	for (u32 i = c->lru.head; i != VMC_NONE; i = c->ent[i].next)
		if (in_range(&c->ent[i], sid, lo, hi))
			c->ent[i].seen = false;
}

u32 vmc_sweep(struct vmc *c, u16 sid, u64 lo, u64 hi, u64 now)
{
	u32 unmapped = 0;
	u32 i = c->lru.head;

	while (i != VMC_NONE) {
		u32 next = c->ent[i].next;

		if (in_range(&c->ent[i], sid, lo, hi) && !c->ent[i].seen) {
			unmapped++;
			unmap_one(c, i, now);
		}
		i = next;
	}
	vmc_commit(c);
	vmc_expire(c, now);
	return unmapped;
}

void vmc_drop(struct vmc *c, u16 sid, u64 now)
{
	struct vmc_list *lists[2] = { &c->fifo, &c->lru };

	for (u32 k = 0; k < 2; k++) {
		u32 i = lists[k]->head;

		while (i != VMC_NONE) {
			u32 next = c->ent[i].next;

			if (c->ent[i].sid == sid)
				unlink(c, i, now);
			i = next;
		}
	}
	vmc_commit(c);
}

/* --- setup --- */

int vmc_init(struct vmc *c, u32 live_max, u32 quota, u64 residency_ns, enum vmc_mode mode,
	     const struct vmc_ops *ops, void *ctx)
{
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->ctx = ctx;
	c->mode = mode;
	c->quota = quota;
	c->residency_ns = residency_ns;
	c->lru = c->fifo = (struct vmc_list){ VMC_NONE, VMC_NONE, 0 };
	c->free = VMC_NONE;
	/* The FIFO may hold quota + 1 for a moment (checked right after). */
	c->nent = live_max + quota + 1;
	c->nhash = c->nent * 2;
	c->ent = calloc(c->nent, sizeof(*c->ent));
	c->hash = malloc(c->nhash * sizeof(*c->hash));
	c->ghash = malloc(c->nhash * sizeof(*c->ghash));
	if (!c->ent || !c->hash || !c->ghash) {
		free(c->ent);
		free(c->hash);
		free(c->ghash);
		c->ent = NULL;
		c->hash = c->ghash = NULL;
		c->nent = 0;
		return -1;
	}
	for (u32 i = 0; i < c->nhash; i++)
		c->hash[i] = c->ghash[i] = VMC_NONE;
	for (u32 i = c->nent; i--;) {
		c->ent[i].next = c->free;
		c->free = i;
	}
	return 0;
}

void vmc_destroy(struct vmc *c, u64 now)
{
	if (!c->ent)
		return;
	vmc_flush(c, now);
	free(c->ent);
	free(c->hash);
	free(c->ghash);
	c->ent = NULL;
	c->hash = c->ghash = NULL;
	c->nent = 0;
}
