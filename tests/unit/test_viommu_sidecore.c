// SPDX-License-Identifier: GPL-2.0
/*
 * The sidecore vIOMMU's shared register page
 * (core/vdev/viommu/vtd_sidecore.h): the guest writes plain memory, the
 * poll hands it to the register model and puts the model's answers back;
 * write-only GCMD, 64-bit registers written in halves, command bits the
 * unit clears, write-1-to-clear status kept out of the page (it traps),
 * and the queue's bounded runs.
 */
#include <string.h>

#include "core/le.h"
#include "core/vdev/viommu/vtd_sidecore.h"
#include "fake_guest.h"
#include "suites.h"

#define QBASE		(FG_BASE + 0x10000)
#define STATUS		(FG_BASE + 0x20000)

static int msis;

static void t_msi(void *ctx, u32 lo, u32 hi, u32 data)
{
	msis++;
}

static const struct vtde_ops ops = { fg_read, fg_write, t_msi, NULL, NULL };
static struct vtde u;
static struct vtds s;
static u32 page[VTDE_SIZE / 4];

static u32 pg(u32 off)
{
	return page[off / 4];
}

/* The guest's store: plain memory, no exit. */
static void gw(u32 off, u32 v)
{
	page[off / 4] = v;
}

static void setup(void)
{
	msis = 0;
	memset(fg_ram, 0, sizeof(fg_ram));
	memset(&s, 0, sizeof(s));
	memset(page, 0xa5, sizeof(page));
	vtde_init(&u, &ops, NULL);
	vtds_publish_all(&s, &u, page);
}

/* A wait descriptor with a status write of data at slot i of the queue. */
static void wait_desc(u32 i, u32 data)
{
	put64(fg(QBASE + 16 * i), 0x25 | (u64)data << 32);
	put64(fg(QBASE + 16 * i + 8), STATUS + 4 * i);
}

START_TEST(registers)
{
	setup();
	/* What a driver reads first, with no exit and no poll. */
	ck_assert_uint_eq(pg(VTD_VER), VTDE_VER);
	ck_assert_uint_eq(pg(VTD_CAP) | (u64)pg(VTD_CAP + 4) << 32, u.cap);
	ck_assert_uint_eq(pg(VTD_GCMD), VTDS_GCMD_IDLE);
	ck_assert_uint_eq(vtds_poll(&s, &u, page), 0);
	ck_assert(!vtds_dirty(&s, page));
	/* The root table pointer in two halves, then SRTP: latched, RTPS
	 * shown, GCMD idle again. */
	gw(VTD_RTADDR, 0x123000);
	ck_assert(vtds_dirty(&s, page));
	gw(VTD_RTADDR + 4, 0x1);
	gw(VTD_GCMD, GSTS_RTPS);
	ck_assert_uint_eq(vtds_poll(&s, &u, page), 2);
	ck_assert_uint_eq(u.root, 0x100123000ULL);
	ck_assert(pg(VTD_GSTS) & GSTS_RTPS);
	ck_assert_uint_eq(pg(VTD_GCMD), VTDS_GCMD_IDLE);
	ck_assert(!vtds_dirty(&s, page));
	/* The same command again is a command again. */
	gw(VTD_GCMD, GSTS_RTPS);
	ck_assert_uint_eq(vtds_poll(&s, &u, page), 1);
	ck_assert_uint_eq(s.st.commands, 2);
	/* A write to a read-only register is undone. */
	gw(VTD_GSTS, 0);
	gw(VTD_VER, 0x99);
	vtds_poll(&s, &u, page);
	ck_assert(pg(VTD_GSTS) & GSTS_RTPS);
	ck_assert_uint_eq(pg(VTD_VER), VTDE_VER);
	/* CCMD, lower half then the half with ICC: run, ICC cleared and
	 * the actual granularity shown. */
	gw(VTD_CCMD, 0);
	gw(VTD_CCMD + 4, (u32)((CCMD_ICC | 1ULL << 61) >> 32));
	vtds_poll(&s, &u, page);
	ck_assert_uint_eq(pg(VTD_CCMD + 4) & BIT(31), 0);
	ck_assert_uint_eq((pg(VTD_CCMD + 4) >> 27) & 3, 1);
	ck_assert_uint_eq(u.st.cc_inv, 1);
	/* FECTL: IM as written. */
	gw(VTD_FECTL, 0);
	vtds_poll(&s, &u, page);
	ck_assert_uint_eq(u.fectl & FECTL_IM, 0);
	ck_assert_uint_eq(pg(VTD_FECTL), 0);
}
END_TEST

