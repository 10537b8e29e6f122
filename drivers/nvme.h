/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NVMe (NVM Express Base Specification 1.4): a minimal polled read path,
 * the seed of tern's own disk driver (swap disk, guest disk backing).
 * One admin queue pair and one I/O queue pair, each one page; commands
 * carry one PRP, so a transfer is at most a page. Every address the
 * controller is given is a DMA address the caller chose (an IOVA in a
 * VT-d domain, or the physical address), so the same driver runs behind
 * the IOMMU.
 *
 * The command encoders and the completion decoder are pure (nvme_cmd.c,
 * unit-tested); nvme.c drives the controller.
 */
#ifndef TERN_DRIVERS_NVME_H
#define TERN_DRIVERS_NVME_H

#include "core/types.h"

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

/* Admin and NVM command opcodes (5, 6) */
#define NVME_ADMIN_CREATE_SQ	0x01
#define NVME_ADMIN_CREATE_CQ	0x05
#define NVME_ADMIN_IDENTIFY	0x06
#define NVME_CMD_READ		0x02

#define NVME_SQE_SIZE		64
#define NVME_CQE_SIZE		16
#define NVME_QUEUE_ENTRIES	8	/* per queue; a page holds more */

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

/* Pure encoders (4.2, 5.3, 5.4, 6.9) and the completion's meaning (4.6). */
/* iv: the MSI-X entry its completions interrupt through, -1: polled. */
void nvme_cmd_create_cq(struct nvme_sqe *c, u16 cid, u16 qid, u16 entries, u64 base, int iv);
void nvme_cmd_create_sq(struct nvme_sqe *c, u16 cid, u16 qid, u16 entries, u64 base, u16 cqid);
void nvme_cmd_read(struct nvme_sqe *c, u16 cid, u32 nsid, u64 lba, u16 blocks, u64 prp1);
/* Status code type 10:8, status code 7:0 of a completion; 0 is success. */
u16 nvme_cqe_status(const struct nvme_cqe *e);
bool nvme_cqe_phase(const struct nvme_cqe *e);
const char *nvme_status_name(u16 st);

struct pci_dev;

/* Pages the controller's queues live in: where tern writes them (pa) and
 * the address the controller is told (dma). */
struct nvme_queue_mem {
	u64 pa[4];			/* admin SQ, admin CQ, I/O SQ, I/O CQ */
	u64 dma[4];
};

struct nvme {
	struct pci_dev *pdev;
	volatile u8 *regs;
	u32 dstrd;
	struct nvme_sqe *sq[2];		/* admin, I/O */
	volatile struct nvme_cqe *cq[2];
	u16 sq_tail[2], cq_head[2];
	bool phase[2];
	u16 cid;
	u32 timeout_ms;
	u64 commands, errors;
};

/* Reset the controller and bring up both queue pairs, the I/O queue's
 * completions interrupting through MSI-X entry io_vector (the caller set
 * it up), or polled only (-1). 0, or -1 and why. */
int nvme_init(struct nvme *n, struct pci_dev *d, const struct nvme_queue_mem *m, int io_vector,
	      const char **why);
/* Read blocks into dma (one page at most); the completion's status (0:
 * success), or -1 when none came in time. */
int nvme_read(struct nvme *n, u32 nsid, u64 lba, u16 blocks, u64 dma);
/* Controller disabled; it DMAs no more. */
void nvme_shutdown(struct nvme *n);

#endif
