/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI functions assigned to a VM (its `devices =`). While the VM runs, a
 * function is its own: tern's `owner` mark keeps everyone else off it, a
 * function-level reset (where the function has one) wipes it on the way in
 * and out, and its DMA is confined by a VT-d domain mirroring the VM's RAM
 * or, with `iommu = off-unsafe` and no unit, lands at guest-physical =
 * host-physical because the VM's RAM is identity-mapped (mm/gpa.h).
 *
 * The guest sees each function on its bus 0 from slot 2 on, with the
 * config space core/vpci_assign.c emulates. What the guest programs is
 * acted on here:
 * - memory BARs: the host BAR is mapped into the guest-physical map at the
 *   address the guest chose, while it has memory decoding on; I/O BARs are
 *   forwarded port by port (every guest port exits anyway);
 * - INTx: the host pin (the line firmware gave the function, through the
 *   MADT) is routed to the first vCPU's core, remapped where VT-d remaps
 *   interrupts; its interrupt masks the pin and raises the guest I/O APIC
 *   pin the guest's _PRT names, and the guest's EOI drops the line and
 *   unmasks the pin, so a level interrupt is neither lost nor a storm; the
 *   function's INTx Disable and Interrupt Status are tern's;
 * - MSI and MSI-X: the guest's addresses and data never reach the device;
 *   the device gets a host vector on the core of the vCPU the guest chose
 *   (an IRTE where VT-d remaps), and its interrupt is delivered as the
 *   guest's message; the MSI-X table's pages trap (core/vmsix.h).
 * Config accesses and INTx state changes run under the VM's platform lock.
 * Interrupts reach the guest by injection through vplat_deliver() and the
 * I/O APIC model: the one seam ELI will replace.
 */
#ifndef TERN_CORE_VDEV_PCI_PASSTHRU_H
#define TERN_CORE_VDEV_PCI_PASSTHRU_H

#include "core/loader/guest_acpi.h"
#include "core/types.h"
#include "core/vdev/pci/vmsix.h"
#include "core/vdev/pci/vpci_assign.h"

struct vm;
struct pci_dev;

#define PASSTHRU_FIRST_SLOT	GUEST_PRT_FIRST_SLOT	/* 00:02.0, 00:03.0, ... */

struct passthru;

/* A host vector behind one MSI-X entry. */
struct passthru_vec {
	struct passthru *p;
	u16 index;
	int vector;			/* -1: entry off */
	u32 cpu;
	int irte;
	bool eli;			/* the guest's own vector, direct (ELI) */
};

struct passthru {
	struct vm *vm;
	struct pci_dev *pdev;
	u8 guest_devfn;
	struct vpci_assign cfg;
	bool confined;			/* DMA through the VM's VT-d domain */
	/* Memory BARs as mapped into the guest, I/O BARs as forwarded */
	bool bar_live[VPA_BARS];
	u64 bar_gpa[VPA_BARS];
	/* INTx */
	u8 guest_irq;			/* guest GSI (I/O APIC pin) by its _PRT */
	u32 host_gsi;
	int host_vector;		/* on host_cpu; -1: not routed */
	u32 host_cpu;
	int host_irte;			/* -1: compatibility format */
	u8 host_ioapic_id;
	bool intx_pending;		/* raised, not yet serviced (status bit 3) */
	bool host_level, host_low;	/* the host pin's trigger and polarity */
	/* ELI (vmx/eli/eli.h): the memory BAR shown one page larger, whose
	 * extra page is the shadow IDT (-1: none), the device's own size of
	 * it; the guest's INTx vector delivered straight to its core (-1). */
	int eli_bar;
	u64 eli_host_size;
	int eli_vector;
	u64 eli_routes;			/* INTx routes ELI took or gave back */
	/* MSI */
	int msi_vector;			/* on msi_cpu; -1: off */
	u32 msi_cpu;
	int msi_irte;
	bool msi_eli;			/* the guest's own vector, direct (ELI) */
	/* MSI-X: the guest's table (core/vmsix.h), the device's table pages
	 * mapped for tern, a host vector per entry in use */
	struct vmsix msix;
	struct vmsix_entry *msix_entries;
	struct passthru_vec *msix_vec;	/* NULL: MSI-X not offered */
	volatile u8 *msix_host;
	/* Counters */
	u64 intx_host, intx_eois;
	u64 msi_host, msix_irqs;
	u64 msix_table_accesses, msix_forwarded;
	u64 bar_maps, io_forwarded, refused;
	u64 moves;			/* host vectors moved for a guest's ELI claim */
	char last_refusal[96];
};

/*
 * A device unit (core/vdev/vdev.h): its init takes the VM's configured
 * devices (checks done by vm_start: exist, free, confined or allowed
 * unconfined), after the VM's map exists and before its vCPUs run; its
 * stop gives them back (reset, blocked, routes torn down).
 */
/* `vm list` (one line a function) and `vm stats` (routes and counters). */
void passthru_show(struct vm *vm, bool detail);

#endif
