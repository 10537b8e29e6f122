/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Split virtqueues, the device's side (virtio 1.1 2.6): the driver puts
 * chains of descriptors in the descriptor table and their heads in the
 * available ring; the device takes them, does the work, and returns each
 * head with the number of bytes it wrote in the used ring.
 *
 * Everything in the rings and tables is the guest's to scribble on while
 * the device reads it, so every guest access goes through the caller's
 * accessors (which say whether an address is the guest's RAM) and every
 * index, length and flag is checked: malformed input is an error the
 * caller turns into NEEDS_RESET, never an access outside the queue or
 * outside guest RAM. Pure, unit-tested against a fake guest memory.
 */
#ifndef TERN_CORE_VDEV_VIRTIO_VIRTQUEUE_H
#define TERN_CORE_VDEV_VIRTIO_VIRTQUEUE_H

#include "core/types.h"

/* Descriptor table entry (2.6.5): 16 bytes, little-endian */
#define VIRTQ_DESC_SIZE		16
#define VIRTQ_DESC_ADDR		0	/* le64: guest address of the buffer */
#define VIRTQ_DESC_LEN		8	/* le32 */
#define VIRTQ_DESC_FLAGS	12	/* le16 */
#define VIRTQ_DESC_NEXT		14	/* le16 */
#define VIRTQ_DESC_F_NEXT	BIT(0)	/* the chain goes on at next */
#define VIRTQ_DESC_F_WRITE	BIT(1)	/* device-writable (else device-readable) */
#define VIRTQ_DESC_F_INDIRECT	BIT(2)	/* the buffer is a table of descriptors (2.6.5.3) */

/* Available ring (2.6.6): flags, idx, ring[size] (le16 each) */
#define VIRTQ_AVAIL_FLAGS	0
#define VIRTQ_AVAIL_IDX		2
#define VIRTQ_AVAIL_RING	4
#define VIRTQ_AVAIL_F_NO_INTERRUPT	BIT(0)

/* Used ring (2.6.8): flags, idx, ring[size] of { le32 id, le32 len } */
#define VIRTQ_USED_FLAGS	0
#define VIRTQ_USED_IDX		2
#define VIRTQ_USED_RING		4
#define VIRTQ_USED_ELEM_SIZE	8

/* Alignment the driver must give each part (2.6, table "Virtqueue Part Alignment") */
#define VIRTQ_DESC_ALIGN	16
#define VIRTQ_AVAIL_ALIGN	2
#define VIRTQ_USED_ALIGN	4

#define VIRTQ_SIZE_MAX		32768	/* 2.6: Queue Size is at most 32768 */
/* Buffers one chain may have, for the device's bookkeeping. */
#define VQ_CHAIN_MAX		64

/* What the device reaches guest memory through. */
struct vq_mem_ops {
	/* Whether [gpa, gpa+len) is all guest RAM (len > 0). */
	bool (*is_ram)(void *ctx, u64 gpa, u64 len);
	/* Copy between the guest's RAM and buf; false: not RAM (nothing or
	 * part copied), or, with the queue's `again` set, a page that is not
	 * at hand yet (an overcommitted VM's page being read back: the
	 * access is retried later, VQ_ERR_AGAIN). */
	bool (*read)(void *ctx, u64 gpa, void *buf, u32 len);
	bool (*write)(void *ctx, u64 gpa, const void *buf, u32 len);
};

enum vq_err {
	VQ_OK = 0,
	VQ_ERR_AVAIL_IDX = -1,		/* the available index jumped by more than the size */
	VQ_ERR_HEAD = -2,		/* a head or next index past the table */
	VQ_ERR_LOOP = -3,		/* more descriptors than the queue or table holds */
	VQ_ERR_ADDR = -4,		/* a ring, table or buffer outside guest RAM */
	VQ_ERR_LEN = -5,		/* a length over the limits, or an empty buffer */
	VQ_ERR_INDIRECT = -6,		/* an indirect descriptor with NEXT, nested, or a bad table */
	VQ_ERR_ORDER = -7,		/* a device-readable buffer after a writable one */
	VQ_ERR_TOO_MANY = -8,		/* more buffers than VQ_CHAIN_MAX */
	VQ_ERR_NOT_READY = -9,		/* the queue is not enabled */
	VQ_ERR_ACCESS = -10,		/* the device read a writable or wrote a readable buffer, or past the chain */
	VQ_ERR_AGAIN = -11,		/* guest memory not at hand yet (q->again): retry later, not broken */
};

struct vq_buf {
	u64 addr;			/* guest address */
	u32 len;
	bool write;			/* device-writable */
};

/* One chain as the device took it: readable buffers, then writable ones. */
struct vq_chain {
	u16 head;
	u16 n, nread;			/* buffers; the first nread are readable */
	u32 read_len, write_len;	/* bytes of each kind */
	u32 ndesc;			/* descriptors walked (indirect ones included) */
	struct vq_buf buf[VQ_CHAIN_MAX];
};

struct virtq {
	/* The driver's (common configuration, 4.1.4.3) */
	u16 size;			/* a power of two */
	bool ready;
	u64 desc, avail, used;		/* guest addresses */
	u16 msix_vector;
	/* The device's */
	const struct vq_mem_ops *mem;
	void *mem_ctx;
	u32 max_chain_len;		/* bytes a chain may describe, 0: no limit but u32 */
	u16 last_avail;			/* the next available entry to take */
	u16 used_idx;			/* the next used entry to fill */
	bool broken;			/* malformed input seen: taken no further */
	bool again;			/* set by mem's accessors: retry later */
	int last_error;
	/* Counters */
	u64 popped, pushed, errors;
	u64 deferred;			/* pops retried later (VQ_ERR_AGAIN) */
};

/* The driver's side reset (sizes kept); mem and limits stay the device's. */
void vq_reset(struct virtq *q, u16 size);
/*
 * Check the addresses the driver gave (alignment, all in RAM) as it sets
 * queue_enable; VQ_OK or an error (the queue stays off).
 */
int vq_enable(struct virtq *q);
/*
 * Take the next available chain into *c: 1, 0 when there is none, or an
 * error (the queue is broken from then on: the caller asks for a reset),
 * but VQ_ERR_AGAIN: nothing taken, try again later.
 */
int vq_pop(struct virtq *q, struct vq_chain *c);
/* Whether more chains wait (the available index moved past ours). */
bool vq_has_work(struct virtq *q);
/* Return head to the driver with len bytes written. VQ_OK or an error. */
int vq_push(struct virtq *q, u16 head, u32 len);
/* Whether the driver wants an interrupt for used buffers now
 * (VIRTQ_AVAIL_F_NO_INTERRUPT clear; no event index: 2.6.7). */
bool vq_want_interrupt(struct virtq *q);
/*
 * Copy between the chain's buffers and buf: reads from the readable part
 * at byte offset off of it, writes into the writable part at off of it.
 * VQ_ERR_ACCESS past the part (nothing copied), VQ_ERR_ADDR if guest
 * memory refused, VQ_ERR_AGAIN if it was not at hand yet.
 */
int vq_chain_read(struct virtq *q, const struct vq_chain *c, u32 off, void *buf, u32 len);
int vq_chain_write(struct virtq *q, const struct vq_chain *c, u32 off, const void *buf, u32 len);
const char *vq_strerror(int err);

#endif
