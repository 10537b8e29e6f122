// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "mm/paging.h"
#include "tests/unit/suites.h"

/* Page-table pages come from a small pool at fake physical addresses. */
#define POOL_PAGES	64
#define POOL_BASE	0x40000000ULL
static u8 *pool;
static u32 used;

static u64 alloc_table(void *ctx)
{
	(void)ctx;
	if (used == POOL_PAGES)
		return 0;
	memset(pool + used * PAGE_SIZE, 0, PAGE_SIZE);
	return POOL_BASE + (u64)used++ * PAGE_SIZE;
}

static void *p2v(u64 pa)
{
	ck_assert(pa >= POOL_BASE && pa < POOL_BASE + POOL_PAGES * PAGE_SIZE);
	return pool + (pa - POOL_BASE);
}

static struct page_table pt;

static void setup(void)
{
	pool = aligned_alloc(PAGE_SIZE, POOL_PAGES * PAGE_SIZE);
	used = 0;
	memset(&pt, 0, sizeof(pt));
	pt.alloc_table = alloc_table;
	pt.p2v = p2v;
	pt.allow_1g = true;
	pt.has_nx = true;
	ck_assert_int_eq(pt_init(&pt), PT_OK);
}

static void teardown(void)
{
	free(pool);
}

START_TEST(map_4k_and_lookup)
{
	u64 pa, pte, sz;

	ck_assert_int_eq(pt_map(&pt, 0xffffffff80200000ULL, 0x200000 + 0x1000, 0x1000, MAP_X), PT_OK);
	ck_assert(pt_lookup(&pt, 0xffffffff80200123ULL, &pa, &pte, &sz));
	ck_assert_uint_eq(pa, 0x201123);
	ck_assert_uint_eq(sz, PAGE_SIZE);
	ck_assert(!(pte & PTE_NX));
	ck_assert(!(pte & PTE_W));
	ck_assert(!pt_lookup(&pt, 0xffffffff80201000ULL, NULL, NULL, NULL));
}
END_TEST

START_TEST(wx_refused)
{
	ck_assert_int_eq(pt_map(&pt, 0x1000, 0x1000, 0x1000, MAP_W | MAP_X), PT_ERR_WX);
	ck_assert(!pt_lookup(&pt, 0x1000, NULL, NULL, NULL));
}
END_TEST

START_TEST(data_is_nx_and_mmio_uncached)
{
	u64 pte;

	pt_map(&pt, 0x10000, 0x10000, 0x1000, MAP_W);
	pt_lookup(&pt, 0x10000, NULL, &pte, NULL);
	ck_assert(pte & PTE_NX);
	ck_assert(pte & PTE_W);
	pt_map(&pt, 0x20000, 0xfee00000, 0x1000, MAP_W | MAP_UC);
	pt_lookup(&pt, 0x20000, NULL, &pte, NULL);
	ck_assert((pte & (PTE_PCD | PTE_PWT)) == (PTE_PCD | PTE_PWT));
}
END_TEST

START_TEST(large_pages_chosen_by_alignment)
{
	u64 sz, pa;
	u64 base = 0xffff800000000000ULL;

	/* 1 GiB + 2 MiB + 4 KiB, all aligned: one of each size. */
	ck_assert_int_eq(pt_map(&pt, base, 0, SZ_1G + SZ_2M + PAGE_SIZE, MAP_W), PT_OK);
	pt_lookup(&pt, base + 5, &pa, NULL, &sz);
	ck_assert_uint_eq(sz, SZ_1G);
	pt_lookup(&pt, base + SZ_1G + 7, &pa, NULL, &sz);
	ck_assert_uint_eq(sz, SZ_2M);
	ck_assert_uint_eq(pa, SZ_1G + 7);
	pt_lookup(&pt, base + SZ_1G + SZ_2M, &pa, NULL, &sz);
	ck_assert_uint_eq(sz, PAGE_SIZE);

	/* Without 1 GiB support, the same range takes 2 MiB pages. */
	pt.allow_1g = false;
	ck_assert_int_eq(pt_map(&pt, base + 8 * SZ_1G, 0, SZ_1G, MAP_W), PT_OK);
	pt_lookup(&pt, base + 8 * SZ_1G, NULL, NULL, &sz);
	ck_assert_uint_eq(sz, SZ_2M);
}
END_TEST

