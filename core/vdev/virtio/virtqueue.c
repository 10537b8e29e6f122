// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/le.h"
#include "core/vdev/virtio/virtqueue.h"

void vq_reset(struct virtq *q, u16 size)
{
	q->size = size;
	q->ready = false;
	q->desc = q->avail = q->used = 0;
	q->msix_vector = 0xffff;	/* VIRTIO_MSI_NO_VECTOR */
	q->last_avail = q->used_idx = 0;
	q->broken = false;
	q->last_error = VQ_OK;
}

/* A failed access with q->again set (by the caller's accessor) was a
 * page not at hand yet, not a bad address. */
static bool rd_guest(struct virtq *q, u64 gpa, void *buf, u32 len)
{
	q->again = false;
	return q->mem->read(q->mem_ctx, gpa, buf, len);
}

static bool wr_guest(struct virtq *q, u64 gpa, const void *buf, u32 len)
{
	q->again = false;
	return q->mem->write(q->mem_ctx, gpa, buf, len);
}

static bool ram(struct virtq *q, u64 gpa, u64 len)
{
	return len && gpa + len > gpa && q->mem->is_ram(q->mem_ctx, gpa, len);
}

int vq_enable(struct virtq *q)
{
	u64 n = q->size;

	/* Split queues have power-of-two sizes (2.6). */
	if (!n || (n & (n - 1)) || n > VIRTQ_SIZE_MAX)
		return VQ_ERR_LEN;
	if (!IS_ALIGNED(q->desc, VIRTQ_DESC_ALIGN) || !IS_ALIGNED(q->avail, VIRTQ_AVAIL_ALIGN) ||
	    !IS_ALIGNED(q->used, VIRTQ_USED_ALIGN))
		return VQ_ERR_ADDR;
	/* The rings with their event words (2.6.6, 2.6.8), whether or not
	 * event indices are in use. */
	if (!ram(q, q->desc, n * VIRTQ_DESC_SIZE) || !ram(q, q->avail, VIRTQ_AVAIL_RING + 2 * n + 2) ||
	    !ram(q, q->used, VIRTQ_USED_RING + VIRTQ_USED_ELEM_SIZE * n + 2))
		return VQ_ERR_ADDR;
	q->last_avail = q->used_idx = 0;
	q->broken = false;
	q->last_error = VQ_OK;
	q->ready = true;
	return VQ_OK;
}

static int fail(struct virtq *q, int err)
{
	/* Not the driver's fault: the same chain is taken again later. */
	if (err == VQ_ERR_ADDR && q->again) {
		q->again = false;
		q->deferred++;
		return VQ_ERR_AGAIN;
	}
	q->broken = true;
	q->last_error = err;
	q->errors++;
	return err;
}

static bool avail_idx(struct virtq *q, u16 *idx)
{
	u8 b[2];

	if (!rd_guest(q, q->avail + VIRTQ_AVAIL_IDX, b, 2))
		return false;
	*idx = rd16(b);
	return true;
}

bool vq_has_work(struct virtq *q)
{
	u16 idx;

	return q->ready && !q->broken && avail_idx(q, &idx) && idx != q->last_avail;
}

/* Walk the chain at head: direct descriptors, and at most one indirect
 * table (2.6.5.3), which ends the chain. */
static int walk(struct virtq *q, u16 head, struct vq_chain *c)
{
	u64 table = q->desc;
	u32 tsize = q->size, seen = 0, i = head;
	u64 limit = q->max_chain_len ? q->max_chain_len : 0xffffffffULL;
	bool indirect = false;

	memset(c, 0, offsetof(struct vq_chain, buf));
	c->head = head;
	if (head >= q->size)
		return VQ_ERR_HEAD;
	for (;;) {
		u8 d[VIRTQ_DESC_SIZE];
		u64 addr;
		u32 len;
		u16 flags;

		/* A chain visits each descriptor of its table at most once;
		 * one more means the next fields loop. */
		if (++seen > tsize)
			return VQ_ERR_LOOP;
		c->ndesc++;
		if (!rd_guest(q, table + (u64)i * VIRTQ_DESC_SIZE, d, sizeof(d)))
			return VQ_ERR_ADDR;
		addr = rd64(d + VIRTQ_DESC_ADDR);
		len = rd32(d + VIRTQ_DESC_LEN);
		flags = rd16(d + VIRTQ_DESC_FLAGS);
		if (flags & VIRTQ_DESC_F_INDIRECT) {
			/* Not inside a table, not with NEXT (2.6.5.3.1); a
			 * whole number of descriptors, no more than the queue
			 * holds. */
			if (indirect || (flags & VIRTQ_DESC_F_NEXT) || !len ||
			    len % VIRTQ_DESC_SIZE || len / VIRTQ_DESC_SIZE > q->size)
				return VQ_ERR_INDIRECT;
			if (!ram(q, addr, len))
				return VQ_ERR_ADDR;
			table = addr;
			tsize = len / VIRTQ_DESC_SIZE;
			seen = 0;
			i = 0;
			indirect = true;
			continue;
		}
		if (len) {
			bool w = flags & VIRTQ_DESC_F_WRITE;

			if (!ram(q, addr, len))
				return VQ_ERR_ADDR;
			/* Readable buffers come first (2.6.4.2). */
			if (!w && c->write_len)
				return VQ_ERR_ORDER;
			if ((u64)c->read_len + c->write_len + len > limit)
				return VQ_ERR_LEN;
			if (c->n >= VQ_CHAIN_MAX)
				return VQ_ERR_TOO_MANY;
			c->buf[c->n++] = (struct vq_buf){ addr, len, w };
			if (w) {
				c->write_len += len;
			} else {
				c->read_len += len;
				c->nread++;
			}
		}
		if (!(flags & VIRTQ_DESC_F_NEXT))
			return VQ_OK;
		i = rd16(d + VIRTQ_DESC_NEXT);
		if (i >= tsize)
			return VQ_ERR_HEAD;
	}
}

