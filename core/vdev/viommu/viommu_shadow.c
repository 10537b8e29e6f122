// SPDX-License-Identifier: GPL-2.0
/* A VM's assigned devices behind its vIOMMU: the physical side (viommu_shadow.h). */
#include <stdio.h>
#include <string.h>

#include "core/console.h"
#include "core/log.h"
#include "core/vdev/viommu/viommu_shadow.h"
#include "core/vdev/viommu/vtd_shadow.h"

/* The VMs whose shadowed devices' faults go to their guests. */
static struct vshadow *registered[CONFIG_MAX_VMS];

static void fault_hook(const struct vtd_fault *f)
{
	for (u32 i = 0; i < CONFIG_MAX_VMS; i++) {
		struct vshadow *s = __atomic_load_n(&registered[i], __ATOMIC_ACQUIRE);

		for (u32 k = 0; s && k < VSHADOW_DEVS; k++) {
			const struct vshadow_dev *d = &s->dev[k];

			if (!d->used || !d->in_shadow || f->sid != (u16)(d->bus << 8 | d->devfn))
				continue;
			if (d->ctx_ok && d->ctx.fpd) {
				s->faults_fpd++;
				continue;
			}
			s->faults_passed++;
			s->fault(s->ctx, d->gsid, f);
		}
	}
}

void vshadow_register(struct vshadow *s, void (*fault)(void *ctx, u16 gsid,
							const struct vtd_fault *f), void *ctx)
{
	if (s->vm_index >= CONFIG_MAX_VMS)
		return;
	s->fault = fault;
	s->ctx = ctx;
	vtd_fault_hook = fault_hook;
	__atomic_store_n(&registered[s->vm_index], s, __ATOMIC_RELEASE);
}

void vshadow_unregister(struct vshadow *s)
{
	if (s->vm_index < CONFIG_MAX_VMS && registered[s->vm_index] == s)
		__atomic_store_n(&registered[s->vm_index], NULL, __ATOMIC_RELEASE);
}

static struct vshadow_dev *dev_of(struct vshadow *s, u16 gsid)
{
	for (u32 k = 0; k < VSHADOW_DEVS; k++)
		if (s->dev[k].used && s->dev[k].gsid == gsid)
			return &s->dev[k];
	return NULL;
}

void vshadow_note(struct vshadow *s, enum vshadow_ev kind, u64 iova, u64 gpa)
{
	struct vshadow_event *ev = &s->log[s->nlog++ % VSHADOW_LOG];

	ev->kind = (u8)kind;
	ev->iova = iova;
	ev->gpa = gpa;
}

int vshadow_add(struct vshadow *s, u16 gsid, u8 bus, u8 devfn, struct vtd_domain *mirror,
		char *err, size_t n)
{
	struct vshadow_dev *d = NULL;
	u32 k, id;

	for (k = 0; k < VSHADOW_DEVS && !d; k++)
		if (!s->dev[k].used)
			d = &s->dev[k];
	if (!d) {
		snprintf(err, n, "viommu: no room to shadow another device");
		return -1;
	}
	id = VSHADOW_DID_BASE + s->vm_index * VSHADOW_DEVS + (u32)(d - s->dev);
	for (u32 i = 0; i < vtd_nunits; i++)
		if (vtd_units[i].up && id >= vtd_units[i].caps.domains) {
			snprintf(err, n, "viommu: shadow domain %u beyond the unit's %u domains",
				 id, vtd_units[i].caps.domains);
			return -1;
		}
	memset(d, 0, sizeof(*d));
	if (vtd_domain_init(&d->dom, (u16)id)) {
		vtd_domain_free(&d->dom);
		snprintf(err, n, "viommu: no VT-d domain for %02x:%02x.%u's shadow", bus,
			 devfn >> 3, devfn & 7);
		return -1;
	}
	d->used = true;
	d->dom_live = true;
	d->gsid = gsid;
	d->bus = bus;
	d->devfn = devfn;
	d->mirror = mirror;
	return 0;
}

/* Give the device dom (NULL: none, its DMA blocked). */
static void move(struct vshadow *s, struct vshadow_dev *d, struct vtd_domain *dom)
{
	vtd_detach(d->bus, d->devfn);
	if (dom && vtd_attach(dom, d->bus, d->devfn))
		pr_err("vt-d: %02x:%02x.%u could not be attached to domain %u: its DMA is blocked",
		       d->bus, d->devfn >> 3, d->devfn & 7, dom->id);
	s->switches++;
}

void vshadow_remove(struct vshadow *s, struct vmc *c, u16 gsid, u64 now)
{
	struct vshadow_dev *d = dev_of(s, gsid);

	if (!d)
		return;
	/* Its translations out of the physical VT-d, then the device out of
	 * its shadow: the caller gives it back or detaches it. */
	vmc_drop(c, gsid, now);
	if (d->in_shadow)
		move(s, d, d->mirror);
	d->in_shadow = false;
	if (d->dom_live)
		vtd_domain_free(&d->dom);
	d->dom_live = false;
	d->used = false;
}

