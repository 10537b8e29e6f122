// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "tests/unit/suites.h"
#include "vmx/cpuid.h"
#include "vmx/xsave.h"

#define ALL	0xffffffffU
#define XMASK	(XFEATURE_X87 | XFEATURE_SSE | XFEATURE_AVX)

static const struct cpuid_facts facts = {
	.vcpu_id = 3, .xsave_mask = XMASK, .rdtscp = true, .invpcid = true,
};

/* The guest's view of (leaf, sub) on a host that sets every bit. */
static struct cpuid_regs filter_state(u32 leaf, u32 sub, const struct cpuid_facts *f,
				      u32 state)
{
	struct cpuid_regs r = { ALL, ALL, ALL, ALL };

	cpuid_filter(leaf, sub, f, state, &r);
	return r;
}

/* OSXSAVE clear, the APIC on: a guest at reset. */
static struct cpuid_regs filter(u32 leaf, u32 sub, const struct cpuid_facts *f)
{
	return filter_state(leaf, sub, f, CPUID_STATE_APIC_ON);
}

static struct cpuid_regs filter_cr4(u32 leaf, u32 sub, const struct cpuid_facts *f,
				    bool osxsave)
{
	return filter_state(leaf, sub, f, CPUID_STATE_APIC_ON |
			    (osxsave ? CPUID_STATE_OSXSAVE : 0));
}

START_TEST(leaf1_apic_follows_enable)
{
	ck_assert(filter(1, 0, &facts).d & CPUID_1_EDX_APIC);
	ck_assert(!(filter_state(1, 0, &facts, 0).d & CPUID_1_EDX_APIC));
	/* Only leaf 1 mirrors it. */
	ck_assert_uint_eq(filter_state(0x80000001, 0, &facts, 0).d, filter(0x80000001, 0, &facts).d);
}
END_TEST

START_TEST(leaf1_hidden)
{
	struct cpuid_regs r = filter(1, 0, &facts);

	ck_assert(!(r.c & CPUID_1_ECX_VMX));
	ck_assert(!(r.c & CPUID_1_ECX_SMX));
	ck_assert(!(r.c & CPUID_1_ECX_MONITOR));
	ck_assert(!(r.c & (CPUID_1_ECX_DTES64 | CPUID_1_ECX_DS_CPL |
			   CPUID_1_ECX_TM2 | CPUID_1_ECX_PDCM)));
	ck_assert(!(r.d & CPUID_1_EDX_MCE));
	ck_assert(!(r.d & CPUID_1_EDX_MCA));
	ck_assert(!(r.d & CPUID_1_EDX_MTRR));
	ck_assert(!(r.d & (CPUID_1_EDX_DS | CPUID_1_EDX_ACPI | CPUID_1_EDX_TM)));
	ck_assert(r.c & CPUID_1_ECX_HYPERVISOR);
	/* Only what was asked to be hidden is. */
	ck_assert_uint_eq(r.c | CPUID_1_ECX_DTES64 | CPUID_1_ECX_MONITOR | CPUID_1_ECX_DS_CPL |
			  CPUID_1_ECX_VMX | CPUID_1_ECX_SMX | CPUID_1_ECX_TM2 |
			  CPUID_1_ECX_PDCM | CPUID_1_ECX_OSXSAVE, ALL);
	/* XSAVE and AVX stay where the mask has them. */
	ck_assert(r.c & CPUID_1_ECX_XSAVE);
	ck_assert(r.c & CPUID_1_ECX_AVX);
}
END_TEST

START_TEST(leaf1_apic_id_osxsave)
{
	struct cpuid_facts f = facts;
	struct cpuid_regs r = filter(1, 0, &f);

	ck_assert_uint_eq(r.b >> 24, 3);
	ck_assert_uint_eq(r.b & 0x00ffffff, 0x00ffffff);	/* the rest the host's */
	ck_assert(!(r.c & CPUID_1_ECX_OSXSAVE));		/* host had it: not the guest */
	r = filter_cr4(1, 0, &f, true);
	ck_assert(r.c & CPUID_1_ECX_OSXSAVE);
	ck_assert(!(filter_cr4(7, 0, &f, true).c & CPUID_7_ECX_OSPKE));
	f.vcpu_id = 0;
	ck_assert_uint_eq(filter(1, 0, &f).b >> 24, 0);
}
END_TEST

