// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* NVMe command encoding and completion decoding: pure, unit-tested. */
#include <string.h>

#include "drivers/nvme.h"

static void head(struct nvme_sqe *c, u8 opcode, u16 cid)
{
	memset(c, 0, sizeof(*c));
	c->cdw0 = opcode | (u32)cid << 16;	/* no fusing, PRPs (PSDT 0) */
}

/* Create I/O Completion Queue (5.3): physically contiguous; interrupts
 * enabled on vector iv (IEN, IV 31:16), or none. */
void nvme_cmd_create_cq(struct nvme_sqe *c, u16 cid, u16 qid, u16 entries, u64 base, int iv)
{
	head(c, NVME_ADMIN_CREATE_CQ, cid);
	c->prp1 = base;
	c->cdw10 = (u32)(entries - 1) << 16 | qid;
	c->cdw11 = BIT(0);			/* PC */
	if (iv >= 0)
		c->cdw11 |= (u32)iv << 16 | BIT(1);
}

/* Create I/O Submission Queue (5.4): contiguous, medium priority. */
void nvme_cmd_create_sq(struct nvme_sqe *c, u16 cid, u16 qid, u16 entries, u64 base, u16 cqid)
{
	head(c, NVME_ADMIN_CREATE_SQ, cid);
	c->prp1 = base;
	c->cdw10 = (u32)(entries - 1) << 16 | qid;
	c->cdw11 = (u32)cqid << 16 | BIT(0);
}

/* Read (NVM command set 6.9): blocks is the count, the field zero-based. */
void nvme_cmd_read(struct nvme_sqe *c, u16 cid, u32 nsid, u64 lba, u16 blocks, u64 prp1)
{
	head(c, NVME_CMD_READ, cid);
	c->nsid = nsid;
	c->prp1 = prp1;
	c->cdw10 = (u32)lba;
	c->cdw11 = (u32)(lba >> 32);
	c->cdw12 = (u32)(blocks - 1);
}

u16 nvme_cqe_status(const struct nvme_cqe *e)
{
	return (e->status >> 1) & 0x7ff;	/* SCT 10:8, SC 7:0 */
}

bool nvme_cqe_phase(const struct nvme_cqe *e)
{
	return e->status & 1;
}

const char *nvme_status_name(u16 st)
{
	switch (st) {
	case 0x000:	return "success";
	case 0x001:	return "invalid opcode";
	case 0x002:	return "invalid field";
	case 0x004:	return "data transfer error";
	case 0x006:	return "internal error";
	case 0x00b:	return "invalid namespace";
	case 0x080:	return "LBA out of range";
	case 0x101:	return "invalid queue identifier";
	case 0x102:	return "invalid queue size";
	}
	return (st >> 8) == 2 ? "media error" : "error";
}
