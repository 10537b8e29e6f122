// SPDX-License-Identifier: GPL-2.0
/* The emulated VT-d unit's interrupt remapping (core/vdev/viommu/vtd_ir.h). */
#include <string.h>

#include "core/le.h"
#include "core/vdev/vioapic.h"
#include "core/vdev/viommu/vtd_ir.h"
#include "core/vdev/viommu/vtd_regs_emul.h"
#include "fake_guest.h"
#include "suites.h"

#define IRT	(FG_BASE + 0x8000)
#define ON	(GSTS_IRES | GSTS_IRTPS)

static const struct vtdw_mem mem = { fg_read, NULL, NULL };
static struct vtdir_cache cache;

static void irte(u32 i, u64 lo, u64 hi)
{
	put64(fg(IRT + 16ULL * i), lo);
	put64(fg(IRT + 16ULL * i + 8), hi);
}

/* A remappable-format MSI address for handle h. */
static u32 raddr(u16 h, bool shv)
{
	return 0xfee00000 | (u32)(h & 0x7fff) << 5 | (u32)(h >> 15) << 2 | MSI_ADDR_REMAP |
	       (shv ? MSI_ADDR_SHV : 0);
}

static void go(u32 gsts, u64 irta, u16 sid, u32 addr, u32 data, struct vtdir_result *r)
{
	struct vtdir_req rq = { .sid = sid, .addr_lo = addr, .data = data };

	vtdir_translate(&mem, &cache, gsts, irta, &rq, r);
}

static void setup(void)
{
	memset(fg_ram, 0, sizeof(fg_ram));
	memset(&cache, 0, sizeof(cache));
}

START_TEST(remapped_xapic_and_x2apic)
{
	struct vtdir_result r;
	u64 irta = IRT | 7;		/* 256 entries, xAPIC */

	setup();
	/* Entry 3: vector 0x31 to APIC 2, logical, level, lowest priority. */
	irte(3, IRTE_P | IRTE_DM_LOGICAL | IRTE_TM_LEVEL | (1 << 5) | IRTE_VECTOR(0x31) |
		IRTE_DEST_XAPIC(2), 0);
	go(ON, irta, 0x18, raddr(3, false), 0, &r);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert(!r.compat);
	ck_assert_uint_eq(r.index, 3);
	ck_assert_uint_eq(r.vector, 0x31);
	ck_assert_uint_eq(r.dest, 2);
	ck_assert(r.logical && r.level);
	ck_assert_uint_eq(r.dlm, 1);
	/* SHV: handle + subhandle from the data (MSI multi-vector). */
	irte(5, IRTE_P | IRTE_VECTOR(0x42), 0);
	go(ON, irta, 0x18, raddr(3, true), 2, &r);
	ck_assert_uint_eq(r.index, 5);
	ck_assert_uint_eq(r.vector, 0x42);
	/* x2APIC destinations with EIME, handle bit 15 at address bit 2. */
	go(ON, IRT | 15 | IRTA_EIME, 0x18, raddr(0x8001, false), 0, &r);
	ck_assert_uint_eq(r.index, 0x8001);
	ck_assert_uint_eq(r.fault, VTD_FR_IR_NOT_PRESENT);	/* an empty entry */
	irte(7, IRTE_P | IRTE_VECTOR(0x50) | IRTE_DEST_X2APIC(0x12345), 0);
	go(ON, IRT | 7 | IRTA_EIME, 0x18, raddr(7, false), 0, &r);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.dest, 0x12345);
	/* Without EIME, the x2APIC bits are reserved. */
	memset(&cache, 0, sizeof(cache));
	go(ON, IRT | 7, 0x18, raddr(7, false), 0, &r);
	ck_assert_uint_eq(r.fault, VTD_FR_IR_IRTE_RSVD);
}
END_TEST