void vshadow_remove_all(struct vshadow *s, struct vmc *c, u64 now)
{
	for (u32 k = 0; k < VSHADOW_DEVS; k++)
		if (s->dev[k].used)
			vshadow_remove(s, c, s->dev[k].gsid, now);
}

/* false: it stopped at a guest page on disk (vshd_sync). */
static bool sync(struct vshadow_dev *d, struct vmc *c, const struct vtde *e,
		 const struct vtdw_mem *m, u64 lo, u64 hi, u64 now)
{
	struct vshd_result r;

	vshd_sync(c, m, e->cap, d->ctx_ok ? &d->ctx : NULL, d->gsid, lo, hi, now, &r);
	d->syncs++;
	d->seen += r.seen;
	d->refused += r.refused;
	d->unmapped += r.unmapped;
	d->truncated += r.truncated;
	d->again += r.again;
	return !r.again;
}

bool vshadow_update(struct vshadow *s, struct vmc *c, const struct vtde *e,
		    const struct vtdw_mem *m, u64 now)
{
	bool done = true;

	for (u32 k = 0; k < VSHADOW_DEVS; k++) {
		struct vshadow_dev *d = &s->dev[k];
		struct vtdw_ctx ctx;
		bool want = false, ok = false;

		if (!d->used)
			continue;
		if (vtde_translating(e)) {
			u8 fr = vtdw_context(m, e->root, e->cap, e->ecap, d->gsid, &ctx);

			/* Its root or context entry's page is on disk: this
			 * device as it was, until the caller runs it again. */
			if (fr && vtdw_again(m)) {
				d->again++;
				done = false;
				continue;
			}

			/* Pass-through: the guest's I/O addresses are its
			 * guest-physical ones, as the mirror has them. */
			want = fr || ctx.tt != VTDW_TT_PT;
			ok = !fr && ctx.tt == VTDW_TT_SL;
		}
		if (!ok)
			memset(&ctx, 0, sizeof(ctx));
		/* Another table or domain: what came from the old one goes. */
		if (d->in_shadow && (!want || ok != d->ctx_ok || memcmp(&ctx, &d->ctx, sizeof(ctx))))
			vmc_drop(c, d->gsid, now);
		d->ctx = ctx;
		d->ctx_ok = ok;
		if (want && !d->in_shadow) {
			/* Its translations first, then the device: no gap. A
			 * sync stopped at a page on disk moves it all the same
			 * (the rest comes when the caller runs it again, before
			 * the guest's invalidation completes). */
			done &= sync(d, c, e, m, 0, ~0ULL, now);
			move(s, d, &d->dom);
			d->in_shadow = true;
			pr_info("vt-d: %02x:%02x.%u (the guest's %02x:%02x.%u) follows the guest's vIOMMU: shadow domain %u%s",
				d->bus, d->devfn >> 3, d->devfn & 7, d->gsid >> 8, (d->gsid >> 3) & 0x1f,
				d->gsid & 7, d->dom.id, ok ? "" : " (its context does not translate: DMA blocked)");
		} else if (!want && d->in_shadow) {
			move(s, d, d->mirror);
			d->in_shadow = false;
			if (d->mirror)
				pr_info("vt-d: %02x:%02x.%u back in the VM's guest-physical mirror (the guest's vIOMMU does not translate for it)",
					d->bus, d->devfn >> 3, d->devfn & 7);
			else
				pr_info("vt-d: %02x:%02x.%u: DMA blocked (the guest's vIOMMU does not translate for it, and the VM, overcommitted, has no guest-physical mirror)",
					d->bus, d->devfn >> 3, d->devfn & 7);
		} else if (d->in_shadow) {
			done &= sync(d, c, e, m, 0, ~0ULL, now);
		}
	}
	return done;
}

bool vshadow_iotlb(struct vshadow *s, struct vmc *c, const struct vtde *e,
		   const struct vtdw_mem *m, const struct vtde_inv *inv, u64 now)
{
	u64 lo = 0, hi = ~0ULL;
	bool done = true;

	if (inv->gran == VTDE_GRAN_DEVICE) {
		/* Page-selective: 2^am pages from addr (6.5.2.3). */
		u64 len = 0x1000ULL << MIN(inv->am, 52);

		lo = inv->addr & ~(len - 1);
		hi = lo + len;
	}
	for (u32 k = 0; k < VSHADOW_DEVS; k++) {
		struct vshadow_dev *d = &s->dev[k];

		if (d->used && d->in_shadow && d->ctx_ok &&
		    (inv->gran == VTDE_GRAN_GLOBAL || d->ctx.did == inv->did))
			done &= sync(d, c, e, m, lo, hi, now);
	}
	return done;
}

