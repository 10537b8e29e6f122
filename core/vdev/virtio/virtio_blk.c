// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <errno.h>
#include <string.h>

#include "core/le.h"
#include "core/vdev/virtio/virtio_blk.h"

const char *const vblk_kind_names[VBLK_KINDS] = { "in", "out", "flush", "get_id", "unsupported" };

static struct vblk *of(struct virtio_pci *vp)
{
	return vp->dev;
}

/* --- device configuration --- */

static u32 cfg_read(struct virtio_pci *vp, u32 off, u32 size)
{
	struct vblk *b = of(vp);
	u8 c[VBLK_CFG_SIZE];
	u32 v = 0;

	if (off >= VBLK_CFG_SIZE || size > VBLK_CFG_SIZE - off)
		return 0;
	memset(c, 0, sizeof(c));
	put64(c + VBLK_CFG_CAPACITY, b->capacity);
	put32(c + VBLK_CFG_SIZE_MAX, VBLK_SIZE_MAX);
	put32(c + VBLK_CFG_SEG_MAX, VBLK_SEG_MAX);
	put32(c + VBLK_CFG_BLK_SIZE, VBLK_BLOCK);
	for (u32 i = 0; i < size; i++)
		v |= (u32)c[off + i] << (8 * i);
	return v;
}

/* --- requests --- */

static struct vblk_req *free_slot(struct vblk *b)
{
	for (u32 i = 0; i < VBLK_QUEUE_SIZE; i++)
		if (!b->reqs[i].busy)
			return &b->reqs[i];
	return NULL;
}

static void unpin_all(struct vblk *b, struct vblk_req *r)
{
	for (u32 i = 0; i < r->npins; i++) {
		b->ops->unpin(b, r->pins[i]);
		b->unpins++;
	}
	r->npins = 0;
}

/* The status byte (the chain's last writable byte), then the used ring:
 * written bytes of data plus the status. */
static void finish(struct vblk *b, struct vblk_req *r, u8 status, u32 written)
{
	struct virtq *q = &b->vp.vq[0];
	int rc;

	if (status == VIRTIO_BLK_S_IOERR)
		b->ioerr++;
	r->busy = false;
	if (!q->ready)
		return;			/* reset under way: the driver forgot it */
	rc = vq_chain_write(q, &r->chain, r->chain.write_len - 1, &status, 1);
	if (!rc)
		rc = vq_push(q, r->chain.head, written + 1);
	if (rc)
		virtio_pci_set_needs_reset(&b->vp, vq_strerror(rc));
}

/* The guest pages [off, off+len) of the chain's data cover, pinned, as
 * host segments one per page. 0; -EAGAIN (a page not at hand yet); or
 * another negative errno: not RAM or not allowed (the caller's vIOMMU),
 * or too many segments. A read request's data page written whole with
 * one 4 KiB block (first: the request's first block) records the block. */
static int map_data(struct vblk *b, struct vblk_req *r, bool write_part, u32 off, u32 len,
		    u64 first)
{
	const struct vq_chain *c = &r->chain;
	struct blk_req *br = &r->br;
	u32 done = 0;

	for (u32 k = write_part ? c->nread : 0; len && k < (write_part ? c->n : c->nread); k++) {
		const struct vq_buf *buf = &c->buf[k];
		u64 gpa;		/* the device's address */
		u32 n;

		if (off >= buf->len) {
			off -= buf->len;
			continue;
		}
		gpa = buf->addr + off;
		n = MIN(len, buf->len - off);
		len -= n;
		off = 0;
		while (n) {
			u64 page = gpa & PAGE_MASK, hpa, pinned;
			u32 piece = (u32)MIN((u64)n, page + PAGE_SIZE - gpa);
			bool whole = piece == PAGE_SIZE && !(done % VBLK_BLOCK);
			int rc;

			/* The device writes the data of a read request, and
			 * reads a write request's. */
			if (br->nsegs >= BLK_SEGS_MAX)
				return -E2BIG;
			rc = b->ops->pin(b, page, write_part ?
					 VBLK_PIN_WRITE | (whole ? VBLK_PIN_WHOLE : 0) :
					 (whole ? VBLK_PIN_SOURCE : 0), &hpa, &pinned);
			if (rc)
				return rc;
			r->blocks[r->npins] = whole ? first + done / VBLK_BLOCK : VBLK_NO_BLOCK;
			r->pins[r->npins++] = pinned;
			b->pins++;
			br->segs[br->nsegs++] = (struct blk_seg){ hpa + (gpa - page), piece };
			gpa += piece;
			n -= piece;
			done += piece;
		}
	}
	return len ? -EINVAL : 0;
}

