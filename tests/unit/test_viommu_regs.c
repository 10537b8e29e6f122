// SPDX-License-Identifier: GPL-2.0
/* The emulated VT-d unit's registers (core/vdev/viommu/vtd_regs_emul.h). */
#include <string.h>

#include "core/le.h"
#include "core/vdev/viommu/vtd_regs_emul.h"
#include "fake_guest.h"
#include "suites.h"

#define QBASE		(FG_BASE + 0x10000)	/* the invalidation queue */
#define STATUS		(FG_BASE + 0x20000)	/* wait status words */

static struct {
	int msis;
	u32 lo, hi, data;
	int ninv;
	struct vtde_inv inv[32];
} seen;

static void t_msi(void *ctx, u32 lo, u32 hi, u32 data)
{
	seen.msis++;
	seen.lo = lo;
	seen.hi = hi;
	seen.data = data;
}

static void t_inv(void *ctx, const struct vtde_inv *inv)
{
	if (seen.ninv < 32)
		seen.inv[seen.ninv] = *inv;
	seen.ninv++;
}

static const struct vtde_ops ops = { fg_read, fg_write, t_msi, t_inv, NULL };
static struct vtde u;

static void setup(void)
{
	memset(&seen, 0, sizeof(seen));
	memset(fg_ram, 0, sizeof(fg_ram));
	vtde_init(&u, &ops, NULL);
}

static u64 rd(u32 off, u32 size)
{
	u64 v = ~0ULL;

	ck_assert(vtde_read(&u, off, size, &v));
	return v;
}

static void wr(u32 off, u32 size, u64 v)
{
	ck_assert(vtde_write(&u, off, size, v));
}

/* Set one GCMD bit as a driver does: status | bit, minus the one-shots. */
static void gcmd(u32 bit, bool on)
{
	u32 keep = (u32)rd(VTD_GSTS, 4) & (GSTS_TES | GSTS_QIES | GSTS_IRES | GSTS_CFIS);

	wr(VTD_GCMD, 4, on ? keep | bit : keep & ~bit);
}

START_TEST(reset_and_caps)
{
	u64 cap, ecap;

	setup();
	ck_assert_uint_eq(rd(VTD_VER, 4), 0x10);
	cap = rd(VTD_CAP, 8);
	ck_assert(cap & CAP_CM);
	ck_assert_uint_eq(CAP_SAGAW(cap), CAP_SAGAW_39 | CAP_SAGAW_48);
	ck_assert_uint_eq(CAP_MGAW(cap), 48);
	ck_assert_uint_eq(CAP_FRO(cap), VTDE_FRO);
	ck_assert_uint_eq(CAP_NFR(cap), VTDE_NFR);
	ck_assert_uint_eq(CAP_SLLPS(cap), 3);
	ck_assert(cap & CAP_PSI);
	ck_assert_uint_eq(CAP_MAMV(cap), VTDE_MAMV);
	ck_assert(!(cap & (CAP_RWBF | CAP_PLMR | CAP_PHMR)));
	ecap = rd(VTD_ECAP, 8);
	ck_assert(ecap & ECAP_QI);
	ck_assert(ecap & ECAP_IR);
	ck_assert(ecap & ECAP_EIM);
	ck_assert(ecap & ECAP_PT);
	ck_assert(!(ecap & (ECAP_DT | ECAP_SMTS)));
	ck_assert_uint_eq(ECAP_IRO(ecap), VTDE_IRO);
	/* The halves of CAP as two 32-bit reads. */
	ck_assert_uint_eq(rd(VTD_CAP, 4) | rd(VTD_CAP + 4, 4) << 32, cap);
	ck_assert_uint_eq(rd(VTD_GSTS, 4), 0);
	ck_assert_uint_eq(rd(VTD_FECTL, 4), FECTL_IM);
	ck_assert_uint_eq(rd(VTD_IECTL, 4), IECTL_IM);
	ck_assert_uint_eq(rd(VTD_FSTS, 4), 0);
	/* Read-only registers keep their value. */
	wr(VTD_CAP, 8, 0);
	wr(VTD_VER, 4, 0x55);
	ck_assert_uint_eq(rd(VTD_CAP, 8), cap);
	ck_assert_uint_eq(rd(VTD_VER, 4), 0x10);
	/* Reserved space reads 0. */
	ck_assert_uint_eq(rd(0x800, 4), 0);
}
END_TEST

START_TEST(bad_accesses)
{
	u64 v = 0;

	setup();
	ck_assert(!vtde_read(&u, VTD_GSTS, 2, &v));
	ck_assert(!vtde_read(&u, VTD_GSTS, 1, &v));
	ck_assert(!vtde_read(&u, VTD_CAP + 4, 8, &v));		/* misaligned quad */
	ck_assert(!vtde_read(&u, 0x1001, 4, &v));
	ck_assert(!vtde_read(&u, VTDE_SIZE, 4, &v));
	ck_assert(!vtde_write(&u, VTD_GCMD + 2, 2, ~0ULL));
	ck_assert(!vtde_write(&u, VTD_GCMD + 1, 4, ~0ULL));
	ck_assert_uint_eq(u.st.bad_accesses, 7);
	ck_assert_uint_eq(rd(VTD_GSTS, 4), 0);			/* nothing done */
}
END_TEST

