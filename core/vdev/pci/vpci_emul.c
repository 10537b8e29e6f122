// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include "core/vdev/pci/vpci_emul.h"

static bool bar_trap(const struct vdev_region *r, u64 addr, u32 size, bool write, u64 *val)
{
	struct vpci_emul *e = r->ctx;

	if (addr + size > r->end)
		return false;		/* straddles the BAR's end */
	e->bar_accesses++;
	return e->ops->bar_rw(e, (int)r->arg, addr - r->base, size, write, val);
}

static void bar_off(struct vpci_emul *e, int i)
{
	vdev_unregister(e->bus, e->cfg.bars[i].type == VPA_BAR_IO ? VDEV_PIO : VDEV_MMIO,
			e->bar_at[i]);
	e->bar_live[i] = false;
}

/* Each BAR on the bus where the guest put it, while it decodes there. */
static void sync_bars(struct vpci_emul *e)
{
	for (int i = 0; i < VPA_BARS; i++) {
		const struct vpa_bar *b = &e->cfg.bars[i];
		bool io = b->type == VPA_BAR_IO;
		bool want = b->type != VPA_BAR_NONE && b->guest &&
			    (e->cfg.command & (io ? PCI_CMD_IO : PCI_CMD_MEM));
		const char *clash;

		if (e->bar_live[i] && (!want || e->bar_at[i] != b->guest))
			bar_off(e, i);
		if (!want || e->bar_live[i])
			continue;
		if (vdev_register(e->bus, io ? VDEV_PIO : VDEV_MMIO, b->guest, b->size, bar_trap, e,
				  (u32)i, e->name, &clash)) {
			/* Over another device: it stays off, as on a bus
			 * where two decoders would conflict. */
			e->refused++;
			e->last_refusal = "BAR overlaps another device";
			continue;
		}
		e->bar_live[i] = true;
		e->bar_at[i] = b->guest;
	}
}

static u32 cfg_read(void *ctx, u32 reg, u32 size)
{
	struct vpci_emul *e = ctx;

	return vpa_read(&e->cfg, reg, size);
}

static void cfg_write(void *ctx, u32 reg, u32 size, u32 val)
{
	struct vpci_emul *e = ctx;
	const char *why;
	u32 changed = vpa_write(&e->cfg, reg, size, val, e->is_ram, e->ram_ctx, &why);

	if (changed & VPA_REFUSED) {
		e->refused++;
		e->last_refusal = why;
	}
	if (changed & (VPA_CHANGED_COMMAND | VPA_CHANGED_BAR))
		sync_bars(e);
	if ((changed & ~(u32)(VPA_CHANGED_BAR | VPA_REFUSED)) && e->ops->config_changed)
		e->ops->config_changed(e, changed);
}

static const struct vpci_func_ops cfg_ops = {
	.read = cfg_read,
	.write = cfg_write,
};

int vpci_emul_add(struct vpci *pci, struct vpci_emul *e, u8 devfn, const u8 *tmpl,
		  const u64 *bar_sizes)
{
	vpa_init(&e->cfg, tmpl, bar_sizes);
	for (int i = 0; i < VPA_BARS; i++)
		e->bar_live[i] = false;
	e->bar_accesses = e->refused = 0;
	e->last_refusal = NULL;
	return vpci_add_emulated(pci, devfn, &cfg_ops, e) ? 0 : -1;
}

void vpci_emul_remove(struct vpci_emul *e)
{
	for (int i = 0; i < VPA_BARS; i++)
		if (e->bar_live[i])
			bar_off(e, i);
}
