// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/le.h"
#include "core/vdev/pci/vpci_assign.h"

/* Type 0 header registers (PCI 3.0 6.1) and capability IDs */
#define REG_COMMAND		0x04
#define REG_BAR0		0x10
#define REG_ROM			0x30
#define REG_CAP_PTR		0x34
#define REG_INTR		0x3c
#define CAP_ID_MSI		0x05
#define CAP_ID_MSIX		0x11
#define CMD_WRITABLE		0x0547	/* I/O, memory, master, parity, SERR, INTx off */
#define CMD_DECODE		0x0003
#define MSI_CTRL_GUEST		0x0071	/* enable, multiple message enable */
#define MSI_CTRL_HIDDEN		0x010e	/* multiple message capable, per-vector masking */
#define MSIX_CTRL_GUEST		0xc000	/* enable, function mask */

void vpa_init(struct vpci_assign *a, const u8 *phys, const u64 *bar_sizes)
{
	u8 ptr;
	int guard = 48;

	memset(a, 0, sizeof(*a));
	memcpy(a->phys, phys, sizeof(a->phys));
	a->intr_line = phys[REG_INTR];
	for (int i = 0; i < VPA_BARS; i++) {
		u32 raw = rd32(phys + REG_BAR0 + 4 * i);
		struct vpa_bar *b = &a->bars[i];

		if (!bar_sizes[i])
			continue;
		b->size = bar_sizes[i];
		if (raw & 1) {
			b->type = VPA_BAR_IO;
		} else if (((raw >> 1) & 3) == 2 && i + 1 < VPA_BARS) {
			b->type = VPA_BAR_MEM64;
			b->prefetch = raw & 8;
			i++;			/* the next slot is its high half */
		} else {
			b->type = VPA_BAR_MEM32;
			b->prefetch = raw & 8;
		}
	}
	if (!(rd16(phys + 0x06) & BIT(4)))	/* no capability list */
		return;
	for (ptr = phys[REG_CAP_PTR] & 0xfc; ptr >= 0x40 && guard--; ptr = phys[ptr + 1] & 0xfc) {
		if (phys[ptr] == CAP_ID_MSI && !a->msi.cap) {
			a->msi.cap = ptr;
			a->msi.is64 = rd16(phys + ptr + 2) & BIT(7);
		} else if (phys[ptr] == CAP_ID_MSIX && !a->msix_cap) {
			a->msix_cap = ptr;
		}
	}
}

/* The BAR slot reg falls in, and whether it is a 64-bit BAR's high half. */
static struct vpa_bar *bar_of(struct vpci_assign *a, u32 reg, bool *high)
{
	int i = (int)(reg - REG_BAR0) / 4;

	*high = i > 0 && a->bars[i - 1].type == VPA_BAR_MEM64;
	return *high ? &a->bars[i - 1] : &a->bars[i];
}

static u32 bar_flags(const struct vpa_bar *b)
{
	if (b->type == VPA_BAR_IO)
		return 1;
	return (b->type == VPA_BAR_MEM64 ? 4 : 0) | (b->prefetch ? 8 : 0);
}

static u32 bar_read(struct vpci_assign *a, u32 reg)
{
	bool high;
	struct vpa_bar *b = bar_of(a, reg, &high);
	u64 mask;

	if (b->type == VPA_BAR_NONE)
		return 0;
	mask = ~(b->size - 1);
	if (high)
		return (u32)((b->sizing_hi ? mask : b->guest) >> 32);
	/* I/O BARs keep 2 flag bits, memory BARs 4 (PCI 3.0 6.2.5.1). */
	return ((u32)(b->sizing_lo ? mask : b->guest) & (b->type == VPA_BAR_IO ? ~3U : ~0xfU)) |
	       bar_flags(b);
}

static u32 dword(struct vpci_assign *a, u32 off)
{
	u8 m = a->msi.cap, x = a->msix_cap;

	if (off >= 256)
		return 0;		/* no extended capabilities */
	if (off == REG_COMMAND)
		return (u32)rd16(a->phys + 0x06) << 16 | a->command;
	if (off >= REG_BAR0 && off < REG_BAR0 + 4 * VPA_BARS)
		return bar_read(a, off);
	if (off == REG_ROM)
		return 0;		/* no expansion ROM shown */
	if (off == REG_INTR)
		return (rd32(a->phys + REG_INTR) & ~0xffU) | a->intr_line;
	/* One message, no per-vector masking: what tern forwards. */
	if (m && off == m)
		return (rd32(a->phys + m) & 0xffff) |
		       (u32)((rd16(a->phys + m + 2) & ~(MSI_CTRL_GUEST | MSI_CTRL_HIDDEN)) |
			     a->msi.ctrl) << 16;
	if (m && off == m + 4u)
		return a->msi.addr_lo;
	if (m && off == m + 8u)
		return a->msi.is64 ? a->msi.addr_hi : a->msi.data;
	if (m && a->msi.is64 && off == m + 12u)
		return a->msi.data;
	if (x && off == x)
		return (rd32(a->phys + x) & 0xffff) |
		       (u32)((rd16(a->phys + x + 2) & ~MSIX_CTRL_GUEST) | a->msix_ctrl) << 16;
	return rd32(a->phys + off);	/* identity, class, capabilities */
}

