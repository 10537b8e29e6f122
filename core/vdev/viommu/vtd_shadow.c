// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* Shadowing a guest's translations for an assigned device (vtd_shadow.h). */
#include <string.h>

#include "core/vdev/viommu/vtd_shadow.h"

struct sync_arg {
	struct vmc *c;
	const struct vtdw_mem *m;
	u16 sid, did;
	u64 now, next;			/* past the last page taken */
	struct vshd_result *r;
};

static bool sync_page(void *arg, u64 iova, u64 gpa, bool r, bool w)
{
	struct sync_arg *a = arg;

	if (vmc_map_shadow(a->c, a->sid, a->did, iova, gpa, r, w, a->now) == VMC_NONE) {
		/* The pin found the page on disk: from here on, next time
		 * (every page before it was taken: address order). */
		if (vtdw_again(a->m)) {
			a->next = iova;
			return false;
		}
		a->r->refused++;
	}
	a->r->seen++;
	a->next = iova + 0x1000;
	return true;
}

void vshd_sync(struct vmc *c, const struct vtdw_mem *m, u64 cap, const struct vtdw_ctx *ctx,
	       u16 sid, u64 lo, u64 hi, u64 now, struct vshd_result *r)
{
	struct sync_arg a = { c, m, sid, ctx ? ctx->did : 0, now, lo & ~0xfffULL, r };

	memset(r, 0, sizeof(*r));
	lo &= ~0xfffULL;
	/* What is not seen below is what the guest no longer maps. */
	vmc_mark(c, sid, lo, hi);
	if (ctx && !vtdw_enum(m, cap, ctx, lo, hi, VSHD_SYNC_MAX, sync_page, &a)) {
		r->again = vtdw_again(m);
		r->truncated = !r->again;
	}
	/* Cut short: what lies past the last page taken is left as it was. */
	r->unmapped = vmc_sweep(c, sid, lo, r->truncated || r->again ? a.next : hi, now);
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
