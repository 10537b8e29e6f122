// SPDX-License-Identifier: GPL-2.0
#include "core/cpu.h"
#include "tests/unit/suites.h"
#include "vmx/arch_rules.h"

/* A 32-bit protected-mode guest, paging off. */
static struct cr_ctx prot32(void)
{
	return (struct cr_ctx){
		.cr0 = CR0_PE | CR0_ET, .cr4_allowed = 0x3727ff & ~(u64)(CR4_VMXE | CR4_SMXE),
		.maxphyaddr = 39,
	};
}

/* A 64-bit guest, paging on. */
static struct cr_ctx long64(void)
{
	struct cr_ctx c = prot32();

	c.cr0 |= CR0_PG;
	c.cr4 = CR4_PAE;
	c.efer = EFER_LME | EFER_LMA;
	c.long_mode = c.cs_long = true;
	c.cr3 = 0x1000;
	return c;
}

START_TEST(cr0)
{
	struct cr_ctx c = prot32();
	u64 eff;

	/* Reserved bits of 31:0 are ignored; ET stays 1. */
	ck_assert(cr0_write_ok(&c, 0x7fffffff, &eff));
	ck_assert_uint_eq(eff, CR0_DEFINED & ~CR0_PG);
	ck_assert(cr0_write_ok(&c, CR0_PE, &eff));
	ck_assert_uint_eq(eff, CR0_PE | CR0_ET);
	/* PG without PE, NW without CD, bits 63:32. */
	ck_assert(!cr0_write_ok(&c, CR0_PG | CR0_ET, &eff));
	ck_assert(!cr0_write_ok(&c, CR0_PE | CR0_NW, &eff));
	ck_assert(!cr0_write_ok(&c, ~0ULL, &eff));
	ck_assert(!cr0_write_ok(&c, BIT(32) | CR0_PE, &eff));
	/* Into long mode without PAE: #GP; with it: fine. */
	c.efer = EFER_LME;
	ck_assert(!cr0_write_ok(&c, CR0_PE | CR0_PG, &eff));
	c.cr4 = CR4_PAE;
	ck_assert(cr0_write_ok(&c, CR0_PE | CR0_PG, &eff));
	/* Out of long mode from 64-bit code: #GP; from compatibility mode: fine. */
	c = long64();
	ck_assert(!cr0_write_ok(&c, CR0_PE, &eff));
	c.cs_long = false;
	ck_assert(cr0_write_ok(&c, CR0_PE, &eff));
	c.cr4 |= CR4_PCIDE;
	ck_assert(!cr0_write_ok(&c, CR0_PE, &eff));
}
END_TEST

START_TEST(cr4)
{
	struct cr_ctx c = prot32();

	ck_assert(cr4_write_ok(&c, CR4_PSE | CR4_PAE | CR4_OSFXSR));
	ck_assert(!cr4_write_ok(&c, ~0ULL));
	ck_assert(!cr4_write_ok(&c, CR4_VMXE));		/* no VMX for guests */
	ck_assert(!cr4_write_ok(&c, BIT(30)));		/* not offered */
	ck_assert(!cr4_write_ok(&c, CR4_PCIDE));	/* not in IA-32e mode */
	c = long64();
	ck_assert(!cr4_write_ok(&c, 0));		/* PAE off in IA-32e mode */
	ck_assert(cr4_write_ok(&c, CR4_PAE | CR4_PGE));
	ck_assert(cr4_write_ok(&c, CR4_PAE | CR4_PCIDE));	/* PCID 0 current */
	c.cr3 = 0x2005;
	ck_assert(!cr4_write_ok(&c, CR4_PAE | CR4_PCIDE));
	c.cr4_allowed |= CR4_LA57;
	ck_assert(!cr4_write_ok(&c, CR4_PAE | CR4_LA57));
}
END_TEST

START_TEST(cr3_efer_pat)
{
	struct cr_ctx c = long64();
	u64 eff;

	ck_assert(cr3_write_ok(&c, 0x7ffffff000ULL));
	ck_assert(!cr3_write_ok(&c, 0x8000000000ULL));	/* beyond 39 bits */
	ck_assert(!cr3_write_ok(&c, BIT(63)));
	c.cr4 |= CR4_PCIDE;
	ck_assert(cr3_write_ok(&c, BIT(63) | 0x1000));	/* no-flush hint */
	ck_assert(cr3_write_ok(&(struct cr_ctx){ .maxphyaddr = 32 }, 0xfffff000));

	/* EFER: reserved bits, LME while paging, LMA kept, NXE only with NX. */
	ck_assert(efer_write_ok(&c, EFER_SCE | EFER_LME, true, &eff));
	ck_assert_uint_eq(eff, EFER_SCE | EFER_LME | EFER_LMA);
	ck_assert(!efer_write_ok(&c, EFER_LME | BIT(1), true, &eff));
	ck_assert(!efer_write_ok(&c, 0, true, &eff));		/* LME off while paging */
	ck_assert(!efer_write_ok(&c, EFER_LME | EFER_NXE, false, &eff));
	c = prot32();
	ck_assert(efer_write_ok(&c, EFER_LME | EFER_LMA, true, &eff));
	ck_assert_uint_eq(eff, EFER_LME);			/* LMA is the CPU's */

	ck_assert(pat_write_ok(0x0007040600070406ULL));	/* the power-on PAT */
	ck_assert(pat_write_ok(0x0001050400070406ULL));
	ck_assert(!pat_write_ok(0x0007040600070402ULL));	/* type 2 */
	ck_assert(!pat_write_ok(0x0007040600070403ULL));	/* type 3 */
	ck_assert(!pat_write_ok(0x0007040600070416ULL));	/* bits 7:3 */
}
END_TEST

Suite *arch_rules_suite(void)
{
	Suite *s = suite_create("arch_rules");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, cr0);
	tcase_add_test(tc, cr4);
	tcase_add_test(tc, cr3_efer_pat);
	suite_add_tcase(s, tc);
	return s;
}
