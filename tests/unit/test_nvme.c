// SPDX-License-Identifier: GPL-2.0
/* NVMe command encoding and completion decoding (NVMe 1.4). */
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

Suite *nvme_suite(void)
{
	Suite *s = suite_create("nvme");
	TCase *tc = tcase_create("commands");

	tcase_add_test(tc, layouts);
	tcase_add_test(tc, admin_commands);
	tcase_add_test(tc, read_command);
	tcase_add_test(tc, completions);
	suite_add_tcase(s, tc);
	return s;
}
