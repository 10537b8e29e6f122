// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing the management NIC, and what its drivers share: joining the
 * host DMA domain, an interrupt to the management core (MSI-X or MSI,
 * through an IRTE where VT-d remaps interrupts), the owner mark.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/acpi/acpi.h"
#include "core/console.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/vm/config.h"
#include "core/vm/vm.h"
#include "core/vdev/msi.h"
#include "core/vdev/vioapic.h"
#include "core/tsc.h"
#include "drivers/net/intx_storm.h"
#include "drivers/net/nic.h"
#include "drivers/pci.h"
#include "iommu/host_domain.h"
#include "iommu/vtd.h"
#include "irq/ioapic.h"
#include "irq/irq.h"
#include "irq/lapic.h"

/* MSI capability (PCI Local Bus 3.0, 6.8.1) */
#define MSI_CTRL		2
#define  MSI_CTRL_ENABLE	BIT(0)
#define  MSI_CTRL_64BIT		BIT(7)
#define MSI_ADDR_LO		4
#define MSI_ADDR_HI		8
#define MSI_DATA_32		8
#define MSI_DATA_64		12

static struct nic *the_nic;

struct nic *nic_get(void)
{
	return the_nic;
}

bool nic_reserved_by_vm(struct pci_dev *d, const char **vm)
{
	u16 bdf = (u16)(d->bus << 8 | d->dev << 3 | d->fn);

	if (d->owner && strcmp(d->owner, PCI_OWNER_TERN)) {
		*vm = d->owner;
		return true;
	}
	for (u32 i = 0; i < nvms; i++)
		for (u32 k = 0; k < vms[i]->cfg.ndevices; k++)
			if (vms[i]->cfg.devices[k] == bdf) {
				*vm = vms[i]->name;
				return true;
			}
	return false;
}

int nic_dma_attach(struct nic *n)
{
	int rc = host_domain_attach(n->pdev, n->name);

	if (rc < 0)
		return -1;
	n->translated = rc == 0;
	return 0;
}

static void nic_irq(struct regs *r, void *arg)
{
	struct nic *n = arg;
	bool ours;

	(void)r;
	/* Nothing else here: the point is waking the management core from
	 * its HLT, whose loop then runs the driver and lwIP. */
	n->irqs++;
	if (!n->ops->irq_ack)
		return;
	ours = n->ops->irq_ack(n) || n->gsi < 0;
	if (intx_storm_feed(&n->storm, ours, tsc_ns())) {
		/* Masked for good (no logging here: said from nic_check). */
		ioapic_mask((u32)n->gsi, true);
		n->irq_kind = "polled";
	}
}

void nic_fault(struct nic *n, const char *why)
{
	if (n->fault)
		return;
	n->fault = n->last_fault = why;
	n->fault_ns = n->retry_ns = tsc_ns();
	pr_warn("net: %s: %s %s: resetting it", n->name, n->model, why);
}

/* A failed device: reset and set up again, at once and then with a
 * back-off that doubles from 1 s to 60 s while it will not come back. */
static void nic_recover(struct nic *n)
{
	const char *why = "the driver cannot reset it";
	u64 now = tsc_ns(), wait;

	if (!n->fault || now < n->retry_ns)
		return;
	if (n->ops->recover && !n->ops->recover(n, &why)) {
		n->resets++;
		pr_info("net: %s: %s reset and running again after %llu ms (reset %llu)", n->name,
			n->model, (unsigned long long)((tsc_ns() - n->fault_ns) / 1000000),
			(unsigned long long)n->resets);
		n->fault = NULL;
		return;
	}
	n->reset_failures++;
	wait = MIN(1000000000ULL << MIN(n->reset_failures - 1, 6ULL), 60000000000ULL);
	n->retry_ns = now + wait;
	pr_warn("net: %s: %s reset failed (%s): trying again in %llu s", n->name, n->model, why,
		(unsigned long long)(wait / 1000000000ULL));
}

