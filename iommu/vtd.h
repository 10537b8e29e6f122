/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern's VT-d driver: every remapping unit the DMAR lists is brought up
 * with an empty root table, so DMA from every device is blocked until
 * tern or a guest is given it; queued invalidation with wait descriptors
 * and a time-out that reports a hung unit; faults recorded, logged with
 * device, address and reason, and raised by the fault-event interrupt.
 *
 * Not yet: context entries and second-level tables for domains (device
 * assignment), RMRR identity maps, interrupt remapping tables.
 */
#ifndef TERN_IOMMU_VTD_H
#define TERN_IOMMU_VTD_H

#include "core/spinlock.h"
#include "iommu/vtd_hw.h"

#define VTD_MAX_UNITS		8
#define VTD_RECENT_FAULTS	8

struct vtd_unit {
	u64 base;
	volatile u8 *regs;
	u64 cap, ecap;
	struct vtd_caps caps;
	bool up;
	char problem[96];		/* why it is not up */
	spinlock_t lock;
	u64 root_pa;
	u64 queue_pa;
	u32 qtail;			/* next free descriptor */
	u64 status_pa;			/* wait descriptors write here */
	u32 wait_seq;
	int fault_vector;
	/* Counters */
	u64 cc_invals, iotlb_invals, iec_invals, waits, wait_timeouts;
	u64 faults;
	u32 nrecent;
	struct vtd_fault recent[VTD_RECENT_FAULTS];
};

extern struct vtd_unit vtd_units[VTD_MAX_UNITS];
extern u32 vtd_nunits;

/* Bring up every unit of the DMAR (after ACPI and PCI). */
void vtd_init(void);
/* Read and clear a unit's fault records (also the interrupt's work). */
void vtd_poll_faults(struct vtd_unit *u);
/* Global context-cache and IOTLB invalidation; false if the unit hung. */
bool vtd_flush_all(struct vtd_unit *u);

#endif
