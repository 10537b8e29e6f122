// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's virtio-blk device (core/vdev/virtio/virtio_blk.h) as a device
 * unit: the disk `disk = NAME[,ro]` names, claimed at `vm start` and given
 * back at stop; the function on the guest's PCI bus after the assigned
 * ones; guest memory, pins, the block layer and the interrupt lines.
 *
 * Serialization: the platform lock (vplat_lock), as for the other guest
 * devices. BAR accesses take it; config-space writes (MSI-X control, the
 * command register) arrive with it held; completions take it on the
 * management core. Interrupts go out with it held (vplat_set_irq_locked,
 * vplat_deliver, which takes none).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/console.h"
#include "core/cpu.h"
#include "core/loader/guest_acpi.h"
#include "core/log.h"
#include "core/tsc.h"
#include "core/vdev/msi.h"
#include "core/vdev/vdev.h"
#include "core/vdev/viommu/viommu.h"
#include "core/vdev/virtio/virtio_blk_unit.h"
#include "core/vm/vm.h"
#include "mm/kmem.h"
#include "mm/swap/swapper.h"

/* Pages pinned for requests in flight: at most a queue of requests of
 * BLK_SEGS_MAX pages each, in a table twice that size. */
#define PIN_SLOTS	(2 * VBLK_QUEUE_SIZE * BLK_SEGS_MAX)
#define PIN_EMPTY	1ULL		/* pages are aligned: never a key */

struct pin {
	u64 page;
	u32 count;
	bool ours;			/* we set GPA_PG_PINNED (not VT-d, say) */
};

struct vblk_vm {
	struct vblk b;
	struct vm *vm;
	bool live;			/* between init and stop */
	u8 devfn;
	u32 gsi;			/* INTx, 0: none */
	u64 pinned;			/* pages with a count */
	struct pin pins[PIN_SLOTS];
	/* The rings' pages held (vm_rings), and for which addresses */
	u64 ring[8];
	u32 ring_tok[8];		/* through the vIOMMU: its translation, held */
	bool ring_xl;
	u32 nring;
	u64 ring_for[3];
	/* Requests held, in order, until every vCPU has dropped the write
	 * rights their pages just lost (swapper_fill_submit) */
	struct blk_req *held, *held_last;
	u64 held_total;
};

/* --- guest memory: the one place the device's guest addresses are
 * checked and translated ---
 *
 * The device's addresses are guest-physical, or, once the guest's vIOMMU
 * translates (GSTS.TES) and the driver accepted VIRTIO_F_ACCESS_PLATFORM,
 * I/O addresses through the guest's tables for the device's requester-id
 * (bus 0, its devfn), as a real device behind VT-d. Without that feature
 * the driver gave physical addresses and the device bypasses the unit
 * (virtio 1.1 6.1), as QEMU's devices do. A translation that fails is the
 * unit's fault, recorded with its fault event (viommu_dma); the access
 * fails as a DMA to nowhere would. */

static bool translating(const struct vblk_vm *d)
{
	return viommu_translating(d->vm) && virtio_pci_has(&d->b.vp, VIRTIO_F_ACCESS_PLATFORM);
}

/* The widest I/O address the unit takes (CAP.MGAW: 48 bits). */
#define IOVA_LIMIT	(1ULL << 48)

static bool mem_is_ram(void *ctx, u64 gpa, u64 len)
{
	struct vblk_vm *d = ctx;

	/* Translated, an address is checked as it is used: the mapping
	 * may change between the queue's setup and the access, and a data
	 * buffer that faults must fail its request, not break the queue. */
	if (translating(d))
		return gpa < IOVA_LIMIT && len <= IOVA_LIMIT - gpa;
	return gpa_is_ram(&d->vm->mem, gpa, len);
}

