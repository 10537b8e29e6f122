// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "tests/unit/suites.h"
#include "vmx/eli/shadow_idt.h"

static u8 guest[SHADOW_IDT_SIZE], shadow[SHADOW_IDT_SIZE];

/* A 64-bit gate to handler, selector 0x10, IST ist, of the given byte 5. */
static void set_gate(u8 *idt, u8 v, u64 handler, u8 attr, u8 ist)
{
	u8 *g = idt + v * IDT_GATE_SIZE;

	memset(g, 0, IDT_GATE_SIZE);
	g[0] = handler;
	g[1] = handler >> 8;
	g[2] = 0x10;
	g[4] = ist;
	g[5] = attr;
	g[6] = handler >> 16;
	g[7] = handler >> 24;
	memcpy(g + 8, (u32[]){ handler >> 32 }, 4);
}

/* A guest with every gate a present interrupt gate (trap gates for #BP). */
static void full_guest(void)
{
	for (int v = 0; v < IDT_NR_GATES; v++)
		set_gate(guest, v, 0xffffffff81000000ULL + v * 0x40,
			 IDT_GATE_P | (v == 3 ? IDT_GATE_TRAP64 : IDT_GATE_INTR64), v == 2);
}

static bool same_but_p(u8 v)
{
	const u8 *s = shadow + v * IDT_GATE_SIZE, *g = guest + v * IDT_GATE_SIZE;

	return !memcmp(s, g, 5) && s[5] == (g[5] & ~IDT_GATE_P) &&
	       !memcmp(s + 6, g + 6, 10);
}

START_TEST(build)
{
	struct shadow_idt_result res;
	struct reports r = { 0 };
	struct vec_set dev = { 0 };

	full_guest();
	vec_set_add(&dev, 0x41);
	vec_set_add(&dev, 0xe2);
	memset(shadow, 0xaa, sizeof(shadow));
	ck_assert_int_eq(shadow_idt_build(shadow, guest, SHADOW_IDT_LIMIT, &dev, &res,
					  collect_report, &r), SHADOW_IDT_OK);
	ck_assert_int_eq(r.n, 0);
	/* Exceptions and device vectors: byte for byte the guest's. */
	for (int v = 0; v < 32; v++) {
		ck_assert(!memcmp(shadow + v * 16, guest + v * 16, 16));
		ck_assert(vec_set_has(&res.present, v));
	}
	ck_assert(!memcmp(shadow + 0x41 * 16, guest + 0x41 * 16, 16));
	ck_assert(!memcmp(shadow + 0xe2 * 16, guest + 0xe2 * 16, 16));
	ck_assert(vec_set_has(&res.present, 0x41) && vec_set_has(&res.present, 0xe2));
	/* Everything else: the guest's gate, not present. */
	for (int v = 32; v < 256; v++) {
		if (v == 0x41 || v == 0xe2)
			continue;
		ck_assert_msg(same_but_p(v), "vector %#x", v);
		ck_assert(!(idt_gate_attr(shadow, v) & IDT_GATE_P));
		ck_assert(!vec_set_has(&res.present, v));
	}
	ck_assert(vec_set_empty(&res.refused));
	/* The IST of the NMI gate survives the copy. */
	ck_assert_uint_eq(shadow[2 * 16 + 4], 1);
}
END_TEST

