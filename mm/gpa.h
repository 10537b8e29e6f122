/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's guest-physical map: the one owner of its EPT, and what VT-d,
 * ELI's BAR page, the vIOMMU's pins and the swapper go through.
 *
 * RAM is laid out as on q35: below the 32-bit hole up to GPA_LOW_TOP (the
 * ECAM, I/O APIC and local APIC live above it) and the rest from 4 GiB. It
 * is allocated in 2 MiB runs where possible, so EPT can use large pages;
 * tern keeps each page's host address, so RAM stays reachable by tern
 * whatever the guest's EPT view of it is.
 *
 * Each RAM page has a state byte. Write-protected and no-access pages
 * lose those EPT permissions; the guest's access exits and goes to the
 * fault handlers registered for the state bit it violates (`vm watch` and
 * ELI on WP, the swapper on NOACCESS, the vIOMMU), which fix the page and
 * retry, pass it on, make the vCPU wait, or stop the VM. Pinned pages
 * (DMA) cannot be made no-access. Permission changes are batched: they
 * mark the map stale, and gpa_flush() makes every vCPU invalidate once
 * (INVEPT).
 */
#ifndef TERN_MM_GPA_H
#define TERN_MM_GPA_H

#include "core/spinlock.h"
#include "mm/paging.h"

#define GPA_LOW_TOP		0xb0000000ULL	/* q35's ECAM base */
#define GPA_HIGH_BASE		0x100000000ULL

/* Page state (one byte per 4 KiB page of RAM) */
#define GPA_PG_WP		BIT(0)	/* writes fault to the handler */
#define GPA_PG_NOACCESS		BIT(1)	/* any access faults to the handler */
#define GPA_PG_PINNED		BIT(2)	/* mapped for DMA: never no-access */
#define GPA_PG_PROTECTION	(GPA_PG_WP | GPA_PG_NOACCESS)

/* EPT violation qualification access bits (SDM 3C 28.2.1, table 28-7) */
#define GPA_ACCESS_READ		BIT(0)
#define GPA_ACCESS_WRITE	BIT(1)
#define GPA_ACCESS_EXEC		BIT(2)
/* The access is the CPU's own walk of the guest's page tables (or one
 * with no linear address), not the instruction's operand. */
#define GPA_ACCESS_NOT_OPERAND	BIT(3)

enum gpa_fault {
	GPA_FAULT_NOT_RAM = 0,	/* not RAM: MMIO or nothing, the caller's */
	GPA_FAULT_RETRY,	/* the handler fixed it: run the access again */
	GPA_FAULT_STOP,		/* no handler, or it refused: stop the VM */
	GPA_FAULT_WAIT,		/* work under way: the vCPU sleeps until gpa_wake(), then retries */
	GPA_FAULT_PASS,		/* a handler's only: not mine, ask the next */
	GPA_FAULT_EMULATE,	/* the map's emulator wants the instruction: gpa_emulate() */
};

struct gpa_map;
/* waiter: the faulting vCPU's index, for gpa_wake() after a WAIT. */
typedef enum gpa_fault (*gpa_fault_fn)(struct gpa_map *g, u64 gpa, u32 access, u32 waiter,
				       void *ctx);

/*
 * One user's fault handler for one protection bit (GPA_PG_WP or
 * GPA_PG_NOACCESS), owned by the user and linked into the map while
 * registered. Several users share a bit: each passes on pages not its own.
 */
struct gpa_fault_handler {
	gpa_fault_fn fn;
	void *ctx;
	u8 state_bit;
	struct gpa_fault_handler *next;
};

/*
 * How tern itself reaches a sparse map's RAM (mm/swap/swapper.c; a test's
 * fake): get gives the page a frame and holds it there until put — it is
 * neither evicted nor released meanwhile — and, for GPA_GET_WRITE, counts
 * the page as written (the EPT D flag does not see tern's own writes). 0,
 * or a negative errno: -EAGAIN (GPA_GET_NOWAIT and the page is on disk; a
 * read may have been started), -EIO (its content is lost), -ENOMEM.
 */
#define GPA_GET_WRITE		BIT(0)	/* tern will write the page */
#define GPA_GET_NOWAIT		BIT(1)	/* the caller cannot wait for a disk read */
#define GPA_GET_OVERWRITE	BIT(2)	/* ... and overwrites all of it: its old content is not needed */

