// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI parsing over hand-built tables in a fake physical memory: a good
 * machine first, then every way tables can be broken.
 */
#include <stdlib.h>
#include <string.h>

#include "core/acpi/acpi.h"
#include "tests/unit/suites.h"

#define MEM_SIZE	0x200000
static u8 *mem;
static struct reports rep;

static const void *map(u64 pa, u64 len, void *ctx)
{
	(void)ctx;
	if (pa + len > MEM_SIZE || pa + len < pa)
		return NULL;
	return mem + pa;
}

static const struct acpi_ops ops = { map, collect_report, &rep };

static void put16(u8 *p, u16 v) { p[0] = v; p[1] = v >> 8; }
static void put32(u8 *p, u32 v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(u8 *p, u64 v) { put32(p, v); put32(p + 4, v >> 32); }

static void fix(u64 pa)
{
	u8 *t = mem + pa;
	u32 len;

	memcpy(&len, t + 4, 4);
	t[9] = 0;
	t[9] = -acpi_checksum(t, len);
}

static u8 *sdt(u64 pa, const char *sig, u32 len)
{
	u8 *t = mem + pa;

	memset(t, 0, len);
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = 2;
	memcpy(t + 10, "TERNTS", 6);
	memcpy(t + 16, "UNITTEST", 8);
	return t;
}

/* Addresses of the good machine's tables. */
#define RSDP	0xe0000
#define XSDT	0x10000
#define MADT	0x11000
#define FADT	0x12000
#define DSDT	0x13000
#define MCFG	0x14000
#define HPET	0x15000
#define DMAR	0x16000
#define RSDT	0x17000

static void build_machine(void)
{
	u8 *r = mem + RSDP, *t, *p;
	u64 tables[] = { MADT, FADT, MCFG, HPET, DMAR };

	memset(mem, 0, MEM_SIZE);
	memset(&rep, 0, sizeof(rep));
	put16(mem + 0x40e, 0x9fc0);	/* EBDA segment (empty) */

	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "TERNTS", 6);
	r[15] = 2;
	put32(r + 16, RSDT);
	put32(r + 20, 36);
	put64(r + 24, XSDT);
	r[8] = -acpi_checksum(r, 20);
	r[32] = -acpi_checksum(r, 36);

	t = sdt(XSDT, "XSDT", 36 + 8 * 5);
	for (int i = 0; i < 5; i++)
		put64(t + 36 + 8 * i, tables[i]);
	fix(XSDT);
	t = sdt(RSDT, "RSDT", 36 + 4 * 5);
	for (int i = 0; i < 5; i++)
		put32(t + 36 + 4 * i, (u32)tables[i]);
	fix(RSDT);

	/* MADT: 2 xAPIC CPUs (one disabled), an x2APIC CPU, an I/O APIC. */
	t = sdt(MADT, "APIC", 44 + 8 + 8 + 16 + 12);
	put32(t + 36, 0xfee00000);
	put32(t + 40, MADT_PCAT_COMPAT);
	p = t + 44;
	p[0] = MADT_LAPIC; p[1] = 8; p[2] = 0; p[3] = 0; put32(p + 4, 1); p += 8;
	p[0] = MADT_LAPIC; p[1] = 8; p[2] = 1; p[3] = 1; put32(p + 4, 2); p += 8;
	p[0] = MADT_X2APIC; p[1] = 16; put32(p + 4, 300); put32(p + 8, 1); put32(p + 12, 7); p += 16;
	p[0] = MADT_IOAPIC; p[1] = 12; p[2] = 5; put32(p + 4, 0xfec00000); put32(p + 8, 0);
	fix(MADT);

	/* FADT (ACPI 2.0 size) with PM timer, PM1a, reset register, X_DSDT. */
	t = sdt(FADT, "FACP", 244);
	put32(t + 40, DSDT);
	put16(t + 46, 9);
	put32(t + 64, 0x604);
	put32(t + 76, 0x608);
	t[91] = 4;
	put32(t + 112, FADT_TMR_VAL_EXT | FADT_RESET_REG_SUP);
	t[116] = ACPI_GAS_IO; t[117] = 8; put64(t + 120, 0xcf9); t[128] = 0x06;
	put64(t + 140, DSDT);
	fix(FADT);

	/* DSDT body: Name(\_S5_, Package(4) {0x05, 0x05, 0, 0}) */
	{
		static const u8 aml[] = { 0x10, 0x08, '\\', '_', 'S', '5', '_',
					  0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05,
					  0x00, 0x00 };

		t = sdt(DSDT, "DSDT", 36 + sizeof(aml));
		memcpy(t + 36, aml, sizeof(aml));
		fix(DSDT);
	}

	t = sdt(MCFG, "MCFG", 44 + 16);
	put64(t + 44, 0xb0000000);
	t[54] = 0;
	t[55] = 0xff;
	fix(MCFG);

	t = sdt(HPET, "HPET", 56);
	t[40] = 0;
	put64(t + 44, 0xfed00000);
	t[52] = 0;
	fix(HPET);

	/* DMAR: one DRHD with an endpoint and an I/O APIC scope, one RMRR. */
	t = sdt(DMAR, "DMAR", 48 + 16 + 8 + 8 + 24 + 8);
	t[36] = 38;	/* HAW - 1 */
	t[37] = DMAR_FLAG_INTR_REMAP;
	p = t + 48;
	put16(p, DMAR_TYPE_DRHD); put16(p + 2, 16 + 8 + 8); p[4] = 0;
	put64(p + 8, 0xfed90000);
	p += 16;
	p[0] = DMAR_SCOPE_ENDPOINT; p[1] = 8; p[4] = 0; p[5] = 0; p[6] = 3; p[7] = 0; p += 8;
	p[0] = DMAR_SCOPE_IOAPIC; p[1] = 8; p[4] = 5; p[5] = 0xf0; p[6] = 0x1f; p[7] = 0; p += 8;
	put16(p, DMAR_TYPE_RMRR); put16(p + 2, 24 + 8);
	put64(p + 8, 0x3e000000); put64(p + 16, 0x3e0fffff);
	p += 24;
	p[0] = DMAR_SCOPE_ENDPOINT; p[1] = 8; p[5] = 0; p[6] = 0x1d; p[7] = 0;
	fix(DMAR);
}