START_TEST(root_pointer_and_translation)
{
	setup();
	/* Two 32-bit halves, then a latch by SRTP. TTM bits do not stick. */
	wr(VTD_RTADDR, 4, 0x00345c00);
	wr(VTD_RTADDR + 4, 4, 0x1);
	ck_assert_uint_eq(rd(VTD_RTADDR, 8), 0x100345000ULL);
	ck_assert_uint_eq(u.root, 0);
	gcmd(GCMD_SRTP, true);
	ck_assert(rd(VTD_GSTS, 4) & GSTS_RTPS);
	ck_assert_uint_eq(u.root, 0x100345000ULL);
	ck_assert_int_eq(seen.ninv, 1);
	ck_assert_int_eq(seen.inv[0].kind, VTDE_INV_ROOT);
	/* A new value is not used until the next SRTP. */
	wr(VTD_RTADDR, 8, 0x200000);
	ck_assert_uint_eq(u.root, 0x100345000ULL);
	gcmd(GCMD_TE, true);
	ck_assert(vtde_translating(&u));
	ck_assert_uint_eq(rd(VTD_GSTS, 4), GSTS_RTPS | GSTS_TES);
	ck_assert_int_eq(seen.inv[1].kind, VTDE_INV_TRANSLATION);
	/* Rewriting TE as it is: no change, no event. */
	gcmd(GCMD_TE, true);
	ck_assert_int_eq(seen.ninv, 2);
	gcmd(GCMD_TE, false);
	ck_assert(!vtde_translating(&u));
	ck_assert_int_eq(seen.ninv, 3);
	/* GCMD reads as 0 (write-only); SFL/WBF are not offered. */
	ck_assert_uint_eq(rd(VTD_GCMD, 4), 0);
	wr(VTD_GCMD, 4, GCMD_WBF | GCMD_SFL);
	ck_assert_uint_eq(rd(VTD_GSTS, 4), GSTS_RTPS);
}
END_TEST

START_TEST(interrupt_remapping_pointer)
{
	setup();
	wr(VTD_IRTA, 8, 0x7000 | IRTA_EIME | 0x7f0 | 7);	/* reserved 10:4 dropped */
	ck_assert_uint_eq(rd(VTD_IRTA, 8), 0x7000 | IRTA_EIME | 7);
	gcmd(GCMD_SIRTP, true);
	ck_assert_uint_eq(u.irta, 0x7000 | IRTA_EIME | 7);
	ck_assert(rd(VTD_GSTS, 4) & GSTS_IRTPS);
	gcmd(GCMD_IRE, true);
	ck_assert(vtde_remapping(&u));
	gcmd(GCMD_CFI, true);
	ck_assert_uint_eq(rd(VTD_GSTS, 4), GSTS_IRTPS | GSTS_IRES | GSTS_CFIS);
	ck_assert_int_eq(seen.ninv, 3);
	ck_assert_int_eq(seen.inv[2].kind, VTDE_INV_IRT);
}
END_TEST

