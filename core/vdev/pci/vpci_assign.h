/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The config space a guest sees of a PCI function assigned to it: the
 * rules, without the device. Identity and capability structure read
 * through from a snapshot of the physical function; the command
 * register, BARs, expansion ROM, interrupt line, MSI and MSI-X control
 * are emulated, so the guest never programs addresses or interrupts on
 * the real device: the caller acts on what changed (maps a moved BAR
 * into the guest-physical map, remaps an MSI through VT-d). Everything
 * beyond the standard 256 bytes reads as absent. Pure and unit-tested.
 */
#ifndef TERN_CORE_VDEV_PCI_VPCI_ASSIGN_H
#define TERN_CORE_VDEV_PCI_VPCI_ASSIGN_H

#include "core/types.h"

#define VPA_BARS		6

enum vpa_bar_type { VPA_BAR_NONE, VPA_BAR_IO, VPA_BAR_MEM32, VPA_BAR_MEM64 };

struct vpa_bar {
	u8 type;			/* enum vpa_bar_type; MEM64 uses two slots */
	bool prefetch;
	u64 size;			/* power of two */
	u64 guest;			/* the address the guest chose */
	bool sizing_lo, sizing_hi;	/* all-ones written: reads give the size */
};

struct vpa_msi {
	u8 cap;				/* offset, 0: none */
	bool is64;
	u16 ctrl;			/* the guest's (enable, multiple message) */
	u32 addr_lo, addr_hi;
	u16 data;
};

struct vpci_assign {
	u8 phys[256];			/* snapshot of the physical function */
	u16 command;			/* the guest's */
	u8 intr_line;
	struct vpa_bar bars[VPA_BARS];
	struct vpa_msi msi;
	u8 msix_cap;
	u16 msix_ctrl;			/* the guest's enable and function mask */
};

/* What a write changed, for the caller to act on. */
#define VPA_CHANGED_COMMAND	BIT(0)
#define VPA_CHANGED_BAR		BIT(1)
#define VPA_CHANGED_MSI		BIT(2)
#define VPA_CHANGED_MSIX	BIT(3)
#define VPA_REFUSED		BIT(8)	/* ignored: named in *why */

/*
 * From the physical config space (256 bytes) and the BAR sizes tern
 * measured. The guest starts with decoding off and BARs at 0.
 */
void vpa_init(struct vpci_assign *a, const u8 *phys, const u64 *bar_sizes);
u32 vpa_read(struct vpci_assign *a, u32 reg, u32 size);
/*
 * A guest write. is_ram(gpa, len, ctx) says whether a range is the
 * guest's RAM: a BAR there is refused. Returns VPA_CHANGED_* bits.
 */
u32 vpa_write(struct vpci_assign *a, u32 reg, u32 size, u32 val,
	      bool (*is_ram)(u64 gpa, u64 len, void *ctx), void *ctx, const char **why);

#endif