int nic_reset_selftest(struct nic *n)
{
	const char *why = "the driver cannot make its device fail";

	if (n->fault || !n->ops->inject_fault || n->ops->inject_fault(n, &why)) {
		console_printf("net selftest reset: refused: %s\n", n->fault ? "the NIC has failed already" : why);
		return 1;
	}
	/* Not waited for here: the shell may be the TCP one, inside the
	 * network's own poll. The loop's link check finds the failure. */
	console_printf("net selftest reset: %s: fault injected; the management loop should find the device failed and reset it (see `net`: resets)\n",
		       n->name);
	return 0;
}

void nic_check(struct nic *n)
{
	nic_recover(n);
	if (n->storm.tripped && !n->storm_said) {
		n->storm_said = true;
		pr_warn("net: %s: %u interrupts in a row on GSI %d within %llu ms were not the NIC's (a shared line held up): INTx masked, polled",
			n->name, n->storm.limit, n->gsi,
			(unsigned long long)(n->storm.window_ns / 1000000));
	}
}

/*
 * `net selftest storm`: what a stuck shared line looks like to the
 * handler, made on the management core without a second device (no
 * emulator here can hold another function's line up): interrupts on the
 * NIC's vector, sent to itself, each waited for, while the NIC has no
 * cause of its own. The handler must trip, mask the GSI, and the network
 * go on polled.
 */
int nic_storm_selftest(struct nic *n)
{
	u32 sent = 0, limit = n->storm.limit * 4;
	u64 ours0 = n->irqs - n->storm.not_ours, not0 = n->storm.not_ours;

	if (n->gsi < 0 || n->storm.tripped || n->vector < 0) {
		console_printf("net selftest storm: refused: %s's interrupts are %s%s, not INTx on a line\n",
			       n->name, n->irq_kind, n->storm.tripped ? " (masked already)" : "");
		return 1;
	}
	if (this_cpu_index() != 0) {
		console_printf("net selftest storm: refused: not on the management core\n");
		return 1;
	}
	while (!n->storm.tripped && sent < limit) {
		u64 before = n->irqs;
		u32 spin;

		irq_enable();
		lapic_send_ipi(cpus[0]->apic_id, (u32)n->vector);
		sent++;
		for (spin = 0; n->irqs == before && spin < 10000000; spin++)
			cpu_relax();
		if (n->irqs == before) {
			console_printf("net selftest storm: fail: interrupt %u on vector %d never came\n",
				       sent, n->vector);
			return 1;
		}
	}
	nic_check(n);
	console_printf("net selftest storm: %s: %u interrupts sent on vector %d: %llu not the NIC's, %llu its own; %s\n",
		       n->storm.tripped ? "pass" : "fail", sent, n->vector,
		       (unsigned long long)(n->storm.not_ours - not0),
		       (unsigned long long)(n->irqs - n->storm.not_ours - ours0),
		       n->storm.tripped ? "INTx masked, the NIC is polled" :
		       "no storm seen (the NIC's own interrupts kept breaking the run)");
	return n->storm.tripped ? 0 : 1;
}

/* Whether another function on the same interrupt line is a VM's: its
 * INTx is routed to the VM (or will be at vm start), never also tern's. */
static struct pci_dev *line_shared_with_vm(struct pci_dev *p, const char **vm)
{
	for (u32 i = 0; i < pci_count(); i++) {
		struct pci_dev *q = pci_get(i);

		if (q != p && q->irq_pin && q->irq_line == p->irq_line && nic_reserved_by_vm(q, vm))
			return q;
	}
	return NULL;
}