START_TEST(register_invalidation)
{
	u64 c;

	setup();
	/* Device-selective: DID 5, SID 00:03.0, FM 2, as one quad. */
	wr(VTD_CCMD, 8, CCMD_ICC | (3ULL << 61) | (2ULL << 32) | (0x18 << 16) | 5);
	c = rd(VTD_CCMD, 8);
	ck_assert(!(c & CCMD_ICC));
	ck_assert_uint_eq((c >> CCMD_CAIG_SHIFT) & 3, 3);
	ck_assert_int_eq(seen.ninv, 1);
	ck_assert_int_eq(seen.inv[0].kind, VTDE_INV_CONTEXT);
	ck_assert_uint_eq(seen.inv[0].gran, VTDE_GRAN_DEVICE);
	ck_assert_uint_eq(seen.inv[0].did, 5);
	ck_assert_uint_eq(seen.inv[0].sid, 0x18);
	ck_assert_uint_eq(seen.inv[0].fm, 2);
	/* Global, low half then high half (a 32-bit driver): the high
	 * half's ICC starts it. */
	wr(VTD_CCMD, 4, 0);
	ck_assert_int_eq(seen.ninv, 1);
	wr(VTD_CCMD + 4, 4, (u32)((CCMD_ICC | (1ULL << 61)) >> 32));
	ck_assert_int_eq(seen.ninv, 2);
	ck_assert_uint_eq(seen.inv[1].gran, VTDE_GRAN_GLOBAL);
	ck_assert_uint_eq((rd(VTD_CCMD, 8) >> CCMD_CAIG_SHIFT) & 3, 1);
	/* Reserved granularity 0: ignored, completed, CAIG 0. */
	wr(VTD_CCMD, 8, CCMD_ICC);
	ck_assert_int_eq(seen.ninv, 2);
	ck_assert_uint_eq(rd(VTD_CCMD, 8) & (CCMD_ICC | CCMD_CAIG_MASK), 0);

	/* IOTLB page-selective: 4 pages at 0x12345000 of domain 7. */
	wr(VTDE_IVA, 8, 0x12345000 | IVA_IH | 2);
	wr(VTDE_IOTLB, 8, IOTLB_IVT | (3ULL << 60) | (7ULL << 32));
	c = rd(VTDE_IOTLB, 8);
	ck_assert(!(c & IOTLB_IVT));
	ck_assert_uint_eq((c >> IOTLB_IAIG_SHIFT) & 3, 3);
	ck_assert_int_eq(seen.inv[2].kind, VTDE_INV_IOTLB);
	ck_assert_uint_eq(seen.inv[2].gran, VTDE_GRAN_DEVICE);
	ck_assert_uint_eq(seen.inv[2].did, 7);
	ck_assert_uint_eq(seen.inv[2].addr, 0x12345000);
	ck_assert_uint_eq(seen.inv[2].am, 2);
	ck_assert(seen.inv[2].ih);
	/* A mask beyond MAMV: done for the whole domain, and said so. */
	wr(VTDE_IVA, 8, 0x40000000 | (VTDE_MAMV + 1));
	wr(VTDE_IOTLB, 8, IOTLB_IVT | (3ULL << 60) | (7ULL << 32));
	ck_assert_uint_eq((rd(VTDE_IOTLB, 8) >> IOTLB_IAIG_SHIFT) & 3, 2);
	ck_assert_uint_eq(seen.inv[3].gran, VTDE_GRAN_DOMAIN);
	ck_assert_uint_eq(u.st.cc_inv, 2);
	ck_assert_uint_eq(u.st.iotlb_inv, 2);
}
END_TEST

START_TEST(fault_recording)
{
	u32 fs;

	setup();
	wr(VTD_FEDATA, 4, 0x41);
	wr(VTD_FEADDR, 4, 0xfee01000);
	wr(VTD_FEUADDR, 4, 0);
	/* Masked at reset: the first fault sets IP, no message. */
	vtde_fault(&u, 0x10, VTD_FR_CTX_NOT_PRESENT, 0x1234567, true);
	ck_assert_int_eq(seen.msis, 0);
	ck_assert_uint_eq(rd(VTD_FECTL, 4), FECTL_IM | FECTL_IP);
	fs = (u32)rd(VTD_FSTS, 4);
	ck_assert(fs & FSTS_PPF);
	ck_assert_uint_eq(FSTS_FRI(fs), 0);
	ck_assert_uint_eq(rd(VTDE_FRO, 8), 0x1234000);
	ck_assert_uint_eq(rd(VTDE_FRO + 8, 8),
			  FRCD_HI_F | FRCD_HI_T | ((u64)VTD_FR_CTX_NOT_PRESENT << 32) | 0x10);
	/* Unmasking sends the held message and clears IP. */
	wr(VTD_FECTL, 4, 0);
	ck_assert_int_eq(seen.msis, 1);
	ck_assert_uint_eq(seen.lo, 0xfee01000);
	ck_assert_uint_eq(seen.data, 0x41);
	ck_assert_uint_eq(rd(VTD_FECTL, 4), 0);
	/* PPF already set: a second fault is no new interrupt condition. */
	vtde_fault(&u, 0x18, VTD_FR_WRITE, 0x9000, false);
	ck_assert_int_eq(seen.msis, 1);
	ck_assert_uint_eq(FRCD_HI_FR(rd(VTDE_FRO + 16 + 8, 8)), VTD_FR_WRITE);
	ck_assert(!(rd(VTDE_FRO + 16 + 8, 8) & FRCD_HI_T));
	/* Clearing record 0 (F is bit 31 of its last dword): FRI moves on. */
	wr(VTDE_FRO + 12, 4, BIT(31));
	fs = (u32)rd(VTD_FSTS, 4);
	ck_assert(fs & FSTS_PPF);
	ck_assert_uint_eq(FSTS_FRI(fs), 1);
	/* The rest of a record is read-only. */
	wr(VTDE_FRO + 16, 8, 0);
	ck_assert_uint_eq(rd(VTDE_FRO + 16, 8), 0x9000);
	wr(VTDE_FRO + 16 + 8, 8, FRCD_HI_F);
	ck_assert_uint_eq(rd(VTD_FSTS, 4), 0);
	/* With nothing pending, the next fault interrupts at once. */
	vtde_fault(&u, 0x18, VTD_FR_READ, 0xa000, true);
	ck_assert_int_eq(seen.msis, 2);
	ck_assert_uint_eq(FSTS_FRI(rd(VTD_FSTS, 4)), 2);
	/* Interrupt remapping faults carry the index in 63:48. */
	vtde_fault(&u, 0x18, VTD_FR_IR_NOT_PRESENT, 5ULL << 48 | 0xabc000, false);
	ck_assert_uint_eq(rd(VTDE_FRO + 3 * 16, 8), 5ULL << 48);
}
END_TEST

