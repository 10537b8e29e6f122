// SPDX-License-Identifier: GPL-2.0
#include "tests/unit/suites.h"
#include "vmx/emul/desc_table.h"
#include "vmx/vmcs.h"

/* Instruction information with base and index registers and a scale. */
static u32 info(u32 scale, u32 asize, u32 base, bool nobase, u32 index, bool noindex)
{
	return scale | asize << 7 | index << 18 | (noindex ? DTI_INDEX_INVALID : 0) |
	       base << 23 | (nobase ? DTI_BASE_INVALID : 0);
}

START_TEST(operand)
{
	/* [rbx + rsi*8 + 0x10], 64-bit addressing */
	ck_assert_uint_eq(dt_operand_offset(info(3, 2, 3, false, 6, false), 0x10, 0x1000, 2),
			  0x1000 + 16 + 0x10);
	/* Missing base and index: the displacement alone (absolute). */
	ck_assert_uint_eq(dt_operand_offset(info(0, 2, 0, true, 0, true), 0x8123, 7, 9), 0x8123);
	/* 32-bit addressing wraps at 4 GiB, 16-bit at 64 KiB. */
	ck_assert_uint_eq(dt_operand_offset(info(0, 1, 0, false, 0, true), 0x10, 0xfffffff8, 0),
			  0x8);
	ck_assert_uint_eq(dt_operand_offset(info(1, 0, 0, false, 1, false), 2, 0xfff0, 8), 0x2);
	/* The identity field and register fields decode where the SDM says. */
	ck_assert_uint_eq(DTI_IDENTITY(3u << 28), DT_LIDT);
	ck_assert_uint_eq(DTI_SEG(5u << 15), 5);
	ck_assert_uint_eq(DTI_REG1(0xfu << 3), 15);
}
END_TEST

START_TEST(descriptors)
{
	/* A 64-bit available TSS at 0xffff888012345678, limit 0x67 (16 bytes). */
	static const u8 tss[16] = { 0x67, 0x00, 0x78, 0x56, 0x34, 0x89, 0x00, 0x12,
				    0x88, 0x88, 0xff, 0xff, 0, 0, 0, 0 };
	/* Flat 4 GiB data (G set), and an LDT with DPL 3. */
	static const u8 data[8] = { 0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0 };
	static const u8 ldt[8] = { 0xff, 0x0f, 0x00, 0x10, 0x20, 0xe2, 0x00, 0x30 };
	struct dt_seg s;

	dt_decode_descriptor(tss, true, &s);
	ck_assert_uint_eq(s.base, 0xffff888812345678ULL);
	ck_assert_uint_eq(s.limit, 0x67);
	ck_assert_uint_eq(s.ar & 0xf, DESC_TYPE_TSS_AVAIL);
	ck_assert(s.ar & AR_P);
	ck_assert(!(s.ar & AR_S));
	dt_decode_descriptor(data, false, &s);
	ck_assert_uint_eq(s.base, 0);
	ck_assert_uint_eq(s.limit, 0xffffffff);
	ck_assert_uint_eq(s.ar, 0xc093);
	dt_decode_descriptor(ldt, false, &s);
	ck_assert_uint_eq(s.base, 0x30201000);
	ck_assert_uint_eq(s.limit, 0xfff);
	ck_assert_uint_eq(s.ar & 0xf, DESC_TYPE_LDT);
	ck_assert_uint_eq((s.ar >> 5) & 3, 3);
	/* Not wide: the upper half of a 16-byte descriptor is ignored. */
	dt_decode_descriptor(tss, false, &s);
	ck_assert_uint_eq(s.base, 0x12345678);
}
END_TEST

Suite *desc_table_suite(void)
{
	Suite *s = suite_create("desc_table");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, operand);
	tcase_add_test(tc, descriptors);
	suite_add_tcase(s, tc);
	return s;
}