struct gpa_access_ops {
	int (*get)(struct gpa_map *g, u64 page, u32 flags, void *ctx);
	void (*put)(struct gpa_map *g, u64 page, void *ctx);
};

/*
 * The instruction of a fault a handler answered GPA_FAULT_EMULATE (the
 * False Reads Preventer: a write to a page on disk is performed into a
 * buffer instead of reading the page first). The vCPU's side fills it:
 * the bytes at RIP, the mode, the registers, and the guest's paging, so
 * the emulator can translate the operands. The emulator updates regs in
 * place; the caller writes them back, and a RIP that moved means the
 * instruction completed (else it runs again: a REP stopped part way, or
 * the vCPU waited).
 */
struct pemul_regs;
struct gpa_insn {
	u8 mode;			/* enum insn_mode */
	u8 paging;			/* enum guest_paging */
	bool pse;			/* CR4.PSE */
	u32 len;			/* bytes fetched (up to 15) */
	const u8 *bytes;
	u64 cr3;
	struct pemul_regs *regs;
};
/* RETRY (done, or not its page any more: run the access again), WAIT
 * (the vCPU sleeps until gpa_wake()), or STOP. */
typedef enum gpa_fault (*gpa_emulate_fn)(struct gpa_map *g, u64 gpa, u32 access, u32 waiter,
					 struct gpa_insn *in, void *ctx);

/* Where RAM comes from: tern's page allocator, or a test's. */
struct gpa_ops {
	u64 (*alloc)(u64 pages, u64 align);	/* physical; 0: none */
	void (*free)(u64 pa, u64 pages);
	void *(*p2v)(u64 pa);
};

struct gpa_map {
	spinlock_t lock;		/* EPT and page state changes */
	const struct gpa_ops *ops;
	struct page_table ept;
	u64 ram_size, low_size, high_size;
	u64 high_base;			/* GPA_HIGH_BASE, or the identity run */
	bool identity;			/* high RAM at GPA = HPA */
	bool sparse;			/* frames page by page, some none (swap) */
	bool ad;			/* the EPT pointer enables A/D flags */
	u64 nchunks;			/* 2 MiB slots of [0, top of RAM) */
	u64 *run;			/* host address of a slot's 2 MiB run, or 0 */
	u64 **frag;			/* else its pages, one by one */
	u8 *state;			/* per RAM page, low then high */
	spinlock_t handlers_lock;	/* the list, and the handlers' runs */
	struct gpa_fault_handler *handlers;	/* in registration order */
	void (*wake_fn)(struct gpa_map *g, u32 waiter, void *ctx);
	void *wake_ctx;
	/* tern's own accesses to a sparse map's pages (gpa_get_page) */
	const struct gpa_access_ops *access;
	void *access_ctx;
	/* the emulator behind GPA_FAULT_EMULATE (mm/swap/swapper_prev.c) */
	gpa_emulate_fn emulate_fn;
	void *emulate_ctx;
	/* INVEPT batching */
	bool stale;			/* changes since the last flush asked */
	/* Flushes asked (gpa_flush, gpa_flush_async) and the newest one a
	 * gpa_flush saw every vCPU complete: an asynchronous flush, or
	 * another core's still waiting, does not let a gpa_flush return. */
	u64 flush_asked, flush_done;
	void (*flush_fn)(struct gpa_map *g, void *ctx);
	void *flush_ctx;
	/* Counters */
	u64 large_runs, small_pages;
	u64 protect_calls, flushes, faults, faults_unhandled, waits, wakes;
	u64 emulations;			/* instructions handed to the emulator */
};

/* [0, size) split as GPA_LOW_TOP/GPA_HIGH_BASE say. */
void gpa_layout(u64 size, u64 *low, u64 *high);
/* Allocate and map zeroed RAM. ops NULL: tern's allocator. 0 or PT_ERR_*. */
int gpa_map_create(struct gpa_map *g, u64 size, const struct gpa_ops *ops);
/*
 * RAM a device can DMA into without an IOMMU (iommu = off-unsafe): the
 * first MiB as usual (real-mode and firmware area, where no DMA buffer
 * lives), the rest one contiguous host range at the same guest-physical
 * address (GPA = HPA). The range must miss the 32-bit hole the guest's
 * devices use, [GPA_LOW_TOP, 4 GiB): PT_ERR_RANGE if the host gave one
 * that does not.
 */
