// SPDX-License-Identifier: GPL-2.0
/*
 * Partition tables (drivers/block/part.c): MBR with primary and logical
 * partitions, GPT with labels, and broken tables, each refused with its
 * reason: signature, CRCs, absurd sizes, entries past the end or
 * overlapping, an EBR chain that loops.
 */
#include <stdlib.h>
#include <string.h>

#include "core/le.h"
#include "drivers/block/part.h"
#include "tests/unit/suites.h"

#define BS	512
#define NB	2048		/* a 1 MiB disk */

struct disk {
	u8 *d;
	u64 nb;
	u32 reads;
	int fail_lba;		/* -1: none */
};

static int disk_read(void *ctx, u64 lba, void *buf)
{
	struct disk *k = ctx;

	ck_assert_uint_lt(lba, k->nb);		/* the parser never reads past the end */
	k->reads++;
	if ((int)lba == k->fail_lba)
		return -1;
	memcpy(buf, k->d + lba * BS, BS);
	return 0;
}

static struct disk *disk_new(void)
{
	struct disk *k = calloc(1, sizeof(*k));

	k->nb = NB;
	k->d = calloc(NB, BS);
	k->fail_lba = -1;
	return k;
}

static void disk_free(struct disk *k)
{
	free(k->d);
	free(k);
}

static void mbr_entry(u8 *sec, int i, u8 status, u8 type, u32 start, u32 count)
{
	u8 *e = sec + MBR_ENTRIES_OFF + 16 * i;

	e[0] = status;
	e[4] = type;
	put32(e + 8, start);
	put32(e + 12, count);
	sec[510] = 0x55;
	sec[511] = 0xaa;
}

static int scan(struct disk *k, struct part_table *t)
{
	u8 buf[BS];

	return part_scan(disk_read, k, k->nb, BS, buf, t);
}

START_TEST(crc32_known)
{
	/* The check value of CRC-32/ISO-HDLC. */
	ck_assert_uint_eq(part_crc32(0, "123456789", 9), 0xcbf43926);
	/* Chained over two pieces, the same. */
	ck_assert_uint_eq(part_crc32(part_crc32(0, "1234", 4), "56789", 5), 0xcbf43926);
}
END_TEST

START_TEST(no_table)
{
	struct disk *k = disk_new();
	struct part_table t;

	ck_assert_int_eq(scan(k, &t), 0);
	ck_assert_str_eq(t.scheme, "none");
	ck_assert_ptr_nonnull(strstr(t.why, "no MBR signature"));
	k->fail_lba = 0;
	ck_assert_int_eq(scan(k, &t), -1);
	ck_assert_ptr_nonnull(strstr(t.why, "cannot read block 0"));
	disk_free(k);
}
END_TEST

START_TEST(mbr_primary)
{
	struct disk *k = disk_new();
	struct part_table t;

	mbr_entry(k->d, 0, 0x80, 0x83, 2048 - 1024, 1024);
	mbr_entry(k->d, 2, 0x00, 0x0c, 1, 1000);
	ck_assert_int_eq(scan(k, &t), 2);
	ck_assert_str_eq(t.scheme, "mbr");
	ck_assert_uint_eq(t.p[0].number, 1);
	ck_assert_uint_eq(t.p[0].start, 1024);
	ck_assert_uint_eq(t.p[0].count, 1024);
	ck_assert_uint_eq(t.p[0].type, 0x83);
	ck_assert_uint_eq(t.p[1].number, 3);
	ck_assert_uint_eq(t.p[1].start, 1);
	ck_assert_str_eq(t.p[1].label, "");
	disk_free(k);
}
END_TEST

