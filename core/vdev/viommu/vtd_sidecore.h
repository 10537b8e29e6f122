/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The register page of `viommu = sidecore` (Amit's thesis 2.5): ordinary
 * memory the guest reads and writes with no exit, and a sidecore that
 * polls it, hands what the guest wrote to the register model
 * (vtd_regs_emul.h) and keeps what the guest reads current. This file is
 * the protocol between the page and the model, per register (VT-d ch. 11):
 *
 *   read-only (VER, CAP, ECAP, GSTS, FSTS, IQH, ICS, IQERCD, the fault
 *     records): written from the model after every poll; a guest write is
 *     overwritten, as hardware ignores it;
 *   read-write (RTADDR, CCMD, FECTL/FEDATA/FEADDR/FEUADDR, IQT, IQA,
 *     IECTL/IEDATA/IEADDR/IEUADDR, IRTA, IVA, IOTLB): a value that differs
 *     from the last one seen is the guest's write and goes to the model;
 *     what the model then reads back (a command bit the unit cleared,
 *     CCMD.CAIG, FECTL.IP) is put back only if the guest has not written
 *     again meanwhile (compare-and-exchange). A 64-bit register is passed
 *     whole once either half changed; a command in its upper half (CCMD's
 *     ICC, IOTLB's IVT) takes effect when that half is seen, so a driver
 *     writing two halves writes the lower first, as drivers do;
 *   GCMD, write-only: the page holds a value no guest writes (reserved
 *     bits 22:0 set) and the sidecore exchanges it back; anything else
 *     there is a command. A guest reading GCMD sees that value, where
 *     samecore gives 0.
 *
 * Write-1-to-clear status (FSTS's PFO/IQE/ICE/ITE, ICS.IWC, a fault
 * record's F) cannot work in shared memory: writing 1 over a 1 changes
 * nothing the sidecore can see. The page never shows those bits set;
 * while the model has any of them set (vtds_needs_trap), the owner unmaps
 * the page so every access exits and is emulated as samecore does, until
 * the guest has cleared them. This happens only after faults and queue
 * errors, never on the map/unmap path. Nothing in VT-d has read side
 * effects, so reads never need a trap.
 *
 * Pure: the page is passed in, the caller holds the model's lock.
 * Unit-tested.
 */
#ifndef TERN_CORE_VDEV_VIOMMU_VTD_SIDECORE_H
#define TERN_CORE_VDEV_VIOMMU_VTD_SIDECORE_H

#include "core/types.h"
#include "core/vdev/viommu/vtd_regs_emul.h"

/* What GCMD holds while no command is pending: reserved bits 22:0 set. */
#define VTDS_GCMD_IDLE		0x007fffffu

struct vtds_stats {
	u64 polls;			/* vtds_poll calls */
	u64 writes;			/* guest writes found and applied */
	u64 commands;			/* GCMD writes */
	u64 lost_writebacks;		/* the guest wrote again before a put-back */
};

struct vtds {
	u32 seen[VTDE_SIZE / 4];	/* per dword: what the page held last */
	struct vtds_stats st;
};

/* Fill the page from the model (all registers, GCMD idle) and remember
 * it: before the page is mapped for the guest. */
void vtds_publish_all(struct vtds *s, struct vtde *e, u32 *page);
/*
 * One poll: work the model had left (vtde_pending) goes on, the guest's
 * writes since the last poll go to the model, then the model's state to
 * the page. Returns how many writes it found, plus one if work was left
 * (0: the page was idle).
 */
u32 vtds_poll(struct vtds *s, struct vtde *e, u32 *page);
/* Whether the guest wrote since the last poll (a look, no change: the
 * sidecore checks this without the model's lock). */
bool vtds_dirty(const struct vtds *s, const u32 *page);
/* Whether a write-1-to-clear status bit is set: the page must trap. */
bool vtds_needs_trap(const struct vtde *e);

#endif
