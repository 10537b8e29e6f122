/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A PCI function tern models itself (virtio devices, an emulated VT-d's
 * companions): its config space follows the same rules as an assigned
 * function's (core/vdev/pci/vpci_assign.h: identity and capabilities from
 * a template, command, BARs, MSI and MSI-X control emulated), and its
 * BARs trap: while the guest has decoding on, each lives on the VM's
 * device bus at the address the guest chose, and accesses reach the
 * model as (BAR, offset). Moving a BAR or turning decoding off takes the
 * old range off the bus. Pure but for the bus: unit-tested.
 */
#ifndef TERN_CORE_VDEV_PCI_VPCI_EMUL_H
#define TERN_CORE_VDEV_PCI_VPCI_EMUL_H

#include "core/vdev/bus.h"
#include "core/vdev/pci/vpci.h"
#include "core/vdev/pci/vpci_assign.h"

struct vpci_emul;

struct vpci_emul_ops {
	/* An access at offset off of BAR bar; false: not decoded. */
	bool (*bar_rw)(struct vpci_emul *e, int bar, u64 off, u32 size, bool write, u64 *val);
	/* The guest changed MSI or MSI-X control, or the command register
	 * (INTx Disable, bus mastering): optional. */
	void (*config_changed)(struct vpci_emul *e, u32 changed);
};

struct vpci_emul {
	const char *name;
	const struct vpci_emul_ops *ops;
	void *ctx;			/* the model's */
	struct vdev_bus *bus;
	/* Whether a range is the guest's RAM: a memory BAR there is refused. */
	bool (*is_ram)(u64 gpa, u64 len, void *ctx);
	void *ram_ctx;
	struct vpci_assign cfg;
	bool bar_live[VPA_BARS];
	u64 bar_at[VPA_BARS];		/* where it is on the bus */
	u64 bar_accesses, refused;
	const char *last_refusal;
};

/*
 * Put e (name, ops, ctx, bus, is_ram filled in by the caller) on the
 * guest's PCI bus at devfn, with config space template (256 bytes: IDs,
 * class, BAR type bits, capabilities) and the BARs' sizes (powers of two,
 * 0: none). Decoding starts off. -1 if devfn is taken or the bus full.
 */
int vpci_emul_add(struct vpci *pci, struct vpci_emul *e, u8 devfn, const u8 *tmpl,
		  const u64 *bar_sizes);
/* Its ranges off the bus (the VM stops). */
void vpci_emul_remove(struct vpci_emul *e);

#endif
