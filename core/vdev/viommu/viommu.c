// SPDX-License-Identifier: GPL-2.0
/*
 * The vIOMMU as a device unit (viommu.h): its register page on the VM's
 * bus, guest memory and interrupts for the register model, and `vm
 * stats`. Everything runs under the platform lock, as the other devices.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/console.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/timer.h"
#include "core/tsc.h"
#include "core/vdev/msi.h"
#include "core/vdev/vdev.h"
#include "core/vdev/viommu/viommu.h"
#include "core/vdev/viommu/vtd_ir.h"
#include "core/vdev/viommu/vtd_mapcache.h"
#include "core/vdev/viommu/vtd_regs_emul.h"
#include "core/vdev/viommu/viommu_shadow.h"
#include "core/vdev/viommu/viommu_sidecore.h"
#include "core/vdev/viommu/vtd_req.h"
#include "core/vdev/viommu/vtd_sidecore.h"
#include "core/vdev/viommu/vtd_walk.h"
#include "core/vm/vm.h"
#include "mm/kmem.h"
#include "mm/pmm.h"
#include "vmx/vcpu_request.h"

/* Live translations tern keeps per VM besides the stale ones (the FIFO's
 * quota): more than a queue of requests in flight touches. */
#define VIOMMU_LIVE_MAX		2048

struct viommu_vm {
	struct vm *vm;
	bool live;			/* between init and stop */
	struct vtde regs;
	struct vtdir_cache irc;
	struct vtdq_stats q;		/* requests through the unit */
	struct vmc map;			/* tern's IOVA->HPA translations */
	struct vshadow sh;		/* assigned devices: viommu_shadow.h */
	struct viommu_counters c;
	/*
	 * The teardown window's clock: when the oldest stale translation
	 * is due (vmc_due; 0: none), kept under the lock and read without
	 * it. The sidecore looks at it every round; samecore, the first
	 * vCPU does, woken by `clock`, a timer on its core (as the PIT's),
	 * so an idle guest's stale translations go at their time, whatever
	 * the management core is doing.
	 */
	u64 due;
	struct timer clock;		/* armed on the first vCPU's core only */
	u64 clock_at;
	/* viommu = sidecore: the register page the guest shares with the
	 * sidecore (vtd_sidecore.h); mapped while no write-1-to-clear
	 * status is pending, else unmapped so accesses trap. */
	bool side;
	u32 *page;
	u64 page_pa;
	bool mapped;
	struct vtds vs;
	u64 side_traps;			/* times the page went to trapping */
	/*
	 * An overcommitted VM's pages may be on disk. Under the platform
	 * lock nothing waits for a disk read (the management core may need
	 * the lock to finish one): an access to such a page starts its read
	 * and fails with `again` set (vtdw_mem.again), and the work is
	 * retried. stall_page: the page the queue stopped at (samecore),
	 * for the next vCPU entry to wait for outside the lock.
	 */
	bool again;
	u64 again_page;
	bool stall;
	u64 stall_page;
	u64 settle_waits;		/* vCPU entries that waited for it */
	/* The interrupt remapping table's pages an entry was read from,
	 * held at hand (overcommitted) until the guest moves the table or
	 * turns remapping off: an interrupt cannot wait for a disk read. */
#define VIOMMU_IRT_HELD		16
	u64 irt_held[VIOMMU_IRT_HELD];
	u32 nirt_held;
	/* Interrupts whose remapping entry was on disk anyway (not cached,
	 * its page not held): delivered late, once a vCPU has waited for the
	 * page (viommu_settle). */
	struct vtdq_held irq_held;
};

/* A page on disk that the next vCPU entry waits for, outside the lock
 * (viommu_settle; lock held). */
static void stall_on(struct viommu_vm *d, u64 page)
{
	d->stall_page = page;
	__atomic_store_n(&d->stall, true, __ATOMIC_RELEASE);
}

/* Samecore: the queue stopped at a page on disk (lock held): the next
 * vCPU entry waits for it, outside the lock (viommu_settle). */
static void note_stall(struct viommu_vm *d)
{
	if (!vtde_waiting(&d->regs) || d->side)
		return;
	stall_on(d, d->again_page);
}

/* The page as the model says, mapped or not as vtds_needs_trap says.
 * Unmapping waits for no vCPU: each is kicked and flushes before it next
 * runs guest code, and the page never shows a write-1-to-clear bit set,
 * so a stale translation can only see the page as it was. Lock held. */
static void side_sync_map(struct viommu_vm *d)
{
	struct gpa_map *g = &d->vm->mem;
	bool trap = vtds_needs_trap(&d->regs);

	if (!d->side || !d->live)
		return;
	if (trap && d->mapped) {
		gpa_unmap_mmio(g, VTDE_BASE, VTDE_SIZE);
		vm_ept_changed(d->vm);
		d->mapped = false;
		d->side_traps++;
	} else if (!trap && !d->mapped) {
		vtds_publish_all(&d->vs, &d->regs, d->page);
		d->mapped = !gpa_map_mmio(g, VTDE_BASE, d->page_pa, VTDE_SIZE, false);
	}
}

/*
 * The window's next look after what may have deferred an unmap (lock
 * held). Samecore, the first vCPU is told when something became due from
 * nothing: it arms its clock. Anything else only brings the oldest entry
 * nearer or takes it away, and a look that comes early finds the new due.
 */
