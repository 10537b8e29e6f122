// SPDX-License-Identifier: GPL-2.0
#include "iommu/vtd_hw.h"
#include "suites.h"

START_TEST(caps)
{
	struct vtd_caps c;
	/* As QEMU 7.2's intel-iommu,intremap=on reports them: ND 6, SAGAW
	 * 39-bit, MGAW 39, FRO 0x22 (0x220), NFR 1, 2M/1G pages, PSI. */
	u64 cap = 6 | (2ULL << 8) | (38ULL << 16) | (0x22ULL << 24) | (3ULL << 34) |
		  CAP_PSI | (0ULL << 40);
	u64 ecap = ECAP_QI | ECAP_IR | ECAP_PT | (0x20ULL << 8);

	vtd_caps_decode(0x10, cap, ecap, &c);
	ck_assert_uint_eq(c.ver_major, 1);
	ck_assert_uint_eq(c.ver_minor, 0);
	ck_assert_uint_eq(c.domains, 65536);
	ck_assert_uint_eq(c.mgaw, 39);
	ck_assert_uint_eq(vtd_agaw(&c), 39);
	ck_assert_uint_eq(c.fro, 0x220);
	ck_assert_uint_eq(c.nfr, 1);
	ck_assert_uint_eq(c.iro, 0x200);
	ck_assert(c.large_2m && c.large_1g && c.psi);
	ck_assert(c.qi && c.ir && c.pt && !c.eim && !c.caching_mode && !c.scalable);
	/* 48-bit preferred when offered; none: 0. */
	vtd_caps_decode(0x10, cap | (4ULL << 8), ecap, &c);
	ck_assert_uint_eq(vtd_agaw(&c), 48);
	vtd_caps_decode(0x10, cap & ~(0x1fULL << 8), ecap, &c);
	ck_assert_uint_eq(vtd_agaw(&c), 0);
}
END_TEST

START_TEST(descriptors)
{
	struct vtd_desc d;

	d = vtd_desc_cc_global();
	ck_assert_uint_eq(d.lo, 0x11);
	ck_assert_uint_eq(d.hi, 0);
	d = vtd_desc_iotlb_global(true);
	ck_assert_uint_eq(d.lo, 0x12 | 0xc0);
	/* Domain-selective (G 2) and page-selective (G 3): DID 31:16; the
	 * address aligned down to 2^AM pages, AM in 5:0 (6.5.2.3). */
	d = vtd_desc_iotlb_domain(0x14c, true);
	ck_assert_uint_eq(d.lo, 0x2 | 0x20 | 0xc0 | (0x14cULL << 16));
	ck_assert_uint_eq(d.hi, 0);
	d = vtd_desc_iotlb_page(0x14c, 0x13fff, 2, false);
	ck_assert_uint_eq(d.lo, 0x2 | 0x30 | (0x14cULL << 16));
	ck_assert_uint_eq(d.hi, 0x10000 | 2);
	d = vtd_desc_iec_global();
	ck_assert_uint_eq(d.lo, 0x4);
	d = vtd_desc_wait(0xabcd, 0x12345678);
	ck_assert_uint_eq(d.lo, 0x5 | 0x20 | 0x40 | (0xabcdULL << 32));
	ck_assert_uint_eq(d.hi, 0x12345678);
}
END_TEST

START_TEST(faults)
{
	struct vtd_fault f;
	/* F, read, reason 2, source 00:05.0 (0x0028), page 0x7000. */
	u64 hi = FRCD_HI_F | FRCD_HI_T | (2ULL << 32) | 0x28;

	ck_assert(vtd_fault_decode(0x7123, hi, &f));
	ck_assert_uint_eq(f.addr, 0x7000);
	ck_assert_uint_eq(f.sid, 0x28);
	ck_assert_uint_eq(f.reason, 2);
	ck_assert(f.read);
	ck_assert_str_eq(vtd_fault_reason(2), "context entry not present");
	ck_assert_str_eq(vtd_fault_reason(0x22), "interrupt remapping fault");
	ck_assert_str_eq(vtd_fault_reason(0x7f), "unknown reason");
	ck_assert(!vtd_fault_decode(0x7000, hi & ~FRCD_HI_F, &f));	/* no fault */
}
END_TEST

START_TEST(interrupt_remapping)
{
	struct vtd_desc e;

	/* xAPIC: 8-bit destination in bits 47:40; vector 0x31; SID 00:05.0
	 * verified (SVT 01). */
	e = vtd_irte(3, 0x31, false, 0x28);
	ck_assert_uint_eq(e.lo, 1 | (0x31ULL << 16) | (3ULL << 40));
	ck_assert_uint_eq(e.hi, 0x28 | (1ULL << 18));
	/* x2APIC: the full 32-bit ID in 63:32. */
	e = vtd_irte(0x12345, 0x40, true, 0);
	ck_assert_uint_eq(e.lo >> 32, 0x12345);
	/* Remappable MSI address: handle 15:0 split over bits 19:5 and 2. */
	ck_assert_uint_eq(vtd_msi_addr(1), 0xfee00000 | (1 << 5) | (1 << 4));
	ck_assert_uint_eq(vtd_msi_addr(0x8001), 0xfee00000 | (1 << 5) | (1 << 4) | (1 << 2));
	e = vtd_desc_iec_index(7);
	ck_assert_uint_eq(e.lo, 0x4 | 0x10 | (7ULL << 32));
}
END_TEST

Suite *vtd_suite(void)
{
	Suite *s = suite_create("vtd");
	TCase *tc = tcase_create("hw");

	tcase_add_test(tc, caps);
	tcase_add_test(tc, descriptors);
	tcase_add_test(tc, faults);
	tcase_add_test(tc, interrupt_remapping);
	suite_add_tcase(s, tc);
	return s;
}
