/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's vIOMMU (issue #12; Amit's thesis ch. 2): the emulated VT-d unit
 * of tern.cfg's `viommu = samecore`, at VTDE_BASE (as on q35) and in the
 * guest's DMAR. Samecore (thesis 2.3): the register page is not mapped, so
 * each guest access exits and is emulated on the vCPU's own core, under
 * the platform lock (vplat_lock), by the register model of vtd_regs_emul.h.
 * The guest's DMA remapping tables are walked by vtd_walk.h, its interrupt
 * remapping table by vtd_ir.h. `viommu = sidecore` (thesis 2.5) is refused
 * at `vm start` for now.
 *
 * Interrupt remapping (VT-d ch. 5) is the guest's, end to end: the I/O
 * APIC's remappable-format entries (5.1.5.1) and the MSIs of tern's
 * virtio-blk and of assigned functions go through the guest's IRTEs once
 * it sets GSTS.IRES (viommu_irq), so the DMAR asks for it (INTR_REMAP,
 * x2APIC not opted out) and Linux runs its APICs in x2APIC mode.
 * virtio-blk's DMA goes through the guest's translation (GSTS.TES) when
 * the driver accepted VIRTIO_F_ACCESS_PLATFORM (viommu_dma).
 *
 * DMA by tern's own devices uses tern's IOVA->HPA translations
 * (vtd_mapcache.h): a page the guest maps is pinned at its first DMA and
 * stays pinned while tern holds the translation; the guest's
 * invalidations (caching mode) tear it down at once (`viommu_teardown =
 * strict`) or defer it within a quota and a residency window, reusing it
 * if the guest maps the same IOVA to the same page again (`optimistic`,
 * thesis 2.4.4). The stale mappings are counted live (thesis 2.5.2).
 *
 * Assigned devices (viommu_shadow.h): once the guest translates for
 * one, its DMA goes through a physical VT-d domain that holds exactly the
 * guest's IOVA -> host page translations (shadowed when the guest maps,
 * torn down with one physical IOTLB invalidation per batch before any
 * page is unpinned); until then the VM's GPA mirror.
 */
#ifndef TERN_CORE_VDEV_VIOMMU_VIOMMU_H
#define TERN_CORE_VDEV_VIOMMU_VIOMMU_H

#include <stddef.h>

#include "core/types.h"
#include "core/vdev/vlapic.h"

struct vm;

struct viommu_counters {
	u64 exits;			/* register accesses trapped */
	u64 maps, unmaps;		/* translations set up (new or reused); guest unmaps */
	u64 pinned;			/* pages pinned now */
	u64 pins, unpins;		/* pages */
	u64 lookups, hits;		/* DMA accesses; answered without a walk */
	u64 walks;			/* of the guest's tables, for DMA */
	u64 reused, deferred, expired;	/* optimistic teardown */
	u64 evicted, replaced;		/* tern's room; a stale IOVA mapped elsewhere */
	u64 phys_inv;			/* teardown batches: physical invalidations
					 * (shadowed devices) or their equivalents */
	u64 phys_real;			/* of those, real (cleared shadowed entries) */
	u64 shadow_inv_page, shadow_inv_domain, shadow_inv_global, shadow_inv_failed;
	u64 shadowed;			/* assigned devices in their shadow now */
	u64 shadow_installs, shadow_clears;
	u64 stale_now, stale_max;	/* logically unmapped, physically alive */
	u64 stale_longest_ns, stale_oldest_ns;
	u64 unmapped_in_flight;		/* unmapped while a DMA held the page */
	u64 dma_refused;		/* translated to no RAM, or no room */
	u64 inv_context, inv_iotlb, inv_iec;
	u64 faults;			/* recorded in the fault registers */
	u64 faults_dropped;		/* overflow (PFO) or FPD */
	u64 translations;		/* DMA addresses translated */
	u64 irq_remapped, irq_blocked;	/* MSIs through the IRT */
	u64 side_writes;		/* sidecore: guest writes found in the page */
	u64 clock_checks;		/* the window's clock found stale entries due */
	u64 clock_arms;			/* its timer armed (samecore) */
	/* An overcommitted VM: guest pages on disk, retried (viommu.c) */
	u64 again_queue;		/* the queue stopped at one */
	u64 again_dma;			/* a DMA translation (walk or pin) */
	u64 again_irq;			/* an interrupt's entry: held for later */
	u64 irqs_late, irqs_lost;	/* ... then delivered; or lost (too many) */
	u64 settle_waits;		/* vCPU entries that waited for the queue's */
};