static void note_due(struct viommu_vm *d)
{
	u64 was = d->due;

	__atomic_store_n(&d->due, vmc_due(&d->map), __ATOMIC_RELEASE);
	if (!was && d->due && !d->side && d->vm->nvcpus &&
	    this_cpu_index() != d->vm->vcpus[0].cpu)
		vcpu_post(&d->vm->vcpus[0], VCPU_REQ_EVENT);
}

/* Tear down what is due now (lock held). */
static void expire_due(struct viommu_vm *d, u64 now)
{
	/* A due time the FIFO no longer has (a lookup or a reuse took the
	 * entries away) is only a look. */
	if (vmc_due(&d->map) && vmc_due(&d->map) <= now)
		d->c.clock_checks++;
	vmc_expire(&d->map, now);
	__atomic_store_n(&d->due, vmc_due(&d->map), __ATOMIC_RELEASE);
}

/* --- guest memory (the queue, status writes, the guest's tables) --- */

/* Page by page, never waiting for a disk read (lock held): a page on
 * disk sets d->again (its read started), anything else clears it. */
static bool g_copy(struct viommu_vm *d, u64 gpa, void *buf, u32 len, bool write)
{
	int err = len ? gpa_copy(&d->vm->mem, gpa, buf, len, write, GPA_GET_NOWAIT,
				 &d->again_page) : -EFAULT;

	d->again = err == -EAGAIN;
	return !err;
}

static bool g_read(void *ctx, u64 gpa, void *buf, u32 len)
{
	return g_copy(ctx, gpa, buf, len, false);
}

static bool g_write(void *ctx, u64 gpa, const void *buf, u32 len)
{
	return g_copy(ctx, gpa, (void *)buf, len, true);
}

static bool g_again(void *ctx)
{
	return ((struct viommu_vm *)ctx)->again;
}

#define GUEST_MEM(d)	((struct vtdw_mem){ g_read, (d), g_again })

/* Reads of the interrupt remapping table: the page of an entry read is
 * kept at hand (overcommitted; the first VIOMMU_IRT_HELD pages). */
static bool g_read_irt(void *ctx, u64 gpa, void *buf, u32 len)
{
	struct viommu_vm *d = ctx;
	struct gpa_map *g = &d->vm->mem;
	u64 page = gpa & PAGE_MASK;

	if (!g_read(ctx, gpa, buf, len))
		return false;
	if (!g->sparse || d->nirt_held >= VIOMMU_IRT_HELD)
		return true;
	for (u32 i = 0; i < d->nirt_held; i++)
		if (d->irt_held[i] == page)
			return true;
	if (gpa_get_page(g, page, GPA_GET_NOWAIT, NULL))
		d->irt_held[d->nirt_held++] = page;
	return true;
}

static void irt_let_go(struct viommu_vm *d)
{
	for (u32 i = 0; i < d->nirt_held; i++)
		gpa_put_page(&d->vm->mem, d->irt_held[i]);
	d->nirt_held = 0;
}

#define IRT_MEM(d)	((struct vtdw_mem){ g_read_irt, (d), g_again })

/* The unit's own fault and completion events: compatibility-format
 * messages (the unit's interrupts are never remapped, 5.1.6). */
static void g_msi(void *ctx, u32 lo, u32 hi, u32 data)
{
	struct viommu_vm *d = ctx;
	struct vlapic_ipi msg;

	/* Sidecore: a fault's status traps before the guest hears of it. */
	side_sync_map(d);
	if (msi_guest_message(lo, hi, data, &msg))
		vplat_deliver(d->vm, NULL, &msg, false);
}

/* What a context or IOTLB invalidation covers, for tern's translations. */
static struct vmc_sel inv_sel(const struct vtde_inv *inv)
{
	struct vmc_sel s = { .kind = VMC_SEL_ALL, .did = inv->did };

	if (inv->gran == VTDE_GRAN_DOMAIN) {
		s.kind = VMC_SEL_DOMAIN;
	} else if (inv->gran == VTDE_GRAN_DEVICE && inv->kind == VTDE_INV_CONTEXT) {
		s.kind = VMC_SEL_DEVICE;
		s.sid = inv->sid;
		s.fm = inv->fm;
	} else if (inv->gran == VTDE_GRAN_DEVICE) {
		/* Page-selective: 2^am pages from addr (6.5.2.3). */
		s.kind = VMC_SEL_RANGE;
		s.iova = inv->addr & ~((0x1000ULL << inv->am) - 1);
		s.len = 0x1000ULL << inv->am;
	}
	return s;
}