START_TEST(mbr_broken)
{
	struct disk *k = disk_new();
	struct part_table t;

	/* Past the end of the disk. */
	mbr_entry(k->d, 0, 0, 0x83, 2000, 100);
	ck_assert_int_eq(scan(k, &t), -1);
	ck_assert_ptr_nonnull(strstr(t.why, "MBR entry 1: blocks 2000+100 outside the disk"));
	ck_assert_uint_eq(t.n, 0);
	/* Overlapping. */
	mbr_entry(k->d, 0, 0, 0x83, 100, 100);
	mbr_entry(k->d, 1, 0, 0x83, 150, 100);
	ck_assert_int_eq(scan(k, &t), -1);
	ck_assert_str_eq(t.why, "partitions 1 and 2 overlap");
	/* A boot sector, not a table. */
	mbr_entry(k->d, 1, 0x33, 0x83, 300, 100);
	ck_assert_int_eq(scan(k, &t), -1);
	ck_assert_ptr_nonnull(strstr(t.why, "boot flag 0x33"));
	/* Zero-sized and block 0. */
	mbr_entry(k->d, 1, 0, 0x83, 300, 0);
	ck_assert_int_eq(scan(k, &t), -1);
	ck_assert_ptr_nonnull(strstr(t.why, "MBR entry 2"));
	mbr_entry(k->d, 1, 0, 0x83, 0, 10);
	ck_assert_int_eq(scan(k, &t), -1);
	ck_assert_ptr_nonnull(strstr(t.why, "MBR entry 2"));
	disk_free(k);
}
END_TEST

START_TEST(mbr_logical)
{
	struct disk *k = disk_new();
	struct part_table t;

	mbr_entry(k->d, 0, 0, 0x83, 1, 99);
	mbr_entry(k->d, 1, 0, 0x0f, 100, 1000);		/* extended 100-1099 */
	/* EBR 1 at 100: logical 5 at 101 (+50); next EBR at 100 + 200. */
	mbr_entry(k->d + 100 * BS, 0, 0, 0x83, 1, 50);
	mbr_entry(k->d + 100 * BS, 1, 0, 0x05, 200, 300);
	/* EBR 2 at 300: logical 6 at 310 (+90), the end. */
	mbr_entry(k->d + 300 * BS, 0, 0, 0x83, 10, 90);
	ck_assert_int_eq(scan(k, &t), 3);
	ck_assert_uint_eq(t.p[0].number, 1);
	ck_assert_uint_eq(t.p[1].number, 5);
	ck_assert_uint_eq(t.p[1].start, 101);
	ck_assert_uint_eq(t.p[1].count, 50);
	ck_assert_uint_eq(t.p[2].number, 6);
	ck_assert_uint_eq(t.p[2].start, 310);

	/* A loop: EBR 2 links back to EBR 1. */
	mbr_entry(k->d + 300 * BS, 1, 0, 0x05, 0, 300);
	ck_assert_int_eq(scan(k, &t), -1);
	ck_assert_ptr_nonnull(strstr(t.why, "EBR at block 100 links back (a loop)"));
	ck_assert_uint_eq(t.n, 0);
	/* A link out of the extended partition. */
	mbr_entry(k->d + 300 * BS, 1, 0, 0x05, 5000, 300);
	ck_assert_int_eq(scan(k, &t), -1);
	ck_assert_ptr_nonnull(strstr(t.why, "outside the extended partition"));
	/* A logical partition past the extended one. */
	mbr_entry(k->d + 300 * BS, 1, 0, 0, 0, 0);
	mbr_entry(k->d + 300 * BS, 0, 0, 0x83, 10, 900);
	ck_assert_int_eq(scan(k, &t), -1);
	ck_assert_ptr_nonnull(strstr(t.why, "logical partition 6"));
	disk_free(k);
}
END_TEST

/* ---- GPT ---- */

#define ENTRIES_LBA	2
#define NENT		128

static void gpt_name(u8 *e, const char *name)
{
	for (int i = 0; name[i]; i++)
		put16(e + GPT_ENT_NAME + 2 * i, (u8)name[i]);
}

static void gpt_entry(struct disk *k, int i, u64 start, u64 end, const char *name)
{
	u8 *e = k->d + ENTRIES_LBA * BS + 128 * i;

	memset(e, 0, 128);
	e[GPT_ENT_TYPE] = 0xaf;			/* any non-zero type GUID */
	e[GPT_ENT_TYPE + 15] = 0x3d;
	put64(e + GPT_ENT_START, start);
	put64(e + GPT_ENT_END, end);
	gpt_name(e, name);
}

