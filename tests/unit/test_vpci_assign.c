// SPDX-License-Identifier: GPL-2.0
/* Config-space virtualization of an assigned function: the rules. */
#include <string.h>

#include "core/vdev/pci/vpci_assign.h"
#include "suites.h"

static u8 phys[256];
static struct vpci_assign a;
static const char *why;

static void put32(u32 off, u32 v) { memcpy(phys + off, &v, 4); }
static void put16(u32 off, u16 v) { memcpy(phys + off, &v, 2); }

/* Guest RAM: [0, 128 MiB). */
static bool is_ram(u64 gpa, u64 len, void *ctx)
{
	(void)ctx;
	(void)len;
	return gpa < (128ULL << 20);
}

/* An e1000-like function: BAR0 mem32 128K, BAR2 io 64, BAR4 mem64 16K
 * prefetchable, MSI (64-bit) at 0x50, MSI-X at 0x70. */
static void setup(void)
{
	static const u64 sizes[6] = { 0x20000, 0, 0x40, 0, 0x4000, 0 };

	memset(phys, 0, sizeof(phys));
	put32(0x00, 0x100e8086);
	put16(0x04, 0x0007);			/* firmware enabled it */
	put16(0x06, 0x0010);			/* capability list */
	put32(0x08, 0x02000003);		/* class 02, rev 3 */
	put32(0x10, 0xfeb00000);
	put32(0x18, 0x0000c001);
	put32(0x20, 0x0000000c);		/* mem64, prefetchable */
	put32(0x24, 0x00000001);
	put32(0x30, 0xfeb40000);		/* a ROM */
	phys[0x34] = 0x50;
	phys[0x3c] = 11;
	phys[0x3d] = 1;				/* INTA */
	phys[0x50] = 0x05;			/* MSI */
	phys[0x51] = 0x70;
	put16(0x52, 0x018a);			/* 64-bit, 32 messages, per-vector masks */
	phys[0x70] = 0x11;			/* MSI-X, 5 vectors */
	put16(0x72, 0x0004);
	put32(0x74, 0x00000003);		/* table in BAR3?.. as read */
	vpa_init(&a, phys, sizes);
}

START_TEST(identity_and_command)
{
	ck_assert_uint_eq(vpa_read(&a, 0x00, 4), 0x100e8086);
	ck_assert_uint_eq(vpa_read(&a, 0x0b, 1), 0x02);
	/* The guest starts with decoding off, whatever firmware did. */
	ck_assert_uint_eq(vpa_read(&a, 0x04, 2), 0);
	ck_assert_uint_eq(vpa_read(&a, 0x06, 2), 0x0010);
	ck_assert_uint_eq(vpa_write(&a, 0x04, 2, 0xffff, is_ram, NULL, &why), VPA_CHANGED_COMMAND);
	ck_assert_uint_eq(vpa_read(&a, 0x04, 2), 0x0547);
	/* IDs are read-only. */
	ck_assert_uint_eq(vpa_write(&a, 0x00, 4, 0, is_ram, NULL, &why), 0);
	ck_assert_uint_eq(vpa_read(&a, 0x00, 4), 0x100e8086);
	/* No ROM, no extended capabilities; the interrupt line is the guest's. */
	ck_assert_uint_eq(vpa_read(&a, 0x30, 4), 0);
	ck_assert_uint_eq(vpa_read(&a, 0x100, 4), 0);
	vpa_write(&a, 0x3c, 1, 5, is_ram, NULL, &why);
	ck_assert_uint_eq(vpa_read(&a, 0x3c, 2), 0x0105);
}
END_TEST

