// SPDX-License-Identifier: GPL-2.0
/* `iommu`: the VT-d units, what they can do, their counters and faults. */
#include <string.h>

#include "core/console.h"
#include "core/shell/shell.h"
#include "iommu/host_domain.h"
#include "iommu/selftest.h"
#include "iommu/vtd.h"

void iommu_show_domains(void)
{
	u32 live = 0;

	for (u32 i = 0; i < VTD_MAX_DOMAINS; i++) {
		const struct vtd_domain *d = vtd_domains[i];

		if (!d)
			continue;
		live++;
		console_printf("  domain %u: %u-bit, %llu KiB mapped in %llu maps (%llu unmaps), %u devices\n",
			       d->id, d->agaw, (unsigned long long)(d->mapped >> 10),
			       (unsigned long long)d->maps, (unsigned long long)d->unmaps, d->devices);
	}
	console_printf("  domains: %u live, %llu made since boot\n", live,
		       (unsigned long long)vtd_domains_made);
}

static int cmd_iommu(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "selftest") && !strcmp(argv[2], "viommu"))
		return iommu_selftest_viommu();
	if (argc > 2 && !strcmp(argv[1], "selftest") && !strcmp(argv[2], "eli"))
		return iommu_selftest_eli();
	if (argc > 2 && !strcmp(argv[1], "selftest")) {
		console_printf("iommu selftest: unknown part '%s' (known: viommu, eli)\n", argv[2]);
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "selftest"))
		return iommu_selftest();
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
		console_printf("  state: translation %s, queued invalidation %s; root table %#llx, %u devices in domains (DMA from all others blocked); fault events on vector %d\n",
			       (*(volatile u32 *)(u->regs + VTD_GSTS) & GCMD_TE) ? "on" : "off",
			       (*(volatile u32 *)(u->regs + VTD_GSTS) & GCMD_QIE) ? "on" : "off",
			       (unsigned long long)u->root_pa, u->attached, u->fault_vector);
		if (u->ir_on)
			console_printf("  interrupt remapping: on, %s destination IDs, compatibility format blocked, %u of %u entries in use\n",
				       u->ir_x2apic ? "x2APIC" : "xAPIC", u->irtes, VTD_IRT_ENTRIES);
		else
			console_printf("  interrupt remapping: off\n");
		console_printf("  invalidations: context %llu, IOTLB %llu, interrupt entry %llu; waits %llu (%llu timed out); faults %llu\n",
			       (unsigned long long)u->cc_invals, (unsigned long long)u->iotlb_invals,
			       (unsigned long long)u->iec_invals, (unsigned long long)u->waits,
			       (unsigned long long)u->wait_timeouts, (unsigned long long)u->faults);
		if (i == 0) {
			iommu_show_domains();
			host_domain_show();
		}
		for (u32 k = 0; k < MIN(u->nrecent, (u32)VTD_RECENT_FAULTS); k++) {
			const struct vtd_fault *f = &u->recent[k];

			console_printf("  fault: %02x:%02x.%u %s %#llx: %s\n", f->sid >> 8,
				       (f->sid >> 3) & 0x1f, f->sid & 7, f->read ? "read" : "write",
				       (unsigned long long)f->addr, vtd_fault_reason(f->reason));
		}
	}
	return 0;
}
SHELL_COMMAND(iommu, "iommu", "[selftest [viommu|eli]]",
	      "VT-d units: capabilities, state, invalidations, faults; selftest: a blocked DMA; selftest viommu: a vIOMMU's shadowing with edu; selftest eli: ELI's direct MSI routes with two edus",
	      cmd_iommu);
