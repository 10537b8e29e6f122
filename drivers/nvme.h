/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NVMe (NVM Express Base Specification 1.4, NVM Command Set): the
 * controller core shared by tern's disk driver (nvme_blk.c) and the VT-d
 * self-test. Queue pairs live in pages tern chose; every address the
 * controller is given is a DMA address (an I/O address in a VT-d domain,
 * or the physical address), so the same code runs behind the IOMMU.
 *
 * The command encoders, PRP lists, completion decoding, IDENTIFY parsing
 * and command-ID allocation are pure (nvme_cmd.c, unit-tested); nvme.c
 * drives the controller's registers.
 */
#ifndef TERN_DRIVERS_NVME_H
#define TERN_DRIVERS_NVME_H

#include "core/types.h"
#include "drivers/block/blk.h"

/* Controller registers (3.1) */
#define NVME_REG_CAP		0x00	/* 64-bit */
#define  NVME_CAP_MQES(c)	((u32)((c) & 0xffff))		/* zero-based */
#define  NVME_CAP_TO(c)		((u32)(((c) >> 24) & 0xff))	/* 500 ms units */
#define  NVME_CAP_DSTRD(c)	((u32)(((c) >> 32) & 0xf))
#define  NVME_CAP_CSS_NVM(c)	(((c) >> 37) & 1)
#define  NVME_CAP_MPSMIN(c)	((u32)(((c) >> 48) & 0xf))	/* 2^(12+n) */
#define NVME_REG_VS		0x08
#define NVME_REG_INTMS		0x0c
#define NVME_REG_CC		0x14
#define  NVME_CC_EN		BIT(0)
#define  NVME_CC_IOSQES(n)	((u32)(n) << 16)		/* log2 of 64 */
#define  NVME_CC_IOCQES(n)	((u32)(n) << 20)		/* log2 of 16 */
#define NVME_REG_CSTS		0x1c
#define  NVME_CSTS_RDY		BIT(0)
#define  NVME_CSTS_CFS		BIT(1)
#define NVME_REG_AQA		0x24	/* ACQS 27:16, ASQS 11:0, zero-based */
#define NVME_REG_ASQ		0x28
#define NVME_REG_ACQ		0x30
#define NVME_REG_DOORBELLS	0x1000	/* SQ y tail, then CQ y head, 4 << DSTRD apart */

/* Admin command opcodes (5) */
#define NVME_ADMIN_CREATE_SQ	0x01
#define NVME_ADMIN_CREATE_CQ	0x05
#define NVME_ADMIN_IDENTIFY	0x06
/* IDENTIFY's CNS (5.15.1) */
#define NVME_CNS_NS		0x00
#define NVME_CNS_CTRL		0x01
#define NVME_CNS_ACTIVE_NS	0x02
/* NVM command set opcodes (NVM Command Set 3) */
#define NVME_CMD_FLUSH		0x00
#define NVME_CMD_WRITE		0x01
#define NVME_CMD_READ		0x02
#define NVME_RW_FUA		BIT(30)	/* CDW12: force unit access */

#define NVME_SQE_SIZE		64
#define NVME_CQE_SIZE		16
#define NVME_QUEUE_ENTRIES	8	/* admin queues, and the self-test's */
#define NVME_PAGE		4096	/* CC.MPS 0: the memory page PRPs count in */
#define NVME_PRP_LIST_MAX	(NVME_PAGE / 8)	/* entries in one list page */

