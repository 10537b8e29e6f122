// SPDX-License-Identifier: GPL-2.0
/*
 * ATA encoding (drivers/ata/ata_cmd.c): taskfiles for LBA28 and LBA48
 * (which byte goes in which register, the count's wrap, the range of each
 * mode), PRD tables split at 64 KiB boundaries, IDENTIFY DEVICE data.
 */
#include <string.h>

#include "drivers/ata/ata.h"
#include "tests/unit/suites.h"

START_TEST(prd_layout)
{
	ck_assert_uint_eq(sizeof(struct ata_prd), 8);
}
END_TEST

START_TEST(tf_lba48)
{
	struct ata_tf tf;

	memset(&tf, 0xa5, sizeof(tf));
	ck_assert_int_eq(ata_tf_rw(&tf, false, true, true, false, 0x123456789abcULL, 0x1234), 0);
	ck_assert_uint_eq(tf.command, ATA_CMD_READ_DMA_EXT);
	ck_assert_uint_eq(tf.lba_lo, 0xbc);
	ck_assert_uint_eq(tf.lba_mid, 0x9a);
	ck_assert_uint_eq(tf.lba_hi, 0x78);
	ck_assert_uint_eq(tf.hob_lba_lo, 0x56);
	ck_assert_uint_eq(tf.hob_lba_mid, 0x34);
	ck_assert_uint_eq(tf.hob_lba_hi, 0x12);
	ck_assert_uint_eq(tf.count, 0x34);
	ck_assert_uint_eq(tf.hob_count, 0x12);
	ck_assert_uint_eq(tf.feature, 0);
	ck_assert_uint_eq(tf.hob_feature, 0);
	ck_assert_uint_eq(tf.device, 0xe0);		/* LBA, device 0, no address bits */
	ck_assert(tf.lba48);
	/* 65536 sectors: the count wraps to 0 in both bytes. */
	ck_assert_int_eq(ata_tf_rw(&tf, true, true, true, true, 0, 65536), 0);
	ck_assert_uint_eq(tf.command, ATA_CMD_WRITE_DMA_EXT);
	ck_assert_uint_eq(tf.count, 0);
	ck_assert_uint_eq(tf.hob_count, 0);
	ck_assert_uint_eq(tf.device, 0xf0);		/* device 1 */
	ck_assert_int_eq(ata_tf_rw(&tf, true, true, true, false, 0, 65537), -1);
	ck_assert_int_eq(ata_tf_rw(&tf, true, true, true, false, 0, 0), -1);
	/* The last sectors of a 48-bit address space, and one past. */
	ck_assert_int_eq(ata_tf_rw(&tf, false, false, true, false, BIT(48) - 8, 8), 0);
	ck_assert_uint_eq(tf.command, ATA_CMD_READ_PIO_EXT);
	ck_assert_int_eq(ata_tf_rw(&tf, false, false, true, false, BIT(48) - 8, 9), -1);
	ck_assert_int_eq(ata_tf_rw(&tf, true, false, true, false, 5, 1), 0);
	ck_assert_uint_eq(tf.command, ATA_CMD_WRITE_PIO_EXT);
}
END_TEST

START_TEST(tf_lba28)
{
	struct ata_tf tf;

	ck_assert_int_eq(ata_tf_rw(&tf, false, true, false, true, 0x0abcdef1, 256), 0);
	ck_assert_uint_eq(tf.command, ATA_CMD_READ_DMA);
	ck_assert_uint_eq(tf.count, 0);			/* 256 */
	ck_assert_uint_eq(tf.lba_lo, 0xf1);
	ck_assert_uint_eq(tf.lba_mid, 0xde);
	ck_assert_uint_eq(tf.lba_hi, 0xbc);
	ck_assert_uint_eq(tf.device, 0xf0 | 0x0a);	/* LBA 27:24 in the device register */
	ck_assert_uint_eq(tf.hob_lba_lo, 0);
	ck_assert(!tf.lba48);
	ck_assert_int_eq(ata_tf_rw(&tf, false, true, false, false, 0, 257), -1);
	ck_assert_int_eq(ata_tf_rw(&tf, false, true, false, false, BIT(28) - 1, 2), -1);
	ck_assert_int_eq(ata_tf_rw(&tf, true, false, false, false, 1, 1), 0);
	ck_assert_uint_eq(tf.command, ATA_CMD_WRITE_PIO);
	ck_assert_int_eq(ata_tf_rw(&tf, true, true, false, false, 1, 1), 0);
	ck_assert_uint_eq(tf.command, ATA_CMD_WRITE_DMA);
}
END_TEST

START_TEST(tf_flush)
{
	struct ata_tf tf;
	struct ata_ident id = { .flush = true, .flush_ext = true };

	ata_tf_flush(&tf, &id, false);
	ck_assert_uint_eq(tf.command, ATA_CMD_FLUSH_EXT);
	id.flush_ext = false;
	ata_tf_flush(&tf, &id, true);
	ck_assert_uint_eq(tf.command, ATA_CMD_FLUSH);
	ck_assert_uint_eq(tf.device, 0xf0);
}
END_TEST

