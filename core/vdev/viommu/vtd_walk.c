// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* The emulated VT-d unit's DMA translation (vtd_walk.h). */
#include <string.h>

#include "core/vdev/viommu/vtd_regs_emul.h"
#include "core/vdev/viommu/vtd_walk.h"

static bool rd128(const struct vtdw_mem *m, u64 gpa, u64 e[2])
{
	return m->read && m->read(m->ctx, gpa, e, 16);
}

u8 vtdw_context(const struct vtdw_mem *m, u64 root, u64 cap, u64 ecap, u16 sid,
		struct vtdw_ctx *c)
{
	u64 re[2], ce[2];
	u32 aw;

	memset(c, 0, sizeof(*c));
	if (!rd128(m, (root & ~0xfffULL) + 16ULL * (sid >> 8), re))
		return VTD_FR_ROOT_ACCESS;
	if (!(re[0] & ROOT_P))
		return VTD_FR_ROOT_NOT_PRESENT;
	if ((re[0] & (VTDW_ROOT_RSVD_LO | VTDW_SL_RSVD_HAW)) || re[1])
		return VTD_FR_ROOT_RSVD;
	if (!rd128(m, (re[0] & VTDW_SL_ADDR) + 16ULL * (sid & 0xff), ce))
		return VTD_FR_CTX_ACCESS;
	if (!(ce[0] & CTX_P))
		return VTD_FR_CTX_NOT_PRESENT;
	/* Present: its FPD governs the faults that follow, this one too. */
	c->fpd = ce[0] & CTX_FPD;
	if ((ce[0] & (VTDW_CTX_RSVD_LO | VTDW_SL_RSVD_HAW)) || (ce[1] & VTDW_CTX_RSVD_HI))
		return VTD_FR_CTX_RSVD;
	c->did = VTDW_CTX_DID(ce[1]);
	c->tt = (u8)VTDW_CTX_TT(ce[0]);
	c->slpt = ce[0] & VTDW_SL_ADDR;
	aw = VTDW_CTX_AW(ce[1]);
	switch (c->tt) {
	case VTDW_TT_SL:
		/* The width must be one SAGAW offers (3.6, 9.3 AW). */
		if ((aw != 1 && aw != 2) || !(CAP_SAGAW(cap) & BIT(aw)))
			return VTD_FR_CTX_INVALID;
		c->levels = aw == 1 ? 3 : 4;
		return 0;
	case VTDW_TT_PT:
		if (!(ecap & ECAP_PT))
			return VTD_FR_CTX_INVALID;
		return 0;
	default:
		/* Device-TLBs (ECAP.DT is 0) and the reserved type. */
		return VTD_FR_CTX_INVALID;
	}
}

u8 vtdw_translate(const struct vtdw_mem *m, u64 root, u64 cap, u64 ecap, u16 sid, u64 iova,
		  bool write, struct vtdw_xlate *x)
{
	u64 table;
	u8 fr;
	bool r = true, w = true;

	memset(x, 0, sizeof(*x));
	fr = vtdw_context(m, root, cap, ecap, sid, &x->ctx);
	if (fr)
		return fr;
	if (x->ctx.tt == VTDW_TT_PT) {
		/* Output = input, within the unit's address width. */
		if (iova >> CAP_MGAW(cap))
			return VTD_FR_ADDR_BEYOND_AW;
		x->gpa = iova;
		x->page = iova & ~0xfffULL;
		x->size = PAGE_SIZE;
		x->r = x->w = true;
		return 0;
	}
	if (iova >> (12 + 9 * x->ctx.levels))
		return VTD_FR_ADDR_BEYOND_AW;
	table = x->ctx.slpt;
	for (int lvl = x->ctx.levels; lvl >= 1; lvl--) {
		u32 shift = 12 + 9 * (lvl - 1);
		u64 pte, rsvd = VTDW_SL_RSVD_HAW;

		if (!m->read || !m->read(m->ctx, table + 8 * ((iova >> shift) & 511), &pte, 8))
			return VTD_FR_PTE_ACCESS;
		r = r && (pte & VTDW_SL_R);
		w = w && (pte & VTDW_SL_W);
		/* Neither R nor W: not present, a permission fault. */
		if (!(pte & (VTDW_SL_R | VTDW_SL_W)))
			return write ? VTD_FR_WRITE : VTD_FR_READ;
		if (lvl == 4 && (pte & VTDW_SL_PS))
			return VTD_FR_PTE_RSVD;
		if ((lvl == 3 || lvl == 2) && (pte & VTDW_SL_PS)) {
			u32 sllps = CAP_SLLPS(cap);

			if (!(sllps & (lvl == 3 ? CAP_SLLPS_1G : CAP_SLLPS_2M)))
				return VTD_FR_PTE_RSVD;
			/* The address below the page's size is reserved. */
			rsvd |= (BIT(shift) - 1) & ~0xfffULL;
		}
		if (pte & rsvd)
			return VTD_FR_PTE_RSVD;
		if (lvl == 1 || (pte & VTDW_SL_PS)) {
			if (write ? !w : !r)
				return write ? VTD_FR_WRITE : VTD_FR_READ;
			x->size = BIT(shift);
			x->page = pte & VTDW_SL_ADDR & ~(x->size - 1);
			x->gpa = x->page | (iova & (x->size - 1));
			x->r = r;
			x->w = w;
			return 0;
		}
		table = pte & VTDW_SL_ADDR;
	}
	return VTD_FR_PTE_ACCESS;	/* not reached: level 1 is a leaf */
}

