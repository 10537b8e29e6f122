// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* Requests through the emulated VT-d unit (vtd_req.h). */
#include <string.h>

#include "core/vdev/viommu/vtd_req.h"

u8 vtdq_dma(struct vtde *e, const struct vtdw_mem *m, struct vtdq_stats *st, u16 sid, u64 iova,
	    bool write, u64 *gpa, struct vtdw_xlate *out)
{
	struct vtdw_xlate x;
	u8 fr;

	if (!vtde_translating(e)) {
		*gpa = iova;
		return 0;
	}
	st->translations++;
	fr = vtdw_translate(m, e->root, e->cap, e->ecap, sid, iova, write, &x);
	if (!fr) {
		*gpa = x.gpa;
		if (out)
			*out = x;
		return 0;
	}
	if (vtdw_again(m)) {
		st->dma_again++;
		return VTDQ_AGAIN;
	}
	st->dma_faults++;
	/* x.ctx.fpd is set only where a present context entry asked. */
	if (x.ctx.fpd)
		st->dma_unrecorded++;
	else
		vtde_fault(e, sid, fr, iova & ~0xfffULL, !write);
	return fr;
}

bool vtdq_irq(struct vtde *e, const struct vtdw_mem *m, struct vtdir_cache *c,
	      struct vtdq_stats *st, const struct vtdir_req *rq, bool probe,
	      struct vlapic_ipi *msg, bool *level)
{
	struct vtdir_result r;
	bool ok;

	/* A probe must not fill the entry cache: the guest may change the
	 * entry before it invalidates it (6.5.2.7). */
	vtdir_translate(m, probe ? NULL : c, e->gsts, e->irta, rq, &r);
	ok = vtdir_message(rq, &r, msg, level);
	if (probe)
		return ok;
	if (r.fault == VTD_FR_IR_ACCESS && vtdw_again(m)) {
		st->irq_again++;
		return false;
	}
	if (r.fault) {
		st->irq_blocked++;
		if (r.fpd)
			st->irq_unrecorded++;
		else
			vtde_fault(e, rq->sid, r.fault, (u64)r.index << FRCD_LO_IIDX_SHIFT, false);
		return false;
	}
	if (!ok)
		st->irq_undelivered++;
	else if (r.compat)
		st->irq_compat++;
	else
		st->irq_remapped++;
	return ok;
}

bool vtdq_hold(struct vtdq_held *h, const struct vtdir_req *rq, bool level)
{
	if (h->n == VTDQ_HELD) {
		h->lost++;
		return false;
	}
	h->rq[h->n] = *rq;
	h->level[h->n++] = level;
	return true;
}

u32 vtdq_irq_retry(struct vtde *e, const struct vtdw_mem *m, struct vtdir_cache *c,
		   struct vtdq_stats *st, struct vtdq_held *h,
		   void (*deliver)(void *ctx, const struct vlapic_ipi *msg, bool level),
		   void *ctx)
{
	struct vtdir_req rq[VTDQ_HELD];
	bool lv[VTDQ_HELD];
	u32 n = h->n;

	memcpy(rq, h->rq, n * sizeof(rq[0]));
	memcpy(lv, h->level, n * sizeof(lv[0]));
	h->n = 0;
	for (u32 i = 0; i < n; i++) {
		struct vlapic_ipi msg;
		bool level = false;
		u64 again = st->irq_again;

		if (!vtde_remapping(e)) {
			h->lost++;
			continue;
		}
		if (vtdq_irq(e, m, c, st, &rq[i], false, &msg, &level)) {
			h->late++;
			deliver(ctx, &msg, lv[i] && level);
		} else if (st->irq_again != again) {
			vtdq_hold(h, &rq[i], lv[i]);
		}
	}
	return h->n;
}
