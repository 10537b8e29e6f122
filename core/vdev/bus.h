/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's device bus: which device answers a guest port or guest-physical
 * address. Devices register ranges with a callback; the exit handlers for
 * port I/O and MMIO look the access up and call it. One sorted table per
 * address space, searched by binary search.
 *
 * Ranges change while the VM runs (a guest moves a BAR from one vCPU
 * while another vCPU's access is being looked up), so lookups take no
 * lock: a generation counter, odd while a writer edits a table, tells a
 * reader to look again (a sequence count). Writers serialize on the bus
 * lock. A region's callback and context must outlive the VM's run.
 */
#ifndef TERN_CORE_VDEV_BUS_H
#define TERN_CORE_VDEV_BUS_H

#include "core/spinlock.h"
#include "core/types.h"

enum vdev_space {
	VDEV_PIO = 0,			/* ports 0-0xffff */
	VDEV_MMIO,			/* guest-physical addresses */
	VDEV_SPACES,
};

#define VDEV_REGIONS_MAX	64	/* per space */

struct vdev_region;

/*
 * One access at addr (absolute: a port or a guest-physical address) of
 * size bytes; *val holds the data for a write and takes it for a read.
 * false: the device does not answer this access (a size it does not
 * decode, say); the caller treats it as unclaimed.
 */
typedef bool (*vdev_rw_fn)(const struct vdev_region *r, u64 addr, u32 size, bool write,
			   u64 *val);

struct vdev_region {
	u64 base, end;			/* [base, end) */
	vdev_rw_fn rw;
	void *ctx;
	u32 arg;			/* the device's own (a BAR number, say) */
	const char *name;
};

struct vdev_table {
	u32 n;
	struct vdev_region r[VDEV_REGIONS_MAX];
};

struct vdev_bus {
	spinlock_t lock;		/* writers */
	volatile u64 generation;	/* odd: a table is being changed */
	struct vdev_table space[VDEV_SPACES];
};

/*
 * The region an accessor (a vCPU) last reached, and the bus generation it
 * was valid for: a guest tends to talk to one device several times in a
 * row (a UART's data and status ports, a timer it polls), and a hit costs
 * two compares instead of a search. Any change to the bus invalidates it.
 */
struct vdev_hit {
	u64 gen;
	struct vdev_region r;
};

/* Empty, as at VM start. Nobody may be looking it up. */
void vdev_bus_clear(struct vdev_bus *b);
/*
 * Add [base, base+len). 0, or -1 if it overlaps a region (*clash is then
 * that region's name) or the table is full (*clash NULL).
 */
int vdev_register(struct vdev_bus *b, enum vdev_space s, u64 base, u64 len, vdev_rw_fn rw,
		  void *ctx, u32 arg, const char *name, const char **clash);
/* Remove the region starting at base; -1 if there is none. */
int vdev_unregister(struct vdev_bus *b, enum vdev_space s, u64 base);
/* The region holding addr, copied to *out; false: none. Any core. */
bool vdev_lookup(struct vdev_bus *b, enum vdev_space s, u64 addr, struct vdev_region *out);
/* The search and call behind vdev_access when the cache misses. */
bool vdev_access_slow(struct vdev_bus *b, struct vdev_hit *hit, enum vdev_space s, u64 addr,
		      u32 size, bool write, u64 *val);

/*
 * Look up (through hit, if not NULL) and call; false: nobody answers (no
 * region, or it declined). Inline: a cache hit is the exit path's common
 * case and costs a load and two compares before the device's callback.
 */
static inline bool vdev_access(struct vdev_bus *b, struct vdev_hit *hit, enum vdev_space s,
			       u64 addr, u32 size, bool write, u64 *val)
{
	/* The region copy stays valid while the generation has not moved. */
	if (hit && hit->gen == __atomic_load_n(&b->generation, __ATOMIC_ACQUIRE) &&
	    addr - hit->r.base < hit->r.end - hit->r.base)
		return hit->r.rw(&hit->r, addr, size, write, val);
	return vdev_access_slow(b, hit, s, addr, size, write, val);
}

#endif
