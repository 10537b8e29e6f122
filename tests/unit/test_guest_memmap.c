// SPDX-License-Identifier: GPL-2.0
#include "core/loader/guest_memmap.h"
#include "core/vdev/pci/vpci.h"
#include "tests/unit/suites.h"

static void sorted_and_apart(const struct e820_entry *e, u32 n)
{
	for (u32 i = 1; i < n; i++)
		ck_assert_uint_le(e[i - 1].addr + e[i - 1].size, e[i].addr);
}

START_TEST(low_ram_only)
{
	struct e820_entry e[GUEST_MEMMAP_MAX];
	u32 n = guest_memmap(128 * SZ_1M, 0, 0, e);

	ck_assert_uint_eq(n, 4);
	sorted_and_apart(e, n);
	ck_assert(e[0].addr == 0 && e[0].size == 0x9fc00 && e[0].type == E820_RAM);
	/* The BIOS area the ACPI tables are in: reserved for every protocol. */
	ck_assert(e[1].addr == 0xe0000 && e[1].size == 0x20000 && e[1].type == E820_RESERVED);
	ck_assert(e[2].addr == SZ_1M && e[2].size == 127 * SZ_1M && e[2].type == E820_RAM);
	ck_assert(e[3].addr == VPCI_ECAM_BASE && e[3].type == E820_RESERVED);
}
END_TEST

START_TEST(high_ram_and_identity)
{
	struct e820_entry e[GUEST_MEMMAP_MAX];
	u32 n = guest_memmap(0xb0000000ULL, 0x100000000ULL, SZ_1G, e);

	ck_assert_uint_eq(n, 5);
	sorted_and_apart(e, n);
	ck_assert(e[4].addr == 0x100000000ULL && e[4].type == E820_RAM);
	/* Identity-mapped RAM (first MiB apart, the rest at its host
	 * address, below the ECAM here): still in address order. */
	n = guest_memmap(SZ_1M, 0x40000000ULL, 256 * SZ_1M, e);
	ck_assert_uint_eq(n, 4);
	sorted_and_apart(e, n);
	ck_assert(e[2].addr == 0x40000000ULL && e[2].type == E820_RAM);
	ck_assert(e[3].addr == VPCI_ECAM_BASE);
}
END_TEST

Suite *guest_memmap_suite(void)
{
	Suite *s = suite_create("guest_memmap");
	TCase *tc = tcase_create("map");

	tcase_add_test(tc, low_ram_only);
	tcase_add_test(tc, high_ram_and_identity);
	suite_add_tcase(s, tc);
	return s;
}
