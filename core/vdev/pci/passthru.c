// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/acpi/acpi.h"
#include "core/console.h"
#include "core/cpu.h"
#include "core/loader/guest_acpi.h"
#include "core/le.h"
#include "core/log.h"
#include "core/vdev/msi.h"
#include "core/vdev/pci/passthru.h"
#include "core/vdev/vdev.h"
#include "core/vdev/viommu/viommu.h"
#include "core/percpu.h"
#include "core/vm/vm.h"
#include "core/vdev/pci/vmsix.h"
#include "mm/kmem.h"
#include "drivers/pci.h"
#include "iommu/vtd.h"
#include "irq/ioapic.h"
#include "irq/irq.h"


/* MSI capability registers (PCI 3.0 6.8.1) */
#define MSI_CTRL		2
#define MSI_CTRL_ENABLE		BIT(0)
#define MSI_CTRL_64		BIT(7)
#define MSI_ADDR_LO		4
#define MSI_DATA_32		8
#define MSI_DATA_64		12

#define CMD_PASSED		0x0547	/* what the guest's command may set */

static void cfg_host_w16(struct passthru *p, u32 reg, u16 v)
{
	struct pci_dev *d = p->pdev;

	pci_write16(d->seg, d->bus, d->dev, d->fn, (u16)reg, v);
}

static void cfg_host_w32(struct passthru *p, u32 reg, u32 v)
{
	struct pci_dev *d = p->pdev;

	pci_write32(d->seg, d->bus, d->dev, d->fn, (u16)reg, v);
}

static u8 devfn_of(const struct pci_dev *d)
{
	return (u8)(d->dev << 3 | d->fn);
}

static void refuse(struct passthru *p, const char *why)
{
	p->refused++;
	snprintf(p->last_refusal, sizeof(p->last_refusal), "%s", why);
	pr_warn("vm %s: %02x:%02x.%u: %s", p->vm->name, p->pdev->bus, p->pdev->dev,
		p->pdev->fn, why);
}

/* --- BARs --- */

/* Overlaps the guest's RAM: a BAR there would hide RAM from the guest. */
static bool over_ram(u64 gpa, u64 len, void *ctx)
{
	const struct gpa_map *g = ctx;
	u64 end = gpa + len;

	return gpa < g->low_size ||
	       (g->high_size && end > g->high_base && gpa < g->high_base + g->high_size);
}

/* A memory BAR into the guest-physical map, but for the pages of the
 * MSI-X table: those trap (msix_page_rw). */
static int map_bar(struct passthru *p, int i)
{
	struct gpa_map *g = &p->vm->mem;
	const struct vpa_bar *b = &p->cfg.bars[i];
	u64 host = p->pdev->bars[i].base, start = 0, end = 0;
	u64 size = i == p->eli_bar ? p->eli_host_size : b->size;
	int err = 0;

	/* ELI: the page after the device's own BAR is tern's shadow IDT,
	 * readable, never writable, by the guest. */
	if (i == p->eli_bar &&
	    gpa_map_host_page_ro(g, b->guest + size, p->vm->eli.shadow_pa))
		return -1;
	if (p->msix_vec && p->msix.table_bar == i)
		vmsix_table_pages(&p->msix, &start, &end);
	if (start == end)
		return gpa_map_mmio(g, b->guest, host, size, true);
	if (start)
		err = gpa_map_mmio(g, b->guest, host, start, true);
	if (!err && end < size)
		err = gpa_map_mmio(g, b->guest + end, host + end, size - end, true);
	return err;
}

static bool bar_io_rw(const struct vdev_region *r, u64 port, u32 size, bool write, u64 *val);
static bool msix_page_rw(const struct vdev_region *r, u64 gpa, u32 size, bool write, u64 *val);

/* The range of BAR i that traps (the device bus): an I/O BAR whole, or
 * the MSI-X table's pages of a memory BAR. false: none. */
static bool trapped_range(struct passthru *p, int i, u64 *base, u64 *len, enum vdev_space *s)
{
	const struct vpa_bar *b = &p->cfg.bars[i];
	u64 start = 0, end = 0;

	if (b->type == VPA_BAR_IO) {
		*s = VDEV_PIO;
		*base = p->bar_gpa[i];
		*len = b->size;
		return true;
	}
	if (p->msix_vec && p->msix.table_bar == i)
		vmsix_table_pages(&p->msix, &start, &end);
	*s = VDEV_MMIO;
	*base = p->bar_gpa[i] + start;
	*len = end - start;
	return start != end;
}

/* BAR i leaves the guest's address space (moved, or decoding off). */
static void bar_down(struct passthru *p, int i)
{
	enum vdev_space s;
	u64 base, len;

	if (trapped_range(p, i, &base, &len, &s))
		vdev_unregister(&p->vm->bus, s, base);
	if (p->cfg.bars[i].type != VPA_BAR_IO)
		gpa_unmap_mmio(&p->vm->mem, p->bar_gpa[i], ALIGN_UP(p->cfg.bars[i].size, PAGE_SIZE));
	if (i == p->eli_bar)
		eli_shadow_placed(p->vm, 0);
	p->bar_live[i] = false;
}

/* BAR i at the guest's address: mapped, and its trapped part on the bus. */
static int bar_up(struct passthru *p, int i)
{
	const struct vpa_bar *b = &p->cfg.bars[i];
	bool io = b->type == VPA_BAR_IO;
	u64 host = p->pdev->bars[i].base, base, len;
	const char *clash;
	enum vdev_space s;

	if (!io && ((host | b->guest) & (PAGE_SIZE - 1) || b->size < PAGE_SIZE)) {
		/* A BAR under a page would share the page with whatever
		 * follows it on the host. */
		refuse(p, "memory BAR smaller than a page is not mapped");
		return -1;
	}
	if (!io && map_bar(p, i)) {
		refuse(p, "BAR cannot be mapped at the address the guest chose");
		return -1;
	}
	p->bar_gpa[i] = b->guest;
	if (trapped_range(p, i, &base, &len, &s) &&
	    vdev_register(&p->vm->bus, s, base, len, io ? bar_io_rw : msix_page_rw, p,
			  (u32)i, io ? "assigned I/O BAR" : "assigned MSI-X table", &clash)) {
		char why[96];

		if (!io)
			gpa_unmap_mmio(&p->vm->mem, b->guest, ALIGN_UP(b->size, PAGE_SIZE));
		snprintf(why, sizeof(why), "BAR %d at %#llx overlaps %s", i,
			 (unsigned long long)b->guest, clash ? clash : "(bus full)");
		refuse(p, why);
		return -1;
	}
	p->bar_live[i] = true;
	p->bar_maps++;
	if (i == p->eli_bar)
		eli_shadow_placed(p->vm, b->guest + p->eli_host_size);
	return 0;
}

