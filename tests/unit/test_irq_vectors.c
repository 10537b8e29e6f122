// SPDX-License-Identifier: GPL-2.0
/* One core's vector table (irq/vectors.c), the kernel's own code: ELI's
 * vector matching, a guest's device vector claimed and tern's user moved. */
#include <string.h>

#include "irq/vectors.h"
#include "tests/unit/suites.h"

static struct irq_slot t[256];

static void h_a(struct regs *r, void *arg) { (void)r; (void)arg; }
static void h_b(struct regs *r, void *arg) { (void)r; (void)arg; }

/* The mover's record: what it was asked, and its answer. */
static struct {
	int calls, refuse;
	u32 cpu, from, to;
	void *arg;
} mv;

static int mover(void *arg, u32 cpu, u32 from, u32 to)
{
	mv.calls++;
	mv.arg = arg;
	mv.cpu = cpu;
	mv.from = from;
	mv.to = to;
	/* Called with `to` already the user's (a repoint may fire at once). */
	ck_assert_ptr_eq(t[to].fn, h_a);
	ck_assert_ptr_eq(t[to].arg, arg);
	return mv.refuse;
}

static void reset(void)
{
	memset(t, 0, sizeof(t));
	memset(&mv, 0, sizeof(mv));
}

/* Take v for a movable user of tern's (what irq_alloc_vector_movable
 * hands out), by filling what comes before it. */
static void hold(u32 v, irq_handler_t fn, void *arg, irq_move_fn move)
{
	ck_assert_int_eq(vectors_claim(t, 0, v, VEC_DYN_LAST, fn, arg, "tern"), (int)v);
	t[v].move = move;
}

START_TEST(refused_vectors)
{
	reset();
	/* Exceptions and tern's fixed vectors: never a claimant's. */
	ck_assert_int_eq(vectors_claim(t, 0, 14, VEC_DYN_LAST, h_b, NULL, "g"), -1);
	ck_assert_int_eq(vectors_claim(t, 0, 31, VEC_DYN_LAST, h_b, NULL, "g"), -1);
	ck_assert_int_eq(vectors_claim(t, 0, VEC_TIMER, VEC_CLAIM_LAST, h_b, NULL, "g"), -1);
	ck_assert_int_eq(vectors_claim(t, 0, VEC_CALL, VEC_CLAIM_LAST, h_b, NULL, "g"), -1);
	ck_assert_int_eq(vectors_claim(t, 0, VEC_SPURIOUS, VEC_CLAIM_LAST, h_b, NULL, "g"), -1);
	/* A device vector is at most VEC_DYN_LAST; an IPI's up to VEC_CLAIM_LAST. */
	ck_assert_int_eq(vectors_claim(t, 0, 0xf8, VEC_DYN_LAST, h_b, NULL, "g"), -1);
	ck_assert_int_eq(vectors_claim(t, 0, 0xf8, VEC_CLAIM_LAST, h_b, NULL, "g"), 0xf8);
	/* Free ones are taken as they are; then held. */
	ck_assert_int_eq(vectors_claim(t, 0, 0x20, VEC_DYN_LAST, h_b, NULL, "g"), 0x20);
	ck_assert_int_eq(vectors_claim(t, 0, 0x20, VEC_DYN_LAST, h_a, NULL, "h"), -1);
	ck_assert(vectors_held_by(t, 0x20, h_b, NULL));
	vectors_free(t, 0x20);
	ck_assert(!vectors_held_by(t, 0x20, h_b, NULL));
	/* Freeing a fixed vector does nothing. */
	t[VEC_TIMER].fn = h_a;
	vectors_free(t, VEC_TIMER);
	ck_assert_ptr_eq(t[VEC_TIMER].fn, h_a);
	ck_assert_int_eq(mv.calls, 0);
}
END_TEST

START_TEST(allocation_order)
{
	int owner_arg;

	reset();
	ck_assert_int_eq(vectors_alloc(t, h_a, &owner_arg, "a", NULL), VEC_DYN_FIRST);
	ck_assert_int_eq(vectors_alloc(t, h_a, &owner_arg, "a", mover), VEC_DYN_FIRST + 1);
	ck_assert_ptr_eq(t[VEC_DYN_FIRST + 1].move, mover);
	for (int v = VEC_DYN_FIRST + 2; v <= VEC_DYN_LAST; v++)
		ck_assert_int_eq(vectors_alloc(t, h_a, NULL, "a", NULL), v);
	ck_assert_int_eq(vectors_alloc(t, h_a, NULL, "a", NULL), -1);
}
END_TEST