static bool mem_copy(struct vblk_vm *d, u64 addr, void *buf, u32 len, bool write)
{
	struct vm *vm = d->vm;
	bool xl = translating(d);
	u8 *p = buf;

	if (!len)
		return false;
	while (len) {
		u32 n = (u32)MIN((u64)len, PAGE_SIZE - (addr & (PAGE_SIZE - 1)));
		u64 gpa = addr;
		u32 tok = 0;
		int err = 0;
		u8 *h;

		if (xl && (err = viommu_dma_get(vm, d->devfn, addr, write, &gpa, &tok))) {
			if (err == VIOMMU_AGAIN)
				d->b.vp.vq[0].again = true;
			return false;
		}
		/* An overcommitted VM's page may be on disk: never waited for
		 * here (the platform lock is held, and the management core
		 * may need it to finish a request first); the queue retries. */
		h = gpa_is_ram(&vm->mem, gpa, n) ?
		    gpa_get_page(&vm->mem, gpa, GPA_GET_NOWAIT | (write ? GPA_GET_WRITE : 0), &err) :
		    NULL;
		if (!h) {
			if (xl)
				viommu_dma_put(vm, tok);
			if (err == -EAGAIN)
				d->b.vp.vq[0].again = true;
			return false;
		}
		if (write)
			memcpy(h, p, n);
		else
			memcpy(p, h, n);
		gpa_put_page(&vm->mem, gpa);
		if (xl)
			viommu_dma_put(vm, tok);
		addr += n;
		p += n;
		len -= n;
	}
	return true;
}

static bool mem_read(void *ctx, u64 gpa, void *buf, u32 len)
{
	return mem_copy(ctx, gpa, buf, len, false);
}

static bool mem_write(void *ctx, u64 gpa, const void *buf, u32 len)
{
	return mem_copy(ctx, gpa, (void *)buf, len, true);
}

static const struct vq_mem_ops vm_mem = {
	.is_ram = mem_is_ram,
	.read = mem_read,
	.write = mem_write,
};

/* --- pins, counted per page (open addressing, backward-shift deletion) --- */

static u32 pin_hash(u64 page)
{
	return (u32)((page >> PAGE_SHIFT) * 0x9e3779b97f4a7c15ULL >> 40) % PIN_SLOTS;
}

static struct pin *pin_find(struct vblk_vm *d, u64 page, bool add)
{
	for (u32 i = pin_hash(page), n = 0; n < PIN_SLOTS; i = (i + 1) % PIN_SLOTS, n++) {
		if (d->pins[i].page == page)
			return &d->pins[i];
		if (d->pins[i].page == PIN_EMPTY) {
			if (!add)
				return NULL;
			d->pins[i] = (struct pin){ page, 0, false };
			return &d->pins[i];
		}
	}
	return NULL;
}

static void pin_remove(struct vblk_vm *d, struct pin *p)
{
	u32 i = (u32)(p - d->pins), j = i;

	for (;;) {
		u32 k;

		j = (j + 1) % PIN_SLOTS;
		if (d->pins[j].page == PIN_EMPTY)
			break;
		k = pin_hash(d->pins[j].page);
		/* Entry j may move to the hole at i if its home is not in
		 * (i, j] cyclically. */
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			d->pins[i] = d->pins[j];
			i = j;
		}
	}
	d->pins[i].page = PIN_EMPTY;
}

/* The token a pin hands back (vblk_ops.pin's *pinned): the guest page,
 * and through the vIOMMU its translation's token in bits 63:48. */
#define PIN_VIA_VIOMMU	1ULL
#define PIN_NO_HOLD	2ULL	/* ... and only there (a dense map: RAM never moves) */
#define PIN_TOK_SHIFT	48
#define PIN_PAGE(p)	((p) & PAGE_MASK & ((1ULL << PIN_TOK_SHIFT) - 1))

static int pin_page(struct vblk_vm *d, u64 page, u32 flags, u64 *hpa);

