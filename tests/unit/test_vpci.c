// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include "core/vdev/pci/vpci.h"
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

/* An assigned function: its config space is someone else's to answer. */
static u32 seen_reg, seen_size, seen_val;

static u32 fake_read(void *ctx, u32 reg, u32 size)
{
	seen_reg = reg;
	seen_size = size;
	return *(u32 *)ctx;
}

static void fake_write(void *ctx, u32 reg, u32 size, u32 val)
{
	seen_reg = reg;
	seen_size = size;
	seen_val = val;
	*(u32 *)ctx = val;
}

START_TEST(emulated_function)
{
	static const struct vpci_func_ops ops = { fake_read, fake_write };
	struct vpci *b = malloc(sizeof(*b));
	u32 word = 0x100e8086;

	vpci_reset(b);
	ck_assert_ptr_nonnull(vpci_add_emulated(b, 2 << 3, &ops, &word));
	ck_assert_ptr_null(vpci_add_emulated(b, 2 << 3, &ops, &word));	/* taken */
	/* Through 0xcf8/0xcfc: bus 0, device 2, register 0x3c, byte 1. */
	vpci_io_write(b, VPCI_PORT_ADDR, 4, CF8_ENABLE | (2 << 11) | 0x3c);
	vpci_io_write(b, VPCI_PORT_DATA + 1, 1, 0x5a);
	ck_assert_uint_eq(seen_reg, 0x3d);
	ck_assert_uint_eq(seen_size, 1);
	ck_assert_uint_eq(seen_val, 0x5a);
	/* Through ECAM. */
	word = 0x100e8086;
	ck_assert_uint_eq(vpci_ecam_read(b, (2 << 15) | 0, 4), 0x100e8086);
	ck_assert_uint_eq(seen_reg, 0);
	/* Device 3 is nobody. */
	ck_assert_uint_eq(vpci_ecam_read(b, 3 << 15, 4), 0xffffffff);
	free(b);
}
END_TEST

Suite *vpci_suite(void)
{
	Suite *s = suite_create("vpci");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, host_bridge);
	tcase_add_test(tc, write_masks);
	tcase_add_test(tc, emulated_function);
	suite_add_tcase(s, tc);
	return s;
}