/* Bring the guest-physical map (memory BARs) and the device bus (I/O
 * BARs, MSI-X table pages) in line with what the guest programmed. */
static void sync_bars(struct passthru *p)
{
	bool changed = false;

	for (int i = 0; i < VPA_BARS; i++) {
		const struct vpa_bar *b = &p->cfg.bars[i];
		bool io = b->type == VPA_BAR_IO;
		bool want = b->type != VPA_BAR_NONE && b->guest &&
			    (p->cfg.command & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY));

		if (p->bar_live[i] && (!want || p->bar_gpa[i] != b->guest)) {
			bar_down(p, i);
			changed = true;
		}
		if (want && !p->bar_live[i])
			bar_up(p, i);
	}
	if (changed)
		vm_ept_changed(p->vm);
}

/* An I/O BAR's port: forwarded to the device's port at the same offset. */
static bool bar_io_rw(const struct vdev_region *r, u64 port, u32 size, bool write, u64 *val)
{
	struct passthru *p = r->ctx;
	u16 hport = (u16)(p->pdev->bars[r->arg].base + (port - r->base));

	if (port + size > r->end)
		return false;
	p->io_forwarded++;
	if (write) {
		if (size == 1)
			outb(hport, (u8)*val);
		else if (size == 2)
			outw(hport, (u16)*val);
		else
			outl(hport, (u32)*val);
	} else {
		*val = size == 1 ? inb(hport) : size == 2 ? inw(hport) : inl(hport);
	}
	return true;
}

/* --- INTx --- */

/*
 * INTx as the guest sees it. tern, not the device, decides what reaches
 * the guest, so the function's INTx Disable (command bit 10) and Interrupt
 * Status (status bit 3) are tern's: with INTx disabled the host pin stays
 * masked and the guest's line low, and the status shows an interrupt the
 * device raised and nobody has serviced. A device that ignores its own
 * INTx Disable (Bochs's e1000 does) thus still obeys the guest, and a
 * guest driver that masks by INTx Disable (uio_pci_generic, vfio) sees it
 * work. The pin is level-triggered: masked from its interrupt until the
 * guest is done with it.
 */
static bool intx_guest_disabled(const struct passthru *p)
{
	return p->cfg.command & BIT(10);
}

/* On the first vCPU's core: the device raised its line. */
static void intx_irq(struct regs *r, void *arg)
{
	struct passthru *p = arg;
	u64 f;

	(void)r;
	ioapic_mask(p->host_gsi, true);
	f = vplat_lock(p->vm);
	p->intx_host++;
	p->intx_pending = true;
	if (!intx_guest_disabled(p))
		vplat_set_irq_locked(p->vm, p->guest_irq, true);
	vplat_unlock(p->vm, f);
}

/* The guest EOI'd the line's vector (the platform dropped the line): the
 * device gets its pin back and raises it again if it still wants to;
 * unless the guest disabled INTx meanwhile, which keeps it pending. */
static void intx_eoi(void *arg)
{
	struct passthru *p = arg;
	u64 f = vplat_lock(p->vm);

	p->intx_eois++;
	if (!intx_guest_disabled(p)) {
		p->intx_pending = false;
		ioapic_mask(p->host_gsi, false);
	}
	vplat_unlock(p->vm, f);
}

/* The guest flipped INTx Disable (a config write: platform lock held). */
static void intx_command(struct passthru *p)
{
	if (p->host_vector < 0)
		return;
	if (intx_guest_disabled(p)) {
		vplat_set_irq_locked(p->vm, p->guest_irq, false);
	} else if (p->intx_pending) {
		/* Enabled again: the pin decides afresh. */
		p->intx_pending = false;
		ioapic_mask(p->host_gsi, false);
	}
}

static int intx_move(void *arg, u32 cpu, u32 from, u32 to);

/*
 * ELI: whether a guest interrupt (decoded: an I/O APIC entry's fields or
 * an MSI, through the guest's IRTE where it remaps) can go straight to
 * one vCPU with its own vector, and that vCPU's core: fixed or lowest
 * priority, no shorthand, a vector tern may give a guest device; one core
 * takes it (the vCPU the destination names, physical or a logical one
 * only it matches; lowest priority picks the first of several, as
 * delivery through tern would).
 */
static bool eli_direct_core(const struct vm *vm, const struct vlapic_ipi *msg, u32 *cpu)
{
	u32 hits = 0;

	if (vm->eli.setting == ELI_CFG_OFF || msg->shorthand ||
	    msg->vector < VEC_EXCEPTIONS_END || msg->vector > VEC_DYN_LAST ||
	    (msg->mode != ICR_MODE_FIXED && msg->mode != ICR_MODE_LOWEST))
		return false;
	for (u32 i = 0; i < vm->nvcpus; i++) {
		if (!vlapic_accepts(&vm->vcpus[i].lapic, msg, false))
			continue;
		if (!hits++)
			*cpu = vm->vcpus[i].cpu;
	}
	return hits == 1 || (hits > 1 && msg->mode == ICR_MODE_LOWEST);
}

/*
 * ELI: the guest's redirection entry for the function's line, as it wrote
 * it (platform lock held). An entry one vCPU takes (eli_direct_core) has
 * the host pin deliver that very vector to that vCPU's core: through the
 * shadow IDT straight to the guest's handler, the EOI back through the
 * physical APIC to the I/O APIC (level); a route of tern's holding the
 * vector there moves (irq_claim_vector). Anything else, or a vector tern
 * cannot free there, keeps the plain route (tern takes the interrupt and
 * injects it).
 */
