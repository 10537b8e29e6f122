/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MSI-X table of an assigned function as its guest sees it (PCI Local
 * Bus 3.0 6.8.2). The table lives in one of the function's memory BARs;
 * tern keeps the guest's copy here and programs the device's own table
 * with host vectors (through VT-d interrupt remapping where there is
 * one), so the guest never writes an address or vector the device would
 * send. The pages the table covers are trapped rather than mapped; other
 * registers that share those pages are forwarded to the device by the
 * caller (vmsix_in_table() says which is which). The Pending Bit Array is
 * the device's: tern masks a host entry whenever the guest masks its
 * entry, so the device's pending bits are the guest's. Pure, unit-tested.
 */
#ifndef TERN_CORE_VDEV_PCI_VMSIX_H
#define TERN_CORE_VDEV_PCI_VMSIX_H

#include "core/types.h"
#include "drivers/pci.h"

#define VMSIX_MAX_VECTORS	2048

struct vmsix_entry {
	u32 addr_lo, addr_hi, data, ctrl;
};

struct vmsix {
	u16 nvec;
	u8 table_bar, pba_bar;
	u32 table_off, pba_off;
	struct vmsix_entry *e;		/* nvec, the caller's storage */
};

/* From the capability at cap in the function's config space; the guest's
 * entries start masked (6.8.2.9). false: a table that does not fit. */
bool vmsix_init(struct vmsix *x, const u8 *cfg, u8 cap, struct vmsix_entry *storage,
		const u64 *bar_sizes);
/* [*start, *end): the page-aligned part of the table's BAR it covers. */
void vmsix_table_pages(const struct vmsix *x, u64 *start, u64 *end);
/* Whether an access at offset off of BAR bar (len bytes) is the table's. */
bool vmsix_in_table(const struct vmsix *x, int bar, u64 off, u32 len);
/* The guest's table at table offset off, 4 or 8 bytes, naturally aligned
 * (else reads all-ones / writes are dropped, as 6.8.2 allows). A write
 * returns the entry it changed, or -1. */
u64 vmsix_read(const struct vmsix *x, u64 off, u32 size);
int vmsix_write(struct vmsix *x, u64 off, u32 size, u64 val);

#endif
