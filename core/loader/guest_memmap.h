/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest-physical memory map every boot protocol reports: Linux's e820
 * table in boot_params, and the multiboot v1 and v2 memory maps. One
 * builder, so the protocols never disagree about what is RAM.
 */
#ifndef TERN_CORE_LOADER_GUEST_MEMMAP_H
#define TERN_CORE_LOADER_GUEST_MEMMAP_H

#include "core/types.h"

/* Address range types (ACPI 6.5 15.1; multiboot uses the same numbers). */
#define E820_RAM		1
#define E820_RESERVED		2
#define E820_ACPI		3

struct e820_entry {
	u64 addr, size;
	u32 type;
};

#define GUEST_MEMMAP_MAX	5
#define GUEST_LOWMEM_TOP	0x9fc00		/* conventional memory, EBDA above */
#define GUEST_BIOS_AREA		0xe0000		/* to 1 MiB: ACPI tables live here */

/*
 * The map for RAM [0, low_size) and [high_base, high_base + high_size),
 * in address order: conventional memory, the BIOS area reserved, RAM from
 * 1 MiB, the PCI ECAM reserved (Linux uses the MCFG's ECAM only where
 * firmware reserves it) and RAM above. Returns the number of entries.
 */
u32 guest_memmap(u64 low_size, u64 high_base, u64 high_size,
		 struct e820_entry e[GUEST_MEMMAP_MAX]);

#endif
