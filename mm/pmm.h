/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Physical page allocator: one bitmap per usable region of the normalized
 * memory map (bit set = page in use). Allocations take a range so that
 * low memory stays available for what needs it (AP start-up below 1 MiB,
 * 32-bit page-table roots below 4 GiB).
 */
#ifndef TERN_MM_PMM_H
#define TERN_MM_PMM_H

#include "mm/memmap.h"

#define PMM_MAX_REGIONS		64
#define PMM_DEFAULT_MIN		SZ_1M

struct pmm_region {
	u64 base;		/* page aligned */
	u64 pages;
	u64 free;
	u64 hint;		/* next page index to look at */
	u64 *bitmap;
};

struct pmm_stats {
	u64 total_pages;	/* usable pages under management */
	u64 free_pages;
	u64 allocs, frees;
	u64 failed_allocs;
	u64 bad_frees;		/* frees of pages not allocated */
	u64 bitmap_bytes;
	u32 regions;
};

typedef void *(*pmm_p2v_t)(u64 pa);

/* Returns 0, or -1 when no region could hold the bitmaps. */
int pmm_init(const struct memmap *m, pmm_p2v_t p2v);
/* Pages in [min, max), aligned; returns the physical address or 0. */
u64 pmm_alloc_range(u64 pages, u64 align, u64 min, u64 max);
u64 pmm_alloc(u64 pages);
/* One zeroed page (through the direct map). */
u64 pmm_alloc_zeroed_page(void);
void pmm_free(u64 pa, u64 pages);
/* Mark pages used; pages outside usable regions are ignored. */
void pmm_reserve(u64 pa, u64 len);
bool pmm_is_free(u64 pa);
void pmm_get_stats(struct pmm_stats *s);
u32 pmm_region_count(void);
const struct pmm_region *pmm_region(u32 i);

#endif
