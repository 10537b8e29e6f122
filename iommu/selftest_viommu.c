// SPDX-License-Identifier: GPL-2.0
/*
 * `iommu selftest viommu`: a vIOMMU's shadowing into the physical VT-d
 * (core/vdev/viommu/viommu_shadow.h) with QEMU's edu device as a VM's
 * assigned device. QEMU under TCG has VT-d and edu but no VMX, so no
 * guest can run: this code plays the guest's part. The "VM" has 4 MiB of
 * guest RAM (tern's pages), its vIOMMU unit (samecore) on its bus, the
 * guest's VT-d tables in its RAM, and every register access goes through
 * the VM's bus to the same emulation an exit would reach; descriptors
 * are written into the guest's invalidation queue in its RAM.
 *
 *  1. translation off: edu in the VM's guest-physical mirror, its DMA
 *     lands at guest-physical addresses;
 *  2. the guest sets up its tables and turns translation on: edu moves
 *     to its shadow domain (empty: the guest has mapped nothing);
 *  3. the guest maps two pages, a page-selective invalidation each
 *     (caching mode): tern walks and installs them;
 *  4. edu DMAs through them: data checked;
 *  5. an IOVA the guest never mapped: blocked, the physical fault seen,
 *     and passed on to the guest's unit (its fault record, its source
 *     the guest's requester-id);
 *  5b. a page the guest maps write-only (W without R, legal in VT-d):
 *     edu's DMA read of it blocked and passed on to the guest as a read
 *     fault, its DMA write into it lands; then unmapped (strict);
 *  6. the guest unmaps a page (strict): cleared, one page-selective
 *     physical invalidation, then unpinned; a DMA there is blocked
 *     (QEMU's IOTLB held it: the invalidation is what removes it);
 *  7. optimistic teardown: an unmap deferred (the DMA still lands: the
 *     risk window), a re-map of the same page reused, the residency's
 *     expiry tears it down and the DMA is blocked;
 *  8. translation off: edu back in the mirror, nothing pinned;
 *  9. the event log: every unpin after the physical invalidation that
 *     covered its page.
 *
 * Then the same device for an overcommitted VM (issue #12: only what the
 * guest maps for DMA is pinned): its RAM a sparse map whose pages tern
 * reaches through access ops of this file's (a fake swapper: a frame on
 * first use, one page "on disk" at will), no guest-physical mirror:
 *  O1. translation off: edu's DMA to guest-physical blocked;
 *  O2. translation on; the guest maps two pages, one of them on disk:
 *      the queue stops at its invalidation (no error, the wait after it
 *      not written), tern's settle brings the page in and the queue runs
 *      on; both installed, only those two pages pinned;
 *  O3. edu DMAs through them: data checked;
 *  O4. the guest maps a page whose own leaf table page is on disk: the
 *      same stop and run on, then the DMA;
 *  O5. translation off: blocked again, nothing pinned.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/console.h"
#include "core/tsc.h"
#include "core/vdev/viommu/viommu.h"
#include "core/vdev/viommu/viommu_shadow.h"
#include "core/vdev/viommu/vtd_regs_emul.h"
#include "core/vdev/viommu/vtd_walk.h"
#include "core/vm/vm.h"
#include "drivers/pci.h"
#include "iommu/selftest.h"
#include "iommu/vtd.h"
#include "mm/kmem.h"
#include "mm/pmm.h"

#define P			"iommu selftest viommu: "
#define VM_RAM			(4ULL << 20)
/* The guest's layout (guest-physical). */
#define G_ROOT			0x100000ULL
#define G_CTX			0x101000ULL
#define G_L3			0x102000ULL
#define G_L2			0x103000ULL
#define G_L1			0x104000ULL
#define G_IQ			0x105000ULL
#define G_STATUS		0x106000ULL
#define G_SRC			0x200000ULL
#define G_DST			0x201000ULL
#define G_OPT			0x202000ULL
#define G_WO			0x203000ULL
/* What the guest maps: I/O addresses (edu's DMA mask is 28 bits). */
#define IOVA_SRC		0x10000ULL
#define IOVA_DST		0x11000ULL
#define IOVA_NONE		0x12000ULL
#define IOVA_OPT		0x13000ULL
#define IOVA_OTHER		0x14000ULL
#define IOVA_WO			0x15000ULL
#define GUEST_SID		0x10		/* the guest's 00:02.0 */
#define GUEST_DID		5
/* Longer than an edu DMA (QEMU's edu runs each ~100 ms after it is
 * started), so the reuse happens within the window. */
#define RESIDENCY_MS		500
#define AFTER_MS		(RESIDENCY_MS + 20)

static const char pattern[8] = "TERN-VIO";

/* The overcommitted VM's fake swapper: one page on disk (~0: none). */
static u64 oc_on_disk = ~0ULL;
static u32 oc_reads;			/* "disk reads" it waited for */