static int vm_pin(struct vblk *b, u64 addr, u32 flags, u64 *hpa, u64 *pinned)
{
	struct vblk_vm *d = b->ctx;
	bool write = flags & VBLK_PIN_WRITE;
	u64 page = addr;
	u32 tok;
	int rc;
	u8 fr;

	if (!translating(d)) {
		rc = pin_page(d, page & PAGE_MASK, flags, hpa);
		if (!rc)
			*pinned = page & PAGE_MASK;
		return rc;
	}
	/* Through the guest's tables: a read request's data is written, so
	 * its pages need W (VT-d 3.6: write permission fault 0x5). The
	 * vIOMMU keeps the translation (and the page) while this holds it;
	 * an overcommitted VM's page is also held as any other, so that what
	 * the disk writes into it counts as written. */
	fr = viommu_dma_get(d->vm, d->devfn, addr, write, &page, &tok);
	if (fr)
		return fr == VIOMMU_AGAIN ? -EAGAIN : -EFAULT;
	page &= PAGE_MASK;
	*pinned = page | (u64)tok << PIN_TOK_SHIFT | PIN_VIA_VIOMMU;
	if (tok >> (64 - PIN_TOK_SHIFT)) {
		rc = -EFAULT;
	} else if (!d->vm->mem.sparse) {
		/* The vIOMMU's pin is all a dense map needs. */
		void *h = gpa_to_hva(&d->vm->mem, page);

		*hpa = h ? virt_to_phys(h) : ~0ULL;
		*pinned |= PIN_NO_HOLD;
		rc = *hpa == ~0ULL ? -EFAULT : 0;
	} else {
		rc = pin_page(d, page, flags, hpa);
	}
	if (rc)
		viommu_dma_put(d->vm, tok);
	return rc;
}

/* Guest page `page` held for a request's DMA, counted, marked pinned. */
static int pin_page(struct vblk_vm *d, u64 page, u32 flags, u64 *hpa)
{
	struct gpa_map *g = &d->vm->mem;
	bool write = flags & VBLK_PIN_WRITE;
	struct pin *p;
	int err = 0;
	void *h;

	if (!gpa_is_ram(g, page, PAGE_SIZE))
		return -EFAULT;
	/* Held until the unpin (an overcommitted VM's page: faulted in,
	 * and never reclaimed meanwhile). A page the disk overwrites whole
	 * needs no read of its old content (the swapper's stale read). */
	h = gpa_get_page(g, page, GPA_GET_NOWAIT | (write ? GPA_GET_WRITE : 0) |
			 ((flags & VBLK_PIN_WHOLE) ? GPA_GET_OVERWRITE : 0), &err);
	if (!h)
		return err == -EAGAIN ? -EAGAIN : -EFAULT;
	*hpa = virt_to_phys(h);
	if (*hpa == ~0ULL || !(p = pin_find(d, page, true))) {
		gpa_put_page(g, page);
		return -EFAULT;
	}
	if (!p->count++) {
		d->pinned++;
		/* Pinned already (VT-d pins all RAM of its domain): not ours
		 * to take away at the end. */
		p->ours = !(gpa_page_state(g, page) & GPA_PG_PINNED);
		if (p->ours && gpa_set_state(g, page, PAGE_SIZE, GPA_PG_PINNED, 0)) {
			pin_remove(d, p);
			d->pinned--;
			gpa_put_page(g, page);
			return -EFAULT;
		}
	}
	/* The Swap Mapper: a page a disk read fills whole, or a write takes
	 * whole to the disk, is protected against guest writes before the
	 * device touches it (swapper.h): unwritten when the request is done,
	 * it is its block. */
	if ((flags & (VBLK_PIN_WRITE | VBLK_PIN_WHOLE)) == (VBLK_PIN_WRITE | VBLK_PIN_WHOLE) ||
	    (flags & VBLK_PIN_SOURCE))
		swapper_fill_begin(d->vm, page);
	return 0;
}

static void vm_unpin(struct vblk *b, u64 pinned)
{
	struct vblk_vm *d = b->ctx;
	struct pin *p;

	if (pinned & PIN_VIA_VIOMMU)
		viommu_dma_put(d->vm, (u32)(pinned >> PIN_TOK_SHIFT));
	if (pinned & PIN_NO_HOLD)
		return;
	p = pin_find(d, PIN_PAGE(pinned), false);
	if (!p)
		return;
	gpa_put_page(&d->vm->mem, p->page);
	if (--p->count)
		return;
	if (p->ours)
		gpa_set_state(&d->vm->mem, p->page, PAGE_SIZE, 0, GPA_PG_PINNED);
	pin_remove(d, p);
	d->pinned--;
}

/* --- an overcommitted VM's (the swapper's) --- */

/* The queue's rings held at hand while it is enabled: the completions
 * write the used ring from the management core, which cannot wait for a
 * page read. Only in a sparse map (elsewhere RAM never moves). */