struct nvme_sqe {
	u32 cdw0;			/* opcode 7:0, command id 31:16 */
	u32 nsid;
	u32 rsvd[2];
	u64 mptr;
	u64 prp1, prp2;
	u32 cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct nvme_cqe {
	u32 result;
	u32 rsvd;
	u16 sq_head, sq_id;
	u16 cid;
	u16 status;			/* phase tag bit 0, status field 15:1 */
};

/* What tern uses of IDENTIFY controller (5.15.2.2) and namespace (NVM
 * Command Set 4.1.5.1). */
struct nvme_id_ctrl {
	char model[41];			/* MN, bytes 63:24, trimmed */
	char serial[21];		/* SN, bytes 23:4 */
	u8 mdts;			/* byte 77: 2^n minimum pages, 0: no limit */
	u32 nn;				/* bytes 519:516: namespaces */
	bool vwc;			/* byte 525 bit 0: a volatile write cache */
};

struct nvme_id_ns {
	u64 nsze;			/* blocks */
	u32 block_size;			/* from the LBA format FLBAS selects */
	u16 ms;				/* metadata bytes per block */
	const char *why;		/* why tern cannot use it, or NULL */
};

/* Pure encoders (4.2, 5.3, 5.4, 5.15; NVM Command Set 3.2, 3.3, 3.4). */
/* iv: the MSI-X entry its completions interrupt through, -1: polled. */
void nvme_cmd_create_cq(struct nvme_sqe *c, u16 cid, u16 qid, u16 entries, u64 base, int iv);
void nvme_cmd_create_sq(struct nvme_sqe *c, u16 cid, u16 qid, u16 entries, u64 base, u16 cqid);
void nvme_cmd_identify(struct nvme_sqe *c, u16 cid, u8 cns, u32 nsid, u64 prp1);
void nvme_cmd_read(struct nvme_sqe *c, u16 cid, u32 nsid, u64 lba, u16 blocks, u64 prp1);
/* Read or write of blocks (1-65536), PRPs filled in by the caller. */
void nvme_cmd_rw(struct nvme_sqe *c, u16 cid, bool write, bool fua, u32 nsid, u64 lba,
		 u32 blocks);
void nvme_cmd_flush(struct nvme_sqe *c, u16 cid, u32 nsid);

/*
 * The data pointer for a transfer over host-physical segments (4.3): PRP
 * entries name memory pages; only the first may start inside a page
 * (dword-aligned), every one but the last must run to its page's end.
 * So a segment after the first must start on a page, and one before the
 * last must end on one. More than two pages: prp2 is list_dma, the list
 * (at most list_max entries, no chaining) written to list. Returns the
 * list entries written (0: none), or -EINVAL with why.
 */
int nvme_prp_build(const struct blk_seg *segs, u32 nsegs, u64 *prp1, u64 *prp2, u64 *list,
		   u32 list_max, u64 list_dma, const char **why);

/* Status code type 10:8, status code 7:0 of a completion; 0 is success. */
u16 nvme_cqe_status(const struct nvme_cqe *e);
bool nvme_cqe_phase(const struct nvme_cqe *e);
const char *nvme_status_name(u16 st);
/* A status as the block layer reports it: 0, -EINVAL, -EROFS, -EIO. */
int nvme_status_errno(u16 st);
/*
 * Take the next completion of a ring of entries if the controller posted
 * it (its phase tag is *phase): copied to out, *head advanced, *phase
 * flipped on the wrap. False when the ring holds nothing new.
 */
bool nvme_cq_take(const volatile struct nvme_cqe *ring, u16 entries, u16 *head, bool *phase,
		  struct nvme_cqe *out);
/* Command IDs: the lowest free of n (at most 64) in *map, taken; or -1. */
int nvme_cid_alloc(u64 *map, u32 n);
void nvme_cid_free(u64 *map, u32 cid);

/* IDENTIFY data (4 KiB) decoded. */
void nvme_id_ctrl_parse(const u8 *buf, struct nvme_id_ctrl *c);
void nvme_id_ns_parse(const u8 *buf, struct nvme_id_ns *ns);

struct pci_dev;

/* Pages the controller's queues live in: where tern writes them (pa) and
 * the address the controller is told (dma). */
struct nvme_queue_mem {
	u64 pa[4];			/* admin SQ, admin CQ, I/O SQ, I/O CQ */
	u64 dma[4];
};

enum { NVME_ADMINQ = 0, NVME_IOQ = 1 };

struct nvme {
	struct pci_dev *pdev;
	volatile u8 *regs;
	u32 dstrd;
	u64 cap;
	struct nvme_sqe *sq[2];		/* admin, I/O */
	volatile struct nvme_cqe *cq[2];
	u16 entries[2];
	u16 sq_tail[2], cq_head[2];
	bool phase[2];
	u16 cid;			/* admin and polled commands */
	u32 timeout_ms;			/* CAP.TO */
	u64 commands, errors;
};

/*
 * Reset the controller (CC.EN cleared, CSTS.RDY awaited for CAP.TO), then
 * enable it with the admin queue pair and create one I/O queue pair of
 * io_entries, its completions interrupting through MSI-X entry io_vector
 * (the caller set it up) or polled only (-1). 0, or -1 and why.
 */
int nvme_init(struct nvme *n, struct pci_dev *d, const struct nvme_queue_mem *m, int io_vector,
	      const char **why);
int nvme_init_depth(struct nvme *n, struct pci_dev *d, const struct nvme_queue_mem *m,
		    u16 io_entries, int io_vector, const char **why);
/* One command on queue q, its completion polled: the status, or -1 when
 * none came within CAP.TO. Only while nothing else is in flight there. */
int nvme_submit_sync(struct nvme *n, int q, struct nvme_sqe *c);
/* Place a command on the I/O queue and ring its doorbell (asynchronous). */
void nvme_submit_io(struct nvme *n, const struct nvme_sqe *c);
/* The same in two steps: commands placed, then one doorbell for them all. */
void nvme_place_io(struct nvme *n, const struct nvme_sqe *c);
void nvme_ring_io(struct nvme *n);
/* The next I/O completion, if any, and the CQ head doorbell rung for it. */
bool nvme_reap_io(struct nvme *n, struct nvme_cqe *out);
/* Read blocks into dma (one page at most), polled; the status or -1. */
int nvme_read(struct nvme *n, u32 nsid, u64 lba, u16 blocks, u64 dma);
/* Controller disabled (it DMAs no more); bus mastering off. */
void nvme_shutdown(struct nvme *n);

/* tern's NVMe disks (nvme_blk.c): every controller no VM owns. */
void nvme_blk_init(void);
/*
 * Lend a controller tern drives to someone else for a while (the VT-d
 * self-test): no request in flight, the controller disabled, out of the
 * host domain, its interrupt off; requests wait. nvme_blk_return() takes
 * it back. -EBUSY (requests in flight), -ENODEV (not tern's).
 */
int nvme_blk_lend(struct pci_dev *d);
void nvme_blk_return(struct pci_dev *d);

#endif