START_TEST(short_limit)
{
	struct shadow_idt_result res;
	struct reports r = { 0 };
	struct vec_set dev = { 0 };

	full_guest();
	vec_set_add(&dev, 0x30);
	/* 0x31 gates: device vector 0x30 is the last one in. */
	ck_assert_int_eq(shadow_idt_build(shadow, guest, 0x31 * 16 - 1, &dev, &res,
					  collect_report, &r), SHADOW_IDT_OK);
	ck_assert(vec_set_has(&res.present, 0x30));
	/* Past the limit: not present, but a valid interrupt gate, so the
	 * CPU raises #NP (which exits), not #GP on the type. */
	for (int v = 0x31; v < 256; v++) {
		ck_assert(!(idt_gate_attr(shadow, v) & IDT_GATE_P));
		ck_assert_uint_eq(idt_gate_attr(shadow, v) & IDT_GATE_TYPE_MASK, IDT_GATE_INTR64);
	}
	ck_assert(!memcmp(shadow + 0x31 * 16, (u8[16]){ [5] = IDT_GATE_INTR64 }, 16));

	/* A limit ending inside the device gate does not cover it. */
	ck_assert_int_eq(shadow_idt_build(shadow, guest, 0x31 * 16 - 2, &dev, &res,
					  collect_report, &r), SHADOW_IDT_SHORT);
	ck_assert(reports_find(&r, "does not cover device vector 0x30"));
	ck_assert(vec_set_empty(&res.present));
	for (int v = 0; v < 256; v++)
		ck_assert(!(idt_gate_attr(shadow, v) & IDT_GATE_P));

	/* An IDT longer than a page. */
	ck_assert_int_eq(shadow_idt_build(shadow, guest, SHADOW_IDT_SIZE, &dev, &res,
					  collect_report, &r), SHADOW_IDT_TOO_LONG);
	ck_assert(reports_find(&r, "longer than a page"));
	ck_assert(vec_set_empty(&res.present));

	/* A short IDT without device vectors: exceptions past it stay hidden
	 * (the guest's #GP comes from replaying through its own IDT). */
	memset(&dev, 0, sizeof(dev));
	ck_assert_int_eq(shadow_idt_build(shadow, guest, 16 * 16 - 1, &dev, &res,
					  collect_report, &r), SHADOW_IDT_OK);
	ck_assert(vec_set_has(&res.present, 15));
	ck_assert(!vec_set_has(&res.present, 16));
	ck_assert(!(idt_gate_attr(shadow, 16) & IDT_GATE_P));
}
END_TEST

START_TEST(malformed_device_gate)
{
	struct shadow_idt_result res;
	struct reports r = { 0 };
	struct vec_set dev = { 0 };

	full_guest();
	set_gate(guest, 0x50, 0xffffffff81001000ULL, IDT_GATE_INTR64, 0);	/* P=0 */
	set_gate(guest, 0x51, 0xffffffff81001000ULL, IDT_GATE_P | 0xc, 0);	/* call gate */
	set_gate(guest, 0x52, 0xffffffff81001000ULL, IDT_GATE_P | 0x6, 0);	/* 16-bit intr */
	set_gate(guest, 0x53, 0xffffffff81001000ULL, IDT_GATE_P | IDT_GATE_TRAP64, 0);
	/* A broken exception gate is copied as it is: it breaks the same way. */
	set_gate(guest, 5, 0, IDT_GATE_P | 0x5, 0);
	for (int v = 0x50; v <= 0x53; v++)
		vec_set_add(&dev, v);
	ck_assert_int_eq(shadow_idt_build(shadow, guest, SHADOW_IDT_LIMIT, &dev, &res,
					  collect_report, &r), SHADOW_IDT_OK);
	ck_assert_int_eq(r.n, 3);
	ck_assert(reports_find(&r, "0x50: guest gate not present"));
	ck_assert(reports_find(&r, "0x51: guest gate type 0xc"));
	ck_assert(reports_find(&r, "0x52: guest gate type 0x6"));
	for (int v = 0x50; v <= 0x52; v++) {
		ck_assert(vec_set_has(&res.refused, v));
		ck_assert(!vec_set_has(&res.present, v));
		ck_assert(!(idt_gate_attr(shadow, v) & IDT_GATE_P));
	}
	ck_assert(!vec_set_has(&res.refused, 0x53));
	ck_assert(vec_set_has(&res.present, 0x53));
	ck_assert(!memcmp(shadow + 5 * 16, guest + 5 * 16, 16));
}
END_TEST

