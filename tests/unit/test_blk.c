// SPDX-License-Identifier: GPL-2.0
/*
 * The block layer's request rules (drivers/block/blk_req.c): operations,
 * bounds of disks and partitions, segments adding up, the driver's limit,
 * partition-to-disk translation, lookup by name and by label.
 */
#include <errno.h>
#include <string.h>

#include "drivers/block/blk.h"
#include "tests/unit/suites.h"

static struct blk_dev disk = {
	.name = "ata0", .nblocks = 32768, .block_size = 512, .max_blocks = 65536,
};
static struct blk_dev part = {
	.name = "ata0p1", .label = "tern-scratch", .nblocks = 1024, .block_size = 512,
	.parent = &disk, .start = 2048, .partno = 1,
};
static struct blk_dev part2 = {
	.name = "ata0p2", .label = "data", .nblocks = 4096, .block_size = 512,
	.parent = &disk, .start = 4096, .partno = 2,
};

static struct blk_req rw(enum blk_op op, u64 lba, u32 count)
{
	struct blk_req r = { .op = op, .lba = lba, .count = count, .nsegs = 1 };

	r.segs[0].pa = 0x100000;
	r.segs[0].len = count * 512;
	return r;
}

START_TEST(valid)
{
	const char *why = NULL;
	struct blk_req r = rw(BLK_READ, 0, 8);

	ck_assert_int_eq(blk_req_check(&disk, &r, &why), 0);
	r = rw(BLK_WRITE, 32768 - 8, 8);			/* the last blocks */
	ck_assert_int_eq(blk_req_check(&disk, &r, &why), 0);
	r = (struct blk_req){ .op = BLK_FLUSH };
	ck_assert_int_eq(blk_req_check(&disk, &r, &why), 0);
	/* Several segments that add up. */
	r = rw(BLK_READ, 10, 3);
	r.nsegs = 3;
	r.segs[0].len = 100;
	r.segs[1] = (struct blk_seg){ 0x200000, 1000 };
	r.segs[2] = (struct blk_seg){ 0x300000, 436 };
	ck_assert_int_eq(blk_req_check(&disk, &r, &why), 0);
	ck_assert_str_eq(blk_op_name(BLK_FLUSH), "flush");
}
END_TEST

START_TEST(invalid)
{
	const char *why = NULL;
	struct blk_req r;

	r = rw(BLK_READ, 32768 - 7, 8);
	ck_assert_int_eq(blk_req_check(&disk, &r, &why), -EINVAL);
	ck_assert_str_eq(why, "past the end of the device");
	r = rw(BLK_READ, ~0ULL - 3, 8);				/* lba + count wraps */
	ck_assert_int_eq(blk_req_check(&disk, &r, &why), -EINVAL);
	ck_assert_str_eq(why, "past the end of the device");
	r = rw(BLK_READ, 0, 0);
	ck_assert_int_eq(blk_req_check(&disk, &r, &why), -EINVAL);
	ck_assert_str_eq(why, "no blocks");
	r = rw(BLK_WRITE, 0, 8);
	r.segs[0].len -= 2;
	ck_assert_int_eq(blk_req_check(&disk, &r, &why), -EINVAL);
	ck_assert_str_eq(why, "segments do not add up to the blocks");
	r = rw(BLK_WRITE, 0, 8);
	r.nsegs = 2;						/* an empty second one */
	ck_assert_int_eq(blk_req_check(&disk, &r, &why), -EINVAL);
	ck_assert_str_eq(why, "an empty segment");
	r.nsegs = BLK_SEGS_MAX + 1;
	ck_assert_int_eq(blk_req_check(&disk, &r, &why), -EINVAL);
	r.nsegs = 0;
	ck_assert_int_eq(blk_req_check(&disk, &r, &why), -EINVAL);
	r = rw(BLK_WRITE, 0, 8);
	r.op = BLK_OPS;
	ck_assert_int_eq(blk_req_check(&disk, &r, &why), -EINVAL);
	ck_assert_str_eq(why, "unknown operation");
	r = rw(BLK_FLUSH, 0, 1);
	ck_assert_int_eq(blk_req_check(&disk, &r, &why), -EINVAL);
	ck_assert_str_eq(why, "a flush with blocks or segments");
}
END_TEST

START_TEST(partition_bounds)
{
	const char *why = NULL;
	struct blk_req r = rw(BLK_READ, 1016, 8);		/* the partition's end */

	ck_assert_int_eq(blk_req_check(&part, &r, &why), 0);
	r = rw(BLK_READ, 1017, 8);				/* one block into part2's gap */
	ck_assert_int_eq(blk_req_check(&part, &r, &why), -EINVAL);
	ck_assert_str_eq(why, "past the end of the device");
	/* The disk's driver limit holds for its partitions. */
	disk.max_blocks = 4;
	r = rw(BLK_READ, 0, 8);
	ck_assert_int_eq(blk_req_check(&part, &r, &why), -EINVAL);
	ck_assert_str_eq(why, "more blocks than the driver takes at once");
	ck_assert_int_eq(blk_req_check(&disk, &r, &why), -EINVAL);
	disk.max_blocks = 65536;
}
END_TEST

START_TEST(translation)
{
	u64 lba = 0;

	ck_assert_ptr_eq(blk_req_map(&part, 0, &lba), &disk);
	ck_assert_uint_eq(lba, 2048);
	ck_assert_ptr_eq(blk_req_map(&part2, 100, &lba), &disk);
	ck_assert_uint_eq(lba, 4196);
	ck_assert_ptr_eq(blk_req_map(&disk, 100, &lba), &disk);
	ck_assert_uint_eq(lba, 100);
}
END_TEST

START_TEST(lookup)
{
	struct blk_dev *devs[] = { &disk, &part, &part2 };

	ck_assert_ptr_eq(blk_lookup(devs, 3, "ata0p2"), &part2);
	ck_assert_ptr_eq(blk_lookup(devs, 3, "ata0"), &disk);
	ck_assert_ptr_eq(blk_lookup(devs, 3, "label=tern-scratch"), &part);
	ck_assert_ptr_null(blk_lookup(devs, 3, "label=nope"));
	ck_assert_ptr_null(blk_lookup(devs, 3, "label="));
	ck_assert_ptr_null(blk_lookup(devs, 3, "ata1"));
}
END_TEST

Suite *blk_suite(void)
{
	Suite *s = suite_create("blk");
	TCase *tc = tcase_create("requests");

	tcase_add_test(tc, valid);
	tcase_add_test(tc, invalid);
	tcase_add_test(tc, partition_bounds);
	tcase_add_test(tc, translation);
	tcase_add_test(tc, lookup);
	suite_add_tcase(s, tc);
	return s;
}
