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
 * Not done yet (said at `vm start` and in `vm stats`): tern's own
 * emulated devices' DMA through the translation, shadowing into the
 * physical VT-d for assigned devices, the I/O APIC's remappable format
 * (so the guest's DMAR does not ask for interrupt remapping), optimistic
 * teardown and the risk accounting.
 */
#ifndef TERN_CORE_VDEV_VIOMMU_VIOMMU_H
#define TERN_CORE_VDEV_VIOMMU_VIOMMU_H

#include "core/types.h"
#include "core/vdev/vlapic.h"

struct vm;

struct viommu_counters {
	u64 exits;			/* register accesses trapped */
	u64 maps, unmaps;		/* pages pinned / unpinned for DMA */
	u64 pinned;			/* pages pinned now */
	u64 inv_context, inv_iotlb, inv_iec;
	u64 faults;			/* recorded in the fault registers */
	u64 faults_dropped;		/* overflow (PFO) or FPD */
	u64 translations;		/* DMA addresses translated */
	u64 irq_remapped, irq_blocked;	/* MSIs through the IRT */
};

/* The VM's counters; false when it has no vIOMMU. */
bool viommu_counters(const struct vm *vm, struct viommu_counters *c);
/* `vm stats` lines. */
void viommu_show(struct vm *vm);

#endif