START_TEST(bars)
{
	/* Sizing: all-ones in, size mask out, flags kept. */
	vpa_write(&a, 0x10, 4, 0xffffffff, is_ram, NULL, &why);
	ck_assert_uint_eq(vpa_read(&a, 0x10, 4), 0xfffe0000);
	vpa_write(&a, 0x18, 4, 0xffffffff, is_ram, NULL, &why);
	ck_assert_uint_eq(vpa_read(&a, 0x18, 4), 0xffffffc1);
	vpa_write(&a, 0x20, 4, 0xffffffff, is_ram, NULL, &why);
	vpa_write(&a, 0x24, 4, 0xffffffff, is_ram, NULL, &why);
	ck_assert_uint_eq(vpa_read(&a, 0x20, 4), 0xffffc00c);
	ck_assert_uint_eq(vpa_read(&a, 0x24, 4), 0xffffffff);
	ck_assert_uint_eq(vpa_read(&a, 0x14, 4), 0);		/* no BAR1 */
	/* A place outside RAM: taken, aligned to the size. */
	ck_assert_uint_eq(vpa_write(&a, 0x10, 4, 0xe0001234, is_ram, NULL, &why), VPA_CHANGED_BAR);
	ck_assert_uint_eq(vpa_read(&a, 0x10, 4), 0xe0000000);
	ck_assert_uint_eq(a.bars[0].guest, 0xe0000000);
	/* 64-bit, low half first: alone it lies in RAM; kept until the
	 * guest turns decoding on, which is then refused. */
	vpa_write(&a, 0x20, 4, 0x00004000, is_ram, NULL, &why);
	ck_assert_uint_eq(a.bars[4].guest, 0x4000);
	ck_assert_uint_eq(vpa_write(&a, 0x04, 2, 0x0002, is_ram, NULL, &why), VPA_REFUSED);
	ck_assert_str_eq(why, "memory decoding refused: a BAR lies over the guest's RAM");
	ck_assert_uint_eq(vpa_read(&a, 0x04, 2), 0);
	/* The high half puts it above 4 GiB: decoding allowed. */
	ck_assert_uint_eq(vpa_write(&a, 0x24, 4, 0x2, is_ram, NULL, &why), VPA_CHANGED_BAR);
	ck_assert_uint_eq(a.bars[4].guest, 0x200004000ULL);
	ck_assert_uint_eq(vpa_read(&a, 0x20, 4), 0x0000400c);
	ck_assert_uint_eq(vpa_write(&a, 0x04, 2, 0x0002, is_ram, NULL, &why), VPA_CHANGED_COMMAND);
	/* ... and back into RAM by the high half: refused. */
	ck_assert_uint_eq(vpa_write(&a, 0x24, 4, 0, is_ram, NULL, &why), VPA_REFUSED);
	/* Over the guest's RAM: refused, named, nothing moves. */
	ck_assert_uint_eq(vpa_write(&a, 0x10, 4, 0x01000000, is_ram, NULL, &why), VPA_REFUSED);
	ck_assert_str_eq(why, "BAR over the guest's RAM refused");
	ck_assert_uint_eq(a.bars[0].guest, 0xe0000000);
	/* I/O BARs: no RAM there. */
	ck_assert_uint_eq(vpa_write(&a, 0x18, 4, 0x1000, is_ram, NULL, &why), VPA_CHANGED_BAR);
	ck_assert_uint_eq(vpa_read(&a, 0x18, 4), 0x1001);
}
END_TEST

START_TEST(msi_and_msix)
{
	/* MSI: the guest's address and data are kept, not the device's. */
	/* One message and no per-vector masks shown: what tern forwards. */
	ck_assert_uint_eq(vpa_read(&a, 0x50, 4), 0x00807005);
	ck_assert_uint_eq(vpa_write(&a, 0x54, 4, 0xfee01003, is_ram, NULL, &why), VPA_CHANGED_MSI);
	ck_assert_uint_eq(vpa_write(&a, 0x5c, 2, 0x41, is_ram, NULL, &why), VPA_CHANGED_MSI);
	ck_assert_uint_eq(vpa_write(&a, 0x52, 2, 0x0081, is_ram, NULL, &why), VPA_CHANGED_MSI);
	ck_assert_uint_eq(a.msi.addr_lo, 0xfee01000);
	ck_assert_uint_eq(a.msi.data, 0x41);
	ck_assert_uint_eq(a.msi.ctrl, 1);
	ck_assert_uint_eq(vpa_read(&a, 0x52, 2), 0x0081);	/* 64-bit bit stays */
	/* MSI-X: enable and mask are the guest's; the table location reads through. */
	ck_assert_uint_eq(vpa_write(&a, 0x72, 2, 0xc004, is_ram, NULL, &why), VPA_CHANGED_MSIX);
	ck_assert_uint_eq(a.msix_ctrl, 0xc000);
	ck_assert_uint_eq(vpa_read(&a, 0x72, 2), 0xc004);
	ck_assert_uint_eq(vpa_read(&a, 0x74, 4), 3);
	ck_assert_uint_eq(vpa_write(&a, 0x74, 4, 0, is_ram, NULL, &why), 0);
	ck_assert_uint_eq(vpa_read(&a, 0x74, 4), 3);
}
END_TEST

Suite *vpci_assign_suite(void)
{
	Suite *s = suite_create("vpci_assign");
	TCase *tc = tcase_create("rules");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, identity_and_command);
	tcase_add_test(tc, bars);
	tcase_add_test(tc, msi_and_msix);
	suite_add_tcase(s, tc);
	return s;
}
