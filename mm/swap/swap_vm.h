/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One VM's swapping, as pure bookkeeping (thesis ch. 4, "baseline
 * swapping", §4.4): which guest pages hold a host frame, which are in the
 * VM's swap area, what is in flight, and which page to reclaim next. The
 * caller (the wiring into the GPA map) does what the answers say: map or
 * unmap EPT entries, flush, take and give frames, issue block requests,
 * wake vCPUs. Nothing here touches hardware, so every race below is
 * unit-tested with fake EPT A/D bits and injected time.
 *
 * Per guest page, one 8-byte record (struct swap_pte):
 *
 *   ZERO      never touched: no frame, no slot; reads as zeros. A fault
 *             takes a zeroed frame and maps it (no I/O).
 *   RESIDENT  a frame, mapped. SLOT_VALID: the slot holds exactly this
 *             content (it was read from there, or written there and not
 *             written by the guest since), so reclaiming it when clean
 *             needs no write ("dropped").
 *   WRITING   chosen by the clock: the EPT entry is gone, the frame still
 *             held while its content goes to the slot. A guest access
 *             meanwhile (the race "touched while its write-out is in
 *             flight") maps the same frame back at once and marks the page
 *             CANCELLED: the write finishes, the frame stays, and the slot
 *             copy counts as valid only if the guest did not write the
 *             page while it was mapped back (its EPT D bit).
 *   SWAPPED   no frame; the slot holds the content. A fault takes a frame,
 *             reads the slot into it, and the vCPU waits (GPA_FAULT_WAIT).
 *   READING   the read is in flight; every vCPU faulting on the page waits
 *             (a bit each in `waiters`) and all are woken when it lands.
 *
 * Pinned pages (GPA_PG_PINNED: DMA in flight, an assigned device) are
 * resident and the clock passes them by.
 *
 * Frames: the VM holds at most `limit` (tern.cfg `resident =`) for
 * RESIDENT, WRITING and READING pages. Reclaim runs ahead of need on the
 * management core: when free frames (limit - held, counting writes in
 * flight as free soon) fall under the low watermark it reclaims until the
 * high one. A fault that finds no free frame waits for one (frame
 * waiters, woken when a write-out or a drop frees one). When nothing can
 * be reclaimed — every frame pinned, nothing in flight — the fault is
 * given a frame over the limit (counted) rather than waiting for ever.
 *
 * EPT A/D (SDM 3C 29.3.5): the clock clears accessed bits of live entries
 * (a cached translation may leave a later access unrecorded until a flush,
 * so cleared bits are followed by an INVEPT at most every age period:
 * swap_flush_due). Dirty bits are never cleared on a live entry — a cached
 * dirty translation would let writes go unrecorded — but read when the
 * entry is removed (after the flush, nothing can write the frame), which
 * is swap_evict's `dirty`.
 */
#ifndef TERN_MM_SWAP_SWAP_VM_H
#define TERN_MM_SWAP_SWAP_VM_H

#include "core/types.h"
#include "mm/swap/swap_area.h"
#include "mm/swap/swap_mapper.h"

enum swap_pg {
	SWP_ZERO = 0,
	SWP_RESIDENT,
	SWP_WRITING,
	SWP_SWAPPED,
	SWP_READING,
};

#define SWPF_SLOT_VALID		BIT(0)	/* the slot holds the current content */
#define SWPF_CANCELLED		BIT(1)	/* WRITING, touched: it stays resident */
#define SWPF_WRITE_ISSUED	BIT(2)	/* WRITING: the I/O is out (not just chosen) */
#define SWPF_TERN_DIRTY		BIT(3)	/* WRITING, cancelled: tern wrote it since */
/* The Swap Mapper's (swap_mapper.h; s->assoc set): */
#define SWPF_IMAGE		BIT(4)	/* associated: holds a block of the VM's disk */
#define SWPF_PREFETCHED		BIT(5)	/* read ahead, not touched by the guest yet */
#define SWPF_WP			BIT(6)	/* the swapper write-protects it in EPT */
#define SWPF_FILLED		BIT(7)	/* a disk read filled it, not written since */

/* One per guest page: 8 bytes (SWAP_NO_SLOT: none). */
struct swap_pte {
	u32 slot;			/* in the VM's area */
	u8 state;			/* enum swap_pg */
	u8 flags;			/* SWPF_* */
	u8 waiters;			/* vCPUs parked on its read (bit = vCPU) */
	u8 rsvd;
};

/* What the caller does next. */
enum swap_act {
	SWAP_ACT_NONE = 0,
	SWAP_ACT_RETRY,			/* nothing to do: run the access again */
	SWAP_ACT_MAP_ZERO,		/* take a zeroed frame, map it, retry */
	SWAP_ACT_MAP_BACK,		/* map the frame still held (A/D clear), retry */
	SWAP_ACT_READ,			/* take a frame, read the slot into it; wait */
	SWAP_ACT_WAIT,			/* wait: a read under way, or no frame yet */
	SWAP_ACT_WRITE,			/* write the frame to the slot */
	SWAP_ACT_DROP,			/* give the frame back: the slot has it */
	SWAP_ACT_FREE_FRAME,		/* write-out done: give the frame back */
	SWAP_ACT_MAP,			/* read done: map the frame, wake waiters */
	SWAP_ACT_STOP,			/* the page's content is lost: stop the VM */
	SWAP_ACT_READ_IMAGE,		/* take a frame, read disk block *slot into it; wait */
};

/* The EPT as the clock sees it (the caller's, or a test's fake). */
struct swap_clock_ops {
	bool (*pinned)(void *ctx, u64 idx);
	/* The entry's accessed bit, cleared in the same step. */
	bool (*test_clear_accessed)(void *ctx, u64 idx);
};

struct swap_vm {
	struct swap_pte *pte;
	u64 npages;
	struct swap_area *area;		/* NULL: no swap (limit >= npages) */
	struct swap_assoc *assoc;	/* the Swap Mapper's table; NULL: baseline */
	u64 limit;			/* frames it may hold */
	u64 frames;			/* held: RESIDENT, WRITING, READING */
	u64 writing, reading;		/* in flight (writing: chosen or issued) */
	u8 frame_waiters;		/* vCPUs waiting for any frame */
	/* Watermarks, in free frames */
	u64 wm_low, wm_high;
	bool reclaiming;		/* between low and high */
	bool stuck;			/* the last pick found no victim */
	/* CLOCK */
	u64 hand;
	u64 age_period_ns;
	u64 last_flush_ns;
	u64 a_cleared;			/* accessed bits cleared since the flush */
	/* Counters (tern_swap_*) */
	u64 out_written, out_dropped;	/* kind="written|dropped" */
	u64 in_swap, in_zero;		/* source="swap"; zero-fill (no I/O) */
	u64 cancels;			/* touched while writing out */
	u64 write_errors, read_errors;
	u64 waits_read, waits_frame;
	u64 over_limit;			/* frames granted past the limit */
	u64 skipped_pinned, area_full, scanned;
	/* The five problems (thesis §4.3) and the Mapper's answers */
	u64 silent_writes;		/* filled by a disk read, clean, written to swap */
	u64 dropped_image;		/* associated, dropped: silent writes avoided */
	u64 in_image;			/* read back from the disk image (prefetches too) */
	u64 prefetched, prefetch_used;	/* read ahead from the image; touched since */
	u64 stale_reads;		/* read back only for a disk read to overwrite */
	u64 stale_avoided;		/* the same, without the read (Mapper) */
	u64 assoc_made, assoc_broken;	/* by guest writes or tern's */
	u64 settled, settle_reads;	/* pages of blocks the guest writes; read first */
	u64 inconsistent;		/* a clean copy claimed without a slot (never expected) */
};

#define SWAP_AGE_PERIOD_NS	10000000ULL	/* 10 ms */

/* npages guest pages, all ZERO; at most `limit` frames. -1: no memory,
 * or limit < npages without an area. */
int swap_vm_init(struct swap_vm *s, u64 npages, u64 limit, struct swap_area *area);
/* Frees the records and every slot the VM holds in its area. */
void swap_vm_destroy(struct swap_vm *s);
/* `vm resident`: a new limit; -1 if 0, over npages, or under npages
 * without swap. Shrinking makes reclaim due at once. */
int swap_set_limit(struct swap_vm *s, u64 limit);
/* Pages with each state, for `vm mem`. */
void swap_count(const struct swap_vm *s, u64 count[5]);
const char *swap_state_name(u8 state);

/*
 * A guest access to page idx faulted (its EPT entry is absent); waiter is
 * the vCPU (0-7). RETRY, MAP_ZERO, MAP_BACK: the caller maps and retries.
 * READ: the caller takes a frame and reads *slot into it; the vCPU waits.
 * WAIT: the vCPU waits (swap_read_done or a freed frame wakes it).
 * An access by tern itself (a device's DMA emulation, the loader) passes
 * waiter SWAP_WAITER_TERN: no waiter bit is recorded, and it is never
 * refused a frame (tern cannot park; it may exceed the limit, counted).
 */
#define SWAP_WAITER_TERN	0xffU
enum swap_act swap_fault(struct swap_vm *s, u64 idx, u32 waiter, u32 *slot);

/*
 * CLOCK: up to max victims into out[], passing over non-resident, pinned
 * and recently accessed pages (their accessed bit cleared: a second
 * chance). Each victim is WRITING: the caller removes its EPT entry,
 * flushes every vCPU, then calls swap_evict() for it. At most two
 * revolutions per call.
 */
u32 swap_clock_pick(struct swap_vm *s, const struct swap_clock_ops *ops, void *ctx,
		    u64 *out, u32 max);
/*
 * The victim's entry is gone and flushed; dirty: its D bit then. DROP
 * (clean, slot valid: frame freed, SWAPPED), WRITE to *slot, MAP_BACK (no
 * slot free: it stays), NONE (a fault took it back meanwhile).
 */
enum swap_act swap_evict(struct swap_vm *s, u64 idx, bool dirty, u32 *slot);
/*
 * The write of idx finished. dirtied: for a page mapped back meanwhile
 * (cancelled), its D bit since. FREE_FRAME (now SWAPPED), NONE (it
 * stayed resident), MAP_BACK (the write failed: keep the page).
 */
enum swap_act swap_write_done(struct swap_vm *s, u64 idx, bool ok, bool dirtied);
/*
 * tern itself wrote page idx (a loader, instruction emulation, a device's
 * DMA emulation), which the EPT D flag never sees: the slot's copy is old.
 * A page being written out (cancelled: tern holds it) remembers it, so
 * the write's completion does not count the slot as valid.
 */
void swap_mark_dirty(struct swap_vm *s, u64 idx);
/* The read of idx finished. MAP (and *wake: the vCPUs to wake) or STOP;
 * a prefetched page that could not be read: FREE_FRAME (it stays in the
 * image). */
enum swap_act swap_read_done(struct swap_vm *s, u64 idx, bool ok, u8 *wake);
/*
 * Page idx's read landed (or failed) after its content was replaced whole
 * meanwhile (the Preventer mapped a full buffer, while READING): resident
 * whatever was read, its slot's and block's copies old; *wake as
 * swap_read_done's. Counted as read back (the disk read was made).
 */
void swap_read_superseded(struct swap_vm *s, u64 idx, u8 *wake);
/*
 * The Swap Mapper (s->assoc). A page tern (a device) overwrites whole:
 * its old content is not needed. As swap_fault, for SWAP_WAITER_TERN, but
 * a page on disk or in the image gets a frame with no read (MAP_ZERO)
 * under the Mapper (stale read avoided); baseline reads it (READ, a stale
 * read counted). Its association goes either way.
 */
enum swap_act swap_fault_overwrite(struct swap_vm *s, u64 idx, u32 *slot);
/*
 * The False Reads Preventer filled page idx (SWAPPED) whole in a frame of
 * its own: idx is resident with that content, no read (the caller maps
 * the frame; the frame counts against the limit from now on). Its slot's
 * and block's copies are old. false: not SWAPPED (nothing changed).
 */
bool swap_fill_whole(struct swap_vm *s, u64 idx);
/*
 * After READ_IMAGE for idx (block blk): up to max pages holding blk+1,
 * blk+2, ... in order, each in the image and without a frame, while frames
 * stay under the limit; each becomes READING (prefetched). Their indices
 * in out[]; the caller reads them with idx in one request.
 */
u32 swap_prefetch(struct swap_vm *s, u64 idx, u32 blk, u64 *out, u32 max);
/* A read just set up for idx (a prefetch, a settle) cannot be issued
 * after all: back to SWAPPED, its frame not taken (no waiters yet). */
void swap_read_cancel(struct swap_vm *s, u64 idx);
/* Page idx (resident, held) now holds block blk: associated. */
void swap_associate(struct swap_vm *s, u64 idx, u32 blk);
/* A disk read filled page idx whole (for the silent-write count). */
void swap_mark_filled(struct swap_vm *s, u64 idx);
/* The guest or tern writes page idx: no association any more. true: the
 * swapper had it write-protected (the caller lifts the protection, which
 * only the guest's write fault needs: tern writes through its own map). */
bool swap_break(struct swap_vm *s, u64 idx);
/*
 * The guest writes block blk: every page holding it lets go of it first.
 * Resident ones just break (their protection stays until the guest's
 * first write lifts it). One only in the image is read back first
 * (READING for tern, no waiter; its index in out[], *nread of them: the
 * caller reads them) and the write must wait (-EAGAIN), as for a read of
 * the block already in flight. 0: nothing holds blk any more.
 */
int swap_settle(struct swap_vm *s, u32 blk, u64 *out, u32 max, u32 *nread);

/* Frames were freed: the vCPUs that waited for one (cleared). */
u8 swap_take_frame_waiters(struct swap_vm *s);

/* Watermarks: how many pages to reclaim now (0: none). */
u64 swap_reclaim_need(struct swap_vm *s);
/* An INVEPT is due for cleared accessed bits (at most one per age period). */
bool swap_flush_due(struct swap_vm *s, u64 now_ns);

#endif