static void rings_put(struct vblk_vm *d)
{
	for (u32 i = 0; i < d->nring; i++) {
		gpa_put_page(&d->vm->mem, d->ring[i]);
		if (d->ring_xl)
			viommu_dma_put(d->vm, d->ring_tok[i]);
	}
	d->nring = 0;
	d->ring_for[0] = d->ring_for[1] = d->ring_for[2] = 0;
}

static int vm_rings(struct vblk *b, bool on)
{
	struct vblk_vm *d = b->ctx;
	const struct virtq *q = &b->vp.vq[0];
	struct gpa_map *g = &d->vm->mem;
	u64 part[3][2] = {
		{ q->desc, (u64)q->size * VIRTQ_DESC_SIZE },
		{ q->avail, VIRTQ_AVAIL_RING + 2ULL * q->size + 2 },
		{ q->used, VIRTQ_USED_RING + (u64)VIRTQ_USED_ELEM_SIZE * q->size + 2 },
	};

	bool xl = translating(d);
	int err = 0;

	if (!g->sparse)
		return 0;
	if (on && d->nring && d->ring_for[0] == q->desc && d->ring_for[1] == q->avail &&
	    d->ring_for[2] == q->used && d->ring_xl == xl)
		return 0;
	rings_put(d);
	if (!on)
		return 0;
	/* Through the guest's vIOMMU, its translations of the rings are
	 * held too: a completion must not need a walk of tables that may
	 * be on disk. */
	d->ring_xl = xl;
	for (u32 k = 0; k < 3; k++) {
		for (u64 pg = part[k][0] & PAGE_MASK; pg < part[k][0] + part[k][1]; pg += PAGE_SIZE) {
			u64 gpa = pg;
			u32 tok = 0;
			u8 fr = 0;

			if (d->nring >= ARRAY_SIZE(d->ring))
				goto fail;
			if (xl && (fr = viommu_dma_get(d->vm, d->devfn, pg, k == 2, &gpa, &tok))) {
				err = fr == VIOMMU_AGAIN ? -EAGAIN : -EFAULT;
				goto fail;
			}
			if (!gpa_get_page(g, gpa & PAGE_MASK, GPA_GET_NOWAIT, &err)) {
				if (xl)
					viommu_dma_put(d->vm, tok);
				goto fail;
			}
			d->ring_tok[d->nring] = tok;
			d->ring[d->nring++] = gpa & PAGE_MASK;
		}
	}
	d->ring_for[0] = q->desc;
	d->ring_for[1] = q->avail;
	d->ring_for[2] = q->used;
	return 0;
fail:
	rings_put(d);
	/* Not RAM, or a fault through the vIOMMU: the pop reports it (the
	 * faulting access recorded its fault). */
	return err == -EAGAIN ? -EAGAIN : 0;
}

static int vm_settle(struct vblk *b, u64 block, u32 n)
{
	struct vblk_vm *d = b->ctx;

	return swapper_disk_write(d->vm, block, n);
}

static void vm_filled(struct vblk *b, u64 pinned, u64 block)
{
	struct vblk_vm *d = b->ctx;

	swapper_fill_done(d->vm, PIN_PAGE(pinned), block);
}

static void submit_held(struct vblk_vm *d);

/* The management core's poll: requests held until every vCPU dropped its
 * rights to their pages, and those held back for pages not at hand. */
void vblk_unit_poll(struct vm *vm)
{
	struct vblk_vm *d = vm->vblk;
	u64 f;

	if (!d || !d->live)
		return;
	if (__atomic_load_n(&d->held, __ATOMIC_RELAXED)) {
		f = vplat_lock(vm);
		if (d->live && swapper_fill_ready(vm))
			submit_held(d);
		vplat_unlock(vm, f);
	}
	if (!vblk_wants_retry(&d->b))
		return;
	f = vplat_lock(vm);
	if (d->live)
		vblk_retry(&d->b);
	vplat_unlock(vm, f);
}

/* --- the block layer --- */

/* On the management core: back under the platform lock. */
static void host_done(struct blk_req *r)
{
	struct vblk_req *vr = r->ctx;
	struct vblk_vm *d = vr->b->ctx;
	struct vblk *b = vr->b;
	struct blk_tsc t;
	u64 f;

	/* Timed with the lock's wait: the queue's cost on this core. */
	blk_tsc_start(&t);
	f = vplat_lock(d->vm);
	vblk_host_done(r);
	vplat_unlock(d->vm, f);
	/* Only here, on the management core: one writer. */
	__atomic_store_n(&b->queue_tsc, b->queue_tsc + blk_tsc_elapsed(&t), __ATOMIC_RELAXED);
}