START_TEST(fault_overflow)
{
	setup();
	wr(VTD_FECTL, 4, 0);
	for (u32 i = 0; i < VTDE_NFR; i++)
		vtde_fault(&u, (u16)i, VTD_FR_READ, i << 12, true);
	ck_assert_int_eq(seen.msis, 1);
	ck_assert_uint_eq(u.st.faults, VTDE_NFR);
	ck_assert(!(rd(VTD_FSTS, 4) & FSTS_PFO));
	/* The ring is full: overflow, the fault is dropped. */
	vtde_fault(&u, 0x99, VTD_FR_READ, 0xf000, true);
	ck_assert(rd(VTD_FSTS, 4) & FSTS_PFO);
	ck_assert_uint_eq(u.st.faults_overflowed, 1);
	ck_assert_int_eq(seen.msis, 1);
	/* Freeing a record does not record while PFO stands. */
	wr(VTDE_FRO + 12, 4, BIT(31));
	vtde_fault(&u, 0x98, VTD_FR_READ, 0xe000, true);
	ck_assert_uint_eq(u.st.faults_overflowed, 2);
	ck_assert(!(rd(VTDE_FRO + 8, 8) & FRCD_HI_F));
	/* Clear PFO: recording resumes at the freed record. */
	wr(VTD_FSTS, 4, FSTS_PFO);
	vtde_fault(&u, 0x97, VTD_FR_READ, 0xd000, true);
	ck_assert(rd(VTDE_FRO + 8, 8) & FRCD_HI_F);
	ck_assert_uint_eq(FRCD_HI_SID(rd(VTDE_FRO + 8, 8)), 0x97);
	/* The oldest pending is record 1 (the ring continues after 0). */
	ck_assert_uint_eq(FSTS_FRI(rd(VTD_FSTS, 4)), 1);
	/* Both functions off: the index restarts at 0. */
	gcmd(GCMD_TE, true);
	gcmd(GCMD_TE, false);
	ck_assert_uint_eq(u.fault_next, 0);
}
END_TEST

/* Descriptor i of the queue at QBASE. */
static void qd(u32 i, u64 lo, u64 hi)
{
	put64(fg(QBASE + 16ULL * i), lo);
	put64(fg(QBASE + 16ULL * i + 8), hi);
}

static u64 wait_desc(u32 data, bool intr)
{
	return QI_WAIT | QD_WAIT_SW | (intr ? QD_WAIT_IF : 0) | (u64)data << 32;
}

static void qi_on(void)
{
	wr(VTD_IQT, 8, 0);
	wr(VTD_IQA, 8, QBASE);		/* QS 0: 256 descriptors */
	gcmd(GCMD_QIE, true);
	ck_assert(rd(VTD_GSTS, 4) & GSTS_QIES);
}

START_TEST(queue_wait_and_invalidations)
{
	setup();
	qi_on();
	qd(0, QI_CC | (1 << 4), 0);					/* global */
	qd(1, QI_IOTLB | (3 << 4) | QI_IOTLB_DR | QI_IOTLB_DW | (9 << 16),
	   0x55000 | BIT(6) | 1);					/* 2 pages */
	qd(2, QI_IEC | QD_IEC_INDEX | (2ULL << 27) | (0x21ULL << 32), 0);
	qd(3, wait_desc(0xc0de, false), STATUS);
	wr(VTD_IQT, 8, 4 * 16);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 4 * 16);
	ck_assert_uint_eq(rd32(fg(STATUS)), 0xc0de);
	ck_assert_int_eq(seen.ninv, 3);
	ck_assert_int_eq(seen.inv[0].kind, VTDE_INV_CONTEXT);
	ck_assert(seen.inv[0].queued);
	ck_assert_int_eq(seen.inv[1].kind, VTDE_INV_IOTLB);
	ck_assert_uint_eq(seen.inv[1].gran, VTDE_GRAN_DEVICE);
	ck_assert_uint_eq(seen.inv[1].did, 9);
	ck_assert_uint_eq(seen.inv[1].addr, 0x55000);
	ck_assert_uint_eq(seen.inv[1].am, 1);
	ck_assert(seen.inv[1].ih);
	ck_assert_int_eq(seen.inv[2].kind, VTDE_INV_IEC);
	ck_assert_uint_eq(seen.inv[2].gran, VTDE_GRAN_DEVICE);
	ck_assert_uint_eq(seen.inv[2].iidx, 0x21);
	ck_assert_uint_eq(seen.inv[2].am, 2);
	ck_assert_uint_eq(u.st.waits, 1);
	ck_assert_int_eq(seen.msis, 0);

	/* A wait with IF: IWC, and the completion event once unmasked. */
	wr(VTD_IEDATA, 4, 0x52);
	wr(VTD_IEADDR, 4, 0xfee00000);
	qd(4, wait_desc(1, true), STATUS + 4);
	wr(VTD_IQT, 8, 5 * 16);
	ck_assert_uint_eq(rd(VTD_ICS, 4), ICS_IWC);
	ck_assert_uint_eq(rd(VTD_IECTL, 4), IECTL_IM | IECTL_IP);
	ck_assert_int_eq(seen.msis, 0);
	wr(VTD_IECTL, 4, 0);
	ck_assert_int_eq(seen.msis, 1);
	ck_assert_uint_eq(seen.data, 0x52);
	ck_assert_uint_eq(rd(VTD_IECTL, 4), 0);
	/* IWC still set: another IF wait is no new condition. */
	qd(5, wait_desc(2, true), STATUS + 4);
	wr(VTD_IQT, 8, 6 * 16);
	ck_assert_int_eq(seen.msis, 1);
	wr(VTD_ICS, 4, ICS_IWC);
	qd(6, wait_desc(3, true), STATUS + 4);
	wr(VTD_IQT, 8, 7 * 16);
	ck_assert_int_eq(seen.msis, 2);
	ck_assert_uint_eq(rd32(fg(STATUS + 4)), 3);

	/* Register-based invalidation with the queue on: dropped. */
	wr(VTD_CCMD, 8, CCMD_ICC | (1ULL << 61));
	ck_assert_uint_eq(rd(VTD_CCMD, 8) & CCMD_ICC, 0);
	ck_assert_uint_eq(u.st.ignored_commands, 1);

	/* Disabling the queue resets its head. */
	gcmd(GCMD_QIE, false);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 0);
	/* IQH is read-only. */
	wr(VTD_IQH, 8, 0x40);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 0);
}
END_TEST