struct gst {
	struct vm *vm;
	u32 gcmd;			/* the guest driver's copy, as Linux keeps */
	u32 qtail, seq;
	bool ok;
};

static u64 reg_r(struct gst *g, u32 off, u32 size)
{
	u64 v = 0;

	vdev_access(&g->vm->bus, NULL, VDEV_MMIO, VTDE_BASE + off, size, false, &v);
	return v;
}

static void reg_w(struct gst *g, u32 off, u32 size, u64 v)
{
	vdev_access(&g->vm->bus, NULL, VDEV_MMIO, VTDE_BASE + off, size, true, &v);
}

static void gcmd(struct gst *g, u32 bit, bool on)
{
	if (bit & GCMD_ONESHOT) {
		reg_w(g, VTD_GCMD, 4, g->gcmd | bit);
		return;
	}
	g->gcmd = on ? g->gcmd | bit : g->gcmd & ~bit;
	reg_w(g, VTD_GCMD, 4, g->gcmd);
}

static void gput64(struct gst *g, u64 gpa, u64 v)
{
	gpa_copy_to(&g->vm->mem, gpa, &v, 8);
}

/* Descriptors into the guest's queue, a wait behind them, the tail
 * moved: the unit runs them (samecore: within the register write). */
static void queue_put(struct gst *g, const struct vtd_desc *d, u32 n)
{
	for (u32 i = 0; i <= n; i++) {
		struct vtd_desc x = i < n ? d[i] : vtd_desc_wait(++g->seq, G_STATUS);

		gpa_copy_to(&g->vm->mem, G_IQ + 16ULL * g->qtail, &x, 16);
		g->qtail = (g->qtail + 1) % 256;
	}
	reg_w(g, VTD_IQT, 8, (u64)g->qtail << 4);
}

/* Whether the wait of the last queue_put() has written its status. */
static bool queue_done(struct gst *g)
{
	u32 status = 0;

	gpa_copy_from(&g->vm->mem, G_STATUS, &status, 4);
	return status == g->seq && !(reg_r(g, VTD_FSTS, 4) & FSTS_IQE);
}

static bool queue(struct gst *g, const struct vtd_desc *d, u32 n)
{
	u32 status = 0;

	queue_put(g, d, n);
	if (!queue_done(g)) {
		gpa_copy_from(&g->vm->mem, G_STATUS, &status, 4);
		console_printf(P "the unit did not complete the guest's queue (status %u of %u, fault status %#llx)\n",
			       status, g->seq, (unsigned long long)reg_r(g, VTD_FSTS, 4));
		g->ok = false;
		return false;
	}
	return true;
}

/* The guest maps or unmaps one page and invalidates it, as Linux does
 * with caching mode (one page-selective invalidation per page). */
static bool gmap(struct gst *g, u64 iova, u64 gpa, u64 perm)
{
	struct vtd_desc d = vtd_desc_iotlb_page(GUEST_DID, iova, 0, true);

	gput64(g, G_L1 + 8 * ((iova >> 12) & 511), gpa ? gpa | perm : 0);
	return queue(g, &d, 1);
}

/* The guest's tables: root -> context (domain 5, 3 levels) -> an empty
 * L1; queued invalidation on, everything invalidated; translation on. */
static void translation_on(struct gst *g)
{
	struct vtd_desc inv[2] = { vtd_desc_cc_global(), vtd_desc_iotlb_global(true) };

	gput64(g, G_ROOT, G_CTX | ROOT_P);
	gput64(g, G_CTX + 16 * (GUEST_SID & 0xff) + 8, 1 | (GUEST_DID << 8));
	gput64(g, G_CTX + 16 * (GUEST_SID & 0xff), G_L3 | CTX_P);
	gput64(g, G_L3, G_L2 | VTDW_SL_R | VTDW_SL_W);
	gput64(g, G_L2, G_L1 | VTDW_SL_R | VTDW_SL_W);
	reg_w(g, VTD_RTADDR, 8, G_ROOT);
	gcmd(g, GCMD_SRTP, true);
	reg_w(g, VTD_IQT, 8, 0);
	reg_w(g, VTD_IQA, 8, G_IQ);
	gcmd(g, GCMD_QIE, true);
	queue(g, inv, 2);
	gcmd(g, GCMD_TE, true);
}

static struct viommu_counters counters(struct gst *g)
{
	struct viommu_counters c;

	memset(&c, 0, sizeof(c));
	viommu_counters(g->vm, &c);
	return c;
}

static void check(struct gst *g, bool ok, const char *what)
{
	if (!ok) {
		console_printf(P "FAILED: %s\n", what);
		g->ok = false;
	}
}

