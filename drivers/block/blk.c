// SPDX-License-Identifier: GPL-2.0
/*
 * The block layer: the registry of disks and partitions, and the life of
 * a request. Three lists under one lock: queued (submitted from any
 * core), active (started on a driver), done (waiting for done() on the
 * management core). blk_complete() only moves a request from active to
 * done, so a driver may call it from its interrupt handler; a request
 * that timed out has left the active list already, and a late completion
 * of it is dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/tsc.h"
#include "drivers/block/blk.h"
#include "drivers/block/part.h"
#include "mm/kmem.h"
#include "mm/pmm.h"

enum { R_QUEUED = 1, R_ACTIVE, R_DONE };

struct blk_dev *blk_devs[BLK_DEVS_MAX];
u32 blk_ndevs;

static spinlock_t lock = SPINLOCK_INIT;
u64 blk_irq_tsc;

void blk_tsc_start(struct blk_tsc *t)
{
	t->irq0 = __atomic_load_n(&blk_irq_tsc, __ATOMIC_RELAXED);
	t->t0 = rdtsc();
}

u64 blk_tsc_elapsed(const struct blk_tsc *t)
{
	u64 all = rdtsc() - t->t0;
	u64 irq = __atomic_load_n(&blk_irq_tsc, __ATOMIC_RELAXED) - t->irq0;

	return all > irq ? all - irq : 0;
}

void blk_charge_irq(struct blk_dev *d, u64 t0)
{
	u64 t = rdtsc() - t0;

	/* Management core only (single writer): plain adds, atomic loads. */
	__atomic_store_n(&d->driver_tsc, d->driver_tsc + t, __ATOMIC_RELAXED);
	__atomic_store_n(&blk_irq_tsc, blk_irq_tsc + t, __ATOMIC_RELAXED);
}

static void charge(struct blk_dev *d, const struct blk_tsc *t)
{
	__atomic_store_n(&d->driver_tsc, d->driver_tsc + blk_tsc_elapsed(t), __ATOMIC_RELAXED);
}
static struct blk_req *queued, *active, *done_head, *done_tail;
/* Requests moved to done, ever: whether a poll found work (timed) or
 * only looked while a request was on the disk (waiting, not timed). */
static u64 npushed;

static void push_done(struct blk_req *r)
{
	__atomic_store_n(&npushed, npushed + 1, __ATOMIC_RELAXED);
	r->state = R_DONE;
	r->next = NULL;
	if (done_tail)
		done_tail->next = r;
	else
		done_head = r;
	done_tail = r;
}

static bool unlink_active(struct blk_req *r)
{
	for (struct blk_req **p = &active; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			return true;
		}
	}
	return false;
}

struct blk_dev *blk_find(const char *name)
{
	return blk_lookup(blk_devs, blk_ndevs, name);
}

void blk_submit(struct blk_dev *d, struct blk_req *r)
{
	const char *why = NULL;
	int err;
	u64 f;

	r->dev = d;
	r->status = 0;
	r->drv = NULL;
	r->next = NULL;
	err = blk_req_check(d, r, &why);
	blk_req_map(d, r->lba, &r->dev_lba);
	for (struct blk_dev *p = d; p; p = p->parent)
		__atomic_fetch_add(&p->in_flight, 1, __ATOMIC_RELAXED);
	f = spin_lock_irqsave(&lock);
	if (err) {
		pr_debug("blk: %s: %s request refused: %s", d->name, blk_op_name(r->op), why);
		r->status = err;
		push_done(r);
	} else {
		/* Appended: requests start in the order they came. */
		struct blk_req **p = &queued;

		while (*p)
			p = &(*p)->next;
		r->state = R_QUEUED;
		*p = r;
	}
	spin_unlock_irqrestore(&lock, f);
}

void blk_complete(struct blk_req *r, int status)
{
	u64 f = spin_lock_irqsave(&lock);

	/* Not active: it timed out and was aborted; this is the late echo. */
	if (r->state == R_ACTIVE && unlink_active(r)) {
		r->status = status;
		push_done(r);
	}
	spin_unlock_irqrestore(&lock, f);
}