START_TEST(queue_wraps)
{
	setup();
	qi_on();
	/* Fill to the last slot, then wrap to 2. */
	for (u32 i = 0; i < 256; i++)
		qd(i, wait_desc(i, false), STATUS);
	wr(VTD_IQT, 8, 255 * 16);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 255 * 16);
	wr(VTD_IQT, 8, 2 * 16);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 2 * 16);
	ck_assert_uint_eq(rd32(fg(STATUS)), 1);
	ck_assert_uint_eq(u.st.waits, 255 + 3);
	ck_assert(!(rd(VTD_FSTS, 4) & FSTS_IQE));
}
END_TEST

START_TEST(queue_errors)
{
	setup();
	wr(VTD_FEDATA, 4, 0x44);
	wr(VTD_FECTL, 4, 0);
	qi_on();
	/* An unknown type: IQE, the head stays at the bad descriptor, the
	 * fault event fires, and what follows is not run. */
	qd(0, wait_desc(1, false), STATUS);
	qd(1, 0x7, 0);
	qd(2, wait_desc(2, false), STATUS);
	wr(VTD_IQT, 8, 3 * 16);
	ck_assert(rd(VTD_FSTS, 4) & FSTS_IQE);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 16);
	ck_assert_uint_eq(u.iqe_why, VTDE_IQE_TYPE);
	ck_assert_uint_eq(rd32(fg(STATUS)), 1);
	ck_assert_int_eq(seen.msis, 1);
	ck_assert_uint_eq(seen.data, 0x44);
	ck_assert_uint_eq(rd(VTD_IQERCD, 8), 0);	/* no detail offered */
	/* The guest replaces it (as Linux does, with a wait) and clears
	 * IQE: the queue goes on from the head. */
	qd(1, wait_desc(9, false), STATUS + 8);
	wr(VTD_FSTS, 4, FSTS_IQE);
	ck_assert(!(rd(VTD_FSTS, 4) & FSTS_IQE));
	ck_assert_uint_eq(rd(VTD_IQH, 8), 3 * 16);
	ck_assert_uint_eq(rd32(fg(STATUS)), 2);
	ck_assert_uint_eq(rd32(fg(STATUS + 8)), 9);

	/* Each kind of bad descriptor. */
	{
		static const u64 bad[][2] = {
			{ QI_CC, 0 },					/* G 0 */
			{ QI_CC | (1 << 4) | BIT(7), 0 },		/* reserved lo */
			{ QI_CC | (1 << 4), 1 },			/* reserved hi */
			{ QI_IOTLB, 0 },				/* G 0 */
			{ QI_IOTLB | (1 << 4) | BIT(40), 0 },
			{ QI_IOTLB | (3 << 4), VTDE_MAMV + 1 },		/* mask beyond MAMV */
			{ QI_IOTLB | (1 << 4), BIT(8) },
			{ QI_IEC | BIT(5), 0 },
			{ QI_IEC, BIT(0) },
			{ QI_WAIT | QD_WAIT_PD, 0 },			/* no page requests */
			{ QI_WAIT | QD_WAIT_SW, STATUS | 2 },		/* misaligned status */
			{ QD_DEV_TLB, 0 },				/* no device TLBs */
			{ 0, 0 },
			{ QI_WAIT | (1 << 9), 0 },			/* scalable-mode type */
		};

		for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
			u64 h = rd(VTD_IQH, 8);

			qd((u32)(h / 16), bad[i][0], bad[i][1]);
			wr(VTD_IQT, 8, h + 16);
			ck_assert_msg(rd(VTD_FSTS, 4) & FSTS_IQE, "descriptor %u", i);
			ck_assert_uint_eq(rd(VTD_IQH, 8), h);
			qd((u32)(h / 16), wait_desc(0, false), STATUS + 12);
			wr(VTD_FSTS, 4, FSTS_IQE);
			ck_assert_uint_eq(rd(VTD_IQH, 8), h + 16);
		}
	}

	/* A tail beyond the queue (QS 0: 4 KiB). */
	wr(VTD_IQT, 8, 0x1000);
	ck_assert(rd(VTD_FSTS, 4) & FSTS_IQE);
	ck_assert_uint_eq(u.iqe_why, VTDE_IQE_TAIL);
	wr(VTD_IQT, 8, rd(VTD_IQH, 8));
	wr(VTD_FSTS, 4, FSTS_IQE);
	ck_assert(!(rd(VTD_FSTS, 4) & FSTS_IQE));
	/* IQT's low bits are reserved: a misaligned tail is rounded. */
	qd((u32)(rd(VTD_IQH, 8) / 16), wait_desc(5, false), STATUS + 12);
	wr(VTD_IQT, 8, rd(VTD_IQH, 8) + 0x13);
	ck_assert_uint_eq(rd(VTD_IQT, 8) & 0xf, 0);
	ck_assert_uint_eq(rd(VTD_IQH, 8), rd(VTD_IQT, 8));
	ck_assert(!(rd(VTD_FSTS, 4) & FSTS_IQE));

	/* A queue outside RAM: the fetch fails. */
	gcmd(GCMD_QIE, false);
	wr(VTD_IQA, 8, 0xdead0000);
	wr(VTD_IQT, 8, 0);
	gcmd(GCMD_QIE, true);
	wr(VTD_IQT, 8, 16);
	ck_assert(rd(VTD_FSTS, 4) & FSTS_IQE);
	ck_assert_uint_eq(u.iqe_why, VTDE_IQE_FETCH);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 0);

	/* Back in RAM, the queue goes on. */
	wr(VTD_IQA, 8, QBASE);
	wr(VTD_FSTS, 4, FSTS_IQE);
	ck_assert(!(rd(VTD_FSTS, 4) & FSTS_IQE));
}
END_TEST

