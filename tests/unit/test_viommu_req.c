// SPDX-License-Identifier: GPL-2.0
/*
 * Requests through the emulated VT-d unit (core/vdev/viommu/vtd_req.h):
 * a DMA and an interrupt, allowed or blocked, and what a blocked one
 * leaves in the fault registers and the fault event (VT-d 7.2, 11.4.14).
 */
#include <string.h>

#include "core/le.h"
#include "core/vdev/vioapic.h"
#include "core/vdev/viommu/vtd_req.h"
#include "fake_guest.h"
#include "suites.h"

#define ROOT	(FG_BASE + 0x0000)
#define CTX	(FG_BASE + 0x1000)
#define L3	(FG_BASE + 0x2000)
#define L2	(FG_BASE + 0x3000)
#define L1	(FG_BASE + 0x4000)
#define IRT	(FG_BASE + 0x8000)
#define SID	0x0010		/* 00:02.0, where tern puts virtio-blk */
#define IOVA	0xfffff000ULL
#define RO_IOVA	0xffffe000ULL

static struct vtde unit;
static struct vtdq_stats st;
static struct vtdir_cache cache;
static int events;
static u32 event_data;

static void t_msi(void *ctx, u32 lo, u32 hi, u32 data)
{
	events++;
	event_data = data;
}

static const struct vtde_ops ops = { fg_read, NULL, t_msi, NULL, NULL };
static const struct vtdw_mem mem = { fg_read, NULL, NULL };

static void pte(u64 table, u64 iova, int lvl, u64 v)
{
	put64(fg(table + 8 * ((iova >> (12 + 9 * (lvl - 1))) & 511)), v);
}

static void wr(u32 off, u64 v)
{
	ck_assert(vtde_write(&unit, off, 4, v));
}

static u32 rd(u32 off)
{
	u64 v;

	ck_assert(vtde_read(&unit, off, 4, &v));
	return (u32)v;
}

/* A 3-level domain for SID: IOVA read-write to 0x150000, RO_IOVA
 * read-only to 0x151000; translation and remapping on as the guest
 * turns them on; the fault event unmasked, data 0x4f. */
static void setup(void)
{
	memset(fg_ram, 0, sizeof(fg_ram));
	memset(&st, 0, sizeof(st));
	memset(&cache, 0, sizeof(cache));
	events = 0;
	vtde_init(&unit, &ops, NULL);
	put64(fg(ROOT), CTX | ROOT_P);
	put64(fg(CTX + 16 * SID), L3 | CTX_P);
	put64(fg(CTX + 16 * SID + 8), 1 | (7 << 8));		/* 39-bit, domain 7 */
	pte(L3, IOVA, 3, L2 | VTDW_SL_R | VTDW_SL_W);
	pte(L2, IOVA, 2, L1 | VTDW_SL_R | VTDW_SL_W);
	pte(L1, IOVA, 1, 0x150000 | VTDW_SL_R | VTDW_SL_W);
	pte(L1, RO_IOVA, 1, 0x151000 | VTDW_SL_R);
	wr(VTD_RTADDR, ROOT);
	wr(VTD_GCMD, GCMD_SRTP);
	wr(VTD_IRTA, IRT | 7 | IRTA_EIME);
	wr(VTD_GCMD, GCMD_SIRTP);
	wr(VTD_GCMD, GCMD_TE | GCMD_IRE);
	wr(VTD_FEDATA, 0x4f);
	wr(VTD_FEADDR, 0xfee00000);
	wr(VTD_FECTL, 0);
}

