// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "tests/unit/suites.h"
#include "vmx/emul/guest_walk.h"

#define PS_BIT 0x80

static u8 mem[64 * 1024];

static bool rd(u64 gpa, void *buf, u32 len, void *ctx)
{
	(void)ctx;
	if (gpa + len > sizeof(mem))
		return false;
	memcpy(buf, mem + gpa, len);
	return true;
}

static void put(u64 at, u64 v, int len)
{
	memcpy(mem + at, &v, len);
}

START_TEST(modes)
{
	ck_assert_int_eq(guest_paging_mode(0x11, 0, 0), GUEST_PAGING_NONE);
	ck_assert_int_eq(guest_paging_mode(0x80000011, 0, 0), GUEST_PAGING_32);
	ck_assert_int_eq(guest_paging_mode(0x80000011, 0x20, 0), GUEST_PAGING_PAE);
	ck_assert_int_eq(guest_paging_mode(0x80000011, 0x20, 0x500), GUEST_PAGING_4LEVEL);
}
END_TEST

START_TEST(walks)
{
	u64 gpa;

	ck_assert_int_eq(guest_walk(GUEST_PAGING_NONE, 0, false, 0x123456, rd, NULL, &gpa), 0);
	ck_assert_uint_eq(gpa, 0x123456);

	/* 32-bit: PD at 0x1000, PT at 0x2000; la 0x00401234 -> 0x5234. */
	memset(mem, 0, sizeof(mem));
	put(0x1000 + 1 * 4, 0x2000 | 1, 4);
	put(0x2000 + 1 * 4, 0x5000 | 1, 4);
	ck_assert_int_eq(guest_walk(GUEST_PAGING_32, 0x1000, false, 0x00401234, rd, NULL, &gpa), 0);
	ck_assert_uint_eq(gpa, 0x5234);
	/* A 4 MiB page, honoured only with CR4.PSE. */
	put(0x1000 + 2 * 4, 0x00c00000 | PS_BIT | 1, 4);
	ck_assert_int_eq(guest_walk(GUEST_PAGING_32, 0x1000, true, 0x00812345, rd, NULL, &gpa), 0);
	ck_assert_uint_eq(gpa, 0x00c12345);
	ck_assert_int_eq(guest_walk(GUEST_PAGING_32, 0x1000, false, 0x0c000000, rd, NULL, &gpa), -1);

	/* 4-level: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 (2 MiB page). */
	memset(mem, 0, sizeof(mem));
	put(0x1000 + 511 * 8, 0x2000 | 1, 8);
	put(0x2000 + 510 * 8, 0x3000 | 1, 8);
	put(0x3000 + 1 * 8, 0x40000000 | PS_BIT | 1, 8);
	ck_assert_int_eq(guest_walk(GUEST_PAGING_4LEVEL, 0x1000, false,
				    0xffffffff80212345ULL, rd, NULL, &gpa), 0);
	ck_assert_uint_eq(gpa, 0x40012345);
	/* Not present, and a table outside memory: refused. */
	ck_assert_int_eq(guest_walk(GUEST_PAGING_4LEVEL, 0x1000, false, 0x1000, rd, NULL, &gpa), -1);
	put(0x1000, 0x7fff0000 | 1, 8);
	ck_assert_int_eq(guest_walk(GUEST_PAGING_4LEVEL, 0x1000, false, 0x1000, rd, NULL, &gpa), -1);
}
END_TEST

START_TEST(pae)
{
	u64 gpa;

	/* PDPT at 0x1020 (32-byte aligned, not page-aligned), PD 0x3000,
	 * PT 0x4000. la 0xc0201234: PDPTE 3, PDE 1, PTE 1 -> 0x9234. */
	memset(mem, 0, sizeof(mem));
	put(0x1020 + 3 * 8, 0x3000 | 1, 8);
	put(0x3000 + 1 * 8, 0x4000 | 1, 8);
	put(0x4000 + 1 * 8, 0x9000 | 1, 8);
	ck_assert_int_eq(guest_walk(GUEST_PAGING_PAE, 0x1020, false, 0xc0201234, rd, NULL, &gpa), 0);
	ck_assert_uint_eq(gpa, 0x9234);
	/* A 2 MiB page; 64-bit physical addresses (above 4 GiB) kept. */
	put(0x3000 + 2 * 8, 0x140000000ULL | PS_BIT | 1, 8);
	ck_assert_int_eq(guest_walk(GUEST_PAGING_PAE, 0x1020, false, 0xc0412345, rd, NULL, &gpa), 0);
	ck_assert_uint_eq(gpa, 0x140012345ULL);
	/* Not present at each level. */
	ck_assert_int_eq(guest_walk(GUEST_PAGING_PAE, 0x1020, false, 0x00001000, rd, NULL, &gpa), -1);
	ck_assert_int_eq(guest_walk(GUEST_PAGING_PAE, 0x1020, false, 0xc0601000, rd, NULL, &gpa), -1);
	ck_assert_int_eq(guest_walk(GUEST_PAGING_PAE, 0x1020, false, 0xc0202000, rd, NULL, &gpa), -1);
}
END_TEST