#define GPA_IDENTITY_LOW	SZ_1M
int gpa_map_create_identity(struct gpa_map *g, u64 size, const struct gpa_ops *ops);
void gpa_map_destroy(struct gpa_map *g);
/*
 * RAM for an overcommitted VM (mm/swap/): no page has a frame yet; each is
 * no-access (no EPT entry) until the swapper installs one, and 4 KiB EPT
 * entries only, so frames come and go one at a time. gpa_to_hva() is NULL
 * for a page without a frame: tern's own accesses to such RAM must go
 * through the swapper first (not wired yet, so no VM uses this yet).
 */
int gpa_map_create_sparse(struct gpa_map *g, u64 size, const struct gpa_ops *ops);
/* Accessed/dirty flags in the EPT pointer from now on (the caller checked
 * the CPU has them); new entries start with both clear. */
void gpa_set_ad(struct gpa_map *g, bool on);
/* EPT pointer for the VMCS: WB, 4-level, root (SDM 3C 25.6.11). */
u64 gpa_map_eptp(const struct gpa_map *g);
bool gpa_is_ram(const struct gpa_map *g, u64 gpa, u64 len);
/* tern's address of a RAM byte (whatever the guest's permissions), or
 * NULL; valid to the end of its 4 KiB page. In a sparse map, NULL for a
 * page without a frame, and a frame may go at any time: tern's own
 * accesses there use gpa_get_page(). */
void *gpa_to_hva(struct gpa_map *g, u64 gpa);
/*
 * tern's access to the RAM page holding gpa: its address (of the byte at
 * gpa, valid to the end of the page), held until gpa_put_page(g, gpa).
 * Any map: a dense one just answers gpa_to_hva(); a sparse one asks its
 * access ops (the swapper), which may fault the page in, waiting for the
 * disk unless GPA_GET_NOWAIT. NULL: not RAM, or not available (*err, if
 * given, says why: -EFAULT not RAM, or what get() returned).
 */
void *gpa_get_page(struct gpa_map *g, u64 gpa, u32 flags, int *err);
void gpa_put_page(struct gpa_map *g, u64 gpa);
void gpa_set_access(struct gpa_map *g, const struct gpa_access_ops *ops, void *ctx);
/* Copies through gpa_get_page (so a sparse map's pages are faulted in). */
/*
 * len bytes between buf and guest RAM, each page held while copied, with
 * gpa_get_page's flags (GPA_GET_NOWAIT: never wait for a disk read). 0, or
 * its error (-EFAULT: not RAM; -EAGAIN: a page on disk, its read started)
 * and the page in *where (may be NULL).
 */
int gpa_copy(struct gpa_map *g, u64 gpa, void *buf, u64 len, bool write, u32 flags, u64 *where);
bool gpa_copy_to(struct gpa_map *g, u64 gpa, const void *src, u64 len);
bool gpa_copy_from(struct gpa_map *g, u64 gpa, void *dst, u64 len);

/* Host memory (a device BAR, ELI's page) at a non-RAM range. */
int gpa_map_mmio(struct gpa_map *g, u64 gpa, u64 hpa, u64 size, bool uncached);
int gpa_unmap_mmio(struct gpa_map *g, u64 gpa, u64 size);
/* One page of tern's memory the guest may read and not write or execute
 * (ELI's shadow IDT), write-back, at a non-RAM address. */
int gpa_map_host_page_ro(struct gpa_map *g, u64 gpa, u64 hpa);
/* What the guest reaches at gpa now: host address and MAP_W/MAP_X. */
bool gpa_lookup(struct gpa_map *g, u64 gpa, u64 *hpa, u32 *perm);
/* Every mapped extent in [gpa, gpa+size), contiguous ones merged;
 * fn returning nonzero stops the walk with that value. */
int gpa_walk(struct gpa_map *g, u64 gpa, u64 size,
	     int (*fn)(u64 gpa, u64 hpa, u64 len, u32 perm, void *ctx), void *ctx);

/* Page state of RAM pages: set, then clear bits; EPT follows (batched).
 * -1 if not all RAM, or no-access asked of a pinned page (none changed). */
int gpa_set_state(struct gpa_map *g, u64 gpa, u64 size, u8 set, u8 clear);
u8 gpa_page_state(const struct gpa_map *g, u64 gpa);
void gpa_set_flush(struct gpa_map *g, void (*fn)(struct gpa_map *, void *), void *ctx);

