// SPDX-License-Identifier: GPL-2.0
/*
 * The vIOMMU as a device unit (viommu.h): its register page on the VM's
 * bus, guest memory and interrupts for the register model, and `vm
 * stats`. Everything runs under the platform lock, as the other devices.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/console.h"
#include "core/log.h"
#include "core/vdev/msi.h"
#include "core/vdev/vdev.h"
#include "core/vdev/viommu/viommu.h"
#include "core/vdev/viommu/vtd_ir.h"
#include "core/vdev/viommu/vtd_regs_emul.h"
#include "core/vdev/viommu/vtd_req.h"
#include "core/vdev/viommu/vtd_walk.h"
#include "core/vm/vm.h"

struct viommu_vm {
	struct vm *vm;
	bool live;			/* between init and stop */
	struct vtde regs;
	struct vtdir_cache irc;
	struct vtdq_stats q;		/* requests through the unit */
	struct viommu_counters c;
};

/* --- guest memory (the queue, status writes, the guest's tables) --- */

static bool g_read(void *ctx, u64 gpa, void *buf, u32 len)
{
	struct viommu_vm *d = ctx;

	return len && gpa_copy_from(&d->vm->mem, gpa, buf, len);
}

static bool g_write(void *ctx, u64 gpa, const void *buf, u32 len)
{
	struct viommu_vm *d = ctx;

	return len && gpa_copy_to(&d->vm->mem, gpa, buf, len);
}

/* The unit's own fault and completion events: compatibility-format
 * messages (the unit's interrupts are never remapped, 5.1.6). */
static void g_msi(void *ctx, u32 lo, u32 hi, u32 data)
{
	struct viommu_vm *d = ctx;
	struct vlapic_ipi msg;

	if (msi_guest_message(lo, hi, data, &msg))
		vplat_deliver(d->vm, NULL, &msg, false);
}

static void g_invalidate(void *ctx, const struct vtde_inv *inv)
{
	struct viommu_vm *d = ctx;

	switch (inv->kind) {
	case VTDE_INV_CONTEXT:
		d->c.inv_context++;
		break;
	case VTDE_INV_IOTLB:
		/* Nothing of the guest's tables is cached yet: every
		 * translation walks them. */
		d->c.inv_iotlb++;
		break;
	case VTDE_INV_IEC:
		d->c.inv_iec++;
		vtdir_cache_flush(&d->irc, inv->gran == VTDE_GRAN_GLOBAL, inv->iidx, inv->am);
		/* An entry behind an I/O APIC pin may have moved (ELI
		 * routes an assigned INTx by it). */
		vplat_routes_changed_locked(d->vm);
		break;
	case VTDE_INV_IRT:
		vtdir_cache_flush(&d->irc, true, 0, 0);
		vplat_routes_changed_locked(d->vm);
		break;
	default:
		break;
	}
}

static const struct vtde_ops regs_ops = {
	.read = g_read,
	.write = g_write,
	.msi = g_msi,
	.invalidate = g_invalidate,
};

/* --- interrupt remapping (VT-d ch. 5) --- */

bool viommu_ir_on(const struct vm *vm)
{
	const struct viommu_vm *d = vm->viommu;

	return d && d->live && (__atomic_load_n(&d->regs.gsts, __ATOMIC_RELAXED) & GSTS_IRES);
}

bool viommu_irq(struct vm *vm, u16 sid, u32 addr_lo, u32 addr_hi, u32 data, bool probe,
		struct vlapic_ipi *msg, bool *level)
{
	struct viommu_vm *d = vm->viommu;
	struct vtdw_mem m = { g_read, d };
	struct vtdir_req rq = { .sid = sid, .addr_lo = addr_lo, .addr_hi = addr_hi, .data = data };
	bool lvl;

	if (!level)
		level = &lvl;
	*level = false;
	if (!d || !d->live || !vtde_remapping(&d->regs))
		return msi_guest_message(addr_lo, addr_hi, data, msg);
	return vtdq_irq(&d->regs, &m, &d->irc, &d->q, &rq, probe, msg, level);
}