/* Held requests to the disk, in order (platform lock held). */
static void submit_held(struct vblk_vm *d)
{
	while (d->held) {
		struct blk_req *r = d->held;

		d->held = r->next;
		r->next = NULL;
		blk_submit(d->b.disk, r);
	}
	d->held_last = NULL;
}

static void vm_submit(struct vblk *b, struct blk_req *r)
{
	struct vblk_vm *d = b->ctx;
	/* Protections swapper_fill_begin set: every vCPU drops its cached
	 * rights before the disk touches the pages (a page the disk writes
	 * out must not change under it unseen); until then the request,
	 * and every one after it, waits for the management core's poll. */
	bool ready = swapper_fill_submit(d->vm);

	r->done = host_done;
	if (!ready || d->held) {
		r->next = NULL;
		if (d->held_last)
			d->held_last->next = r;
		else
			d->held = r;
		d->held_last = r;
		d->held_total++;
		return;
	}
	blk_submit(b->disk, r);
}

/* --- interrupts (platform lock held) --- */

static void vm_msi(struct vblk *b, u32 lo, u32 hi, u32 data)
{
	struct vblk_vm *d = b->ctx;
	struct vlapic_ipi msg;

	/* Through the guest's interrupt remapping when it has it on; the
	 * device's requester-id is its place on bus 0. Edge, as MSIs are. */
	if (viommu_irq(d->vm, d->devfn, lo, hi, data, false, &msg, NULL))
		vplat_deliver(d->vm, NULL, &msg, false);
}

static void vm_intx(struct vblk *b, bool level)
{
	struct vblk_vm *d = b->ctx;

	if (d->gsi)
		vplat_set_irq_locked(d->vm, d->gsi, level);
}

static const struct vblk_ops vm_ops = {
	.pin = vm_pin,
	.unpin = vm_unpin,
	.submit = vm_submit,
	.msi = vm_msi,
	.intx = vm_intx,
	.rings = vm_rings,
	.settle = vm_settle,
	.filled = vm_filled,
};

/* --- the trapped BAR --- */

static bool bar_rw(struct vpci_emul *e, int bar, u64 off, u32 size, bool write, u64 *val)
{
	struct virtio_pci *vp = e->ctx;
	struct vblk_vm *d = ((struct vblk *)vp->dev)->ctx;
	u64 f = vplat_lock(d->vm);
	bool ok = bar == VP_BAR && virtio_pci_bar_rw(vp, off, size, write, val);

	vplat_unlock(d->vm, f);
	return ok;
}

/* A config-space write: the platform lock is held already. */
static void config_changed(struct vpci_emul *e, u32 changed)
{
	virtio_pci_config_changed(e->ctx);
}

static const struct vpci_emul_ops emul_ops = {
	.bar_rw = bar_rw,
	.config_changed = config_changed,
};

static bool over_ram(u64 gpa, u64 len, void *ctx)
{
	const struct gpa_map *g = ctx;
	u64 end = gpa + len;

	return gpa < g->low_size ||
	       (g->high_size && end > g->high_base && gpa < g->high_base + g->high_size);
}

/* --- the disk's users --- */

/* The running VM (other than vm) whose virtio-blk uses d, or NULL. */
static struct vm *other_user(const struct vm *vm, const struct blk_dev *d, bool *rw)
{
	for (u32 i = 0; i < nvms; i++) {
		struct vm *o = vms[i];

		if (o != vm && o->vblk && o->vblk->live && o->vblk->b.disk == d) {
			*rw = !o->vblk->b.ro;
			return o;
		}
	}
	return NULL;
}

/* Whether d can be vm's (read-write if rw); else why, naming the user. A
 * disk and its partitions overlap: each is checked against the others. */