/* A DMA blocked: a new physical fault, and what it says. */
static bool blocked(volatile u64 *regs, u64 src, u64 dst, u64 cmd, char *why, size_t n)
{
	u64 before = selftest_faults(true);
	bool by_irq = false;

	snprintf(why, n, "no fault");
	edu_dma(regs, src, dst, cmd);
	if (!selftest_wait_fault(before, &by_irq))
		return false;
	for (u32 i = 0; i < vtd_nunits; i++) {
		struct vtd_unit *u = &vtd_units[i];

		if (u->nrecent) {
			const struct vtd_fault *f = &u->recent[(u->nrecent - 1) % VTD_RECENT_FAULTS];

			snprintf(why, n, "%s %#llx, reason %#x: %s", f->read ? "read" : "write",
				 (unsigned long long)f->addr, f->reason, vtd_fault_reason(f->reason));
		}
	}
	return true;
}

/* The guest's fault-handling: the first pending record of its unit
 * (11.4.9.1 FRI, 11.4.14), read and cleared as a driver does. */
static bool guest_fault(struct gst *g, char *what, size_t n, u64 want_addr, bool want_read)
{
	u64 fsts = reg_r(g, VTD_FSTS, 4), lo, hi;
	u32 off;

	if (!(fsts & FSTS_PPF)) {
		snprintf(what, n, "NOTHING");
		return false;
	}
	off = VTDE_FRO + 16 * FSTS_FRI(fsts);
	lo = reg_r(g, off, 8);
	hi = reg_r(g, off + 8, 8);
	snprintf(what, n, "source %02x:%02x.%u, %s %#llx, reason %#x",
		 FRCD_HI_SID(hi) >> 8, (FRCD_HI_SID(hi) >> 3) & 0x1f, FRCD_HI_SID(hi) & 7,
		 hi & FRCD_HI_T ? "read" : "write", (unsigned long long)(lo & ~0xfffULL),
		 FRCD_HI_FR(hi));
	reg_w(g, off + 12, 4, (u32)(FRCD_HI_F >> 32));
	reg_w(g, VTD_FSTS, 4, fsts & FSTS_W1C);
	return FRCD_HI_SID(hi) == GUEST_SID && (lo & ~0xfffULL) == want_addr &&
	       !!(hi & FRCD_HI_T) == want_read;
}

static const char ev_char[] = { 'p', 'i', 'c', 'F', 'D', 'G', 'X', 'u' };

/*
 * Every unpin must come after the physical invalidation that covers the
 * last clear of its page: walking the log, a page cleared is "owed" an
 * invalidation; an unpin of a page still owed one is a violation.
 */
static u32 check_order(const struct vm *vm, u32 *unpins, char *seq, size_t n)
{
	const struct vshadow_event *log;
	u64 owed[VSHADOW_LOG];
	u32 nev, first, nowed = 0, bad = 0;
	size_t k = 0;

	log = viommu_shadow_log(vm, &nev);
	*unpins = 0;
	first = nev > VSHADOW_LOG ? nev - VSHADOW_LOG : 0;
	for (u32 i = first; i < nev; i++) {
		const struct vshadow_event *e = &log[i % VSHADOW_LOG];

		if (k + 2 < n && e->kind < sizeof(ev_char))
			seq[k++] = ev_char[e->kind];
		switch (e->kind) {
		case VSH_EV_CLEAR:
			if (nowed < VSHADOW_LOG)
				owed[nowed++] = e->gpa;
			break;
		case VSH_EV_INV_PAGE:
		case VSH_EV_INV_DOMAIN:
		case VSH_EV_INV_GLOBAL:
			nowed = 0;
			break;
		case VSH_EV_UNPIN:
			(*unpins)++;
			for (u32 j = 0; j < nowed; j++)
				bad += owed[j] == e->gpa;
			break;
		default:
			break;
		}
	}
	seq[k] = 0;
	return bad;
}