void nic_setup_intx(struct nic *n)
{
	struct pci_dev *p = n->pdev, *q;
	struct host_ioapic *io;
	bool level, low;
	const char *vm;
	u32 gsi, pin;
	int vec;

	n->gsi = -1;
	intx_storm_init(&n->storm, INTX_STORM_LIMIT, INTX_STORM_WINDOW_NS);
	if (!p->irq_pin)
		return;
	/* tern reads no _PRT: the line firmware wrote is what it knows of
	 * the routing (right on PIC-routed chipsets and on q35, whose PIRQs
	 * reach the I/O APIC inputs 0-15 that firmware picked too). */
	if (!p->irq_line || p->irq_line >= 16 || p->irq_line == 2) {
		pr_info("net: %s: no interrupt line from firmware (%u): polled", n->name, p->irq_line);
		return;
	}
	gsi = acpi_irq_to_gsi(&acpi, p->irq_line, true, &level, &low);
	io = ioapic_for_gsi(gsi, &pin);
	if (!io) {
		pr_info("net: %s: no I/O APIC has GSI %u: polled", n->name, gsi);
		return;
	}
	q = line_shared_with_vm(p, &vm);
	if (q) {
		pr_info("net: %s: IRQ %u is shared with %02x:%02x.%u, VM %s's: polled", n->name,
			p->irq_line, q->bus, q->dev, q->fn, vm);
		return;
	}
	if (!(ioapic_read_rte(gsi) & RTE_MASKED)) {
		pr_info("net: %s: GSI %u is already routed (another of tern's devices): polled",
			n->name, gsi);
		return;
	}
	vec = irq_alloc_vector(0, nic_irq, n, "net");
	if (vec < 0)
		return;
	n->vector = vec;
	n->gsi = (int)gsi;
	n->ioapic_id = io->id;
	n->irq_kind = "INTx";
	ioapic_write_rte(gsi, vtd_ioapic_rte(io->id, cpus[0]->apic_id, (u8)vec, level, low,
					     &n->irte));
}

void nic_setup_irq(struct nic *n, bool msix, u32 entry)
{
	struct pci_dev *p = n->pdev;
	u8 devfn = (u8)(p->dev << 3 | p->fn);
	u32 apic = cpus[0]->apic_id, addr, data, nvec = 0;
	volatile u32 *table = NULL;
	bool remaps = false;

	n->vector = n->irte = -1;
	n->irq_kind = "polled";
	if (msix) {
		table = pci_msix_map(p, &nvec);
		if (!table || nvec <= entry)
			return;
	} else if (!p->cap_msi) {
		return;
	}
	n->vector = irq_alloc_vector(0, nic_irq, n, "net");
	if (n->vector < 0)
		return;
	for (u32 i = 0; i < vtd_nunits; i++)
		remaps |= vtd_units[i].ir_on;
	if (vtd_covers(p->bus, devfn) && remaps) {
		n->irte = vtd_msi_remap(p->bus, devfn, apic, (u8)n->vector, &addr, &data);
		if (n->irte < 0)
			goto fail;
	} else if (apic <= 0xff) {
		addr = MSI_ADDR_BASE | apic << 12;	/* physical destination */
		data = (u32)n->vector;			/* fixed, edge */
	} else {
		goto fail;
	}
	if (msix) {
		pci_msix_entry(table, entry, addr, data, false);
		pci_msix_enable(p, true);
		n->irq_kind = "MSI-X";
	} else {
		u8 c = p->cap_msi;
		u16 ctrl = pci_read16(p->seg, p->bus, p->dev, p->fn, (u16)(c + MSI_CTRL));

		pci_write32(p->seg, p->bus, p->dev, p->fn, (u16)(c + MSI_ADDR_LO), addr);
		if (ctrl & MSI_CTRL_64BIT) {
			pci_write32(p->seg, p->bus, p->dev, p->fn, (u16)(c + MSI_ADDR_HI), 0);
			pci_write16(p->seg, p->bus, p->dev, p->fn, (u16)(c + MSI_DATA_64), (u16)data);
		} else {
			pci_write16(p->seg, p->bus, p->dev, p->fn, (u16)(c + MSI_DATA_32), (u16)data);
		}
		/* One message (MME 0), enabled. */
		pci_write16(p->seg, p->bus, p->dev, p->fn, (u16)(c + MSI_CTRL),
			    (u16)((ctrl & ~(7U << 4)) | MSI_CTRL_ENABLE));
		n->irq_kind = "MSI";
	}
	return;
fail:
	irq_free_vector(0, (u32)n->vector);
	n->vector = -1;
}

const char *nic_dma_desc(const struct nic *n)
{
	if (!n->translated)
		return "untranslated (no VT-d)";
	return n->dma_may_bypass ? "in the host domain, which the device may bypass" :
				   "through the host domain";
}