/*
 * Fault handlers: a fault asks, in registration order, those whose bit
 * the page has and the access violates (WP: writes; NOACCESS: any). The
 * first answer other than PASS is the fault's; none: STOP. They run one
 * at a time under handlers_lock, so once gpa_remove_fault_handler()
 * returns its handler is not running; they may change page state but not
 * register or remove handlers. -1: no single protection bit, or already in.
 */
int gpa_add_fault_handler(struct gpa_map *g, struct gpa_fault_handler *h);
void gpa_remove_fault_handler(struct gpa_map *g, struct gpa_fault_handler *h);
/*
 * A handler that answered WAIT calls gpa_wake() with the waiter it was
 * given once its work is done; the map hands it to the VM's waker (which
 * makes that vCPU retry). A wake is only a hint to retry: a vCPU woken
 * early faults again and waits again.
 */
void gpa_set_waker(struct gpa_map *g, void (*fn)(struct gpa_map *g, u32 waiter, void *ctx),
		   void *ctx);
void gpa_wake(struct gpa_map *g, u32 waiter);
/* An EPT violation at gpa with the qualification's access bits, taken
 * by vCPU waiter. Never PASS. EMULATE: call gpa_emulate() with the
 * faulting instruction (outside the handlers' lock: the emulator reads
 * guest page tables). */
enum gpa_fault gpa_fault(struct gpa_map *g, u64 gpa, u32 access, u32 waiter);
void gpa_set_emulator(struct gpa_map *g, gpa_emulate_fn fn, void *ctx);
/* The emulator's answer; RETRY when none is set any more (the access runs
 * again and faults through the handlers). Never EMULATE or PASS. */
enum gpa_fault gpa_emulate(struct gpa_map *g, u64 gpa, u32 access, u32 waiter,
			   struct gpa_insn *in);
/*
 * One page's frame in a sparse map, for the swapper. Each takes the map's
 * lock; -1 when gpa is not a RAM page of a sparse map or the page is not
 * in the state named.
 *   install: a frame for a page without one, mapped (A/D clear, no-access
 *            cleared) unless it is write-protected (then read/execute).
 *   evict:   the page's EPT entry removed in one atomic exchange, so *dirty
 *            is the D flag the CPU last set in it; the page becomes
 *            no-access and the map stale: after gpa_flush() no vCPU can
 *            touch the frame, which the page keeps. Pinned pages: -1.
 *   restore: an evicted page's frame mapped again (A/D clear).
 *   release: an evicted page forgets its frame, returned (the caller
 *            frees it, after the flush); 0 if it had none.
 * test_clear_accessed clears A in the live entry (a cached translation may
 * miss setting it again until the next flush; the clock flushes now and
 * then); dirty reads D without clearing it (clearing D in a live entry
 * could lose writes made through a cached translation).
 */
int gpa_page_install(struct gpa_map *g, u64 gpa, u64 hpa);
int gpa_page_evict(struct gpa_map *g, u64 gpa, bool *dirty);
int gpa_page_restore(struct gpa_map *g, u64 gpa);
u64 gpa_page_release(struct gpa_map *g, u64 gpa);
bool gpa_page_has_frame(const struct gpa_map *g, u64 gpa);
/* The frame of a RAM page (mapped or evicted), or 0. */
u64 gpa_page_frame(const struct gpa_map *g, u64 gpa);
/* The index of a RAM page among all of them (low RAM, then high), and
 * back: the swapper's page numbers. */
u64 gpa_page_index(const struct gpa_map *g, u64 gpa);
u64 gpa_index_page(const struct gpa_map *g, u64 idx);
bool gpa_page_test_clear_accessed(struct gpa_map *g, u64 gpa);
bool gpa_page_dirty(struct gpa_map *g, u64 gpa);
/* Make every vCPU drop stale translations, once for all changes since
 * the last flush, and return only when none can use a translation removed
 * before the call: a flush only asked (gpa_flush_async), or still under
 * way on another core, is done again here. Call with interrupts enabled
 * (it waits for the cores). */
void gpa_flush(struct gpa_map *g);
/* Asks a flush without waiting: the map's owner has each vCPU invalidate
 * before it next enters (vm_ept_changed). */
void gpa_flush_async(struct gpa_map *g);

#endif