int vq_pop(struct virtq *q, struct vq_chain *c)
{
	u16 idx, head;
	u8 b[2];
	int rc;

	if (!q->ready)
		return VQ_ERR_NOT_READY;
	if (q->broken)
		return q->last_error;
	if (!avail_idx(q, &idx))
		return fail(q, VQ_ERR_ADDR);
	if (idx == q->last_avail)
		return 0;
	/* The driver makes at most size entries available ahead of us. */
	if ((u16)(idx - q->last_avail) > q->size)
		return fail(q, VQ_ERR_AVAIL_IDX);
	/* The entry only after the index that published it (2.6.13.3). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (!rd_guest(q, q->avail + VIRTQ_AVAIL_RING + 2ULL * (q->last_avail & (q->size - 1)), b, 2))
		return fail(q, VQ_ERR_ADDR);
	head = rd16(b);
	rc = walk(q, head, c);
	if (rc)
		return fail(q, rc);
	q->last_avail++;
	q->popped++;
	return 1;
}

int vq_push(struct virtq *q, u16 head, u32 len)
{
	u8 e[VIRTQ_USED_ELEM_SIZE], b[2];
	u64 at = q->used + VIRTQ_USED_RING + (u64)VIRTQ_USED_ELEM_SIZE * (q->used_idx & (q->size - 1));

	if (!q->ready)
		return VQ_ERR_NOT_READY;
	put32(e, head);
	put32(e + 4, len);
	if (!wr_guest(q, at, e, sizeof(e)))
		return fail(q, VQ_ERR_ADDR);
	/* The element before the index that publishes it (2.6.8.2). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->used_idx++;
	put16(b, q->used_idx);
	if (!wr_guest(q, q->used + VIRTQ_USED_IDX, b, 2))
		return fail(q, VQ_ERR_ADDR);
	q->pushed++;
	return VQ_OK;
}

bool vq_want_interrupt(struct virtq *q)
{
	u8 b[2];

	/* The index we wrote before the flags we read (2.6.14). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!rd_guest(q, q->avail + VIRTQ_AVAIL_FLAGS, b, 2))
		return true;
	return !(rd16(b) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/* Copy to or from one part (readable or writable) of the chain. */
static int chain_copy(struct virtq *q, const struct vq_chain *c, bool write, u32 off, void *buf,
		      u32 len)
{
	u32 part = write ? c->write_len : c->read_len;
	u8 *p = buf;

	if (off > part || len > part - off)
		return VQ_ERR_ACCESS;
	for (u32 k = write ? c->nread : 0; len && k < (write ? c->n : c->nread); k++) {
		const struct vq_buf *b = &c->buf[k];
		u32 n;

		if (off >= b->len) {
			off -= b->len;
			continue;
		}
		n = MIN(len, b->len - off);
		if (write ? !wr_guest(q, b->addr + off, p, n) : !rd_guest(q, b->addr + off, p, n))
			return q->again ? VQ_ERR_AGAIN : VQ_ERR_ADDR;
		p += n;
		len -= n;
		off = 0;
	}
	return VQ_OK;
}

int vq_chain_read(struct virtq *q, const struct vq_chain *c, u32 off, void *buf, u32 len)
{
	return chain_copy(q, c, false, off, buf, len);
}

int vq_chain_write(struct virtq *q, const struct vq_chain *c, u32 off, const void *buf, u32 len)
{
	return chain_copy(q, c, true, off, (void *)buf, len);
}

const char *vq_strerror(int err)
{
	switch (err) {
	case VQ_OK: return "no error";
	case VQ_ERR_AVAIL_IDX: return "available index moved by more than the queue size";
	case VQ_ERR_HEAD: return "descriptor index past the table";
	case VQ_ERR_LOOP: return "descriptor chain loops";
	case VQ_ERR_ADDR: return "address outside guest RAM";
	case VQ_ERR_LEN: return "length over the limits";
	case VQ_ERR_INDIRECT: return "bad indirect descriptor";
	case VQ_ERR_ORDER: return "device-readable buffer after a writable one";
	case VQ_ERR_TOO_MANY: return "too many buffers in a chain";
	case VQ_ERR_NOT_READY: return "queue not enabled";
	case VQ_ERR_ACCESS: return "access outside the chain's buffers of that direction";
	case VQ_ERR_AGAIN: return "guest page not at hand yet (being read back)";
	}
	return "unknown error";
}
