// SPDX-License-Identifier: GPL-2.0
#include "tests/unit/suites.h"
#include "vmx/eli/mode.h"

static const struct vec_set none;

START_TEST(inject_and_complete)
{
	struct eli_mode_state s;
	struct eli_action a;

	eli_mode_init(&s);
	ck_assert_int_eq(s.mode, ELI_DIRECT);
	/* A virtual interrupt: into injection mode and inject. */
	a = eli_mode_virtual_intr(&s, 0x31, &none);
	ck_assert_uint_eq(a.flags, ELI_ACT_TO_INJECTION | ELI_ACT_INJECT);
	ck_assert_uint_eq(a.vector, 0x31);
	/* A higher one nests: no second switch. */
	a = eli_mode_virtual_intr(&s, 0x51, &none);
	ck_assert_uint_eq(a.flags, ELI_ACT_INJECT);
	ck_assert_uint_eq(s.entries, 1);
	/* EOIs complete the highest first; DIRECT after the last. */
	a = eli_mode_eoi(&s, &none);
	ck_assert_uint_eq(a.flags, ELI_ACT_VIRT_EOI);
	ck_assert_uint_eq(a.vector, 0x51);
	ck_assert_int_eq(s.mode, ELI_INJECTION);
	a = eli_mode_eoi(&s, &none);
	ck_assert_uint_eq(a.flags, ELI_ACT_VIRT_EOI | ELI_ACT_TO_DIRECT);
	ck_assert_uint_eq(a.vector, 0x31);
	ck_assert_int_eq(s.mode, ELI_DIRECT);
	ck_assert_uint_eq(s.exits, 1);
	/* An EOI that reaches us in DIRECT is the hardware's. */
	a = eli_mode_eoi(&s, &none);
	ck_assert_uint_eq(a.flags, ELI_ACT_PHYS_EOI);
	ck_assert_uint_eq(s.exits, 1);
}
END_TEST

START_TEST(priority_below_assigned)
{
	struct eli_mode_state s;
	struct eli_action a;
	struct vec_set phys = { 0 };

	eli_mode_init(&s);
	vec_set_add(&phys, 0x61);	/* a device interrupt the guest is handling */
	/* Same class and lower: wait, but trap EOI to see the completion. */
	a = eli_mode_virtual_intr(&s, 0x6f, &phys);
	ck_assert_uint_eq(a.flags, ELI_ACT_WAIT | ELI_ACT_TO_INJECTION);
	a = eli_mode_virtual_intr(&s, 0x35, &phys);
	ck_assert_uint_eq(a.flags, ELI_ACT_WAIT);
	ck_assert_uint_eq(s.deferred, 2);
	/* Offered again while still blocked: not counted twice. */
	eli_mode_virtual_intr(&s, 0x35, &phys);
	ck_assert_uint_eq(s.deferred, 2);
	/* Above it: delivered. */
	a = eli_mode_virtual_intr(&s, 0x71, &phys);
	ck_assert_uint_eq(a.flags, ELI_ACT_INJECT);
	/* The guest EOIs 0x71 (virtual), then 0x61 (physical, passed on). */
	a = eli_mode_eoi(&s, &phys);
	ck_assert_uint_eq(a.flags, ELI_ACT_VIRT_EOI | ELI_ACT_RETRY);
	ck_assert_uint_eq(a.vector, 0x71);
	a = eli_mode_eoi(&s, &phys);
	ck_assert_uint_eq(a.flags, ELI_ACT_PHYS_EOI | ELI_ACT_RETRY);
	ck_assert_uint_eq(a.vector, 0x61);
	vec_set_del(&phys, 0x61);
	ck_assert_int_eq(s.mode, ELI_INJECTION);	/* two still waiting */
	/* Retried: both go in now, and complete. */
	ck_assert_uint_eq(eli_mode_virtual_intr(&s, 0x6f, &phys).flags, ELI_ACT_INJECT);
	ck_assert_uint_eq(eli_mode_virtual_intr(&s, 0x35, &phys).flags, ELI_ACT_WAIT);
	a = eli_mode_eoi(&s, &phys);
	ck_assert_uint_eq(a.flags, ELI_ACT_VIRT_EOI | ELI_ACT_RETRY);
	ck_assert_uint_eq(eli_mode_virtual_intr(&s, 0x35, &phys).flags, ELI_ACT_INJECT);
	a = eli_mode_eoi(&s, &phys);
	ck_assert_uint_eq(a.flags, ELI_ACT_VIRT_EOI | ELI_ACT_TO_DIRECT);
	ck_assert_uint_eq(s.entries, 1);
	ck_assert_uint_eq(s.exits, 1);
}
END_TEST

START_TEST(reclaim_and_stuck_guest)
{
	struct eli_mode_state s;
	struct eli_action a;
	struct vec_set phys = { 0 };

	eli_mode_init(&s);
	/* Nothing in service: nothing to do. */
	a = eli_mode_reclaim(&s, &phys);
	ck_assert_uint_eq(a.flags, 0);
	ck_assert_int_eq(s.mode, ELI_DIRECT);
	/* Two in service at an exit: tern EOIs both, the guest owes two. */
	vec_set_add(&phys, 0x41);
	vec_set_add(&phys, 0x81);
	a = eli_mode_reclaim(&s, &phys);
	ck_assert_uint_eq(a.flags, ELI_ACT_PHYS_EOI | ELI_ACT_TO_INJECTION);
	ck_assert_uint_eq(a.count, 2);
	ck_assert_uint_eq(s.reclaimed, 2);
	/* Below a reclaimed one, a virtual interrupt waits. */
	ck_assert_uint_eq(eli_mode_virtual_intr(&s, 0x51, &none).flags, ELI_ACT_WAIT);
	/* The guest's EOIs are tern's now. */
	a = eli_mode_eoi(&s, &none);
	ck_assert_uint_eq(a.flags, ELI_ACT_VIRT_EOI | ELI_ACT_RETRY);
	ck_assert_uint_eq(a.vector, 0x81);

	/* The guest never EOIs 0x41: forcing DIRECT is refused... */
	a = eli_mode_force_direct(&s, false);
	ck_assert_uint_eq(a.flags, ELI_ACT_REFUSED);
	ck_assert_int_eq(s.mode, ELI_INJECTION);
	/* ...unless tern drops what it owes. */
	a = eli_mode_force_direct(&s, true);
	ck_assert_uint_eq(a.flags, ELI_ACT_VIRT_EOI | ELI_ACT_TO_DIRECT);
	ck_assert_int_eq(s.mode, ELI_DIRECT);
	ck_assert(vec_set_empty(&s.isr) && vec_set_empty(&s.waiting));
	ck_assert_uint_eq(s.discarded, 1);
	ck_assert_uint_eq(s.forced, 1);
	ck_assert_uint_eq(s.entries, 1);
	ck_assert_uint_eq(s.exits, 1);
	/* Already DIRECT: nothing. */
	ck_assert_uint_eq(eli_mode_force_direct(&s, true).flags, 0);
	ck_assert_uint_eq(s.forced, 1);
}
END_TEST

Suite *eli_mode_suite(void)
{
	Suite *s = suite_create("eli_mode");
	TCase *tc = tcase_create("mode");

	tcase_add_test(tc, inject_and_complete);
	tcase_add_test(tc, priority_below_assigned);
	tcase_add_test(tc, reclaim_and_stuck_guest);
	suite_add_tcase(s, tc);
	return s;
}
