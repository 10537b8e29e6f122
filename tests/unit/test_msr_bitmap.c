// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "tests/unit/suites.h"
#include "vmx/msr_bitmap.h"

START_TEST(layout)
{
	static u8 bm[PAGE_SIZE];

	msr_bitmap_exit_all(bm);
	ck_assert(msr_bitmap_exits(bm, 0x48, false));
	ck_assert(msr_bitmap_allow(bm, 0x48, true, true));
	ck_assert(!msr_bitmap_exits(bm, 0x48, false));
	ck_assert(!msr_bitmap_exits(bm, 0x48, true));
	ck_assert_uint_eq(bm[0x48 / 8], 0xff & ~(1 << (0x48 & 7)));	/* read low */
	ck_assert_uint_eq(bm[2048 + 0x48 / 8], 0xff & ~(1 << 0));	/* write low */
	ck_assert(msr_bitmap_allow(bm, 0xc0000101, true, false));	/* GS base, read only */
	ck_assert_uint_eq(bm[1024 + 0x101 / 8], 0xff & ~(1 << 1));	/* read high */
	ck_assert(msr_bitmap_exits(bm, 0xc0000101, true));
	ck_assert(!msr_bitmap_exits(bm, 0xc0000101, false));
	ck_assert(msr_bitmap_exits(bm, 0xc0000100, false));		/* neighbour untouched */
	/* Outside both ranges: cannot be opened, always exits. */
	ck_assert(!msr_bitmap_allow(bm, 0x40000000, true, true));
	ck_assert(msr_bitmap_exits(bm, 0x40000000, false));
	ck_assert(msr_bitmap_exits(bm, 0x80b, true));	/* x2APIC EOI stays trapped */
}
END_TEST

/* ELI opens and closes the x2APIC EOI write, nothing else. */
START_TEST(eoi_toggle)
{
	static u8 bm[PAGE_SIZE], before[PAGE_SIZE];

	msr_bitmap_exit_all(bm);
	memcpy(before, bm, sizeof(bm));
	ck_assert(msr_bitmap_set_write_exit(bm, 0x80b, false));
	ck_assert(!msr_bitmap_exits(bm, 0x80b, true));
	ck_assert(msr_bitmap_exits(bm, 0x80b, false));		/* reads still exit */
	ck_assert(msr_bitmap_exits(bm, 0x80a, true));		/* PPR's neighbour */
	ck_assert(msr_bitmap_exits(bm, 0x830, true));		/* ICR */
	ck_assert(msr_bitmap_set_write_exit(bm, 0x80b, true));
	ck_assert_mem_eq(bm, before, sizeof(bm));
	ck_assert(!msr_bitmap_set_write_exit(bm, 0x40000000, false));
}
END_TEST

/* ELI opens reads of the x2APIC TMR (0x818-0x81f) in direct mode: the
 * read half only, nothing around it. */
START_TEST(tmr_read_toggle)
{
	static u8 bm[PAGE_SIZE], before[PAGE_SIZE];

	msr_bitmap_exit_all(bm);
	memcpy(before, bm, sizeof(bm));
	for (u32 m = 0x818; m <= 0x81f; m++)
		ck_assert(msr_bitmap_set_read_exit(bm, m, false));
	for (u32 m = 0x818; m <= 0x81f; m++) {
		ck_assert(!msr_bitmap_exits(bm, m, false));
		ck_assert(msr_bitmap_exits(bm, m, true));	/* writes still exit */
	}
	ck_assert(msr_bitmap_exits(bm, 0x817, false));		/* ISR's last word */
	ck_assert(msr_bitmap_exits(bm, 0x820, false));		/* IRR's first */
	for (u32 m = 0x818; m <= 0x81f; m++)
		ck_assert(msr_bitmap_set_read_exit(bm, m, true));
	ck_assert_mem_eq(bm, before, sizeof(bm));
	ck_assert(!msr_bitmap_set_read_exit(bm, 0x40000000, false));
}
END_TEST

Suite *msr_bitmap_suite(void)
{
	Suite *s = suite_create("msr_bitmap");
	TCase *tc = tcase_create("layout");

	tcase_add_test(tc, layout);
	tcase_add_test(tc, eoi_toggle);
	tcase_add_test(tc, tmr_read_toggle);
	suite_add_tcase(s, tc);
	return s;
}