START_TEST(x2apic_id)
{
	ck_assert_uint_eq(filter(0xb, 0, &facts).d, 3);
	ck_assert_uint_eq(filter(0xb, 1, &facts).d, 3);
	ck_assert_uint_eq(filter(0x1f, 0, &facts).d, 3);
	ck_assert_uint_eq(filter(0xb, 0, &facts).a, ALL);	/* topology: the host's */
}
END_TEST

START_TEST(avx_needs_xcr0)
{
	struct cpuid_facts f = facts;
	struct cpuid_regs r;

	f.xsave_mask = XFEATURE_X87 | XFEATURE_SSE;
	r = filter(1, 0, &f);
	ck_assert(!(r.c & (CPUID_1_ECX_AVX | CPUID_1_ECX_FMA | CPUID_1_ECX_F16C)));
	ck_assert(r.c & CPUID_1_ECX_XSAVE);
	ck_assert(!(filter(7, 0, &f).b & CPUID_7_EBX_AVX2));
	f.xsave_mask = 0;			/* no XSAVE at all */
	ck_assert(!(filter(1, 0, &f).c & CPUID_1_ECX_XSAVE));
	/* AVX-512 and PKU: never with tern's mask today. */
	r = filter(7, 0, &facts);
	ck_assert(r.b & CPUID_7_EBX_AVX2);
	ck_assert(!(r.b & (CPUID_7_EBX_AVX512F | CPUID_7_EBX_AVX512VL | CPUID_7_EBX_AVX512BW)));
	ck_assert(!(r.c & (CPUID_7_ECX_PKU | CPUID_7_ECX_OSPKE)));
	ck_assert_uint_eq(filter(7, 1, &f).b, ALL);	/* other subleaves untouched */
}
END_TEST

START_TEST(xsave_leaf)
{
	struct cpuid_regs r = filter(0xd, 0, &facts);

	ck_assert_uint_eq(r.a, XMASK);
	ck_assert_uint_eq(r.d, 0);
	ck_assert_uint_eq(r.b, ALL);			/* sizes: the host's */
	r = filter(0xd, 1, &facts);
	ck_assert(!(r.a & CPUID_D_1_EAX_XSAVES));
	ck_assert_uint_eq(r.c | r.d, 0);
	ck_assert_uint_eq(filter(0xd, 2, &facts).a, ALL);	/* AVX: offered */
	r = filter(0xd, 5, &facts);			/* AVX-512 opmask: not */
	ck_assert_uint_eq(r.a | r.b | r.c | r.d, 0);
	r = filter(0xd, 64, &facts);
	ck_assert_uint_eq(r.a | r.b | r.c | r.d, 0);
}
END_TEST

START_TEST(controls)
{
	struct cpuid_facts f = facts;

	ck_assert(filter(0x80000001, 0, &f).d & CPUID_80000001_EDX_RDTSCP);
	ck_assert(filter(7, 0, &f).b & CPUID_7_EBX_INVPCID);
	f.rdtscp = f.invpcid = false;
	ck_assert(!(filter(0x80000001, 0, &f).d & CPUID_80000001_EDX_RDTSCP));
	ck_assert(!(filter(7, 0, &f).b & CPUID_7_EBX_INVPCID));
}
END_TEST

START_TEST(zeroed_and_untouched)
{
	struct cpuid_regs r = filter(0xa, 0, &facts);

	ck_assert_uint_eq(r.a | r.b | r.c | r.d, 0);	/* perfmon */
	r = filter(6, 0, &facts);
	ck_assert_uint_eq(r.a | r.b | r.c | r.d, 0);	/* thermal and power */
	r = filter(0, 0, &facts);
	ck_assert_uint_eq(r.a & r.b & r.c & r.d, ALL);	/* vendor: the host's */
}
END_TEST