static void g_invalidate(void *ctx, const struct vtde_inv *inv)
{
	struct viommu_vm *d = ctx;
	struct vtdw_mem m = GUEST_MEM(d), irt = IRT_MEM(d);
	struct vmc_sel sel;
	bool done = true;

	/* What the model asks next (again) is about this invalidation's
	 * own accesses, none before it. */
	d->again = false;
	switch (inv->kind) {
	case VTDE_INV_CONTEXT:
	case VTDE_INV_IOTLB:
		/* With caching mode the guest invalidates after its maps
		 * too: what tern holds in the range is dropped (strict) or
		 * deferred (optimistic); a map is seen at its first DMA. */
		sel = inv_sel(inv);
		vmc_invalidate(&d->map, &sel, tsc_ns());
		/* Assigned devices: the guest's table over the range, into
		 * the physical VT-d (viommu_shadow.h). */
		if (inv->kind == VTDE_INV_CONTEXT)
			done = vshadow_update(&d->sh, &d->map, &d->regs, &m, tsc_ns());
		else
			done = vshadow_iotlb(&d->sh, &d->map, &d->regs, &m, inv, tsc_ns());
		/* A page of the guest's on disk (overcommitted): the model
		 * runs the invalidation again once it is in, and it is not
		 * complete to the guest before (again, below); counted when
		 * it is. Run again, the same is done again: idempotent. */
		d->again = !done;
		if (done && inv->kind == VTDE_INV_CONTEXT)
			d->c.inv_context++;
		else if (done)
			d->c.inv_iotlb++;
		break;
	case VTDE_INV_ROOT:
	case VTDE_INV_TRANSLATION:
		/* Every translation may have changed. Told again after a
		 * page on disk: the flush was done the first time, and what
		 * was rebuilt since (the queue went on) stays; only the
		 * shadow is brought in line. */
		if (!inv->retry)
			vmc_flush(&d->map, tsc_ns());
		d->again = !vshadow_update(&d->sh, &d->map, &d->regs, &m, tsc_ns());
		break;
	case VTDE_INV_IEC:
		/* Overcommitted: the entries are read back now, where the
		 * queue can wait for a page on disk; an interrupt cannot. */
		if (d->vm->mem.sparse)
			vtdir_cache_flush_reload(&irt, &d->irc, d->regs.irta,
						 inv->gran == VTDE_GRAN_GLOBAL, inv->iidx, inv->am);
		else
			vtdir_cache_flush(&d->irc, inv->gran == VTDE_GRAN_GLOBAL, inv->iidx,
					  inv->am);
		done = !d->again;
		/* An entry behind an I/O APIC pin may have moved (ELI
		 * routes an assigned INTx by it). Its reads of the table
		 * are not the reload's: what the model asks is the reload's. */
		vplat_routes_changed_locked(d->vm);
		d->again = !done;
		d->c.inv_iec += done;	/* counted once, when done */
		break;
	case VTDE_INV_IRT:
		vtdir_cache_flush(&d->irc, true, 0, 0);
		irt_let_go(d);
		vplat_routes_changed_locked(d->vm);
		d->again = false;
		break;
	default:
		break;
	}
	note_due(d);
}

static const struct vtde_ops regs_ops = {
	.read = g_read,
	.write = g_write,
	.msi = g_msi,
	.invalidate = g_invalidate,
	.again = g_again,
};

/* --- interrupt remapping (VT-d ch. 5) --- */

bool viommu_ir_on(const struct vm *vm)
{
	const struct viommu_vm *d = vm->viommu;

	return d && d->live && (__atomic_load_n(&d->regs.gsts, __ATOMIC_RELAXED) & GSTS_IRES);
}

/* An interrupt met its remapping entry on disk (lock held): kept for a
 * vCPU to deliver once it has waited for the page; the first vCPU is
 * woken for it (it may be halted, waiting for this very interrupt). */
static void hold_irq(struct viommu_vm *d, const struct vtdir_req *rq, bool level)
{
	if (!vtdq_hold(&d->irq_held, rq, level))
		return;
	stall_on(d, d->again_page);
	vcpu_post(&d->vm->vcpus[0], VCPU_REQ_EVENT);
}

static void deliver_late(void *ctx, const struct vlapic_ipi *msg, bool level)
{
	struct viommu_vm *d = ctx;

	vplat_deliver(d->vm, NULL, msg, level);
}

/* The kept interrupts, again (lock held). */
static void deliver_held(struct viommu_vm *d)
{
	struct vtdw_mem m = IRT_MEM(d);

	if (d->irq_held.n && vtdq_irq_retry(&d->regs, &m, &d->irc, &d->q, &d->irq_held,
					    deliver_late, d))
		stall_on(d, d->again_page);
}

bool viommu_irq(struct vm *vm, u16 sid, u32 addr_lo, u32 addr_hi, u32 data, bool probe,
		struct vlapic_ipi *msg, bool *level)
{
	struct viommu_vm *d = vm->viommu;
	struct vtdw_mem m = IRT_MEM(d);
	struct vtdir_req rq = { .sid = sid, .addr_lo = addr_lo, .addr_hi = addr_hi, .data = data };
	bool lvl, ok;
	u64 again;

	if (!level)
		level = &lvl;
	*level = false;
	if (!d || !d->live || !vtde_remapping(&d->regs))
		return msi_guest_message(addr_lo, addr_hi, data, msg);
	again = d->q.irq_again;
	ok = vtdq_irq(&d->regs, &m, &d->irc, &d->q, &rq, probe, msg, level);
	if (d->q.irq_again != again)
		hold_irq(d, &rq, level != &lvl);
	return ok;
}

/* --- DMA translation (VT-d ch. 3) --- */

bool viommu_translating(const struct vm *vm)
{
	const struct viommu_vm *d = vm->viommu;

	return d && d->live && vtde_translating(&d->regs);
}

