// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "core/acpi/acpi.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/spinlock.h"
#include "core/tsc.h"
#include "drivers/pci.h"
#include "mm/kmem.h"

static struct pci_dev devs[PCI_MAX_DEVS];
static u32 ndevs;
static spinlock_t cf8_lock = SPINLOCK_INIT;

/* ECAM: 1 MiB per bus of segment 0, mapped bus by bus when first used. */
static const struct acpi_mcfg *ecam;
static u8 *ecam_bus[256];

bool pci_uses_ecam(void)
{
	return ecam != NULL;
}

static volatile void *ecam_addr(u8 bus, u8 dev, u8 fn, u16 off)
{
	if (!ecam || bus < ecam->bus_start || bus > ecam->bus_end)
		return NULL;
	if (!ecam_bus[bus]) {
		ecam_bus[bus] = ioremap(ecam->base + ((u64)(bus - ecam->bus_start) << 20),
					SZ_1M, MAP_W | MAP_UC);
		if (!ecam_bus[bus])
			return NULL;
	}
	return ecam_bus[bus] + ((u32)dev << 15) + ((u32)fn << 12) + off;
}

static u32 cf8_addr(u8 bus, u8 dev, u8 fn, u16 off)
{
	return 0x80000000U | ((u32)bus << 16) | ((u32)dev << 11) |
	       ((u32)fn << 8) | (off & 0xfc);
}

u32 pci_read32(u16 seg, u8 bus, u8 dev, u8 fn, u16 off)
{
	volatile void *a = seg ? NULL : ecam_addr(bus, dev, fn, off & ~3);
	u64 f;
	u32 v;

	if (a)
		return *(volatile u32 *)a;
	if (seg || off >= 256)
		return 0xffffffff;
	f = spin_lock_irqsave(&cf8_lock);
	outl(0xcf8, cf8_addr(bus, dev, fn, off));
	v = inl(0xcfc);
	spin_unlock_irqrestore(&cf8_lock, f);
	return v;
}

void pci_write32(u16 seg, u8 bus, u8 dev, u8 fn, u16 off, u32 v)
{
	volatile void *a = seg ? NULL : ecam_addr(bus, dev, fn, off & ~3);
	u64 f;

	if (a) {
		*(volatile u32 *)a = v;
		return;
	}
	if (seg || off >= 256)
		return;
	f = spin_lock_irqsave(&cf8_lock);
	outl(0xcf8, cf8_addr(bus, dev, fn, off));
	outl(0xcfc, v);
	spin_unlock_irqrestore(&cf8_lock, f);
}

u16 pci_read16(u16 seg, u8 bus, u8 dev, u8 fn, u16 off)
{
	return pci_read32(seg, bus, dev, fn, off & ~3) >> ((off & 2) * 8);
}

u8 pci_read8(u16 seg, u8 bus, u8 dev, u8 fn, u16 off)
{
	return pci_read32(seg, bus, dev, fn, off & ~3) >> ((off & 3) * 8);
}

void pci_write16(u16 seg, u8 bus, u8 dev, u8 fn, u16 off, u16 v)
{
	u32 old = pci_read32(seg, bus, dev, fn, off & ~3);
	u32 sh = (off & 2) * 8;

	pci_write32(seg, bus, dev, fn, off & ~3, (old & ~(0xffffU << sh)) | ((u32)v << sh));
}

const char *pci_class_name(u8 c, u8 s)
{
	switch (c) {
	case 0x00: return "unclassified";
	case 0x01:
		switch (s) {
		case 0x01: return "IDE controller";
		case 0x06: return "SATA controller";
		case 0x08: return "NVM controller";
		}
		return "storage controller";
	case 0x02: return s == 0 ? "Ethernet controller" : "network controller";
	case 0x03: return "display controller";
	case 0x04: return "multimedia controller";
	case 0x05: return "memory controller";
	case 0x06:
		switch (s) {
		case 0x00: return "host bridge";
		case 0x01: return "ISA bridge";
		case 0x04: return "PCI bridge";
		}
		return "bridge";
	case 0x07: return "communication controller";
	case 0x08: return "system peripheral";
	case 0x0c: return s == 0x03 ? "USB controller" : s == 0x05 ? "SMBus controller" : "serial bus controller";
	case 0xff: return "vendor specific";
	}
	return "other";
}