static int run(struct gst *g, const struct pci_dev *d, volatile u64 *regs)
{
	struct vm *vm = g->vm;
	struct viommu_counters c0, c;
	u8 devfn = (u8)(d->dev << 3 | d->fn);
	char why[96] = "", seq[VSHADOW_LOG + 1];
	u32 unpins, bad;
	u64 t;
	bool ok;

	/* 1. Translation off: the mirror. */
	gpa_copy_to(&vm->mem, G_SRC, pattern, sizeof(pattern));
	ok = edu_dma(regs, G_SRC, EDU_BUFFER, 0) &&
	     edu_dma(regs, EDU_BUFFER, G_DST, EDU_DMA_TO_RAM) &&
	     !memcmp(gpa_to_hva(&vm->mem, G_DST), pattern, 8);
	console_printf(P "translation off: DMA read %#llx and write %#llx (guest-physical, the VM's mirror, domain %u): %s\n",
		       (unsigned long long)G_SRC, (unsigned long long)G_DST, vm->domain.id,
		       ok ? "in the guest's RAM" : "FAILED");
	check(g, ok, "DMA through the mirror");
	memset(gpa_to_hva(&vm->mem, G_DST), 0, PAGE_SIZE);

	/* 2. The guest's tables; translation on. */
	translation_on(g);
	c = counters(g);
	ok = (reg_r(g, VTD_GSTS, 4) & GSTS_TES) && c.shadowed == 1 && c.shadow_installs == 0;
	console_printf(P "the guest turns translation on (root %#llx, domain %u, 3-level): %02x:%02x.%u in its shadow domain: %s (%llu entries)\n",
		       (unsigned long long)G_ROOT, GUEST_DID, d->bus, d->dev, d->fn,
		       ok ? "yes" : "NO", (unsigned long long)c.shadow_installs);
	check(g, ok, "shadow on translation");

	/* 3. Two maps, each with its invalidation. */
	c0 = counters(g);
	gmap(g, IOVA_SRC, G_SRC, VTDW_SL_R);
	gmap(g, IOVA_DST, G_DST, VTDW_SL_R | VTDW_SL_W);
	c = counters(g);
	ok = c.shadow_installs - c0.shadow_installs == 2 && c.pins - c0.pins == 2 &&
	     c.phys_real == c0.phys_real;
	console_printf(P "the guest maps %#llx -> %#llx (read) and %#llx -> %#llx (read-write), a page-selective invalidation each: %llu entries installed, %llu pages pinned, %llu physical invalidations\n",
		       (unsigned long long)IOVA_SRC, (unsigned long long)G_SRC,
		       (unsigned long long)IOVA_DST, (unsigned long long)G_DST,
		       (unsigned long long)(c.shadow_installs - c0.shadow_installs),
		       (unsigned long long)(c.pins - c0.pins),
		       (unsigned long long)(c.phys_real - c0.phys_real));
	check(g, ok, "maps shadowed");

	/* 4. DMA through them. */
	t = selftest_faults(true);
	ok = edu_dma(regs, IOVA_SRC, EDU_BUFFER, 0) &&
	     edu_dma(regs, EDU_BUFFER, IOVA_DST, EDU_DMA_TO_RAM) &&
	     !memcmp(gpa_to_hva(&vm->mem, G_DST), pattern, 8) && selftest_faults(true) == t;
	console_printf(P "DMA read %#llx and write %#llx through the shadowed translations: %s\n",
		       (unsigned long long)IOVA_SRC, (unsigned long long)IOVA_DST,
		       ok ? "data intact" : "FAILED");
	check(g, ok, "DMA through the shadow");

	/* 5. An IOVA the guest never mapped. */
	ok = blocked(regs, IOVA_NONE, EDU_BUFFER, 0, why, sizeof(why));
	console_printf(P "DMA read of unmapped I/O address %#llx: %s (%s)\n",
		       (unsigned long long)IOVA_NONE, ok ? "blocked, fault reported" : "NOT blocked",
		       why);
	check(g, ok, "unmapped IOVA blocked");
	ok = guest_fault(g, why, sizeof(why), IOVA_NONE, true);
	console_printf(P "the guest's unit recorded it: %s\n", why);
	check(g, ok, "fault passed to the guest");

	/* 5b. Write-only. The read comes first: QEMU's VT-d faults on a walk
	 * that lacks the permission but keeps a translation's permissions
	 * in its IOTLB, where a later denied access fails with no fault
	 * record. (The blocked read of step 5 left edu's buffer undefined:
	 * the pattern again, through the shadow.) */
	edu_dma(regs, IOVA_SRC, EDU_BUFFER, 0);
	c0 = counters(g);
	gmap(g, IOVA_WO, G_WO, VTDW_SL_W);
	c = counters(g);
	gpa_copy_to(&vm->mem, G_WO, "SECRET!!", 8);
	ok = c.shadow_installs - c0.shadow_installs == 1;
	console_printf(P "the guest maps %#llx -> %#llx write-only: %llu entry installed\n",
		       (unsigned long long)IOVA_WO, (unsigned long long)G_WO,
		       (unsigned long long)(c.shadow_installs - c0.shadow_installs));
	check(g, ok, "write-only map shadowed");
	ok = blocked(regs, IOVA_WO, EDU_BUFFER + 0x800, 0, why, sizeof(why));
	console_printf(P "DMA read of the write-only page %#llx: %s (%s)\n",
		       (unsigned long long)IOVA_WO, ok ? "blocked, fault reported" : "NOT blocked",
		       why);
	check(g, ok, "write-only page not readable");
	ok = guest_fault(g, why, sizeof(why), IOVA_WO, true);
	console_printf(P "the guest's unit recorded it: %s\n", why);
	check(g, ok, "the write-only page's read fault passed to the guest");
	t = selftest_faults(true);
	ok = edu_dma(regs, EDU_BUFFER, IOVA_WO, EDU_DMA_TO_RAM) &&
	     !memcmp(gpa_to_hva(&vm->mem, G_WO), pattern, 8) && selftest_faults(true) == t;
	console_printf(P "DMA write to the write-only page %#llx: %s\n",
		       (unsigned long long)IOVA_WO, ok ? "landed" : "FAILED");
	check(g, ok, "write-only page writable");
	gmap(g, IOVA_WO, 0, 0);

	/* 6. Strict unmap. */
	c0 = counters(g);
	gmap(g, IOVA_DST, 0, 0);
	c = counters(g);
	memset(gpa_to_hva(&vm->mem, G_DST), 0, PAGE_SIZE);
	ok = blocked(regs, EDU_BUFFER, IOVA_DST, EDU_DMA_TO_RAM, why, sizeof(why)) &&
	     !*(u64 *)gpa_to_hva(&vm->mem, G_DST);
	console_printf(P "the guest unmaps %#llx (strict): %llu entry cleared, %llu physical invalidation (page-selective %llu), %llu page unpinned; DMA write there: %s (%s)\n",
		       (unsigned long long)IOVA_DST,
		       (unsigned long long)(c.shadow_clears - c0.shadow_clears),
		       (unsigned long long)(c.phys_real - c0.phys_real),
		       (unsigned long long)(c.shadow_inv_page - c0.shadow_inv_page),
		       (unsigned long long)(c.unpins - c0.unpins),
		       ok ? "blocked, fault reported" : "NOT blocked", why);
	check(g, ok && c.phys_real - c0.phys_real == 1 && c.unpins - c0.unpins == 1 &&
	      c.shadow_inv_page - c0.shadow_inv_page == 1, "strict unmap");
	check(g, guest_fault(g, why, sizeof(why), IOVA_DST, false),
	      "the strict unmap's fault passed to the guest");

	/* 7. Optimistic teardown. (The blocked read of step 5 left edu's
	 * buffer undefined: the pattern again, through the shadow.) */
	edu_dma(regs, IOVA_SRC, EDU_BUFFER, 0);
	viommu_set_teardown(vm, true, RESIDENCY_MS);
	gmap(g, IOVA_OPT, G_OPT, VTDW_SL_R | VTDW_SL_W);
	c0 = counters(g);
	gmap(g, IOVA_OPT, 0, 0);
	c = counters(g);
	ok = edu_dma(regs, EDU_BUFFER, IOVA_OPT, EDU_DMA_TO_RAM) &&
	     !memcmp(gpa_to_hva(&vm->mem, G_OPT), pattern, 8);
	console_printf(P "optimistic (residency %u ms): the guest unmaps %#llx: deferred (stale %llu, physical invalidations %llu), a DMA write there still lands: %s (the risk window)\n",
		       RESIDENCY_MS, (unsigned long long)IOVA_OPT, (unsigned long long)c.stale_now,
		       (unsigned long long)(c.phys_real - c0.phys_real), ok ? "yes" : "no");
	check(g, ok && c.stale_now == 1 && c.phys_real == c0.phys_real, "optimistic deferral");
	c0 = counters(g);
	gmap(g, IOVA_OPT, G_OPT, VTDW_SL_R | VTDW_SL_W);
	c = counters(g);
	ok = c.reused - c0.reused == 1 && c.pins == c0.pins &&
	     c.shadow_installs == c0.shadow_installs;
	console_printf(P "the guest maps %#llx to the same page again: reused %llu, new pins %llu, new entries %llu\n",
		       (unsigned long long)IOVA_OPT, (unsigned long long)(c.reused - c0.reused),
		       (unsigned long long)(c.pins - c0.pins),
		       (unsigned long long)(c.shadow_installs - c0.shadow_installs));
	check(g, ok, "optimistic reuse");
	gmap(g, IOVA_OPT, 0, 0);
	c0 = counters(g);
	t = rdtsc();
	while (rdtsc() - t < tsc_hz() / 1000 * AFTER_MS)
		cpu_relax();
	/* Any access to the queue checks the window. */
	gmap(g, IOVA_OTHER, 0, 0);
	c = counters(g);
	memset(gpa_to_hva(&vm->mem, G_OPT), 0, PAGE_SIZE);
	ok = blocked(regs, EDU_BUFFER, IOVA_OPT, EDU_DMA_TO_RAM, why, sizeof(why)) &&
	     !*(u64 *)gpa_to_hva(&vm->mem, G_OPT);
	console_printf(P "unmapped again, %u ms later: torn down (expired %llu, %llu physical invalidation, %llu page unpinned, stale %llu); DMA write there: %s\n",
		       AFTER_MS, (unsigned long long)(c.expired - c0.expired),
		       (unsigned long long)(c.phys_real - c0.phys_real),
		       (unsigned long long)(c.unpins - c0.unpins), (unsigned long long)c.stale_now,
		       ok ? "blocked, fault reported" : "NOT blocked");
	check(g, ok && c.phys_real - c0.phys_real == 1 && c.stale_now == 0, "optimistic expiry");
	check(g, guest_fault(g, why, sizeof(why), IOVA_OPT, false),
	      "the expiry's fault passed to the guest");

	/* 8. Translation off: the mirror again. */
	gcmd(g, GCMD_TE, false);
	c = counters(g);
	memset(gpa_to_hva(&vm->mem, G_DST), 0, PAGE_SIZE);
	ok = edu_dma(regs, G_SRC, EDU_BUFFER, 0) &&
	     edu_dma(regs, EDU_BUFFER, G_DST, EDU_DMA_TO_RAM) &&
	     !memcmp(gpa_to_hva(&vm->mem, G_DST), pattern, 8) && c.shadowed == 0 &&
	     c.pinned == 0;
	console_printf(P "the guest turns translation off: %02x:%02x.%u back in the mirror (shadowed %llu, pinned %llu); DMA write to guest-physical %#llx: %s\n",
		       d->bus, d->dev, d->fn, (unsigned long long)c.shadowed,
		       (unsigned long long)c.pinned, (unsigned long long)G_DST,
		       ok ? "in the guest's RAM" : "FAILED");
	check(g, ok, "back to the mirror");
	(void)devfn;

	/* 9. The order of pins, physical entries, invalidations, unpins. */
	bad = check_order(vm, &unpins, seq, sizeof(seq));
	console_printf(P "events (p pin, i install, c clear, F/D/G page/domain/global invalidation, u unpin): %s\n",
		       seq);
	console_printf(P "pin/unpin order: %u unpins, %u before the physical invalidation covering their page\n",
		       unpins, bad);
	check(g, unpins >= 3 && !bad, "pin/unpin order");
	console_printf(P "the VM's vIOMMU as `vm stats` shows it:\n");
	viommu_show(vm);
	return g->ok ? 0 : 1;
}

