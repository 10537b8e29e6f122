// SPDX-License-Identifier: GPL-2.0
#include "irq/irq.h"
#include "tests/unit/suites.h"
#include "vmx/eli/vectors.h"
#include "vmx/vmcs.h"

/* tern's layout: fixed vectors at the top, device users in 0x30-0xef. */
static void tern_table(struct eli_vectors *t)
{
	struct vec_set fixed = { 0 };

	vec_set_add(&fixed, VEC_HALT);
	vec_set_add(&fixed, VEC_KICK);
	vec_set_add(&fixed, VEC_TIMER);
	vec_set_add(&fixed, VEC_CALL);
	vec_set_add(&fixed, VEC_SPURIOUS);
	eli_vectors_init(t, &fixed, VEC_DYN_FIRST, VEC_DYN_LAST);
}

START_TEST(ownership)
{
	struct eli_vectors t;
	struct eli_vec_move mv;
	struct vec_set g;

	tern_table(&t);
	/* Exceptions and fixed vectors are refused. */
	ck_assert_int_eq(eli_vectors_guest_add(&t, 14, &mv), ELI_VEC_REFUSED);
	ck_assert_int_eq(eli_vectors_guest_add(&t, 31, &mv), ELI_VEC_REFUSED);
	ck_assert_int_eq(eli_vectors_guest_add(&t, VEC_TIMER, &mv), ELI_VEC_REFUSED);
	ck_assert_int_eq(eli_vectors_guest_add(&t, VEC_SPURIOUS, &mv), ELI_VEC_REFUSED);
	ck_assert(!mv.needed);
	ck_assert_int_eq(eli_vectors_host_claim(&t, VEC_TIMER), ELI_VEC_REFUSED);

	/* A free vector: the guest's, nothing moves. */
	ck_assert_int_eq(eli_vectors_guest_add(&t, 0x20, &mv), ELI_VEC_OK);
	ck_assert(!mv.needed);
	ck_assert_int_eq(t.owner[0x20], ELI_VEC_GUEST);

	/* Held by tern: tern's user moves, within its priority class. */
	ck_assert_int_eq(eli_vectors_host_claim(&t, 0x41), ELI_VEC_OK);
	ck_assert_int_eq(eli_vectors_host_claim(&t, 0x41), ELI_VEC_REFUSED);
	ck_assert_int_eq(eli_vectors_guest_add(&t, 0x41, &mv), ELI_VEC_OK);
	ck_assert(mv.needed);
	ck_assert_uint_eq(mv.from, 0x41);
	ck_assert_uint_eq(mv.to, 0x40);
	ck_assert_int_eq(t.owner[0x40], ELI_VEC_HOST);
	ck_assert_int_eq(t.owner[0x41], ELI_VEC_GUEST);

	/* Shared: two adds, two removes. */
	ck_assert_int_eq(eli_vectors_guest_add(&t, 0x41, &mv), ELI_VEC_OK);
	ck_assert(!mv.needed);
	eli_vectors_guest_set(&t, &g);
	ck_assert(vec_set_has(&g, 0x20) && vec_set_has(&g, 0x41));
	ck_assert(!vec_set_has(&g, 0x40));
	ck_assert_int_eq(eli_vectors_guest_remove(&t, 0x41), ELI_VEC_OK);
	ck_assert_int_eq(t.owner[0x41], ELI_VEC_GUEST);
	ck_assert_int_eq(eli_vectors_guest_remove(&t, 0x41), ELI_VEC_OK);
	ck_assert_int_eq(t.owner[0x41], ELI_VEC_FREE);
	ck_assert_int_eq(eli_vectors_guest_remove(&t, 0x41), ELI_VEC_NOT_OURS);
	ck_assert_int_eq(eli_vectors_guest_remove(&t, 0x40), ELI_VEC_NOT_OURS);
	ck_assert_int_eq(eli_vectors_guest_remove(&t, 2), ELI_VEC_NOT_OURS);
	eli_vectors_guest_set(&t, &g);
	ck_assert(!vec_set_has(&g, 0x41));
	eli_vectors_host_release(&t, 0x40);
	ck_assert_int_eq(t.owner[0x40], ELI_VEC_FREE);
}
END_TEST

