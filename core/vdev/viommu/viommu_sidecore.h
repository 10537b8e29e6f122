/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sidecore (Amit's thesis 2.5): tern.cfg's `[host] sidecore = N`, a
 * core no VM uses, polling the register pages of every running VM with
 * `viommu = sidecore` in turn (round-robin; each VM's invalidation queue
 * runs at most VIOMMU_SIDE_BUDGET descriptors per turn, so a guest that
 * floods its queue cannot starve another). The core is claimed when the
 * first such VM starts and kept. It polls in a pause loop: MONITOR/MWAIT
 * on IQT's line is not used yet (one line cannot cover GCMD, and the core
 * runs with interrupts off, so nothing would bound the wait: a guest's
 * GCMD write, on another line, could wait for ever). A bounded MWAIT
 * needs a wake source: the local APIC timer with MWAIT's interrupt break
 * event (ECX[0], where CPUID.05H:ECX[1] has it), taken on this core.
 */
#ifndef TERN_CORE_VDEV_VIOMMU_VIOMMU_SIDECORE_H
#define TERN_CORE_VDEV_VIOMMU_VIOMMU_SIDECORE_H

#include <stddef.h>

#include "core/types.h"

#define VIOMMU_SIDE_BUDGET	64	/* queue descriptors per VM per turn */

struct viommu_vm;

/* tern.cfg's sidecore (vm_init): -1 for none. */
void viommu_side_configure(int core);
/* Serve d from now on (the core claimed and started if need be); -1 and
 * why in err. */
int viommu_side_add(struct viommu_vm *d, u32 index, char *err, size_t n);
/* Stop serving it; on return the sidecore no longer touches it. */
void viommu_side_remove(u32 index);

struct viommu_side_stats {
	int core;			/* -1: none configured */
	bool running;
	u32 served;			/* VMs now */
	u64 polls;			/* rounds over the VMs */
	u64 busy_polls;			/* rounds that found work */
	u64 busy_tsc, total_tsc;	/* the busy share */
};
void viommu_side_stats(struct viommu_side_stats *s);
/* `vm list`'s line about it. */
void viommu_side_show(void);

/* In viommu.c, for the sidecore: one VM's turn. Returns the work found. */
u32 viommu_side_poll(struct viommu_vm *d);
/* Whether it has anything to do, looked at without its lock. */
bool viommu_side_busy(struct viommu_vm *d);

#endif