static bool m_pin(void *ctx, u64 gpa, u64 *hpa, bool *ours)
{
	struct viommu_vm *d = ctx;
	struct gpa_map *g = &d->vm->mem;
	int err = 0;
	void *h;

	/* Held while pinned: an overcommitted VM's page is brought in
	 * (never waited for: d->again, retried) and kept at its frame. */
	d->again = false;
	if (!gpa_is_ram(g, gpa, PAGE_SIZE))
		return false;
	h = gpa_get_page(g, gpa, GPA_GET_NOWAIT, &err);
	if (!h) {
		d->again = err == -EAGAIN;
		d->again_page = gpa & PAGE_MASK;
		return false;
	}
	*hpa = virt_to_phys(h);
	/* Pinned already (VT-d pins all RAM of its domain): not ours to
	 * take away at the end. */
	*ours = !(gpa_page_state(g, gpa) & GPA_PG_PINNED);
	if (*hpa != ~0ULL && (!*ours || !gpa_set_state(g, gpa, PAGE_SIZE, GPA_PG_PINNED, 0)))
		return true;
	gpa_put_page(g, gpa);
	return false;
}

static void m_unpin(void *ctx, u64 gpa, bool ours)
{
	struct viommu_vm *d = ctx;

	vshadow_note(&d->sh, VSH_EV_UNPIN, 0, gpa);
	if (ours)
		gpa_set_state(&d->vm->mem, gpa, PAGE_SIZE, 0, GPA_PG_PINNED);
	gpa_put_page(&d->vm->mem, gpa);
}

static bool m_pin_noted(void *ctx, u64 gpa, u64 *hpa, bool *ours)
{
	struct viommu_vm *d = ctx;

	if (!m_pin(ctx, gpa, hpa, ours))
		return false;
	vshadow_note(&d->sh, VSH_EV_PIN, 0, gpa);
	return true;
}

static bool m_install(void *ctx, const struct vmc_entry *e)
{
	return vshadow_install(&((struct viommu_vm *)ctx)->sh, e);
}

static void m_clear(void *ctx, const struct vmc_entry *e)
{
	vshadow_clear(&((struct viommu_vm *)ctx)->sh, e);
}

static bool m_flush(void *ctx)
{
	return vshadow_flush(&((struct viommu_vm *)ctx)->sh);
}

/* A physical fault of a shadowed device: recorded for the guest as its
 * unit would have (the fault interrupt's context, or a poller's). */
static void shadow_fault(void *ctx, u16 gsid, const struct vtd_fault *f)
{
	struct viommu_vm *d = ctx;
	u64 fl = vplat_lock(d->vm);

	if (d->live)
		vtde_fault(&d->regs, gsid, f->reason, f->addr & ~0xfffULL, f->read);
	vplat_unlock(d->vm, fl);
}

static const struct vmc_ops map_ops = {
	.pin = m_pin_noted,
	.unpin = m_unpin,
	.install = m_install,
	.clear = m_clear,
	.flush = m_flush,
};

u8 viommu_dma_get(struct vm *vm, u16 sid, u64 iova, bool write, u64 *gpa, u32 *token)
{
	struct viommu_vm *d = vm->viommu;
	struct vtdw_mem m = GUEST_MEM(d);
	struct vtdw_xlate x;
	u64 now = tsc_ns(), g;
	u32 i;
	u8 fr;

	i = vmc_get(&d->map, sid, iova, write, now);
	if (i == VMC_NONE) {
		/* Not held live: the guest's tables say (a fault is
		 * recorded there), then tern pins and keeps it. */
		fr = vtdq_dma(&d->regs, &m, &d->q, sid, iova, write, &g, &x);
		if (fr == VTDQ_AGAIN)
			return VIOMMU_AGAIN;
		if (fr)
			return fr;
		d->again = false;
		i = vmc_map(&d->map, sid, x.ctx.did, iova, g, x.r, x.w, now);
		if (i == VMC_NONE && d->again) {
			/* The page is on disk: its read is started. */
			d->q.dma_again++;
			return VIOMMU_AGAIN;
		}
		if (i == VMC_NONE) {
			/* Not RAM (the access goes nowhere, as on a bus
			 * without a target), or every entry in flight. */
			d->c.dma_refused++;
			return VIOMMU_NOT_RAM;
		}
	}
	*gpa = d->map.ent[i].gpa | (iova & 0xfff);
	*token = i;
	return 0;
}

void viommu_dma_put(struct vm *vm, u32 token)
{
	struct viommu_vm *d = vm->viommu;

	if (d)
		vmc_put(&d->map, token);
}

static void clock_fn(struct timer *t, void *arg)
{
	/* Waking the first vCPU is the point: its run loop looks. */
	(void)t; (void)arg;
}

void viommu_clock(struct vm *vm)
{
	struct viommu_vm *d = vm->viommu;
	u64 due, now, f;

	if (likely(!d))
		return;
	due = __atomic_load_n(&d->due, __ATOMIC_ACQUIRE);
	if (likely(!due) || d->side)
		return;
	now = tsc_ns();
	if (now >= due) {
		f = vplat_lock(vm);
		if (d->live && !d->side)
			expire_due(d, now);
		due = d->due;
		vplat_unlock(vm, f);
		if (!due)
			return;
	}
	if (d->clock.armed && d->clock_at <= due)
		return;
	timer_cancel(&d->clock);
	d->clock_at = due;
	d->c.clock_arms++;
	timer_arm(&d->clock, due > now ? due - now : 0, clock_fn, NULL);
}

