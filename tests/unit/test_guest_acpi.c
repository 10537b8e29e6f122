// SPDX-License-Identifier: GPL-2.0
/* The guest tables must satisfy tern's own strict ACPI parser. */
#include <string.h>

#include "core/acpi/acpi.h"
#include "core/loader/guest_acpi.h"
#include "tests/unit/suites.h"

static u8 mem[0x100000];
static struct reports rep;

static const void *map(u64 pa, u64 len, void *ctx)
{
	(void)ctx;
	return pa + len <= sizeof(mem) ? mem + pa : NULL;
}

START_TEST(parses_back)
{
	static const u32 ids[] = { 0, 1, 300 };
	struct acpi_ops ops = { map, collect_report, &rep };
	static struct acpi_info ai;

	memset(&rep, 0, sizeof(rep));
	ck_assert_uint_gt(guest_acpi_build(mem + GUEST_ACPI_RSDP, GUEST_ACPI_RSDP, 3, ids), 0);
	ck_assert_uint_eq(acpi_scan_rsdp(&ops), GUEST_ACPI_RSDP);
	ck_assert(acpi_parse(&ai, GUEST_ACPI_RSDP, &ops));
	ck_assert_int_eq(ai.problems, 0);
	ck_assert(ai.use_xsdt);
	ck_assert_uint_eq(ai.ntables, 5);		/* XSDT, FACP, APIC, MCFG, DSDT */
	ck_assert_uint_eq(ai.nmcfg, 1);
	ck_assert_uint_eq(ai.mcfg[0].base, 0xb0000000);
	ck_assert_uint_eq(ai.mcfg[0].bus_start, 0);
	ck_assert_uint_eq(ai.mcfg[0].bus_end, 0);
	ck_assert(ai.has_madt);
	ck_assert_uint_eq(ai.ncpus, 3);
	ck_assert(ai.cpus[2].x2apic_entry);
	ck_assert_uint_eq(ai.cpus[2].apic_id, 300);
	ck_assert(ai.cpus[1].enabled);
	ck_assert_uint_eq(ai.nioapics, 1);
	ck_assert_uint_eq(ai.ioapics[0].addr, 0xfec00000);
	ck_assert_uint_eq(ai.ioapics[0].gsi_base, 0);
	ck_assert_uint_eq(ai.nisos, 2);
	ck_assert_uint_eq(ai.isos[0].source, 0);	/* the PIT on pin 2 */
	ck_assert_uint_eq(ai.isos[0].gsi, 2);
	ck_assert_uint_eq(ai.isos[1].source, 9);	/* SCI: level, high */
	ck_assert_uint_eq(ai.isos[1].flags, 0xd);
	ck_assert(ai.madt_flags & MADT_PCAT_COMPAT);
	ck_assert(ai.has_fadt);
	ck_assert(!(ai.fadt_flags & FADT_HW_REDUCED));
	ck_assert_uint_eq(ai.sci_irq, 9);
	ck_assert_uint_eq(ai.smi_cmd, 0);		/* always in ACPI mode */
	ck_assert_uint_eq(ai.pm1a_cnt, 0x604);
	ck_assert_uint_eq(ai.pm_tmr, 0x608);
	ck_assert(ai.pm_tmr_32bit);
	ck_assert(ai.has_reset_reg);
	ck_assert_uint_eq(ai.reset_reg.address, 0xcf9);
	ck_assert_uint_eq(ai.reset_value, 6);
	ck_assert_uint_eq(ai.century, 0x32);
	ck_assert(!(ai.iapc_boot_arch & 2));		/* no 8042 */
	ck_assert(ai.has_s5);
	ck_assert_uint_eq(ai.s5_typa, 5);
	/* The FACS: 64-byte aligned, where the FADT says. */
	{
		u32 facs = mem[ai.tables[1].pa + 36] | mem[ai.tables[1].pa + 37] << 8 |
			   mem[ai.tables[1].pa + 38] << 16;

		ck_assert_str_eq(ai.tables[1].sig, "FACP");
		ck_assert_uint_eq(facs % 64, 0);
		ck_assert(!memcmp(mem + facs, "FACS", 4));
	}
	ck_assert_str_eq(ai.tables[0].oem_id, "TERN");
}
END_TEST

START_TEST(dmar_for_viommu)
{
	static const u32 ids[] = { 0, 1 };
	struct acpi_ops ops = { map, collect_report, &rep };
	static struct acpi_info ai;

	memset(&rep, 0, sizeof(rep));
	memset(mem, 0, sizeof(mem));
	ck_assert_uint_gt(guest_acpi_build_vtd(mem + GUEST_ACPI_RSDP, GUEST_ACPI_RSDP, 2, ids,
					       0xfed90000), 0);
	ck_assert(acpi_parse(&ai, GUEST_ACPI_RSDP, &ops));
	ck_assert_int_eq(ai.problems, 0);
	ck_assert_uint_eq(ai.ntables, 6);
	ck_assert(ai.has_dmar);
	ck_assert_uint_eq(ai.dmar.host_addr_width, 48);
	/* INTR_REMAP, and x2APIC not opted out (VT-d 8.1) */
	ck_assert_uint_eq(ai.dmar.flags & 3, 1);
	ck_assert_uint_eq(ai.dmar.nunits, 1);
	ck_assert_uint_eq(ai.dmar.units[0].reg_base, 0xfed90000);
	ck_assert_uint_eq(ai.dmar.units[0].flags & 1, 1);	/* INCLUDE_PCI_ALL */
	ck_assert_uint_eq(ai.dmar.units[0].nscopes, 1);
	ck_assert_uint_eq(ai.dmar.units[0].scopes[0].type, 3);	/* I/O APIC */
	ck_assert_uint_eq(ai.dmar.units[0].scopes[0].bus, 0xff);
	/* Without a unit: no DMAR, as before. */
	memset(mem, 0, sizeof(mem));
	ck_assert_uint_gt(guest_acpi_build(mem + GUEST_ACPI_RSDP, GUEST_ACPI_RSDP, 2, ids), 0);
	ck_assert(acpi_parse(&ai, GUEST_ACPI_RSDP, &ops));
	ck_assert(!ai.has_dmar);
	ck_assert_uint_eq(ai.ntables, 5);
}
END_TEST

START_TEST(too_many_cpus)
{
	static u32 ids[1000];

	for (int i = 0; i < 1000; i++)
		ids[i] = 1000 + i;
	ck_assert_uint_eq(guest_acpi_build(mem, 0, 1000, ids), 0);
}
END_TEST

Suite *guest_acpi_suite(void)
{
	Suite *s = suite_create("guest_acpi");
	TCase *tc = tcase_create("build");

	tcase_add_test(tc, parses_back);
	tcase_add_test(tc, too_many_cpus);
	tcase_add_test(tc, dmar_for_viommu);
	suite_add_tcase(s, tc);
	return s;
}