START_TEST(dma)
{
	u64 gpa = 0;

	setup();
	ck_assert_uint_eq(vtdq_dma(&unit, &mem, &st, SID, IOVA + 0x123, true, &gpa, NULL), 0);
	ck_assert_uint_eq(gpa, 0x150123);
	ck_assert_uint_eq(vtdq_dma(&unit, &mem, &st, SID, RO_IOVA + 8, false, &gpa, NULL), 0);
	ck_assert_uint_eq(gpa, 0x151008);
	ck_assert_uint_eq(st.translations, 2);
	ck_assert_int_eq(events, 0);
	/* A write to the read-only page: fault 5 at its page, T = 0 (a
	 * write), the device's source-id; PPF with FRI 0, the event sent. */
	ck_assert_uint_eq(vtdq_dma(&unit, &mem, &st, SID, RO_IOVA + 8, true, &gpa, NULL), VTD_FR_WRITE);
	ck_assert_uint_eq(unit.frcd[0][0], RO_IOVA);
	ck_assert_uint_eq(unit.frcd[0][1], FRCD_HI_F | (u64)VTD_FR_WRITE << 32 | SID);
	ck_assert(rd(VTD_FSTS) & FSTS_PPF);
	ck_assert_int_eq(events, 1);
	ck_assert_uint_eq(event_data, 0x4f);
	/* An unmapped I/O address, read: fault 6, T = 1, the next record;
	 * no new event while one is pending (7.3). */
	ck_assert_uint_eq(vtdq_dma(&unit, &mem, &st, SID, 0x1000, false, &gpa, NULL), VTD_FR_READ);
	ck_assert_uint_eq(unit.frcd[1][0], 0x1000);
	ck_assert_uint_eq(unit.frcd[1][1], FRCD_HI_F | FRCD_HI_T | (u64)VTD_FR_READ << 32 | SID);
	ck_assert_int_eq(events, 1);
	/* Beyond the 39-bit width; another device with no context. */
	ck_assert_uint_eq(vtdq_dma(&unit, &mem, &st, SID, 1ULL << 39, false, &gpa, NULL),
			  VTD_FR_ADDR_BEYOND_AW);
	ck_assert_uint_eq(vtdq_dma(&unit, &mem, &st, 0x0018, IOVA, false, &gpa, NULL),
			  VTD_FR_CTX_NOT_PRESENT);
	ck_assert_uint_eq(unit.frcd[3][1] & 0xffff, 0x0018);
	ck_assert_uint_eq(st.dma_faults, 4);
	ck_assert_uint_eq(unit.st.faults, 4);
	/* FPD in the context entry: faulted, not recorded. */
	put64(fg(CTX + 16 * SID), L3 | CTX_P | CTX_FPD);
	ck_assert_uint_eq(vtdq_dma(&unit, &mem, &st, SID, 0x1000, true, &gpa, NULL), VTD_FR_WRITE);
	ck_assert_uint_eq(st.dma_unrecorded, 1);
	ck_assert_uint_eq(unit.st.faults, 4);
	/* Translation off: the address as it is. */
	wr(VTD_GCMD, GCMD_IRE);
	ck_assert_uint_eq(vtdq_dma(&unit, &mem, &st, SID, 0x1000, true, &gpa, NULL), 0);
	ck_assert_uint_eq(gpa, 0x1000);
}
END_TEST

/* An overcommitted VM: one guest page on disk (its read started). */
static u64 on_disk;
static bool last_again;

static bool sw_read(void *ctx, u64 gpa, void *buf, u32 len)
{
	last_again = (gpa & ~0xfffULL) == on_disk;
	return !last_again && fg_read(ctx, gpa, buf, len);
}

static bool sw_again(void *ctx)
{
	return last_again;
}

static const struct vtdw_mem sw_mem = { sw_read, NULL, sw_again };

static u32 raddr(u16 h);