/* Undo a start that cannot finish yet: the slot keeps the chain and goes
 * first at vblk_retry. false, for start's caller. (Every defer comes
 * before the request is counted.) */
static bool defer(struct vblk *b, struct vblk_req *r)
{
	unpin_all(b, r);
	b->deferred = r;
	b->deferrals++;
	return false;
}

/* The status byte's page, pinned for the completion (the caller's
 * choice: an overcommitted VM's page must be at hand then). 0, -EAGAIN,
 * or another error (left to the completion's write to report). */
static int pin_status(struct vblk *b, struct vblk_req *r)
{
	const struct vq_chain *c = &r->chain;
	u32 at = c->write_len - 1;

	if (!b->pin_status)
		return 0;
	for (u32 k = c->nread; k < c->n; k++) {
		u64 hpa, pinned;
		int rc;

		if (at >= c->buf[k].len) {
			at -= c->buf[k].len;
			continue;
		}
		rc = b->ops->pin(b, (c->buf[k].addr + at) & PAGE_MASK, VBLK_PIN_WRITE, &hpa,
				 &pinned);
		if (rc)
			return rc;
		r->blocks[r->npins] = VBLK_NO_BLOCK;
		r->pins[r->npins++] = pinned;
		b->pins++;
		return 0;
	}
	return -EINVAL;
}

/* A read or write: checked against the disk, then to the host. 1:
 * submitted; 0: answered already (*status); -EAGAIN: deferred. */
static int start_rw(struct vblk *b, struct vblk_req *r, bool out, u64 sector, u8 *status)
{
	const struct vq_chain *c = &r->chain;
	u32 bs = b->disk->block_size;
	u32 len = out ? c->read_len - VBLK_HDR_SIZE : c->write_len - 1;
	u64 first = sector / (VBLK_BLOCK / VBLK_SECTOR);
	int rc;

	*status = VIRTIO_BLK_S_IOERR;
	r->data_len = len;
	/* Refused before the host: a read-only disk, blocks not the 4 KiB
	 * the guest was told, past the end. */
	if ((out && b->ro) || len % VBLK_BLOCK || sector % (VBLK_BLOCK / VBLK_SECTOR) ||
	    sector > b->capacity || len / VBLK_SECTOR > b->capacity - sector) {
		b->refused++;
		return 0;
	}
	if (!len) {
		*status = VIRTIO_BLK_S_OK;
		return 0;
	}
	/* Pages that hold the old content of the blocks let go of it first. */
	if (out && b->ops->settle && b->ops->settle(b, first, len / VBLK_BLOCK) == -EAGAIN)
		return -EAGAIN;
	memset(&r->br, 0, sizeof(r->br));
	rc = map_data(b, r, !out, out ? VBLK_HDR_SIZE : 0, len, first);
	if (rc == -EAGAIN)
		return rc;
	if (rc) {
		unpin_all(b, r);
		b->refused++;
		return 0;
	}
	r->br.op = out ? BLK_WRITE : BLK_READ;
	r->br.lba = sector * VBLK_SECTOR / bs;
	r->br.count = len / bs;
	return 1;
}