/* edu may master the bus (memory decoding on) while a part runs. */
static void bus_master(const struct pci_dev *d, bool on)
{
	u16 cmd = pci_read16(d->seg, d->bus, d->dev, d->fn, 0x04);

	pci_write16(d->seg, d->bus, d->dev, d->fn, 0x04, on ? cmd | 0x6 : cmd & ~0x4);
}

/* --- the overcommitted VM --- */

#define PO		"iommu selftest viommu, overcommitted: "

static int oc_get(struct gpa_map *m, u64 page, u32 flags, void *ctx)
{
	u64 pa;

	if (page == oc_on_disk) {
		if (flags & GPA_GET_NOWAIT)
			return -EAGAIN;
		oc_on_disk = ~0ULL;	/* the read waited for */
		oc_reads++;
	}
	if (gpa_page_has_frame(m, page))
		return 0;
	pa = pmm_alloc_zeroed_page();
	if (!pa)
		return -ENOMEM;
	if (gpa_page_install(m, page, pa)) {
		pmm_free(pa, 1);
		return -ENOMEM;
	}
	return 0;
}

static void oc_put(struct gpa_map *m, u64 page, void *ctx)
{
}

static const struct gpa_access_ops oc_access = { oc_get, oc_put };

/* RAM pages of the VM pinned now (the GPA map's state). */
static u32 oc_pinned_pages(struct vm *vm)
{
	u32 n = 0;

	for (u64 a = 0; a < VM_RAM; a += PAGE_SIZE)
		n += !!(gpa_page_state(&vm->mem, a) & GPA_PG_PINNED);
	return n;
}