static struct acpi_info ai;

static void setup(void)
{
	mem = calloc(1, MEM_SIZE);
	build_machine();
}

static void teardown(void)
{
	free(mem);
}

START_TEST(good_machine)
{
	ck_assert_uint_eq(acpi_scan_rsdp(&ops), RSDP);
	ck_assert(acpi_parse(&ai, RSDP, &ops));
	ck_assert_uint_eq(ai.problems, 0);
	ck_assert(ai.use_xsdt);
	ck_assert_str_eq(ai.rsdp_oem, "TERNTS");
	ck_assert_uint_eq(ai.ntables, 7);	/* XSDT, 5 tables, DSDT */
	ck_assert_str_eq(ai.tables[1].sig, "APIC");
	ck_assert_str_eq(ai.tables[1].oem_table_id, "UNITTEST");

	ck_assert(ai.has_madt);
	ck_assert_uint_eq(ai.ncpus, 3);
	ck_assert(ai.cpus[0].enabled);
	ck_assert(!ai.cpus[1].enabled);
	ck_assert_uint_eq(ai.cpus[2].apic_id, 300);
	ck_assert(ai.cpus[2].x2apic_entry);
	ck_assert_uint_eq(ai.nioapics, 1);
	ck_assert_uint_eq(ai.ioapics[0].addr, 0xfec00000);

	ck_assert(ai.has_fadt);
	ck_assert_uint_eq(ai.pm1a_cnt, 0x604);
	ck_assert_uint_eq(ai.pm_tmr, 0x608);
	ck_assert(ai.pm_tmr_32bit);
	ck_assert(ai.has_reset_reg);
	ck_assert_uint_eq(ai.reset_reg.address, 0xcf9);
	ck_assert(ai.has_s5);
	ck_assert_uint_eq(ai.s5_typa, 5);

	ck_assert_uint_eq(ai.nmcfg, 1);
	ck_assert_uint_eq(ai.mcfg[0].base, 0xb0000000);
	ck_assert_uint_eq(ai.mcfg[0].bus_end, 255);
	ck_assert(ai.has_hpet);
	ck_assert_uint_eq(ai.hpet_base, 0xfed00000);

	ck_assert(ai.has_dmar);
	ck_assert_uint_eq(ai.dmar.host_addr_width, 39);
	ck_assert_uint_eq(ai.dmar.nunits, 1);
	ck_assert_uint_eq(ai.dmar.units[0].reg_base, 0xfed90000);
	ck_assert_uint_eq(ai.dmar.units[0].nscopes, 2);
	ck_assert_uint_eq(ai.dmar.units[0].scopes[0].dev, 3);
	ck_assert_uint_eq(ai.dmar.units[0].scopes[1].type, DMAR_SCOPE_IOAPIC);
	ck_assert_uint_eq(ai.dmar.units[0].scopes[1].bus, 0xf0);
	ck_assert_uint_eq(ai.dmar.units[0].scopes[1].dev, 0x1f);
	ck_assert_uint_eq(ai.dmar.nrmrr, 1);
	ck_assert_uint_eq(ai.dmar.rmrr[0].limit, 0x3e0fffff);
}
END_TEST

