// SPDX-License-Identifier: GPL-2.0
/* NVMe command encoding and completion decoding (NVMe 1.4). */
#include <errno.h>
#include <string.h>

#include "drivers/nvme.h"
#include "suites.h"

START_TEST(layouts)
{
	ck_assert_uint_eq(sizeof(struct nvme_sqe), 64);
	ck_assert_uint_eq(sizeof(struct nvme_cqe), 16);
	ck_assert_uint_eq(offsetof(struct nvme_sqe, prp1), 24);	/* DW6 */
	ck_assert_uint_eq(offsetof(struct nvme_sqe, cdw10), 40);
	ck_assert_uint_eq(offsetof(struct nvme_cqe, cid), 12);	/* DW3 */
}
END_TEST

START_TEST(admin_commands)
{
	struct nvme_sqe c;

	memset(&c, 0xa5, sizeof(c));
	nvme_cmd_create_cq(&c, 7, 1, 8, 0x103000, -1);
	ck_assert_uint_eq(c.cdw0, 0x00070005);		/* CID 7, opcode 05h */
	ck_assert_uint_eq(c.prp1, 0x103000);
	ck_assert_uint_eq(c.cdw10, 0x00070001);		/* 8 entries (zero-based), QID 1 */
	ck_assert_uint_eq(c.cdw11, 1);			/* contiguous, no interrupts */
	nvme_cmd_create_cq(&c, 7, 1, 8, 0x103000, 1);
	ck_assert_uint_eq(c.cdw11, 0x00010003);		/* IV 1, IEN, contiguous */
	ck_assert_uint_eq(c.nsid, 0);
	ck_assert_uint_eq(c.prp2, 0);
	nvme_cmd_create_sq(&c, 8, 1, 8, 0x102000, 1);
	ck_assert_uint_eq(c.cdw0, 0x00080001);
	ck_assert_uint_eq(c.cdw10, 0x00070001);
	ck_assert_uint_eq(c.cdw11, 0x00010001);		/* CQ 1, contiguous */
}
END_TEST

START_TEST(read_command)
{
	struct nvme_sqe c;

	nvme_cmd_read(&c, 9, 1, 0x123456789aULL, 8, 0x104000);
	ck_assert_uint_eq(c.cdw0, 0x00090002);
	ck_assert_uint_eq(c.nsid, 1);
	ck_assert_uint_eq(c.prp1, 0x104000);
	ck_assert_uint_eq(c.cdw10, 0x3456789a);		/* SLBA low */
	ck_assert_uint_eq(c.cdw11, 0x12);		/* SLBA high */
	ck_assert_uint_eq(c.cdw12, 7);			/* NLB zero-based */
}
END_TEST

START_TEST(completions)
{
	struct nvme_cqe e = { 0 };

	e.status = 1;					/* phase 1, success */
	ck_assert(nvme_cqe_phase(&e));
	ck_assert_uint_eq(nvme_cqe_status(&e), 0);
	e.status = (0x080 << 1) | 0;			/* LBA out of range, phase 0 */
	ck_assert(!nvme_cqe_phase(&e));
	ck_assert_uint_eq(nvme_cqe_status(&e), 0x080);
	ck_assert_str_eq(nvme_status_name(0x080), "LBA out of range");
	e.status = (0x281 << 1) | 1;			/* SCT 2: media error */
	ck_assert_uint_eq(nvme_cqe_status(&e), 0x281);
	ck_assert_str_eq(nvme_status_name(0x281), "media error");
	/* Do-not-retry and more bits above the status code are not it. */
	e.status = (u16)(0xc000 | (0x004 << 1));
	ck_assert_uint_eq(nvme_cqe_status(&e), 0x004);
}
END_TEST

START_TEST(write_flush_identify)
{
	struct nvme_sqe c;

	memset(&c, 0xa5, sizeof(c));
	nvme_cmd_rw(&c, 31, true, false, 1, 0x100000002ULL, 160);
	ck_assert_uint_eq(c.cdw0, 0x001f0001);		/* CID 31, Write */
	ck_assert_uint_eq(c.nsid, 1);
	ck_assert_uint_eq(c.cdw10, 2);
	ck_assert_uint_eq(c.cdw11, 1);
	ck_assert_uint_eq(c.cdw12, 159);		/* no FUA */
	ck_assert_uint_eq(c.prp1, 0);
	ck_assert_uint_eq(c.prp2, 0);
	ck_assert_uint_eq(c.mptr, 0);
	nvme_cmd_rw(&c, 3, true, true, 2, 7, 1);
	ck_assert_uint_eq(c.cdw12, 0x40000000);		/* FUA, 1 block */
	nvme_cmd_rw(&c, 3, false, false, 2, 7, 65536);
	ck_assert_uint_eq(c.cdw0 & 0xff, 0x02);		/* Read */
	ck_assert_uint_eq(c.cdw12, 0xffff);		/* the most one command moves */
	memset(&c, 0xa5, sizeof(c));
	nvme_cmd_flush(&c, 5, 1);
	ck_assert_uint_eq(c.cdw0, 0x00050000);		/* opcode 00h */
	ck_assert_uint_eq(c.nsid, 1);
	ck_assert_uint_eq(c.cdw10, 0);
	ck_assert_uint_eq(c.prp1, 0);
	nvme_cmd_identify(&c, 6, NVME_CNS_CTRL, 0, 0x5000);
	ck_assert_uint_eq(c.cdw0, 0x00060006);
	ck_assert_uint_eq(c.cdw10, 1);
	ck_assert_uint_eq(c.prp1, 0x5000);
	nvme_cmd_identify(&c, 6, NVME_CNS_NS, 1, 0x5000);
	ck_assert_uint_eq(c.cdw10, 0);
	ck_assert_uint_eq(c.nsid, 1);
}
END_TEST