void viommu_settle(struct vm *vm)
{
	struct viommu_vm *d = vm->viommu;
	u64 page, f;
	void *h;

	if (likely(!d) || likely(!__atomic_load_n(&d->stall, __ATOMIC_ACQUIRE)))
		return;
	if (!__atomic_exchange_n(&d->stall, false, __ATOMIC_ACQ_REL))
		return;
	page = d->stall_page;
	/* No lock held: the read may be waited for here. */
	h = gpa_get_page(&vm->mem, page, 0, NULL);
	if (h)
		gpa_put_page(&vm->mem, page);
	f = vplat_lock(vm);
	d->settle_waits++;
	if (d->live && !d->side && vtde_pending(&d->regs)) {
		vtde_continue(&d->regs);
		note_stall(d);
	}
	deliver_held(d);
	vplat_unlock(vm, f);
}

void viommu_clock_stop(struct vm *vm)
{
	if (vm->viommu)
		timer_cancel(&vm->viommu->clock);
}

void viommu_side_expire(struct viommu_vm *d)
{
	u64 due = __atomic_load_n(&d->due, __ATOMIC_ACQUIRE), now, f;

	if (!due || (now = tsc_ns()) < due)
		return;
	f = vplat_lock(d->vm);
	if (d->live && d->side)
		expire_due(d, now);
	vplat_unlock(d->vm, f);
}

/* --- the register page: each access an exit (samecore) --- */

static bool regs_rw(const struct vdev_region *r, u64 addr, u32 size, bool write, u64 *val)
{
	struct viommu_vm *d = r->ctx;
	u64 f = vplat_lock(d->vm);
	u32 off = (u32)(addr - VTDE_BASE);
	bool ok;

	d->c.exits++;
	ok = write ? vtde_write(&d->regs, off, size, *val) : vtde_read(&d->regs, off, size, val);
	note_stall(d);
	/* Sidecore, trapping: back to the shared page once the guest has
	 * cleared what made it trap. */
	side_sync_map(d);
	vplat_unlock(d->vm, f);
	return ok;
}

/* --- the shared register page (sidecore) --- */

bool viommu_side_busy(struct viommu_vm *d)
{
	return d->live && (vtds_dirty(&d->vs, d->page) || vtde_pending(&d->regs) ||
			   vtds_needs_trap(&d->regs) == d->mapped);
}

const volatile void *viommu_side_watch(struct viommu_vm *d)
{
	return &d->page[VTD_IQT / 4];
}

u32 viommu_side_poll(struct viommu_vm *d)
{
	u64 f = vplat_lock(d->vm);
	u32 n = 0;

	if (d->live) {
		/* Bounded: the rest of a long queue in later turns (each
		 * poll goes on with what is left before new writes). */
		n = vtds_poll(&d->vs, &d->regs, d->page);
		side_sync_map(d);
	}
	vplat_unlock(d->vm, f);
	return n + 1;
}

/* --- the unit --- */

static int viommu_init(struct vm *vm, char *err, size_t n)
{
	struct viommu_vm *d;
	u32 *page;
	u64 page_pa;

	if (vm->cfg.viommu == CONFIG_VIOMMU_OFF)
		return 0;
	d = vm->viommu;
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d) {
			snprintf(err, n, "viommu: out of memory");
			return -1;
		}
		vm->viommu = d;
	}
	vmc_destroy(&d->map, 0);
	page = d->page;
	page_pa = d->page_pa;
	memset(d, 0, sizeof(*d));
	d->vm = vm;
	d->page = page;
	d->page_pa = page_pa;
	d->sh.vm_index = vm->index;
	vtde_init(&d->regs, &regs_ops, d);
	if (vmc_init(&d->map, VIOMMU_LIVE_MAX,
		     vm->cfg.viommu_quota ? vm->cfg.viommu_quota : CONFIG_VIOMMU_QUOTA_DEFAULT,
		     (vm->cfg.viommu_residency_ms ? vm->cfg.viommu_residency_ms :
		      CONFIG_VIOMMU_RESIDENCY_DEFAULT) * 1000000ULL,
		     vm->cfg.viommu_teardown == CONFIG_TEARDOWN_OPTIMISTIC ? VMC_OPTIMISTIC : VMC_STRICT,
		     &map_ops, d)) {
		snprintf(err, n, "viommu: out of memory for its translations");
		return -1;
	}
	if (vdev_add(vm, VDEV_MMIO, VTDE_BASE, VTDE_SIZE, regs_rw, d, 0, "viommu")) {
		snprintf(err, n, "viommu: its registers at %#llx clash with another device",
			 (unsigned long long)VTDE_BASE);
		return -1;
	}
	d->live = true;
	vshadow_register(&d->sh, shadow_fault, d);
	if (vm->cfg.viommu == CONFIG_VIOMMU_SIDECORE) {
		/* The register page: tern's, shared RW with the guest
		 * (write-back, never executable), kept across restarts. */
		if (!d->page_pa) {
			d->page_pa = pmm_alloc_zeroed_page();
			if (!d->page_pa) {
				snprintf(err, n, "viommu: out of memory for its register page");
				return -1;
			}
			d->page = phys_to_virt(d->page_pa);
		}
		d->side = true;
		d->regs.queue_budget = VIOMMU_SIDE_BUDGET;
		side_sync_map(d);
		if (!d->mapped) {
			snprintf(err, n, "viommu: its register page could not be mapped at %#llx",
				 (unsigned long long)VTDE_BASE);
			return -1;
		}
		if (viommu_side_add(d, vm->index, err, n))
			return -1;
	}
	pr_info("vm %s: vIOMMU (%s) at %#llx: registers, fault and invalidation events, queued invalidation, interrupt remapping (I/O APIC, virtio and assigned MSIs), virtio-blk DMA through the translation, assigned devices' DMA shadowed into the physical VT-d; teardown %s (quota %u, residency %llu ms)",
		vm->name, d->side ? "sidecore" : "samecore", (unsigned long long)VTDE_BASE,
		d->map.mode == VMC_OPTIMISTIC ? "optimistic" : "strict", d->map.quota,
		(unsigned long long)(d->map.residency_ns / 1000000));
	return 0;
}