START_TEST(faults)
{
	struct vtdir_result r;
	u64 irta = IRT | 3;		/* 16 entries */

	setup();
	go(ON, irta, 0x18, raddr(16, false), 0, &r);
	ck_assert_uint_eq(r.fault, VTD_FR_IR_INDEX);
	ck_assert_uint_eq(r.index, 16);
	go(ON, irta, 0x18, raddr(15, true), 1, &r);	/* 15 + 1 */
	ck_assert_uint_eq(r.fault, VTD_FR_IR_INDEX);
	go(ON, irta, 0x18, raddr(2, false), 0, &r);
	ck_assert_uint_eq(r.fault, VTD_FR_IR_NOT_PRESENT);
	ck_assert(!r.fpd);
	irte(2, IRTE_FPD, 0);
	memset(&cache, 0, sizeof(cache));
	go(ON, irta, 0x18, raddr(2, false), 0, &r);
	ck_assert_uint_eq(r.fault, VTD_FR_IR_NOT_PRESENT);
	ck_assert(r.fpd);
	/* Reserved: low bits 14:12, posted mode, high bits, SVT 3. */
	{
		static const u64 bad[][2] = {
			{ IRTE_P | BIT(12), 0 },
			{ IRTE_P | VTDIR_IRTE_IM, 0 },
			{ IRTE_P | BIT(24), 0 },
			{ IRTE_P, BIT(20) },
			{ IRTE_P, 3ULL << 18 },
		};

		for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
			irte(4, bad[i][0], bad[i][1]);
			vtdir_cache_flush(&cache, true, 0, 0);
			go(ON, irta, 0x18, raddr(4, false), 0, &r);
			ck_assert_msg(r.fault == VTD_FR_IR_IRTE_RSVD, "entry %u", i);
		}
	}
	/* The table outside RAM. */
	go(ON, 0xdead0000 | 3, 0x18, raddr(1, false), 0, &r);
	ck_assert_uint_eq(r.fault, VTD_FR_IR_ACCESS);
}
END_TEST

START_TEST(source_id)
{
	struct vtdir_result r;
	u64 irta = IRT | 3;

	setup();
	/* SVT 1, SQ 0: exactly 00:03.0. */
	irte(1, IRTE_P | IRTE_VECTOR(0x40), 0x18 | IRTE_HI_SVT_VERIFY);
	go(ON, irta, 0x18, raddr(1, false), 0, &r);
	ck_assert_uint_eq(r.fault, 0);
	go(ON, irta, 0x19, raddr(1, false), 0, &r);
	ck_assert_uint_eq(r.fault, VTD_FR_IR_SID);
	/* SQ 3: functions 0-7 of the device. */
	irte(1, IRTE_P | IRTE_VECTOR(0x40), 0x18 | IRTE_HI_SVT_VERIFY | (3 << 16));
	vtdir_cache_flush(&cache, false, 1, 0);
	go(ON, irta, 0x1f, raddr(1, false), 0, &r);
	ck_assert_uint_eq(r.fault, 0);
	go(ON, irta, 0x20, raddr(1, false), 0, &r);
	ck_assert_uint_eq(r.fault, VTD_FR_IR_SID);
	/* SVT 2: buses 2-4. */
	irte(1, IRTE_P | IRTE_VECTOR(0x40), 0x0204 | (2ULL << 18));
	vtdir_cache_flush(&cache, false, 0, 1);		/* entries 0-1 */
	go(ON, irta, 0x0300, raddr(1, false), 0, &r);
	ck_assert_uint_eq(r.fault, 0);
	go(ON, irta, 0x0500, raddr(1, false), 0, &r);
	ck_assert_uint_eq(r.fault, VTD_FR_IR_SID);
}
END_TEST

START_TEST(compat_and_off)
{
	struct vtdir_result r;

	setup();
	/* Remapping off: everything as it came. */
	go(0, IRT | 3, 0x18, 0xfee01000, 0x30, &r);
	ck_assert(r.compat);
	ck_assert_uint_eq(r.fault, 0);
	/* On: compatibility format blocked unless CFIS. */
	go(ON, IRT | 3, 0x18, 0xfee01000, 0x30, &r);
	ck_assert_uint_eq(r.fault, VTD_FR_IR_COMPAT);
	go(ON | GSTS_CFIS, IRT | 3, 0x18, 0xfee01000, 0x30, &r);
	ck_assert(r.compat);
	ck_assert_uint_eq(r.fault, 0);
}
END_TEST