/* Header and entries CRCs recomputed over whatever the test wrote. */
static void gpt_seal(struct disk *k)
{
	u8 *h = k->d + BS;

	put32(h + GPT_HDR_ENTRIES_CRC,
	      part_crc32(0, k->d + rd64(h + GPT_HDR_ENTRIES_LBA) * BS,
			 (size_t)rd32(h + GPT_HDR_NENTRIES) * rd32(h + GPT_HDR_ENTRY_SIZE)));
	put32(h + GPT_HDR_CRC, 0);
	put32(h + GPT_HDR_CRC, part_crc32(0, h, rd32(h + GPT_HDR_SIZE)));
}

static struct disk *gpt_disk(void)
{
	struct disk *k = disk_new();
	u8 *h = k->d + BS;

	mbr_entry(k->d, 0, 0, MBR_TYPE_GPT, 1, NB - 1);
	put64(h + GPT_HDR_SIG, GPT_SIG);
	put32(h + GPT_HDR_REVISION, 0x00010000);
	put32(h + GPT_HDR_SIZE, 92);
	put64(h + GPT_HDR_MY_LBA, 1);
	put64(h + GPT_HDR_ALT_LBA, NB - 1);
	put64(h + GPT_HDR_FIRST_USABLE, 34);
	put64(h + GPT_HDR_LAST_USABLE, NB - 34);
	put64(h + GPT_HDR_ENTRIES_LBA, ENTRIES_LBA);
	put32(h + GPT_HDR_NENTRIES, NENT);
	put32(h + GPT_HDR_ENTRY_SIZE, 128);
	gpt_entry(k, 0, 64, 1087, "tern-scratch");
	gpt_entry(k, 2, 1088, 1599, "data");
	gpt_seal(k);
	return k;
}

START_TEST(gpt_good)
{
	struct disk *k = gpt_disk();
	struct part_table t;

	ck_assert_int_eq(scan(k, &t), 2);
	ck_assert_str_eq(t.scheme, "gpt");
	ck_assert_uint_eq(t.p[0].number, 1);
	ck_assert_uint_eq(t.p[0].start, 64);
	ck_assert_uint_eq(t.p[0].count, 1024);
	ck_assert_str_eq(t.p[0].label, "tern-scratch");
	ck_assert_uint_eq(t.p[1].number, 3);		/* entry 3: numbers follow the slot */
	ck_assert_uint_eq(t.p[1].count, 512);
	ck_assert_str_eq(t.p[1].label, "data");
	/* MBR, header, and the 32 blocks of entries: nothing else. */
	ck_assert_uint_eq(k->reads, 2 + NENT * 128 / BS);
	disk_free(k);
}
END_TEST

START_TEST(gpt_label_ascii)
{
	struct disk *k = gpt_disk();
	struct part_table t;
	u8 *e = k->d + ENTRIES_LBA * BS;

	put16(e + GPT_ENT_NAME + 2, 0x00e9);		/* é */
	gpt_seal(k);
	ck_assert_int_eq(scan(k, &t), 2);
	ck_assert_str_eq(t.p[0].label, "t?rn-scratch");
	disk_free(k);
}
END_TEST