/* A guest map whose invalidation stops at a page on disk: the queue
 * waits with no error, tern's settle (a vCPU's next entry, samecore)
 * reads the page in and runs it on. */
static bool oc_map_waits(struct gst *g, u64 iova, u64 gpa, u64 on_disk, char *what, size_t n)
{
	struct vtd_desc d = vtd_desc_iotlb_page(GUEST_DID, iova, 0, true);
	struct viommu_counters c0 = counters(g), c;
	bool stopped, done;

	gput64(g, G_L1 + 8 * ((iova >> 12) & 511), gpa | VTDW_SL_R | VTDW_SL_W);
	oc_on_disk = on_disk;
	queue_put(g, &d, 1);
	stopped = !queue_done(g) && oc_on_disk == on_disk;
	c = counters(g);
	viommu_settle(g->vm);
	done = queue_done(g);
	snprintf(what, n, "the queue %s (%llu stop), the page read, then %s; %llu entry installed",
		 stopped ? "stopped at its invalidation, no error" : "DID NOT STOP",
		 (unsigned long long)(c.again_queue - c0.again_queue),
		 done ? "the wait written" : "STILL WAITING",
		 (unsigned long long)(counters(g).shadow_installs - c0.shadow_installs));
	oc_on_disk = ~0ULL;
	return stopped && done && c.again_queue - c0.again_queue == 1 &&
	       counters(g).shadow_installs - c0.shadow_installs == 1;
}

