/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-blk (virtio 1.1 5.2) on the modern PCI transport, backed by a
 * disk of tern's block layer (drivers/block/blk.h).
 *
 * One request queue of 128 entries. The guest sees 4 KiB blocks
 * (VIRTIO_BLK_F_BLK_SIZE; capacity still counts 512-byte sectors, 5.2.4),
 * so its I/O is page-aligned in the disk: a request whose sector or
 * length is not a 4 KiB multiple, that ends past the capacity, or that
 * writes a read-only disk gets VIRTIO_BLK_S_IOERR without reaching the
 * host. IN and OUT become one host request each, with one segment per
 * guest page the data touches (guest-physical contiguity is not host-
 * physical contiguity): SEG_MAX 16 buffers of SIZE_MAX 4 KiB touch at
 * most 32 pages, BLK_SEGS_MAX. A page the caller cannot pin (not RAM, or
 * its vIOMMU faults the access) fails the request with IOERR. The pages
 * are pinned (counted: two
 * requests may share one) until the host request completes; then the
 * status byte and the used ring are written and the driver interrupted.
 * FLUSH is acknowledged when the host flush has completed, GET_ID
 * answers the serial, anything else is UNSUPP.
 *
 * An overcommitted VM's page may not be at hand (on disk, being read
 * back): the caller's accessors say so (-EAGAIN, the queue's `again`)
 * rather than wait, and the request that needed it — or the pop — is
 * deferred, undone to its start, and retried from the caller's poll
 * (vblk_retry) in order, before any later one.
 *
 * Pure: guest memory, pins, submission and the interrupt lines are the
 * caller's (ops; core/vdev/virtio/virtio_blk_unit.c for a VM), which
 * also serializes. Unit-tested against a fake disk.
 */
#ifndef TERN_CORE_VDEV_VIRTIO_VIRTIO_BLK_H
#define TERN_CORE_VDEV_VIRTIO_VIRTIO_BLK_H

#include "core/types.h"
#include "core/vdev/virtio/virtio_pci.h"
#include "drivers/block/blk.h"

#define VIRTIO_ID_BLOCK		2

/* Feature bits (5.2.3) */
#define VIRTIO_BLK_F_SIZE_MAX	1
#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_BLK_SIZE	6
#define VIRTIO_BLK_F_FLUSH	9

/* Device configuration (5.2.4) */
#define VBLK_CFG_CAPACITY	0x00	/* le64, 512-byte sectors */
#define VBLK_CFG_SIZE_MAX	0x08	/* le32 */
#define VBLK_CFG_SEG_MAX	0x0c	/* le32 */
#define VBLK_CFG_GEOMETRY	0x10	/* le16 cylinders, u8 heads, u8 sectors */
#define VBLK_CFG_BLK_SIZE	0x14	/* le32 */
#define VBLK_CFG_TOPOLOGY	0x18	/* u8 exp, u8 offset, le16 min_io, le32 opt_io */
#define VBLK_CFG_WRITEBACK	0x20	/* u8 (VIRTIO_BLK_F_CONFIG_WCE only) */
#define VBLK_CFG_SIZE		0x3c

/* Request header (5.2.6): le32 type, le32 reserved, le64 sector */
#define VBLK_HDR_SIZE		16
#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_GET_ID	8
#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2
#define VIRTIO_BLK_ID_BYTES	20

#define VBLK_SECTOR		512
#define VBLK_BLOCK		4096	/* what the guest is told */
#define VBLK_QUEUE_SIZE		128
#define VBLK_SEG_MAX		(BLK_SEGS_MAX / 2)	/* a 4 KiB buffer touches 2 pages at most */
#define VBLK_SIZE_MAX		PAGE_SIZE
#define VBLK_NVEC		2	/* configuration, the queue */

/* Request types, for the counters */
enum vblk_kind { VBLK_IN, VBLK_OUT, VBLK_FLUSH, VBLK_GET_ID, VBLK_UNSUPP, VBLK_KINDS };
extern const char *const vblk_kind_names[VBLK_KINDS];

struct vblk;