static void intx_eli_route(void *ctx, u64 rte)
{
	struct passthru *p = ctx;
	struct vm *vm = p->vm;
	u32 vec, cpu = vm->vcpus[0].cpu;
	bool want = !(rte & RTE_MASKED);
	struct vlapic_ipi msg = { .valid = true, .mode = (u8)RTE_MODE(rte),
				  .vector = RTE_VECTOR(rte), .logical = rte & RTE_LOGICAL,
				  .dest = RTE_DEST(rte) };
	struct host_ioapic *io;
	int got = -1;
	u32 pin;

	if (p->host_vector < 0)
		return;
	if (want && viommu_ir_on(vm)) {
		/* The guest remaps its interrupts: its IRTE, not the
		 * entry's fields, says where the pin goes. */
		u32 addr, data;

		vioapic_request(&vm->plat.ioapic, p->guest_irq, &addr, &data);
		want = viommu_irq(vm, VIOAPIC_SID, addr, 0, data, true, &msg, NULL);
	}
	vec = msg.vector;
	want = want && eli_direct_core(vm, &msg, &cpu);
	if (want ? p->eli_vector == (int)vec && p->host_cpu == cpu : p->eli_vector < 0)
		return;
	ioapic_mask(p->host_gsi, true);
	if (p->eli_vector >= 0)
		eli_device_vector(vm, (u8)p->eli_vector, false);
	irq_free_vector(p->host_cpu, (u32)p->host_vector);
	if (p->host_irte >= 0)
		vtd_ioapic_unmap(p->host_ioapic_id, p->host_irte);
	p->host_irte = -1;
	if (want)
		got = irq_claim_vector(cpu, vec, intx_irq, p, vm->name);
	if (want && got < 0)
		pr_warn("vm %s: ELI: vector %#x is tern's on core %u: INTx of %02x:%02x.%u goes through tern",
			vm->name, vec, cpu, p->pdev->bus, p->pdev->dev, p->pdev->fn);
	if (got < 0) {
		cpu = vm->vcpus[0].cpu;
		got = irq_alloc_vector_movable(cpu, intx_irq, p, vm->name, intx_move);
	}
	p->eli_vector = want && got == (int)vec ? (int)vec : -1;
	p->host_cpu = cpu;
	p->host_vector = got;
	p->eli_routes++;
	if (got < 0) {
		refuse(p, "no vector left for INTx");
		return;
	}
	if (p->eli_vector >= 0)
		eli_device_vector(vm, (u8)vec, true);
	io = ioapic_for_gsi(p->host_gsi, &pin);
	ioapic_write_rte(p->host_gsi, vtd_ioapic_rte(io->id, cpus[cpu]->apic_id, (u8)got,
						     p->host_level, p->host_low, &p->host_irte));
	if (!p->intx_pending && !intx_guest_disabled(p))
		ioapic_mask(p->host_gsi, false);
}

/*
 * irq_move_fn (irq/irq.h) of a route through tern: a guest of the VM
 * claims the vector on that core for ELI (platform lock held). The host
 * pin is repointed at `to` while masked; a level pin with its remote IRR
 * set has an interrupt in flight whose EOI must still name `from`: it
 * stays (the claim fails this time and is tried again).
 */
static int intx_move(void *arg, u32 cpu, u32 from, u32 to)
{
	struct passthru *p = arg;
	struct host_ioapic *io;
	u32 pin;

	if (p->host_cpu != cpu || p->host_vector != (int)from)
		return -1;
	io = ioapic_for_gsi(p->host_gsi, &pin);
	ioapic_mask(p->host_gsi, true);
	if (!io || (p->host_level && (ioapic_read_rte(p->host_gsi) & RTE_REMOTE_IRR))) {
		if (!p->intx_pending && !intx_guest_disabled(p))
			ioapic_mask(p->host_gsi, false);
		return -1;
	}
	if (p->host_irte >= 0)
		vtd_ioapic_unmap(p->host_ioapic_id, p->host_irte);
	p->host_irte = -1;
	ioapic_write_rte(p->host_gsi, vtd_ioapic_rte(io->id, cpus[cpu]->apic_id, (u8)to,
						     p->host_level, p->host_low,
						     &p->host_irte) | RTE_MASKED);
	p->host_vector = (int)to;
	p->moves++;
	pr_info("vm %s: %02x:%02x.%u INTx moved from vector %#x to %#x on core %u: the guest claims it (ELI)",
		p->vm->name, p->pdev->bus, p->pdev->dev, p->pdev->fn, from, to, cpu);
	if (!p->intx_pending && !intx_guest_disabled(p))
		ioapic_mask(p->host_gsi, false);
	/* An edge sent with `from` before the mask went to the claimant. */
	if (!p->host_level)
		lapic_send_ipi(cpus[cpu]->apic_id, to);
	return 0;
}

static int intx_route(struct passthru *p, char *err, size_t n)
{
	struct pci_dev *d = p->pdev;
	struct host_ioapic *io;
	bool level, low;
	u32 pin;

	p->host_vector = -1;
	p->host_irte = -1;
	if (!d->irq_pin)
		return 0;			/* no INTx */
	if (!d->irq_line || d->irq_line >= 16 || d->irq_line == 2) {
		/* No _PRT interpreter yet: the line firmware wrote is all
		 * tern knows of the function's INTx routing. */
		pr_warn("vm %s: %02x:%02x.%u has no interrupt line from firmware (%u): INTx not routed",
			p->vm->name, d->bus, d->dev, d->fn, d->irq_line);
		return 0;
	}
	p->host_gsi = acpi_irq_to_gsi(&acpi, d->irq_line, true, &level, &low);
	io = ioapic_for_gsi(p->host_gsi, &pin);
	if (!io) {
		snprintf(err, n, "%02x:%02x.%u: no I/O APIC has GSI %u", d->bus, d->dev, d->fn,
			 p->host_gsi);
		return -1;
	}
	for (u32 k = 0; k < p->vm->npt; k++) {
		if (p->vm->pt[k] != p && p->vm->pt[k]->host_vector >= 0 &&
		    p->vm->pt[k]->host_gsi == p->host_gsi) {
			snprintf(err, n, "%02x:%02x.%u shares GSI %u with another assigned function (not supported)",
				 d->bus, d->dev, d->fn, p->host_gsi);
			return -1;
		}
	}
	p->host_cpu = p->vm->vcpus[0].cpu;
	p->host_vector = irq_alloc_vector_movable(p->host_cpu, intx_irq, p, p->vm->name, intx_move);
	if (p->host_vector < 0) {
		snprintf(err, n, "no free vector on core %u", p->host_cpu);
		return -1;
	}
	/* Where the guest's _PRT says the slot's pin goes. */
	p->guest_irq = (u8)GUEST_PCI_GSI(p->guest_devfn >> 3, d->irq_pin - 1);
	p->cfg.intr_line = p->guest_irq;
	p->host_ioapic_id = io->id;
	p->host_level = level;
	p->host_low = low;
	vplat_set_eoi_notify(p->vm, p->guest_irq, intx_eoi, p);
	if (p->vm->eli.setting != ELI_CFG_OFF)
		vplat_set_route_notify(p->vm, p->guest_irq, intx_eli_route);
	ioapic_write_rte(p->host_gsi, vtd_ioapic_rte(io->id, cpus[p->host_cpu]->apic_id,
						     (u8)p->host_vector, level, low,
						     &p->host_irte));
	/* Right where firmware's interrupt line is the I/O APIC input (PIC-
	 * routed chipsets such as i440fx); q35 in APIC mode routes PCI INTx
	 * to GSIs 16-23 as only its _PRT says. */
	pr_info("vm %s: %02x:%02x.%u INTx: host GSI %u (%s, %s%s) -> guest IRQ %u (host pin from the interrupt line firmware wrote; tern does not read the _PRT yet)",
		p->vm->name, d->bus, d->dev, d->fn, p->host_gsi, level ? "level" : "edge",
		low ? "active low" : "active high", p->host_irte >= 0 ? ", remapped" : "",
		p->guest_irq);
	return 0;
}