static bool disk_free(const struct vm *vm, struct blk_dev *d, bool rw, char *err, size_t n)
{
	for (u32 i = 0; i < blk_ndevs; i++) {
		struct blk_dev *o = blk_devs[i];
		struct vm *u;
		bool urw = false;

		if (o != d && o != d->parent && o->parent != d)
			continue;
		if ((u = other_user(vm, o, &urw)) && (urw || rw)) {
			snprintf(err, n, "disk %s: %s is in use by vm %s%s", d->name, o->name, u->name,
				 urw ? " (read-write)" : "");
			return false;
		}
		if (!u && o->user && (o->user_rw || rw)) {
			snprintf(err, n, "disk %s: %s is in use by %s%s", d->name, o->name, o->user,
				 o->user_rw ? " (read-write)" : "");
			return false;
		}
	}
	return true;
}

/* --- the unit --- */

static void vblk_unit_stop(struct vm *vm);

static int vblk_unit_init(struct vm *vm, char *err, size_t n)
{
	struct vblk_vm *d;
	struct blk_dev *disk;
	const char *why;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	u8 tmpl[256];
	u64 sizes[VPA_BARS];
	u32 slot = GUEST_PRT_FIRST_SLOT + vm->cfg.ndevices;
	bool rw = !vm->cfg.disk_ro;

	if (!vm->cfg.disk[0])
		return 0;
	disk = blk_find(vm->cfg.disk);
	if (!disk) {
		snprintf(err, n, "disk %s does not exist", vm->cfg.disk);
		return -1;
	}
	if (!disk_free(vm, disk, rw, err, n))
		return -1;
	d = vm->vblk;
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d) {
			snprintf(err, n, "disk %s: out of memory", disk->name);
			return -1;
		}
		vm->vblk = d;
	}
	memset(d, 0, sizeof(*d));
	for (u32 i = 0; i < PIN_SLOTS; i++)
		d->pins[i].page = PIN_EMPTY;
	d->vm = vm;
	d->devfn = (u8)(slot << 3);
	/* INTx only where the guest's _PRT routes the slot (2-5); later
	 * slots have MSI-X alone. */
	d->gsi = slot < GUEST_PRT_FIRST_SLOT + GUEST_PRT_SLOTS ? GUEST_PCI_GSI(slot, 0) : 0;
	d->b.ops = &vm_ops;
	d->b.ctx = d;
	snprintf(serial, sizeof(serial), "tern-%s", disk->name);
	if (vblk_init(&d->b, disk, !rw, d->gsi != 0, serial, &vm_mem, d, tmpl, sizes, &why)) {
		snprintf(err, n, "disk %s: %s", disk->name, why);
		return -1;
	}
	/* An overcommitted VM's status bytes are held with the data. */
	d->b.pin_status = vm->mem.sparse;
	d->b.vp.emul = (struct vpci_emul){
		.name = "virtio-blk", .ops = &emul_ops, .ctx = &d->b.vp, .bus = &vm->bus,
		.is_ram = over_ram, .ram_ctx = &vm->mem,
	};
	if (vpci_emul_add(&vm->plat.pci, &d->b.vp.emul, d->devfn, tmpl, sizes)) {
		snprintf(err, n, "disk %s: no room on the guest's PCI bus at 00:%02x.0", disk->name,
			 slot);
		return -1;
	}
	d->b.vp.emul.cfg.intr_line = (u8)d->gsi;
	d->live = true;
	if (!disk->user) {
		disk->user = vm->name;
		disk->user_rw = rw;
	}
	pr_info("vm %s: disk %s (%s, %llu MiB) is virtio-blk 00:%02x.0, INTx %s%u, MSI-X %u vectors",
		vm->name, disk->name, rw ? "read-write" : "read-only",
		(unsigned long long)(d->b.capacity * VBLK_SECTOR >> 20), slot,
		d->gsi ? "GSI " : "none", d->gsi, VBLK_NVEC);
	return 0;
}

