// SPDX-License-Identifier: GPL-2.0
/*
 * Overcommitted VMs: tern.cfg checks, `vm resident`, and the swapper wired
 * into the guest-physical map (swapper.h says how the pieces join).
 *
 * Who runs what:
 *  - a vCPU's core: its EPT faults on pages without a frame (the map's
 *    NOACCESS handler, swapper_fault): a zeroed frame or the frame still
 *    held is mapped at once; a page on disk is read into a new frame and
 *    the vCPU parks (GPA_FAULT_WAIT) until the read lands;
 *  - the management core: reclaim between the watermarks (swapper_poll,
 *    from vm_service), the block layer's completions (installing a frame
 *    read back, freeing one written out) and the wake-ups;
 *  - any core: tern's own accesses (gpa_get_page -> swapper_get), which
 *    fault a page in and hold it (never evicted while held) and count a
 *    write as one the EPT D flag did not see.
 *
 * One spinlock per VM guards the pure state (swap_vm) and the holds; it is
 * taken inside the map's handlers_lock (the fault handler) and outside the
 * map's lock (gpa_page_*), and never held across a wait for other cores
 * (gpa_flush) or for the disk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/console.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/tsc.h"
#include "core/vm/vm.h"
#include "drivers/block/blk.h"
#include "mm/kmem.h"
#include "mm/pmm.h"
#include "core/vdev/virtio/virtio_blk_unit.h"
#include "mm/swap/swap_area.h"
#include "mm/swap/swap_mapper.h"
#include "mm/swap/swap_vm.h"
#include "mm/swap/swapper.h"
#include "mm/swap/swapper_prev.h"
#include "mm/swap/swapper_priv.h"
#include "vmx/vcpu_request.h"

static const char swap_user[] = "tern swap";

static struct swap_part parts[SWAP_PARTS_MAX];

static bool overcommitted(const struct vm_config *c)
{
	return config_resident(c) < c->memory;
}

bool swapper_overcommitted(const struct vm *vm)
{
	return overcommitted(&vm->cfg);
}

bool swapper_live(const struct vm *vm)
{
	return vm->state == VM_RUNNING && vm->swapper && vm->swapper->live;
}

void swapper_check_vm(struct vm *vm)
{
	struct blk_dev *d;
	struct swap_dev probe;

	if (!vm->cfg.swap[0] || vm->state == VM_INVALID)
		return;
	d = blk_find(vm->cfg.swap);
	if (!d)
		snprintf(vm->problem, sizeof(vm->problem), "swap %s does not exist (see `disks`)",
			 vm->cfg.swap);
	else if (swap_dev_init(&probe, d->nblocks * d->block_size, d->block_size))
		snprintf(vm->problem, sizeof(vm->problem),
			 "swap %s cannot hold 4 KiB slots (%u-byte blocks, %llu KiB)", d->name,
			 d->block_size, (unsigned long long)(d->nblocks * d->block_size >> 10));
	else
		return;
	pr_warn("tern.cfg:%u: vm '%s' cannot run: %s", vm->cfg.swap_line, vm->name, vm->problem);
	vm->state = VM_INVALID;
}

/* The swap partition's, or a disk under or over it, other user; NULL. */
static const char *part_taken(struct blk_dev *bd)
{
	for (u32 i = 0; i < blk_ndevs; i++) {
		struct blk_dev *o = blk_devs[i];

		if (o != bd && o != bd->parent && o->parent != bd)
			continue;
		if (o->user && o->user != swap_user)
			return o->user;
	}
	return NULL;
}

int swapper_vm_start(struct vm *vm, char *err, size_t n)
{
	struct blk_dev *bd;
	const char *user;

	if (!overcommitted(&vm->cfg))
		return 0;
	/* Without EPT A/D flags every page would count as recently used
	 * and dirty: the clock could not choose, every eviction would write. */
	for (u32 i = 0; i < vm->cfg.ncores; i++) {
		if (!cpus[vm->cfg.cores[i]]->vmx.ept_ad) {
			snprintf(err, n, "overcommit needs EPT accessed/dirty flags, which core %u lacks (see `vmx`)",
				 vm->cfg.cores[i]);
			return -1;
		}
	}
	/* Everything of tern's that reaches guest RAM asks the swapper
	 * first: a virtio disk holds its pages while in flight, the vIOMMU
	 * holds the pages it has translations for and reads the guest's
	 * tables and queue without waiting under the platform lock
	 * (core/vdev/viommu/viommu.c); assigned devices only with a
	 * vIOMMU, which pins what the guest maps for their DMA and blocks
	 * it while the guest does not translate (config.c, passthru.c). */
	bd = blk_find(vm->cfg.swap);
	if (!bd) {
		snprintf(err, n, "swap %s does not exist (see `disks`)", vm->cfg.swap);
		return -1;
	}
	user = part_taken(bd);
	if (user) {
		snprintf(err, n, "swap %s is in use by %s", bd->name, user);
		return -1;
	}
	return 0;
}

int swapper_set_resident(struct vm *vm, u64 size, char *err, size_t n)
{
	const char *why;

	if (!size || (size & (PAGE_SIZE - 1)) || size > vm->cfg.memory) {
		snprintf(err, n, "resident must be whole pages from 4K to the VM's memory (%llu MiB)",
			 (unsigned long long)(vm->cfg.memory >> 20));
		return -1;
	}
	if (size < vm->cfg.memory && !vm->cfg.swap[0]) {
		snprintf(err, n, "below memory the VM is overcommitted and needs 'swap =' in tern.cfg");
		return -1;
	}
	why = config_overcommit_refusal(&vm->cfg);
	if (size < vm->cfg.memory && why) {
		snprintf(err, n, "%s", why);
		return -1;
	}
	vm->cfg.resident = size == vm->cfg.memory ? 0 : size;
	/* A running overcommitted VM takes the new limit now (reclaim
	 * brings it down from the management core); one that started with
	 * all its memory keeps it until it starts again. */
	if (swapper_live(vm)) {
		struct swapper *sw = vm->swapper;
		u64 f = spin_lock_irqsave(&sw->lock);

		swap_set_limit(&sw->s, size / PAGE_SIZE);
		spin_unlock_irqrestore(&sw->lock, f);
	}
	return 0;
}

