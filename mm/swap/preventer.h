/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The False Reads Preventer's bookkeeping (issue #11 item 4; Amit's thesis
 * §4.5.2): a guest that overwrites a swapped-out page should not make tern
 * read the old content first. Writes to such a page are emulated into a
 * page-sized buffer; a byte bitmap records what is buffered; when every
 * byte is buffered the buffer becomes the page and the read never happens
 * (a "false read" avoided). Pure and host-tested: time is handed in, the
 * buffers are the caller's frames, nothing here touches EPT or a disk.
 *
 * How the swapper's write-fault path uses it (not wired yet: see README;
 * mm/swap/preventer_fault.h does steps 1-4 in one call per fault):
 *  1. A write EPT violation on a swapped-out page (not a read, not an
 *     instruction fetch): instead of reading the slot, prev_start() with a
 *     fresh frame as the buffer. PREV_ACT_READ back (the Preventer is off,
 *     or PREV_END_LIMIT: too many pages under emulation) means the usual
 *     path: read the page and let the vCPU wait.
 *  2. That violation and each later one on the page: the faulting
 *     instruction is emulated by vmx/emul/page_emul.c, whose memory
 *     callbacks call prev_write() for the page's bytes and prev_read() for
 *     reads of it; the vCPU resumes after the instruction. A REP STOS/MOVS
 *     that covers the rest of the page is one step (a few prev_write()s
 *     of one run, no time check between them); prev_check_time() after
 *     each instruction applies the time limit.
 *  3. The actions the calls return: PREV_ACT_MAP: the buffer is the whole
 *     page (mapped in as the guest's frame, no read; any read in flight is
 *     dropped). PREV_ACT_READ: the emulation ended (a read of unbuffered
 *     bytes, a non-sequential write, 1 ms since the first write, an
 *     instruction page_emul cannot do, or tern's own need of the page):
 *     read the old content asynchronously, once. PREV_ACT_WAIT: the vCPU
 *     needs bytes the buffer lacks (or an instruction that cannot be
 *     emulated): it parks until the read is merged, then re-executes.
 *     Until the read completes the guest goes on, its writes still
 *     buffered and its reads of buffered bytes served (the thesis's rule).
 *  4. The read completes: prev_merge() fills the unbuffered bytes from the
 *     old content (buffered bytes win), the buffer is mapped in, waiters
 *     are woken, and the slot is free again.
 *  5. tern itself needing the page (a DMA pin, tern's accessor, reclaim,
 *     VM stop) ends the emulation with PREV_END_HOST and waits for the
 *     merge, as the thesis's QEMU-side handler does.
 */
#ifndef TERN_MM_SWAP_PREVENTER_H
#define TERN_MM_SWAP_PREVENTER_H

#include "core/types.h"

#define PREV_MAX_SLOTS		64	/* a hard cap on the max_pages setting */
#define PREV_DEFAULT_PAGES	32	/* the thesis's value (empirical) */
#define PREV_DEFAULT_NS		1000000	/* 1 ms since the first write (empirical) */

/* Why an emulation ended (or did not start). */
enum prev_end {
	PREV_END_FULL,		/* every byte written: mapped in with no read */
	PREV_END_READ,		/* the guest read bytes not buffered */
	PREV_END_NONSEQ,	/* a write left a gap (see prev_write) */
	PREV_END_TIMEOUT,	/* max_ns since the first emulated write */
	PREV_END_LIMIT,		/* max_pages already under emulation: not started */
	PREV_END_INSN,		/* an instruction not emulated (named by page_emul) */
	PREV_END_HOST,		/* tern needs the page itself */
	PREV_END_COUNT
};

/* The actions a call asks of the caller (bits; 0: go on). */
#define PREV_ACT_READ	BIT(0)	/* start the asynchronous read, now (once) */
#define PREV_ACT_WAIT	BIT(1)	/* the vCPU waits for the merge, then re-executes */
#define PREV_ACT_MAP	BIT(2)	/* the buffer is the page: map it, no read needed */

struct prev_settings {
	bool enabled;
	u32 max_pages;		/* pages under emulation at once, <= PREV_MAX_SLOTS */
	u64 max_ns;		/* emulation time from the first write; 0: no limit */
	bool sequential;	/* end on a write that leaves a gap */
};

enum prev_state { PREV_FREE, PREV_EMULATING, PREV_READING };

struct prev_page {
	u64 gpa;		/* page-aligned */
	u8 state;		/* enum prev_state */
	u8 end;			/* enum prev_end, once READING */
	u32 filled;		/* bytes buffered */
	u32 lo, hi;		/* the buffered run [lo, hi) while sequential */
	u64 start_ns;
	u8 *buf;		/* PAGE_SIZE bytes: the caller's frame */
	u64 map[PAGE_SIZE / 64];	/* bit n: byte n is buffered */
};

struct prev_counts {
	u64 started;
	u64 ended[PREV_END_COUNT];	/* LIMIT: refused starts */
	u64 false_reads_avoided;	/* pages full before any read was asked */
	u64 bytes_emulated;		/* bytes written into buffers */
	u64 reads_served;		/* guest reads served from a buffer */
	u64 waits;			/* PREV_ACT_WAIT returned */
	u64 merges;			/* reads merged */
	u64 full_while_reading;		/* filled after the read was asked */
	u64 dropped;			/* superseded by tern writing the page whole */
};

struct prev {
	struct prev_settings set;
	u32 active;			/* slots not FREE */
	struct prev_page slot[PREV_MAX_SLOTS];
	struct prev_counts c;
};

/* Defaults: on, 32 pages, 1 ms, sequential. */
void prev_init(struct prev *p);
/* 0, or -1 with why in err (max_pages 0 or above the cap). Applies to new
 * emulations; those running keep their slots. */
int prev_configure(struct prev *p, const struct prev_settings *s, char *err, size_t n);

/* The page under emulation (or being read) at gpa's page, or NULL. */
struct prev_page *prev_find(struct prev *p, u64 gpa);

/*
 * A first write fault on the swapped-out page at gpa, at time now: a slot
 * with buf (PAGE_SIZE bytes, contents irrelevant) as its buffer, returned
 * in *out; 0. Or PREV_ACT_READ (*out NULL): disabled, or the limit
 * (counted as PREV_END_LIMIT), or already there (a caller bug).
 */
u32 prev_start(struct prev *p, u64 gpa, u8 *buf, u64 now, struct prev_page **out);

/*
 * The guest writes len bytes at page offset off (off + len <= PAGE_SIZE,
 * len > 0). The write is always buffered. Non-sequential: in EMULATING,
 * with the sequential setting, a write must touch or adjoin the run of
 * bytes buffered so far (off <= hi and off + len >= lo), so the buffered
 * bytes stay one contiguous run growing up or down from the first write;
 * re-writing buffered bytes is fine (memset's unaligned head does it). A
 * write that would leave a gap ends the emulation (it is buffered all the
 * same). Returns PREV_ACT_MAP when the page is now whole (also when this
 * write left a gap: a whole page needs no read), PREV_ACT_READ when the
 * emulation just ended, else 0. Bad offsets: PREV_ACT_READ | PREV_ACT_WAIT
 * with PREV_END_INSN (never a write outside the buffer). Time is not
 * checked here but per instruction (prev_check_time), so the chunks of
 * one REP are never split by the limit.
 */
u32 prev_write(struct prev *p, struct prev_page *pg, u32 off, u32 len, const void *data);

/*
 * The guest reads len bytes at off: served from the buffer (0) when every
 * one is buffered; else the emulation ends with PREV_END_READ and the
 * vCPU waits: PREV_ACT_WAIT (| PREV_ACT_READ the first time).
 */
u32 prev_read(struct prev *p, struct prev_page *pg, u32 off, u32 len, void *out);

/*
 * Ends an emulation for a reason from outside the access path
 * (PREV_END_INSN, PREV_END_HOST, PREV_END_TIMEOUT from a periodic check).
 * PREV_ACT_READ if the read must start now, 0 if already reading.
 */
u32 prev_end(struct prev *p, struct prev_page *pg, enum prev_end why);

/* After each emulated instruction, and periodically (management core):
 * PREV_END_TIMEOUT for a page still emulating whose max_ns since the
 * first write have passed at now; its PREV_ACT_READ is the caller's. */
u32 prev_check_time(struct prev *p, struct prev_page *pg, u64 now);

/*
 * The old content arrived (PAGE_SIZE bytes): every byte not buffered is
 * taken from it, buffered bytes win. The buffer is the page now; the slot
 * is free. old may be NULL when the page became full meanwhile.
 */
void prev_merge(struct prev *p, struct prev_page *pg, const u8 *old);

/* A full page's slot given back after the caller mapped its buffer. */
void prev_release(struct prev *p, struct prev_page *pg);

/*
 * Whatever was buffered is moot: tern is about to replace the page whole
 * (a disk read into it), later than every buffered write. The slot is
 * free; the buffer (returned, NULL if none) is the caller's to free.
 */
u8 *prev_drop(struct prev *p, struct prev_page *pg);

/* Byte-bitmap helpers (exposed for the tests). */
bool prev_all_buffered(const struct prev_page *pg, u32 off, u32 len);
const char *prev_end_name(enum prev_end why);

#endif
