/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VT-d domain of tern's own devices (its disk controllers): I/O
 * address = physical address over the RAM tern's page allocator manages
 * (the usable regions of the memory map, less tern's image), read-write;
 * never MMIO, never firmware's reserved ranges. A device tern drives is
 * attached to it before it may master the bus, so its DMA reaches RAM and
 * nothing else, whatever its driver gets wrong. Without VT-d there is no
 * such domain and DMA goes straight to memory, as before.
 */
#ifndef TERN_IOMMU_HOST_DOMAIN_H
#define TERN_IOMMU_HOST_DOMAIN_H

#include "core/types.h"

#define HOST_DOMAIN_ID		8	/* self-tests use 1-3, VMs 16 on */
#define HOST_DOMAIN_DEVS	8

struct pci_dev;
struct vtd_domain;

/* Built once at boot, after vtd_init(): quietly nothing without VT-d. */
void host_domain_init(void);
/* The domain, or NULL (no VT-d unit up, or it could not be built). */
struct vtd_domain *host_domain(void);
/*
 * Before d may master the bus: 1 when VT-d does not cover d (DMA goes to
 * physical addresses, untranslated), 0 attached to the host domain, -1
 * when VT-d covers d but it could not be attached (d must not do DMA).
 */
int host_domain_attach(struct pci_dev *d, const char *what);
void host_domain_detach(struct pci_dev *d);
/* `iommu`: the devices in it, one line. */
void host_domain_show(void);

#endif