#define CFG(d, off)	pci_read32((d)->seg, (d)->bus, (d)->dev, (d)->fn, off)
#define CFGW(d, off, v)	pci_write32((d)->seg, (d)->bus, (d)->dev, (d)->fn, off, v)

/*
 * BAR sizing (PCI 3.0, 6.2.5.1): write all ones, read back the mask. Decode
 * is off meanwhile so the device never answers at a half-written address.
 */
static void size_bars(struct pci_dev *d, int nbars)
{
	u16 cmd = pci_read16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND);

	pci_write16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND,
		    cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (int i = 0; i < nbars; i++) {
		u16 off = PCI_BAR0 + 4 * i;
		u32 lo = CFG(d, off), mlo, hi = 0, mhi = 0xffffffff;
		struct pci_bar *b = &d->bars[i];

		CFGW(d, off, 0xffffffff);
		mlo = CFG(d, off);
		CFGW(d, off, lo);
		if (!mlo)
			continue;	/* unimplemented BAR */
		if (lo & PCI_BAR_IO) {
			u32 mask = mlo & 0xfffffffc;

			if (!(mask & 0xffff))
				continue;
			b->type = PCI_BAR_IO_SPACE;
			b->base = lo & 0xfffffffc;
			b->size = (~(mask | 0xffff0000U) + 1) & 0xffff;
			continue;
		}
		if ((lo & 6) == PCI_BAR_MEM64 && i + 1 < nbars) {
			hi = CFG(d, off + 4);
			CFGW(d, off + 4, 0xffffffff);
			mhi = CFG(d, off + 4);
			CFGW(d, off + 4, hi);
			b->type = PCI_BAR_MEM64_SPACE;
		} else {
			b->type = PCI_BAR_MEM32;
		}
		b->prefetch = lo & PCI_BAR_PREFETCH;
		b->base = ((u64)hi << 32) | (lo & 0xfffffff0);
		b->size = ~(((u64)mhi << 32) | (mlo & 0xfffffff0)) + 1;
		if (b->type == PCI_BAR_MEM32)
			b->size &= 0xffffffff;
		if (!b->size)
			b->type = PCI_BAR_NONE;
		if (b->type == PCI_BAR_MEM64_SPACE)
			i++;
	}
	pci_write16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND, cmd);
}