static int run_overcommitted(struct gst *g, const struct pci_dev *d, volatile u64 *regs)
{
	struct vm *vm = g->vm;
	struct viommu_counters c;
	char why[160] = "";
	u64 t;
	bool ok;

	/* O0. No mirror: the unit offers no pass-through (a pass-through
	 * context would leave the device blocked with no fault). */
	ok = !(reg_r(g, VTD_ECAP, 8) & ECAP_PT);
	console_printf(PO "ECAP %#llx: pass-through %s\n", (unsigned long long)reg_r(g, VTD_ECAP, 8),
		       ok ? "not offered" : "OFFERED");
	check(g, ok, "no pass-through without a mirror");

	/* O1. No mirror: blocked while the guest does not translate. */
	gpa_copy_to(&vm->mem, G_SRC, pattern, sizeof(pattern));
	memset(why, 0, sizeof(why));
	ok = blocked(regs, G_SRC, EDU_BUFFER, 0, why, sizeof(why));
	console_printf(PO "translation off: DMA read of guest-physical %#llx: %s (%s)\n",
		       (unsigned long long)G_SRC,
		       ok ? "blocked (no guest-physical mirror), fault reported" : "NOT blocked", why);
	check(g, ok, "no mirror: DMA blocked");

	/* O2. Tables, translation on, two maps (the second page on disk). */
	translation_on(g);
	gmap(g, IOVA_SRC, G_SRC, VTDW_SL_R);
	ok = oc_map_waits(g, IOVA_DST, G_DST, G_DST, why, sizeof(why));
	console_printf(PO "translation on; the guest maps %#llx -> %#llx, then %#llx -> %#llx, a page on disk: %s\n",
		       (unsigned long long)IOVA_SRC, (unsigned long long)G_SRC,
		       (unsigned long long)IOVA_DST, (unsigned long long)G_DST, why);
	check(g, ok, "a map of a page on disk waits for it");
	c = counters(g);
	ok = c.pinned == 2 && oc_pinned_pages(vm) == 2 &&
	     (gpa_page_state(&vm->mem, G_SRC) & GPA_PG_PINNED) &&
	     (gpa_page_state(&vm->mem, G_DST) & GPA_PG_PINNED);
	console_printf(PO "pinned: %llu by the vIOMMU, %u of the VM's %llu pages in all (the two mapped)\n",
		       (unsigned long long)c.pinned, oc_pinned_pages(vm),
		       (unsigned long long)(VM_RAM >> 12));
	check(g, ok, "only the mapped pages pinned");

	/* O3. DMA through them. */
	t = selftest_faults(true);
	memset(gpa_to_hva(&vm->mem, G_DST), 0, 8);
	ok = edu_dma(regs, IOVA_SRC, EDU_BUFFER, 0) &&
	     edu_dma(regs, EDU_BUFFER, IOVA_DST, EDU_DMA_TO_RAM) &&
	     !memcmp(gpa_to_hva(&vm->mem, G_DST), pattern, 8) && selftest_faults(true) == t;
	console_printf(PO "DMA read %#llx and write %#llx through the shadowed translations: %s\n",
		       (unsigned long long)IOVA_SRC, (unsigned long long)IOVA_DST,
		       ok ? "data intact" : "FAILED");
	check(g, ok, "overcommitted: DMA through the shadow");

	/* O4. The leaf table's own page on disk. */
	ok = oc_map_waits(g, IOVA_OPT, G_OPT, G_L1, why, sizeof(why));
	console_printf(PO "the guest maps %#llx -> %#llx with its table page %#llx on disk: %s\n",
		       (unsigned long long)IOVA_OPT, (unsigned long long)G_OPT,
		       (unsigned long long)G_L1, why);
	check(g, ok, "a map whose table page is on disk waits for it");
	memset(gpa_to_hva(&vm->mem, G_OPT), 0, 8);
	ok = edu_dma(regs, EDU_BUFFER, IOVA_OPT, EDU_DMA_TO_RAM) &&
	     !memcmp(gpa_to_hva(&vm->mem, G_OPT), pattern, 8);
	console_printf(PO "DMA write %#llx: %s\n", (unsigned long long)IOVA_OPT,
		       ok ? "landed" : "FAILED");
	check(g, ok, "DMA after the table page came in");

	/* O5. Translation off: blocked again, nothing pinned. */
	gcmd(g, GCMD_TE, false);
	c = counters(g);
	ok = blocked(regs, EDU_BUFFER, G_DST, EDU_DMA_TO_RAM, why, sizeof(why)) &&
	     c.pinned == 0 && oc_pinned_pages(vm) == 0;
	console_printf(PO "translation off: DMA write to guest-physical %#llx: %s; pinned %llu, %u pages\n",
		       (unsigned long long)G_DST, ok ? "blocked, fault reported" : "NOT blocked",
		       (unsigned long long)c.pinned, oc_pinned_pages(vm));
	check(g, ok, "overcommitted: translation off");
	console_printf(PO "pages read from \"disk\" %u; the vIOMMU as `vm stats` shows it:\n",
		       oc_reads);
	viommu_show(vm);
	return g->ok ? 0 : 1;
}

