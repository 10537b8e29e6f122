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

/* VT-d 5.1.5.1: the request an entry puts on the bus, in either format. */
START_TEST(remap_request)
{
	struct vlapic_ipi m;
	u32 addr, data;
	bool level;

	/* Compatibility format: destination 0x03 to address 19:12, logical
	 * to bit 2; vector, mode and trigger in the data. */
	wr(IOAPIC_REG_REDIR + 2 * 5 + 1, 0x03000000);
	wr(IOAPIC_REG_REDIR + 2 * 5, 0x41 | (1 << 8) | RTE_LOGICAL);
	vioapic_request(&io, 5, &addr, &data);
	ck_assert_uint_eq(addr, 0xfee03004);
	ck_assert_uint_eq(data, 0x141);
	ck_assert_uint_eq(io.delivered[5], 1);
	/* Remappable format, index 0x1234 with bit 15 set (0x9234): bits
	 * 63:49 = 0x1234, bit 48 = format, bit 11 = index[15]; level, vector
	 * = the pin (Linux's tag for its directed EOI). */
	wr(IOAPIC_REG_REDIR + 2 * 9 + 1, (u32)((0x1234ULL << 49 | RTE_IR_FORMAT) >> 32));
	wr(IOAPIC_REG_REDIR + 2 * 9, 9 | BIT(11) | RTE_LEVEL);
	ck_assert_uint_eq(RTE_IR_INDEX(io.rte[9]), 0x9234);
	ck_assert(io.rte[9] & RTE_IR_FORMAT);
	vioapic_set_line(&io, 9, true);
	vioapic_request(&io, 9, &addr, &data);
	/* Address bit 4 (remappable), handle 14:0 in 19:5, handle 15 in
	 * bit 2, SHV (bit 3) clear: exactly what 5.1.5.2 decodes. */
	ck_assert_uint_eq(addr & 0xfff00000, 0xfee00000);
	ck_assert(addr & BIT(4));
	ck_assert(!(addr & BIT(3)));
	ck_assert_uint_eq(((addr >> 5) & 0x7fff) | ((addr >> 2) & 1) << 15, 0x9234);
	ck_assert_uint_eq(data, 9 | BIT(15));
	/* Level: remote IRR until the EOI of the entry's vector (the
	 * directed EOI names the pin's tag, not the remapped vector). */
	ck_assert(io.rte[9] & RTE_REMOTE_IRR);
	ck_assert_uint_eq(vioapic_eoi(&io, 0x60), 0);
	ck_assert(io.rte[9] & RTE_REMOTE_IRR);
	ck_assert_uint_eq(vioapic_eoi(&io, 9), BIT(9));		/* still asserted */
	/* Without remapping, such an entry read as compatibility format
	 * still gives a message (hardware would send it as it is). */
	ck_assert(vioapic_message(&io, 9, &m, &level));
	ck_assert(level);
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
	tcase_add_test(tc, remap_request);
	suite_add_tcase(s, tc);
	return s;
}