static void find_caps(struct pci_dev *d)
{
	u8 ptr;
	int guard = 48;	/* a looping list must not hang us */

	if (!(pci_read16(d->seg, d->bus, d->dev, d->fn, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return;
	ptr = pci_read8(d->seg, d->bus, d->dev, d->fn, PCI_CAP_PTR) & 0xfc;
	while (ptr >= 0x40 && guard--) {
		u8 id = pci_read8(d->seg, d->bus, d->dev, d->fn, ptr);

		if (id == PCI_CAP_MSI && !d->cap_msi)
			d->cap_msi = ptr;
		else if (id == PCI_CAP_MSIX && !d->cap_msix)
			d->cap_msix = ptr;
		else if (id == PCI_CAP_PCIE && !d->cap_pcie) {
			d->cap_pcie = ptr;
			d->flr = pci_read32(d->seg, d->bus, d->dev, d->fn, ptr + PCIE_DEVCAP) &
				 PCIE_DEVCAP_FLR;
		}
		else if (id == PCI_CAP_PM && !d->cap_pm)
			d->cap_pm = ptr;
		ptr = pci_read8(d->seg, d->bus, d->dev, d->fn, ptr + 1) & 0xfc;
	}
	if (guard < 0)
		pr_warn("pci: %02x:%02x.%u capability list loops; cut short",
			d->bus, d->dev, d->fn);
}

static u8 visited[256 / 8];

static void scan_bus(u8 bus, int depth);

static void probe(u8 bus, u8 dev, u8 fn, int depth)
{
	u32 id = pci_read32(0, bus, dev, fn, PCI_VENDOR_ID);
	struct pci_dev *d;
	u32 cls;

	if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
		return;
	if (ndevs >= PCI_MAX_DEVS) {
		pr_warn("pci: more than %u functions; %02x:%02x.%u and later not listed",
			PCI_MAX_DEVS, bus, dev, fn);
		return;
	}
	d = &devs[ndevs++];
	memset(d, 0, sizeof(*d));
	d->bus = bus;
	d->dev = dev;
	d->fn = fn;
	d->vendor = id & 0xffff;
	d->device = id >> 16;
	cls = pci_read32(0, bus, dev, fn, PCI_REVISION);
	d->rev = cls & 0xff;
	d->prog_if = (cls >> 8) & 0xff;
	d->subclass = (cls >> 16) & 0xff;
	d->class = cls >> 24;
	d->header_type = pci_read8(0, bus, dev, fn, PCI_HEADER_TYPE);
	d->irq_line = pci_read8(0, bus, dev, fn, PCI_INTERRUPT_LINE);
	d->irq_pin = pci_read8(0, bus, dev, fn, PCI_INTERRUPT_PIN);
	switch (d->header_type & 0x7f) {
	case 0:
		size_bars(d, 6);
		break;
	case 1:
		size_bars(d, 2);
		d->secondary = pci_read8(0, bus, dev, fn, PCI_SECONDARY_BUS);
		d->subordinate = pci_read8(0, bus, dev, fn, PCI_SUBORDINATE_BUS);
		break;
	}
	find_caps(d);
	if ((d->header_type & 0x7f) == 1 && d->secondary > bus)
		scan_bus(d->secondary, depth + 1);
	else if ((d->header_type & 0x7f) == 1)
		pr_warn("pci: bridge %02x:%02x.%u has secondary bus %u not above its own; not followed",
			bus, dev, fn, d->secondary);
}

static void scan_bus(u8 bus, int depth)
{
	if (depth > 32 || (visited[bus / 8] & BIT(bus % 8)))
		return;
	visited[bus / 8] |= BIT(bus % 8);
	for (u8 dev = 0; dev < 32; dev++) {
		u8 ht;

		if ((pci_read32(0, bus, dev, 0, PCI_VENDOR_ID) & 0xffff) == 0xffff)
			continue;
		ht = pci_read8(0, bus, dev, 0, PCI_HEADER_TYPE);
		for (u8 fn = 0; fn < ((ht & PCI_HEADER_MULTIFN) ? 8 : 1); fn++)
			probe(bus, dev, fn, depth);
	}
}

void pci_init(void)
{
	for (u32 i = 0; i < acpi.nmcfg; i++)
		if (acpi.mcfg[i].segment == 0)
			ecam = &acpi.mcfg[i];
	scan_bus(0, 0);
	/* A host with several root buses (no bridge to them): look at every
	 * other bus the host bridge function 0 of bus 0 might hide behind. */
	if (devs[0].class == 0x06 && devs[0].subclass == 0x00 &&
	    (devs[0].header_type & PCI_HEADER_MULTIFN)) {
		for (u8 fn = 1; fn < 8; fn++)
			if ((pci_read32(0, 0, 0, fn, 0) & 0xffff) != 0xffff)
				scan_bus(fn, 0);
	}
	pr_info("pci: %u functions found through %s", ndevs,
		ecam ? "ECAM (MCFG)" : "ports 0xcf8/0xcfc");
}

u32 pci_count(void)
{
	return ndevs;
}

struct pci_dev *pci_get(u32 i)
{
	return i < ndevs ? &devs[i] : NULL;
}

struct pci_dev *pci_find(u8 bus, u8 dev, u8 fn)
{
	for (u32 i = 0; i < ndevs; i++)
		if (devs[i].bus == bus && devs[i].dev == dev && devs[i].fn == fn)
			return &devs[i];
	return NULL;
}

int pci_flr(struct pci_dev *d, u16 *cmd_after, const char **why)
{
	u32 saved[6];
	u16 cmd = pci_read16(d->seg, d->bus, d->dev, d->fn, 0x04);
	u8 cap = d->cap_pcie;
	u64 start;

	if (!d->flr) {
		*why = "the function has no function-level reset";
		return -1;
	}
	for (int i = 0; i < 6; i++)
		saved[i] = pci_read32(d->seg, d->bus, d->dev, d->fn, 0x10 + 4 * i);
	pci_write16(d->seg, d->bus, d->dev, d->fn, 0x04, cmd & ~0x4);
	start = rdtsc();
	while (pci_read16(d->seg, d->bus, d->dev, d->fn, cap + PCIE_DEVSTA) & PCIE_DEVSTA_TRPND) {
		if (rdtsc() - start > tsc_hz() / 10) {
			pci_write16(d->seg, d->bus, d->dev, d->fn, 0x04, cmd);
			*why = "transactions still pending after 100 ms";
			return -1;
		}
		cpu_relax();
	}
	pci_write16(d->seg, d->bus, d->dev, d->fn, cap + PCIE_DEVCTL,
		    pci_read16(d->seg, d->bus, d->dev, d->fn, cap + PCIE_DEVCTL) | PCIE_DEVCTL_FLR);
	tsc_delay_us(100000);
	start = rdtsc();
	while (pci_read16(d->seg, d->bus, d->dev, d->fn, 0x00) == 0xffff) {
		if (rdtsc() - start > tsc_hz()) {
			*why = "the function did not come back within 1.1 s";
			return -1;
		}
		cpu_relax();
	}
	*cmd_after = pci_read16(d->seg, d->bus, d->dev, d->fn, 0x04);
	for (int i = 0; i < 6; i++)
		pci_write32(d->seg, d->bus, d->dev, d->fn, 0x10 + 4 * i, saved[i]);
	pci_write16(d->seg, d->bus, d->dev, d->fn, 0x04, cmd);
	d->flrs++;
	return 0;
}

volatile u32 *pci_msix_map(struct pci_dev *d, u32 *nvec)
{
	u8 cap = d->cap_msix;
	u32 table, bir, n;
	volatile u32 *t;

	if (!cap)
		return NULL;
	n = MSIX_CTRL_SIZE(pci_read16(d->seg, d->bus, d->dev, d->fn, cap + MSIX_CTRL));
	table = pci_read32(d->seg, d->bus, d->dev, d->fn, cap + MSIX_TABLE);
	bir = MSIX_BIR(table);
	if (bir > 5 || d->bars[bir].type == PCI_BAR_NONE || d->bars[bir].type == PCI_BAR_IO_SPACE ||
	    MSIX_OFFSET(table) + (u64)n * MSIX_ENTRY_SIZE > d->bars[bir].size)
		return NULL;
	t = ioremap(d->bars[bir].base + MSIX_OFFSET(table), (u64)n * MSIX_ENTRY_SIZE,
		    MAP_W | MAP_UC);
	if (!t)
		return NULL;
	for (u32 i = 0; i < n; i++)
		t[i * MSIX_ENTRY_SIZE / 4 + MSIX_ENTRY_CTRL / 4] = MSIX_ENTRY_MASKED;
	*nvec = n;
	return t;
}

void pci_msix_entry(volatile u32 *table, u32 i, u32 addr, u32 data, bool masked)
{
	volatile u32 *e = table + i * MSIX_ENTRY_SIZE / 4;

	/* Masked while it changes (6.8.3.5). */
	e[MSIX_ENTRY_CTRL / 4] = MSIX_ENTRY_MASKED;
	if (masked)
		return;
	e[MSIX_ENTRY_ADDR_LO / 4] = addr;
	e[MSIX_ENTRY_ADDR_HI / 4] = 0;
	e[MSIX_ENTRY_DATA / 4] = data;
	e[MSIX_ENTRY_CTRL / 4] = 0;
}

void pci_msix_enable(struct pci_dev *d, bool on)
{
	u8 cap = d->cap_msix;
	u16 ctrl = pci_read16(d->seg, d->bus, d->dev, d->fn, cap + MSIX_CTRL) &
		   ~(MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);

	pci_write16(d->seg, d->bus, d->dev, d->fn, cap + MSIX_CTRL,
		    (u16)(ctrl | (on ? MSIX_CTRL_ENABLE : 0)));
}