START_TEST(prd_split)
{
	struct ata_prd t[16];
	const char *why = NULL;
	/* 80 KiB from 0x10f000: 4 KiB to the boundary at 0x110000, 64 KiB
	 * (encoded 0), then 12 KiB; then one 512-byte segment. */
	struct blk_seg s[2] = { { 0x10f000, 80 * 1024 }, { 0x200000, 512 } };

	ck_assert_int_eq(ata_prd_fill(t, 16, s, 2, &why), 4);
	ck_assert_uint_eq(t[0].addr, 0x10f000);
	ck_assert_uint_eq(t[0].len, 0x1000);
	ck_assert_uint_eq(t[0].flags, 0);
	ck_assert_uint_eq(t[1].addr, 0x110000);
	ck_assert_uint_eq(t[1].len, 0);			/* 64 KiB */
	ck_assert_uint_eq(t[2].addr, 0x120000);
	ck_assert_uint_eq(t[2].len, 0x3000);
	ck_assert_uint_eq(t[3].addr, 0x200000);
	ck_assert_uint_eq(t[3].len, 512);
	ck_assert_uint_eq(t[3].flags, ATA_PRD_EOT);
	/* No entry crosses a 64 KiB boundary. */
	for (int i = 0; i < 4; i++) {
		u32 len = t[i].len ? t[i].len : 0x10000;

		ck_assert_uint_eq(t[i].addr >> 16, (t[i].addr + len - 1) >> 16);
	}
	/* Exactly one aligned region: one entry of 0. */
	s[0] = (struct blk_seg){ 0x30000, 0x10000 };
	ck_assert_int_eq(ata_prd_fill(t, 16, s, 1, &why), 1);
	ck_assert_uint_eq(t[0].len, 0);
	ck_assert_uint_eq(t[0].flags, ATA_PRD_EOT);
}
END_TEST

START_TEST(prd_refused)
{
	struct ata_prd t[2];
	const char *why = NULL;
	struct blk_seg s = { 0x100000001ULL - 1, 512 };

	ck_assert_int_eq(ata_prd_fill(t, 2, &s, 1, &why), -1);
	ck_assert_str_eq(why, "a segment above 4 GiB");
	s = (struct blk_seg){ 0xfffffe00, 0x400 };		/* straddles 4 GiB */
	ck_assert_int_eq(ata_prd_fill(t, 2, &s, 1, &why), -1);
	s = (struct blk_seg){ 0x1001, 512 };
	ck_assert_int_eq(ata_prd_fill(t, 2, &s, 1, &why), -1);
	ck_assert_str_eq(why, "a segment at an odd address or of odd length");
	s = (struct blk_seg){ 0x1000, 0x30000 };		/* needs 4 entries */
	ck_assert_int_eq(ata_prd_fill(t, 2, &s, 1, &why), -1);
	ck_assert_str_eq(why, "more PRD entries than the table holds");
}
END_TEST

static void put_string(u16 *w, const char *s, u32 words)
{
	for (u32 i = 0; i < words; i++) {
		u8 a = *s ? (u8)*s++ : ' ', b = *s ? (u8)*s++ : ' ';

		w[i] = (u16)(a << 8 | b);
	}
}

START_TEST(identify)
{
	u16 id[256] = { 0 };
	struct ata_ident o;

	id[ATA_ID_CONFIG] = 0x0040;
	put_string(id + ATA_ID_MODEL, "tern test disk", ATA_ID_MODEL_WORDS);
	id[ATA_ID_CAPS] = ATA_ID_CAPS_LBA | ATA_ID_CAPS_DMA;
	id[ATA_ID_LBA28_SECTORS] = 0x8000;		/* 32768 */
	id[ATA_ID_CMDSET2] = ATA_ID_CMDSET2_LBA48 | ATA_ID_CMDSET2_FLUSH | ATA_ID_CMDSET2_FLUSH_EXT;
	id[ATA_ID_CMDSET2_ENABLED] = ATA_ID_CMDSET2_LBA48;
	id[ATA_ID_LBA48_SECTORS] = 0x0000;
	id[ATA_ID_LBA48_SECTORS + 1] = 0x0001;		/* 65536 */
	id[ATA_ID_LBA48_SECTORS + 2] = 0x0002;		/* + 2^33 */
	ata_identify_parse(id, &o);
	ck_assert(!o.atapi);
	ck_assert_str_eq(o.model, "tern test disk");
	ck_assert(o.lba48 && o.dma && o.flush_ext);
	ck_assert_uint_eq(o.sectors, 0x200010000ULL);
	ck_assert_uint_eq(o.sector_size, 512);
	/* LBA48 supported but not enabled: the 28-bit count. */
	id[ATA_ID_CMDSET2_ENABLED] = 0;
	ata_identify_parse(id, &o);
	ck_assert(!o.lba48 && !o.flush_ext && o.flush);
	ck_assert_uint_eq(o.sectors, 32768);
	/* 4 KiB logical sectors. */
	id[ATA_ID_SECTOR_SIZE] = ATA_ID_SS_VALID | ATA_ID_SS_LONG_LOGICAL;
	id[ATA_ID_LOGICAL_WORDS] = 2048;
	ata_identify_parse(id, &o);
	ck_assert_uint_eq(o.sector_size, 4096);
	/* A packet device. */
	id[ATA_ID_CONFIG] = 0x85c0;
	ata_identify_parse(id, &o);
	ck_assert(o.atapi);
}
END_TEST

Suite *ata_suite(void)
{
	Suite *s = suite_create("ata");
	TCase *tc = tcase_create("encoding");

	tcase_add_test(tc, prd_layout);
	tcase_add_test(tc, tf_lba48);
	tcase_add_test(tc, tf_lba28);
	tcase_add_test(tc, tf_flush);
	tcase_add_test(tc, prd_split);
	tcase_add_test(tc, prd_refused);
	tcase_add_test(tc, identify);
	suite_add_tcase(s, tc);
	return s;
}
