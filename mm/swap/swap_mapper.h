/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Swap Mapper's association table (thesis §4.5.1): which guest pages
 * hold exactly the content of which 4 KiB block of the VM's own virtio
 * disk (the guest read the block into the page, and neither the guest nor
 * tern has written the page since). Such a page needs no swap write when
 * it is reclaimed: it is dropped, and read back from the disk image.
 *
 * Both ways: page -> block (a reclaim, a refault, a write fault breaking
 * it) and block -> pages (a guest write request to the block settles its
 * pages first; a refault prefetches the pages of the following blocks).
 * Several pages may hold the same block (the guest read it twice).
 *
 * Memory: per guest page a u32 block and a u32 chain link, and a u32
 * bucket per four pages: 9 bytes a page, allocated once when the VM
 * starts, whether or not the page is tracked (the thesis's estimate is
 * about 20 bytes per tracked page). Pure; unit-tested.
 */
#ifndef TERN_MM_SWAP_SWAP_MAPPER_H
#define TERN_MM_SWAP_SWAP_MAPPER_H

#include "core/types.h"

#define SWAP_NO_BLOCK		0xffffffffU	/* a page without a block */
#define SWAP_ASSOC_END		0xffffffffU	/* end of a chain / iteration */

struct swap_assoc {
	u32 *blk;			/* per page: its block, or SWAP_NO_BLOCK */
	u32 *next;			/* per page: the next page of its bucket */
	u32 *bucket;			/* first page of each bucket */
	u32 nbuckets;			/* a power of two */
	u32 npages;
	u64 count;			/* pages associated now */
};

/* npages (< 2^32 - 1) pages, none associated. -1: no memory. */
int swap_assoc_init(struct swap_assoc *a, u64 npages);
void swap_assoc_destroy(struct swap_assoc *a);
/* Bytes the table takes (for `vm mem`). */
u64 swap_assoc_bytes(const struct swap_assoc *a);
/* Page idx's block, or SWAP_NO_BLOCK. */
u32 swap_assoc_block(const struct swap_assoc *a, u64 idx);
/* Page idx now holds block blk (a previous association of idx goes). */
void swap_assoc_set(struct swap_assoc *a, u64 idx, u32 blk);
/* Page idx holds no block any more (nothing if it had none). */
void swap_assoc_clear(struct swap_assoc *a, u64 idx);
/*
 * The pages holding blk: the first (or SWAP_ASSOC_END), then each next
 * after page idx. Clearing the page just returned is allowed between the
 * calls if the caller took its successor first (swap_assoc_next before).
 */
u32 swap_assoc_first(const struct swap_assoc *a, u32 blk);
u32 swap_assoc_next(const struct swap_assoc *a, u32 idx);

#endif