/* vblk_ops.pin's flags */
#define VBLK_PIN_WRITE		BIT(0)	/* the device writes the page (a read request's data) */
#define VBLK_PIN_WHOLE		BIT(1)	/* ... all of it, with one 4 KiB block of the disk */
#define VBLK_PIN_SOURCE		BIT(2)	/* the device reads all of it, as one 4 KiB block
					 * (a write request's data) */
#define VBLK_NO_BLOCK		(~0ULL)

struct vblk_ops {
	/*
	 * Pin for DMA the page at the device's address addr (page-aligned;
	 * guest-physical, or an I/O address the guest's vIOMMU translates),
	 * which the device will write (VBLK_PIN_WRITE: a read request's data,
	 * VBLK_PIN_WHOLE if all of it) or read: its host-physical address,
	 * and in *pinned the guest-physical page pinned, which unpin gets back
	 * (the guest may remap addr while the request is in flight). 0; or
	 * -EAGAIN: the page is not at hand yet (an overcommitted VM's page
	 * being read back), the request is retried later (vblk_retry);
	 * another negative errno: not RAM, or the translation refused the
	 * access (its fault recorded). Counted: as many unpins.
	 */
	int (*pin)(struct vblk *b, u64 addr, u32 flags, u64 *hpa, u64 *pinned);
	void (*unpin)(struct vblk *b, u64 pinned);
	/* Hand r to the block layer; it completes later through
	 * vblk_host_done(r), with the caller's serialization. */
	void (*submit)(struct vblk *b, struct blk_req *r);
	/* The transport's interrupt lines. */
	void (*msi)(struct vblk *b, u32 addr_lo, u32 addr_hi, u32 data);
	void (*intx)(struct vblk *b, bool level);
	/*
	 * Optional (an overcommitted VM's, the swapper's Swap Mapper):
	 *  rings: the queue's rings are held at hand while it is enabled (on)
	 *         or let go (off, at a reset); -EAGAIN: retry later;
	 *  settle: before a write of blocks [block, block+n) (4 KiB units)
	 *         is submitted; -EAGAIN: retry later;
	 *  filled: a request completed and the whole pinned page is 4 KiB
	 *         block `block` of the disk: a read wrote it, or a write put
	 *         it there (before its unpin).
	 */
	int (*rings)(struct vblk *b, bool on);
	int (*settle)(struct vblk *b, u64 block, u32 n);
	void (*filled)(struct vblk *b, u64 pinned, u64 block);
};

struct vblk_req {
	struct vblk *b;
	bool busy;
	enum vblk_kind kind;
	u32 data_len;
	u32 npins;
	u64 pins[BLK_SEGS_MAX + 1];	/* guest-physical pages pinned */
	u64 blocks[BLK_SEGS_MAX + 1];	/* a pin's whole 4 KiB block, or VBLK_NO_BLOCK */
	struct vq_chain chain;
	struct blk_req br;
};

struct vblk {
	struct virtio_pci vp;
	const struct vblk_ops *ops;
	void *ctx;			/* the caller's */
	struct blk_dev *disk;
	bool ro;
	u64 capacity;			/* 512-byte sectors, a multiple of 8 */
	char serial[VIRTIO_BLK_ID_BYTES];
	u32 in_flight;
	bool pin_status;		/* pin the status byte's page too (the caller's choice) */
	/* A request that could not start yet (a page not at hand): it
	 * keeps its slot and goes first at vblk_retry; pop_again: taking
	 * the next chain could not read the queue. */
	struct vblk_req *deferred;
	bool pop_again;
	struct vblk_req reqs[VBLK_QUEUE_SIZE];
	/* Counters */
	u64 requests[VBLK_KINDS];
	u64 host_ops;			/* host requests submitted */
	u64 bytes_read, bytes_written;	/* guest data moved */
	u64 ioerr;			/* VIRTIO_BLK_S_IOERR answers */
	u64 refused;			/* of those, refused before the host: range, alignment, ro */
	u64 host_errors, host_timeouts;
	u64 pins, unpins;
	u64 interrupts;
	u64 deferrals;			/* requests or pops retried later */
	/* TSC ticks in completions on the management core (the caller
	 * times vblk_host_done: this file stays pure). metrics:
	 * tern_vblk_queue_tsc_total; the block benchmark's cost split. */
	u64 queue_tsc;
};

/*
 * Set up b for disk (b->ops, b->ctx filled in by the caller): the
 * transport, its config space template and BAR sizes, the queue reaching
 * guest memory through mem. -1 (why) when the disk's blocks do not fit
 * the 4 KiB the guest is told.
 */
int vblk_init(struct vblk *b, struct blk_dev *disk, bool ro, bool has_intx, const char *serial,
	      const struct vq_mem_ops *mem, void *mem_ctx, u8 *tmpl, u64 *bar_sizes,
	      const char **why);
/* The host finished r (its status set). */
void vblk_host_done(struct blk_req *r);
/* Work held back for pages not at hand (a deferred request or pop). */
static inline bool vblk_wants_retry(const struct vblk *b)
{
	return b->deferred || b->pop_again;
}
/* Try it again (the caller's poll, with its serialization). */
void vblk_retry(struct vblk *b);
/* Requests in flight to the host. */
static inline u32 vblk_in_flight(const struct vblk *b)
{
	return b->in_flight;
}

#endif
