/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's assigned devices behind its vIOMMU (issue #12 item 2b, Amit's
 * thesis 2.5.1): each device's DMA goes where the guest's own VT-d tables
 * say, enforced by the physical VT-d.
 *
 * While the guest's unit does not translate (GSTS.TES clear), or its
 * context entry for the device asks for pass-through, the device stays in
 * the VM's GPA mirror (iommu/vtd.h, vtd_domain_mirror), as without a
 * vIOMMU; an overcommitted VM has no mirror (it would pin all its RAM),
 * and the device's DMA is then blocked (mirror NULL). Once the guest translates for it, the device moves to a
 * physical domain of its own (the shadow) that holds exactly tern's
 * shadowed translations of it (vtd_mapcache.h): IOVA -> the host page
 * behind the guest page the guest's table names. Nothing else: an IOVA
 * the guest has not mapped, or a context entry that is missing or bad,
 * is blocked and faults in the physical unit.
 *
 * Entries are made when the guest maps (the emulated unit has caching
 * mode, so the guest's invalidation after each map is where tern walks,
 * vtd_shadow.h) and removed when it unmaps or a teardown batch takes a
 * stale one: each batch clears its physical entries, then ONE physical
 * IOTLB invalidation (page-selective where one aligned block covers the
 * batch, domain-selective otherwise, global if the batch spans devices),
 * waited for, and only then are the pages unpinned (vmc_commit). A unit
 * that does not answer keeps the pages pinned.
 *
 * The events (pins, installs, clears, invalidations, unpins) go into a
 * small log for `iommu selftest viommu`, which checks their order.
 *
 * A physical fault of a device in its shadow (an IOVA the guest has not
 * mapped, a write to a page it mapped read-only) is passed on to the
 * guest's unit (its fault registers and fault event, unless the guest's
 * context entry has FPD) with the guest's requester-id: what hardware
 * would have recorded.
 *
 * Each entry has exactly the guest's permissions: read-only, read-write
 * or write-only (VT-d 9.8: W without R is legal; MAP_NO_READ, mm/paging.h).
 *
 * Not done: a VM that is not overcommitted keeps its GPA mirror built
 * (all RAM pinned) while its devices are shadowed.
 * Everything runs under the VM's platform lock (vplat_lock).
 */
#ifndef TERN_CORE_VDEV_VIOMMU_VIOMMU_SHADOW_H
#define TERN_CORE_VDEV_VIOMMU_VIOMMU_SHADOW_H

#include <stddef.h>

#include "core/types.h"
#include "core/vdev/viommu/vtd_mapcache.h"
#include "core/vdev/viommu/vtd_regs_emul.h"
#include "core/vdev/viommu/vtd_walk.h"
#include "core/vm/config.h"
#include "iommu/vtd.h"

#define VSHADOW_DEVS		CONFIG_MAX_DEVICES
/* Physical domain IDs: the VMs' mirrors use 16 + index. */
#define VSHADOW_DID_BASE	(16 + CONFIG_MAX_VMS)
#define VSHADOW_LOG		64

enum vshadow_ev {
	VSH_EV_PIN, VSH_EV_INSTALL, VSH_EV_CLEAR, VSH_EV_INV_PAGE, VSH_EV_INV_DOMAIN,
	VSH_EV_INV_GLOBAL, VSH_EV_INV_FAILED, VSH_EV_UNPIN,
};

struct vshadow_event {
	u8 kind;			/* enum vshadow_ev */
	u64 iova, gpa;			/* invalidations: first page (page) */
};

struct vshadow_dev {
	bool used;
	u16 gsid;			/* the guest's requester-id */
	u8 bus, devfn;			/* the physical function */
	struct vtd_domain *mirror;	/* the VM's GPA mirror */
	struct vtd_domain dom;		/* its shadow domain */
	bool dom_live, in_shadow;
	bool ctx_ok;			/* the guest's context translates */
	struct vtdw_ctx ctx;
	u64 syncs, seen, refused, unmapped, truncated;
	u64 again;			/* syncs stopped at a guest page on disk */
};

struct vshadow {
	u32 vm_index;
	struct vshadow_dev dev[VSHADOW_DEVS];
	/* Physical entries cleared since the last invalidation. */
	bool pend, pend_multi;
	u64 pend_lo, pend_hi;
	struct vtd_domain *pend_dom;
	/* Real physical IOTLB invalidations, by granularity. */
	u64 inv_page, inv_domain, inv_global, inv_failed;
	u64 switches;			/* devices moved between mirror and shadow */
	u64 faults_passed, faults_fpd;	/* physical faults to the guest; not (FPD) */
	/* Record a fault for the guest (gsid's request, as it saw it). */
	void (*fault)(void *ctx, u16 gsid, const struct vtd_fault *f);
	void *ctx;
	struct vshadow_event log[VSHADOW_LOG];
	u32 nlog;			/* events ever; the last VSHADOW_LOG kept */
};

/* Physical faults of this VM's shadowed devices to fault(ctx, ...), from
 * now on (the fault interrupt's context: fault takes the locks it needs);
 * unregister before s goes away. */
void vshadow_register(struct vshadow *s, void (*fault)(void *ctx, u16 gsid,
							const struct vtd_fault *f), void *ctx);
void vshadow_unregister(struct vshadow *s);

/* An assigned device (the guest's sid, the physical function), now in
 * the VM's mirror (NULL: none, its DMA blocked until the guest
 * translates for it). -1 and why in err: no room, no domain. */
int vshadow_add(struct vshadow *s, u16 gsid, u8 bus, u8 devfn, struct vtd_domain *mirror,
		char *err, size_t n);
/* The device goes (its translations torn down, out of the shadow). */
void vshadow_remove(struct vshadow *s, struct vmc *c, u16 gsid, u64 now);
void vshadow_remove_all(struct vshadow *s, struct vmc *c, u64 now);

/* The guest's unit changed: translation on or off, a new root table, a
 * context invalidation: each device to the mirror or the shadow, and its
 * shadow brought in line with the guest's whole table. */
bool vshadow_update(struct vshadow *s, struct vmc *c, const struct vtde *e,
		    const struct vtdw_mem *m, u64 now);
/* An IOTLB invalidation by the guest (global, domain or pages). Both
 * return false when a page of the guest's (a table, a page it maps) was
 * on disk: its read is started (vtdw_again), what was done stays, and the
 * caller runs the same again once the page is in; the guest's
 * invalidation is not complete before. */
bool vshadow_iotlb(struct vshadow *s, struct vmc *c, const struct vtde *e,
		   const struct vtdw_mem *m, const struct vtde_inv *inv, u64 now);

/* The map cache's physical side (struct vmc_ops). */
bool vshadow_install(struct vshadow *s, const struct vmc_entry *e);
void vshadow_clear(struct vshadow *s, const struct vmc_entry *e);
bool vshadow_flush(struct vshadow *s);
void vshadow_note(struct vshadow *s, enum vshadow_ev kind, u64 iova, u64 gpa);

/* Devices in their shadow now, and the `vm stats` lines. */
u32 vshadow_active(const struct vshadow *s);
void vshadow_show(const struct vshadow *s);

#endif
