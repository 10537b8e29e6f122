// SPDX-License-Identifier: GPL-2.0
/* The emulated VT-d unit's DMA translation (core/vdev/viommu/vtd_walk.h). */
#include <string.h>

#include "core/le.h"
#include "core/vdev/viommu/vtd_regs_emul.h"
#include "core/vdev/viommu/vtd_walk.h"
#include "fake_guest.h"
#include "suites.h"

/* Tables in the fake guest RAM. */
#define ROOT	(FG_BASE + 0x0000)
#define CTX	(FG_BASE + 0x1000)
#define L4	(FG_BASE + 0x2000)
#define L3	(FG_BASE + 0x3000)
#define L2	(FG_BASE + 0x4000)
#define L1	(FG_BASE + 0x5000)

#define SID	0x0318		/* 03:03.0 */
#define RW	(VTDW_SL_R | VTDW_SL_W)

static int reads;

static bool t_read(void *ctx, u64 gpa, void *buf, u32 len)
{
	reads++;
	if (gpa < FG_BASE || gpa + len > FG_BASE + FG_SIZE)
		return false;
	memcpy(buf, fg(gpa), len);
	return true;
}

static const struct vtdw_mem mem = { t_read, NULL, NULL };
static struct vtde unit;	/* for its CAP and ECAP */

static void put_ctx(u64 lo, u64 hi)
{
	put64(fg(CTX + 16 * (SID & 0xff)), lo);
	put64(fg(CTX + 16 * (SID & 0xff) + 8), hi);
}

static void pte(u64 table, u64 iova, int lvl, u64 v)
{
	put64(fg(table + 8 * ((iova >> (12 + 9 * (lvl - 1))) & 511)), v);
}

/* A 4-level domain 5 for SID; iova 0x12345678000 -> 0x7654000 read-write. */
static void setup4(void)
{
	u64 iova = 0x12345678000ULL;

	memset(fg_ram, 0, sizeof(fg_ram));
	vtde_init(&unit, NULL, NULL);
	put64(fg(ROOT + 16 * (SID >> 8)), CTX | ROOT_P);
	put_ctx(L4 | CTX_P, 2 | (5 << 8));
	pte(L4, iova, 4, L3 | RW);
	pte(L3, iova, 3, L2 | RW);
	pte(L2, iova, 2, L1 | RW);
	pte(L1, iova, 1, 0x7654000 | RW);
}

static u8 xl(u64 iova, bool write, struct vtdw_xlate *x)
{
	return vtdw_translate(&mem, ROOT, unit.cap, unit.ecap, SID, iova, write, x);
}

START_TEST(four_levels)
{
	struct vtdw_xlate x;

	setup4();
	ck_assert_uint_eq(xl(0x12345678abcULL, true, &x), 0);
	ck_assert_uint_eq(x.gpa, 0x7654abc);
	ck_assert_uint_eq(x.page, 0x7654000);
	ck_assert_uint_eq(x.size, PAGE_SIZE);
	ck_assert(x.r && x.w);
	ck_assert_uint_eq(x.ctx.did, 5);
	ck_assert_uint_eq(x.ctx.levels, 4);
	ck_assert(!x.ctx.fpd);
	/* A neighbour with nothing mapped: read and write faults. */
	ck_assert_uint_eq(xl(0x12345679000ULL, false, &x), VTD_FR_READ);
	ck_assert_uint_eq(xl(0x12345679000ULL, true, &x), VTD_FR_WRITE);
	/* Beyond 48 bits. */
	ck_assert_uint_eq(xl(1ULL << 48, false, &x), VTD_FR_ADDR_BEYOND_AW);
}
END_TEST

START_TEST(permissions)
{
	struct vtdw_xlate x;
	u64 iova = 0x12345678000ULL;

	setup4();
	/* Read-only leaf. */
	pte(L1, iova, 1, 0x7654000 | VTDW_SL_R);
	ck_assert_uint_eq(xl(iova, false, &x), 0);
	ck_assert(x.r && !x.w);
	ck_assert_uint_eq(xl(iova, true, &x), VTD_FR_WRITE);
	/* Write-only leaf (legal in second-level tables). */
	pte(L1, iova, 1, 0x7654000 | VTDW_SL_W);
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_READ);
	ck_assert_uint_eq(xl(iova, true, &x), 0);
	/* Every level must allow it: a read-only PDE denies the write. */
	pte(L1, iova, 1, 0x7654000 | RW);
	pte(L2, iova, 2, L1 | VTDW_SL_R);
	ck_assert_uint_eq(xl(iova, true, &x), VTD_FR_WRITE);
	ck_assert_uint_eq(xl(iova, false, &x), 0);
	ck_assert(!x.w);
}
END_TEST