START_TEST(unmap_inside_large_page_splits)
{
	u64 sz, pa, pte;

	pt_map(&pt, 0x40000000, 0x40000000, SZ_2M, MAP_W);
	ck_assert_uint_eq(pt.splits, 0);
	ck_assert_int_eq(pt_unmap(&pt, 0x40001000, PAGE_SIZE), PT_OK);
	ck_assert_uint_eq(pt.splits, 1);
	ck_assert(!pt_lookup(&pt, 0x40001000, NULL, NULL, NULL));
	ck_assert(pt_lookup(&pt, 0x40002000, &pa, &pte, &sz));
	ck_assert_uint_eq(pa, 0x40002000);
	ck_assert_uint_eq(sz, PAGE_SIZE);
	ck_assert(pte & PTE_NX);	/* attributes survive the split */
}
END_TEST

START_TEST(remap_part_of_1g_splits_twice)
{
	u64 sz, pte;

	pt_map(&pt, 0x80000000, 0x80000000, SZ_1G, MAP_W);
	/* Make one page read-only executable: 1G -> 2M -> 4K. */
	ck_assert_int_eq(pt_map(&pt, 0x80201000, 0x80201000, PAGE_SIZE, MAP_X | MAP_NO_LARGE), PT_OK);
	ck_assert_uint_eq(pt.splits, 2);
	pt_lookup(&pt, 0x80201000, NULL, &pte, &sz);
	ck_assert_uint_eq(sz, PAGE_SIZE);
	ck_assert(!(pte & PTE_W) && !(pte & PTE_NX));
	pt_lookup(&pt, 0x80202000, NULL, &pte, &sz);
	ck_assert(pte & PTE_W);
	pt_lookup(&pt, 0x80400000, NULL, NULL, &sz);
	ck_assert_uint_eq(sz, SZ_2M);
}
END_TEST

START_TEST(errors)
{
	ck_assert_int_eq(pt_map(&pt, 0x1001, 0x1000, 0x1000, 0), PT_ERR_ALIGN);
	ck_assert_int_eq(pt_map(&pt, 0x0000800000000000ULL, 0, 0x1000, 0), PT_ERR_CANONICAL);
	/* Exhaust the pool: the map fails cleanly. */
	int err = PT_OK;

	for (u64 i = 0; i < 200 && err == PT_OK; i++)
		err = pt_map(&pt, i * SZ_1G * 512, 0, 0x1000, 0);
	ck_assert_int_eq(err, PT_ERR_NOMEM);
}
END_TEST

/* x86 has no read bit (SDM 3A 4.6): an unreadable mapping is refused. */
START_TEST(x86_write_only_refused)
{
	ck_assert_int_eq(pt_map(&pt, 0x1000, 0x1000, PAGE_SIZE, MAP_W | MAP_NO_READ), PT_ERR_PERM);
	ck_assert_int_eq(pt_map(&pt, 0x1000, 0x1000, PAGE_SIZE, MAP_NO_READ), PT_ERR_PERM);
	ck_assert(!pt_lookup(&pt, 0x1000, NULL, NULL, NULL));
	ck_assert(strstr(pt_strerror(PT_ERR_PERM), "unreadable"));
}
END_TEST

/* EPT: the same builder with the EPT entry format. */
static void ept_setup(void)
{
	setup();
	used = 0;
	memset(&pt, 0, sizeof(pt));
	pt.fmt = &pt_format_ept;
	pt.alloc_table = alloc_table;
	pt.p2v = p2v;
	pt.allow_1g = true;
	ck_assert_int_eq(pt_init(&pt), PT_OK);
}