static bool mapper_mode(const struct vm *vm)
{
	return vm->cfg.swap_mode != CONFIG_SWAP_BASELINE;
}

static const char *mode_note(const struct vm *vm)
{
	return vm->cfg.swap_mode == CONFIG_SWAP_VSWAPPER ?
	       " (the Swap Mapper and the False Reads Preventer)" : "";
}

void swapper_list_line(const struct vm *vm)
{
	const struct swapper *sw = vm->swapper;

	if (!vm->cfg.swap[0] && !overcommitted(&vm->cfg))
		return;
	console_printf("    resident %lluM of %lluM, swap %s, swap_mode %s%s\n",
		       (unsigned long long)(config_resident(&vm->cfg) >> 20),
		       (unsigned long long)(vm->cfg.memory >> 20),
		       vm->cfg.swap[0] ? vm->cfg.swap : "none",
		       config_swap_mode_name(vm->cfg.swap_mode),
		       overcommitted(&vm->cfg) ? mode_note(vm) : "");
	if (sw && sw->live)
		console_printf("    now: %llu KiB resident, %llu pages written out, %llu dropped, %llu read back (%llu from the image)\n",
			       (unsigned long long)(sw->s.frames * PAGE_SIZE >> 10),
			       (unsigned long long)sw->s.out_written,
			       (unsigned long long)sw->s.out_dropped,
			       (unsigned long long)(sw->s.in_swap + sw->s.in_image),
			       (unsigned long long)sw->s.in_image);
}

/* --- requests and frames --- */

static struct swap_req *req_take(struct swapper *sw)
{
	struct swap_req *q = sw->free_reqs;

	if (q) {
		sw->free_reqs = q->next_free;
		sw->nfree--;
		if (sw->nfree < sw->min_free_reqs)
			sw->min_free_reqs = sw->nfree;
	}
	return q;
}

static void req_give(struct swapper *sw, struct swap_req *q)
{
	q->next_free = sw->free_reqs;
	sw->free_reqs = q;
	sw->nfree++;
}

static void req_done(struct blk_req *r);

/* One slot's I/O for page idx (under sw->lock; blk_submit only queues). */
static void submit(struct swapper *sw, struct swap_req *q, enum blk_op op, u64 idx, u64 pa,
		   u32 slot)
{
	struct swap_dev *d = &sw->part->dev;

	memset(&q->r, 0, sizeof(q->r));
	q->sw = sw;
	q->image = false;
	q->idx = idx;
	q->pa = pa;
	q->r.op = op;
	q->r.lba = swap_slot_lba(d, sw->area, slot);
	q->r.count = swap_slot_blocks(d);
	q->r.nsegs = 1;
	q->r.segs[0] = (struct blk_seg){ pa, PAGE_SIZE };
	q->r.done = req_done;
	q->r.ctx = q;
	blk_submit(sw->part->bd, &q->r);
}