START_TEST(tern_leaves)
{
	struct cpuid_regs r = filter(CPUID_HV_BASE, 0, &facts);
	char sig[13] = { 0 };

	ck_assert_uint_eq(r.a, CPUID_HV_BASE + 1);
	memcpy(sig, &r.b, 4);
	memcpy(sig + 4, &r.c, 4);
	memcpy(sig + 8, &r.d, 4);
	ck_assert_str_eq(sig, "TernTernTern");
	r = filter(CPUID_HV_BASE + 1, 0, &facts);
	ck_assert_uint_eq(r.a | r.b | r.c | r.d, 0);
	r = filter(CPUID_HV_LAST, 0, &facts);
	ck_assert_uint_eq(r.a | r.b | r.c | r.d, 0);
	ck_assert(!cpuid_leaf_is_tern(CPUID_HV_LAST + 1));
	/* Nothing in tern's second block without paravirt = kvm. */
	r = filter(CPUID_HV_BASE + CPUID_HV_BLOCK, 0, &facts);
	ck_assert_uint_eq(r.a | r.b | r.c | r.d, 0);
}
END_TEST

/* paravirt = kvm: KVM's signature, no feature or hint bit; tern's block
 * moved to 0x40000100. */
/* IA32_ARCH_CAPABILITIES: its CPUID bit only where tern shows the MSR. */
START_TEST(arch_capabilities)
{
	struct cpuid_facts caps = facts;

	ck_assert(!(filter(7, 0, &facts).d & CPUID_7_EDX_ARCH_CAPABILITIES));
	caps.arch_caps = ARCH_CAP_RDCL_NO;
	ck_assert(filter(7, 0, &caps).d & CPUID_7_EDX_ARCH_CAPABILITIES);
	ck_assert(!(ARCH_CAP_GUEST & ~(ARCH_CAP_RDCL_NO | ARCH_CAP_SSB_NO | ARCH_CAP_MDS_NO |
				       ARCH_CAP_TAA_NO)));
}
END_TEST

START_TEST(paravirt_kvm)
{
	struct cpuid_facts kvm = facts;
	struct cpuid_regs r;
	char sig[13] = { 0 };

	kvm.paravirt_kvm = true;
	r = filter(CPUID_HV_BASE, 0, &kvm);
	ck_assert_uint_eq(r.a, 0x40000001);
	memcpy(sig, &r.b, 4);
	memcpy(sig + 4, &r.c, 4);
	memcpy(sig + 8, &r.d, 4);
	ck_assert_mem_eq(sig, "KVMKVMKVM\0\0\0", 12);
	r = filter(0x40000001, 0, &kvm);	/* KVM_CPUID_FEATURES */
	ck_assert_uint_eq(r.a | r.b | r.c | r.d, 0);
	r = filter(0x40000100, 0, &kvm);
	ck_assert_uint_eq(r.a, 0x40000101);
	memset(sig, 0, sizeof(sig));
	memcpy(sig, &r.b, 4);
	memcpy(sig + 4, &r.c, 4);
	memcpy(sig + 8, &r.d, 4);
	ck_assert_str_eq(sig, "TernTernTern");
	r = filter(0x40000101, 0, &kvm);
	ck_assert_uint_eq(r.a | r.b | r.c | r.d, 0);
	/* The rest of the CPU is the same as without. */
	ck_assert_uint_eq(filter(1, 0, &kvm).c, filter(1, 0, &facts).c);
}
END_TEST

Suite *cpuid_suite(void)
{
	Suite *s = suite_create("cpuid");
	TCase *tc = tcase_create("filter");

	tcase_add_test(tc, leaf1_hidden);
	tcase_add_test(tc, leaf1_apic_follows_enable);
	tcase_add_test(tc, leaf1_apic_id_osxsave);
	tcase_add_test(tc, x2apic_id);
	tcase_add_test(tc, avx_needs_xcr0);
	tcase_add_test(tc, xsave_leaf);
	tcase_add_test(tc, controls);
	tcase_add_test(tc, zeroed_and_untouched);
	tcase_add_test(tc, tern_leaves);
	tcase_add_test(tc, paravirt_kvm);
	tcase_add_test(tc, arch_capabilities);
	suite_add_tcase(s, tc);
	return s;
}