static u64 list[NVME_PRP_LIST_MAX + 8];

START_TEST(prp_one_and_two_pages)
{
	struct blk_seg s[2];
	const char *why = NULL;
	u64 p1, p2;

	/* One page, and a block inside one. */
	s[0] = (struct blk_seg){ 0x10000, 4096 };
	ck_assert_int_eq(nvme_prp_build(s, 1, &p1, &p2, list, NVME_PRP_LIST_MAX, 0x9000, &why), 0);
	ck_assert_uint_eq(p1, 0x10000);
	ck_assert_uint_eq(p2, 0);
	s[0] = (struct blk_seg){ 0x10200, 512 };
	ck_assert_int_eq(nvme_prp_build(s, 1, &p1, &p2, list, NVME_PRP_LIST_MAX, 0x9000, &why), 0);
	ck_assert_uint_eq(p1, 0x10200);
	ck_assert_uint_eq(p2, 0);
	/* Two pages: PRP2 is the second page itself, not a list. */
	s[0] = (struct blk_seg){ 0x10000, 8192 };
	ck_assert_int_eq(nvme_prp_build(s, 1, &p1, &p2, list, NVME_PRP_LIST_MAX, 0x9000, &why), 0);
	ck_assert_uint_eq(p1, 0x10000);
	ck_assert_uint_eq(p2, 0x11000);
	/* A page's worth from an offset touches two pages. */
	s[0] = (struct blk_seg){ 0x10e00, 4096 };
	ck_assert_int_eq(nvme_prp_build(s, 1, &p1, &p2, list, NVME_PRP_LIST_MAX, 0x9000, &why), 0);
	ck_assert_uint_eq(p1, 0x10e00);
	ck_assert_uint_eq(p2, 0x11000);
	/* Two segments of a page each, anywhere. */
	s[0] = (struct blk_seg){ 0x40000, 4096 };
	s[1] = (struct blk_seg){ 0x7000, 2048 };
	ck_assert_int_eq(nvme_prp_build(s, 2, &p1, &p2, list, NVME_PRP_LIST_MAX, 0x9000, &why), 0);
	ck_assert_uint_eq(p1, 0x40000);
	ck_assert_uint_eq(p2, 0x7000);
}
END_TEST

START_TEST(prp_lists)
{
	struct blk_seg s[3];
	const char *why = NULL;
	u64 p1, p2;

	/* Three pages: PRP2 points at the list of the second and third. */
	s[0] = (struct blk_seg){ 0x10000, 3 * 4096 };
	ck_assert_int_eq(nvme_prp_build(s, 1, &p1, &p2, list, NVME_PRP_LIST_MAX, 0x9000, &why), 2);
	ck_assert_uint_eq(p1, 0x10000);
	ck_assert_uint_eq(p2, 0x9000);
	ck_assert_uint_eq(list[0], 0x11000);
	ck_assert_uint_eq(list[1], 0x12000);
	/* The disk self-test's write: 20 KiB, then 60 KiB elsewhere. */
	s[0] = (struct blk_seg){ 0x200000, 20 * 1024 };
	s[1] = (struct blk_seg){ 0x206000, 60 * 1024 };
	ck_assert_int_eq(nvme_prp_build(s, 2, &p1, &p2, list, NVME_PRP_LIST_MAX, 0x9000, &why), 19);
	ck_assert_uint_eq(p1, 0x200000);
	ck_assert_uint_eq(p2, 0x9000);
	ck_assert_uint_eq(list[0], 0x201000);
	ck_assert_uint_eq(list[3], 0x204000);
	ck_assert_uint_eq(list[4], 0x206000);		/* the second segment */
	ck_assert_uint_eq(list[18], 0x214000);
	/* An offset into the first page, its tail in a third segment. */
	s[0] = (struct blk_seg){ 0x30800, 0x800 };
	s[1] = (struct blk_seg){ 0x50000, 0x2000 };
	s[2] = (struct blk_seg){ 0x60000, 0x800 };
	ck_assert_int_eq(nvme_prp_build(s, 3, &p1, &p2, list, NVME_PRP_LIST_MAX, 0x9000, &why), 3);
	ck_assert_uint_eq(p1, 0x30800);
	ck_assert_uint_eq(list[0], 0x50000);
	ck_assert_uint_eq(list[1], 0x51000);
	ck_assert_uint_eq(list[2], 0x60000);
	/* 2 MiB from an offset: 513 pages, the whole list page, no chain. */
	s[0] = (struct blk_seg){ 0x1000200, 2 * 1024 * 1024 };
	ck_assert_int_eq(nvme_prp_build(s, 1, &p1, &p2, list, NVME_PRP_LIST_MAX, 0x9000, &why),
			 NVME_PRP_LIST_MAX);
	ck_assert_uint_eq(p1, 0x1000200);
	ck_assert_uint_eq(list[NVME_PRP_LIST_MAX - 1], 0x1200000);
	/* One page more needs a chained list: refused. */
	s[0] = (struct blk_seg){ 0x1000000, 2 * 1024 * 1024 + 4096 + 4096 };
	ck_assert_int_eq(nvme_prp_build(s, 1, &p1, &p2, list, NVME_PRP_LIST_MAX, 0x9000, &why),
			 -EINVAL);
	ck_assert_str_eq(why, "more pages than one PRP list holds");
}
END_TEST