START_TEST(bad_checksum_skipped)
{
	mem[MADT + 40] ^= 1;
	ck_assert(acpi_parse(&ai, RSDP, &ops));
	ck_assert(!ai.has_madt);
	ck_assert(ai.has_fadt);		/* the rest is still read */
	ck_assert(reports_find(&rep, "APIC at 0x11000 (length 88): bad checksum, skipped"));
	ck_assert_str_eq(ai.tables[1].problem, "bad checksum");
}
END_TEST

START_TEST(truncated_table_skipped)
{
	/* Length runs past the end of memory. */
	put32(mem + HPET + 4, MEM_SIZE);
	ck_assert(acpi_parse(&ai, RSDP, &ops));
	ck_assert(!ai.has_hpet);
	ck_assert(reports_find(&rep, "HPET at 0x15000"));
	ck_assert(reports_find(&rep, "truncated"));
}
END_TEST

START_TEST(short_fixed_fields_skipped)
{
	/* A checksummed MCFG of 40 bytes: valid SDT, too short for MCFG. */
	sdt(MCFG, "MCFG", 40);
	fix(MCFG);
	ck_assert(acpi_parse(&ai, RSDP, &ops));
	ck_assert_uint_eq(ai.nmcfg, 0);
	ck_assert(reports_find(&rep, "MCFG at 0x14000 has 40 bytes, needs 44"));
}
END_TEST

START_TEST(absurd_length_skipped)
{
	put32(mem + DMAR + 4, 20);	/* shorter than a header */
	ck_assert(acpi_parse(&ai, RSDP, &ops));
	ck_assert(!ai.has_dmar);
	ck_assert(reports_find(&rep, "length out of range"));
}
END_TEST

START_TEST(bad_rsdp)
{
	mem[RSDP + 3] = 'X';
	ck_assert_uint_eq(acpi_scan_rsdp(&ops), 0);
	ck_assert(!acpi_parse(&ai, RSDP, &ops));
	ck_assert(reports_find(&rep, "no valid RSDP"));
}
END_TEST

START_TEST(bad_xsdt_falls_back_to_rsdt)
{
	mem[XSDT + 20] ^= 0xff;
	ck_assert(acpi_parse(&ai, RSDP, &ops));
	ck_assert(!ai.use_xsdt);
	ck_assert(ai.has_madt);
	ck_assert(reports_find(&rep, "falling back to the RSDT"));
}
END_TEST

START_TEST(table_pointer_to_nowhere)
{
	put64(mem + XSDT + 36, 0x7fffffff00ULL);
	fix(XSDT);
	ck_assert(acpi_parse(&ai, RSDP, &ops));
	ck_assert(!ai.has_madt);
	ck_assert(reports_find(&rep, "leads to no memory"));
}
END_TEST

START_TEST(madt_entry_bad_length)
{
	mem[MADT + 44 + 8 + 1] = 0;	/* second entry's length */
	fix(MADT);
	ck_assert(acpi_parse(&ai, RSDP, &ops));
	ck_assert(ai.has_madt);
	ck_assert_uint_eq(ai.ncpus, 1);	/* kept what came before */
	ck_assert(reports_find(&rep, "bad length 0, rest ignored"));
}
END_TEST