START_TEST(status_write_to_nowhere)
{
	setup();
	qi_on();
	qd(0, wait_desc(7, false), 0xdead0000);
	wr(VTD_IQT, 8, 16);
	ck_assert(!(rd(VTD_FSTS, 4) & FSTS_IQE));
	ck_assert_uint_eq(rd(VTD_IQH, 8), 16);
	ck_assert_uint_eq(u.st.status_writes_failed, 1);
}
END_TEST

/*
 * An overcommitted VM: guest pages on disk. An access to one fails with
 * `again` (its read started); the queue stops at that descriptor with no
 * error and runs on from it once the page is at hand.
 */
static u64 on_disk = ~0ULL;		/* a page not at hand, or none */
static bool last_again;

static bool sw_at_hand(u64 gpa, u32 len)
{
	bool in = on_disk == ~0ULL || ((gpa & ~0xfffULL) != on_disk &&
					((gpa + len - 1) & ~0xfffULL) != on_disk);

	last_again = !in;
	return in;
}

static bool sw_read(void *ctx, u64 gpa, void *buf, u32 len)
{
	return sw_at_hand(gpa, len) && fg_read(ctx, gpa, buf, len);
}

static bool sw_write(void *ctx, u64 gpa, const void *buf, u32 len)
{
	return sw_at_hand(gpa, len) && fg_write(ctx, gpa, buf, len);
}

static bool sw_again(void *ctx)
{
	return last_again;
}

/* A page of the guest's second-level tables the owner walks. */
#define TABLE	(FG_BASE + 0x31000)

/* An interrupt-entry invalidation whose entries the owner reads back;
 * the others walk the guest's table (an assigned device's shadow,
 * viommu_shadow.h). */
static void sw_inv(void *ctx, const struct vtde_inv *inv)
{
	u8 e[16];

	t_inv(ctx, inv);
	if (inv->kind == VTDE_INV_IEC)
		sw_read(ctx, FG_BASE + 0x30000, e, 16);
	else if (inv->kind != VTDE_INV_IRT)
		sw_read(ctx, TABLE, e, 8);
}

static const struct vtde_ops sw_ops = {
	.read = sw_read, .write = sw_write, .msi = t_msi, .invalidate = sw_inv, .again = sw_again,
};