/* The entry that mapped the page: where a store's A and D flags go. */
START_TEST(leaf_entries)
{
	struct guest_leaf leaf;
	u64 gpa;

	ck_assert_int_eq(guest_walk_leaf(GUEST_PAGING_NONE, 0, false, 0x1234, rd, NULL, &gpa,
					 &leaf), 0);
	ck_assert_uint_eq(leaf.size, 0);
	memset(mem, 0, sizeof(mem));
	put(0x1000 + 1 * 4, 0x2000 | 1, 4);
	put(0x2000 + 1 * 4, 0x5000 | 1, 4);
	put(0x1000 + 2 * 4, 0x00c00000 | PS_BIT | 1, 4);
	ck_assert_int_eq(guest_walk_leaf(GUEST_PAGING_32, 0x1000, false, 0x00401234, rd, NULL,
					 &gpa, &leaf), 0);
	ck_assert_uint_eq(leaf.gpa, 0x2004);
	ck_assert_uint_eq(leaf.size, 4);
	ck_assert_int_eq(guest_walk_leaf(GUEST_PAGING_32, 0x1000, true, 0x00812345, rd, NULL,
					 &gpa, &leaf), 0);
	ck_assert_uint_eq(leaf.gpa, 0x1008);		/* the 4 MiB page's PDE */
	memset(mem, 0, sizeof(mem));
	put(0x1020 + 3 * 8, 0x3000 | 1, 8);
	put(0x3000 + 1 * 8, 0x4000 | 1, 8);
	put(0x4000 + 1 * 8, 0x9000 | 1, 8);
	put(0x3000 + 2 * 8, 0x140000000ULL | PS_BIT | 1, 8);
	ck_assert_int_eq(guest_walk_leaf(GUEST_PAGING_PAE, 0x1020, false, 0xc0201234, rd, NULL,
					 &gpa, &leaf), 0);
	ck_assert_uint_eq(leaf.gpa, 0x4008);
	ck_assert_uint_eq(leaf.size, 8);
	ck_assert_int_eq(guest_walk_leaf(GUEST_PAGING_PAE, 0x1020, false, 0xc0412345, rd, NULL,
					 &gpa, &leaf), 0);
	ck_assert_uint_eq(leaf.gpa, 0x3010);
	memset(mem, 0, sizeof(mem));
	put(0x1000 + 511 * 8, 0x2000 | 1, 8);
	put(0x2000 + 510 * 8, 0x3000 | 1, 8);
	put(0x3000 + 1 * 8, 0x40000000 | PS_BIT | 1, 8);
	put(0x3000 + 2 * 8, 0x6000 | 1, 8);
	put(0x6000 + 3 * 8, 0x7000 | 1, 8);
	ck_assert_int_eq(guest_walk_leaf(GUEST_PAGING_4LEVEL, 0x1000, false,
					 0xffffffff80212345ULL, rd, NULL, &gpa, &leaf), 0);
	ck_assert_uint_eq(leaf.gpa, 0x3008);
	ck_assert_int_eq(guest_walk_leaf(GUEST_PAGING_4LEVEL, 0x1000, false,
					 0xffffffff80403abcULL, rd, NULL, &gpa, &leaf), 0);
	ck_assert_uint_eq(gpa, 0x7abc);
	ck_assert_uint_eq(leaf.gpa, 0x6018);
	ck_assert_uint_eq(leaf.size, 8);
	/* Not present: no entry. */
	ck_assert_int_eq(guest_walk_leaf(GUEST_PAGING_4LEVEL, 0x1000, false, 0x1000, rd, NULL,
					 &gpa, &leaf), -1);
	ck_assert_uint_eq(leaf.size, 0);
}
END_TEST

Suite *guest_walk_suite(void)
{
	Suite *s = suite_create("guest_walk");
	TCase *tc = tcase_create("walk");

	tcase_add_test(tc, modes);
	tcase_add_test(tc, walks);
	tcase_add_test(tc, pae);
	tcase_add_test(tc, leaf_entries);
	suite_add_tcase(s, tc);
	return s;
}