static void intx_unroute(struct passthru *p)
{
	if (p->host_vector < 0)
		return;
	if (p->eli_vector >= 0)
		eli_device_vector(p->vm, (u8)p->eli_vector, false);
	p->eli_vector = -1;
	vplat_set_route_notify(p->vm, p->guest_irq, NULL);
	ioapic_write_rte(p->host_gsi, RTE_MASKED);
	if (p->host_irte >= 0)
		vtd_ioapic_unmap(p->host_ioapic_id, p->host_irte);
	irq_free_vector(p->host_cpu, (u32)p->host_vector);
	vplat_set_eoi_notify(p->vm, p->guest_irq, NULL, NULL);
	p->host_vector = -1;
}

/* --- MSI --- */

/*
 * The guest's message, as the device sent it, to the guest's vCPUs: in
 * the host's interrupt handler. With the guest's interrupt remapping on,
 * through its IRTE for the function's guest requester-id (bus 0, its
 * guest devfn), under the platform lock the vIOMMU's state is kept with.
 */
static void guest_msi_deliver(struct passthru *p, u32 lo, u32 hi, u32 data)
{
	struct vlapic_ipi msg;
	bool ok;

	if (viommu_ir_on(p->vm)) {
		u64 f = vplat_lock(p->vm);

		ok = viommu_irq(p->vm, p->guest_devfn, lo, hi, data, false, &msg, NULL);
		vplat_unlock(p->vm, f);
	} else {
		ok = msi_guest_message(lo, hi, data, &msg);
	}
	if (ok)
		vplat_deliver(p->vm, NULL, &msg, false);
}

static void msi_irq(struct regs *r, void *arg)
{
	struct passthru *p = arg;
	const struct vpa_msi *m = &p->cfg.msi;

	(void)r;
	p->msi_host++;
	guest_msi_deliver(p, m->addr_lo, m->addr_hi, m->data);
}

static void msi_off(struct passthru *p)
{
	u8 cap = p->cfg.msi.cap;
	struct pci_dev *d = p->pdev;

	if (p->msi_vector < 0)
		return;
	cfg_host_w16(p, cap + MSI_CTRL,
		     pci_read16(d->seg, d->bus, d->dev, d->fn, cap + MSI_CTRL) & ~MSI_CTRL_ENABLE);
	if (p->msi_irte >= 0)
		vtd_msi_unmap(d->bus, devfn_of(d), p->msi_irte);
	if (p->msi_eli)
		eli_device_vector(p->vm, (u8)p->msi_vector, false);
	irq_free_vector(p->msi_cpu, (u32)p->msi_vector);
	p->msi_vector = -1;
	p->msi_irte = -1;
	p->msi_eli = false;
}

/* The core of the vCPU a physical-mode message names; else the first's
 * (the handler delivers to whoever accepts, and kicks them). */
static u32 msi_target_core(struct passthru *p, const struct vlapic_ipi *msg)
{
	struct vm *vm = p->vm;

	if (!msg->logical)
		for (u32 i = 0; i < vm->nvcpus; i++)
			if (vm->vcpus[i].lapic.id == msg->dest)
				return vm->vcpus[i].cpu;
	return vm->vcpus[0].cpu;
}

/* A host vector for a guest message on the core of the vCPU it names, and
 * the address/data the device must send for it: an IRTE where VT-d
 * confines the device, the plain message with iommu = off-unsafe. */
static int host_message(struct passthru *p, const struct vlapic_ipi *msg, irq_handler_t fn,
			void *arg, irq_move_fn move, u32 *cpu, int *irte, u32 *addr, u32 *data,
			bool *direct)
{
	struct pci_dev *d = p->pdev;
	int vec = -1;
	u32 apic;

	/* ELI: the guest's own vector on its vCPU's core, straight through
	 * the shadow IDT (tern's handler only when it lands in tern). */
	*direct = eli_direct_core(p->vm, msg, cpu) &&
		  (vec = irq_claim_vector(*cpu, msg->vector, fn, arg, p->vm->name)) >= 0;
	if (!*direct) {
		*cpu = msi_target_core(p, msg);
		vec = irq_alloc_vector_movable(*cpu, fn, arg, p->vm->name, move);
	}
	if (vec < 0)
		return -1;
	apic = cpus[*cpu]->apic_id;
	*irte = -1;
	if (p->confined) {
		*irte = vtd_msi_remap(d->bus, devfn_of(d), apic, (u8)vec, addr, data);
		if (*irte < 0) {
			irq_free_vector(*cpu, (u32)vec);
			*direct = false;
			return -1;
		}
	} else {
		*addr = MSI_ADDR_BASE | apic << 12;
		*data = (u32)vec;		/* fixed, edge */
	}
	if (*direct)
		eli_device_vector(p->vm, (u8)vec, true);
	return vec;
}

/* The guest's message (what: "the MSI", "an MSI-X entry") as a host vector
 * and the address/data the device sends for it; -1 (refused, named) when
 * tern does not deliver it or has no vector or IRTE left. */
