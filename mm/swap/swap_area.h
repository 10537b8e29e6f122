/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Swap slots: one swap partition (tern.cfg `swap = ata0p3`) shared by the
 * VMs that name it, each VM given its own area of it.
 *
 * On-disk layout: none beyond an array. The partition is scratch space the
 * operator gave tern; tern writes no header or label, and reads a slot only
 * after writing it in the same boot, so whatever was on the partition
 * before is never trusted. Slot s of the partition is 4 KiB at byte
 * s * SWAP_SLOT_SIZE (LBA s * 4096 / block size); a partition whose block
 * size does not divide 4 KiB is refused, and a trailing part smaller than
 * a slot is unused.
 *
 *   partition:  | area of VM a      | area of VM b   | free ...   |
 *               | slot 0 1 2 ...    | slot 0 1 ...   |            |
 *
 * An area is a contiguous run of slots carved when the VM starts and given
 * back when it stops (first fit; several VMs, each in its own run, so no
 * VM can read another's pages). Inside an area a bitmap says which slots
 * hold a page; allocation is next-fit from a cursor, so pages written out
 * one after another land in consecutive slots (sequential writes, and
 * reads that could be clustered later).
 *
 * Memory: one bit per slot here; the per-page record (swap_page.h) is 8
 * bytes, under the ~20 bytes per page the thesis (ch. 4, §4.6.3) expects
 * a dedicated tracking structure to need.
 */
#ifndef TERN_MM_SWAP_SWAP_AREA_H
#define TERN_MM_SWAP_SWAP_AREA_H

#include "core/types.h"

#define SWAP_SLOT_SIZE		4096U
#define SWAP_AREAS_MAX		64		/* CONFIG_MAX_VMS */
#define SWAP_OWNER_MAX		32
#define SWAP_NO_SLOT		0xffffffffU

struct swap_area {
	bool live;
	char owner[SWAP_OWNER_MAX];	/* the VM's name, for `disks`/`vm mem` */
	u32 base;			/* first slot on the partition */
	u32 nslots;
	u32 used;
	u32 cursor;			/* next-fit start */
	u64 *bitmap;			/* nslots bits: 1 = holds a page */
	/* Counters */
	u64 allocs, frees, full;	/* full: an allocation found none */
};

struct swap_dev {
	u32 nslots;			/* whole slots on the partition */
	u32 block_size;			/* the partition's logical block */
	struct swap_area areas[SWAP_AREAS_MAX];
};

/* A partition of `bytes` in blocks of block_size. -1: a block size that
 * does not divide a slot, or no whole slot. */
int swap_dev_init(struct swap_dev *d, u64 bytes, u32 block_size);
/*
 * Carve an area for owner: `want` slots if a free run that long exists
 * (first fit), else the longest free run if it has at least `min`. NULL
 * if none (or no memory for the bitmap, or every area in use).
 */
struct swap_area *swap_area_carve(struct swap_dev *d, const char *owner, u32 want, u32 min);
/* Give an area's run back (its slots' contents are forgotten). */
void swap_area_release(struct swap_dev *d, struct swap_area *a);
/* Slots of the partition not in any area, and the longest free run. */
u32 swap_dev_free(const struct swap_dev *d, u32 *longest);

/* A free slot of the area (index inside it), or SWAP_NO_SLOT. */
u32 swap_slot_alloc(struct swap_area *a);
void swap_slot_free(struct swap_area *a, u32 slot);
bool swap_slot_used(const struct swap_area *a, u32 slot);
/* The partition LBA of an area's slot, and blocks per slot. */
u64 swap_slot_lba(const struct swap_dev *d, const struct swap_area *a, u32 slot);
u32 swap_slot_blocks(const struct swap_dev *d);

#endif