START_TEST(ept_guest_ram)
{
	u64 e, sz, pa;

	/* Guest RAM is RWX (W^X is tern's rule, not the guest's), WB. */
	ck_assert_int_eq(pt_map(&pt, 0, 0x40000000, SZ_1G + SZ_2M, MAP_W | MAP_X), PT_OK);
	ck_assert(pt_lookup(&pt, 0x1234, &pa, &e, &sz));
	ck_assert_uint_eq(pa, 0x40001234);
	ck_assert_uint_eq(sz, SZ_1G);
	ck_assert_uint_eq(e & EPT_RWX, EPT_RWX);
	ck_assert_uint_eq((e >> EPT_MT_SHIFT) & 7, EPT_MT_WB);
	ck_assert(e & EPT_IGNORE_PAT);
	ck_assert(e & EPT_LARGE);
	pt_lookup(&pt, SZ_1G, NULL, &e, &sz);
	ck_assert_uint_eq(sz, SZ_2M);
	/* Table entries are RWX pointers, with no memory type. */
	u64 *pml4 = p2v(pt.root);

	ck_assert_uint_eq(pml4[0] & 0xfff, EPT_RWX);
}
END_TEST

START_TEST(ept_mmio_and_protect)
{
	u64 e;

	pt_map(&pt, 0xfee00000, 0x10000000, PAGE_SIZE, MAP_W | MAP_UC);
	pt_lookup(&pt, 0xfee00000, NULL, &e, NULL);
	ck_assert_uint_eq((e >> EPT_MT_SHIFT) & 7, EPT_MT_UC);
	ck_assert(!(e & EPT_X));
	/* Write-protect one page of a 2M mapping: it splits, the rest stays. */
	pt_map(&pt, 0x200000, 0x800000, SZ_2M, MAP_W | MAP_X);
	pt_map(&pt, 0x201000, 0x801000, PAGE_SIZE, MAP_X);
	pt_lookup(&pt, 0x201000, NULL, &e, NULL);
	ck_assert(!(e & EPT_W) && (e & EPT_R));
	pt_lookup(&pt, 0x202000, NULL, &e, NULL);
	ck_assert(e & EPT_W);
	ck_assert_int_eq(pt_unmap(&pt, 0x203000, PAGE_SIZE), PT_OK);
	ck_assert(!pt_lookup(&pt, 0x203000, NULL, NULL, NULL));
}
END_TEST

/* W without R is an EPT misconfiguration (SDM 3C 29.3.3.1): refused,
 * and a mapping already there is left as it was. */
START_TEST(ept_write_only_refused)
{
	u64 e;

	ck_assert_int_eq(pt_map(&pt, 0x1000, 0x5000, PAGE_SIZE, MAP_W | MAP_NO_READ), PT_ERR_PERM);
	ck_assert_int_eq(pt_map(&pt, 0x1000, 0x5000, PAGE_SIZE, MAP_X | MAP_NO_READ), PT_ERR_PERM);
	ck_assert(!pt_lookup(&pt, 0x1000, NULL, NULL, NULL));
	ck_assert_int_eq(pt_map(&pt, 0x2000, 0x6000, PAGE_SIZE, MAP_W), PT_OK);
	ck_assert_int_eq(pt_map(&pt, 0x2000, 0x6000, PAGE_SIZE, MAP_W | MAP_NO_READ), PT_ERR_PERM);
	ck_assert(pt_lookup(&pt, 0x2000, NULL, &e, NULL));
	ck_assert_uint_eq(e & EPT_RWX, EPT_R | EPT_W);
}
END_TEST

TCase *ept_tcase(void);
TCase *ept_tcase(void)
{
	TCase *tc = tcase_create("ept");

	tcase_add_checked_fixture(tc, ept_setup, teardown);
	tcase_add_test(tc, ept_guest_ram);
	tcase_add_test(tc, ept_mmio_and_protect);
	tcase_add_test(tc, ept_write_only_refused);
	return tc;
}

/* VT-d second level (VT-d spec 9.8): R (bit 0) and W (bit 1) apart. */
static void vtd_setup(void)
{
	setup();
	used = 0;
	memset(&pt, 0, sizeof(pt));
	pt.fmt = &pt_format_vtd;
	pt.alloc_table = alloc_table;
	pt.p2v = p2v;
	ck_assert_int_eq(pt_init(&pt), PT_OK);
}

