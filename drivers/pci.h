/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI enumeration (PCI Local Bus 3.0, PCI-to-PCI Bridge 1.2, PCIe 5.0 ch. 7).
 * Config space through ECAM (ACPI MCFG) or, without it, ports 0xCF8/0xCFC.
 */
#ifndef TERN_DRIVERS_PCI_H
#define TERN_DRIVERS_PCI_H

#include "core/types.h"

#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define  PCI_COMMAND_IO		BIT(0)
#define  PCI_COMMAND_MEMORY	BIT(1)
#define  PCI_COMMAND_MASTER	BIT(2)
#define PCI_STATUS		0x06
#define  PCI_STATUS_CAP_LIST	BIT(4)
#define PCI_REVISION		0x08
#define PCI_PROG_IF		0x09
#define PCI_SUBCLASS		0x0a
#define PCI_CLASS		0x0b
#define PCI_HEADER_TYPE		0x0e
#define  PCI_HEADER_MULTIFN	0x80
#define PCI_BAR0		0x10
#define PCI_PRIMARY_BUS		0x18
#define PCI_SECONDARY_BUS	0x19
#define PCI_SUBORDINATE_BUS	0x1a
#define PCI_CAP_PTR		0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d

#define PCI_BAR_IO		BIT(0)
#define PCI_BAR_MEM64		(2 << 1)
#define PCI_BAR_PREFETCH	BIT(3)

/* Capability IDs */
#define PCI_CAP_PM		0x01
#define PCI_CAP_MSI		0x05
#define PCI_CAP_PCIE		0x10
#define PCI_CAP_MSIX		0x11

#define PCI_MAX_DEVS		256

enum pci_bar_type { PCI_BAR_NONE = 0, PCI_BAR_IO_SPACE, PCI_BAR_MEM32, PCI_BAR_MEM64_SPACE };

struct pci_bar {
	u64 base;
	u64 size;
	u8 type;
	bool prefetch;
};

/* The owner of a function tern's own drivers use (its disk controllers):
 * shown in `pci`, and no VM can be given it. */
#define PCI_OWNER_TERN		"tern"

struct pci_dev {
	u16 seg;
	u8 bus, dev, fn;
	u16 vendor, device;
	u8 class, subclass, prog_if, rev;
	u8 header_type;
	u8 irq_pin, irq_line;
	u8 secondary, subordinate;	/* bridges */
	struct pci_bar bars[6];
	u8 cap_msi, cap_msix, cap_pcie, cap_pm;	/* offsets, 0 = absent */
	bool flr;			/* PCIe function-level reset */
	u32 flrs;			/* resets done */
	const char *owner;		/* PCI_OWNER_TERN, a VM name, or NULL */
};

void pci_init(void);
u32 pci_count(void);
struct pci_dev *pci_get(u32 i);
bool pci_uses_ecam(void);
u32 pci_read32(u16 seg, u8 bus, u8 dev, u8 fn, u16 off);
void pci_write32(u16 seg, u8 bus, u8 dev, u8 fn, u16 off, u32 v);
u16 pci_read16(u16 seg, u8 bus, u8 dev, u8 fn, u16 off);
u8 pci_read8(u16 seg, u8 bus, u8 dev, u8 fn, u16 off);
void pci_write16(u16 seg, u8 bus, u8 dev, u8 fn, u16 off, u16 v);
const char *pci_class_name(u8 class, u8 subclass);
struct pci_dev *pci_find(u8 bus, u8 dev, u8 fn);

/* MSI-X capability registers (6.8.2.1-6.8.2.5) */
#define MSIX_CTRL		2
#define  MSIX_CTRL_SIZE(c)	(((c) & 0x7ff) + 1)
#define  MSIX_CTRL_MASKALL	BIT(14)
#define  MSIX_CTRL_ENABLE	BIT(15)
#define MSIX_TABLE		4	/* BIR 2:0, offset 31:3 */
#define MSIX_PBA		8
#define MSIX_BIR(v)		((v) & 7)
#define MSIX_OFFSET(v)		((v) & ~7U)

/* Table entry (6.8.2.6-6.8.2.9) */
#define MSIX_ENTRY_SIZE		16
#define MSIX_ENTRY_ADDR_LO	0
#define MSIX_ENTRY_ADDR_HI	4
#define MSIX_ENTRY_DATA		8
#define MSIX_ENTRY_CTRL		12
#define  MSIX_ENTRY_MASKED	BIT(0)

/*
 * MSI-X for tern's own use of a function: its table mapped (every entry
 * masked), one entry written, the function's enable. NULL: no MSI-X, or
 * the table is not in a memory BAR.
 */
volatile u32 *pci_msix_map(struct pci_dev *d, u32 *nvec);
void pci_msix_entry(volatile u32 *table, u32 i, u32 addr, u32 data, bool masked);
void pci_msix_enable(struct pci_dev *d, bool on);

/* PCI Express capability registers (PCIe 4.0 7.5.3) */
#define PCIE_DEVCAP		0x04
#define PCIE_DEVCAP_FLR		BIT(28)
#define PCIE_DEVCTL		0x08
#define PCIE_DEVCTL_FLR		BIT(15)	/* initiate function-level reset */
#define PCIE_DEVSTA		0x0a
#define PCIE_DEVSTA_TRPND	BIT(5)	/* transactions pending */

/*
 * Function-level reset (PCIe 4.0 6.6.2): bus mastering off, pending
 * transactions drained, FLR, 100 ms, the function answering again, its
 * BARs and command register restored. The command register the reset
 * left (before the restore) goes to *cmd_after. 0, or -1 with why.
 */
int pci_flr(struct pci_dev *d, u16 *cmd_after, const char **why);

#endif