/* One table at level lvl covering [base, base + 512 << shift): its
 * present leaves in [lo, hi), each in 4 KiB pages. */
static bool enum_table(const struct vtdw_mem *m, u64 cap, u64 table, int lvl, u64 base,
		       bool r, bool w, u64 lo, u64 hi, vtdw_leaf_fn fn, void *arg, u32 *budget)
{
	u32 shift = 12 + 9 * (u32)(lvl - 1);

	for (u32 k = 0; k < 512; k++) {
		u64 start = base + ((u64)k << shift), end = start + BIT(shift), pte;
		u64 rsvd = VTDW_SL_RSVD_HAW;
		bool rr, ww;

		if (end <= lo || start >= hi)
			continue;
		if (!m->read || !m->read(m->ctx, table + 8 * k, &pte, 8)) {
			/* A table page on its way back from disk is no
			 * answer yet: the caller retries (vtdw_again). */
			if (vtdw_again(m))
				return false;
			continue;	/* a DMA here would fault (0x7) */
		}
		rr = r && (pte & VTDW_SL_R);
		ww = w && (pte & VTDW_SL_W);
		if (!(pte & (VTDW_SL_R | VTDW_SL_W)))
			continue;
		if ((pte & VTDW_SL_PS) && lvl == 4)
			continue;
		if ((pte & VTDW_SL_PS) && (lvl == 3 || lvl == 2)) {
			if (!(CAP_SLLPS(cap) & (lvl == 3 ? CAP_SLLPS_1G : CAP_SLLPS_2M)))
				continue;
			rsvd |= (BIT(shift) - 1) & ~0xfffULL;
		}
		if (pte & rsvd)
			continue;
		if (lvl == 1 || (pte & VTDW_SL_PS)) {
			u64 page = pte & VTDW_SL_ADDR & ~(BIT(shift) - 1);

			if (!rr && !ww)
				continue;
			for (u64 a = MAX(start, lo); a < MIN(end, hi); a += PAGE_SIZE) {
				if (!*budget)
					return false;
				(*budget)--;
				if (!fn(arg, a, page + (a - start), rr, ww))
					return false;
			}
			continue;
		}
		if (!enum_table(m, cap, pte & VTDW_SL_ADDR, lvl - 1, start, rr, ww, lo, hi, fn,
				arg, budget))
			return false;
	}
	return true;
}

bool vtdw_enum(const struct vtdw_mem *m, u64 cap, const struct vtdw_ctx *c, u64 lo, u64 hi,
	       u32 max_pages, vtdw_leaf_fn fn, void *arg)
{
	u32 budget = max_pages;

	if (c->tt != VTDW_TT_SL || (c->levels != 3 && c->levels != 4))
		return true;
	hi = MIN(hi, BIT(12 + 9 * c->levels));
	if (lo >= hi)
		return true;
	return enum_table(m, cap, c->slpt, c->levels, 0, true, true, lo, hi, fn, arg, &budget);
}