/* Take chain r on: false if it had to be deferred (it keeps its slot). */
static bool start(struct vblk *b, struct vblk_req *r)
{
	struct virtq *q = &b->vp.vq[0];
	const struct vq_chain *c = &r->chain;
	u8 hdr[VBLK_HDR_SIZE], status = VIRTIO_BLK_S_OK;
	u32 written = 0, type;
	u64 sector;
	int rc;

	r->busy = true;
	r->npins = 0;
	/* A status byte to write (5.2.6): without one the driver cannot be
	 * answered at all. */
	if (c->write_len < 1) {
		r->busy = false;
			b->requests[VBLK_UNSUPP]++;
		virtio_pci_set_needs_reset(&b->vp, "request without a status byte");
		return true;
	}
	rc = vq_chain_read(q, c, 0, hdr, sizeof(hdr));
	if (rc == VQ_ERR_AGAIN || (!rc && pin_status(b, r) == -EAGAIN))
		return defer(b, r);
	if (rc) {
		b->requests[VBLK_UNSUPP] ++;
		finish(b, r, VIRTIO_BLK_S_IOERR, 0);
		return true;
	}
	type = rd32(hdr);
	sector = rd64(hdr + 8);
	switch (type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		r->kind = type == VIRTIO_BLK_T_IN ? VBLK_IN : VBLK_OUT;
		rc = start_rw(b, r, type == VIRTIO_BLK_T_OUT, sector, &status);
		if (rc == -EAGAIN)
			return defer(b, r);
		b->requests[r->kind] ++;
		if (rc > 0)
			goto submit;
		break;
	case VIRTIO_BLK_T_FLUSH:
		r->kind = VBLK_FLUSH;
		b->requests[VBLK_FLUSH] ++;
		memset(&r->br, 0, sizeof(r->br));
		r->data_len = 0;
		r->br.op = BLK_FLUSH;
		goto submit;
	case VIRTIO_BLK_T_GET_ID:
		r->kind = VBLK_GET_ID;
		/* The serial, NUL-padded, as much as the buffer takes (5.2.6.1). */
		written = MIN((u32)VIRTIO_BLK_ID_BYTES, c->write_len - 1);
		rc = vq_chain_write(q, c, 0, b->serial, written);
		if (rc == VQ_ERR_AGAIN)
			return defer(b, r);
		b->requests[VBLK_GET_ID] ++;
		if (rc) {
			status = VIRTIO_BLK_S_IOERR;
			written = 0;
		}
		break;
	default:
		r->kind = VBLK_UNSUPP;
		b->requests[VBLK_UNSUPP] ++;
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	finish(b, r, status, written);
	return true;
submit:
	r->br.ctx = r;
	r->br.done = NULL;		/* the caller's submit sets its own */
	b->in_flight++;
	b->host_ops++;
	b->ops->submit(b, &r->br);
	return true;
}

static void interrupt(struct vblk *b)
{
	if (vq_want_interrupt(&b->vp.vq[0])) {
		b->interrupts++;
		virtio_pci_notify_queue(&b->vp, 0);
	}
}

/* Take what the driver made available, while slots are free; what is
 * left waits for a completion to free one. A deferred request holds back
 * every later one (vblk_retry). */
static void process(struct vblk *b)
{
	struct virtq *q = &b->vp.vq[0];
	u64 pushed = q->pushed;

	b->pop_again = false;
	if (q->ready && b->ops->rings && b->ops->rings(b, true) == -EAGAIN) {
		b->pop_again = true;
		b->deferrals++;
		return;
	}
	while (q->ready && !q->broken && !b->vp.reset_pending && !b->deferred &&
	       !(b->vp.status & VIRTIO_STATUS_NEEDS_RESET)) {
		struct vblk_req *r = free_slot(b);
		int rc;

		if (!r)
			break;
		rc = vq_pop(q, &r->chain);
		if (rc == VQ_ERR_AGAIN) {
			b->pop_again = true;
			b->deferrals++;
			break;
		}
		if (rc < 0)
			virtio_pci_set_needs_reset(&b->vp, vq_strerror(rc));
		if (rc <= 0)
			break;
		start(b, r);
	}
	if (q->pushed != pushed)
		interrupt(b);
}

void vblk_retry(struct vblk *b)
{
	struct virtq *q = &b->vp.vq[0];
	struct vblk_req *r = b->deferred;
	u64 pushed = q->pushed;

	if (r) {
		b->deferred = NULL;
		if (!start(b, r))
			return;
		if (q->pushed != pushed)
			interrupt(b);
	}
	process(b);
}

static void notify(struct virtio_pci *vp, u16 q)
{
	process(of(vp));
}

void vblk_host_done(struct blk_req *br)
{
	struct vblk_req *r = br->ctx;
	struct vblk *b = r->b;
	struct virtq *q = &b->vp.vq[0];
	u64 pushed = q->pushed;
	u8 status = VIRTIO_BLK_S_OK;

	/* Pages the disk filled whole, or that a write put whole on the disk
	 * (done: the block has the page's content now), before they are let
	 * go. */
	if (!br->status && (r->kind == VBLK_IN || r->kind == VBLK_OUT) && b->ops->filled)
		for (u32 i = 0; i < r->npins; i++)
			if (r->blocks[i] != VBLK_NO_BLOCK)
				b->ops->filled(b, r->pins[i], r->blocks[i]);
	unpin_all(b, r);
	b->in_flight--;
	if (br->status) {
		/* A host error or time-out: the guest's request failed. */
		status = VIRTIO_BLK_S_IOERR;
		b->host_errors++;
		if (br->status == -ETIMEDOUT)
			b->host_timeouts++;
	} else if (r->kind == VBLK_IN) {
		b->bytes_read += r->data_len;
	} else if (r->kind == VBLK_OUT) {
		b->bytes_written += r->data_len;
	}
	finish(b, r, status, !br->status && r->kind == VBLK_IN ? r->data_len : 0);
	if (q->pushed != pushed)
		interrupt(b);
	if (!b->in_flight)
		virtio_pci_idle(&b->vp);
	process(b);
}

static bool busy(struct virtio_pci *vp)
{
	return of(vp)->in_flight != 0;
}

static void dev_reset(struct virtio_pci *vp)
{
	struct vblk *b = of(vp);

	for (u32 i = 0; i < VBLK_QUEUE_SIZE; i++)
		b->reqs[i].busy = false;
	/* A deferred request holds no pins (undone when deferred). */
	b->deferred = NULL;
	b->pop_again = false;
	if (b->ops->rings)
		b->ops->rings(b, false);
}

static void msi(struct virtio_pci *vp, u32 lo, u32 hi, u32 data)
{
	of(vp)->ops->msi(of(vp), lo, hi, data);
}

static void intx(struct virtio_pci *vp, bool level)
{
	of(vp)->ops->intx(of(vp), level);
}

static const struct virtio_pci_ops vblk_pci_ops = {
	.cfg_read = cfg_read,
	.notify = notify,
	.busy = busy,
	.reset = dev_reset,
	.msi = msi,
	.intx = intx,
};

int vblk_init(struct vblk *b, struct blk_dev *disk, bool ro, bool has_intx, const char *serial,
	      const struct vq_mem_ops *mem, void *mem_ctx, u8 *tmpl, u64 *bar_sizes,
	      const char **why)
{
	struct virtio_pci *vp = &b->vp;
	u32 bs = disk->block_size;

	if (bs < VBLK_SECTOR || bs > VBLK_BLOCK || VBLK_BLOCK % bs) {
		*why = "its block size does not divide 4096";
		return -1;
	}
	b->disk = disk;
	b->ro = ro;
	/* Whole 4 KiB blocks only: a tail smaller than one is not shown. */
	b->capacity = ALIGN_DOWN(disk->nblocks * bs / VBLK_SECTOR, VBLK_BLOCK / VBLK_SECTOR);
	memset(b->serial, 0, sizeof(b->serial));
	strncpy(b->serial, serial, sizeof(b->serial));
	b->in_flight = 0;
	b->deferred = NULL;
	b->pop_again = false;
	b->deferrals = 0;
	for (u32 i = 0; i < VBLK_QUEUE_SIZE; i++)
		b->reqs[i] = (struct vblk_req){ .b = b };
	memset(b->requests, 0, sizeof(b->requests));
	b->host_ops = b->bytes_read = b->bytes_written = b->ioerr = b->refused = 0;
	b->host_errors = b->host_timeouts = b->pins = b->unpins = b->interrupts = 0;
	b->queue_tsc = 0;

	vp->ops = &vblk_pci_ops;
	vp->dev = b;
	vp->type = VIRTIO_ID_BLOCK;
	vp->nqueues = 1;
	vp->queue_max = VBLK_QUEUE_SIZE;
	vp->nvec = VBLK_NVEC;
	vp->has_intx = has_intx;
	vp->features = BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_ACCESS_PLATFORM) |
		       BIT(VIRTIO_F_INDIRECT_DESC) | BIT(VIRTIO_BLK_F_SIZE_MAX) |
		       BIT(VIRTIO_BLK_F_SEG_MAX) | BIT(VIRTIO_BLK_F_BLK_SIZE) |
		       BIT(VIRTIO_BLK_F_FLUSH) | (ro ? BIT(VIRTIO_BLK_F_RO) : 0);
	vp->vq[0].mem = mem;
	vp->vq[0].mem_ctx = mem_ctx;
	/* The header, SEG_MAX pages of data, the status byte. */
	vp->vq[0].max_chain_len = VBLK_HDR_SIZE + VBLK_SEG_MAX * VBLK_SIZE_MAX + 1;
	virtio_pci_init(vp, tmpl, bar_sizes);
	return 0;
}