static int overcommitted(const struct pci_dev *d, volatile u64 *regs)
{
	struct gst g = { .ok = true };
	u8 devfn = (u8)(d->dev << 3 | d->fn);
	char err[128] = "";
	struct vm *vm = calloc(1, sizeof(*vm));
	int rc = 1;

	if (!vm)
		return 1;
	vm->index = CONFIG_MAX_VMS - 1;
	snprintf(vm->name, sizeof(vm->name), "viommu-selftest-oc");
	vm->cfg.viommu = CONFIG_VIOMMU_SAMECORE;
	vm->cfg.viommu_teardown = CONFIG_TEARDOWN_STRICT;
	g.vm = vm;
	oc_on_disk = ~0ULL;
	oc_reads = 0;
	if (gpa_map_create_sparse(&vm->mem, VM_RAM, NULL)) {
		console_printf(PO "no memory for the VM's RAM\n");
		free(vm);
		return 1;
	}
	gpa_set_access(&vm->mem, &oc_access, NULL);
	/* As passthru.c does for an overcommitted VM: no domain at all. */
	vtd_detach(d->bus, devfn);
	if (viommu_unit_init(vm, err, sizeof(err)) ||
	    viommu_assign(vm, GUEST_SID, d->bus, devfn, NULL, err, sizeof(err))) {
		console_printf(PO "%s\n", err);
		goto out;
	}
	console_printf(PO "a VM without vCPUs, its %llu MiB of RAM sparse (frames on first use), no guest-physical mirror; %02x:%02x.%u assigned as its 00:02.0\n",
		       (unsigned long long)(VM_RAM >> 20), d->bus, d->dev, d->fn);
	bus_master(d, true);
	rc = run_overcommitted(&g, d, regs);
	bus_master(d, false);
	console_printf(PO "%s\n", rc ? "FAILED" : "PASS");
out:
	viommu_unassign(vm, GUEST_SID);
	viommu_free(vm);
	vtd_detach(d->bus, devfn);
	gpa_set_access(&vm->mem, NULL, NULL);
	gpa_map_destroy(&vm->mem);
	free(vm);
	return rc;
}

int iommu_selftest_viommu(void)
{
	const struct pci_dev *d = NULL;
	struct gst g = { .ok = true };
	struct vm *vm;
	volatile u64 *regs;
	char err[128] = "";
	u8 devfn;
	int rc = 1;

	for (u32 i = 0; i < pci_count() && !d; i++)
		if (pci_get(i)->vendor == EDU_VENDOR && pci_get(i)->device == EDU_DEVICE)
			d = pci_get(i);
	if (!d || !d->bars[0].base || !vtd_nunits || d->owner) {
		console_printf(P "needs a VT-d unit and QEMU's edu device (-device edu), not assigned to a VM\n");
		return 1;
	}
	devfn = (u8)(d->dev << 3 | d->fn);
	regs = ioremap(d->bars[0].base, PAGE_SIZE, MAP_W | MAP_UC);
	vm = calloc(1, sizeof(*vm));
	if (!regs || !vm)
		return 1;
	/* A VM without vCPUs: its RAM, its mirror domain, its vIOMMU. */
	vm->index = CONFIG_MAX_VMS - 1;
	snprintf(vm->name, sizeof(vm->name), "viommu-selftest");
	vm->cfg.viommu = CONFIG_VIOMMU_SAMECORE;
	vm->cfg.viommu_teardown = CONFIG_TEARDOWN_STRICT;
	g.vm = vm;
	if (gpa_map_create(&vm->mem, VM_RAM, NULL)) {
		console_printf(P "no memory for the VM's RAM\n");
		free(vm);
		return 1;
	}
	if (vtd_domain_init(&vm->domain, (u16)(16 + vm->index)) ||
	    vtd_domain_mirror(&vm->domain, &vm->mem) || vtd_attach(&vm->domain, d->bus, devfn)) {
		console_printf(P "cannot build or attach the VM's mirror domain\n");
		goto free_dom;
	}
	vm->domain_live = true;
	if (viommu_unit_init(vm, err, sizeof(err)) ||
	    viommu_assign(vm, GUEST_SID, d->bus, devfn, &vm->domain, err, sizeof(err))) {
		console_printf(P "%s\n", err);
		goto out;
	}
	console_printf(P "a VM without vCPUs: %llu MiB of RAM, its vIOMMU (samecore, strict) at %#llx, %02x:%02x.%u assigned as the guest's 00:02.0\n",
		       (unsigned long long)(VM_RAM >> 20), (unsigned long long)VTDE_BASE, d->bus,
		       d->dev, d->fn);
	bus_master(d, true);
	rc = run(&g, d, regs);
	bus_master(d, false);
	console_printf(P "%s\n", rc ? "FAILED" : "PASS");
out:
	viommu_unassign(vm, GUEST_SID);
	viommu_free(vm);
	vtd_detach(d->bus, devfn);
free_dom:
	vtd_domain_free(&vm->domain);
	gpa_map_destroy(&vm->mem);
	free(vm);
	if (rc)
		return rc;
	return overcommitted(d, regs);
}