START_TEST(prp_refused)
{
	struct blk_seg s[2];
	const char *why = NULL;
	u64 p1, p2;

	/* A later segment starting inside a page. */
	s[0] = (struct blk_seg){ 0x10000, 4096 };
	s[1] = (struct blk_seg){ 0x20200, 512 };
	ck_assert_int_eq(nvme_prp_build(s, 2, &p1, &p2, list, NVME_PRP_LIST_MAX, 0x9000, &why),
			 -EINVAL);
	ck_assert_str_eq(why, "a segment after the first starts inside a page");
	/* An earlier one ending inside a page. */
	s[0] = (struct blk_seg){ 0x10000, 512 };
	s[1] = (struct blk_seg){ 0x20000, 512 };
	ck_assert_int_eq(nvme_prp_build(s, 2, &p1, &p2, list, NVME_PRP_LIST_MAX, 0x9000, &why),
			 -EINVAL);
	ck_assert_str_eq(why, "a segment before the last ends inside a page");
	/* Not dword-aligned, empty, nothing. */
	s[0] = (struct blk_seg){ 0x10002, 512 };
	ck_assert_int_eq(nvme_prp_build(s, 1, &p1, &p2, list, NVME_PRP_LIST_MAX, 0x9000, &why),
			 -EINVAL);
	ck_assert_str_eq(why, "a segment not dword-aligned");
	s[0] = (struct blk_seg){ 0x10000, 0 };
	ck_assert_int_eq(nvme_prp_build(s, 1, &p1, &p2, list, NVME_PRP_LIST_MAX, 0x9000, &why),
			 -EINVAL);
	ck_assert_int_eq(nvme_prp_build(s, 0, &p1, &p2, list, NVME_PRP_LIST_MAX, 0x9000, &why),
			 -EINVAL);
}
END_TEST

START_TEST(completion_ring)
{
	struct nvme_cqe ring[4], out;
	u16 head = 0;
	bool phase = true;

	memset(ring, 0, sizeof(ring));
	/* Nothing posted: phase 0 entries, we expect 1. */
	ck_assert(!nvme_cq_take(ring, 4, &head, &phase, &out));
	for (u16 i = 0; i < 4; i++) {
		ring[i].cid = (u16)(10 + i);
		ring[i].status = 1;			/* phase 1, success */
	}
	ring[2].status = (0x080 << 1) | 1;		/* LBA out of range */
	for (u16 i = 0; i < 4; i++) {
		ck_assert(nvme_cq_take(ring, 4, &head, &phase, &out));
		ck_assert_uint_eq(out.cid, 10 + i);
	}
	ck_assert_uint_eq(head, 0);
	ck_assert(!phase);				/* wrapped: now phase 0 is new */
	ck_assert(!nvme_cq_take(ring, 4, &head, &phase, &out));
	ring[0].status = 0;				/* second pass, phase 0 */
	ring[0].cid = 20;
	ck_assert(nvme_cq_take(ring, 4, &head, &phase, &out));
	ck_assert_uint_eq(out.cid, 20);
	ck_assert_uint_eq(head, 1);
	ck_assert(!nvme_cq_take(ring, 4, &head, &phase, &out));	/* ring[1] is old */
}
END_TEST

