/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sidecore (Amit's thesis 2.5): tern.cfg's `[host] sidecore = N`, a
 * core no VM uses, polling the register pages of every running VM with
 * `viommu = sidecore` in turn (round-robin; each VM's invalidation queue
 * runs at most VIOMMU_SIDE_BUDGET descriptors per turn, so a guest that
 * floods its queue cannot starve another). The core is claimed when the
 * first such VM starts and kept.
 *
 * Idle, it waits where the CPU lets it: MONITOR on the line of IQT (the
 * register a guest writes for every invalidation, so a queued
 * invalidation wakes the core at once) and MWAIT with interrupts as a
 * break event (CPUID.05H:ECX[1]), while it serves exactly one VM. That
 * line does not hold GCMD, CCMD or the IOTLB register, and the core runs
 * with interrupts off, so the wait is bounded by one of its own timers
 * (VIOMMU_SIDE_WAIT_NS): a write to another line is seen within that.
 * Serving several VMs (one line cannot watch them all), or on a CPU
 * without MWAIT's interrupt break, it polls in a pause loop.
 *
 * It also keeps the optimistic teardown's clock for the VMs it serves:
 * each round, a VM whose oldest stale translation is due has its batch
 * torn down there.
 */
#ifndef TERN_CORE_VDEV_VIOMMU_VIOMMU_SIDECORE_H
#define TERN_CORE_VDEV_VIOMMU_VIOMMU_SIDECORE_H

#include <stddef.h>

#include "core/types.h"

#define VIOMMU_SIDE_BUDGET	64	/* queue descriptors per VM per turn */
/* The longest an idle sidecore sleeps before it looks at every register. */
#define VIOMMU_SIDE_WAIT_NS	50000

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
	bool mwait;			/* the CPU lets it MWAIT */
	u64 waits;			/* MWAITs */
	u64 timer_wakes;		/* ... ended by the bound */
	u64 write_wakes;		/* ... ended with work to do (a write) */
	u64 wait_tsc;			/* TSC ticks in them */
};
void viommu_side_stats(struct viommu_side_stats *s);
/* `vm list`'s line about it. */
void viommu_side_show(void);

/* In viommu.c, for the sidecore: one VM's turn. Returns the work found. */
u32 viommu_side_poll(struct viommu_vm *d);
/* The register the sidecore watches with MONITOR: IQT in d's page. */
const volatile void *viommu_side_watch(struct viommu_vm *d);
/* Whether it has anything to do, looked at without its lock. */
bool viommu_side_busy(struct viommu_vm *d);
/* The teardown window's clock, every round: stale translations torn down
 * when due (at most VIOMMU_SIDE_WAIT_NS late while it sleeps). */
void viommu_side_expire(struct viommu_vm *d);

#endif