START_TEST(move_full_class_and_no_room)
{
	struct eli_vectors t;
	struct eli_vec_move mv;

	eli_vectors_init(&t, NULL, 0x50, 0x6f);
	for (int v = 0x50; v <= 0x5f; v++)
		ck_assert_int_eq(eli_vectors_host_claim(&t, v), ELI_VEC_OK);
	/* Class 5 is full: the highest free vector of the range. */
	ck_assert_int_eq(eli_vectors_guest_add(&t, 0x55, &mv), ELI_VEC_OK);
	ck_assert(mv.needed);
	ck_assert_uint_eq(mv.to, 0x6f);
	/* A host user outside the range moves into it. */
	ck_assert_int_eq(eli_vectors_host_claim(&t, 0x90), ELI_VEC_OK);
	ck_assert_int_eq(eli_vectors_guest_add(&t, 0x90, &mv), ELI_VEC_OK);
	ck_assert_uint_eq(mv.to, 0x6e);
	for (int v = 0x60; v <= 0x6d; v++)
		ck_assert_int_eq(eli_vectors_host_claim(&t, v), ELI_VEC_OK);
	/* Full: refused, and the table is unchanged. */
	ck_assert_int_eq(eli_vectors_guest_add(&t, 0x51, &mv), ELI_VEC_NO_ROOM);
	ck_assert(!mv.needed);
	ck_assert_int_eq(t.owner[0x51], ELI_VEC_HOST);
}
END_TEST

#define NP_EXIT	(INTR_INFO_VALID | INTR_TYPE_HW_EXC | INTR_INFO_DELIVER_CODE | EXC_NP)
#define IDT_ERR(v, ext)	(((v) << 3) | 2 | (ext))

START_TEST(np_classify)
{
	u8 vec = 0;

	/* A host interrupt on a hidden gate (EXT set: external event). */
	ck_assert_int_eq(eli_np_classify(NP_EXIT, IDT_ERR(0x41, 1),
					 INTR_INFO_VALID | INTR_TYPE_EXT | 0x41, &vec),
			 ELI_NP_HOST_INTR);
	ck_assert_uint_eq(vec, 0x41);
	/* The guest's INT 0x80 on a hidden gate: replay it. */
	vec = 0;
	ck_assert_int_eq(eli_np_classify(NP_EXIT, IDT_ERR(0x80, 0),
					 INTR_INFO_VALID | (4 << 8) | 0x80, &vec),
			 ELI_NP_GUEST_EVENT);
	ck_assert_uint_eq(vec, 0x80);
	/* A segment load of a not-present segment: the guest's #NP. */
	ck_assert_int_eq(eli_np_classify(NP_EXIT, 0x28, 0, &vec), ELI_NP_GUEST_FAULT);
	/* While delivering an interrupt, its gate's CS not present: no IDT bit. */
	ck_assert_int_eq(eli_np_classify(NP_EXIT, 0x10 | 1,
					 INTR_INFO_VALID | INTR_TYPE_EXT | 0x41, &vec),
			 ELI_NP_GUEST_FAULT);
	/* The error code names another gate than the one being delivered. */
	ck_assert_int_eq(eli_np_classify(NP_EXIT, IDT_ERR(0x42, 1),
					 INTR_INFO_VALID | INTR_TYPE_EXT | 0x41, &vec),
			 ELI_NP_GUEST_FAULT);
	/* Vectoring information without its valid bit is not an event. */
	ck_assert_int_eq(eli_np_classify(NP_EXIT, IDT_ERR(0x41, 1), INTR_TYPE_EXT | 0x41, &vec),
			 ELI_NP_GUEST_FAULT);
	/* Not an #NP exit at all. */
	ck_assert_int_eq(eli_np_classify(INTR_INFO_VALID | INTR_TYPE_HW_EXC |
					 INTR_INFO_DELIVER_CODE | EXC_GP, IDT_ERR(0x41, 1),
					 INTR_INFO_VALID | 0x41, &vec), ELI_NP_NOT_NP);
	ck_assert_int_eq(eli_np_classify(NP_EXIT & ~INTR_INFO_VALID, IDT_ERR(0x41, 1),
					 INTR_INFO_VALID | 0x41, &vec), ELI_NP_NOT_NP);
	ck_assert_int_eq(eli_np_classify(INTR_INFO_VALID | INTR_TYPE_EXT | EXC_NP, 0,
					 INTR_INFO_VALID | 0x41, &vec), ELI_NP_NOT_NP);
	ck_assert_int_eq(eli_np_classify(NP_EXIT & ~INTR_INFO_DELIVER_CODE, IDT_ERR(0x41, 1),
					 INTR_INFO_VALID | 0x41, &vec), ELI_NP_NOT_NP);
}
END_TEST

Suite *eli_vectors_suite(void)
{
	Suite *s = suite_create("eli_vectors");
	TCase *tc = tcase_create("vectors");

	tcase_add_test(tc, ownership);
	tcase_add_test(tc, move_full_class_and_no_room);
	tcase_add_test(tc, np_classify);
	suite_add_tcase(s, tc);
	return s;
}
