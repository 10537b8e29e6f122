// SPDX-License-Identifier: GPL-2.0
#include "core/vdev/vioapic.h"
#include "suites.h"

static struct vioapic io;

static void setup(void)
{
	vioapic_reset(&io);
}

static u32 rd(u32 reg)
{
	vioapic_write(&io, IOAPIC_REGSEL, reg);
	return vioapic_read(&io, IOAPIC_WINDOW);
}

static u32 wr(u32 reg, u32 val)
{
	vioapic_write(&io, IOAPIC_REGSEL, reg);
	return vioapic_write(&io, IOAPIC_WINDOW, val);
}

START_TEST(registers)
{
	ck_assert_uint_eq(rd(IOAPIC_REG_VERSION), 0x170020);	/* 24 pins */
	wr(IOAPIC_REG_ID, 0x05000000);
	ck_assert_uint_eq(rd(IOAPIC_REG_ID), 0x05000000);
	/* Every pin masked at reset; the read-only bits stay the IOAPIC's. */
	ck_assert_uint_eq(rd(IOAPIC_REG_REDIR + 2 * 7), RTE_MASKED);
	wr(IOAPIC_REG_REDIR + 2 * 7, 0x31 | RTE_REMOTE_IRR | RTE_PENDING);
	ck_assert_uint_eq(rd(IOAPIC_REG_REDIR + 2 * 7), 0x31);
	wr(IOAPIC_REG_REDIR + 2 * 7 + 1, 0x03000000);
	ck_assert_uint_eq(rd(IOAPIC_REG_REDIR + 2 * 7 + 1), 0x03000000);
	ck_assert_uint_eq(rd(IOAPIC_REG_REDIR + 2 * 24), 0);	/* beyond */
}
END_TEST

START_TEST(edge)
{
	struct vlapic_ipi m;
	bool level;

	/* Masked: the edge is lost and counted. */
	ck_assert(!vioapic_set_line(&io, 4, true));
	ck_assert_uint_eq(io.lost_masked, 1);
	vioapic_set_line(&io, 4, false);
	/* Unmasked, logical destination 0x02, vector 0x24. */
	wr(IOAPIC_REG_REDIR + 2 * 4 + 1, 0x02000000);
	ck_assert_uint_eq(wr(IOAPIC_REG_REDIR + 2 * 4, 0x24 | RTE_LOGICAL), 0);
	ck_assert(vioapic_set_line(&io, 4, true));
	ck_assert(!vioapic_set_line(&io, 4, true));		/* no new edge */
	ck_assert(vioapic_message(&io, 4, &m, &level));
	ck_assert(!level);
	ck_assert(m.valid && m.logical && !m.x2apic);
	ck_assert_uint_eq(m.vector, 0x24);
	ck_assert_uint_eq(m.dest, 2);
	ck_assert_uint_eq(m.mode, ICR_MODE_FIXED);
	ck_assert(!vioapic_set_line(&io, 4, false));
	ck_assert(vioapic_set_line(&io, 4, true));		/* next edge */
	ck_assert_uint_eq(io.delivered[4], 1);
}
END_TEST

START_TEST(level)
{
	struct vlapic_ipi m;
	bool level;

	/* Asserted while masked: delivered on unmask. */
	ck_assert(!vioapic_set_line(&io, 9, true));
	ck_assert_uint_eq(wr(IOAPIC_REG_REDIR + 2 * 9,
			     0x29 | RTE_LEVEL | RTE_ACTIVE_LOW), BIT(9));
	ck_assert(vioapic_message(&io, 9, &m, &level));
	ck_assert(level);
	ck_assert(rd(IOAPIC_REG_REDIR + 2 * 9) & RTE_REMOTE_IRR);
	/* In service: no second delivery until the EOI. */
	ck_assert(!vioapic_set_line(&io, 9, true));
	ck_assert_uint_eq(vioapic_eoi(&io, 0x30), 0);		/* other vector */
	/* EOI with the line still asserted: again. */
	ck_assert_uint_eq(vioapic_eoi(&io, 0x29), BIT(9));
	ck_assert(!(rd(IOAPIC_REG_REDIR + 2 * 9) & RTE_REMOTE_IRR));
	vioapic_message(&io, 9, &m, &level);
	vioapic_set_line(&io, 9, false);
	/* The guest's EOI through the IOAPIC's own register (version 0x20). */
	ck_assert_uint_eq(vioapic_write(&io, IOAPIC_EOI, 0x29), 0);
	ck_assert_uint_eq(io.eois, 2);
	ck_assert(!(rd(IOAPIC_REG_REDIR + 2 * 9) & RTE_REMOTE_IRR));
}
END_TEST

START_TEST(modes)
{
	struct vlapic_ipi m;
	bool level;

	/* ExtINT (virtual wire to the 8259) is not modeled: counted. */
	wr(IOAPIC_REG_REDIR, 7 << 8);
	ck_assert(vioapic_set_line(&io, 0, true));
	ck_assert(!vioapic_message(&io, 0, &m, &level));
	ck_assert_uint_eq(io.unsupported, 1);
	/* NMI is never level (no EOI comes back). */
	wr(IOAPIC_REG_REDIR + 2, (4 << 8) | RTE_LEVEL);
	ck_assert(vioapic_set_line(&io, 1, true));
	ck_assert(vioapic_message(&io, 1, &m, &level));
	ck_assert_uint_eq(m.mode, ICR_MODE_NMI);
	ck_assert(!level);
	ck_assert(!vioapic_set_line(&io, 24, true));		/* no such pin */
}
END_TEST

Suite *vioapic_suite(void)
{
	Suite *s = suite_create("vioapic");
	TCase *tc = tcase_create("pins");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, registers);
	tcase_add_test(tc, edge);
	tcase_add_test(tc, level);
	tcase_add_test(tc, modes);
	suite_add_tcase(s, tc);
	return s;
}