static void viommu_stop(struct vm *vm)
{
	struct viommu_vm *d = vm->viommu;
	u64 f;

	if (!d || !d->live)
		return;
	if (d->side) {
		/* The sidecore lets go first; the page stays ours. */
		viommu_side_remove(vm->index);
		if (d->mapped)
			gpa_unmap_mmio(&vm->mem, VTDE_BASE, VTDE_SIZE);
		d->mapped = false;
	}
	/* The bus is cleared with the VM's next reset; the counters stay
	 * for `vm stats`. */
	vdev_unregister(&vm->bus, VDEV_MMIO, VTDE_BASE);
	f = vplat_lock(vm);
	/* Assigned devices out of their shadows (back in the mirror until
	 * the assignment ends), then everything torn down; entries a DMA
	 * still holds keep their pins until it is done (the pool stays
	 * until the next start). */
	vshadow_remove_all(&d->sh, &d->map, tsc_ns());
	vmc_flush(&d->map, tsc_ns());
	irt_let_go(d);
	d->due = 0;
	d->live = false;
	vplat_unlock(vm, f);
	vshadow_unregister(&d->sh);
}

int viommu_assign(struct vm *vm, u16 gsid, u8 bus, u8 devfn, struct vtd_domain *mirror,
		  char *err, size_t n)
{
	struct viommu_vm *d = vm->viommu;
	struct vtdw_mem m;
	int rc;
	u64 f;

	if (!d || !d->live)
		return 0;
	m = GUEST_MEM(d);
	f = vplat_lock(vm);
	rc = vshadow_add(&d->sh, gsid, bus, devfn, mirror, err, n);
	if (!rc && !mirror && (d->regs.ecap & ECAP_PT)) {
		/* No mirror (overcommitted): a pass-through context would
		 * leave the device blocked with no fault to tell the guest.
		 * The unit offers none (ECAP.PT 0, VT-d 11.4.3): a guest
		 * wanting identity maps them in its tables. Before it runs. */
		d->regs.ecap &= ~ECAP_PT;
		if (d->side && d->mapped)
			vtds_publish_all(&d->vs, &d->regs, d->page);
	}
	if (!rc)
		vshadow_update(&d->sh, &d->map, &d->regs, &m, tsc_ns());
	note_due(d);
	vplat_unlock(vm, f);
	return rc;
}

void viommu_unassign(struct vm *vm, u16 gsid)
{
	struct viommu_vm *d = vm->viommu;
	u64 f;

	if (!d)
		return;
	f = vplat_lock(vm);
	vshadow_remove(&d->sh, &d->map, gsid, tsc_ns());
	note_due(d);
	vplat_unlock(vm, f);
}

int viommu_unit_init(struct vm *vm, char *err, size_t n)
{
	return viommu_init(vm, err, n);
}

void viommu_unit_stop(struct vm *vm)
{
	viommu_stop(vm);
}

void viommu_free(struct vm *vm)
{
	struct viommu_vm *d = vm->viommu;

	if (!d)
		return;
	viommu_stop(vm);
	vmc_destroy(&d->map, tsc_ns());
	if (d->page_pa)
		pmm_free(d->page_pa, 1);
	free(d);
	vm->viommu = NULL;
}

const struct vshadow_event *viommu_shadow_log(const struct vm *vm, u32 *n)
{
	const struct viommu_vm *d = vm->viommu;

	*n = d ? d->sh.nlog : 0;
	return d ? d->sh.log : NULL;
}

void viommu_set_teardown(struct vm *vm, bool optimistic, u32 residency_ms)
{
	struct viommu_vm *d = vm->viommu;
	u64 f;

	vm->cfg.viommu_teardown = optimistic ? CONFIG_TEARDOWN_OPTIMISTIC : CONFIG_TEARDOWN_STRICT;
	if (residency_ms)
		vm->cfg.viommu_residency_ms = residency_ms;
	if (!d || !d->live)
		return;
	f = vplat_lock(vm);
	if (residency_ms)
		d->map.residency_ns = residency_ms * 1000000ULL;
	vmc_set_mode(&d->map, optimistic ? VMC_OPTIMISTIC : VMC_STRICT, tsc_ns());
	/* A shorter window may be due sooner than the clock is set for. */
	d->due = 0;
	note_due(d);
	vplat_unlock(vm, f);
}

