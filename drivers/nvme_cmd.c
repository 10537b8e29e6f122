// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/*
 * NVMe command encoding, PRP lists, completion decoding, IDENTIFY data
 * and command IDs: pure, unit-tested.
 */
#include <errno.h>
#include <string.h>

#include "core/le.h"
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

/* Identify (5.15): 4 KiB of data into prp1 (page-aligned: one PRP). */
void nvme_cmd_identify(struct nvme_sqe *c, u16 cid, u8 cns, u32 nsid, u64 prp1)
{
	head(c, NVME_ADMIN_IDENTIFY, cid);
	c->nsid = nsid;
	c->prp1 = prp1;
	c->cdw10 = cns;
}

/* Read (NVM command set 3.3.4): blocks is the count, the field zero-based. */
void nvme_cmd_read(struct nvme_sqe *c, u16 cid, u32 nsid, u64 lba, u16 blocks, u64 prp1)
{
	nvme_cmd_rw(c, cid, false, false, nsid, lba, blocks);
	c->prp1 = prp1;
}

/* Read and Write (NVM command set 3.3.4, 3.3.6): SLBA in CDW10-11, NLB
 * zero-based in CDW12 15:0, FUA in CDW12 bit 30. */
void nvme_cmd_rw(struct nvme_sqe *c, u16 cid, bool write, bool fua, u32 nsid, u64 lba,
		 u32 blocks)
{
	head(c, write ? NVME_CMD_WRITE : NVME_CMD_READ, cid);
	c->nsid = nsid;
	c->cdw10 = (u32)lba;
	c->cdw11 = (u32)(lba >> 32);
	c->cdw12 = ((blocks - 1) & 0xffff) | (fua ? NVME_RW_FUA : 0);
}

/* Flush (NVM command set 3.3.2): the namespace's volatile cache out. */
void nvme_cmd_flush(struct nvme_sqe *c, u16 cid, u32 nsid)
{
	head(c, NVME_CMD_FLUSH, cid);
	c->nsid = nsid;
}

int nvme_prp_build(const struct blk_seg *segs, u32 nsegs, u64 *prp1, u64 *prp2, u64 *list,
		   u32 list_max, u64 list_dma, const char **why)
{
	u32 n = 0;		/* PRP entries so far */

	*prp1 = *prp2 = 0;
	if (!nsegs) {
		*why = "no data";
		return -EINVAL;
	}
	for (u32 i = 0; i < nsegs; i++) {
		u64 pa = segs[i].pa, end = pa + segs[i].len;

		if (!segs[i].len) {
			*why = "an empty segment";
			return -EINVAL;
		}
		if (pa & 3) {
			*why = "a segment not dword-aligned";
			return -EINVAL;
		}
		if (i && (pa & (NVME_PAGE - 1))) {
			*why = "a segment after the first starts inside a page";
			return -EINVAL;
		}
		if (i + 1 < nsegs && (end & (NVME_PAGE - 1))) {
			*why = "a segment before the last ends inside a page";
			return -EINVAL;
		}
		/* One entry per page touched; the first keeps its offset. */
		for (u64 p = pa; p < end; p = (p & ~(u64)(NVME_PAGE - 1)) + NVME_PAGE, n++) {
			if (n == 0) {
				*prp1 = p;
			} else if (n == 1) {
				*prp2 = p;
			} else {
				if (n - 1 >= list_max) {
					*why = "more pages than one PRP list holds";
					return -EINVAL;
				}
				if (n == 2)
					list[0] = *prp2;
				list[n - 1] = p;
			}
		}
	}
	if (n <= 2)
		return 0;
	*prp2 = list_dma;
	return (int)(n - 1);
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
	case 0x007:	return "aborted by request";
	case 0x008:	return "aborted: queue deleted";
	case 0x00b:	return "invalid namespace";
	case 0x020:	return "namespace write protected";
	case 0x080:	return "LBA out of range";
	case 0x101:	return "invalid queue identifier";
	case 0x102:	return "invalid queue size";
	}
	return (st >> 8) == 2 ? "media error" : "error";
}

/* Generic status (SCT 0, 4.6.1.2.1): what the caller got wrong is
 * -EINVAL, a protected namespace -EROFS; the rest (media and data
 * integrity errors, SCT 2; path errors) is the device's: -EIO. */
int nvme_status_errno(u16 st)
{
	switch (st) {
	case 0x000:
		return 0;
	case 0x001:
	case 0x002:
	case 0x00b:
	case 0x080:
		return -EINVAL;
	case 0x020:
		return -EROFS;
	}
	return -EIO;
}

bool nvme_cq_take(const volatile struct nvme_cqe *ring, u16 entries, u16 *head, bool *phase,
		  struct nvme_cqe *out)
{
	const volatile struct nvme_cqe *e = &ring[*head];

	/* The status word carries the phase: read it first, the rest after
	 * (the controller writes the entry whole, but we might not read it
	 * whole in one go). */
	if ((e->status & 1) != *phase)
		return false;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	out->result = e->result;
	out->rsvd = e->rsvd;
	out->sq_head = e->sq_head;
	out->sq_id = e->sq_id;
	out->cid = e->cid;
	out->status = e->status;
	if (++*head == entries) {
		*head = 0;
		*phase = !*phase;
	}
	return true;
}

int nvme_cid_alloc(u64 *map, u32 n)
{
	for (u32 i = 0; i < n && i < 64; i++)
		if (!(*map & BIT(i))) {
			*map |= BIT(i);
			return (int)i;
		}
	return -1;
}

void nvme_cid_free(u64 *map, u32 cid)
{
	if (cid < 64)
		*map &= ~BIT(cid);
}

/* Copy an ASCII field, spaces at the end dropped (IDENTIFY pads with them). */
static void ascii(char *dst, const u8 *src, u32 len)
{
	u32 n = len;

	while (n && (src[n - 1] == ' ' || !src[n - 1]))
		n--;
	for (u32 i = 0; i < n; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[n] = 0;
}

void nvme_id_ctrl_parse(const u8 *buf, struct nvme_id_ctrl *c)
{
	memset(c, 0, sizeof(*c));
	ascii(c->serial, buf + 4, 20);
	ascii(c->model, buf + 24, 40);
	c->mdts = buf[77];
	c->nn = rd32(buf + 516);
	c->vwc = buf[525] & 1;
}

void nvme_id_ns_parse(const u8 *buf, struct nvme_id_ns *ns)
{
	u8 nlbaf = buf[25], flbas = buf[26], fmt = flbas & 0xf;
	u32 lbaf, lbads;

	memset(ns, 0, sizeof(*ns));
	ns->nsze = rd64(buf + 0);
	if (fmt > nlbaf) {
		ns->why = "FLBAS names an LBA format the namespace does not have";
		return;
	}
	lbaf = rd32(buf + 128 + 4 * fmt);		/* MS 15:0, LBADS 23:16 */
	ns->ms = (u16)lbaf;
	lbads = (lbaf >> 16) & 0xff;
	if (!ns->nsze)
		ns->why = "inactive (no blocks)";
	else if (lbads < 9 || lbads > 12)
		ns->why = "a block size other than 512 bytes to 4 KiB";
	else if (ns->ms)
		ns->why = "metadata with its blocks (tern passes none)";
	if (lbads >= 9 && lbads <= 12)
		ns->block_size = 1U << lbads;
}