/* Each break, on a fresh good disk, refused by name with no partitions. */
START_TEST(gpt_broken)
{
	static const struct {
		const char *why;
		int field, width;	/* header field to set (-1: special) */
		u64 val;
		bool reseal;
	} cases[] = {
		{ "GPT header: bad signature", GPT_HDR_SIG, 8, 0x5452415020494646ULL, true },
		{ "GPT header: CRC mismatch", GPT_HDR_FIRST_USABLE, 8, 35, false },
		{ "GPT header: absurd header size 4096", GPT_HDR_SIZE, 4, 4096, true },
		{ "GPT header: MyLBA is not 1", GPT_HDR_MY_LBA, 8, 2, true },
		{ "GPT header: usable blocks 34-2048 outside the disk", GPT_HDR_LAST_USABLE, 8, NB, true },
		{ "GPT header: absurd entry size 100", GPT_HDR_ENTRY_SIZE, 4, 100, true },
		{ "GPT header: absurd entry size 8192", GPT_HDR_ENTRY_SIZE, 4, 8192, true },
		{ "GPT header: absurd entry count 0", GPT_HDR_NENTRIES, 4, 0, true },
		{ "GPT header: absurd entry count 100000", GPT_HDR_NENTRIES, 4, 100000, true },
		{ "GPT entries: blocks 2040-2071 past the end", GPT_HDR_ENTRIES_LBA, 8, 2040, true },
		{ "GPT entries: blocks 40-71 inside the usable", GPT_HDR_ENTRIES_LBA, 8, 40, true },
		{ "GPT entries: CRC mismatch", GPT_HDR_ENTRIES_CRC, 4, 0x12345678, false },
	};

	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		struct disk *k = gpt_disk();
		struct part_table t;
		u8 *h = k->d + BS;
		u32 crc;

		if (cases[i].width == 8)
			put64(h + cases[i].field, cases[i].val);
		else
			put32(h + cases[i].field, (u32)cases[i].val);
		if (cases[i].reseal) {
			/* Only the header CRC: the entries CRC stays as it was. */
			put32(h + GPT_HDR_CRC, 0);
			crc = part_crc32(0, h, MIN(rd32(h + GPT_HDR_SIZE), (u32)BS));
			put32(h + GPT_HDR_CRC, crc);
		} else if (cases[i].field == GPT_HDR_ENTRIES_CRC) {
			put32(h + GPT_HDR_CRC, 0);
			put32(h + GPT_HDR_CRC, part_crc32(0, h, 92));
		}
		ck_assert_msg(scan(k, &t) == -1, "case %u (%s) accepted", i, cases[i].why);
		ck_assert_msg(strstr(t.why, cases[i].why), "case %u: %s", i, t.why);
		ck_assert_uint_eq(t.n, 0);
		disk_free(k);
	}
}
END_TEST

START_TEST(gpt_broken_entries)
{
	struct disk *k = gpt_disk();
	struct part_table t;

	/* Overlapping partitions. */
	gpt_entry(k, 2, 1000, 1599, "data");
	gpt_seal(k);
	ck_assert_int_eq(scan(k, &t), -1);
	ck_assert_str_eq(t.why, "partitions 1 and 3 overlap");
	/* Past the last usable block. */
	gpt_entry(k, 2, 1088, NB + 10, "data");
	gpt_seal(k);
	ck_assert_int_eq(scan(k, &t), -1);
	ck_assert_ptr_nonnull(strstr(t.why, "GPT entry 3: blocks 1088-2058 outside the usable 34-2014"));
	/* End before start. */
	gpt_entry(k, 2, 1500, 1400, "data");
	gpt_seal(k);
	ck_assert_int_eq(scan(k, &t), -1);
	ck_assert_ptr_nonnull(strstr(t.why, "GPT entry 3"));
	/* Over the header. */
	gpt_entry(k, 2, 1, 20, "data");
	gpt_seal(k);
	ck_assert_int_eq(scan(k, &t), -1);
	ck_assert_ptr_nonnull(strstr(t.why, "GPT entry 3"));
	/* An unreadable entries block. */
	gpt_entry(k, 2, 1088, 1599, "data");
	gpt_seal(k);
	k->fail_lba = ENTRIES_LBA + 5;
	ck_assert_int_eq(scan(k, &t), -1);
	ck_assert_ptr_nonnull(strstr(t.why, "cannot read block 7"));
	disk_free(k);
}
END_TEST

START_TEST(gpt_too_many)
{
	struct disk *k = gpt_disk();
	struct part_table t;

	for (int i = 0; i < PART_MAX + 1; i++)
		gpt_entry(k, i, 34 + 10 * (u64)i, 34 + 10 * (u64)i + 9, "p");
	gpt_seal(k);
	ck_assert_int_eq(scan(k, &t), -1);
	ck_assert_ptr_nonnull(strstr(t.why, "more than 32 partitions"));
	disk_free(k);
}
END_TEST

Suite *part_suite(void)
{
	Suite *s = suite_create("part");
	TCase *tc = tcase_create("tables");

	tcase_add_test(tc, crc32_known);
	tcase_add_test(tc, no_table);
	tcase_add_test(tc, mbr_primary);
	tcase_add_test(tc, mbr_broken);
	tcase_add_test(tc, mbr_logical);
	tcase_add_test(tc, gpt_good);
	tcase_add_test(tc, gpt_label_ascii);
	tcase_add_test(tc, gpt_broken);
	tcase_add_test(tc, gpt_broken_entries);
	tcase_add_test(tc, gpt_too_many);
	suite_add_tcase(s, tc);
	return s;
}
