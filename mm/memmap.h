/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Turning the loader's memory map into one tern can trust: sorted, without
 * overlaps (the stricter type wins), without empty or absurd entries, and
 * with every problem reported by index and range.
 */
#ifndef TERN_MM_MEMMAP_H
#define TERN_MM_MEMMAP_H

#include "boot/bootinfo.h"
#include "core/report.h"

#define MEMMAP_MAX		(2 * BOOT_MMAP_MAX + 1)
#define MEMMAP_PHYS_LIMIT	(1ULL << 52)	/* architectural MAXPHYADDR bound */

struct memmap {
	u32 count;
	struct boot_mem_range r[MEMMAP_MAX];
};

/* Returns the number of problems reported. */
int memmap_normalize(struct memmap *out, const struct boot_mem_range *in,
		     u32 n, report_fn rep, void *arg);
u64 memmap_total(const struct memmap *m, u32 type);
const char *memmap_type_name(u32 type);

#endif
