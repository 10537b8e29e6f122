/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern's own IOVA->HPA translations of a VM's vIOMMU (issue #12 item 2,
 * Amit's thesis 2.4.4 and 2.5.2): what a DMA by an emulated device uses
 * instead of walking the guest's tables on every request, with the page
 * pinned for as long as tern holds a translation to it.
 *
 * An entry maps (requester-id, IOVA page) to a guest page and its host
 * page, with the domain its context entry named and the access the walk
 * allowed. It is in one of four states:
 *
 *   live   the guest's mapping as tern last saw it; found by vmc_get,
 *          kept in LRU order (the least recently used goes first when
 *          the pool runs out);
 *   stale  the guest invalidated it (its unmap, with caching mode), but
 *          optimistic teardown keeps the translation and the pin alive in
 *          a FIFO bounded by a quota and a residency time; a guest map of
 *          the same IOVA to the same guest page within the window reuses
 *          it (no new entry, no pin, no teardown);
 *   dying  torn down (out of every lookup) while a DMA still holds it:
 *          its page stays pinned until the last vmc_put;
 *   free.
 *
 * Teardown is in batches: everything one invalidation (strict) or one
 * expiry check (optimistic) tears down counts as one physical
 * invalidation; an expiry check that must act takes, when the oldest is
 * past the residency, every stale entry (the young ones early: at most
 * one expiry batch a residency, as Linux's own flush queue flushes all
 * it deferred every 10 ms), and trims an over-full FIFO to 7/8 of its
 * quota, so batches are large, the IOTLB invalidation a shadowed mapping would need; for
 * tern's emulated devices it is the equivalent event. A page is unpinned
 * only after its entry is out of every lookup and no DMA holds it (thesis
 * 2.5.1: no stale translation outlives its pin). Several entries may map
 * one guest page: it is pinned once, while any of them exists.
 *
 * Shadowed entries (vmc_map_shadow: an assigned device's translations,
 * made when the guest maps, not at a DMA) also live in the physical VT-d:
 * ops->install writes the physical entry of a new one, ops->clear removes
 * it when it is torn down, and ops->flush, once per batch, is the physical
 * IOTLB invalidation, waited for, that covers every entry cleared since
 * the last: called before any page of the batch is unpinned. A shadowed
 * live entry is never evicted for room (the device may DMA through it at
 * any time); only the guest's unmap (vmc_sweep) or a drop removes it.
 *
 * Strict teardown tears down at once, so it never has stale entries.
 * Pure: time is passed in (ns), pins go through callbacks; the caller
 * serializes calls on one cache. Unit-tested.
 */
#ifndef TERN_CORE_VDEV_VIOMMU_VTD_MAPCACHE_H
#define TERN_CORE_VDEV_VIOMMU_VTD_MAPCACHE_H

#include "core/types.h"

#define VMC_QUOTA_DEFAULT	256
#define VMC_RESIDENCY_DEFAULT	10000000ULL	/* 10 ms, in ns */
#define VMC_QUOTA_MAX		65536
#define VMC_NONE		0xffffffffu

enum vmc_mode {
	VMC_STRICT = 0,
	VMC_OPTIMISTIC,
};

enum vmc_state {
	VMC_FREE = 0,
	VMC_LIVE,
	VMC_STALE,
	VMC_DYING,
};

struct vmc_entry;

struct vmc_ops {
	/* Pin guest page gpa: true and its host address; false: not the
	 * VM's RAM. *ours: whether unpin must undo it (false: the page was
	 * pinned by someone else already), handed back to unpin. */
	bool (*pin)(void *ctx, u64 gpa, u64 *hpa, bool *ours);
	void (*unpin)(void *ctx, u64 gpa, bool ours);
	/* Shadowing (NULL without): the physical entry of a new shadowed
	 * translation (false: none could be made; the translation is
	 * dropped); its removal at teardown; the batch's physical IOTLB
	 * invalidation covering every removal since the last, waited for
	 * (false: the unit did not answer: the pages stay pinned). */
	bool (*install)(void *ctx, const struct vmc_entry *e);
	void (*clear)(void *ctx, const struct vmc_entry *e);
	bool (*flush)(void *ctx);
};

struct vmc_entry {
	u64 iova, gpa, hpa;		/* pages */
	u64 since;			/* stale since (ns) */
	u32 prev, next;			/* the LRU (live) or the FIFO (stale) */
	u32 hnext;			/* (sid, iova) chain */
	u32 gnext;			/* guest-page chain: who pins it */
	u32 refs;			/* DMAs using it now */
	u16 sid, did;
	u8 state;			/* enum vmc_state */
	bool r, w;
	bool ours;			/* the page's pin: pin's *ours */
	bool shadow;			/* in the physical VT-d too */
	bool seen;			/* vmc_mark/vmc_sweep */
	bool keep_pin;			/* its invalidation failed */
};

struct vmc_list {
	u32 head, tail, n;
};

struct vmc_stats {
	u64 lookups, hits;		/* vmc_get; found live */
	u64 maps;			/* translations set up: new ones and reuses */
	u64 unmaps;			/* live entries the guest invalidated */
	u64 pins, unpins;		/* pages */
	u64 reused;			/* stale entries mapped again, same page */
	u64 deferred;			/* unmaps put into the FIFO */
	u64 expired, over_quota;	/* torn down from the FIFO: residency, quota */
	u64 replaced;			/* stale, but mapped again to another page */
	u64 evicted;			/* live, dropped for room (LRU) */
	u64 torn_down;			/* entries torn down, any reason */
	u64 phys_inv;			/* teardown batches (physical invalidations) */
	u64 phys_real;			/* of those, with shadowed entries: real ones */
	u64 flush_failed, kept_pinned;	/* the unit did not answer; pages kept */
	u64 installs, clears;		/* physical entries written, removed */
	u64 install_failed;		/* no physical entry could be made */
	u64 unmapped_in_flight;		/* torn down while a DMA held them */
	u64 stale_max;			/* most stale entries at once */
	u64 stale_longest_ns;		/* longest a stale entry lived */
	u64 no_room;			/* every entry held by a DMA */
};

/* Entries torn down per physical invalidation, at most. */
#define VMC_BATCH_MAX		64

struct vmc {
	const struct vmc_ops *ops;
	void *ctx;
	enum vmc_mode mode;
	u32 quota;
	u64 residency_ns;
	u32 nent, nhash;
	struct vmc_entry *ent;
	u32 *hash, *ghash;
	u32 free;			/* free entries, through next */
	struct vmc_list lru, fifo;
	u32 live, dying;
	u64 pinned;			/* distinct guest pages pinned now */
	/* The batch being torn down: out of every lookup, physical entries
	 * cleared, pages still pinned until vmc_commit's flush. */
	u32 batch[VMC_BATCH_MAX];
	u32 nbatch;
	bool batch_shadow;		/* it cleared physical entries */
	struct vmc_stats st;
};

/*
 * Room for live_max live entries and quota stale ones (allocated here).
 * 0, or -1 (out of memory; c is left empty and safe to free).
 */
int vmc_init(struct vmc *c, u32 live_max, u32 quota, u64 residency_ns, enum vmc_mode mode,
	     const struct vmc_ops *ops, void *ctx);
/* Tear everything down (pins given back) and free the pool. Entries still
 * held by a DMA keep their pins: the caller waits those out first. */
void vmc_destroy(struct vmc *c, u64 now);

/*
 * The live translation of sid's iova allowing the access (write: the
 * device writes memory): its entry, held (vmc_put), or VMC_NONE. Checks
 * the FIFO's bounds first (now).
 */
u32 vmc_get(struct vmc *c, u16 sid, u64 iova, bool write, u64 now);
/*
 * The guest's tables give sid's iova -> gpa (pages) with access r/w in
 * domain did: a live entry for it, held, or VMC_NONE (gpa not RAM, or no
 * room: every entry held). A stale entry of the same IOVA and page is
 * reused; one of another page is torn down first.
 */
u32 vmc_map(struct vmc *c, u16 sid, u16 did, u64 iova, u64 gpa, bool r, bool w, u64 now);
/* A DMA is done with entry i. */
void vmc_put(struct vmc *c, u32 i);
/* The host address of entry i's page. */
static inline u64 vmc_hpa(const struct vmc *c, u32 i)
{
	return c->ent[i].hpa;
}

/* What a guest invalidation covers (VT-d 6.5: global, domain, page range;
 * context: device with a function mask). */
enum vmc_sel_kind {
	VMC_SEL_ALL,
	VMC_SEL_DOMAIN,
	VMC_SEL_RANGE,			/* domain did, [iova, iova + len) */
	VMC_SEL_DEVICE,			/* sid, ignoring the function bits in fm */
};

struct vmc_sel {
	enum vmc_sel_kind kind;
	u16 did, sid;
	u8 fm;				/* VT-d 6.5.2.1: 1-3: mask 1-3 low bits */
	u64 iova, len;
};

/*
 * The guest invalidated what sel covers: its live entries are unmapped —
 * torn down at once (strict: one batch) or deferred into the FIFO
 * (optimistic). Returns how many live entries it unmapped.
 */
u32 vmc_invalidate(struct vmc *c, const struct vmc_sel *sel, u64 now);
/* Tear down what the FIFO's quota and residency no longer allow, in one
 * batch; the clock's check (vmc_due) and every queue access's. */
void vmc_expire(struct vmc *c, u64 now);
/* When vmc_expire next has work without a new unmap: the oldest stale
 * entry's end of residency; 0 with nothing stale. (Over the quota is
 * handled by the unmap that passes it.) */
u64 vmc_due(const struct vmc *c);
/* Tear down everything, live and stale, in one batch (translation off, a
 * new root table, a mode change, the VM's stop). */
void vmc_flush(struct vmc *c, u64 now);
/* Switch strict/optimistic (or stay): leaving optimistic flushes the
 * FIFO; the risk maxima (stale_max, stale_longest_ns) start again. */
void vmc_set_mode(struct vmc *c, enum vmc_mode mode, u64 now);

/*
 * Shadowing an assigned device sid (the caller walks the guest's tables,
 * vtd_walk.h's vtdw_enum, after each guest invalidation):
 *   vmc_mark   forget which of sid's live shadowed entries in [lo, hi)
 *              were seen;
 *   vmc_map_shadow  the guest maps iova -> gpa with r/w in domain did: the
 *              same live entry is kept (seen); a stale one of the same
 *              page and access is reused (no pin, no physical write); a
 *              differing one is torn down first; else a new entry, pinned
 *              and installed. Returns the entry (not held) or VMC_NONE.
 *   vmc_sweep  sid's live shadowed entries in [lo, hi) not seen since
 *              vmc_mark are the guest's unmaps: torn down (strict, one
 *              batch) or deferred (optimistic). Returns how many.
 *   vmc_drop   tear down every entry of sid, live or stale, at once (the
 *              device leaves shadowing).
 * Each ends with its batch committed (vmc_commit).
 */
void vmc_mark(struct vmc *c, u16 sid, u64 lo, u64 hi);
u32 vmc_map_shadow(struct vmc *c, u16 sid, u16 did, u64 iova, u64 gpa, bool r, bool w, u64 now);
u32 vmc_sweep(struct vmc *c, u16 sid, u64 lo, u64 hi, u64 now);
void vmc_drop(struct vmc *c, u16 sid, u64 now);
/* The batch out: one physical invalidation (ops->flush, if it cleared any
 * physical entry), then the pages no DMA holds unpinned. */
void vmc_commit(struct vmc *c);

/* Stale entries now, and the age of the oldest (0: none). */
static inline u32 vmc_stale_now(const struct vmc *c)
{
	return c->fifo.n;
}
u64 vmc_oldest_stale_ns(const struct vmc *c, u64 now);

#endif