bool vshadow_install(struct vshadow *s, const struct vmc_entry *e)
{
	struct vshadow_dev *d = dev_of(s, e->sid);

	if (!d || !d->dom_live)
		return false;
	/* Exactly the guest's permissions: a write-only page stays unreadable
	 * (a device's read of it faults in the physical unit, passed on). */
	if (vtd_domain_map(&d->dom, e->iova, e->hpa, PAGE_SIZE,
			   (e->r ? VTD_MAP_READ : 0) | (e->w ? VTD_MAP_WRITE : 0)))
		return false;
	vshadow_note(s, VSH_EV_INSTALL, e->iova, e->gpa);
	return true;
}

void vshadow_clear(struct vshadow *s, const struct vmc_entry *e)
{
	struct vshadow_dev *d = dev_of(s, e->sid);

	if (!d || !d->dom_live)
		return;
	vtd_domain_clear(&d->dom, e->iova, PAGE_SIZE);
	vshadow_note(s, VSH_EV_CLEAR, e->iova, e->gpa);
	if (!s->pend) {
		s->pend = true;
		s->pend_lo = s->pend_hi = e->iova;
		s->pend_dom = &d->dom;
		return;
	}
	s->pend_lo = MIN(s->pend_lo, e->iova);
	s->pend_hi = MAX(s->pend_hi, e->iova);
	s->pend_multi |= s->pend_dom != &d->dom;
}

bool vshadow_flush(struct vshadow *s)
{
	int am;
	bool psi = false, ok;

	if (!s->pend)
		return true;
	am = s->pend_multi ? -1 : vshd_inv_am(s->pend_lo, s->pend_hi, true, 63);
	ok = vtd_domain_invalidate(s->pend_multi ? NULL : s->pend_dom, s->pend_lo, am, &psi);
	if (!ok) {
		s->inv_failed++;
		vshadow_note(s, VSH_EV_INV_FAILED, s->pend_lo, 0);
	} else if (s->pend_multi) {
		s->inv_global++;
		vshadow_note(s, VSH_EV_INV_GLOBAL, 0, 0);
	} else if (psi) {
		s->inv_page++;
		vshadow_note(s, VSH_EV_INV_PAGE, s->pend_lo & ~((0x1000ULL << am) - 1), (u64)am);
	} else {
		s->inv_domain++;
		vshadow_note(s, VSH_EV_INV_DOMAIN, 0, 0);
	}
	s->pend = s->pend_multi = false;
	s->pend_dom = NULL;
	return ok;
}

u32 vshadow_active(const struct vshadow *s)
{
	u32 n = 0;

	for (u32 k = 0; k < VSHADOW_DEVS; k++)
		n += s->dev[k].used && s->dev[k].in_shadow;
	return n;
}

void vshadow_show(const struct vshadow *s)
{
	bool any = false;

	for (u32 k = 0; k < VSHADOW_DEVS; k++) {
		const struct vshadow_dev *d = &s->dev[k];

		if (!d->used)
			continue;
		any = true;
		if (d->in_shadow)
			console_printf("  assigned %02x:%02x.%u (the guest's %02x:%02x.%u): shadowed in physical domain %u (%llu KiB mapped; guest domain %u%s); syncs %llu, pages seen %llu, refused %llu, unmapped %llu\n",
				       d->bus, d->devfn >> 3, d->devfn & 7, d->gsid >> 8,
				       (d->gsid >> 3) & 0x1f, d->gsid & 7, d->dom.id,
				       (unsigned long long)(d->dom.mapped >> 10), d->ctx.did,
				       d->ctx_ok ? "" : ", context not translating: blocked",
				       (unsigned long long)d->syncs, (unsigned long long)d->seen,
				       (unsigned long long)d->refused, (unsigned long long)d->unmapped);
		else if (d->mirror)
			console_printf("  assigned %02x:%02x.%u (the guest's %02x:%02x.%u): in the VM's guest-physical mirror (the guest's vIOMMU does not translate for it)\n",
				       d->bus, d->devfn >> 3, d->devfn & 7, d->gsid >> 8,
				       (d->gsid >> 3) & 0x1f, d->gsid & 7);
		else
			console_printf("  assigned %02x:%02x.%u (the guest's %02x:%02x.%u): DMA blocked (the guest's vIOMMU does not translate for it; overcommitted, the VM has no guest-physical mirror)\n",
				       d->bus, d->devfn >> 3, d->devfn & 7, d->gsid >> 8,
				       (d->gsid >> 3) & 0x1f, d->gsid & 7);
		if (d->again)
			console_printf("    its syncs stopped at a guest page on disk and run again: %llu\n",
				       (unsigned long long)d->again);
	}
	if (any)
		console_printf("  shadow: physical IOTLB invalidations %llu (page-selective %llu, domain-selective %llu, global %llu), failed %llu; devices moved %llu; physical faults passed to the guest %llu (not recorded: FPD %llu)\n",
			       (unsigned long long)(s->inv_page + s->inv_domain + s->inv_global),
			       (unsigned long long)s->inv_page, (unsigned long long)s->inv_domain,
			       (unsigned long long)s->inv_global, (unsigned long long)s->inv_failed,
			       (unsigned long long)s->switches,
			       (unsigned long long)s->faults_passed, (unsigned long long)s->faults_fpd);
}