START_TEST(entry_cache)
{
	struct vtdir_result r;
	u64 irta = IRT | 7;

	setup();
	irte(9, IRTE_P | IRTE_VECTOR(0x60), 0);
	go(ON, irta, 0x18, raddr(9, false), 0, &r);
	ck_assert_uint_eq(r.vector, 0x60);
	ck_assert_uint_eq(cache.misses, 1);
	/* Changed in memory, not invalidated: the cached entry stands. */
	irte(9, IRTE_P | IRTE_VECTOR(0x61), 0);
	go(ON, irta, 0x18, raddr(9, false), 0, &r);
	ck_assert_uint_eq(r.vector, 0x60);
	ck_assert_uint_eq(cache.hits, 1);
	/* An index-selective flush of another range keeps it... */
	vtdir_cache_flush(&cache, false, 16, 3);
	go(ON, irta, 0x18, raddr(9, false), 0, &r);
	ck_assert_uint_eq(r.vector, 0x60);
	/* ... one covering it (8-15) drops it. */
	vtdir_cache_flush(&cache, false, 12, 3);
	go(ON, irta, 0x18, raddr(9, false), 0, &r);
	ck_assert_uint_eq(r.vector, 0x61);
	/* Two indices on one slot do not alias. */
	irte(9 + VTDIR_CACHE, IRTE_P | IRTE_VECTOR(0x70), 0);
	go(ON, irta, 0x18, raddr(9 + VTDIR_CACHE, false), 0, &r);
	ck_assert_uint_eq(r.vector, 0x70);
	go(ON, irta, 0x18, raddr(9, false), 0, &r);
	ck_assert_uint_eq(r.vector, 0x61);
}
END_TEST

/* The result as the APIC message delivered (vtdir_message). */
START_TEST(message)
{
	struct vtdir_req rq = { .sid = 0x18 };
	struct vtdir_result r;
	struct vlapic_ipi m;
	bool level;
	u64 irta = IRT | 7;

	setup();
	/* Remapped, xAPIC: logical, lowest priority, level. */
	irte(3, IRTE_P | IRTE_DM_LOGICAL | IRTE_TM_LEVEL | (1 << 5) | IRTE_VECTOR(0x31) |
		IRTE_DEST_XAPIC(2), 0);
	rq.addr_lo = raddr(3, false);
	vtdir_translate(&mem, &cache, ON, irta, &rq, &r);
	ck_assert(vtdir_message(&rq, &r, &m, &level));
	ck_assert(m.valid && m.assert && m.logical && !m.x2apic);
	ck_assert_uint_eq(m.mode, ICR_MODE_LOWEST);
	ck_assert_uint_eq(m.vector, 0x31);
	ck_assert_uint_eq(m.dest, 2);
	ck_assert(level);
	/* x2APIC (EIME): the 32-bit destination, physical, edge. */
	irte(4, IRTE_P | IRTE_VECTOR(0x44) | IRTE_DEST_X2APIC(0x101), 0);
	rq.addr_lo = raddr(4, false);
	vtdir_translate(&mem, &cache, ON, irta | IRTA_EIME, &rq, &r);
	ck_assert(vtdir_message(&rq, &r, &m, &level));
	ck_assert(m.x2apic && !m.logical && !level);
	ck_assert_uint_eq(m.dest, 0x101);
	ck_assert_uint_eq(m.mode, ICR_MODE_FIXED);
	/* NMI is never level; SMI, INIT, ExtINT and the reserved 3 and 6
	 * are not delivered. */
	irte(5, IRTE_P | IRTE_TM_LEVEL | (4 << 5), 0);
	rq.addr_lo = raddr(5, false);
	vtdir_translate(&mem, &cache, ON, irta, &rq, &r);
	ck_assert(vtdir_message(&rq, &r, &m, &level));
	ck_assert_uint_eq(m.mode, ICR_MODE_NMI);
	ck_assert(!level);
	for (u32 dlm = 2; dlm < 8; dlm++) {
		if (dlm == 4)
			continue;
		irte(6, IRTE_P | ((u64)dlm << 5) | IRTE_VECTOR(0x50), 0);
		vtdir_cache_flush(&cache, true, 0, 0);
		rq.addr_lo = raddr(6, false);
		vtdir_translate(&mem, &cache, ON, irta, &rq, &r);
		ck_assert_uint_eq(r.fault, 0);
		ck_assert_msg(!vtdir_message(&rq, &r, &m, &level), "dlm %u", dlm);
	}
	/* A fault is never a message. */
	rq.addr_lo = raddr(200, false);
	vtdir_translate(&mem, &cache, ON, irta, &rq, &r);
	ck_assert_uint_eq(r.fault, VTD_FR_IR_NOT_PRESENT);
	ck_assert(!vtdir_message(&rq, &r, &m, &level));
	/* Compatibility format let through: decoded from address and data
	 * (the I/O APIC's level trigger in data bit 15). */
	rq.addr_lo = 0xfee01000;
	rq.data = 0x8000 | 0x35;
	vtdir_translate(&mem, &cache, ON | GSTS_CFIS, irta, &rq, &r);
	ck_assert(r.compat);
	ck_assert(vtdir_message(&rq, &r, &m, &level));
	ck_assert_uint_eq(m.vector, 0x35);
	ck_assert_uint_eq(m.dest, 1);
	ck_assert(level && !m.x2apic);
	/* ... and with remapping off, whatever the format bit says. */
	rq.addr_lo = raddr(3, false);
	rq.data = 0x36;
	vtdir_translate(&mem, &cache, 0, irta, &rq, &r);
	ck_assert(r.compat);
	ck_assert(vtdir_message(&rq, &r, &m, &level));
	ck_assert_uint_eq(m.vector, 0x36);
}
END_TEST