START_TEST(madt_duplicate_cpu)
{
	/* The x2APIC entry names APIC 0 again: one CPU, not two. */
	put32(mem + MADT + 44 + 16 + 4, 0);
	fix(MADT);
	acpi_parse(&ai, RSDP, &ops);
	ck_assert_uint_eq(ai.ncpus, 2);
}
END_TEST

/* Where a PCI device's interrupt line (an ISA IRQ) enters the I/O APIC. */
START_TEST(irq_to_gsi)
{
	struct acpi_info a = { 0 };
	bool level, low;

	a.nisos = 2;
	a.isos[0] = (struct acpi_iso){ 0, 0, 2, 0 };		/* IRQ 0 -> GSI 2, conforms */
	a.isos[1] = (struct acpi_iso){ 0, 9, 9, 0xd };		/* SCI: level, high */
	ck_assert_uint_eq(acpi_irq_to_gsi(&a, 0, false, &level, &low), 2);
	ck_assert(!level && !low);				/* ISA's default */
	ck_assert_uint_eq(acpi_irq_to_gsi(&a, 11, true, &level, &low), 11);
	ck_assert(level && low);				/* PCI's default */
	ck_assert_uint_eq(acpi_irq_to_gsi(&a, 9, true, &level, &low), 9);
	ck_assert(level && !low);				/* the MADT's word */
	a.isos[1].flags = 0xf;
	acpi_irq_to_gsi(&a, 9, false, &level, &low);
	ck_assert(level && low);
}
END_TEST

/* Which RMRRs name a device (identity-mapped in its domain by VT-d). */
START_TEST(rmrr_lookup)
{
	static struct dmar_info d;
	const struct dmar_rmrr *r;
	u32 i = 0;

	memset(&d, 0, sizeof(d));
	d.nrmrr = 3;
	d.rmrr[0] = (struct dmar_rmrr){ 0x7b800000, 0x7b8fffff, 0, 1,
		{ { DMAR_SCOPE_ENDPOINT, 0, 0, 0x1d, 0, 1 } } };	/* 00:1d.0 */
	d.rmrr[1] = (struct dmar_rmrr){ 0x7c000000, 0x7c7fffff, 0, 2,
		{ { DMAR_SCOPE_ENDPOINT, 0, 0, 0x02, 0, 1 },	/* 00:02.0 */
		  { DMAR_SCOPE_ENDPOINT, 0, 0, 0x1d, 0, 1 } } };
	d.rmrr[2] = (struct dmar_rmrr){ 0x7d000000, 0x7d0fffff, 0, 1,
		{ { DMAR_SCOPE_ENDPOINT, 0, 0, 0x1d, 0, 2 } } };	/* behind a bridge */
	r = dmar_rmrr_next(&d, 0, 0x1d << 3, &i);
	ck_assert_ptr_eq(r, &d.rmrr[0]);
	r = dmar_rmrr_next(&d, 0, 0x1d << 3, &i);
	ck_assert_ptr_eq(r, &d.rmrr[1]);
	/* A deeper path is not resolved: it names nothing yet. */
	ck_assert_ptr_null(dmar_rmrr_next(&d, 0, 0x1d << 3, &i));
	i = 0;
	ck_assert_ptr_eq(dmar_rmrr_next(&d, 0, 0x02 << 3, &i), &d.rmrr[1]);
	i = 0;
	ck_assert_ptr_null(dmar_rmrr_next(&d, 0, 0x03 << 3, &i));
	i = 0;
	ck_assert_ptr_null(dmar_rmrr_next(&d, 1, 0x1d << 3, &i));	/* other bus */
}
END_TEST

static bool only_1d(u8 bus, u8 devfn)
{
	return bus == 0 && devfn == 0x1d << 3;
}