static struct blk_dev *root_of(struct blk_dev *d)
{
	while (d->parent)
		d = d->parent;
	return d;
}

/* Hand queued requests to their drivers; -EBUSY ones wait, in order. */
static void start_queued(void)
{
	struct blk_req *list, *busy = NULL, **busy_tail = &busy;
	u64 f = spin_lock_irqsave(&lock);

	list = queued;
	queued = NULL;
	spin_unlock_irqrestore(&lock, f);
	while (list) {
		struct blk_req *r = list;
		struct blk_dev *root = root_of(r->dev);
		struct blk_tsc t;
		int rc;

		blk_tsc_start(&t);
		list = r->next;
		f = spin_lock_irqsave(&lock);
		r->state = R_ACTIVE;
		r->deadline = rdtsc() + tsc_hz() / 1000 * (BLK_TIMEOUT_NS / 1000000);
		r->next = active;
		active = r;
		spin_unlock_irqrestore(&lock, f);
		/* An injected fault: the disk "stops answering" (the request
		 * times out) or fails; the driver never sees the request. */
		r->held = root->fault == BLK_FAULT_HANG;
		if (r->held) {
			charge(root, &t);
			continue;
		}
		/* Unlocked: the driver may complete r at once (polled PIO). */
		rc = root->fault == BLK_FAULT_ERROR ? -EIO : root->ops->start(root, r);
		if (rc == -EBUSY) {
			f = spin_lock_irqsave(&lock);
			unlink_active(r);
			r->state = R_QUEUED;
			spin_unlock_irqrestore(&lock, f);
			r->next = NULL;
			*busy_tail = r;
			busy_tail = &r->next;
		} else if (rc) {
			blk_complete(r, rc);
		}
		charge(root, &t);
	}
	if (busy) {
		/* Ahead of what was submitted meanwhile. */
		f = spin_lock_irqsave(&lock);
		*busy_tail = queued;
		queued = busy;
		spin_unlock_irqrestore(&lock, f);
	}
}

static void time_out(void)
{
	struct blk_req *late = NULL, *r;
	u64 now = rdtsc(), f = spin_lock_irqsave(&lock);

	for (struct blk_req **p = &active; *p;) {
		r = *p;
		if ((s64)(now - r->deadline) > 0) {
			*p = r->next;
			r->state = R_DONE;
			r->next = late;
			late = r;
		} else {
			p = &r->next;
		}
	}
	spin_unlock_irqrestore(&lock, f);
	while (late) {
		struct blk_dev *root;

		r = late;
		late = r->next;
		root = root_of(r->dev);
		pr_warn("blk: %s: %s of %u blocks at %llu timed out", r->dev->name,
			blk_op_name(r->op), r->count, (unsigned long long)r->lba);
		/* The device must not DMA into r once done() has run. */
		if (root->ops->abort && !r->held)
			root->ops->abort(root, r);
		r->status = -ETIMEDOUT;
		f = spin_lock_irqsave(&lock);
		push_done(r);
		spin_unlock_irqrestore(&lock, f);
	}
}

static void account(struct blk_req *r)
{
	for (struct blk_dev *p = r->dev; p; p = p->parent) {
		if (r->status) {
			p->errors++;
			if (r->status == -ETIMEDOUT)
				p->timeouts++;
		} else if ((u32)r->op < BLK_OPS) {
			p->nops[r->op]++;
			p->bytes[r->op] += (u64)r->count * p->block_size;
		}
		__atomic_fetch_sub(&p->in_flight, 1, __ATOMIC_RELAXED);
	}
}

void blk_service(void)
{
	struct blk_req *list;
	u64 f;

	start_queued();
	for (u32 i = 0; i < blk_ndevs; i++)
		if (!blk_devs[i]->parent && blk_devs[i]->ops->poll) {
			u64 n0 = __atomic_load_n(&npushed, __ATOMIC_RELAXED);
			struct blk_tsc t;

			blk_tsc_start(&t);
			blk_devs[i]->ops->poll(blk_devs[i]);
			/* The management core polls without pause: only a poll
			 * that completed something is the driver's work. */
			if (__atomic_load_n(&npushed, __ATOMIC_RELAXED) != n0)
				charge(blk_devs[i], &t);
		}
	time_out();
	f = spin_lock_irqsave(&lock);
	list = done_head;
	done_head = done_tail = NULL;
	spin_unlock_irqrestore(&lock, f);
	while (list) {
		struct blk_req *r = list;
		struct blk_tsc t;

		blk_tsc_start(&t);
		list = r->next;
		account(r);
		charge(root_of(r->dev), &t);
		if (r->done)
			r->done(r);
	}
}

