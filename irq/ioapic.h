/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine's I/O APICs (82093AA datasheet; MADT entries), for tern's
 * own use and to route assigned devices' INTx: every pin is masked at
 * boot, and routed one at a time with a redirection entry the caller
 * builds (compatibility format, or remappable through VT-d, see
 * iommu/vtd.h). Registers are as core/vioapic.h names them.
 */
#ifndef TERN_IRQ_IOAPIC_H
#define TERN_IRQ_IOAPIC_H

#include "core/types.h"

#define HOST_IOAPIC_MAX		8

struct host_ioapic {
	u8 id;
	u32 gsi_base, npins, version;
	u64 phys;
	volatile u32 *regs;
};

extern struct host_ioapic host_ioapics[HOST_IOAPIC_MAX];
extern u32 host_nioapics;

/* Map every MADT I/O APIC and mask all its pins. */
void ioapic_init(void);
/* The I/O APIC with this GSI (and the pin on it), or NULL. */
struct host_ioapic *ioapic_for_gsi(u32 gsi, u32 *pin);
/* Write a pin's whole redirection entry (high half first). -1: no GSI. */
int ioapic_write_rte(u32 gsi, u64 rte);
u64 ioapic_read_rte(u32 gsi);
void ioapic_mask(u32 gsi, bool mask);

#endif