/* A table page on disk: VTDQ_AGAIN, nothing recorded; then the walk. */
START_TEST(pages_on_disk)
{
	struct vtdir_req rq = { .sid = SID };
	struct vlapic_ipi m;
	u64 gpa = 0;
	bool level;

	setup();
	for (u64 p = ROOT; p <= L1; p += 0x1000) {
		on_disk = p;
		ck_assert_uint_eq(vtdq_dma(&unit, &sw_mem, &st, SID, IOVA, true, &gpa, NULL),
				  VTDQ_AGAIN);
	}
	ck_assert_uint_eq(st.dma_again, 5);	/* root, context, 3 levels */
	ck_assert_uint_eq(st.dma_faults, 0);
	ck_assert_uint_eq(unit.st.faults, 0);
	ck_assert_int_eq(events, 0);
	on_disk = ~0ULL;
	ck_assert_uint_eq(vtdq_dma(&unit, &sw_mem, &st, SID, IOVA + 4, true, &gpa, NULL), 0);
	ck_assert_uint_eq(gpa, 0x150004);
	/* A real fault is still one. */
	ck_assert_uint_eq(vtdq_dma(&unit, &sw_mem, &st, SID, 0x1000, false, &gpa, NULL),
			  VTD_FR_READ);
	ck_assert_uint_eq(unit.st.faults, 1);

	/* The interrupt remapping table's page: not delivered, not a fault. */
	put64(fg(IRT + 32), IRTE_P | IRTE_VECTOR(0x62) | IRTE_DEST_X2APIC(1));
	put64(fg(IRT + 40), SID | IRTE_HI_SVT_VERIFY);
	rq.addr_lo = raddr(2);
	on_disk = IRT;
	ck_assert(!vtdq_irq(&unit, &sw_mem, &cache, &st, &rq, false, &m, &level));
	ck_assert_uint_eq(st.irq_again, 1);
	ck_assert_uint_eq(st.irq_blocked, 0);
	ck_assert_uint_eq(unit.st.faults, 1);
	/* Read back into the cache where the caller can wait: then the
	 * interrupt needs no read. */
	ck_assert(!vtdir_cache_flush_reload(&sw_mem, &cache, unit.irta, false, 2, 0));
	on_disk = ~0ULL;
	ck_assert(vtdir_cache_flush_reload(&sw_mem, &cache, unit.irta, false, 2, 0));
	on_disk = IRT;
	ck_assert(vtdq_irq(&unit, &sw_mem, &cache, &st, &rq, false, &m, &level));
	ck_assert_uint_eq(m.vector, 0x62);
	/* A global flush reads back what the cache had. */
	on_disk = ~0ULL;
	ck_assert(vtdir_cache_flush_reload(&sw_mem, &cache, unit.irta, true, 0, 0));
	on_disk = IRT;
	ck_assert(vtdq_irq(&unit, &sw_mem, &cache, &st, &rq, false, &m, &level));
	ck_assert_uint_eq(st.irq_again, 1);
}
END_TEST

static u32 raddr(u16 h)
{
	return 0xfee00000 | (u32)(h & 0x7fff) << 5 | (u32)(h >> 15) << 2 | MSI_ADDR_REMAP;
}

START_TEST(interrupts)
{
	struct vtdir_req rq = { .sid = SID };
	struct vlapic_ipi m;
	bool level;

	setup();
	/* IRTE 2: vector 0x62 to x2APIC 1, only from SID. */
	put64(fg(IRT + 32), IRTE_P | IRTE_VECTOR(0x62) | IRTE_DEST_X2APIC(1));
	put64(fg(IRT + 40), SID | IRTE_HI_SVT_VERIFY);
	rq.addr_lo = raddr(2);
	ck_assert(vtdq_irq(&unit, &mem, &cache, &st, &rq, false, &m, &level));
	ck_assert_uint_eq(m.vector, 0x62);
	ck_assert(m.x2apic && !m.logical && !level);
	ck_assert_uint_eq(m.dest, 1);
	ck_assert_uint_eq(st.irq_remapped, 1);
	/* From the I/O APIC's source-id instead: blocked, fault 0x26 with
	 * the index in FI 63:48, T = 0; the event. */
	rq.sid = VIOAPIC_SID;
	ck_assert(!vtdq_irq(&unit, &mem, &cache, &st, &rq, false, &m, &level));
	ck_assert_uint_eq(unit.frcd[0][0], 2ULL << 48);
	ck_assert_uint_eq(unit.frcd[0][1], FRCD_HI_F | (u64)VTD_FR_IR_SID << 32 | VIOAPIC_SID);
	ck_assert_int_eq(events, 1);
	/* A compatibility-format MSI with CFIS clear: fault 0x25. */
	rq.sid = SID;
	rq.addr_lo = 0xfee00000;
	rq.data = 0x30;
	ck_assert(!vtdq_irq(&unit, &mem, &cache, &st, &rq, false, &m, &level));
	ck_assert_uint_eq(unit.frcd[1][1] >> 32 & 0xff, VTD_FR_IR_COMPAT);
	/* A probe of an empty entry: no record, no count, no cache fill. */
	rq.addr_lo = raddr(9);
	ck_assert(!vtdq_irq(&unit, &mem, &cache, &st, &rq, true, &m, &level));
	ck_assert_uint_eq(unit.st.faults, 2);
	ck_assert_uint_eq(st.irq_blocked, 2);
	ck_assert_uint_eq(cache.misses, 1);
	/* FPD in the (not present) entry: blocked, not recorded. */
	put64(fg(IRT + 16 * 9), IRTE_FPD);
	ck_assert(!vtdq_irq(&unit, &mem, &cache, &st, &rq, false, &m, &level));
	ck_assert_uint_eq(st.irq_unrecorded, 1);
	ck_assert_uint_eq(unit.st.faults, 2);
	/* Remapping off: the request is a compatibility message. */
	wr(VTD_GCMD, GCMD_TE);
	rq.addr_lo = 0xfee01000;
	ck_assert(vtdq_irq(&unit, &mem, &cache, &st, &rq, false, &m, &level));
	ck_assert_uint_eq(m.vector, 0x30);
	ck_assert_uint_eq(m.dest, 1);
	ck_assert_uint_eq(st.irq_compat, 1);
}
END_TEST