START_TEST(queue)
{
	setup();
	gw(VTD_IQA, (u32)QBASE);
	gw(VTD_GCMD, GSTS_QIES);
	vtds_poll(&s, &u, page);
	ck_assert(pg(VTD_GSTS) & GSTS_QIES);
	/* Two waits: the statuses written, IQH shown at the tail. */
	wait_desc(0, 0x11);
	wait_desc(1, 0x22);
	gw(VTD_IQT, 32);
	ck_assert_uint_eq(vtds_poll(&s, &u, page), 1);
	ck_assert_uint_eq(rd32(fg(STATUS)), 0x11);
	ck_assert_uint_eq(rd32(fg(STATUS + 4)), 0x22);
	ck_assert_uint_eq(pg(VTD_IQH), 32);
	/* A bounded run (a sidecore serving several VMs): two per run. */
	u.queue_budget = 2;
	for (u32 i = 2; i < 7; i++)
		wait_desc(i, 0x30 + i);
	gw(VTD_IQT, 7 * 16);
	vtds_poll(&s, &u, page);
	ck_assert_uint_eq(pg(VTD_IQH), 4 * 16);
	ck_assert(vtde_pending(&u));
	/* The rest in the next polls, with no new write: each shown. */
	ck_assert_uint_eq(vtds_poll(&s, &u, page), 1);
	ck_assert_uint_eq(pg(VTD_IQH), 6 * 16);
	ck_assert_uint_eq(vtds_poll(&s, &u, page), 1);
	ck_assert_uint_eq(pg(VTD_IQH), 7 * 16);
	ck_assert(!vtde_pending(&u));
	ck_assert_uint_eq(vtds_poll(&s, &u, page), 0);
	ck_assert_uint_eq(rd32(fg(STATUS + 24)), 0x36);
}
END_TEST

START_TEST(write_one_to_clear)
{
	setup();
	gw(VTD_FEDATA, 0x42);
	gw(VTD_FEADDR, 0xfee00000);
	gw(VTD_FECTL, 0);
	gw(VTD_IQA, (u32)QBASE);
	gw(VTD_GCMD, GSTS_QIES);
	vtds_poll(&s, &u, page);
	ck_assert(!vtds_needs_trap(&u));
	/* A bad descriptor: IQE in the model, the fault event; the page
	 * does not show IQE (a 1 written over it would not be seen): the
	 * owner traps the page until the guest has cleared it. */
	put64(fg(QBASE), 7);
	gw(VTD_IQT, 16);
	vtds_poll(&s, &u, page);
	ck_assert(u.fsts & FSTS_IQE);
	ck_assert_int_eq(msis, 1);
	ck_assert(vtds_needs_trap(&u));
	ck_assert_uint_eq(pg(VTD_FSTS) & FSTS_IQE, 0);
	/* Trapped: the guest fixes the descriptor, and its write to clear
	 * goes to the model. */
	put64(fg(QBASE), 5);
	ck_assert(vtde_write(&u, VTD_FSTS, 4, FSTS_IQE));
	ck_assert(!vtds_needs_trap(&u));
	/* A DMA fault: a record with F, PPF; trapped again until F is
	 * cleared; the page shows neither. */
	vtde_fault(&u, 0x10, 5, 0x5000, false);
	ck_assert(vtds_needs_trap(&u));
	vtds_poll(&s, &u, page);
	ck_assert_uint_eq(pg(VTD_FSTS) & FSTS_PPF, 0);
	ck_assert_uint_eq(pg(VTDE_FRO + 12) & BIT(31), 0);
	ck_assert(vtde_write(&u, VTDE_FRO + 12, 4, BIT(31)));
	ck_assert(!vtds_needs_trap(&u));
	/* Back to the page: everything as the model has it. */
	vtds_publish_all(&s, &u, page);
	ck_assert_uint_eq(pg(VTD_FEDATA), 0x42);
	ck_assert_uint_eq(vtds_poll(&s, &u, page), 0);
}
END_TEST

Suite *viommu_sidecore_suite(void)
{
	Suite *st = suite_create("viommu_sidecore");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, registers);
	tcase_add_test(tc, queue);
	tcase_add_test(tc, write_one_to_clear);
	suite_add_tcase(st, tc);
	return st;
}
