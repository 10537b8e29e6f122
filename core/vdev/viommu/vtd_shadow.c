// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* Shadowing a guest's translations for an assigned device (vtd_shadow.h). */
#include <string.h>

#include "core/vdev/viommu/vtd_shadow.h"

struct sync_arg {
	struct vmc *c;
	u16 sid, did;
	u64 now, next;			/* past the last page taken */
	struct vshd_result *r;
};

static bool sync_page(void *arg, u64 iova, u64 gpa, bool r, bool w)
{
	struct sync_arg *a = arg;

	a->r->seen++;
	a->next = iova + 0x1000;
	if (vmc_map_shadow(a->c, a->sid, a->did, iova, gpa, r, w, a->now) == VMC_NONE)
		a->r->refused++;
	return true;
}

void vshd_sync(struct vmc *c, const struct vtdw_mem *m, u64 cap, const struct vtdw_ctx *ctx,
	       u16 sid, u64 lo, u64 hi, u64 now, struct vshd_result *r)
{
	struct sync_arg a = { c, sid, ctx ? ctx->did : 0, now, lo, r };

	memset(r, 0, sizeof(*r));
	lo &= ~0xfffULL;
	/* What is not seen below is what the guest no longer maps. */
	vmc_mark(c, sid, lo, hi);
	if (ctx)
		r->truncated = !vtdw_enum(m, cap, ctx, lo, hi, VSHD_SYNC_MAX, sync_page, &a);
	/* Cut short: what lies past the last page taken is left as it was. */
	r->unmapped = vmc_sweep(c, sid, lo, r->truncated ? a.next : hi, now);
	vmc_commit(c);
}

int vshd_inv_am(u64 lo, u64 hi, bool psi, u32 mamv)
{
	u32 am = 0;

	if (!psi || hi < lo)
		return -1;
	while (am < 52 && (lo >> (12 + am)) != (hi >> (12 + am)))
		am++;
	return am <= mamv ? (int)am : -1;
}