START_TEST(vtd_entry_bits)
{
	u64 e, pa;

	ck_assert_int_eq(pt_map(&pt, 0x10000, 0x80000, PAGE_SIZE, 0), PT_OK);
	ck_assert_int_eq(pt_map(&pt, 0x11000, 0x81000, PAGE_SIZE, MAP_W), PT_OK);
	ck_assert_int_eq(pt_map(&pt, 0x12000, 0x82000, PAGE_SIZE, MAP_W | MAP_NO_READ), PT_OK);
	pt_lookup(&pt, 0x10000, NULL, &e, NULL);
	ck_assert_uint_eq(e & 0xfff, VTD_SL_R);
	pt_lookup(&pt, 0x11000, NULL, &e, NULL);
	ck_assert_uint_eq(e & 0xfff, VTD_SL_R | VTD_SL_W);
	/* Write-only: W alone, still present (found, unmappable). */
	ck_assert(pt_lookup(&pt, 0x12abc, &pa, &e, NULL));
	ck_assert_uint_eq(pa, 0x82abc);
	ck_assert_uint_eq(e & 0xfff, VTD_SL_W);
	/* Tables above it stay R|W: the leaf decides. */
	ck_assert_uint_eq(((u64 *)p2v(pt.root))[0] & 0xfff, VTD_SL_R | VTD_SL_W);
	/* Neither R nor W is not a mapping. */
	ck_assert_int_eq(pt_map(&pt, 0x13000, 0x83000, PAGE_SIZE, MAP_NO_READ), PT_ERR_PERM);
	ck_assert(!pt_lookup(&pt, 0x13000, NULL, NULL, NULL));
	/* Read-write changed to write-only in place, and unmapped. */
	ck_assert_int_eq(pt_map(&pt, 0x11000, 0x81000, PAGE_SIZE, MAP_W | MAP_NO_READ), PT_OK);
	pt_lookup(&pt, 0x11000, NULL, &e, NULL);
	ck_assert_uint_eq(e & 0xfff, VTD_SL_W);
	ck_assert_int_eq(pt_unmap(&pt, 0x12000, PAGE_SIZE), PT_OK);
	ck_assert(!pt_lookup(&pt, 0x12000, NULL, NULL, NULL));
}
END_TEST

START_TEST(vtd_write_only_large_split)
{
	u64 e, sz;

	/* A 2 MiB write-only leaf: W and PS, no R; split by a read-write
	 * page inside it, the rest stays write-only. */
	ck_assert_int_eq(pt_map(&pt, SZ_2M, SZ_2M, SZ_2M, MAP_W | MAP_NO_READ), PT_OK);
	pt_lookup(&pt, SZ_2M + 0x5000, NULL, &e, &sz);
	ck_assert_uint_eq(sz, SZ_2M);
	ck_assert_uint_eq(e & 0xfff, VTD_SL_W | PTE_PS);
	ck_assert_int_eq(pt_map(&pt, SZ_2M + 0x1000, SZ_2M + 0x1000, PAGE_SIZE, MAP_W), PT_OK);
	ck_assert_uint_eq(pt.splits, 1);
	pt_lookup(&pt, SZ_2M + 0x1000, NULL, &e, &sz);
	ck_assert_uint_eq(sz, PAGE_SIZE);
	ck_assert_uint_eq(e & 0xfff, VTD_SL_R | VTD_SL_W);
	pt_lookup(&pt, SZ_2M + 0x2000, NULL, &e, NULL);
	ck_assert_uint_eq(e & 0xfff, VTD_SL_W);
}
END_TEST

TCase *vtd_tcase(void);
TCase *vtd_tcase(void)
{
	TCase *tc = tcase_create("vt-d");

	tcase_add_checked_fixture(tc, vtd_setup, teardown);
	tcase_add_test(tc, vtd_entry_bits);
	tcase_add_test(tc, vtd_write_only_large_split);
	return tc;
}

Suite *paging_suite(void)
{
	Suite *s = suite_create("paging");
	TCase *tc = tcase_create("build");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, map_4k_and_lookup);
	tcase_add_test(tc, wx_refused);
	tcase_add_test(tc, data_is_nx_and_mmio_uncached);
	tcase_add_test(tc, large_pages_chosen_by_alignment);
	tcase_add_test(tc, unmap_inside_large_page_splits);
	tcase_add_test(tc, remap_part_of_1g_splits_twice);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, x86_write_only_refused);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, ept_tcase());
	suite_add_tcase(s, vtd_tcase());
	return s;
}
