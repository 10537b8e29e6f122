// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "core/le.h"
#include "core/vdev/pci/vpci_emul.h"
#include "tests/unit/suites.h"

#define DEVFN		(3 << 3)
#define CFG(reg)	((u32)DEVFN << 12 | (reg))

static int last_bar;
static u64 last_off;

static bool model_rw(struct vpci_emul *e, int bar, u64 off, u32 size, bool write, u64 *val)
{
	last_bar = bar;
	last_off = off;
	if (!write)
		*val = 0xab;
	return true;
}

static const struct vpci_emul_ops ops = { .bar_rw = model_rw };

/* Guest RAM below 1 GiB. */
static bool is_ram(u64 gpa, u64 len, void *ctx)
{
	return gpa < 0x40000000;
}

static void setup(struct vpci *pci, struct vdev_bus *bus, struct vpci_emul *e)
{
	static const u64 sizes[VPA_BARS] = { 0x1000, 0x20, 0x4000, 0, 0, 0 };
	u8 tmpl[256];

	memset(tmpl, 0, sizeof(tmpl));
	put16(tmpl + 0, 0x1af4);
	put16(tmpl + 2, 0x1042);
	tmpl[0x0b] = 0x01;			/* mass storage */
	put32(tmpl + 0x14, 1);			/* BAR1: I/O */
	put32(tmpl + 0x18, 4);			/* BAR2: 64-bit memory */
	vpci_reset(pci);
	vdev_bus_clear(bus);
	memset(e, 0, sizeof(*e));
	e->name = "test function";
	e->ops = &ops;
	e->bus = bus;
	e->is_ram = is_ram;
	ck_assert_int_eq(vpci_emul_add(pci, e, DEVFN, tmpl, sizes), 0);
}

START_TEST(bars_trap_where_the_guest_puts_them)
{
	struct vpci pci;
	struct vdev_bus bus;
	struct vpci_emul e;
	u64 val = 0;

	setup(&pci, &bus, &e);
	ck_assert_uint_eq(vpci_ecam_read(&pci, CFG(0), 4), 0x10421af4);
	/* Sizing: all-ones reads back the size mask. */
	vpci_ecam_write(&pci, CFG(0x10), 4, 0xffffffff);
	ck_assert_uint_eq(vpci_ecam_read(&pci, CFG(0x10), 4), 0xfffff000);
	vpci_ecam_write(&pci, CFG(0x10), 4, 0xc0000000);
	vpci_ecam_write(&pci, CFG(0x14), 4, 0xc040);
	/* Decoding off: nothing on the bus yet. */
	ck_assert(!vdev_access(&bus, NULL, VDEV_MMIO, 0xc0000010, 4, false, &val));
	vpci_ecam_write(&pci, CFG(0x04), 2, PCI_CMD_MEM);
	ck_assert(vdev_access(&bus, NULL, VDEV_MMIO, 0xc0000010, 4, false, &val));
	ck_assert_int_eq(last_bar, 0);
	ck_assert_uint_eq(last_off, 0x10);
	ck_assert_uint_eq(val, 0xab);
	/* An access straddling the BAR's end is not the model's. */
	ck_assert(!vdev_access(&bus, NULL, VDEV_MMIO, 0xc0000ffe, 4, false, &val));
	/* I/O decoding is separate. */
	ck_assert(!vdev_access(&bus, NULL, VDEV_PIO, 0xc044, 2, true, &val));
	vpci_ecam_write(&pci, CFG(0x04), 2, PCI_CMD_MEM | PCI_CMD_IO);
	ck_assert(vdev_access(&bus, NULL, VDEV_PIO, 0xc044, 2, true, &val));
	ck_assert_int_eq(last_bar, 1);
	ck_assert_uint_eq(last_off, 4);
	/* Moved: the old range goes, the new one answers. */
	vpci_ecam_write(&pci, CFG(0x10), 4, 0xc0100000);
	ck_assert(!vdev_access(&bus, NULL, VDEV_MMIO, 0xc0000010, 4, false, &val));
	ck_assert(vdev_access(&bus, NULL, VDEV_MMIO, 0xc0100ff0, 4, false, &val));
	/* Decoding off takes both off. */
	vpci_ecam_write(&pci, CFG(0x04), 2, 0);
	ck_assert(!vdev_access(&bus, NULL, VDEV_MMIO, 0xc0100ff0, 4, false, &val));
	ck_assert(!vdev_access(&bus, NULL, VDEV_PIO, 0xc044, 2, false, &val));
	ck_assert_uint_eq(bus.space[VDEV_MMIO].n + bus.space[VDEV_PIO].n, 0);
	ck_assert_uint_eq(e.bar_accesses, 3);	/* the straddling one is not counted */
}
END_TEST

START_TEST(bad_placements)
{
	struct vpci pci;
	struct vdev_bus bus;
	struct vpci_emul e;
	const char *clash;
	u64 val;

	setup(&pci, &bus, &e);
	/* A 64-bit BAR: placed when its high half is written. */
	vpci_ecam_write(&pci, CFG(0x18), 4, 0x00000000);
	vpci_ecam_write(&pci, CFG(0x1c), 4, 0x1);
	vpci_ecam_write(&pci, CFG(0x04), 2, PCI_CMD_MEM);
	ck_assert(vdev_access(&bus, NULL, VDEV_MMIO, 0x100000008ULL, 8, false, &val));
	ck_assert_int_eq(last_bar, 2);
	/* Over the guest's RAM: refused, counted, not on the bus. */
	vpci_ecam_write(&pci, CFG(0x10), 4, 0x00200000);
	ck_assert_uint_eq(e.refused, 1);
	ck_assert_ptr_nonnull(e.last_refusal);
	ck_assert(!vdev_access(&bus, NULL, VDEV_MMIO, 0x00200000, 4, false, &val));
	/* Over another device: left off. */
	ck_assert_int_eq(vdev_register(&bus, VDEV_MMIO, 0xfec00000, 0x1000, NULL, NULL, 0,
				       "I/O APIC", &clash), 0);
	vpci_ecam_write(&pci, CFG(0x10), 4, 0xfec00000);
	ck_assert_uint_eq(e.refused, 2);
	ck_assert(!e.bar_live[0]);
	vpci_emul_remove(&e);
	ck_assert_uint_eq(bus.space[VDEV_MMIO].n, 1);	/* the I/O APIC's */
}
END_TEST

Suite *vpci_emul_suite(void)
{
	Suite *s = suite_create("vpci_emul");
	TCase *tc = tcase_create("bars");

	tcase_add_test(tc, bars_trap_where_the_guest_puts_them);
	tcase_add_test(tc, bad_placements);
	suite_add_tcase(s, tc);
	return s;
}