/* Back to trapping every access (samecore): the sidecore lets go, the
 * page is unmapped and every vCPU has flushed, then what the guest wrote
 * meanwhile through a stale translation is taken from the page. On the
 * management core, interrupts on. */
static void to_samecore(struct viommu_vm *d)
{
	struct vm *vm = d->vm;
	bool was_mapped;
	u64 f;

	viommu_side_remove(vm->index);
	f = vplat_lock(vm);
	d->side = false;
	d->regs.queue_budget = 0;
	was_mapped = d->mapped;
	if (was_mapped)
		gpa_unmap_mmio(&vm->mem, VTDE_BASE, VTDE_SIZE);
	d->mapped = false;
	vplat_unlock(vm, f);
	gpa_flush(&vm->mem);
	f = vplat_lock(vm);
	if (was_mapped)
		vtds_poll(&d->vs, &d->regs, d->page);
	vtde_continue(&d->regs);
	note_stall(d);
	/* The sidecore kept the window's clock; the first vCPU does now. */
	d->due = 0;
	note_due(d);
	vplat_unlock(vm, f);
}

int viommu_set_sidecore(struct vm *vm, bool side, char *err, size_t n)
{
	struct viommu_vm *d = vm->viommu;
	u64 f;

	if (!d || !d->live) {
		snprintf(err, n, "the VM has no running vIOMMU");
		return -1;
	}
	if (d->side == side)
		return 0;
	if (!side) {
		to_samecore(d);
		vm->cfg.viommu = CONFIG_VIOMMU_SAMECORE;
		return 0;
	}
	if (!d->page_pa) {
		d->page_pa = pmm_alloc_zeroed_page();
		if (!d->page_pa) {
			snprintf(err, n, "out of memory for the register page");
			return -1;
		}
		d->page = phys_to_virt(d->page_pa);
	}
	f = vplat_lock(vm);
	d->side = true;
	d->regs.queue_budget = VIOMMU_SIDE_BUDGET;
	side_sync_map(d);
	vplat_unlock(vm, f);
	if (viommu_side_add(d, vm->index, err, n)) {
		to_samecore(d);
		return -1;
	}
	vm->cfg.viommu = CONFIG_VIOMMU_SIDECORE;
	return 0;
}

bool viommu_counters(const struct vm *vm, struct viommu_counters *c)
{
	const struct viommu_vm *d = vm->viommu;

	if (!d)
		return false;
	*c = d->c;
	c->maps = d->map.st.maps;
	c->unmaps = d->map.st.unmaps;
	c->pinned = d->map.pinned;
	c->again_queue = d->regs.st.stalls;
	c->again_dma = d->q.dma_again;
	c->again_irq = d->q.irq_again;
	c->irqs_late = d->irq_held.late;
	c->irqs_lost = d->irq_held.lost;
	c->settle_waits = d->settle_waits;
	c->pins = d->map.st.pins;
	c->unpins = d->map.st.unpins;
	c->lookups = d->map.st.lookups;
	c->hits = d->map.st.hits;
	c->walks = d->q.translations;
	c->reused = d->map.st.reused;
	c->deferred = d->map.st.deferred;
	c->expired = d->map.st.expired + d->map.st.over_quota;
	c->evicted = d->map.st.evicted;
	c->replaced = d->map.st.replaced;
	c->phys_inv = d->map.st.phys_inv;
	c->phys_real = d->map.st.phys_real;
	c->shadow_inv_page = d->sh.inv_page;
	c->shadow_inv_domain = d->sh.inv_domain;
	c->shadow_inv_global = d->sh.inv_global;
	c->shadow_inv_failed = d->sh.inv_failed;
	c->shadowed = vshadow_active(&d->sh);
	c->shadow_installs = d->map.st.installs;
	c->shadow_clears = d->map.st.clears;
	c->stale_now = vmc_stale_now(&d->map);
	c->stale_max = d->map.st.stale_max;
	c->stale_oldest_ns = d->map.ent ? vmc_oldest_stale_ns(&d->map, tsc_ns()) : 0;
	/* The oldest alive counts too: the bound holds live, not only
	 * for what has gone. */
	c->stale_longest_ns = MAX(d->map.st.stale_longest_ns, c->stale_oldest_ns);
	c->unmapped_in_flight = d->map.st.unmapped_in_flight;
	c->translations = d->q.translations;
	c->side_writes = d->vs.st.writes;
	c->irq_remapped = d->q.irq_remapped;
	c->irq_blocked = d->q.irq_blocked;
	c->faults = d->regs.st.faults;
	/* Not recorded: no free record (PFO), or the entry's FPD. */
	c->faults_dropped += d->regs.st.faults_overflowed + d->q.dma_unrecorded +
			     d->q.irq_unrecorded;
	return true;
}

