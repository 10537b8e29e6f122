// SPDX-License-Identifier: GPL-2.0
/* `iommu`: the VT-d units, what they can do, their counters and faults. */
#include <string.h>

#include "core/console.h"
#include "core/cpu.h"
#include "core/shell.h"
#include "core/tsc.h"
#include "drivers/pci.h"
#include "iommu/vtd.h"
#include "mm/kmem.h"

/* QEMU's "edu" device (docs/specs/edu.txt): a DMA engine in BAR0. */
#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_COUNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_DMA_START		BIT(0)	/* direction 0: RAM -> device */
#define EDU_BUFFER		0x40000
#define SELFTEST_ADDR		0x7000	/* what the device is told to read */

/*
 * `iommu selftest`: have a device read RAM by DMA while no context entry
 * lets it: the unit must block the read and report the fault with the
 * device's requester ID and the address.
 */
static int selftest(void)
{
	const struct pci_dev *d = NULL;
	volatile u64 *regs;
	u64 before = 0, after = 0, start;
	bool by_irq = false;

	for (u32 i = 0; i < pci_count() && !d; i++)
		if (pci_get(i)->vendor == EDU_VENDOR && pci_get(i)->device == EDU_DEVICE)
			d = pci_get(i);
	if (!d || !d->bars[0].base) {
		console_printf("iommu selftest: needs QEMU's edu device (-device edu)\n");
		return 1;
	}
	for (u32 i = 0; i < vtd_nunits; i++)
		before += vtd_units[i].faults;
	regs = ioremap(d->bars[0].base, PAGE_SIZE, MAP_W | MAP_UC);
	if (!regs)
		return 1;
	/* Memory decoding and bus mastering on, then one 8-byte read. */
	pci_write16(d->seg, d->bus, d->dev, d->fn, 0x04,
		    pci_read16(d->seg, d->bus, d->dev, d->fn, 0x04) | 0x6);
	regs[EDU_DMA_SRC / 8] = SELFTEST_ADDR;
	regs[EDU_DMA_DST / 8] = EDU_BUFFER;
	regs[EDU_DMA_COUNT / 8] = 8;
	regs[EDU_DMA_CMD / 8] = EDU_DMA_START;
	/* First the fault-event interrupt alone, then polling. */
	start = rdtsc();
	while (rdtsc() - start < tsc_hz() / 2 && after <= before) {
		bool poll = rdtsc() - start > tsc_hz() / 4;

		after = 0;
		for (u32 i = 0; i < vtd_nunits; i++) {
			if (poll)
				vtd_poll_faults(&vtd_units[i]);
			after += __atomic_load_n(&vtd_units[i].faults, __ATOMIC_RELAXED);
		}
		by_irq = !poll;
		irq_enable();
		cpu_relax();
	}
	pci_write16(d->seg, d->bus, d->dev, d->fn, 0x04,
		    pci_read16(d->seg, d->bus, d->dev, d->fn, 0x04) & ~0x4);
	console_printf("iommu selftest: %02x:%02x.%u read %#x by DMA: %s%s\n", d->bus, d->dev,
		       d->fn, SELFTEST_ADDR, after > before ? "blocked, fault reported" :
		       "NOT blocked (no fault within 500 ms)",
		       after <= before ? "" : by_irq ? " by the fault-event interrupt" : " by polling");
	return after > before ? 0 : 1;
}

static int cmd_iommu(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "selftest"))
		return selftest();
	if (!vtd_nunits) {
		console_printf("no VT-d units (no DMAR table): device assignment needs iommu = off-unsafe\n");
		return 0;
	}
	for (u32 i = 0; i < vtd_nunits; i++) {
		struct vtd_unit *u = &vtd_units[i];
		const struct vtd_caps *c = &u->caps;

		console_printf("unit %u at %#llx: ", i, (unsigned long long)u->base);
		if (!u->up) {
			console_printf("not used: %s\n", u->problem);
			continue;
		}
		vtd_poll_faults(u);
		console_printf("VT-d %u.%u, %u domains, address widths%s%s (MGAW %u), large pages%s%s%s\n",
			       c->ver_major, c->ver_minor, c->domains,
			       c->sagaw & 2 ? " 39" : "", c->sagaw & 4 ? " 48" : "", c->mgaw,
			       c->large_2m ? " 2M" : "", c->large_1g ? " 1G" : "",
			       c->large_2m || c->large_1g ? "" : " none");
		console_printf("  features:%s%s%s%s%s%s%s%s; %u fault records at +%#x\n",
			       c->qi ? " queued-invalidation" : "", c->ir ? " interrupt-remapping" : "",
			       c->eim ? " x2APIC-remapping" : "", c->pt ? " pass-through" : "",
			       c->sc ? " snoop-control" : "", c->coherent ? " coherent" : "",
			       c->caching_mode ? " caching-mode" : "", c->scalable ? " scalable-mode" : "",
			       c->nfr, c->fro);
		console_printf("  state: translation %s, queued invalidation %s; root table %#llx (empty: all DMA blocked); fault events on vector %d\n",
			       (*(volatile u32 *)(u->regs + VTD_GSTS) & GCMD_TE) ? "on" : "off",
			       (*(volatile u32 *)(u->regs + VTD_GSTS) & GCMD_QIE) ? "on" : "off",
			       (unsigned long long)u->root_pa, u->fault_vector);
		console_printf("  invalidations: context %llu, IOTLB %llu, interrupt entry %llu; waits %llu (%llu timed out); faults %llu\n",
			       (unsigned long long)u->cc_invals, (unsigned long long)u->iotlb_invals,
			       (unsigned long long)u->iec_invals, (unsigned long long)u->waits,
			       (unsigned long long)u->wait_timeouts, (unsigned long long)u->faults);
		for (u32 k = 0; k < MIN(u->nrecent, (u32)VTD_RECENT_FAULTS); k++) {
			const struct vtd_fault *f = &u->recent[k];

			console_printf("  fault: %02x:%02x.%u %s %#llx: %s\n", f->sid >> 8,
				       (f->sid >> 3) & 0x1f, f->sid & 7, f->read ? "read" : "write",
				       (unsigned long long)f->addr, vtd_fault_reason(f->reason));
		}
	}
	return 0;
}
SHELL_COMMAND(iommu, "iommu", "[selftest]",
	      "VT-d units: capabilities, state, invalidations, faults; selftest: a blocked DMA",
	      cmd_iommu);