START_TEST(status_errno)
{
	ck_assert_int_eq(nvme_status_errno(0), 0);
	ck_assert_int_eq(nvme_status_errno(0x002), -EINVAL);	/* invalid field */
	ck_assert_int_eq(nvme_status_errno(0x080), -EINVAL);	/* LBA out of range */
	ck_assert_int_eq(nvme_status_errno(0x020), -EROFS);
	ck_assert_int_eq(nvme_status_errno(0x004), -EIO);	/* data transfer */
	ck_assert_int_eq(nvme_status_errno(0x281), -EIO);	/* media: unrecovered read */
	ck_assert_int_eq(nvme_status_errno(0x008), -EIO);	/* aborted: SQ deleted */
}
END_TEST

START_TEST(command_ids)
{
	u64 map = 0;

	for (int i = 0; i < 32; i++)
		ck_assert_int_eq(nvme_cid_alloc(&map, 32), i);
	ck_assert_int_eq(nvme_cid_alloc(&map, 32), -1);		/* all in flight */
	nvme_cid_free(&map, 7);
	nvme_cid_free(&map, 3);
	ck_assert_int_eq(nvme_cid_alloc(&map, 32), 3);		/* lowest free first */
	ck_assert_int_eq(nvme_cid_alloc(&map, 32), 7);
	ck_assert_int_eq(nvme_cid_alloc(&map, 32), -1);
	ck_assert_int_eq(nvme_cid_alloc(&map, 33), 32);		/* a deeper queue */
	map = 0;
	ck_assert_int_eq(nvme_cid_alloc(&map, 64), 0);
	map = ~0ULL >> 1;
	ck_assert_int_eq(nvme_cid_alloc(&map, 64), 63);
	ck_assert_int_eq(nvme_cid_alloc(&map, 64), -1);
	ck_assert_int_eq(nvme_cid_alloc(&map, 100), -1);	/* 64 at most */
}
END_TEST

START_TEST(identify_data)
{
	static u8 buf[4096];
	struct nvme_id_ctrl c;
	struct nvme_id_ns ns;

	memset(buf, 0, sizeof(buf));
	memcpy(buf + 4, "tern0               ", 20);
	memcpy(buf + 24, "QEMU NVMe Ctrl                          ", 40);
	buf[77] = 7;					/* MDTS: 128 pages */
	buf[516] = 0;
	buf[517] = 1;					/* NN 256 */
	buf[525] = 1;					/* VWC */
	nvme_id_ctrl_parse(buf, &c);
	ck_assert_str_eq(c.model, "QEMU NVMe Ctrl");
	ck_assert_str_eq(c.serial, "tern0");
	ck_assert_uint_eq(c.mdts, 7);
	ck_assert_uint_eq(c.nn, 256);
	ck_assert(c.vwc);

	memset(buf, 0, sizeof(buf));
	buf[0] = 0x00;
	buf[1] = 0x80;					/* NSZE 32768 */
	buf[25] = 1;					/* two LBA formats */
	buf[26] = 1;					/* the second */
	buf[128 + 2] = 9;				/* format 0: 512 bytes */
	buf[132 + 2] = 12;				/* format 1: 4 KiB */
	nvme_id_ns_parse(buf, &ns);
	ck_assert_ptr_null(ns.why);
	ck_assert_uint_eq(ns.nsze, 32768);
	ck_assert_uint_eq(ns.block_size, 4096);
	buf[26] = 0;
	nvme_id_ns_parse(buf, &ns);
	ck_assert_uint_eq(ns.block_size, 512);
	buf[26] = 2;					/* no such format */
	nvme_id_ns_parse(buf, &ns);
	ck_assert_ptr_nonnull(ns.why);
	buf[26] = 0;
	buf[128] = 8;					/* 8 bytes of metadata */
	nvme_id_ns_parse(buf, &ns);
	ck_assert_ptr_nonnull(ns.why);
	buf[128] = 0;
	memset(buf, 0, 8);				/* inactive */
	nvme_id_ns_parse(buf, &ns);
	ck_assert_str_eq(ns.why, "inactive (no blocks)");
}
END_TEST

Suite *nvme_suite(void)
{
	Suite *s = suite_create("nvme");
	TCase *tc = tcase_create("commands");

	tcase_add_test(tc, layouts);
	tcase_add_test(tc, admin_commands);
	tcase_add_test(tc, read_command);
	tcase_add_test(tc, completions);
	tcase_add_test(tc, write_flush_identify);
	tcase_add_test(tc, prp_one_and_two_pages);
	tcase_add_test(tc, prp_lists);
	tcase_add_test(tc, prp_refused);
	tcase_add_test(tc, completion_ring);
	tcase_add_test(tc, status_errno);
	tcase_add_test(tc, command_ids);
	tcase_add_test(tc, identify_data);
	suite_add_tcase(s, tc);
	return s;
}