static u64 frame_alloc(bool zero)
{
	u64 pa = pmm_alloc(1);

	if (pa && zero)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

void swapper_wake(struct swapper *sw, u8 mask)
{
	for (u32 i = 0; mask; i++, mask >>= 1)
		if (mask & 1)
			gpa_wake(&sw->vm->mem, i);
}

/*
 * A read of the VM's disk image (the Mapper): page idx with block blk and,
 * under the frame limit, the pages of the blocks after it (prefetch) when
 * `ahead`; one request. 0 issued, -1 the VM cannot go on (why noted).
 */
static int read_image(struct swapper *sw, u64 idx, u32 blk, bool ahead)
{
	const struct vblk *vb = vblk_of(sw->vm);
	struct blk_dev *disk = vb ? vb->disk : NULL;
	struct blk_dev *root = disk;
	u32 per = disk ? PAGE_SIZE / disk->block_size : 0, max = SWAP_IMAGE_PAGES, n = 0;
	u64 more[SWAP_IMAGE_PAGES - 1];
	struct swap_req *q;

	while (root && root->parent)
		root = root->parent;
	if (root && root->max_blocks && per && root->max_blocks / per < max)
		max = root->max_blocks / per;
	if (ahead && max > 1)
		n = swap_prefetch(&sw->s, idx, blk, more, max - 1);
	q = disk ? req_take(sw) : NULL;
	if (q) {
		memset(&q->r, 0, sizeof(q->r));
		q->sw = sw;
		q->image = true;
		q->npages = 0;
		q->idxs[q->npages] = idx;
		q->pas[q->npages] = frame_alloc(false);
		if (q->pas[q->npages])
			q->npages++;
		for (u32 i = 0; i < n && q->npages == i + 1; i++) {
			q->idxs[q->npages] = more[i];
			q->pas[q->npages] = frame_alloc(false);
			if (q->pas[q->npages])
				q->npages++;
		}
	}
	/* Read ahead only as far as frames came. */
	for (u32 i = q ? (q->npages ? q->npages - 1 : 0) : 0; i < n; i++)
		swap_read_cancel(&sw->s, more[i]);
	if (!q || !q->npages) {
		if (q)
			req_give(sw, q);
		sw->no_frame++;
		vm_note_stop(sw->vm, "swap: no %s to read guest page %#llx back from the disk image",
			     !disk ? "virtio disk" : q ? "host frame" : "block request",
			     (unsigned long long)gpa_index_page(&sw->vm->mem, idx));
		return -1;
	}
	q->r.op = BLK_READ;
	q->r.lba = (u64)blk * per;
	q->r.count = q->npages * per;
	q->r.nsegs = q->npages;
	for (u32 i = 0; i < q->npages; i++)
		q->r.segs[i] = (struct blk_seg){ q->pas[i], PAGE_SIZE };
	q->r.done = req_done;
	q->r.ctx = q;
	sw->image_reqs++;
	sw->image_pages += q->npages;
	blk_submit(disk, &q->r);
	return 0;
}

/*
 * What swap_fault() (or swap_fault_overwrite) said, done (under
 * sw->lock). The fault's answer: 0 mapped (or nothing to do), 1 wait (a
 * read is under way or a frame will be), -1 the VM cannot go on (why
 * noted).
 */
static int do_act(struct swapper *sw, u64 idx, enum swap_act act, u32 slot,
		  enum swap_read_for why)
{
	struct gpa_map *g = &sw->vm->mem;
	u64 page = gpa_index_page(g, idx), pa;
	struct swap_req *q;

	/* Only the Preventer maps a page it buffers writes for (merged). */
	if ((act == SWAP_ACT_MAP_ZERO || act == SWAP_ACT_MAP_BACK) && swprev_holds(sw, idx)) {
		vm_note_stop(sw->vm, "swap: guest page %#llx would be mapped with writes the False Reads Preventer still buffers for it (a tern bug): stopped rather than lose them",
			     (unsigned long long)page);
		return -1;
	}
	switch (act) {
	case SWAP_ACT_RETRY:
		return 0;
	case SWAP_ACT_MAP_ZERO:
		pa = frame_alloc(true);
		if (!pa || gpa_page_install(g, page, pa)) {
			if (pa)
				pmm_free(pa, 1);
			sw->no_frame++;
			vm_note_stop(sw->vm, "swap: no host frame for guest page %#llx (host memory exhausted)",
				     (unsigned long long)page);
			return -1;
		}
		return 0;
	case SWAP_ACT_MAP_BACK:
		/* Touched while on its way out: the frame is still ours. */
		gpa_page_restore(g, page);
		return 0;
	case SWAP_ACT_READ:
		if (slot == SWAP_NO_SLOT) {
			vm_note_stop(sw->vm, "swap: guest page %#llx is on disk without a slot (flags %#x): its content is lost",
				     (unsigned long long)page, sw->s.pte[idx].flags);
			return -1;
		}
		pa = frame_alloc(false);
		q = req_take(sw);
		if (!pa || !q) {
			if (pa)
				pmm_free(pa, 1);
			if (q)
				req_give(sw, q);
			sw->no_frame++;
			vm_note_stop(sw->vm, "swap: no %s to read guest page %#llx back",
				     pa ? "block request" : "host frame", (unsigned long long)page);
			return -1;
		}
		submit(sw, q, BLK_READ, idx, pa, slot);
		sw->reads_for[why]++;
		return 1;
	case SWAP_ACT_READ_IMAGE:
		if (read_image(sw, idx, slot, true))
			return -1;
		sw->reads_for[why]++;
		return 1;
	case SWAP_ACT_WAIT:
		return 1;
	default:
		vm_note_stop(sw->vm, "swap: guest page %#llx is in no state to be mapped",
			     (unsigned long long)page);
		return -1;
	}
}

int swapper_do_fault(struct swapper *sw, u64 idx, u32 waiter, enum swap_read_for why)
{
	u32 slot = SWAP_NO_SLOT;
	/* Decided first: slot is its output (argument order is unspecified). */
	enum swap_act act = swap_fault(&sw->s, idx, waiter, &slot);

	return do_act(sw, idx, act, slot, why);
}

const char *swap_read_for_name(enum swap_read_for why)
{
	static const char *const names[SWAP_FOR_COUNT] = {
		[SWAP_FOR_GUEST_WRITE] = "guest_write",
		[SWAP_FOR_GUEST_READ] = "guest_read",
		[SWAP_FOR_TERN] = "tern",
	};

	return (u32)why < SWAP_FOR_COUNT ? names[why] : "?";
}

/* The map's NOACCESS handler: a vCPU touched a page without a frame. */
static enum gpa_fault swapper_fault(struct gpa_map *g, u64 gpa, u32 access, u32 waiter,
				    void *ctx)
{
	struct swapper *sw = ctx;
	u64 idx = gpa_page_index(g, gpa & ~(u64)(PAGE_SIZE - 1)), f;
	int rc;

	f = spin_lock_irqsave(&sw->lock);
	/* A resident page made no-access by someone else: theirs. */
	if (!sw->live || sw->s.pte[idx].state == SWP_RESIDENT) {
		spin_unlock_irqrestore(&sw->lock, f);
		return GPA_FAULT_PASS;
	}
	/* A write to a page on disk, or any access to one under emulation:
	 * the instruction goes to the Preventer (swapper_prev.c). */
	if (swprev_wants(sw, idx, access)) {
		spin_unlock_irqrestore(&sw->lock, f);
		return GPA_FAULT_EMULATE;
	}
	rc = swapper_do_fault(sw, idx, waiter,
			      swap_access_stores(access) ? SWAP_FOR_GUEST_WRITE : SWAP_FOR_GUEST_READ);
	spin_unlock_irqrestore(&sw->lock, f);
	return rc == 0 ? GPA_FAULT_RETRY : rc > 0 ? GPA_FAULT_WAIT : GPA_FAULT_STOP;
}

/*
 * Wait for page idx's read (tern's own access). The management core
 * serves the block queue itself; another core waits with interrupts on,
 * so the management core's EPT flushes (which wait for every vCPU core)
 * are answered meanwhile.
 */
static void wait_read(struct swapper *sw, u64 idx)
{
	bool mgmt = this_cpu()->role == ROLE_MANAGEMENT;
	u64 f = irq_save();

	if (!mgmt)
		irq_enable();
	while (__atomic_load_n(&sw->s.pte[idx].state, __ATOMIC_ACQUIRE) == SWP_READING &&
	       sw->live && !sw->vm->stop_reason[0]) {
		if (mgmt)
			blk_service();
		else
			cpu_relax();
	}
	irq_disable();
	irq_restore(f);
}

/* gpa_get_page() on this VM's sparse map. */
static int swapper_get(struct gpa_map *g, u64 page, u32 flags, void *ctx)
{
	struct swapper *sw = ctx;
	u64 idx = gpa_page_index(g, page), f;
	bool waited = false;

	for (;;) {
		int rc;

		f = spin_lock_irqsave(&sw->lock);
		/* A VM stopping (a read failed, say) is not waited for. */
		if (!sw->live || sw->vm->stop_reason[0]) {
			spin_unlock_irqrestore(&sw->lock, f);
			return -EIO;
		}
		sw->tern_gets += !waited;
		/* Its buffered writes are merged with its old content first,
		 * unless tern's write replaces them all. */
		if (flags & GPA_GET_OVERWRITE)
			swprev_overwrite(sw, idx);
		swprev_host_needs(sw, idx);
		if (flags & GPA_GET_OVERWRITE) {
			u32 slot = SWAP_NO_SLOT;
			/* A disk read replaces it whole: under the Mapper
			 * a page on disk needs no read first. */
			enum swap_act act = swap_fault_overwrite(&sw->s, idx, &slot);

			rc = do_act(sw, idx, act, slot, SWAP_FOR_TERN);
		} else {
			rc = swapper_do_fault(sw, idx, SWAP_WAITER_TERN, SWAP_FOR_TERN);
		}
		if (rc == 0 && gpa_page_has_frame(g, page)) {
			/* Held: the clock passes it by until put. */
			sw->holds[idx]++;
			/* tern's write: the slot's copy is old, and the
			 * block's too (the association goes). */
			if (flags & GPA_GET_WRITE)
				swap_mark_dirty(&sw->s, idx);
			spin_unlock_irqrestore(&sw->lock, f);
			return 0;
		}
		spin_unlock_irqrestore(&sw->lock, f);
		if (rc < 0)
			return -EIO;
		if (flags & GPA_GET_NOWAIT) {
			/* The read is started: a retry later finds it. */
			sw->tern_refused++;
			return -EAGAIN;
		}
		if (!waited)
			sw->tern_waits++;
		waited = true;
		wait_read(sw, idx);
	}
}

static void swapper_put(struct gpa_map *g, u64 page, void *ctx)
{
	struct swapper *sw = ctx;
	u64 idx = gpa_page_index(g, page), f = spin_lock_irqsave(&sw->lock);

	if (sw->holds && sw->holds[idx])
		sw->holds[idx]--;
	spin_unlock_irqrestore(&sw->lock, f);
}

static const struct gpa_access_ops access_ops = { swapper_get, swapper_put };

/* --- the Swap Mapper --- */

/* The map's WP handler: the guest's first write to a page the swapper
 * protected. Its association goes (its block no longer has its content)
 * and the write goes ahead. Other protections are their owners'. */
static enum gpa_fault swapper_wp_fault(struct gpa_map *g, u64 gpa, u32 access, u32 waiter,
				       void *ctx)
{
	struct swapper *sw = ctx;
	u64 page = gpa & ~(u64)(PAGE_SIZE - 1), idx = gpa_page_index(g, page), f;
	bool ours;

	(void)access;
	(void)waiter;
	f = spin_lock_irqsave(&sw->lock);
	ours = sw->live && (sw->s.pte[idx].flags & SWPF_WP);
	if (ours) {
		swap_break(&sw->s, idx);
		sw->wp_faults++;
	}
	spin_unlock_irqrestore(&sw->lock, f);
	if (!ours)
		return GPA_FAULT_PASS;
	/* Rights given need no flush (the violation dropped the entry). */
	gpa_set_state(g, page, PAGE_SIZE, 0, GPA_PG_WP);
	return GPA_FAULT_RETRY;
}

void swapper_fill_begin(struct vm *vm, u64 page)
{
	struct swapper *sw = vm->swapper;
	u64 idx, f;

	/* Under baseline too: the guest's first write tells a page still
	 * holding what the disk gave it (a silent write if written out). */
	if (!sw || !sw->live || !gpa_is_ram(&vm->mem, page, PAGE_SIZE))
		return;
	idx = gpa_page_index(&vm->mem, page);
	f = spin_lock_irqsave(&sw->lock);
	sw->s.pte[idx].flags |= SWPF_WP;
	spin_unlock_irqrestore(&sw->lock, f);
	gpa_set_state(&vm->mem, page, PAGE_SIZE, GPA_PG_WP, 0);
	sw->wp_pending = true;
}

/* Every vCPU has dropped the rights it cached before the last
 * vm_ept_changed (none has its flush still to take). */
static bool rights_dropped(const struct vm *vm)
{
	for (u32 i = 0; i < vm->nvcpus; i++)
		if (vcpu_requested(&vm->vcpus[i], VCPU_REQ_FLUSH))
			return false;
	return true;
}

bool swapper_fill_submit(struct vm *vm)
{
	struct swapper *sw = vm->swapper;

	if (!sw || !sw->live)
		return true;
	if (sw->wp_pending) {
		sw->wp_pending = false;
		vm_ept_changed(vm);
		/* Only the Mapper trusts a page to stay its block; baseline's
		 * protection only counts silent writes. */
		sw->wp_unflushed = sw->mapper;
	}
	return swapper_fill_ready(vm);
}

bool swapper_fill_ready(struct vm *vm)
{
	struct swapper *sw = vm->swapper;

	if (!sw || !sw->live || !sw->wp_unflushed)
		return true;
	if (!rights_dropped(vm))
		return false;
	sw->wp_unflushed = false;
	return true;
}

void swapper_fill_done(struct vm *vm, u64 page, u64 block)
{
	struct swapper *sw = vm->swapper;
	bool armed;
	u64 idx, f;

	if (!sw || !sw->live || !gpa_is_ram(&vm->mem, page, PAGE_SIZE))
		return;
	idx = gpa_page_index(&vm->mem, page);
	/* Every vCPU dropped the rights it cached before the protection:
	 * the guest's next write faults, so the page is the block until then. */
	armed = rights_dropped(vm);
	f = spin_lock_irqsave(&sw->lock);
	if (armed && sw->mapper && block < SWAP_NO_BLOCK && (sw->s.pte[idx].flags & SWPF_WP)) {
		swap_associate(&sw->s, idx, (u32)block);
	} else if (armed || sw->mapper) {
		/* Baseline counts a silent write only when it can tell. */
		sw->fill_unarmed += sw->mapper && !armed;
		swap_mark_filled(&sw->s, idx);
	}
	spin_unlock_irqrestore(&sw->lock, f);
}

int swapper_disk_write(struct vm *vm, u64 block, u32 n)
{
	struct swapper *sw = vm->swapper;
	int rc = 0;
	u64 f;

	if (!sw || !sw->live || !sw->mapper)
		return 0;
	f = spin_lock_irqsave(&sw->lock);
	for (u32 i = 0; i < n && block + i < SWAP_NO_BLOCK; i++) {
		u64 out[4];
		u32 nread = 0;

		/*
		 * A large write over a file whose pages are in the image needs
		 * a read for each: at most what the requests allow beyond the
		 * vCPUs' reserve now; the write waits for them and settles the
		 * rest when it is retried.
		 */
		if (sw->nfree <= SWAP_REQS_RESERVE) {
			sw->settle_waits++;
			rc = -EAGAIN;
			break;
		}
		if (swap_settle(&sw->s, (u32)(block + i), out, ARRAY_SIZE(out), &nread))
			rc = -EAGAIN;
		/* Only the disk has them: each read back (the write waits),
		 * any writes buffered for one merged when it lands. */
		for (u32 k = 0; k < nread; k++) {
			if (sw->nfree <= SWAP_REQS_RESERVE) {
				swap_read_cancel(&sw->s, out[k]);
				continue;
			}
			swprev_host_needs(sw, out[k]);
			if (read_image(sw, out[k], (u32)(block + i), false))
				break;
			sw->reads_for[SWAP_FOR_TERN]++;
		}
	}
	spin_unlock_irqrestore(&sw->lock, f);
	return rc;
}

/* --- completions and reclaim (management core) --- */

static void read_done(struct swapper *sw, struct swap_req *q, bool ok)
{
	struct gpa_map *g = &sw->vm->mem;
	u64 page = gpa_index_page(g, q->idx);
	u8 wake = 0;

	if (swprev_read_landed(sw, q->idx, q->pa, ok, &wake)) {
		pmm_free(q->pa, 1);
		swapper_wake(sw, wake);
		return;
	}
	if (swap_read_done(&sw->s, q->idx, ok, &wake) == SWAP_ACT_MAP &&
	    !gpa_page_install(g, page, q->pa)) {
		q->pa = 0;
	} else {
		vm_note_stop(sw->vm, "swap: guest page %#llx could not be read back from %s block %llu (error %d): its content is lost",
			     (unsigned long long)page, sw->part->bd->name, (unsigned long long)q->r.lba,
			     q->r.status);
	}
	if (q->pa)
		pmm_free(q->pa, 1);
	swapper_wake(sw, wake);
}

static void write_done(struct swapper *sw, struct swap_req *q, bool ok)
{
	struct gpa_map *g = &sw->vm->mem;
	u64 page = gpa_index_page(g, q->idx), pa;

	/* For a page mapped back meanwhile: whether the guest wrote it
	 * since (its entry was made anew, D clear). */
	switch (swap_write_done(&sw->s, q->idx, ok, gpa_page_dirty(g, page))) {
	case SWAP_ACT_FREE_FRAME:
		/* Evicted and flushed before the write began. */
		pa = gpa_page_release(g, page);
		if (pa)
			pmm_free(pa, 1);
		break;
	case SWAP_ACT_MAP_BACK:
		pr_warn("vm %s: swap: writing guest page %#llx to %s failed (error %d); it stays resident",
			sw->vm->name, (unsigned long long)page, sw->part->bd->name, q->r.status);
		gpa_page_restore(g, page);
		break;
	default:
		break;
	}
}

/* A read of the disk image landed: each page mapped (write-protected:
 * still associated), or back in the image if only read ahead. */
static void image_done(struct swapper *sw, struct swap_req *q, bool ok)
{
	struct gpa_map *g = &sw->vm->mem;

	if (!ok)
		sw->image_errors++;
	for (u32 i = 0; i < q->npages; i++) {
		u64 page = gpa_index_page(g, q->idxs[i]);
		u8 wake = 0;

		if (swprev_read_landed(sw, q->idxs[i], q->pas[i], ok, &wake)) {
			pmm_free(q->pas[i], 1);
			swapper_wake(sw, wake);
			continue;
		}
		switch (swap_read_done(&sw->s, q->idxs[i], ok, &wake)) {
		case SWAP_ACT_MAP:
			if (!gpa_page_install(g, page, q->pas[i])) {
				q->pas[i] = 0;
				break;
			}
			/* fall through */
		case SWAP_ACT_STOP:
			vm_note_stop(sw->vm, "swap: guest page %#llx could not be read back from its disk image (error %d): its content is lost",
				     (unsigned long long)page, q->r.status);
			break;
		default:
			break;
		}
		if (q->pas[i])
			pmm_free(q->pas[i], 1);
		swapper_wake(sw, wake);
	}
}

static void req_done(struct blk_req *r)
{
	struct swap_req *q = r->ctx;
	struct swapper *sw = q->sw;
	u64 f = spin_lock_irqsave(&sw->lock);
	u8 wake;

	if (q->image)
		image_done(sw, q, r->status == 0);
	else if (r->op == BLK_READ)
		read_done(sw, q, r->status == 0);
	else
		write_done(sw, q, r->status == 0);
	req_give(sw, q);
	wake = swap_take_frame_waiters(&sw->s);
	spin_unlock_irqrestore(&sw->lock, f);
	swapper_wake(sw, wake);
}

static bool clock_pinned(void *ctx, u64 idx)
{
	struct swapper *sw = ctx;

	return sw->holds[idx] ||
	       (gpa_page_state(&sw->vm->mem, gpa_index_page(&sw->vm->mem, idx)) & GPA_PG_PINNED);
}

static bool clock_accessed(void *ctx, u64 idx)
{
	struct swapper *sw = ctx;

	return gpa_page_test_clear_accessed(&sw->vm->mem, gpa_index_page(&sw->vm->mem, idx));
}

static const struct swap_clock_ops clock_ops = { clock_pinned, clock_accessed };

/*
 * One reclaim round for a running VM: pick victims, remove their EPT
 * entries (each with its D flag), one flush for all, then write or drop
 * each. Outside the lock only the flush, which waits for the vCPU cores
 * (a vCPU faulting on a victim meanwhile maps it back: swap_evict sees).
 */
static void reclaim(struct swapper *sw)
{
	struct gpa_map *g = &sw->vm->mem;
	u64 victims[SWAP_BATCH], drop[SWAP_BATCH], need, f;
	bool dirty[SWAP_BATCH];
	u32 n, ndrop = 0;
	u8 wake;

	f = spin_lock_irqsave(&sw->lock);
	if (swap_flush_due(&sw->s, tsc_to_ns(rdtsc()))) {
		/* Accessed bits cleared: cached translations may not set
		 * them again until dropped (asynchronously: no waiting). */
		spin_unlock_irqrestore(&sw->lock, f);
		vm_ept_changed(sw->vm);
		f = spin_lock_irqsave(&sw->lock);
	}
	need = swap_reclaim_need(&sw->s);
	/* Each victim may need a write request; reads keep their reserve. */
	if (need > SWAP_BATCH)
		need = SWAP_BATCH;
	if (need > sw->nfree - MIN(sw->nfree, (u32)SWAP_REQS_RESERVE))
		need = sw->nfree - MIN(sw->nfree, (u32)SWAP_REQS_RESERVE);
	n = need ? swap_clock_pick(&sw->s, &clock_ops, sw, victims, (u32)need) : 0;
	for (u32 i = 0; i < n; i++) {
		u64 page = gpa_index_page(g, victims[i]);
		u32 slot;

		dirty[i] = false;
		if (gpa_page_evict(g, page, &dirty[i])) {
			/* Pinned since the pick (a device's DMA): it stays. */
			sw->evict_raced++;
			swap_fault(&sw->s, victims[i], SWAP_WAITER_TERN, &slot);
		}
	}
	/* Nothing to take (every resident page held or pinned): vCPUs that
	 * wait for a frame are told to retry; swap_fault gives them one past
	 * the limit rather than leave them parked for ever. */
	wake = need && !n ? swap_take_frame_waiters(&sw->s) : 0;
	spin_unlock_irqrestore(&sw->lock, f);
	if (!n) {
		swapper_wake(sw, wake);
		return;
	}
	sw->reclaim_rounds++;
	gpa_flush(g);
	f = spin_lock_irqsave(&sw->lock);
	for (u32 i = 0; i < n; i++) {
		u64 page = gpa_index_page(g, victims[i]), pa;
		u32 slot = SWAP_NO_SLOT;
		struct swap_req *q;

		switch (swap_evict(&sw->s, victims[i], dirty[i], &slot)) {
		case SWAP_ACT_DROP:
			/* Clean, and the slot has it: no write. */
			pa = gpa_page_release(g, page);
			if (pa)
				drop[ndrop++] = pa;
			break;
		case SWAP_ACT_WRITE:
			q = req_take(sw);
			if (q) {
				submit(sw, q, BLK_WRITE, victims[i], gpa_page_frame(g, page), slot);
				break;
			}
			/* Reads took the requests meanwhile: as a failed
			 * write, the page stays; a later round tries again. */
			if (swap_write_done(&sw->s, victims[i], false, false) == SWAP_ACT_MAP_BACK)
				gpa_page_restore(g, page);
			break;
		case SWAP_ACT_MAP_BACK:
			/* No slot free in the area: it stays. */
			gpa_page_restore(g, page);
			break;
		default:
			break;
		}
	}
	wake = swap_take_frame_waiters(&sw->s);
	spin_unlock_irqrestore(&sw->lock, f);
	for (u32 i = 0; i < ndrop; i++)
		pmm_free(drop[i], 1);
	swapper_wake(sw, wake);
}

void swapper_poll(void)
{
	for (u32 i = 0; i < nvms; i++) {
		struct swapper *sw = vms[i]->swapper;

		if (sw && sw->live && vms[i]->state == VM_RUNNING) {
			swprev_poll(sw);
			reclaim(sw);
		}
	}
}

/* --- a VM's start and stop --- */

static struct swap_part *part_get(struct blk_dev *bd)
{
	struct swap_part *free_part = NULL;

	for (u32 i = 0; i < SWAP_PARTS_MAX; i++) {
		if (parts[i].bd == bd)
			return &parts[i];
		if (!parts[i].bd && !free_part)
			free_part = &parts[i];
	}
	if (!free_part || swap_dev_init(&free_part->dev, bd->nblocks * bd->block_size,
					bd->block_size))
		return NULL;
	free_part->bd = bd;
	free_part->areas = 0;
	return free_part;
}

static void part_put(struct swap_part *p)
{
	if (--p->areas)
		return;
	/* Nobody swaps there any more: the partition is free again. */
	if (p->bd->user == swap_user) {
		p->bd->user = NULL;
		p->bd->user_rw = false;
	}
	p->bd = NULL;
}

int swapper_vm_attach(struct vm *vm, char *err, size_t n)
{
	struct gpa_map *g = &vm->mem;
	struct swapper *sw = vm->swapper;
	u64 npages = g->ram_size / PAGE_SIZE, limit = config_resident(&vm->cfg) / PAGE_SIZE;
	struct blk_dev *bd;

	if (!g->sparse)
		return 0;
	if (!sw) {
		sw = calloc(1, sizeof(*sw));
		if (!sw) {
			snprintf(err, n, "out of memory for the swapper");
			return -1;
		}
		vm->swapper = sw;
	}
	memset(sw, 0, sizeof(*sw));
	sw->lock = (spinlock_t)SPINLOCK_INIT;
	sw->vm = vm;
	bd = blk_find(vm->cfg.swap);
	sw->part = bd ? part_get(bd) : NULL;
	if (!sw->part) {
		snprintf(err, n, "swap %s: no room for another swap partition", vm->cfg.swap);
		return -1;
	}
	/* A slot for every page if it can (a written page keeps its slot),
	 * at least one for every page that cannot be resident. */
	sw->area = swap_area_carve(&sw->part->dev, vm->name, (u32)npages, (u32)(npages - limit));
	if (!sw->area) {
		u32 longest = 0;

		swap_dev_free(&sw->part->dev, &longest);
		snprintf(err, n, "swap %s: %u free slots in one run, the VM needs at least %llu (memory - resident)",
			 bd->name, longest, (unsigned long long)(npages - limit));
		if (!sw->part->areas)
			sw->part->bd = NULL;
		return -1;
	}
	sw->part->areas++;
	bd->user = swap_user;
	bd->user_rw = true;
	sw->holds = calloc(npages, sizeof(*sw->holds));
	if (!sw->holds || swap_vm_init(&sw->s, npages, limit, sw->area)) {
		free(sw->holds);
		sw->holds = NULL;
		swap_area_release(&sw->part->dev, sw->area);
		part_put(sw->part);
		snprintf(err, n, "out of memory for the swapper's page records");
		return -1;
	}
	sw->mapper = mapper_mode(vm);
	if (sw->mapper) {
		if (swap_assoc_init(&sw->assoc, npages)) {
			swap_vm_destroy(&sw->s);
			free(sw->holds);
			sw->holds = NULL;
			swap_area_release(&sw->part->dev, sw->area);
			part_put(sw->part);
			snprintf(err, n, "out of memory for the Swap Mapper's table");
			return -1;
		}
		sw->s.assoc = &sw->assoc;
	}
	for (u32 i = 0; i < SWAP_REQS; i++)
		req_give(sw, &sw->reqs[i]);
	sw->min_free_reqs = sw->nfree;
	sw->fh = (struct gpa_fault_handler){
		.fn = swapper_fault, .ctx = sw, .state_bit = GPA_PG_NOACCESS,
	};
	gpa_add_fault_handler(g, &sw->fh);
	/* The guest's first write to a page a disk read filled (all modes:
	 * the Mapper's association, everyone's silent-write count). */
	sw->wp_fh = (struct gpa_fault_handler){
		.fn = swapper_wp_fault, .ctx = sw, .state_bit = GPA_PG_WP,
	};
	gpa_add_fault_handler(g, &sw->wp_fh);
	gpa_set_access(g, &access_ops, sw);
	swprev_attach(sw, &vm->cfg);
	/* Every core of the VM has them (swapper_vm_start checked). */
	gpa_set_ad(g, true);
	sw->live = true;
	log_printf(vm->resets > 3 ? LOG_DEBUG : LOG_INFO,
		   "vm %s: overcommitted: %llu MiB resident of %llu MiB, swap area of %u slots on %s, swap_mode %s%s",
		   vm->name, (unsigned long long)(limit * PAGE_SIZE >> 20),
		   (unsigned long long)(npages * PAGE_SIZE >> 20), sw->area->nslots, bd->name,
		   config_swap_mode_name(vm->cfg.swap_mode), mode_note(vm));
	return 0;
}

void swapper_vm_release(struct vm *vm)
{
	struct swapper *sw = vm->swapper;
	u64 f;

	if (!sw || !sw->live)
		return;
	/* No new faults or accesses; the requests out must land before the
	 * frames they move go back (they time out in BLK_TIMEOUT_NS). */
	f = spin_lock_irqsave(&sw->lock);
	sw->live = false;
	spin_unlock_irqrestore(&sw->lock, f);
	gpa_remove_fault_handler(&vm->mem, &sw->fh);
	gpa_remove_fault_handler(&vm->mem, &sw->wp_fh);
	gpa_set_access(&vm->mem, NULL, NULL);
	while (__atomic_load_n(&sw->nfree, __ATOMIC_ACQUIRE) < SWAP_REQS)
		blk_service();
	/* After the last read landed: the buffers not mapped go back. */
	swprev_release(sw);
	/* The frames still in the map go with it (gpa_map_destroy). */
	swap_vm_destroy(&sw->s);
	swap_assoc_destroy(&sw->assoc);
	sw->s.assoc = NULL;
	swap_area_release(&sw->part->dev, sw->area);
	part_put(sw->part);
	free(sw->holds);
	sw->holds = NULL;
	sw->area = NULL;
}

/* --- what the operator sees --- */

bool swapper_counts(const struct vm *vm, struct swapper_counts *c)
{
	const struct swapper *sw = vm->swapper;

	memset(c, 0, sizeof(*c));
	if (!sw)
		return false;
	c->out_written = sw->s.out_written;
	c->out_dropped = sw->s.out_dropped;
	c->in_swap = sw->s.in_swap;
	c->in_image = sw->s.in_image;
	c->in_zero = sw->s.in_zero;
	c->silent_writes = sw->s.silent_writes;
	c->silent_avoided = sw->s.dropped_image;
	c->stale_reads = sw->s.stale_reads;
	c->stale_avoided = sw->s.stale_avoided;
	c->false_reads_avoided = sw->prev.c.false_reads_avoided;
	c->prefetched = sw->s.prefetched;
	c->prefetch_used = sw->s.prefetch_used;
	c->mapper = sw->mapper;
	c->prevent = sw->prevent;
	_Static_assert(ARRAY_SIZE(c->prev_ended) == PREV_END_COUNT, "prev_ended");
	memcpy(c->prev_ended, sw->prev.c.ended, sizeof(c->prev_ended));
	_Static_assert(ARRAY_SIZE(c->reads_for) == SWAP_FOR_COUNT, "reads_for");
	memcpy(c->reads_for, sw->reads_for, sizeof(c->reads_for));
	c->resident_bytes = sw->live ? sw->s.frames * PAGE_SIZE : 0;
	return true;
}

void swapper_show(const struct vm *vm)
{
	const struct swapper *sw = vm->swapper;
	const struct swap_vm *s;

	if (!sw)
		return;
	s = &sw->s;
	console_printf("swap (%s, limit %llu pages%s): %llu written out, %llu dropped (clean, in swap), %llu read back, %llu zero-filled; %llu touched while writing out\n",
		       vm->cfg.swap, (unsigned long long)s->limit, sw->live ? "" : ", stopped",
		       (unsigned long long)s->out_written, (unsigned long long)s->out_dropped,
		       (unsigned long long)s->in_swap, (unsigned long long)s->in_zero,
		       (unsigned long long)s->cancels);
	console_printf("  vCPU waits: %llu on reads, %llu for a frame; tern's accesses %llu (%llu waited for a read, %llu refused: could not wait); frames past the limit %llu\n",
		       (unsigned long long)s->waits_read, (unsigned long long)s->waits_frame,
		       (unsigned long long)sw->tern_gets, (unsigned long long)sw->tern_waits,
		       (unsigned long long)sw->tern_refused, (unsigned long long)s->over_limit);
	if (s->inconsistent)
		console_printf("  inconsistencies caught: %llu (a clean copy claimed without a slot; written instead)\n",
			       (unsigned long long)s->inconsistent);
	console_printf("  reclaim rounds %llu, pages scanned %llu, pinned passed %llu, area full %llu, write errors %llu, read errors %llu, fewest free requests %llu of %u\n",
		       (unsigned long long)sw->reclaim_rounds, (unsigned long long)s->scanned,
		       (unsigned long long)s->skipped_pinned, (unsigned long long)s->area_full,
		       (unsigned long long)s->write_errors, (unsigned long long)s->read_errors,
		       (unsigned long long)sw->min_free_reqs, SWAP_REQS);
	/* The five problems of thesis §4.3, as far as tern sees them. */
	console_printf("  problems: silent writes %llu (disk-read pages written to swap), %llu avoided (dropped: in the image); stale reads %llu, %llu avoided; false reads avoided %llu\n",
		       (unsigned long long)s->silent_writes, (unsigned long long)s->dropped_image,
		       (unsigned long long)s->stale_reads, (unsigned long long)s->stale_avoided,
		       (unsigned long long)sw->prev.c.false_reads_avoided);
	/* Every false read is among the first: an upper bound on them. */
	console_printf("  reads started for: a guest store %llu (false reads at most), a guest load, fetch or page walk %llu, tern %llu; read ahead %llu\n",
		       (unsigned long long)sw->reads_for[SWAP_FOR_GUEST_WRITE],
		       (unsigned long long)sw->reads_for[SWAP_FOR_GUEST_READ],
		       (unsigned long long)sw->reads_for[SWAP_FOR_TERN],
		       (unsigned long long)s->prefetched);
	swprev_show(sw);
	if (!sw->mapper) {
		console_printf("  Swap Mapper: off (swap_mode baseline)\n");
		return;
	}
	console_printf("  Swap Mapper: %llu pages associated now, %llu made, %llu broken (%llu by guest write faults), %llu fills not associated (a vCPU had not dropped its rights yet)\n",
		       (unsigned long long)sw->assoc.count,
		       (unsigned long long)s->assoc_made, (unsigned long long)s->assoc_broken,
		       (unsigned long long)sw->wp_faults, (unsigned long long)sw->fill_unarmed);
	console_printf("  image reads: %llu requests, %llu pages (%llu read back, %llu read ahead, %llu of those used), %llu errors; disk writes settled %llu pages (%llu read back first; writes held back for want of requests %llu)\n",
		       (unsigned long long)sw->image_reqs, (unsigned long long)sw->image_pages,
		       (unsigned long long)s->in_image, (unsigned long long)s->prefetched,
		       (unsigned long long)s->prefetch_used, (unsigned long long)sw->image_errors,
		       (unsigned long long)s->settled, (unsigned long long)s->settle_reads,
		       (unsigned long long)sw->settle_waits);
}

void swapper_mem_line(const struct vm *vm)
{
	struct swapper *sw = vm->swapper;
	u64 count[5], f;

	if (!sw || !sw->live)
		return;
	f = spin_lock_irqsave(&sw->lock);
	swap_count(&sw->s, count);
	spin_unlock_irqrestore(&sw->lock, f);
	console_printf("overcommitted: %llu of at most %llu frames held (%llu KiB); pages %llu resident, %llu writing out, %llu swapped, %llu reading, %llu never touched; area of %u slots on %s from slot %u, %u used\n",
		       (unsigned long long)sw->s.frames, (unsigned long long)sw->s.limit,
		       (unsigned long long)(sw->s.frames * PAGE_SIZE >> 10),
		       (unsigned long long)count[SWP_RESIDENT], (unsigned long long)count[SWP_WRITING],
		       (unsigned long long)count[SWP_SWAPPED], (unsigned long long)count[SWP_READING],
		       (unsigned long long)count[SWP_ZERO], sw->area->nslots, sw->part->bd->name,
		       sw->area->base, sw->area->used);
	console_printf("swap: %llu written out, %llu dropped (%llu of them in the image: silent writes avoided), %llu read from swap, %llu from the image (%llu read ahead, %llu used); stale reads avoided %llu, false reads avoided %llu\n",
		       (unsigned long long)sw->s.out_written, (unsigned long long)sw->s.out_dropped,
		       (unsigned long long)sw->s.dropped_image, (unsigned long long)sw->s.in_swap,
		       (unsigned long long)sw->s.in_image, (unsigned long long)sw->s.prefetched,
		       (unsigned long long)sw->s.prefetch_used, (unsigned long long)sw->s.stale_avoided,
		       (unsigned long long)sw->prev.c.false_reads_avoided);
	if (sw->prevent && sw->prev.active)
		console_printf("False Reads Preventer: %u pages under emulation, %llu buffer frames held (outside the limit)\n",
			       sw->prev.active, (unsigned long long)sw->prev_frames);
	if (sw->mapper)
		console_printf("Swap Mapper: %llu pages associated with blocks of the VM's disk; table %llu KiB (9 bytes a guest page)\n",
			       (unsigned long long)sw->assoc.count,
			       (unsigned long long)(swap_assoc_bytes(&sw->assoc) >> 10));
}