void nic_free_irq(struct nic *n)
{
	struct pci_dev *p = n->pdev;

	if (n->vector < 0)
		return;
	if (n->gsi >= 0) {
		ioapic_write_rte((u32)n->gsi, RTE_MASKED);
		if (n->irte >= 0)
			vtd_ioapic_unmap(n->ioapic_id, n->irte);
		n->irte = -1;
		n->gsi = -1;
	} else if (!strcmp(n->irq_kind, "MSI-X")) {
		pci_msix_enable(p, false);
	} else if (p->cap_msi) {
		u16 c = (u16)(p->cap_msi + MSI_CTRL);

		pci_write16(p->seg, p->bus, p->dev, p->fn, c,
			    (u16)(pci_read16(p->seg, p->bus, p->dev, p->fn, c) & ~MSI_CTRL_ENABLE));
	}
	if (n->irte >= 0)
		vtd_msi_unmap(p->bus, (u8)(p->dev << 3 | p->fn), n->irte);
	irq_free_vector(0, (u32)n->vector);
	n->vector = n->irte = -1;
	n->irq_kind = "polled";
}

static struct nic *try_probe(struct pci_dev *p, int num)
{
	struct nic *n = calloc(1, sizeof(*n));
	const char *why = "";
	char irq[16] = "";
	int rc;

	if (!n)
		return NULL;
	n->pdev = p;
	n->vector = n->irte = n->gsi = -1;
	n->irq_kind = "polled";
	snprintf(n->name, sizeof(n->name), "eth%d", num);
	rc = e1000_supported(p) ? e1000_probe(p, n, &why) : virtio_net_probe(p, n, &why);
	if (rc) {
		pr_warn("net: %02x:%02x.%u: %s: not used", p->bus, p->dev, p->fn, why);
		if (n->translated)
			host_domain_detach(p);
		free(n);
		return NULL;
	}
	/* tern's NIC: never also a VM's (vm start refuses it by owner). */
	p->owner = PCI_OWNER_TERN;
	if (n->gsi >= 0)
		snprintf(irq, sizeof(irq), " (GSI %d)", n->gsi);
	pr_info("net: %s: %s at %02x:%02x.%u, MAC %02x:%02x:%02x:%02x:%02x:%02x, %s%s%s, DMA %s",
		n->name, n->model, p->bus, p->dev, p->fn, n->mac[0], n->mac[1], n->mac[2],
		n->mac[3], n->mac[4], n->mac[5], n->irq_kind, irq,
		n->irte >= 0 ? " through interrupt remapping" : "", nic_dma_desc(n));
	return n;
}

struct nic *nic_init(const char *bdf)
{
	u16 want = 0;
	const char *vm;

	if (bdf && !config_parse_bdf(bdf, &want)) {
		pr_warn("net: net=%s is not a PCI function like 00:03.0: no management NIC", bdf);
		return NULL;
	}
	for (u32 i = 0; i < pci_count(); i++) {
		struct pci_dev *p = pci_get(i);
		bool ok = e1000_supported(p) || virtio_net_supported(p);

		if (bdf && (u16)(p->bus << 8 | p->dev << 3 | p->fn) != want)
			continue;
		if (!ok) {
			if (bdf)
				pr_warn("net: net=%s is %04x:%04x, not an e1000, e1000e or virtio-net (modern): no management NIC",
					bdf, p->vendor, p->device);
			if (bdf)
				return NULL;
			continue;
		}
		if (nic_reserved_by_vm(p, &vm)) {
			pr_info("net: %02x:%02x.%u is assigned to VM %s: not used by tern", p->bus, p->dev,
				p->fn, vm);
			if (bdf)
				return NULL;
			continue;
		}
		if (p->owner)
			continue;
		the_nic = try_probe(p, 0);
		if (the_nic || bdf)
			return the_nic;
	}
	if (bdf)
		pr_warn("net: net=%s: no such PCI function: no management NIC", bdf);
	else
		pr_info("net: no supported NIC that no VM takes (e1000, e1000e, virtio-net): no network");
	return NULL;
}
