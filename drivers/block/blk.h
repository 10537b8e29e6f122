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
#define BLK_DEVS_MAX		32

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
	u8 state;			/* the layer's: queued, active, done */
	bool held;			/* kept from the driver (BLK_FAULT_HANG) */
};

/*
 * Faults an operator injects into a disk (`disk fault`), to see what a
 * guest gets from a disk that stops answering or fails: requests held
 * until they time out, or failed at once with -EIO.
 */
enum blk_fault {
	BLK_FAULT_NONE = 0,
	BLK_FAULT_HANG,
	BLK_FAULT_ERROR,
};

struct blk_dev_ops {
	/* Start r on the device (management core); -EBUSY: full, retry later. */
	int (*start)(struct blk_dev *d, struct blk_req *r);
	/* Look for completions (management core); optional. */
	void (*poll)(struct blk_dev *d);
	/* Forget r, which timed out: the device must not DMA into it again
	 * (a controller reset if it must); optional. */
	void (*abort)(struct blk_dev *d, struct blk_req *r);
	/* One line about the device for `disks` (bus, mode, interrupts);
	 * optional. */
	void (*describe)(const struct blk_dev *d, char *buf, size_t n);
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
	u64 nops[BLK_OPS], bytes[BLK_OPS], errors, timeouts;	/* nops: "ops" is taken by the driver */
	u32 in_flight;
	/* TSC ticks the management core spent in the layer and the driver
	 * for this disk's requests: starting, polling, accounting, and the
	 * completion interrupt's handler (not the requests' done(), which is
	 * their user's). On a whole disk only. metrics:
	 * tern_disk_driver_tsc_total; the block benchmark's cost split. */
	u64 driver_tsc;
	u32 max_blocks;			/* per request; 0: no limit */
	u8 fault;			/* enum blk_fault, on a whole disk */
	char why[80];			/* why its partition table was not read */
};

/*
 * TSC accounting of the management core's block work. Interrupt handlers
 * charge their disk (blk_charge_irq) and add to blk_irq_tsc; a stretch
 * timed with blk_tsc_start()/blk_tsc_elapsed() leaves out the handlers
 * that ran inside it, so an interrupt is not counted twice (by its
 * handler and by the stretch it interrupted). Disk interrupts go to the
 * management core, where the timed stretches run.
 */
extern u64 blk_irq_tsc;

struct blk_tsc {
	u64 t0, irq0;
};

void blk_tsc_start(struct blk_tsc *t);
u64 blk_tsc_elapsed(const struct blk_tsc *t);

/* A disk's interrupt handler, begun at TSC t0, is over: charge d. */
void blk_charge_irq(struct blk_dev *d, u64 t0);

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

/*
 * Synchronous I/O for the management core (partition scans, the shell's
 * self-test): submit, then serve the queue until r completes. The status.
 */
int blk_io_sync(struct blk_dev *d, enum blk_op op, u64 lba, u32 count,
		const struct blk_seg *segs, u32 nsegs);

/* Pure parts (blk_req.c, unit-tested). */
/* 0, or -EINVAL with why: an unknown op, blocks past the end (of a
 * partition: of the partition), segments that do not add up. */
int blk_req_check(const struct blk_dev *d, const struct blk_req *r, const char **why);
/* The driver's device (the disk under partitions) and lba on it. */
struct blk_dev *blk_req_map(struct blk_dev *d, u64 lba, u64 *dev_lba);
const char *blk_op_name(enum blk_op op);
/* d by name (ata0p2), or a partition by label= (label=tern-scratch). */
struct blk_dev *blk_lookup(struct blk_dev *const *devs, u32 n, const char *name);

#endif