/* --- DMA translation (VT-d ch. 3) --- */

bool viommu_translating(const struct vm *vm)
{
	const struct viommu_vm *d = vm->viommu;

	return d && d->live && vtde_translating(&d->regs);
}

u8 viommu_dma(struct vm *vm, u16 sid, u64 iova, bool write, u64 *gpa)
{
	struct viommu_vm *d = vm->viommu;
	struct vtdw_mem m = { g_read, d };

	if (!viommu_translating(vm)) {
		*gpa = iova;
		return 0;
	}
	return vtdq_dma(&d->regs, &m, &d->q, sid, iova, write, gpa);
}

void viommu_count_map(struct vm *vm, bool map, bool page)
{
	struct viommu_vm *d = vm->viommu;

	if (!d)
		return;
	if (map) {
		d->c.maps++;
		d->c.pinned += page;
	} else {
		d->c.unmaps++;
		d->c.pinned -= page && d->c.pinned;
	}
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
	vplat_unlock(d->vm, f);
	return ok;
}

/* --- the unit --- */

static int viommu_init(struct vm *vm, char *err, size_t n)
{
	struct viommu_vm *d;

	if (vm->cfg.viommu == CONFIG_VIOMMU_OFF)
		return 0;
	if (vm->cfg.viommu == CONFIG_VIOMMU_SIDECORE) {
		snprintf(err, n, "viommu = sidecore is not implemented yet (use samecore)");
		return -1;
	}
	d = vm->viommu;
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d) {
			snprintf(err, n, "viommu: out of memory");
			return -1;
		}
		vm->viommu = d;
	}
	memset(d, 0, sizeof(*d));
	d->vm = vm;
	vtde_init(&d->regs, &regs_ops, d);
	if (vdev_add(vm, VDEV_MMIO, VTDE_BASE, VTDE_SIZE, regs_rw, d, 0, "viommu")) {
		snprintf(err, n, "viommu: its registers at %#llx clash with another device",
			 (unsigned long long)VTDE_BASE);
		return -1;
	}
	d->live = true;
	pr_info("vm %s: vIOMMU (samecore) at %#llx: registers, fault and invalidation events, queued invalidation, interrupt remapping (I/O APIC, virtio and assigned MSIs), virtio-blk DMA through the translation; not yet: assigned devices' DMA",
		vm->name, (unsigned long long)VTDE_BASE);
	return 0;
}

static void viommu_stop(struct vm *vm)
{
	struct viommu_vm *d = vm->viommu;

	if (!d || !d->live)
		return;
	/* The bus is cleared with the VM's next reset; the counters stay
	 * for `vm stats`. */
	vdev_unregister(&vm->bus, VDEV_MMIO, VTDE_BASE);
	d->live = false;
}

bool viommu_counters(const struct vm *vm, struct viommu_counters *c)
{
	const struct viommu_vm *d = vm->viommu;

	if (!d)
		return false;
	*c = d->c;
	c->translations = d->q.translations;
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
	console_printf("vIOMMU (VT-d at %#llx, samecore)%s: GSTS %#x (translation %s, queue %s, interrupt remapping %s); root table %#llx, IRT %#llx\n",
		       (unsigned long long)VTDE_BASE, d->live ? "" : " (stopped)", e->gsts,
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
	console_printf("  interrupts remapped %llu, blocked %llu; DMA translations %llu; interrupt entry cache hits %llu, misses %llu\n",
		       (unsigned long long)c.irq_remapped, (unsigned long long)c.irq_blocked,
		       (unsigned long long)c.translations, (unsigned long long)d->irc.hits,
		       (unsigned long long)d->irc.misses);
	console_printf("  not yet: assigned devices' DMA through the guest's tables (shadowing into the physical VT-d)\n");
}

/* After the platform (it clears the bus at reset), before the devices
 * that will translate through it. */
DEFINE_VDEV(viommu, 1, .init = viommu_init, .stop = viommu_stop);