START_TEST(movable_user_moves_within_class)
{
	int user, guest;

	reset();
	hold(0x41, h_a, &user, mover);
	/* The guest's claim: tern's user moves to its class's first free
	 * vector (0x40), then 0x41 is the guest's, old handler never paired
	 * with the new argument. */
	ck_assert_int_eq(vectors_claim(t, 3, 0x41, VEC_DYN_LAST, h_b, &guest, "guest"), 0x41);
	ck_assert_int_eq(mv.calls, 1);
	ck_assert_uint_eq(mv.cpu, 3);
	ck_assert_uint_eq(mv.from, 0x41);
	ck_assert_uint_eq(mv.to, 0x40);
	ck_assert_ptr_eq(mv.arg, &user);
	ck_assert(vectors_held_by(t, 0x41, h_b, &guest));
	ck_assert_ptr_null(t[0x41].move);	/* the guest's is not movable */
	ck_assert(vectors_held_by(t, 0x40, h_a, &user));
	ck_assert_ptr_eq(t[0x40].move, mover);	/* still movable where it went */
	/* Claimed again (a second guest vector there): refused, not movable. */
	ck_assert_int_eq(vectors_claim(t, 3, 0x41, VEC_DYN_LAST, h_a, &user, "x"), -1);
	/* The moved user can move again. */
	ck_assert_int_eq(vectors_claim(t, 3, 0x40, VEC_DYN_LAST, h_b, &guest, "guest"), 0x40);
	ck_assert_uint_eq(mv.to, 0x42);
}
END_TEST

START_TEST(full_class_goes_highest)
{
	int user;

	reset();
	for (u32 v = 0x50; v <= 0x5f; v++)
		hold(v, h_a, &user, v == 0x55 ? mover : NULL);
	hold(VEC_DYN_LAST, h_a, NULL, NULL);
	/* Class 5 full: the highest free vector of the range. */
	ck_assert_int_eq(vectors_claim(t, 0, 0x55, VEC_DYN_LAST, h_b, NULL, "guest"), 0x55);
	ck_assert_uint_eq(mv.to, VEC_DYN_LAST - 1);
	/* An unmovable user stays: refused. */
	ck_assert_int_eq(vectors_claim(t, 0, 0x56, VEC_DYN_LAST, h_b, NULL, "guest"), -1);
	ck_assert_int_eq(mv.calls, 1);
}
END_TEST

START_TEST(no_room_or_refused_changes_nothing)
{
	int user;

	reset();
	hold(0x61, h_a, &user, mover);
	for (int v; (v = vectors_alloc(t, h_a, NULL, "fill", NULL)) >= 0;)
		;
	/* No free vector: refused before the mover is asked. */
	ck_assert_int_eq(vectors_claim(t, 0, 0x61, VEC_DYN_LAST, h_b, NULL, "guest"), -1);
	ck_assert_int_eq(mv.calls, 0);
	ck_assert(vectors_held_by(t, 0x61, h_a, &user));
	/* Room, but the mover refuses (a level interrupt in flight): the
	 * target goes back, the user keeps its vector. */
	vectors_free(t, 0x6f);
	mv.refuse = -1;
	ck_assert_int_eq(vectors_claim(t, 0, 0x61, VEC_DYN_LAST, h_b, NULL, "guest"), -1);
	ck_assert_int_eq(mv.calls, 1);
	ck_assert_uint_eq(mv.to, 0x6f);
	ck_assert_ptr_null(t[0x6f].owner);
	ck_assert_ptr_null(t[0x6f].fn);
	ck_assert(vectors_held_by(t, 0x61, h_a, &user));
	ck_assert_ptr_eq(t[0x61].move, mover);
}
END_TEST

Suite *irq_vectors_suite(void)
{
	Suite *s = suite_create("irq_vectors");
	TCase *tc = tcase_create("claims");

	tcase_add_test(tc, refused_vectors);
	tcase_add_test(tc, allocation_order);
	tcase_add_test(tc, movable_user_moves_within_class);
	tcase_add_test(tc, full_class_goes_highest);
	tcase_add_test(tc, no_room_or_refused_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