START_TEST(three_levels_and_large_pages)
{
	struct vtdw_xlate x;

	setup4();
	put_ctx(L3 | CTX_P, 1 | (9 << 8));		/* 39-bit, domain 9 */
	/* 1 GiB page at iova 0x40000000 -> 0x80000000. */
	pte(L3, 0x40000000, 3, 0x80000000 | VTDW_SL_PS | RW);
	ck_assert_uint_eq(xl(0x4abcdef0, false, &x), 0);
	ck_assert_uint_eq(x.gpa, 0x8abcdef0);
	ck_assert_uint_eq(x.size, SZ_1G);
	ck_assert_uint_eq(x.page, 0x80000000);
	ck_assert_uint_eq(x.ctx.levels, 3);
	ck_assert_uint_eq(x.ctx.did, 9);
	/* 2 MiB page at iova 0x200000 -> 0x600000. */
	pte(L3, 0x200000, 3, L2 | RW);
	pte(L2, 0x200000, 2, 0x600000 | VTDW_SL_PS | VTDW_SL_R);
	ck_assert_uint_eq(xl(0x3fffff, false, &x), 0);
	ck_assert_uint_eq(x.gpa, 0x7fffff);
	ck_assert_uint_eq(x.size, SZ_2M);
	ck_assert_uint_eq(xl(0x3fffff, true, &x), VTD_FR_WRITE);
	/* Beyond 39 bits. */
	ck_assert_uint_eq(xl(1ULL << 39, false, &x), VTD_FR_ADDR_BEYOND_AW);
	/* A large page whose address is not aligned to its size. */
	pte(L2, 0x200000, 2, 0x601000 | VTDW_SL_PS | RW);
	ck_assert_uint_eq(xl(0x200000, false, &x), VTD_FR_PTE_RSVD);
	/* Pages the unit does not offer: PS is reserved there. */
	pte(L2, 0x200000, 2, 0x600000 | VTDW_SL_PS | RW);
	unit.cap &= ~((u64)CAP_SLLPS_2M << CAP_SLLPS_SHIFT);
	ck_assert_uint_eq(xl(0x200000, false, &x), VTD_FR_PTE_RSVD);
	unit.cap &= ~((u64)CAP_SLLPS_1G << CAP_SLLPS_SHIFT);
	ck_assert_uint_eq(xl(0x40000000, false, &x), VTD_FR_PTE_RSVD);
}
END_TEST

START_TEST(reserved_bits)
{
	struct vtdw_xlate x;
	u64 iova = 0x12345678000ULL;

	setup4();
	pte(L4, iova, 4, L3 | RW | VTDW_SL_PS);			/* PS in a PML4E */
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_PTE_RSVD);
	pte(L4, iova, 4, L3 | RW);
	pte(L1, iova, 1, 0x7654000 | RW | BIT(50));		/* beyond 48 bits */
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_PTE_RSVD);
	/* Ignored fields do not fault: X, SNP, EMT/IPAT, bit 63. */
	pte(L1, iova, 1, 0x7654000 | RW | BIT(2) | BIT(11) | 0x78 | BIT(63));
	ck_assert_uint_eq(xl(iova, false, &x), 0);
	ck_assert_uint_eq(x.gpa, 0x7654000);
	/* Context entry: reserved low bits, reserved high bits. */
	put_ctx(L4 | CTX_P | BIT(5), 2 | (5 << 8));
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_CTX_RSVD);
	put_ctx(L4 | CTX_P, 2 | (5 << 8) | BIT(40));
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_CTX_RSVD);
	put_ctx(L4 | CTX_P, 2 | (5 << 8) | BIT(5));		/* AVAIL: free */
	ck_assert_uint_eq(xl(iova, false, &x), 0);
	/* Root entry: reserved bits in either half. */
	put64(fg(ROOT + 16 * (SID >> 8)), CTX | ROOT_P | BIT(3));
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_ROOT_RSVD);
	put64(fg(ROOT + 16 * (SID >> 8)), CTX | ROOT_P);
	put64(fg(ROOT + 16 * (SID >> 8) + 8), 1);
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_ROOT_RSVD);
}
END_TEST