/*
 * An interrupt request: the device whose requester-id is sid (the guest's
 * bus 0 devfn, or VIOAPIC_SID) writes data to addr. *msg is the APIC
 * message to deliver. Without a vIOMMU, or with remapping off, the
 * request is a compatibility-format message (msi_guest_message). With it
 * on, the guest's IRTE decides (vtd_ir.h); a request the unit blocks is
 * recorded as hardware records it (reasons 0x20-0x26 in the fault
 * registers, the fault event; not with the IRTE's FPD, 7.1) and false
 * returned, as for a delivery mode tern does not deliver. *level: the
 * message's trigger mode (may be NULL). probe: look only, for routing
 * ahead of any interrupt (no fault recorded, nothing counted).
 * Platform lock held (vplat_lock).
 */
bool viommu_irq(struct vm *vm, u16 sid, u32 addr_lo, u32 addr_hi, u32 data, bool probe,
		struct vlapic_ipi *msg, bool *level);
/* Whether the guest has interrupt remapping on; without the lock, for
 * callers that take it only when they must. */
bool viommu_ir_on(const struct vm *vm);

/* Whether the guest's vIOMMU translates DMA now (GSTS.TES). */
bool viommu_translating(const struct vm *vm);

/* viommu_dma_get's answer for a translation to what is not the VM's RAM
 * (nothing recorded: the hardware would send the DMA on to no target). */
#define VIOMMU_NOT_RAM		0xff
/* ... and for a page of the guest's tables, or the page itself, on disk
 * (an overcommitted VM): nothing recorded, the read started; the caller
 * retries the access later, as for its own page on disk (-EAGAIN). */
#define VIOMMU_AGAIN		0xfe

/*
 * One DMA access by sid at I/O address iova, a write to guest memory or a
 * read of it, with translation on: 0, *gpa, and *token to hand back to
 * viommu_dma_put when the access is done; the page is pinned until then
 * at least. tern's translation (vtd_mapcache.h) answers without a walk
 * when it holds one live; else the guest's tables do (vtd_walk.h) and
 * tern keeps what they say. A fault reason: recorded in the fault
 * registers with the fault event unless the context entry has FPD (7.2);
 * VIOMMU_NOT_RAM; VIOMMU_AGAIN. Platform lock held.
 */
u8 viommu_dma_get(struct vm *vm, u16 sid, u64 iova, bool write, u64 *gpa, u32 *token);
void viommu_dma_put(struct vm *vm, u32 token);
/*
 * Before any vCPU's entry, no lock held: where the unit's queue stopped
 * at a page on disk (an overcommitted VM, samecore), the page is waited
 * for and the queue run on. The guest meanwhile polls its wait
 * descriptor: to it, a slow unit. One load for a VM without a vIOMMU.
 */
void viommu_settle(struct vm *vm);
/*
 * The teardown window's clock, samecore: on the first vCPU's core before
 * each entry and in its halt (as the PIT's), stale translations torn down
 * when they are due, whether or not the guest uses the unit, and a timer
 * on that core armed for the next. viommu_clock_stop() when that vCPU
 * stops. (The sidecore keeps it for its VMs, viommu_sidecore.h.)
 */
void viommu_clock(struct vm *vm);
void viommu_clock_stop(struct vm *vm);

/* `viommu_teardown` for the VM from now on (its tern.cfg value until
 * then): leaving optimistic tears the stale translations down at once.
 * residency_ms: the window from now on (0: keep it). */
void viommu_set_teardown(struct vm *vm, bool optimistic, u32 residency_ms);

/* Samecore or sidecore from now on, while it runs (`vm viommu`): -1 and
 * why in err if it cannot. */
int viommu_set_sidecore(struct vm *vm, bool side, char *err, size_t n);

/*
 * An assigned function (physical bus/devfn, the guest's requester-id
 * gsid), in the VM's mirror domain now: shadowed once the guest
 * translates for it. 0 without a vIOMMU; -1 and why in err. Unassign
 * before the function is detached and given back.
 */
struct vtd_domain;
int viommu_assign(struct vm *vm, u16 gsid, u8 bus, u8 devfn, struct vtd_domain *mirror,
		  char *err, size_t n);
void viommu_unassign(struct vm *vm, u16 gsid);

/* The unit's init and stop as the VM's lifecycle runs them (DEFINE_VDEV),
 * for a VM without vCPUs (`iommu selftest viommu`), and everything freed. */
int viommu_unit_init(struct vm *vm, char *err, size_t n);
void viommu_unit_stop(struct vm *vm);
void viommu_free(struct vm *vm);
/* The shadow's event log (viommu_shadow.h): events ever in *n, the last
 * VSHADOW_LOG of them in the ring returned. */
struct vshadow_event;
const struct vshadow_event *viommu_shadow_log(const struct vm *vm, u32 *n);

/* The VM's counters; false when it has no vIOMMU. */
bool viommu_counters(const struct vm *vm, struct viommu_counters *c);
/* `vm stats` lines. */
void viommu_show(struct vm *vm);

#endif