/* Scopes naming functions that are not on the bus: reported, not trusted. */
START_TEST(scopes_of_missing_devices)
{
	static struct dmar_info d;

	memset(&d, 0, sizeof(d));
	memset(&rep, 0, sizeof(rep));
	d.nunits = 1;
	d.units[0] = (struct dmar_unit){ 0xfed90000, 0, 0, 2,
		{ { DMAR_SCOPE_ENDPOINT, 0, 0, 0x1d, 0, 1 },	/* present */
		  { DMAR_SCOPE_ENDPOINT, 0, 0, 0x03, 1, 1 } } };	/* missing */
	d.nrmrr = 1;
	d.rmrr[0] = (struct dmar_rmrr){ 0x7b800000, 0x7b8fffff, 0, 1,
		{ { DMAR_SCOPE_ENDPOINT, 0, 2, 0x00, 0, 1 } } };	/* missing */
	ck_assert_int_eq(dmar_check_scopes(&d, only_1d, collect_report, &rep), 2);
	ck_assert(reports_find(&rep, "unit 0xfed90000 names device 00:03.1, which is not on the bus"));
	ck_assert(reports_find(&rep, "RMRR 0x7b800000 names device 02:00.0"));
}
END_TEST

START_TEST(dmar_broken_structures)
{
	/* DRHD length reaching past the table end. */
	put16(mem + DMAR + 48 + 2, 200);
	fix(DMAR);
	acpi_parse(&ai, RSDP, &ops);
	ck_assert(ai.has_dmar);
	ck_assert_uint_eq(ai.dmar.nunits, 0);
	ck_assert(reports_find(&rep, "has bad length 200, rest of the table skipped"));
}
END_TEST

START_TEST(dmar_bad_scope_and_register_base)
{
	mem[DMAR + 48 + 16 + 1] = 7;		/* odd scope length */
	fix(DMAR);
	acpi_parse(&ai, RSDP, &ops);
	ck_assert_uint_eq(ai.dmar.nunits, 1);
	ck_assert_uint_eq(ai.dmar.units[0].nscopes, 0);
	ck_assert(reports_find(&rep, "device scope with bad length 7"));

	build_machine();
	put64(mem + DMAR + 48 + 8, 0xfed90004);	/* not page aligned */
	fix(DMAR);
	acpi_parse(&ai, RSDP, &ops);
	ck_assert_uint_eq(ai.dmar.nunits, 0);
	ck_assert(reports_find(&rep, "not page aligned"));
}
END_TEST

START_TEST(s5_variants)
{
	static const u8 zero_one[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04,
				       0x00, 0x01, 0x00, 0x00 };
	static const u8 not_a_name[] = { 0x99, '_', 'S', '5', '_', 0x12, 0x06, 0x04,
					 0x0a, 0x05 };
	static const u8 cut[] = { 0x08, '_', 'S', '5', '_', 0x12 };
	u8 a = 9, b = 9;

	ck_assert(acpi_aml_find_s5(zero_one, sizeof(zero_one), &a, &b));
	ck_assert_uint_eq(a, 0);
	ck_assert_uint_eq(b, 1);
	ck_assert(!acpi_aml_find_s5(not_a_name, sizeof(not_a_name), &a, &b));
	ck_assert(!acpi_aml_find_s5(cut, sizeof(cut), &a, &b));
}
END_TEST

Suite *acpi_suite(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_machine);
	tcase_add_test(tc, bad_checksum_skipped);
	tcase_add_test(tc, truncated_table_skipped);
	tcase_add_test(tc, short_fixed_fields_skipped);
	tcase_add_test(tc, absurd_length_skipped);
	tcase_add_test(tc, bad_rsdp);
	tcase_add_test(tc, bad_xsdt_falls_back_to_rsdt);
	tcase_add_test(tc, table_pointer_to_nowhere);
	tcase_add_test(tc, madt_entry_bad_length);
	tcase_add_test(tc, madt_duplicate_cpu);
	tcase_add_test(tc, irq_to_gsi);
	tcase_add_test(tc, rmrr_lookup);
	tcase_add_test(tc, scopes_of_missing_devices);
	tcase_add_test(tc, dmar_broken_structures);
	tcase_add_test(tc, dmar_bad_scope_and_register_base);
	tcase_add_test(tc, s5_variants);
	suite_add_tcase(s, tc);
	return s;
}
