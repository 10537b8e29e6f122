/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shadowing a guest's vIOMMU translations for an assigned device (issue
 * #12 item 2b, Amit's thesis 2.5.1): what the pure part decides.
 *
 * The emulated unit reports caching mode (vtd_regs_emul.h), so the guest
 * invalidates after it maps as well as after it unmaps: each IOTLB (or
 * context) invalidation that covers a shadowed device is where tern walks
 * the guest's second-level table over the invalidated range and brings
 * the device's translations (vtd_mapcache.h, entries marked shadow) in
 * line with it: pages the guest maps get a translation, pinned and
 * written into the device's physical domain; pages it no longer maps are
 * unmapped (strict: cleared from the physical domain, one physical IOTLB
 * invalidation for the batch, waited for, then unpinned; optimistic:
 * deferred within the quota and residency, reused if mapped again to the
 * same page); translations it left alone are not touched, so a DMA in
 * flight through them never sees a gap.
 *
 * Pure: guest memory through vtdw_mem, the physical side through the
 * cache's ops. Unit-tested.
 */
#ifndef TERN_CORE_VDEV_VIOMMU_VTD_SHADOW_H
#define TERN_CORE_VDEV_VIOMMU_VTD_SHADOW_H

#include "core/types.h"
#include "core/vdev/viommu/vtd_mapcache.h"
#include "core/vdev/viommu/vtd_walk.h"

/* Pages one sync takes at most from the guest's tables (a guest mapping
 * more than tern keeps translations for gets the rest refused). */
#define VSHD_SYNC_MAX		4096

struct vshd_result {
	u32 seen;			/* pages the guest maps in the range */
	u32 refused;			/* of those, no translation (not RAM, no room) */
	u32 unmapped;			/* translations the guest dropped */
	bool truncated;			/* more than VSHD_SYNC_MAX pages */
	bool again;			/* stopped at a guest page on disk */
};

/*
 * Bring sid's shadowed translations in [lo, hi) (page-aligned; hi may be
 * ~0) in line with the guest's second-level table of context ctx (a
 * context that does not translate, or none (NULL): nothing is mapped).
 * A page of the guest's tables, or one it maps, that is not at hand (an
 * overcommitted VM's page on disk, its read started: vtdw_again(m), the
 * pin's failure included) stops the sync there with r->again: what lies
 * past it is left as it was, and the caller runs the sync again once the
 * page is in (the guest's invalidation is not complete until then).
 */
void vshd_sync(struct vmc *c, const struct vtdw_mem *m, u64 cap, const struct vtdw_ctx *ctx,
	       u16 sid, u64 lo, u64 hi, u64 now, struct vshd_result *r);

/*
 * The physical IOTLB invalidation a batch of cleared pages [lo, hi]
 * (page addresses, inclusive) needs: the AM of the aligned block holding
 * them when it is at most mamv and the unit has page-selective
 * invalidation, else -1 (domain-selective).
 */
int vshd_inv_am(u64 lo, u64 hi, bool psi, u32 mamv);

#endif