void viommu_show(struct vm *vm)
{
	struct viommu_vm *d = vm->viommu;
	struct viommu_counters c;
	const struct vtde *e;

	if (!viommu_counters(vm, &c))
		return;
	e = &d->regs;
	console_printf("vIOMMU (VT-d at %#llx, %s)%s: GSTS %#x (translation %s, queue %s, interrupt remapping %s); root table %#llx, IRT %#llx\n",
		       (unsigned long long)VTDE_BASE, d->side ? "sidecore" : "samecore",
		       d->live ? "" : " (stopped)", e->gsts,
		       e->gsts & GSTS_TES ? "on" : "off", e->gsts & GSTS_QIES ? "on" : "off",
		       e->gsts & GSTS_IRES ? "on" : "off", (unsigned long long)e->root,
		       (unsigned long long)e->irta);
	console_printf("  register exits %llu (bad accesses %llu); invalidations: context %llu, IOTLB %llu, interrupt entry %llu; waits %llu (status writes failed %llu); queue errors %llu%s\n",
		       (unsigned long long)c.exits, (unsigned long long)e->st.bad_accesses,
		       (unsigned long long)c.inv_context, (unsigned long long)c.inv_iotlb,
		       (unsigned long long)c.inv_iec, (unsigned long long)e->st.waits,
		       (unsigned long long)e->st.status_writes_failed,
		       (unsigned long long)e->st.iqe, e->fsts & FSTS_IQE ? " (IQE set now)" : "");
	console_printf("  faults recorded %llu, dropped %llu; fault events %llu, completion events %llu; DMA maps %llu, unmaps %llu, pinned now %llu\n",
		       (unsigned long long)c.faults, (unsigned long long)c.faults_dropped,
		       (unsigned long long)e->st.fault_events, (unsigned long long)e->st.inv_events,
		       (unsigned long long)c.maps, (unsigned long long)c.unmaps,
		       (unsigned long long)c.pinned);
	console_printf("  translations: DMA accesses %llu, %llu without a walk, walks %llu; pins %llu, unpins %llu; refused (not RAM, no room) %llu\n",
		       (unsigned long long)c.lookups, (unsigned long long)c.hits,
		       (unsigned long long)c.walks, (unsigned long long)c.pins,
		       (unsigned long long)c.unpins, (unsigned long long)c.dma_refused);
	if (vm->mem.sparse)
		console_printf("  overcommitted: only pages mapped for DMA pinned (%llu now of %llu); guest pages on disk retried: the queue stopped %llu times (vCPU entries waited %llu), DMA translations %llu; interrupts whose remapping entry was on disk %llu (delivered late %llu, lost %llu)\n",
			       (unsigned long long)c.pinned,
			       (unsigned long long)(vm->mem.ram_size >> PAGE_SHIFT),
			       (unsigned long long)c.again_queue, (unsigned long long)c.settle_waits,
			       (unsigned long long)c.again_dma, (unsigned long long)c.again_irq,
			       (unsigned long long)c.irqs_late, (unsigned long long)c.irqs_lost);
	console_printf("  teardown %s (quota %u, residency %llu ms): reused %llu, deferred %llu, expired %llu, replaced %llu, evicted %llu; physical invalidations %llu; unmapped in flight %llu\n",
		       d->map.mode == VMC_OPTIMISTIC ? "optimistic" : "strict", d->map.quota,
		       (unsigned long long)(d->map.residency_ns / 1000000),
		       (unsigned long long)c.reused, (unsigned long long)c.deferred,
		       (unsigned long long)c.expired, (unsigned long long)c.replaced,
		       (unsigned long long)c.evicted, (unsigned long long)c.phys_inv,
		       (unsigned long long)c.unmapped_in_flight);
	console_printf("  risk: stale mappings now %llu (oldest %llu us), max %llu, longest lived %llu us; the window's clock (%s): %llu times due, timer armed %llu times\n",
		       (unsigned long long)c.stale_now,
		       (unsigned long long)(c.stale_oldest_ns / 1000),
		       (unsigned long long)c.stale_max,
		       (unsigned long long)(c.stale_longest_ns / 1000),
		       d->side ? "the sidecore" : "the first vCPU",
		       (unsigned long long)c.clock_checks, (unsigned long long)c.clock_arms);
	console_printf("  interrupts remapped %llu, blocked %llu; DMA translations %llu; interrupt entry cache hits %llu, misses %llu\n",
		       (unsigned long long)c.irq_remapped, (unsigned long long)c.irq_blocked,
		       (unsigned long long)c.translations, (unsigned long long)d->irc.hits,
		       (unsigned long long)d->irc.misses);
	if (d->side)
		console_printf("  sidecore: register page %s; guest writes seen %llu (commands %llu), polls with work %llu, put-backs lost to a newer write %llu; went to trapping %llu times (write-1-to-clear status pending)\n",
			       d->mapped ? "shared (no exits)" : "trapping",
			       (unsigned long long)d->vs.st.writes,
			       (unsigned long long)d->vs.st.commands,
			       (unsigned long long)d->vs.st.polls,
			       (unsigned long long)d->vs.st.lost_writebacks,
			       (unsigned long long)d->side_traps);
	console_printf("  physical invalidations: %llu real (batches that cleared shadowed entries from the physical VT-d), %llu equivalents (emulated devices' batches); shadowed entries installed %llu, cleared %llu\n",
		       (unsigned long long)c.phys_real,
		       (unsigned long long)(c.phys_inv - c.phys_real),
		       (unsigned long long)c.shadow_installs, (unsigned long long)c.shadow_clears);
	vshadow_show(&d->sh);
}

/* After the platform (it clears the bus at reset), before the devices
 * that will translate through it. */
DEFINE_VDEV(viommu, 1, .init = viommu_init, .stop = viommu_stop);