static int route_message(struct passthru *p, const char *what, u32 g_lo, u32 g_hi, u32 g_data,
			 irq_handler_t fn, void *arg, irq_move_fn move, u32 *cpu, int *irte,
			 u32 *addr, u32 *data, bool *direct)
{
	struct vlapic_ipi msg;
	bool ir = viommu_ir_on(p->vm);
	char why[96];
	int vec = -1;

	/* With the guest's interrupt remapping on, its IRTE names the vCPU
	 * (looked at only: each interrupt is decoded again as it comes, so
	 * an entry the guest has not filled in yet, or changes later, still
	 * reaches the right vCPU, from the first vCPU's core; its faults are
	 * recorded then, not now). */
	if (ir && !viommu_irq(p->vm, p->guest_devfn, g_lo, g_hi, g_data, true, &msg, NULL)) {
		memset(&msg, 0, sizeof(msg));
		msg.logical = true;	/* no one vCPU named */
	}
	if (!ir && !msi_guest_message(g_lo, g_hi, g_data, &msg))
		snprintf(why, sizeof(why), "%s: an address or delivery mode tern does not deliver; kept off",
			 what);
	else if ((vec = host_message(p, &msg, fn, arg, move, cpu, irte, addr, data, direct)) < 0)
		snprintf(why, sizeof(why), "%s: no free host vector or interrupt-remapping entry",
			 what);
	if (vec < 0)
		refuse(p, why);
	return vec;
}

/*
 * A message's host vector moved (irq_move_fn, platform lock held): its
 * interrupt-remapping entry rewritten in place, or with iommu = off-unsafe
 * the data the device sends; then one interrupt on `to` for one that may
 * have gone to `from` meanwhile (spurious at worst, as MSIs may be).
 */
static int message_move(struct passthru *p, u32 cpu, int irte, u32 from, u32 to,
			volatile u32 *msix, u8 msi_data_off)
{
	struct pci_dev *d = p->pdev;

	if (irte >= 0) {
		if (vtd_msi_retarget(d->bus, devfn_of(d), irte, cpus[cpu]->apic_id, (u8)to))
			return -1;
	} else if (msix) {
		/* Masked while it changes; the address is the same core's. */
		pci_msix_entry(msix, 0, MSI_ADDR_BASE | cpus[cpu]->apic_id << 12, to, false);
	} else {
		cfg_host_w16(p, msi_data_off, (u16)to);
	}
	p->moves++;
	pr_info("vm %s: %02x:%02x.%u: %s moved from vector %#x to %#x on core %u: the guest claims it (ELI)",
		p->vm->name, d->bus, d->dev, d->fn, msix ? "an MSI-X entry" : "its MSI", from, to, cpu);
	lapic_send_ipi(cpus[cpu]->apic_id, to);
	return 0;
}

static int msi_move(void *arg, u32 cpu, u32 from, u32 to)
{
	struct passthru *p = arg;
	const struct vpa_msi *m = &p->cfg.msi;

	if (p->msi_cpu != cpu || p->msi_vector != (int)from ||
	    message_move(p, cpu, p->msi_irte, from, to, NULL,
			 (u8)(m->cap + (m->is64 ? MSI_DATA_64 : MSI_DATA_32))))
		return -1;
	p->msi_vector = (int)to;
	return 0;
}

static volatile u32 *host_entry(struct passthru *p, u32 i);

static int msix_move(void *arg, u32 cpu, u32 from, u32 to)
{
	struct passthru_vec *v = arg;

	if (v->cpu != cpu || v->vector != (int)from ||
	    message_move(v->p, cpu, v->irte, from, to, host_entry(v->p, v->index), 0))
		return -1;
	v->vector = (int)to;
	return 0;
}

/* The guest changed its MSI registers: follow it on the device. */
static void msi_sync(struct passthru *p)
{
	const struct vpa_msi *m = &p->cfg.msi;
	struct pci_dev *d = p->pdev;
	u32 addr, data;

	msi_off(p);
	if (!(m->ctrl & MSI_CTRL_ENABLE))
		return;
	p->msi_vector = route_message(p, "the MSI", m->addr_lo, m->addr_hi, m->data, msi_irq, p,
				      msi_move, &p->msi_cpu, &p->msi_irte, &addr, &data, &p->msi_eli);
	if (p->msi_vector < 0)
		return;
	cfg_host_w32(p, m->cap + MSI_ADDR_LO, addr);
	if (m->is64) {
		cfg_host_w32(p, m->cap + MSI_ADDR_LO + 4, 0);
		cfg_host_w16(p, m->cap + MSI_DATA_64, (u16)data);
	} else {
		cfg_host_w16(p, m->cap + MSI_DATA_32, (u16)data);
	}
	/* One message: multiple-message enable stays 0 on the device. */
	cfg_host_w16(p, m->cap + MSI_CTRL,
		     (pci_read16(d->seg, d->bus, d->dev, d->fn, m->cap + MSI_CTRL) & ~0x70) |
		     MSI_CTRL_ENABLE);
}

/* --- MSI-X --- */

static volatile u32 *host_entry(struct passthru *p, u32 i)
{
	u64 start, end;

	vmsix_table_pages(&p->msix, &start, &end);
	return (volatile u32 *)(p->msix_host + p->msix.table_off - start + i * MSIX_ENTRY_SIZE);
}

static void msix_irq(struct regs *r, void *arg)
{
	struct passthru_vec *v = arg;
	struct passthru *p = v->p;
	const struct vmsix_entry *e = &p->msix.e[v->index];

	(void)r;
	p->msix_irqs++;
	guest_msi_deliver(p, e->addr_lo, e->addr_hi, e->data);
}

static void msix_vec_free(struct passthru *p, u32 i)
{
	struct passthru_vec *v = &p->msix_vec[i];

	pci_msix_entry(host_entry(p, i), 0, 0, 0, true);
	if (v->vector < 0)
		return;
	if (v->irte >= 0)
		vtd_msi_unmap(p->pdev->bus, devfn_of(p->pdev), v->irte);
	if (v->eli)
		eli_device_vector(p->vm, (u8)v->vector, false);
	irq_free_vector(v->cpu, (u32)v->vector);
	v->vector = -1;
	v->irte = -1;
	v->eli = false;
}

/* Entry i as the guest has it now: a host vector behind it while the
 * guest has it enabled and unmasked, masked on the device otherwise. */
