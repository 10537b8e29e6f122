/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern's block layer: the disks tern owns (an ATA or NVMe drive, a
 * partition of one), by name, with asynchronous requests.
 *
 * A request reads, writes or flushes whole logical blocks of the device
 * it is submitted to; its data is a list of host-physical segments (guest
 * pages for a virtio-blk request, tern's own pages for the swapper), so
 * drivers DMA straight into them. Requests are issued and completed on
 * the management core: blk_submit() may be called from any core and only
 * queues; blk_service(), from the management core's loop, hands queued
 * requests to the drivers and polls those without interrupts; a driver
 * calls blk_complete() (from its interrupt handler or its poll) and the
 * request's done() runs on the management core. A request a device does
 * not finish in time completes with -ETIMEDOUT.
 */
#ifndef TERN_DRIVERS_BLOCK_BLK_H
#define TERN_DRIVERS_BLOCK_BLK_H

#include "core/spinlock.h"
#include "core/types.h"

#define BLK_NAME_MAX		24
#define BLK_MODEL_MAX		41
#define BLK_SEGS_MAX		32
#define BLK_TIMEOUT_NS		5000000000ULL	/* 5 s */

enum blk_op {
	BLK_READ = 0,
	BLK_WRITE,
	BLK_FLUSH,
	BLK_OPS,
};

struct blk_seg {
	u64 pa;				/* host-physical */
	u32 len;			/* bytes; the sum is count * block size */
};

struct blk_dev;

struct blk_req {
	enum blk_op op;
	bool fua;			/* write through to the medium first */
	u64 lba;			/* in the device's logical blocks */
	u32 count;			/* blocks (0 for a flush) */
	u32 nsegs;
	struct blk_seg segs[BLK_SEGS_MAX];
	void (*done)(struct blk_req *r);
	void *ctx;			/* the submitter's */
	int status;			/* 0, or -EIO, -EINVAL, -ETIMEDOUT ... */
	/* The layer's and the driver's */
	struct blk_dev *dev;		/* as submitted (a partition, say) */
	u64 dev_lba;			/* on the driver's device */
	u64 deadline;			/* TSC */
	struct blk_req *next;
	void *drv;			/* the driver's per-request state */
};

struct blk_dev_ops {
	/* Start r on the device (management core); -EBUSY: full, retry later. */
	int (*start)(struct blk_dev *d, struct blk_req *r);
	/* Look for completions (management core); optional. */
	void (*poll)(struct blk_dev *d);
	/* Forget r, which timed out: the device must not DMA into it again
	 * (a controller reset if it must); optional. */
	void (*abort)(struct blk_dev *d, struct blk_req *r);
};

struct blk_dev {
	char name[BLK_NAME_MAX];	/* ata0, nvme0n1, ata0p2 */
	char model[BLK_MODEL_MAX];
	char label[40];			/* a GPT partition's name, or empty */
	u64 nblocks;
	u32 block_size;			/* bytes: 512, 4096 */
	const struct blk_dev_ops *ops;	/* NULL for a partition */
	void *drv;
	struct blk_dev *parent;		/* a partition's disk, or NULL */
	u64 start;			/* a partition's first block on its disk */
	u32 partno;
	/* Who uses it: a VM's disk (read-write or read-only), tern's swap. */
	const char *user;
	bool user_rw;
	/* Counters (metrics: tern_disk_ops_total, tern_disk_bytes_total) */
	u64 nops[BLK_OPS], bytes[BLK_OPS], errors, timeouts;
	u32 in_flight;
};

/* Known disks and partitions, in registration order. */
extern struct blk_dev *blk_devs[];
extern u32 blk_ndevs;

/* A driver's disk (then its partitions, read from it). 0 or -1 (full). */
int blk_register(struct blk_dev *d);
struct blk_dev *blk_find(const char *name);
/* Queue r; r->done runs later, on the management core, with r->status.
 * Bad requests (past the end, segments that do not add up) complete
 * with -EINVAL. Any core. */
void blk_submit(struct blk_dev *d, struct blk_req *r);
/* The driver finished r. Any context. */
void blk_complete(struct blk_req *r, int status);
/* The management core's loop: issue, poll, time out, complete. */
void blk_service(void);

#endif
