// SPDX-License-Identifier: GPL-2.0
#include "core/vpci.h"
#include "suites.h"

static struct vpci b;

static u32 cf8_read(u32 devfn, u32 reg, u32 size)
{
	u32 v = 0;

	ck_assert(vpci_io_write(&b, VPCI_PORT_ADDR, 4, CF8_ENABLE | devfn << 8 | (reg & 0xfc)));
	ck_assert(vpci_io_read(&b, VPCI_PORT_DATA + (reg & 3), size, &v));
	return v;
}

START_TEST(host_bridge)
{
	u32 v;

	vpci_reset(&b);
	/* 00:00.0 is q35's host bridge, by both mechanisms. */
	ck_assert_uint_eq(cf8_read(0, 0, 4), 0x29c08086);
	ck_assert_uint_eq(cf8_read(0, 0x0b, 1), 0x06);		/* class: bridge */
	ck_assert_uint_eq(cf8_read(0, 0x0a, 2), 0x0600);	/* host bridge */
	ck_assert_uint_eq(vpci_ecam_read(&b, 0, 4), 0x29c08086);
	ck_assert_uint_eq(vpci_ecam_read(&b, 2, 2), 0x29c0);
	/* CONFIG_ADDRESS reads back without its reserved bits. */
	vpci_io_write(&b, VPCI_PORT_ADDR, 4, 0x80000013);
	vpci_io_read(&b, VPCI_PORT_ADDR, 4, &v);
	ck_assert_uint_eq(v, 0x80000010);
	/* Absent functions read all-ones, and count. */
	ck_assert_uint_eq(cf8_read(1 << 3, 0, 4), 0xffffffff);
	ck_assert_uint_eq(cf8_read(0x1f << 3, 0, 2), 0xffff);
	ck_assert_uint_eq(vpci_ecam_read(&b, 3 << 15, 4), 0xffffffff);
	ck_assert_uint_eq(b.absent_reads, 3);
	/* Other buses: nothing. */
	ck_assert_uint_eq(vpci_ecam_read(&b, 1 << 20, 4), 0xffffffff);
	/* Disabled mechanism #1 reads all-ones. */
	vpci_io_write(&b, VPCI_PORT_ADDR, 4, 0);
	vpci_io_read(&b, VPCI_PORT_DATA, 4, &v);
	ck_assert_uint_eq(v, 0xffffffff);
	/* 0xcf9 (reset control) is not the bus's. */
	ck_assert(!vpci_io_read(&b, 0xcf9, 1, &v));
	ck_assert(!vpci_io_write(&b, 0xcf9, 1, 6));
}
END_TEST

START_TEST(write_masks)
{
	struct vpci_func *f;

	vpci_reset(&b);
	/* IDs are read-only; the command enables are writable. */
	vpci_ecam_write(&b, 0, 4, 0x12345678);
	ck_assert_uint_eq(vpci_ecam_read(&b, 0, 4), 0x29c08086);
	vpci_ecam_write(&b, PCI_COMMAND, 2, 0xffff);
	ck_assert_uint_eq(vpci_ecam_read(&b, PCI_COMMAND, 2),
			  PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_DISABLE);
	/* Misaligned accesses are refused. */
	ck_assert_uint_eq(vpci_ecam_read(&b, 1, 2), 0xffffffff);
	/* A device plugs in at its devfn, once. */
	f = vpci_add(&b, 3 << 3, 0x1af4, 0x1041, 0x02000001);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_null(vpci_add(&b, 3 << 3, 0x1af4, 0x1041, 0));
	ck_assert_uint_eq(cf8_read(3 << 3, 0, 4), 0x10411af4);
	ck_assert_uint_eq(cf8_read(3 << 3, 8, 4), 0x02000001);
}
END_TEST

Suite *vpci_suite(void)
{
	Suite *s = suite_create("vpci");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, host_bridge);
	tcase_add_test(tc, write_masks);
	suite_add_tcase(s, tc);
	return s;
}