/* An interrupt whose entry's page is on disk is kept and delivered late,
 * in order, with its trigger mode if its source takes it; kept again
 * while a page is still on disk; lost when the queue is full or the guest
 * turned remapping off meanwhile. */
static struct vlapic_ipi late_msg[VTDQ_HELD];
static bool late_level[VTDQ_HELD];
static u32 nlate;

static void t_deliver(void *ctx, const struct vlapic_ipi *msg, bool level)
{
	late_msg[nlate] = *msg;
	late_level[nlate++] = level;
}

START_TEST(interrupts_held)
{
	struct vtdq_held h = { 0 };
	struct vtdir_req rq = { .sid = SID }, io = { .sid = VIOAPIC_SID };
	struct vlapic_ipi m;
	bool level;

	setup();
	nlate = 0;
	/* IRTE 2 (vector 0x62, edge) for SID, IRTE 3 (vector 0x63, level)
	 * for the I/O APIC. */
	put64(fg(IRT + 32), IRTE_P | IRTE_VECTOR(0x62) | IRTE_DEST_X2APIC(1));
	put64(fg(IRT + 40), SID | IRTE_HI_SVT_VERIFY);
	put64(fg(IRT + 48), IRTE_P | IRTE_TM_LEVEL | IRTE_VECTOR(0x63) | IRTE_DEST_X2APIC(0));
	put64(fg(IRT + 56), VIOAPIC_SID | IRTE_HI_SVT_VERIFY);
	rq.addr_lo = raddr(2);
	io.addr_lo = raddr(3);
	on_disk = IRT;
	ck_assert(!vtdq_irq(&unit, &sw_mem, &cache, &st, &rq, false, &m, &level));
	ck_assert(vtdq_hold(&h, &rq, false));
	ck_assert(!vtdq_irq(&unit, &sw_mem, &cache, &st, &io, false, &m, &level));
	ck_assert(vtdq_hold(&h, &io, true));
	ck_assert_uint_eq(st.irq_again, 2);
	/* Still on disk: both kept again, nothing delivered, no fault. */
	ck_assert_uint_eq(vtdq_irq_retry(&unit, &sw_mem, &cache, &st, &h, t_deliver, NULL), 2);
	ck_assert_uint_eq(nlate, 0);
	ck_assert_uint_eq(unit.st.faults, 0);
	/* Back: delivered in order, the I/O APIC's level-triggered. */
	on_disk = ~0ULL;
	ck_assert_uint_eq(vtdq_irq_retry(&unit, &sw_mem, &cache, &st, &h, t_deliver, NULL), 0);
	ck_assert_uint_eq(nlate, 2);
	ck_assert_uint_eq(late_msg[0].vector, 0x62);
	ck_assert(!late_level[0]);
	ck_assert_uint_eq(late_msg[1].vector, 0x63);
	ck_assert(late_level[1]);
	ck_assert_uint_eq(h.late, 2);
	ck_assert_uint_eq(h.lost, 0);
	/* Full: the next one is lost, counted. */
	for (u32 i = 0; i < VTDQ_HELD; i++)
		ck_assert(vtdq_hold(&h, &rq, false));
	ck_assert(!vtdq_hold(&h, &rq, false));
	ck_assert_uint_eq(h.lost, 1);
	/* Remapping turned off meanwhile: none delivered, all lost. */
	wr(VTD_GCMD, GCMD_TE);
	ck_assert_uint_eq(vtdq_irq_retry(&unit, &sw_mem, &cache, &st, &h, t_deliver, NULL), 0);
	ck_assert_uint_eq(nlate, 2);
	ck_assert_uint_eq(h.lost, 1 + VTDQ_HELD);
}
END_TEST

Suite *viommu_req_suite(void)
{
	Suite *s = suite_create("viommu_req");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, dma);
	tcase_add_test(tc, interrupts);
	tcase_add_test(tc, pages_on_disk);
	tcase_add_test(tc, interrupts_held);
	suite_add_tcase(s, tc);
	return s;
}
