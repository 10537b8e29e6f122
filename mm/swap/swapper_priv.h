/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The swapper's own state (mm/swap/swapper.c), shared only with its
 * False Reads Preventer wiring (mm/swap/swapper_prev.c). Nothing else
 * includes this: the rest of tern sees mm/swap/swapper.h.
 */
#ifndef TERN_MM_SWAP_SWAPPER_PRIV_H
#define TERN_MM_SWAP_SWAPPER_PRIV_H

#include "core/spinlock.h"
#include "core/vm/config.h"
#include "drivers/block/blk.h"
#include "mm/gpa.h"
#include "mm/swap/preventer.h"
#include "mm/swap/swap_area.h"
#include "mm/swap/swap_mapper.h"
#include "mm/swap/swap_vm.h"
#include "mm/swap/swapper.h"

/* Swap partitions in use: one swap_dev each, its areas the VMs'. */
#define SWAP_PARTS_MAX		4
/* Block requests per VM: reads for every vCPU and tern's own waiters
 * always find one (SWAP_REQS_RESERVE); write-outs take the rest. */
#define SWAP_REQS		48
#define SWAP_REQS_RESERVE	(CONFIG_MAX_VCPUS + 4)
/* Victims per reclaim round: one EPT flush covers them all. */
#define SWAP_BATCH		32
/* Pages per read from the disk image: the faulting one and those of the
 * following blocks read ahead with it (one block-layer request). */
#define SWAP_IMAGE_PAGES	BLK_SEGS_MAX

struct swap_part {
	struct blk_dev *bd;		/* NULL: a free entry */
	struct swap_dev dev;
	u32 areas;			/* live areas (VMs using it) */
};

/* One block request of a VM's swapping: one page to or from its slot, or
 * pages from consecutive blocks of the VM's disk image (the Mapper). */
struct swap_req {
	struct blk_req r;
	struct swapper *sw;
	u64 idx;			/* the page */
	u64 pa;				/* its frame: read into, written from */
	bool image;			/* a read of the image: the pages below */
	u32 npages;
	u64 idxs[SWAP_IMAGE_PAGES], pas[SWAP_IMAGE_PAGES];
	struct swap_req *next_free;
};

struct swapper {
	spinlock_t lock;
	struct vm *vm;
	struct swap_vm s;		/* the pure state machine (swap_vm.h) */
	struct swap_part *part;
	struct swap_area *area;
	bool live;			/* attached to the running VM's map */
	u16 *holds;			/* tern's holds per page (gpa_get_page) */
	struct gpa_fault_handler fh;
	/* The Swap Mapper (swap_mode mapper or vswapper) */
	bool mapper;
	struct swap_assoc assoc;
	struct gpa_fault_handler wp_fh;	/* the guest's first write to a page */
	bool wp_pending;		/* protections set for a request not yet submitted */
	bool wp_unflushed;		/* submitted, some vCPU may not have dropped rights yet */
	u64 wp_faults, fill_unarmed, image_reqs, image_pages, image_errors;
	struct swap_req reqs[SWAP_REQS];
	struct swap_req *free_reqs;
	u32 nfree;
	/* Counters beyond swap_vm's */
	u64 tern_gets, tern_waits, tern_refused, reclaim_rounds, evict_raced;
	u64 no_frame;
	u64 settle_waits;		/* guest writes held back: reads for their blocks */
	u64 min_free_reqs;
	/* The False Reads Preventer (swap_mode vswapper; swapper_prev.c) */
	bool prevent;
	struct prev prev;
	/* Pages mapped from a full buffer while their old content was still
	 * being read: the read's frame is thrown away when it lands. */
	u64 superseded[PREV_MAX_SLOTS];
	u32 nsuperseded;
	u64 prev_frames;		/* buffers held now (outside the limit) */
	u64 prev_emulated, prev_waits, prev_declined, prev_exec, prev_read_later;
	u64 prev_dirtied;		/* guest entries given A and D for a store */
	u64 reads_for[SWAP_FOR_COUNT];	/* reads started, by whom */
};

/* An access that stores to the page and nothing else: not a load, a fetch,
 * the CPU's own page walk (A/D flags), or a read-modify-write. The only
 * kind a page overwritten whole begins with. */
static inline bool swap_access_stores(u32 access)
{
	return (access & (GPA_ACCESS_READ | GPA_ACCESS_WRITE | GPA_ACCESS_EXEC |
			  GPA_ACCESS_NOT_OPERAND)) == GPA_ACCESS_WRITE;
}

/* A page's fault, as swap_fault() decides it, done (under sw->lock): 0
 * mapped (or nothing to do), 1 wait (a read is under way or a frame will
 * be), -1 the VM cannot go on (why noted). */
int swapper_do_fault(struct swapper *sw, u64 idx, u32 waiter, enum swap_read_for why);
/* gpa_wake() each vCPU in mask. */
void swapper_wake(struct swapper *sw, u8 mask);

#endif
