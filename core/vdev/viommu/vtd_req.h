/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Requests through the emulated VT-d unit, as its hardware takes them:
 * a device's DMA (VT-d spec ch. 3, legacy mode) and a device's or the
 * I/O APIC's interrupt request (ch. 5), each checked against the guest's
 * tables (vtd_walk.h, vtd_ir.h) in the unit's present state, and a
 * request the unit blocks recorded in its fault registers with the fault
 * event (7.1-7.3, 11.4.14) unless the entry that governs it asks for no
 * recording (FPD in the context entry or the IRTE). Pure: the callers
 * (viommu.c) hold the lock the unit is kept under; unit-tested.
 */
#ifndef TERN_CORE_VDEV_VIOMMU_VTD_REQ_H
#define TERN_CORE_VDEV_VIOMMU_VTD_REQ_H

#include "core/types.h"
#include "core/vdev/vlapic.h"
#include "core/vdev/viommu/vtd_ir.h"
#include "core/vdev/viommu/vtd_regs_emul.h"
#include "core/vdev/viommu/vtd_walk.h"

struct vtdq_stats {
	u64 translations;		/* DMA accesses translated or faulted */
	u64 dma_faults, dma_unrecorded;	/* faulted; of those, not recorded (FPD) */
	u64 irq_remapped, irq_compat;	/* through an IRTE; compatibility, let through */
	u64 irq_blocked, irq_unrecorded;
	u64 irq_undelivered;		/* a delivery mode tern does not deliver */
	u64 dma_again, irq_again;	/* a table page not at hand: retried, not faulted */
};

/* vtdq_dma: a table page is not at hand yet (vtdw_mem.again): retry. */
#define VTDQ_AGAIN		0xfe

/*
 * A DMA access by sid at iova (write: the device writes guest memory).
 * Translation off (TES clear): 0 and *gpa = iova. On: 0 and *gpa, or the
 * fault reason (appendix A), recorded at the request's page, T = 1 for a
 * read (11.4.14), unless the context entry has FPD. x (may be NULL): the
 * whole translation (the domain, what the page allows) when it succeeded
 * with translation on. VTDQ_AGAIN, nothing recorded: a table page is not
 * at hand yet (m->again).
 */
u8 vtdq_dma(struct vtde *e, const struct vtdw_mem *m, struct vtdq_stats *st, u16 sid, u64 iova,
	    bool write, u64 *gpa, struct vtdw_xlate *x);

/*
 * An interrupt request: sid writes data to addr. true and *msg (and
 * *level, the trigger mode) to deliver; false: blocked — the fault
 * recorded with the interrupt index in FI 63:48 and T = 0 (interrupt
 * requests are writes), unless the IRTE has FPD — or a delivery mode
 * tern does not deliver; or (st->irq_again counts it) its entry's page is
 * not at hand yet, nothing recorded. Remapping off (IRES clear): the request as a
 * compatibility-format message. probe: look only, no cache fill, no
 * fault, no count (for routing ahead of any interrupt).
 */
bool vtdq_irq(struct vtde *e, const struct vtdw_mem *m, struct vtdir_cache *c,
	      struct vtdq_stats *st, const struct vtdir_req *rq, bool probe,
	      struct vlapic_ipi *msg, bool *level);

/*
 * Interrupt requests that met their entry's page on disk (st->irq_again),
 * kept in order for a try once the page is back: an interrupt cannot wait
 * for a disk read, but it may come late. level: the source takes the
 * entry's trigger mode (the I/O APIC's pins; MSIs are edge).
 */
#define VTDQ_HELD		16
struct vtdq_held {
	struct vtdir_req rq[VTDQ_HELD];
	bool level[VTDQ_HELD];
	u32 n;
	u64 late, lost;			/* delivered at a retry; dropped */
};

/* Keep rq; false (counted lost) when h is full. */
bool vtdq_hold(struct vtdq_held *h, const struct vtdir_req *rq, bool level);
/*
 * Each kept request again, in order, through vtdq_irq: deliver(ctx, msg,
 * level) for those that translate now; kept again those whose page is
 * still (or another) on disk; a blocked one is the fault the hardware
 * would record now; with remapping off since, lost. Returns how many
 * are kept again.
 */
u32 vtdq_irq_retry(struct vtde *e, const struct vtdw_mem *m, struct vtdir_cache *c,
		   struct vtdq_stats *st, struct vtdq_held *h,
		   void (*deliver)(void *ctx, const struct vlapic_ipi *msg, bool level),
		   void *ctx);

#endif
