/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's guest-physical map: the one owner of its EPT. Guest RAM is
 * allocated in 2 MiB runs where possible so EPT can use large pages; what
 * VT-d, ELI's BAR page, vIOMMU pins and the swapper need (per-page state,
 * protection callbacks) will be added here, not beside it.
 */
#ifndef TERN_MM_GPA_H
#define TERN_MM_GPA_H

#include "mm/paging.h"

struct gpa_map {
	struct page_table ept;
	u64 ram_size;
	u64 *chunks;		/* host address of each 2 MiB run (0: none) */
	u64 nchunks;
	u64 large_runs;		/* runs that got a 2 MiB host page */
	u64 small_pages;	/* 4 KiB fallback pages */
};

/* Allocate and map zeroed RAM [0, size). Returns 0 or a PT_ERR_*. */
int gpa_map_create(struct gpa_map *g, u64 size);
void gpa_map_destroy(struct gpa_map *g);
/* EPT pointer for the VMCS: WB, 4-level, root (SDM 3C 25.6.11). */
u64 gpa_map_eptp(const struct gpa_map *g);
/* Host virtual address of guest-physical [gpa, gpa+len), or NULL when it
 * is not all RAM. Runs may not be host-contiguous: use within one page,
 * or gpa_copy_to. */
void *gpa_to_hva(struct gpa_map *g, u64 gpa);
/* Copy into guest RAM; false if any byte falls outside it. */
bool gpa_copy_to(struct gpa_map *g, u64 gpa, const void *src, u64 len);
bool gpa_is_ram(const struct gpa_map *g, u64 gpa, u64 len);

#endif
