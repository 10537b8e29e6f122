// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* The emulated VT-d unit's interrupt remapping (vtd_ir.h). */
#include <string.h>

#include "core/vdev/msi.h"
#include "core/vdev/viommu/vtd_ir.h"
#include "core/vdev/viommu/vtd_regs_emul.h"

void vtdir_cache_flush(struct vtdir_cache *c, bool global, u16 index, u8 im)
{
	u32 first = index & ~((1U << im) - 1), n = 1U << im;

	for (u32 i = 0; i < VTDIR_CACHE; i++)
		if (global || (c->e[i].index >= first && c->e[i].index - first < n))
			c->e[i].valid = false;
}

static bool irte_read(const struct vtdw_mem *m, struct vtdir_cache *c, u64 irta, u16 index,
		      u64 *lo, u64 *hi)
{
	u32 slot = index % VTDIR_CACHE;
	u64 e[2];

	if (c && c->e[slot].valid && c->e[slot].index == index) {
		c->hits++;
		*lo = c->e[slot].lo;
		*hi = c->e[slot].hi;
		return true;
	}
	if (!m->read || !m->read(m->ctx, IRTA_BASE(irta) + 16ULL * index, e, 16))
		return false;
	if (c) {
		c->misses++;
		c->e[slot].valid = true;
		c->e[slot].index = index;
		c->e[slot].lo = e[0];
		c->e[slot].hi = e[1];
	}
	*lo = e[0];
	*hi = e[1];
	return true;
}

bool vtdir_cache_flush_reload(const struct vtdw_mem *m, struct vtdir_cache *c, u64 irta,
			      bool global, u16 index, u8 im)
{
	u32 entries = 2U << IRTA_S(irta), first = index & ~((1U << im) - 1);
	u32 n = MIN(1U << im, (u32)VTDIR_CACHE), had = 0;
	u16 idx[VTDIR_CACHE];
	u64 lo, hi;

	if (global) {
		for (u32 i = 0; i < VTDIR_CACHE; i++)
			if (c->e[i].valid)
				idx[had++] = c->e[i].index;
	} else {
		for (u32 i = 0; i < n; i++)
			idx[had++] = (u16)(first + i);
	}
	vtdir_cache_flush(c, global, index, im);
	for (u32 i = 0; i < had; i++)
		if (idx[i] < entries && !irte_read(m, c, irta, idx[i], &lo, &hi))
			return false;
	return true;
}

/* Source-id verification (9.10, SVT/SQ/SID). */
static bool sid_ok(u64 hi, u16 sid)
{
	u16 want = VTDIR_IRTE_SID(hi);

	switch (VTDIR_IRTE_SVT(hi)) {
	case VTDIR_SVT_SID: {
		/* SQ 1-3: ignore function bit 2, bits 2:1, bits 2:0. */
		static const u16 mask[4] = { 0xffff, 0xfffb, 0xfff9, 0xfff8 };
		u16 m = mask[VTDIR_IRTE_SQ(hi)];

		return (sid & m) == (want & m);
	}
	case VTDIR_SVT_BUS:
		return (sid >> 8) >= (want >> 8) && (sid >> 8) <= (want & 0xff);
	default:
		return true;
	}
}

void vtdir_translate(const struct vtdw_mem *m, struct vtdir_cache *c, u32 gsts, u64 irta,
		     const struct vtdir_req *rq, struct vtdir_result *r)
{
	u64 lo, hi;
	u32 entries = 2U << IRTA_S(irta);
	bool x2apic = irta & IRTA_EIME;

	memset(r, 0, sizeof(*r));
	if (!(gsts & GSTS_IRES)) {
		r->compat = true;
		return;
	}
	if (!(rq->addr_lo & MSI_ADDR_REMAP)) {
		/* Compatibility format: through only with CFIS (5.1.2.1). */
		if (gsts & GSTS_CFIS)
			r->compat = true;
		else
			r->fault = VTD_FR_IR_COMPAT;
		return;
	}
	r->index = VTDIR_ADDR_HANDLE(rq->addr_lo);
	if (rq->addr_lo & MSI_ADDR_SHV)
		r->index = (u16)(r->index + (rq->data & 0xffff));
	if (r->index >= entries) {
		r->fault = VTD_FR_IR_INDEX;
		return;
	}
	if (!irte_read(m, c, irta, r->index, &lo, &hi)) {
		r->fault = VTD_FR_IR_ACCESS;
		return;
	}
	if (!(lo & IRTE_P)) {
		r->fault = VTD_FR_IR_NOT_PRESENT;
		r->fpd = lo & IRTE_FPD;
		return;
	}
	r->fpd = lo & IRTE_FPD;
	if ((lo & (VTDIR_IRTE_RSVD_LO | VTDIR_IRTE_IM)) || (hi & VTDIR_IRTE_RSVD_HI) ||
	    (!x2apic && (lo & VTDIR_IRTE_RSVD_XAPIC)) || VTDIR_IRTE_SVT(hi) == 3) {
		r->fault = VTD_FR_IR_IRTE_RSVD;
		return;
	}
	if (!sid_ok(hi, rq->sid)) {
		r->fault = VTD_FR_IR_SID;
		return;
	}
	r->vector = VTDIR_IRTE_VECTOR(lo);
	r->dlm = VTDIR_IRTE_DLM(lo);
	r->logical = lo & IRTE_DM_LOGICAL;
	r->level = lo & IRTE_TM_LEVEL;
	r->rh = lo & IRTE_RH;
	r->x2apic = x2apic;
	r->dest = x2apic ? (u32)(lo >> 32) : (u32)(lo >> 40) & 0xff;
}

bool vtdir_message(const struct vtdir_req *rq, const struct vtdir_result *r,
		   struct vlapic_ipi *msg, bool *level)
{
	memset(msg, 0, sizeof(*msg));
	*level = false;
	if (r->fault)
		return false;
	if (r->compat) {
		if (!msi_guest_message(rq->addr_lo, rq->addr_hi, rq->data, msg))
			return false;
		*level = (rq->data & MSI_DATA_LEVEL) && msg->mode != ICR_MODE_NMI;
		return true;
	}
	/* DLM takes the MSI data's delivery-mode encodings (9.10). */
	if (r->dlm != ICR_MODE_FIXED && r->dlm != ICR_MODE_LOWEST && r->dlm != ICR_MODE_NMI)
		return false;
	msg->valid = true;
	msg->assert = true;
	msg->mode = r->dlm;
	msg->vector = r->vector;
	msg->logical = r->logical;
	/* A 32-bit destination (broadcast 0xffffffff) with EIME; otherwise
	 * the 8-bit xAPIC one a compatibility message would carry. */
	msg->x2apic = r->x2apic;
	msg->dest = r->dest;
	*level = r->level && r->dlm != ICR_MODE_NMI;
	return true;
}