START_TEST(queue_stalls_on_pages_on_disk)
{
	setup();
	vtde_init(&u, &sw_ops, NULL);
	qi_on();
	/* A status write to a page on disk: IQH stays at the wait. */
	on_disk = STATUS;
	qd(0, QI_CC | (1 << 4), 0);
	qd(1, wait_desc(0x11, false), STATUS);
	qd(2, wait_desc(0x22, false), STATUS + 0x1000);
	wr(VTD_IQT, 8, 3 * 16);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 16);
	ck_assert(!(rd(VTD_FSTS, 4) & FSTS_IQE));
	ck_assert(u.stalled && vtde_pending(&u));
	ck_assert_uint_eq(u.st.stalls, 1);
	ck_assert_uint_eq(u.st.status_writes_failed, 0);
	ck_assert_int_eq(seen.ninv, 1);
	/* Still on disk: the same stall, counted once. */
	vtde_continue(&u);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 16);
	ck_assert_uint_eq(u.st.stalls, 1);
	/* At hand: on from the wait, the status written once. */
	on_disk = ~0ULL;
	vtde_continue(&u);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 3 * 16);
	ck_assert(!u.stalled && !vtde_pending(&u));
	ck_assert_uint_eq(rd32(fg(STATUS)), 0x11);
	ck_assert_uint_eq(rd32(fg(STATUS + 0x1000)), 0x22);
	ck_assert_uint_eq(u.st.status_writes, 2);
	ck_assert_int_eq(seen.ninv, 1);

	/* The queue's own page on disk: nothing fetched, no IQE. */
	on_disk = QBASE;
	qd(3, wait_desc(0x33, false), STATUS);
	wr(VTD_IQT, 8, 4 * 16);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 3 * 16);
	ck_assert(!(rd(VTD_FSTS, 4) & FSTS_IQE));
	ck_assert_uint_eq(u.st.stalls, 2);
	on_disk = ~0ULL;
	vtde_continue(&u);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 4 * 16);
	ck_assert_uint_eq(rd32(fg(STATUS)), 0x33);

	/* An invalidation whose read-back meets a page on disk runs again. */
	on_disk = FG_BASE + 0x30000;
	qd(4, QI_IEC, 0);
	wr(VTD_IQT, 8, 5 * 16);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 4 * 16);
	ck_assert_uint_eq(u.st.iec_inv, 0);
	on_disk = ~0ULL;
	vtde_continue(&u);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 5 * 16);
	ck_assert_uint_eq(u.st.iec_inv, 1);
	ck_assert_int_eq(seen.ninv, 3);

	/* Not RAM is still the guest's error, not a stall. */
	on_disk = ~0ULL;
	qd(5, wait_desc(7, false), 0xdead0000);
	wr(VTD_IQT, 8, 6 * 16);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 6 * 16);
	ck_assert_uint_eq(u.st.status_writes_failed, 1);
	ck_assert_uint_eq(u.st.stalls, 3);
}
END_TEST

/*
 * Invalidations whose owner meets a guest page on disk (its shadow's walk
 * or pin) are not complete: a queued one stops the queue at it, a
 * register one stays in progress (CCMD.ICC, IOTLB.IVT: the guest polls
 * it), a root pointer or translation change is told again; each done
 * once the page is at hand (vtde_continue), counted once.
 */
