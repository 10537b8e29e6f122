// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include "core/loader/guest_memmap.h"
#include "core/vdev/pci/vpci.h"

u32 guest_memmap(u64 low_size, u64 high_base, u64 high_size,
		 struct e820_entry e[GUEST_MEMMAP_MAX])
{
	u32 n = 0;

	e[n++] = (struct e820_entry){ 0, GUEST_LOWMEM_TOP, E820_RAM };
	e[n++] = (struct e820_entry){ GUEST_BIOS_AREA, SZ_1M - GUEST_BIOS_AREA, E820_RESERVED };
	if (low_size > SZ_1M)
		e[n++] = (struct e820_entry){ SZ_1M, low_size - SZ_1M, E820_RAM };
	e[n++] = (struct e820_entry){ VPCI_ECAM_BASE, VPCI_ECAM_SIZE, E820_RESERVED };
	if (high_size)
		e[n++] = (struct e820_entry){ high_base, high_size, E820_RAM };
	/* Identity-mapped RAM (iommu = off-unsafe) may sit below the ECAM. */
	for (u32 i = 1; i < n; i++)
		for (u32 j = i; j && e[j].addr < e[j - 1].addr; j--) {
			struct e820_entry t = e[j];

			e[j] = e[j - 1];
			e[j - 1] = t;
		}
	return n;
}
