// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/le.h"
#include "core/vdev/pci/vpci.h"

struct vpci_func *vpci_add(struct vpci *b, u8 devfn, u16 vendor, u16 device, u32 class_rev)
{
	struct vpci_func *f;

	for (u32 i = 0; i < b->nfuncs; i++)
		if (b->funcs[i].devfn == devfn)
			return NULL;
	if (b->nfuncs >= VPCI_MAX_FUNCS)
		return NULL;
	f = &b->funcs[b->nfuncs++];
	memset(f, 0, sizeof(*f));
	f->devfn = devfn;
	put16(f->cfg + PCI_VENDOR_ID, vendor);
	put16(f->cfg + PCI_DEVICE_ID, device);
	put32(f->cfg + PCI_REVISION, class_rev);	/* revision, then class */
	put16(f->cfg + PCI_SUBSYS_VENDOR, 0x1af4);	/* as QEMU's devices */
	put16(f->cfg + PCI_SUBSYS_ID, 0x1100);
	/* The command register's enables are the guest's to set. */
	put16(f->wmask + PCI_COMMAND, PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER |
				      PCI_CMD_INTX_DISABLE);
	return f;
}

struct vpci_func *vpci_add_emulated(struct vpci *b, u8 devfn, const struct vpci_func_ops *ops,
				    void *ctx)
{
	struct vpci_func *f = vpci_add(b, devfn, 0xffff, 0xffff, 0);

	if (f) {
		f->ops = ops;
		f->ctx = ctx;
	}
	return f;
}

void vpci_reset(struct vpci *b)
{
	memset(b, 0, sizeof(*b));
	/* q35's host bridge (Intel 82G33/P35 MCH), class 06.00.00. */
	vpci_add(b, 0, 0x8086, 0x29c0, 0x06000000);
}

static struct vpci_func *find(struct vpci *b, u32 bus, u32 devfn)
{
	if (bus != 0)
		return NULL;
	for (u32 i = 0; i < b->nfuncs; i++)
		if (b->funcs[i].devfn == devfn)
			return &b->funcs[i];
	return NULL;
}

/* A config read of size 1, 2 or 4 at reg (naturally aligned by callers). */
static u32 cfg_read(struct vpci *b, u32 bus, u32 devfn, u32 reg, u32 size)
{
	struct vpci_func *f = find(b, bus, devfn);
	u32 v = 0;

	if (!f) {
		b->absent_reads++;
		return size == 4 ? 0xffffffff : (1U << (8 * size)) - 1;
	}
	if (f->ops)
		return f->ops->read(f->ctx, reg, size);
	for (u32 i = 0; i < size; i++)
		v |= (u32)f->cfg[reg + i] << (8 * i);
	return v;
}

static void cfg_write(struct vpci *b, u32 bus, u32 devfn, u32 reg, u32 size, u32 val)
{
	struct vpci_func *f = find(b, bus, devfn);

	if (!f)
		return;			/* nobody answers: dropped */
	if (f->ops) {
		f->ops->write(f->ctx, reg, size, val);
		return;
	}
	for (u32 i = 0; i < size; i++) {
		u8 m = f->wmask[reg + i], nv = (u8)(val >> (8 * i));

		f->cfg[reg + i] = (u8)((f->cfg[reg + i] & ~m) | (nv & m));
	}
}

static bool size_ok(u32 reg, u32 size)
{
	return (size == 1 || size == 2 || size == 4) && !(reg & (size - 1));
}

bool vpci_io_read(struct vpci *b, u16 port, u32 size, u32 *val)
{
	u32 reg;

	if (port == VPCI_PORT_ADDR && size == 4) {
		*val = b->cf8;
		return true;
	}
	if (port < VPCI_PORT_DATA || port > VPCI_PORT_DATA + 3)
		return false;
	reg = (b->cf8 & 0xfc) + (port - VPCI_PORT_DATA);
	if (!(b->cf8 & CF8_ENABLE) || !size_ok(reg, size)) {
		*val = 0xffffffff;
		return true;
	}
	*val = cfg_read(b, (b->cf8 >> 16) & 0xff, (b->cf8 >> 8) & 0xff, reg, size);
	return true;
}

bool vpci_io_write(struct vpci *b, u16 port, u32 size, u32 val)
{
	u32 reg;

	if (port == VPCI_PORT_ADDR && size == 4) {
		/* Bits 1:0 are reserved and read as 0 (PCI 3.0 3.2.2.3.2). */
		b->cf8 = val & 0x80fffffc;
		return true;
	}
	if (port < VPCI_PORT_DATA || port > VPCI_PORT_DATA + 3)
		return false;
	reg = (b->cf8 & 0xfc) + (port - VPCI_PORT_DATA);
	if ((b->cf8 & CF8_ENABLE) && size_ok(reg, size))
		cfg_write(b, (b->cf8 >> 16) & 0xff, (b->cf8 >> 8) & 0xff, reg, size, val);
	return true;
}

/* ECAM offset: bus 27:20 (bus 0 only here), devfn 19:12, register 11:0. */
u32 vpci_ecam_read(struct vpci *b, u32 off, u32 size)
{
	u32 reg = off & 0xfff;

	if (!size_ok(reg, size))
		return 0xffffffff;
	return cfg_read(b, off >> 20, (off >> 12) & 0xff, reg, size);
}

void vpci_ecam_write(struct vpci *b, u32 off, u32 size, u32 val)
{
	u32 reg = off & 0xfff;

	if (size_ok(reg, size))
		cfg_write(b, off >> 20, (off >> 12) & 0xff, reg, size, val);
}
