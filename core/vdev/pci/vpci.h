/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's PCI bus 0 (PCI Local Bus 3.0 ch. 6, PCIe 4.0 7.2.2): config
 * space through CONFIG_ADDRESS/CONFIG_DATA at 0xcf8/0xcfc (mechanism #1)
 * and through ECAM at 0xb0000000 (bus 0 only, as the guest's MCFG says).
 * Each function is 4 KiB of config bytes with a mask of the bits the guest
 * may write; a function not present reads all-ones. Today bus 0 holds the
 * host bridge q35 has at 00:00.0; devices (virtio, assigned) plug in with
 * vpci_add(). Pure: the caller holds the VM's device lock.
 */
#ifndef TERN_CORE_VDEV_PCI_VPCI_H
#define TERN_CORE_VDEV_PCI_VPCI_H

#include "core/types.h"

#define VPCI_PORT_ADDR		0xcf8
#define VPCI_PORT_DATA		0xcfc
#define VPCI_ECAM_BASE		0xb0000000ULL	/* q35's MMCONFIG base */
#define VPCI_ECAM_SIZE		0x100000ULL	/* bus 0: 32 devices x 8 functions */
#define VPCI_CFG_SIZE		4096
#define VPCI_MAX_FUNCS		8	/* the host bridge and assigned functions */

#define CF8_ENABLE		BIT(31)

/* Config header registers (PCI 3.0 6.1) */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_HEADER_TYPE		0x0e
#define PCI_SUBSYS_VENDOR	0x2c
#define PCI_SUBSYS_ID		0x2e
#define PCI_CMD_IO		BIT(0)
#define PCI_CMD_MEM		BIT(1)
#define PCI_CMD_MASTER		BIT(2)
#define PCI_CMD_INTX_DISABLE	BIT(10)

/* A function whose config space someone else emulates (an assigned
 * device): accesses go to it instead of the byte arrays. */
struct vpci_func_ops {
	u32 (*read)(void *ctx, u32 reg, u32 size);
	void (*write)(void *ctx, u32 reg, u32 size, u32 val);
};

struct vpci_func {
	u8 devfn;			/* device << 3 | function */
	const struct vpci_func_ops *ops;	/* NULL: cfg and wmask */
	void *ctx;
	u8 cfg[VPCI_CFG_SIZE];
	u8 wmask[VPCI_CFG_SIZE];	/* bits the guest may change */
};

struct vpci {
	u32 cf8;
	u32 nfuncs;
	struct vpci_func funcs[VPCI_MAX_FUNCS];
	u64 absent_reads;		/* config reads of functions not present */
};

/* Bus 0 with the host bridge alone. */
void vpci_reset(struct vpci *b);
/* A new function at devfn with its IDs and class; NULL if full or taken. */
struct vpci_func *vpci_add(struct vpci *b, u8 devfn, u16 vendor, u16 device, u32 class_rev);
/* A function at devfn whose config accesses go to ops; NULL if full or taken. */
struct vpci_func *vpci_add_emulated(struct vpci *b, u8 devfn, const struct vpci_func_ops *ops,
				    void *ctx);
/* Port access at 0xcf8-0xcff; false if the port is not the bus's. */
bool vpci_io_read(struct vpci *b, u16 port, u32 size, u32 *val);
bool vpci_io_write(struct vpci *b, u16 port, u32 size, u32 val);
/* ECAM access at offset (bus 0 only). */
u32 vpci_ecam_read(struct vpci *b, u32 off, u32 size);
void vpci_ecam_write(struct vpci *b, u32 off, u32 size, u32 val);

#endif
