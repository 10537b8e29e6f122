// SPDX-License-Identifier: GPL-2.0
/*
 * The host domain: one identity-mapped VT-d domain for every device tern
 * itself drives. Its DMA lands on the physical addresses tern gives it,
 * so drivers need no I/O address allocator, yet a wild address (a stale
 * PRP, a device bug) can only hit RAM: registers of other devices, the
 * local APIC's MSI window, firmware's reserved memory stay out of reach
 * and such an access is blocked and reported as a fault.
 *
 * What is mapped: each region tern's page allocator manages, less the
 * pages of tern's own image (text and data no device has business
 * writing). The page tables of the domain itself and of the VT-d units
 * live in that RAM too: confining tern's devices to buffers they were
 * handed would need a map per request, which this domain does not do.
 */
#include <stdio.h>
#include <string.h>

#include "boot/bootinfo.h"
#include "core/console.h"
#include "core/log.h"
#include "core/main.h"
#include "drivers/pci.h"
#include "iommu/host_domain.h"
#include "iommu/vtd.h"
#include "mm/pmm.h"

static struct vtd_domain dom;
static bool live;
static struct {
	struct pci_dev *dev;
	const char *what;
} devs[HOST_DOMAIN_DEVS];

static u8 devfn_of(const struct pci_dev *d)
{
	return (u8)(d->dev << 3 | d->fn);
}

/* [base, end) identity-mapped; false if the tables could not take it. */
static bool map_range(u64 base, u64 end)
{
	int err;

	if (end <= base)
		return true;
	err = vtd_domain_map(&dom, base, base, end - base, VTD_MAP_RW);
	if (err)
		pr_warn("vt-d: host domain: [%#llx, %#llx) not mapped (%d): tern's devices cannot DMA there",
			(unsigned long long)base, (unsigned long long)end, err);
	return !err;
}

void host_domain_init(void)
{
	u64 img = 0, img_end = 0;
	u32 regions = 0;

	if (!vtd_nunits)
		return;
	if (vtd_domain_init(&dom, HOST_DOMAIN_ID)) {
		pr_warn("vt-d: no host domain (no unit takes one): tern's own devices do no DMA behind VT-d");
		vtd_domain_free(&dom);
		return;
	}
	if (boot_info && boot_info->kernel_size) {
		img = ALIGN_DOWN(boot_info->kernel_phys, PAGE_SIZE);
		img_end = ALIGN_UP(boot_info->kernel_phys + boot_info->kernel_size, PAGE_SIZE);
	}
	for (u32 i = 0; i < pmm_region_count(); i++) {
		const struct pmm_region *r = pmm_region(i);
		u64 base = r->base, end = r->base + r->pages * PAGE_SIZE;

		/* Beyond the domain's address width: not reachable by DMA. */
		if (base >= (1ULL << dom.agaw))
			continue;
		end = MIN(end, 1ULL << dom.agaw);
		if (img_end > base && img < end) {
			map_range(base, img);
			map_range(img_end, end);
		} else {
			map_range(base, end);
		}
		regions++;
	}
	live = true;
	pr_info("vt-d: host domain %u: %llu MiB of RAM identity-mapped from %u regions (tern's image excluded) for tern's own devices",
		dom.id, (unsigned long long)(dom.mapped >> 20), regions);
}

struct vtd_domain *host_domain(void)
{
	return live ? &dom : NULL;
}

int host_domain_attach(struct pci_dev *d, const char *what)
{
	u32 i;

	if (!vtd_covers(d->bus, devfn_of(d)))
		return 1;
	if (!live)
		return -1;
	for (i = 0; i < HOST_DOMAIN_DEVS && devs[i].dev; i++)
		;
	if (i == HOST_DOMAIN_DEVS || vtd_attach(&dom, d->bus, devfn_of(d)))
		return -1;
	devs[i].dev = d;
	devs[i].what = what;
	return 0;
}

void host_domain_detach(struct pci_dev *d)
{
	for (u32 i = 0; i < HOST_DOMAIN_DEVS; i++)
		if (devs[i].dev == d) {
			vtd_detach(d->bus, devfn_of(d));
			devs[i].dev = NULL;
		}
}

void host_domain_show(void)
{
	char buf[160];
	size_t n = 0;

	if (!live)
		return;
	buf[0] = 0;
	for (u32 i = 0; i < HOST_DOMAIN_DEVS; i++)
		if (devs[i].dev && n < sizeof(buf))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %02x:%02x.%u (%s)",
					      devs[i].dev->bus, devs[i].dev->dev,
					      devs[i].dev->fn, devs[i].what);
	console_printf("  host domain %u (tern's devices, RAM identity-mapped):%s\n", dom.id,
		       buf[0] ? buf : " no devices");
}