static void msix_sync_entry(struct passthru *p, u32 i)
{
	const struct vmsix_entry *e = &p->msix.e[i];
	struct passthru_vec *v = &p->msix_vec[i];
	volatile u32 *h = host_entry(p, i);
	u32 addr, data;

	msix_vec_free(p, i);		/* the guest's message may have moved */
	if (!(p->cfg.msix_ctrl & MSIX_CTRL_ENABLE) || (e->ctrl & MSIX_ENTRY_MASKED))
		return;
	v->vector = route_message(p, "an MSI-X entry", e->addr_lo, e->addr_hi, e->data, msix_irq,
				  v, msix_move, &v->cpu, &v->irte, &addr, &data, &v->eli);
	if (v->vector < 0)
		return;
	pci_msix_entry(h, 0, addr, data, false);
}

/* The guest's MSI-X enable and function mask, onto the device. */
static void msix_sync(struct passthru *p)
{
	struct pci_dev *d = p->pdev;
	u8 cap = p->cfg.msix_cap;
	u16 ctrl;

	if (!p->msix_vec) {
		if (p->cfg.msix_ctrl & MSIX_CTRL_ENABLE)
			refuse(p, "MSI-X table not usable; the function stays on INTx or MSI");
		return;
	}
	ctrl = pci_read16(d->seg, d->bus, d->dev, d->fn, cap + MSIX_CTRL) &
	       ~(MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);
	cfg_host_w16(p, cap + MSIX_CTRL, (u16)(ctrl | (p->cfg.msix_ctrl &
						       (MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL))));
	for (u32 i = 0; i < p->msix.nvec; i++)
		msix_sync_entry(p, i);
}

static void msix_off(struct passthru *p)
{
	struct pci_dev *d = p->pdev;
	u8 cap = p->cfg.msix_cap;

	if (!p->msix_vec)
		return;
	for (u32 i = 0; i < p->msix.nvec; i++)
		msix_vec_free(p, i);
	cfg_host_w16(p, cap + MSIX_CTRL, pci_read16(d->seg, d->bus, d->dev, d->fn,
						    cap + MSIX_CTRL) & ~MSIX_CTRL_ENABLE);
}

/* The MSI-X table's pages of the device, mapped for tern, every entry
 * masked; the guest's copy, all masked too. */
static void msix_take(struct passthru *p)
{
	struct pci_dev *d = p->pdev;
	u64 sizes[VPA_BARS], start, end;

	if (!p->cfg.msix_cap)
		return;
	for (int i = 0; i < VPA_BARS; i++)
		sizes[i] = p->cfg.bars[i].type == VPA_BAR_MEM32 ||
			   p->cfg.bars[i].type == VPA_BAR_MEM64 ? p->cfg.bars[i].size : 0;
	p->msix_entries = calloc(VMSIX_MAX_VECTORS, sizeof(struct vmsix_entry));
	if (!p->msix_entries ||
	    !vmsix_init(&p->msix, p->cfg.phys, p->cfg.msix_cap, p->msix_entries, sizes)) {
		pr_warn("vm %s: %02x:%02x.%u: MSI-X table outside its BAR; MSI-X not offered",
			p->vm->name, d->bus, d->dev, d->fn);
		return;
	}
	vmsix_table_pages(&p->msix, &start, &end);
	p->msix_host = ioremap(d->bars[p->msix.table_bar].base + start, end - start,
			       MAP_W | MAP_UC);
	p->msix_vec = calloc(p->msix.nvec, sizeof(*p->msix_vec));
	if (!p->msix_host || !p->msix_vec) {
		free(p->msix_vec);
		p->msix_vec = NULL;
		return;
	}
	for (u32 i = 0; i < p->msix.nvec; i++) {
		p->msix_vec[i] = (struct passthru_vec){ p, (u16)i, -1, 0, -1, false };
		pci_msix_entry(host_entry(p, i), 0, 0, 0, true);
	}
}

/*
 * The MSI-X table's pages of a memory BAR: the table is the guest's
 * (core/vdev/pci/vmsix.h), any other register there the device's.
 */
static bool msix_page_rw(const struct vdev_region *r, u64 gpa, u32 size, bool write, u64 *val)
{
	struct passthru *p = r->ctx;
	struct vm *vm = p->vm;
	int b = p->msix.table_bar;
	u64 off = gpa - p->bar_gpa[b], start, end, f;
	volatile u8 *h;
	int changed;

	vmsix_table_pages(&p->msix, &start, &end);
	if (gpa + size > r->end)
		return false;
	f = vplat_lock(vm);
	if (vmsix_in_table(&p->msix, b, off, size)) {
		if (!write) {
			*val = vmsix_read(&p->msix, off - p->msix.table_off, size);
		} else {
			changed = vmsix_write(&p->msix, off - p->msix.table_off, size, *val);
			if (changed >= 0)
				msix_sync_entry(p, (u32)changed);
		}
		p->msix_table_accesses++;
		vplat_unlock(vm, f);
		return true;
	}
	h = p->msix_host + (off - start);
	if (write) {
		if (size == 1)
			*h = (u8)*val;
		else if (size == 2)
			*(volatile u16 *)h = (u16)*val;
		else if (size == 4)
			*(volatile u32 *)h = (u32)*val;
		else
			*(volatile u64 *)h = *val;
	} else {
		*val = size == 1 ? *h : size == 2 ? *(volatile u16 *)h :
		       size == 4 ? *(volatile u32 *)h : *(volatile u64 *)h;
	}
	p->msix_forwarded++;
	vplat_unlock(vm, f);
	return true;
}

/* --- config space --- */

static u32 cfg_read(void *ctx, u32 reg, u32 size)
{
	struct passthru *p = ctx;
	struct pci_dev *d = p->pdev;

	/* The status register is the device's, live (interrupt status,
	 * errors); the rest of the snapshot does not change. */
	if ((reg & ~3U) == PCI_COMMAND)
		put16(p->cfg.phys + PCI_STATUS,
		      (pci_read16(d->seg, d->bus, d->dev, d->fn, PCI_STATUS) & ~BIT(3)) |
		      (p->intx_pending ? BIT(3) : 0));
	return vpa_read(&p->cfg, reg, size);
}