static void sync_done(struct blk_req *r)
{
	__atomic_store_n((bool *)r->ctx, true, __ATOMIC_RELEASE);
}

int blk_io_sync(struct blk_dev *d, enum blk_op op, u64 lba, u32 count,
		const struct blk_seg *segs, u32 nsegs)
{
	struct blk_req r;
	bool finished = false;

	memset(&r, 0, sizeof(r));
	r.op = op;
	r.lba = lba;
	r.count = count;
	r.nsegs = MIN(nsegs, (u32)BLK_SEGS_MAX);
	memcpy(r.segs, segs, r.nsegs * sizeof(*segs));
	r.done = sync_done;
	r.ctx = &finished;
	blk_submit(d, &r);
	/* Interrupts stay on: a driver's completion interrupt lands here. */
	while (!__atomic_load_n(&finished, __ATOMIC_ACQUIRE)) {
		blk_service();
		cpu_relax();
	}
	return r.status;
}

/* ---- registration and partitions ---- */

struct scan_ctx {
	struct blk_dev *d;
	u64 pa;
	void *va;
};

static int scan_read(void *arg, u64 lba, void *buf)
{
	struct scan_ctx *c = arg;
	struct blk_seg s = { c->pa, c->d->block_size };

	if (blk_io_sync(c->d, BLK_READ, lba, 1, &s, 1))
		return -1;
	memcpy(buf, c->va, c->d->block_size);
	return 0;
}

static void add_partitions(struct blk_dev *d)
{
	struct part_table *t = malloc(sizeof(*t));
	void *buf = malloc(d->block_size);
	struct scan_ctx c = { .d = d, .pa = pmm_alloc(1) };
	int n;

	if (!t || !buf || !c.pa || d->block_size > PAGE_SIZE) {
		snprintf(d->why, sizeof(d->why), "partitions not read (no memory)");
		goto out;
	}
	c.va = phys_to_virt(c.pa);
	n = part_scan(scan_read, &c, d->nblocks, d->block_size, buf, t);
	snprintf(d->why, sizeof(d->why), "%s", t->why);
	if (n < 0) {
		pr_warn("blk: %s: %s partition table refused: %s", d->name, t->scheme, t->why);
		goto out;
	}
	if (t->why[0])
		pr_info("blk: %s: %s", d->name, t->why);
	for (u32 i = 0; i < t->n; i++) {
		struct blk_dev *p = calloc(1, sizeof(*p));

		if (!p)
			break;
		snprintf(p->name, sizeof(p->name), "%sp%u", d->name, t->p[i].number);
		memcpy(p->model, d->model, sizeof(p->model));
		snprintf(p->label, sizeof(p->label), "%s", t->p[i].label);
		p->nblocks = t->p[i].count;
		p->block_size = d->block_size;
		p->parent = d;
		p->start = t->p[i].start;
		p->partno = t->p[i].number;
		if (blk_register(p)) {
			free(p);
			break;
		}
		pr_info("blk: %s: %s partition %u, blocks %llu-%llu%s%s%s", p->name, t->scheme,
			p->partno, (unsigned long long)p->start,
			(unsigned long long)(p->start + p->nblocks - 1),
			p->label[0] ? " '" : "", p->label, p->label[0] ? "'" : "");
	}
out:
	if (c.pa)
		pmm_free(c.pa, 1);
	free(buf);
	free(t);
}

int blk_register(struct blk_dev *d)
{
	if (blk_ndevs == BLK_DEVS_MAX) {
		pr_warn("blk: %s not registered: %u devices already", d->name, BLK_DEVS_MAX);
		return -1;
	}
	blk_devs[blk_ndevs++] = d;
	if (!d->parent && d->ops)
		add_partitions(d);
	return 0;
}
