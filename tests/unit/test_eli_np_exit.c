// SPDX-License-Identifier: GPL-2.0
#include "irq/irq.h"
#include "tests/unit/suites.h"
#include "vmx/eli/np_exit.h"
#include "vmx/vmcs.h"

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

Suite *eli_np_exit_suite(void)
{
	Suite *s = suite_create("eli_np_exit");
	TCase *tc = tcase_create("np_exit");

	tcase_add_test(tc, np_classify);
	suite_add_tcase(s, tc);
	return s;
}