static void cfg_write(void *ctx, u32 reg, u32 size, u32 val)
{
	struct passthru *p = ctx;
	const char *why;
	u32 ch = vpa_write(&p->cfg, reg, size, val, over_ram, &p->vm->mem, &why);

	if (ch & VPA_REFUSED) {
		refuse(p, why);
		return;
	}
	if (ch & VPA_CHANGED_COMMAND) {
		u16 host = pci_read16(p->pdev->seg, p->pdev->bus, p->pdev->dev, p->pdev->fn,
				      PCI_COMMAND);

		cfg_host_w16(p, PCI_COMMAND, (u16)((host & ~CMD_PASSED) |
						   (p->cfg.command & CMD_PASSED)));
		intx_command(p);
	}
	if (ch & (VPA_CHANGED_COMMAND | VPA_CHANGED_BAR))
		sync_bars(p);
	if (ch & VPA_CHANGED_MSI)
		msi_sync(p);
	if (ch & VPA_CHANGED_MSIX)
		msix_sync(p);
}

static const struct vpci_func_ops cfg_ops = { cfg_read, cfg_write };

/* --- taking and giving back --- */

static void eli_pick_bar(struct passthru *p, const u8 *phys, u64 *sizes);

static void reset_function(struct passthru *p, const char *when)
{
	const char *why;
	u16 cmd;

	if (!p->pdev->flr)
		return;
	if (pci_flr(p->pdev, &cmd, &why))
		pr_warn("vm %s: %02x:%02x.%u: function-level reset %s failed: %s", p->vm->name,
			p->pdev->bus, p->pdev->dev, p->pdev->fn, when, why);
}

/* Decoding, bus mastering and interrupts off: the state a function is in
 * between owners. */
static void quiesce(struct passthru *p)
{
	struct pci_dev *d = p->pdev;
	u16 cmd = pci_read16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND);

	cfg_host_w16(p, PCI_COMMAND, (cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
					     PCI_COMMAND_MASTER)) | BIT(10));
}

static void give_back(struct passthru *p)
{
	msi_off(p);
	msix_off(p);
	intx_unroute(p);
	quiesce(p);
	/* Out of the vIOMMU's shadow (its translations torn down) first. */
	viommu_unassign(p->vm, p->guest_devfn);
	if (p->confined)
		vtd_detach(p->pdev->bus, devfn_of(p->pdev));
	reset_function(p, "on the way out");
	p->pdev->owner = NULL;
}

static int take(struct vm *vm, struct pci_dev *d, u32 index, char *err, size_t n)
{
	struct passthru *p = calloc(1, sizeof(*p));
	u8 phys[256];
	u64 sizes[VPA_BARS];

	if (!p) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	p->vm = vm;
	p->pdev = d;
	p->msi_vector = p->msi_irte = p->host_vector = p->host_irte = -1;
	p->eli_bar = p->eli_vector = -1;
	p->guest_devfn = (u8)((PASSTHRU_FIRST_SLOT + index) << 3);
	d->owner = vm->name;
	vm->pt[vm->npt++] = p;
	quiesce(p);
	reset_function(p, "on the way in");
	quiesce(p);			/* the reset restored the old command */
	for (u32 off = 0; off < sizeof(phys); off += 4)
		put32(phys + off, pci_read32(d->seg, d->bus, d->dev, d->fn, (u16)off));
	for (int i = 0; i < VPA_BARS; i++)
		sizes[i] = d->bars[i].type == PCI_BAR_NONE ? 0 : d->bars[i].size;
	eli_pick_bar(p, phys, sizes);
	vpa_init(&p->cfg, phys, sizes);
	msix_take(p);
	if (vm->domain_live) {
		if (vtd_attach(&vm->domain, d->bus, devfn_of(d))) {
			snprintf(err, n, "%02x:%02x.%u: VT-d would not take the device", d->bus,
				 d->dev, d->fn);
			return -1;
		}
		p->confined = true;
		/* With a vIOMMU, the guest's translations once it turns
		 * them on (core/vdev/viommu/viommu_shadow.h). */
		if (viommu_assign(vm, p->guest_devfn, d->bus, devfn_of(d), &vm->domain, err, n))
			return -1;
	} else if (vm->mem.sparse && vtd_covers(d->bus, devfn_of(d))) {
		/* Overcommitted (config.c allows it only with a vIOMMU):
		 * no mirror. The device is in no domain, its DMA blocked,
		 * until the guest's vIOMMU translates for it. */
		vtd_detach(d->bus, devfn_of(d));
		p->confined = true;
		if (viommu_assign(vm, p->guest_devfn, d->bus, devfn_of(d), NULL, err, n))
			return -1;
	} else if (vm->cfg.viommu != CONFIG_VIOMMU_OFF) {
		pr_warn("vm %s: %02x:%02x.%u: no VT-d: its DMA cannot follow the guest's vIOMMU (not shadowed)",
			vm->name, d->bus, d->dev, d->fn);
	}
	if (intx_route(p, err, n))
		return -1;
	if (!vpci_add_emulated(&vm->plat.pci, p->guest_devfn, &cfg_ops, p)) {
		snprintf(err, n, "no room on the guest's PCI bus");
		return -1;
	}
	pr_info("vm %s: %02x:%02x.%u (%04x:%04x) assigned as guest 00:%02x.0, DMA %s", vm->name,
		d->bus, d->dev, d->fn, d->vendor, d->device, p->guest_devfn >> 3,
		p->confined ? "confined by VT-d" : "UNCONFINED (iommu = off-unsafe, RAM identity-mapped)");
	return 0;
}

static void passthru_detach(struct vm *vm);

/*
 * ELI's shadow IDT lives in one page past a memory BAR of the VM's first
 * assigned function that has one (thesis 3.5.2): the guest's driver maps
 * the whole BAR, so the page is in its kernel address space. The BAR
 * shows twice its size (sizes stay powers of two); the device's own part
 * is the lower half. Not the MSI-X table's BAR, whose pages trap.
 */
