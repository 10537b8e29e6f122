// SPDX-License-Identifier: GPL-2.0
#include "vmx/xsave.h"
#include "suites.h"

START_TEST(xcr0_rules)
{
	u64 all = XFEATURE_X87 | XFEATURE_SSE | XFEATURE_AVX | XFEATURE_AVX512 |
		  XFEATURE_PKRU;

	ck_assert(xcr0_valid(XFEATURE_X87, all));
	ck_assert(xcr0_valid(XFEATURE_X87 | XFEATURE_SSE | XFEATURE_AVX, all));
	ck_assert(xcr0_valid(all, all));
	ck_assert(!xcr0_valid(0, all));				/* x87 always */
	ck_assert(!xcr0_valid(XFEATURE_SSE, all));
	ck_assert(!xcr0_valid(XFEATURE_X87 | XFEATURE_AVX, all));	/* AVX needs SSE */
	/* AVX-512: all three, and AVX. */
	ck_assert(!xcr0_valid(XFEATURE_X87 | XFEATURE_SSE | XFEATURE_AVX | BIT(5), all));
	ck_assert(!xcr0_valid(XFEATURE_X87 | XFEATURE_SSE | XFEATURE_AVX512, all));
	/* Nothing the CPU (or tern) does not offer. */
	ck_assert(!xcr0_valid(XFEATURE_X87 | XFEATURE_SSE | XFEATURE_AVX,
			      XFEATURE_X87 | XFEATURE_SSE));
	ck_assert(!xcr0_valid(XFEATURE_X87 | BIT(17), all));	/* AMX: never */
	/* MPX's two registers go together. */
	ck_assert(!xcr0_valid(XFEATURE_X87 | XFEATURE_BNDREGS, all | XFEATURE_BNDREGS |
			      XFEATURE_BNDCSR));
}
END_TEST

Suite *xsave_suite(void)
{
	Suite *s = suite_create("xsave");
	TCase *tc = tcase_create("xcr0");

	tcase_add_test(tc, xcr0_rules);
	suite_add_tcase(s, tc);
	return s;
}