static void vblk_unit_stop(struct vm *vm)
{
	struct vblk_vm *d = vm->vblk;
	struct blk_dev *disk;
	bool rw = false;
	struct vm *o;
	u64 f, until;

	if (!d || !d->live)
		return;
	disk = d->b.disk;
	f = vplat_lock(vm);
	vpci_emul_remove(&d->b.vp.emul);
	d->b.vp.vq[0].ready = false;	/* completions write no ring */
	/* The guest runs no more: nothing can write the pages now. */
	submit_held(d);
	vplat_unlock(vm, f);
	/* The guest's RAM goes once the units stop: the host's DMA into it
	 * must be over. The block layer times every request out. */
	until = rdtsc() + tsc_hz() / 1000 * ((BLK_TIMEOUT_NS + 1000000000ULL) / 1000000);
	while (vblk_in_flight(&d->b) && rdtsc() < until)
		blk_service();
	if (vblk_in_flight(&d->b))
		pr_err("vm %s: disk %s: %u requests still in flight at stop; their pages stay pinned",
		       vm->name, disk->name, vblk_in_flight(&d->b));
	f = vplat_lock(vm);
	rings_put(d);
	d->live = false;
	vplat_unlock(vm, f);
	if (disk->user == vm->name) {
		/* Another VM reading it (read-only) is its user now. */
		o = other_user(vm, disk, &rw);
		disk->user = o ? o->name : NULL;
		disk->user_rw = o && rw;
	}
}

void vblk_show(struct vm *vm)
{
	const struct vblk_vm *d = vm->vblk;
	const struct vblk *b;
	const struct virtio_pci *vp;

	if (!d || !d->b.disk)
		return;
	b = &d->b;
	vp = &b->vp;
	console_printf("virtio-blk 00:%02x.0: disk %s (%s, %llu sectors)%s; status %#x, %s\n",
		       d->devfn >> 3, b->disk->name, b->ro ? "read-only" : "read-write",
		       (unsigned long long)b->capacity, d->live ? "" : " (stopped)", vp->status,
		       vp->emul.cfg.msix_ctrl & BIT(15) ? "MSI-X" :
		       d->gsi ? "INTx" : "no interrupts yet");
	console_printf("  requests: in %llu, out %llu, flush %llu, get_id %llu, unsupported %llu; notifies (exits) %llu; host ops %llu (%llu per 100 requests); in flight %u\n",
		       (unsigned long long)b->requests[VBLK_IN],
		       (unsigned long long)b->requests[VBLK_OUT],
		       (unsigned long long)b->requests[VBLK_FLUSH],
		       (unsigned long long)b->requests[VBLK_GET_ID],
		       (unsigned long long)b->requests[VBLK_UNSUPP],
		       (unsigned long long)vp->notifies, (unsigned long long)b->host_ops,
		       (unsigned long long)vblk_ops_per_100(b), b->in_flight);
	console_printf("  bytes read %llu, written %llu; errors: %llu IOERR (%llu refused before the host, %llu host errors, %llu time-outs); interrupts %llu (MSI-X %llu sent, %llu held masked; INTx %llu)\n",
		       (unsigned long long)b->bytes_read, (unsigned long long)b->bytes_written,
		       (unsigned long long)b->ioerr, (unsigned long long)b->refused,
		       (unsigned long long)b->host_errors, (unsigned long long)b->host_timeouts,
		       (unsigned long long)b->interrupts, (unsigned long long)vp->msi_sent,
		       (unsigned long long)vp->msi_masked, (unsigned long long)vp->intx_raised);
	if (b->deferrals)
		console_printf("  held back for pages not at hand (overcommit): %llu times; queue pops %llu retried\n",
			       (unsigned long long)b->deferrals,
			       (unsigned long long)vp->vq[0].deferred);
	if (d->held_total)
		console_printf("  held until every vCPU dropped its rights to the pages (the Swap Mapper): %llu requests\n",
			       (unsigned long long)d->held_total);
	console_printf("  resets %llu, needs-reset %llu, driver mistakes %llu%s%s; pages pinned now %llu\n",
		       (unsigned long long)vp->resets, (unsigned long long)vp->needs_reset,
		       (unsigned long long)vp->bad_accesses, vp->last_problem ? ": last " : "",
		       vp->last_problem ? vp->last_problem : "", (unsigned long long)d->pinned);
	/* A line of its own: the lines above keep their format. */
	console_printf("  queue time (completions on the management core) %llu TSC ticks\n",
		       (unsigned long long)b->queue_tsc);
}

const struct vblk *vblk_of(const struct vm *vm)
{
	return vm->vblk && vm->vblk->b.disk ? &vm->vblk->b : NULL;
}

/* After the platform (its PCI bus); the slot follows the assigned
 * functions' whatever order they join in. */
DEFINE_VDEV(virtio_blk, 1, .init = vblk_unit_init, .stop = vblk_unit_stop);