static void eli_pick_bar(struct passthru *p, const u8 *phys, u64 *sizes)
{
	const struct pci_dev *d = p->pdev;
	int msix_bar = -1;

	if (p->vm->eli.setting == ELI_CFG_OFF || p->vm->npt > 1)
		return;
	/* The capability list (PCI 3.0 6.7), for MSI-X's table BIR. */
	if (phys[PCI_STATUS] & 0x10)
		for (u32 c = phys[0x34] & 0xfc, n = 0; c && n < 48; c = phys[c + 1] & 0xfc, n++)
			if (phys[c] == 0x11)
				msix_bar = phys[c + 4] & 7;
	for (int i = 0; i < VPA_BARS; i++) {
		if ((d->bars[i].type != PCI_BAR_MEM32 && d->bars[i].type != PCI_BAR_MEM64_SPACE) ||
		    sizes[i] < PAGE_SIZE || i == msix_bar)
			continue;
		p->eli_bar = i;
		p->eli_host_size = sizes[i];
		sizes[i] *= 2;
		pr_info("vm %s: ELI: BAR%d of %02x:%02x.%u shows %llu KiB; its last page is the shadow IDT",
			p->vm->name, i, d->bus, d->dev, d->fn, (unsigned long long)(sizes[i] >> 10));
		return;
	}
}

static int passthru_attach(struct vm *vm, char *err, size_t n)
{
	bool need_domain = false;

	vm->npt = 0;
	vm->domain_live = false;
	/* The guest-physical mirror pins all RAM: an overcommitted VM
	 * (its map sparse) has none (take()). */
	for (u32 i = 0; i < vm->cfg.ndevices && !vm->mem.sparse; i++) {
		u16 bdf = vm->cfg.devices[i];

		need_domain |= vtd_covers((u8)(bdf >> 8), (u8)bdf);
	}
	if (need_domain) {
		if (vtd_domain_init(&vm->domain, (u16)(16 + vm->index)) ||
		    vtd_domain_mirror(&vm->domain, &vm->mem)) {
			snprintf(err, n, "cannot build the VM's VT-d domain");
			vtd_domain_free(&vm->domain);
			return -1;
		}
		vm->domain_live = true;
	}
	for (u32 i = 0; i < vm->cfg.ndevices; i++) {
		u16 bdf = vm->cfg.devices[i];
		struct pci_dev *d = pci_find((u8)(bdf >> 8), (bdf >> 3) & 0x1f, bdf & 7);

		if (!d || take(vm, d, i, err, n)) {
			if (!d)
				snprintf(err, n, "device vanished");
			passthru_detach(vm);
			return -1;
		}
	}
	return 0;
}

static void passthru_detach(struct vm *vm)
{
	for (u32 k = 0; k < vm->npt; k++) {
		for (int i = 0; i < VPA_BARS; i++)
			if (vm->pt[k]->bar_live[i])
				bar_down(vm->pt[k], i);
		give_back(vm->pt[k]);
		free(vm->pt[k]->msix_vec);
		free(vm->pt[k]->msix_entries);
		free(vm->pt[k]);
		vm->pt[k] = NULL;
	}
	vm->npt = 0;
	if (vm->domain_live) {
		vtd_domain_free(&vm->domain);
		vm->domain_live = false;
	}
}

void passthru_show(struct vm *vm, bool detail)
{
	for (u32 k = 0; k < vm->npt; k++) {
		const struct passthru *p = vm->pt[k];
		const struct pci_dev *d = p->pdev;

		console_printf("    %02x:%02x.%u (%04x:%04x) is guest 00:%02x.0: DMA %s", d->bus, d->dev,
			       d->fn, d->vendor, d->device, p->guest_devfn >> 3,
			       !p->confined ? "UNCONFINED (identity-mapped RAM)" :
			       p->vm->domain_live ? "confined (VT-d domain)" :
			       "confined (VT-d: only what the guest's vIOMMU maps; overcommitted, no guest-physical mirror)");
		if (p->host_vector >= 0)
			console_printf(", INTx host GSI %u -> guest GSI %u (vector %#x on core %u, %s)",
				       p->host_gsi, p->guest_irq, (u32)p->host_vector, p->host_cpu,
				       p->eli_vector >= 0 ? "ELI: the guest's" : "through tern");
		if (p->moves)
			console_printf("; its host vectors moved for the guest's ELI claims %llu times",
				       (unsigned long long)p->moves);
		console_printf("\n");
		if (!detail)
			continue;
		for (int i = 0; i < VPA_BARS; i++) {
			const struct vpa_bar *b = &p->cfg.bars[i];

			if (b->type == VPA_BAR_NONE)
				continue;
			console_printf("      BAR%d %s %#llx+%#llx: guest %#llx%s%s\n", i,
				       b->type == VPA_BAR_IO ? "I/O" : "memory",
				       (unsigned long long)d->bars[i].base,
				       (unsigned long long)(i == p->eli_bar ? p->eli_host_size : b->size),
				       (unsigned long long)b->guest,
				       !p->bar_live[i] ? " (off)" :
				       b->type == VPA_BAR_IO ? " (ports forwarded)" : " (mapped)",
				       i == p->eli_bar ? ", then ELI's shadow IDT page (the guest sees twice the size)" : "");
		}
		console_printf("      INTx: %llu interrupts, %llu guest EOIs%s%s; MSI: %llu interrupts%s\n",
			       (unsigned long long)p->intx_host, (unsigned long long)p->intx_eois,
			       p->intx_pending ? ", one pending" : "",
			       p->cfg.command & BIT(10) ? ", disabled by the guest" : "",
			       (unsigned long long)p->msi_host,
			       p->msi_eli ? " (on, ELI: the guest's vector, direct)" :
			       p->msi_vector >= 0 ? " (on)" : "");
		if (p->msix_vec) {
			u32 direct = 0;

			for (u32 i = 0; i < p->msix.nvec; i++)
				direct += p->msix_vec[i].eli;
			console_printf("      MSI-X: %u entries in BAR%u at %#x (trapped, %u direct: ELI), %llu interrupts%s; table accesses %llu, other registers in its pages forwarded %llu\n",
				       p->msix.nvec, p->msix.table_bar, p->msix.table_off, direct,
				       (unsigned long long)p->msix_irqs,
				       p->cfg.msix_ctrl & MSIX_CTRL_ENABLE ? " (on)" : "",
				       (unsigned long long)p->msix_table_accesses,
				       (unsigned long long)p->msix_forwarded);
		}
		console_printf("      BAR mappings %llu, ports forwarded %llu, refused %llu%s%s\n",
			       (unsigned long long)p->bar_maps, (unsigned long long)p->io_forwarded,
			       (unsigned long long)p->refused, p->refused ? ": last " : "",
			       p->refused ? p->last_refusal : "");
	}
}

/* After the platform, whose PCI bus the functions join. */
DEFINE_VDEV(passthru, 2, .init = passthru_attach, .stop = passthru_detach);
