// SPDX-License-Identifier: GPL-2.0
/* The guest's MSI-X table of an assigned function (PCI 3.0 6.8.2). */
#include <string.h>

#include "core/le.h"
#include "core/vdev/pci/vmsix.h"
#include "suites.h"

static u8 cfg[256];
static struct vmsix_entry store[VMSIX_MAX_VECTORS];
static const u64 sizes[6] = { 0x20000, 0, 0, 0x4000, 0, 0 };

/* MSI-X at 0x70: 5 entries in BAR3 at 0x2008, PBA in BAR3 at 0x3000. */
static void cap(u16 ctrl, u32 table, u32 pba)
{
	memset(cfg, 0, sizeof(cfg));
	cfg[0x70] = 0x11;
	put16(cfg + 0x72, ctrl);
	put32(cfg + 0x74, table);
	put32(cfg + 0x78, pba);
}

START_TEST(layout)
{
	struct vmsix x;
	u64 s, e;

	cap(4, 0x2008 | 3, 0x3000 | 3);
	ck_assert(vmsix_init(&x, cfg, 0x70, store, sizes));
	ck_assert_uint_eq(x.nvec, 5);
	ck_assert_uint_eq(x.table_bar, 3);
	ck_assert_uint_eq(x.table_off, 0x2008);
	ck_assert_uint_eq(x.pba_bar, 3);
	ck_assert_uint_eq(x.pba_off, 0x3000);
	vmsix_table_pages(&x, &s, &e);
	ck_assert_uint_eq(s, 0x2000);
	ck_assert_uint_eq(e, 0x3000);		/* the PBA's page stays mapped */
	ck_assert(vmsix_in_table(&x, 3, 0x2008, 4));
	ck_assert(vmsix_in_table(&x, 3, 0x2008 + 5 * 16 - 4, 4));
	ck_assert(!vmsix_in_table(&x, 3, 0x2008 + 5 * 16, 4));	/* shares the page */
	ck_assert(!vmsix_in_table(&x, 3, 0x2000, 4));
	ck_assert(!vmsix_in_table(&x, 0, 0x2008, 4));
	/* A table past its BAR's end is refused. */
	cap(0x7ff, 0x3f00 | 3, 0);
	ck_assert(!vmsix_init(&x, cfg, 0x70, store, sizes));
	cap(0, 0x10 | 6, 0);				/* no BAR 6 */
	ck_assert(!vmsix_init(&x, cfg, 0x70, store, sizes));
}
END_TEST

START_TEST(entries)
{
	struct vmsix x;

	cap(4, 0x2008 | 3, 0x3000 | 3);
	ck_assert(vmsix_init(&x, cfg, 0x70, store, sizes));
	/* Entries start masked, the rest zero (6.8.2.9). */
	ck_assert_uint_eq(vmsix_read(&x, 12, 4), MSIX_ENTRY_MASKED);
	ck_assert_uint_eq(vmsix_read(&x, 16 + 0, 8), 0);
	/* A 64-bit write of the address, then data, then unmask. */
	ck_assert_int_eq(vmsix_write(&x, 32, 8, 0x00000000fee01003ULL), 2);
	ck_assert_uint_eq(x.e[2].addr_lo, 0xfee01000);	/* dword-aligned */
	ck_assert_uint_eq(x.e[2].addr_hi, 0);
	ck_assert_int_eq(vmsix_write(&x, 32 + 8, 4, 0x4041), 2);
	ck_assert_uint_eq(x.e[2].data, 0x4041);
	ck_assert_int_eq(vmsix_write(&x, 32 + 12, 4, 0xfffffffe), 2);
	ck_assert_uint_eq(x.e[2].ctrl, 0);		/* reserved bits dropped */
	ck_assert_uint_eq(vmsix_read(&x, 32 + 8, 8), 0x4041);
	/* Unaligned or odd-sized accesses: all-ones, dropped. */
	ck_assert_uint_eq(vmsix_read(&x, 34, 4), ~0ULL);
	ck_assert_int_eq(vmsix_write(&x, 36, 8, 1), -1);
	ck_assert_int_eq(vmsix_write(&x, 32, 2, 1), -1);
	ck_assert_int_eq(vmsix_write(&x, 5 * 16, 4, 1), -1);	/* past the end */
	ck_assert_uint_eq(x.e[2].addr_hi, 0);
}
END_TEST

Suite *vmsix_suite(void)
{
	Suite *s = suite_create("vmsix");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, layout);
	tcase_add_test(tc, entries);
	suite_add_tcase(s, tc);
	return s;
}