START_TEST(contexts)
{
	struct vtdw_xlate x;
	struct vtdw_ctx c;
	u64 iova = 0x12345678000ULL;

	setup4();
	/* Not present root, then context. */
	put64(fg(ROOT + 16 * (SID >> 8)), CTX);
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_ROOT_NOT_PRESENT);
	put64(fg(ROOT + 16 * (SID >> 8)), CTX | ROOT_P);
	put_ctx(0, 0);
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_CTX_NOT_PRESENT);
	ck_assert(!x.ctx.fpd);
	/* Widths SAGAW does not offer: 57-bit (5-level), 0, 30-bit. */
	put_ctx(L4 | CTX_P, 3);
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_CTX_INVALID);
	put_ctx(L4 | CTX_P, 0);
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_CTX_INVALID);
	/* Device-TLB type (no ATS here) and the reserved type. */
	put_ctx(L4 | CTX_P | (1 << 2), 2);
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_CTX_INVALID);
	put_ctx(L4 | CTX_P | (3 << 2), 2);
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_CTX_INVALID);
	/* FPD is reported with the fault. */
	put_ctx(L4 | CTX_P | CTX_FPD | (3 << 2), 2);
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_CTX_INVALID);
	ck_assert(x.ctx.fpd);
	/* Pass-through: the address as it is. */
	put_ctx(CTX_P | CTX_TT_PT, 2 | (4 << 8));
	ck_assert_uint_eq(xl(0xabcdef123ULL, true, &x), 0);
	ck_assert_uint_eq(x.gpa, 0xabcdef123ULL);
	ck_assert_uint_eq(x.ctx.did, 4);
	ck_assert_uint_eq(xl(1ULL << 48, true, &x), VTD_FR_ADDR_BEYOND_AW);
	/* ... unless the unit does not offer it. */
	ck_assert_uint_eq(vtdw_context(&mem, ROOT, unit.cap, unit.ecap & ~ECAP_PT, SID, &c),
			  VTD_FR_CTX_INVALID);
}
END_TEST

START_TEST(unreadable_tables)
{
	struct vtdw_xlate x;
	u64 iova = 0x12345678000ULL;

	setup4();
	/* The root table outside RAM. */
	ck_assert_uint_eq(vtdw_translate(&mem, 0xdead000, unit.cap, unit.ecap, SID, iova, false,
					 &x), VTD_FR_ROOT_ACCESS);
	/* The context table. */
	put64(fg(ROOT + 16 * (SID >> 8)), 0xdead000 | ROOT_P);
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_CTX_ACCESS);
	put64(fg(ROOT + 16 * (SID >> 8)), CTX | ROOT_P);
	/* A paging structure. */
	pte(L2, iova, 2, 0xdead000 | RW);
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_PTE_ACCESS);
	/* A second-level table pointer outside RAM in the context. */
	put_ctx(0xdead000 | CTX_P, 2);
	ck_assert_uint_eq(xl(iova, false, &x), VTD_FR_PTE_ACCESS);
	/* Walks are bounded: a table pointing at itself ends at level 1. */
	setup4();
	pte(L4, iova, 4, L4 | RW);
	pte(L4, iova, 3, L4 | RW);
	pte(L4, iova, 2, L4 | RW);
	reads = 0;
	(void)xl(iova, false, &x);
	ck_assert_int_le(reads, 2 + 4);
}
END_TEST

Suite *viommu_walk_suite(void)
{
	Suite *s = suite_create("viommu_walk");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, four_levels);
	tcase_add_test(tc, permissions);
	tcase_add_test(tc, three_levels_and_large_pages);
	tcase_add_test(tc, reserved_bits);
	tcase_add_test(tc, contexts);
	tcase_add_test(tc, unreadable_tables);
	suite_add_tcase(s, tc);
	return s;
}