u32 vpa_read(struct vpci_assign *a, u32 reg, u32 size)
{
	u32 v = dword(a, reg & ~3U) >> (8 * (reg & 3));

	return size >= 4 ? v : v & ((1U << (8 * size)) - 1);
}

static u32 bar_write(struct vpci_assign *a, u32 reg, u32 val,
		     bool (*is_ram)(u64, u64, void *), void *ctx, const char **why)
{
	bool high;
	struct vpa_bar *b = bar_of(a, reg, &high);
	u64 old, addr;

	if (b->type == VPA_BAR_NONE)
		return 0;
	old = b->guest;
	if (high) {
		b->sizing_hi = val == 0xffffffff;
		if (b->sizing_hi)
			return 0;
		addr = (b->guest & 0xffffffffULL) | (u64)val << 32;
	} else {
		b->sizing_lo = (val | 0xf) == 0xffffffff ||
			       (b->type == VPA_BAR_IO && (val | 3) == 0xffffffff);
		if (b->sizing_lo)
			return 0;
		addr = (b->guest & ~0xffffffffULL) | (val & (b->type == VPA_BAR_IO ? ~3U : ~0xfU));
	}
	addr &= ~(b->size - 1);		/* the device ignores the low bits */
	/* Memory BARs over guest RAM are refused (I/O space has no RAM); a
	 * 64-bit BAR when its high half is written (the low half comes
	 * first, and alone it may look like RAM), and every BAR again when
	 * the guest turns memory decoding on. */
	if (b->type != VPA_BAR_IO && !(b->type == VPA_BAR_MEM64 && !high) && addr &&
	    is_ram && is_ram(addr, b->size, ctx)) {
		*why = "BAR over the guest's RAM refused";
		return VPA_REFUSED;
	}
	b->guest = addr;
	return addr != old ? VPA_CHANGED_BAR : 0;
}

u32 vpa_write(struct vpci_assign *a, u32 reg, u32 size, u32 val,
	      bool (*is_ram)(u64 gpa, u64 len, void *ctx), void *ctx, const char **why)
{
	u32 off = reg & ~3U, shift = 8 * (reg & 3), cur, mask;
	u8 m = a->msi.cap, x = a->msix_cap;

	*why = NULL;
	if (off >= 256 || size == 0 || size > 4 || (reg & 3) + size > 4)
		return 0;
	/* Merge a partial write into the register's current value. */
	mask = (size == 4 ? ~0U : ((1U << (8 * size)) - 1)) << shift;
	cur = dword(a, off);
	val = (cur & ~mask) | ((val << shift) & mask);

	if (off == REG_COMMAND) {
		u16 cmd = (u16)(val & CMD_WRITABLE);

		if ((cmd & 2) && !(a->command & 2) && is_ram) {
			for (int i = 0; i < VPA_BARS; i++) {
				struct vpa_bar *b = &a->bars[i];

				if ((b->type == VPA_BAR_MEM32 || b->type == VPA_BAR_MEM64) &&
				    b->guest && is_ram(b->guest, b->size, ctx)) {
					*why = "memory decoding refused: a BAR lies over the guest's RAM";
					return VPA_REFUSED;
				}
			}
		}
		if (cmd == a->command)
			return 0;
		a->command = cmd;
		return VPA_CHANGED_COMMAND;
	}
	if (off >= REG_BAR0 && off < REG_BAR0 + 4 * VPA_BARS)
		return bar_write(a, off, val, is_ram, ctx, why);
	if (off == REG_INTR) {
		a->intr_line = (u8)val;
		return 0;
	}
	if (m && off == m) {
		a->msi.ctrl = (u16)(val >> 16) & MSI_CTRL_GUEST;
		return VPA_CHANGED_MSI;
	}
	if (m && off == m + 4u) {
		a->msi.addr_lo = val & ~3U;
		return VPA_CHANGED_MSI;
	}
	if (m && off == m + 8u) {
		if (a->msi.is64)
			a->msi.addr_hi = val;
		else
			a->msi.data = (u16)val;
		return VPA_CHANGED_MSI;
	}
	if (m && a->msi.is64 && off == m + 12u) {
		a->msi.data = (u16)val;
		return VPA_CHANGED_MSI;
	}
	if (x && off == x) {
		a->msix_ctrl = (u16)(val >> 16) & MSIX_CTRL_GUEST;
		return VPA_CHANGED_MSIX;
	}
	/* Identity, class, ROM, capability structure: not the guest's to
	 * change; dropped. */
	return 0;
}