START_TEST(invalidations_wait_for_owner_pages)
{
	setup();
	vtde_init(&u, &sw_ops, NULL);
	on_disk = TABLE;
	wr(VTDE_IVA, 8, 0x5000);
	wr(VTDE_IOTLB, 8, IOTLB_IVT | (3ULL << 60) | (7ULL << 32));
	ck_assert(rd(VTDE_IOTLB, 8) & IOTLB_IVT);
	ck_assert(vtde_waiting(&u) && vtde_pending(&u));
	ck_assert_uint_eq(u.st.iotlb_inv, 0);
	ck_assert_uint_eq(u.st.stalls, 1);
	vtde_continue(&u);
	ck_assert(rd(VTDE_IOTLB, 8) & IOTLB_IVT);
	ck_assert_uint_eq(u.st.stalls, 1);
	on_disk = ~0ULL;
	vtde_continue(&u);
	ck_assert(!(rd(VTDE_IOTLB, 8) & IOTLB_IVT));
	ck_assert_uint_eq((rd(VTDE_IOTLB, 8) >> IOTLB_IAIG_SHIFT) & 3, 3);
	ck_assert_uint_eq(u.st.iotlb_inv, 1);
	ck_assert(!vtde_waiting(&u) && !vtde_pending(&u));
	ck_assert_int_eq(seen.ninv, 3);
	ck_assert_int_eq(seen.inv[2].kind, VTDE_INV_IOTLB);
	ck_assert_uint_eq(seen.inv[2].addr, 0x5000);

	/* The context command the same way. */
	on_disk = TABLE;
	wr(VTD_CCMD, 8, CCMD_ICC | (1ULL << 61));
	ck_assert(rd(VTD_CCMD, 8) & CCMD_ICC);
	ck_assert(vtde_waiting(&u) && vtde_pending(&u));
	ck_assert_uint_eq(u.st.cc_inv, 0);
	on_disk = ~0ULL;
	vtde_continue(&u);
	ck_assert_uint_eq(rd(VTD_CCMD, 8) & CCMD_ICC, 0);
	ck_assert_uint_eq(u.st.cc_inv, 1);
	ck_assert_uint_eq(u.st.stalls, 2);

	/* Translation on: GSTS says so at once (the guest waits for
	 * nothing else), the change told again until its walk is through. */
	on_disk = TABLE;
	seen.ninv = 0;
	gcmd(GCMD_TE, true);
	ck_assert(rd(VTD_GSTS, 4) & GSTS_TES);
	ck_assert(vtde_waiting(&u) && vtde_pending(&u));
	ck_assert_int_eq(seen.ninv, 1);
	ck_assert(!seen.inv[0].retry);
	seen.ninv = 0;
	vtde_continue(&u);
	ck_assert_int_eq(seen.ninv, 1);
	ck_assert_int_eq(seen.inv[0].kind, VTDE_INV_TRANSLATION);
	ck_assert(seen.inv[0].retry);		/* the owner's flush is not redone */
	ck_assert(vtde_pending(&u));
	on_disk = ~0ULL;
	vtde_continue(&u);
	ck_assert_int_eq(seen.ninv, 2);
	ck_assert(!vtde_waiting(&u) && !vtde_pending(&u));
	vtde_continue(&u);
	ck_assert_int_eq(seen.ninv, 2);
	ck_assert_uint_eq(u.st.stalls, 3);

	/* Queued: IQH stays at the IOTLB descriptor; the wait after it is
	 * not written before it is done. */
	qi_on();
	on_disk = TABLE;
	qd(0, QI_IOTLB | (1 << 4), 0);
	qd(1, wait_desc(0x44, false), STATUS);
	wr(VTD_IQT, 8, 2 * 16);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 0);
	ck_assert(!(rd(VTD_FSTS, 4) & FSTS_IQE));
	ck_assert_uint_eq(rd32(fg(STATUS)), 0);
	ck_assert_uint_eq(u.st.iotlb_inv, 1);
	on_disk = ~0ULL;
	vtde_continue(&u);
	ck_assert_uint_eq(rd(VTD_IQH, 8), 2 * 16);
	ck_assert_uint_eq(rd32(fg(STATUS)), 0x44);
	ck_assert_uint_eq(u.st.iotlb_inv, 2);
	ck_assert(!vtde_waiting(&u) && !vtde_pending(&u));
	ck_assert_uint_eq(u.st.stalls, 4);
}
END_TEST

START_TEST(iqe_with_fault_pending)
{
	setup();
	wr(VTD_FECTL, 4, 0);
	vtde_fault(&u, 1, VTD_FR_READ, 0, true);
	ck_assert_int_eq(seen.msis, 1);
	qi_on();
	qd(0, 0, 0);
	wr(VTD_IQT, 8, 16);
	/* PPF stood: IQE is no new interrupt condition (11.4.9.2). */
	ck_assert(rd(VTD_FSTS, 4) & FSTS_IQE);
	ck_assert_int_eq(seen.msis, 1);
	/* Masked, then everything cleared: IP goes too. */
	wr(VTD_FECTL, 4, FECTL_IM);
	vtde_fault(&u, 1, VTD_FR_READ, 0x1000, true);
	qd(0, wait_desc(0, false), STATUS);
	wr(VTD_FSTS, 4, FSTS_IQE);
	for (u32 i = 0; i < VTDE_NFR; i++)
		wr(VTDE_FRO + 16 * i + 12, 4, BIT(31));
	ck_assert_uint_eq(rd(VTD_FSTS, 4), 0);
	ck_assert_uint_eq(rd(VTD_FECTL, 4), FECTL_IM);
}
END_TEST

Suite *viommu_regs_suite(void)
{
	Suite *s = suite_create("viommu_regs");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, reset_and_caps);
	tcase_add_test(tc, bad_accesses);
	tcase_add_test(tc, root_pointer_and_translation);
	tcase_add_test(tc, interrupt_remapping_pointer);
	tcase_add_test(tc, register_invalidation);
	tcase_add_test(tc, fault_recording);
	tcase_add_test(tc, fault_overflow);
	tcase_add_test(tc, queue_wait_and_invalidations);
	tcase_add_test(tc, queue_wraps);
	tcase_add_test(tc, queue_errors);
	tcase_add_test(tc, status_write_to_nowhere);
	tcase_add_test(tc, iqe_with_fault_pending);
	tcase_add_test(tc, queue_stalls_on_pages_on_disk);
	tcase_add_test(tc, invalidations_wait_for_owner_pages);
	suite_add_tcase(s, tc);
	return s;
}