/* An I/O APIC pin in remappable format, end to end: its request, the
 * IRTE with the I/O APIC's source-id verified, the message. */
START_TEST(ioapic_pin)
{
	struct vioapic io;
	struct vtdir_req rq = { .sid = VIOAPIC_SID };
	struct vtdir_result r;
	struct vlapic_ipi m;
	bool level;

	setup();
	vioapic_reset(&io);
	/* IRTE 0x21: vector 0xa1 to x2APIC cluster 0 CPU 1 (logical),
	 * level; only from 0xff:00.0. */
	irte(0x21, IRTE_P | IRTE_DM_LOGICAL | IRTE_TM_LEVEL | IRTE_VECTOR(0xa1) |
		   IRTE_DEST_X2APIC(0x2), VIOAPIC_SID | IRTE_HI_SVT_VERIFY);
	vioapic_write(&io, IOAPIC_REGSEL, IOAPIC_REG_REDIR + 2 * 11 + 1);
	vioapic_write(&io, IOAPIC_WINDOW, (u32)((0x21ULL << 49 | RTE_IR_FORMAT) >> 32));
	vioapic_write(&io, IOAPIC_REGSEL, IOAPIC_REG_REDIR + 2 * 11);
	vioapic_write(&io, IOAPIC_WINDOW, 11 | RTE_LEVEL);
	ck_assert(vioapic_set_line(&io, 11, true));
	vioapic_request(&io, 11, &rq.addr_lo, &rq.data);
	vtdir_translate(&mem, &cache, ON, IRT | 7 | IRTA_EIME, &rq, &r);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.index, 0x21);
	ck_assert(vtdir_message(&rq, &r, &m, &level));
	ck_assert_uint_eq(m.vector, 0xa1);
	ck_assert(m.logical && m.x2apic && level);
	ck_assert_uint_eq(m.dest, 2);
	/* The same request from another requester: source-id fault. */
	rq.sid = 0x0010;
	vtdir_translate(&mem, &cache, ON, IRT | 7 | IRTA_EIME, &rq, &r);
	ck_assert_uint_eq(r.fault, VTD_FR_IR_SID);
}
END_TEST

Suite *viommu_ir_suite(void)
{
	Suite *s = suite_create("viommu_ir");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, remapped_xapic_and_x2apic);
	tcase_add_test(tc, faults);
	tcase_add_test(tc, source_id);
	tcase_add_test(tc, compat_and_off);
	tcase_add_test(tc, entry_cache);
	tcase_add_test(tc, message);
	tcase_add_test(tc, ioapic_pin);
	suite_add_tcase(s, tc);
	return s;
}