START_TEST(update)
{
	struct shadow_idt_result res;
	struct reports r = { 0 };
	struct vec_set dev = { 0 };

	full_guest();
	vec_set_add(&dev, 0x60);
	set_gate(guest, 0x60, 0x1000, IDT_GATE_INTR64, 0);	/* not yet filled in */
	ck_assert_int_eq(shadow_idt_build(shadow, guest, SHADOW_IDT_LIMIT, &dev, &res,
					  collect_report, &r), SHADOW_IDT_OK);
	ck_assert(vec_set_has(&res.refused, 0x60));

	/* The guest fills the gate in: an 8-byte write to its high half... */
	set_gate(guest, 0x60, 0xffffffff81234567ULL, IDT_GATE_P | IDT_GATE_INTR64, 0);
	ck_assert_int_eq(shadow_idt_update(shadow, guest, SHADOW_IDT_LIMIT, 0x60 * 16 + 8, 8,
					   &dev, &res, collect_report, &r), 1);
	/* ...resyncs the whole gate. */
	ck_assert(!memcmp(shadow + 0x60 * 16, guest + 0x60 * 16, 16));
	ck_assert(vec_set_has(&res.present, 0x60));
	ck_assert(!vec_set_has(&res.refused, 0x60));

	/* A write across two gates, one hidden: both resynced, it stays hidden. */
	set_gate(guest, 0x61, 0xffffffff81009999ULL, IDT_GATE_P | IDT_GATE_INTR64, 0);
	ck_assert_int_eq(shadow_idt_update(shadow, guest, SHADOW_IDT_LIMIT, 0x60 * 16 + 12, 8,
					   &dev, &res, collect_report, &r), 2);
	ck_assert(same_but_p(0x61));
	ck_assert(!(idt_gate_attr(shadow, 0x61) & IDT_GATE_P));

	/* The guest clears P of its device gate: the shadow follows. */
	guest[0x60 * 16 + 5] &= ~IDT_GATE_P;
	r.n = 0;
	ck_assert_int_eq(shadow_idt_update(shadow, guest, SHADOW_IDT_LIMIT, 0x60 * 16 + 5, 1,
					   &dev, &res, collect_report, &r), 1);
	ck_assert(!(idt_gate_attr(shadow, 0x60) & IDT_GATE_P));
	ck_assert(vec_set_has(&res.refused, 0x60));
	ck_assert(reports_find(&r, "0x60: guest gate not present"));

	/* Out of range, empty, wrapping. */
	ck_assert_int_eq(shadow_idt_update(shadow, guest, 0x7ff, 0x7f8, 16, &dev, &res,
					   NULL, NULL), SHADOW_IDT_BAD_RANGE);
	ck_assert_int_eq(shadow_idt_update(shadow, guest, SHADOW_IDT_LIMIT, 0, 0, &dev, &res,
					   NULL, NULL), SHADOW_IDT_BAD_RANGE);
	ck_assert_int_eq(shadow_idt_update(shadow, guest, SHADOW_IDT_LIMIT, 0xfffffff8, 16,
					   &dev, &res, NULL, NULL), SHADOW_IDT_BAD_RANGE);
	ck_assert_int_eq(shadow_idt_update(shadow, guest, SHADOW_IDT_SIZE, 0, 16, &dev, &res,
					   NULL, NULL), SHADOW_IDT_BAD_RANGE);
	/* The last byte of the table is in range. */
	ck_assert_int_eq(shadow_idt_update(shadow, guest, SHADOW_IDT_LIMIT, SHADOW_IDT_LIMIT, 1,
					   &dev, &res, NULL, NULL), 1);
}
END_TEST

/* A rebuilt shadow reaches the live one gate by gate, only what changed. */
START_TEST(publish)
{
	static u8 live[SHADOW_IDT_SIZE], staged[SHADOW_IDT_SIZE];
	struct shadow_idt_result res;
	struct vec_set dev = { 0 };

	full_guest();
	vec_set_add(&dev, 0x61);
	ck_assert_int_eq(shadow_idt_build(live, guest, SHADOW_IDT_LIMIT, &dev, &res, NULL, NULL), 0);
	/* Nothing new: nothing written. */
	ck_assert_int_eq(shadow_idt_build(staged, guest, SHADOW_IDT_LIMIT, &dev, &res, NULL, NULL), 0);
	ck_assert_uint_eq(shadow_idt_publish(live, staged), 0);
	/* Another vector shown (its P and type: the lower half), one the
	 * guest moved far (its upper half too), one hidden again. */
	vec_set_add(&dev, 0xfd);
	vec_set_del(&dev, 0x61);
	set_gate(guest, 0x80, 0x00007fff00001000ULL, IDT_GATE_P | IDT_GATE_INTR64, 0);
	ck_assert_int_eq(shadow_idt_build(staged, guest, SHADOW_IDT_LIMIT, &dev, &res, NULL, NULL), 0);
	ck_assert_uint_eq(shadow_idt_publish(live, staged), 3);
	ck_assert_mem_eq(live, staged, SHADOW_IDT_SIZE);
	ck_assert(idt_gate_attr(live, 0xfd) & IDT_GATE_P);
	ck_assert(!(idt_gate_attr(live, 0x61) & IDT_GATE_P));
	ck_assert_uint_eq(shadow_idt_publish(live, staged), 0);
}
END_TEST

Suite *eli_shadow_idt_suite(void)
{
	Suite *s = suite_create("eli_shadow_idt");
	TCase *tc = tcase_create("shadow_idt");

	tcase_add_test(tc, build);
	tcase_add_test(tc, short_limit);
	tcase_add_test(tc, malformed_device_gate);
	tcase_add_test(tc, update);
	tcase_add_test(tc, publish);
	suite_add_tcase(s, tc);
	return s;
}
