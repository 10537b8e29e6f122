/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's CPUID: the host's values filtered by what tern virtualizes.
 * A feature is hidden when tern does not emulate what it implies (VMX, the
 * MSRs of MCA, MTRRs, thermal and performance monitoring) or the guest
 * could not enable it (XSAVE state beyond XFEATURE_GUEST), so CPUID and
 * the MSRs agree and a guest never finds a feature that then #GPs.
 */
#ifndef TERN_VMX_CPUID_H
#define TERN_VMX_CPUID_H

#include "core/types.h"
#include "vmx/xsave.h"

/*
 * Hypervisor leaves (0x40000000: max leaf and signature). Guests look for
 * a signature they know in blocks of 0x100 leaves from 0x40000000 (Linux's
 * hypervisor_cpuid_base()). With paravirt = none tern's own is the first
 * block. With paravirt = kvm the first block names KVM with no feature bits
 * in 0x40000001 (no kvmclock, PV EOI, steal time or hints: nothing
 * paravirtual is offered), because Linux uses x2APIC without interrupt
 * remapping only under a hypervisor it knows (try_to_enable_x2apic(),
 * x86_init.hyper.x2apic_available: for KVM, the signature alone), and ELI
 * needs x2APIC; tern's own block moves to 0x40000100.
 */
#define CPUID_HV_BASE		0x40000000
#define CPUID_HV_BLOCK		0x100
#define CPUID_HV_LAST		(CPUID_HV_BASE + 2 * CPUID_HV_BLOCK - 1)
#define CPUID_HV_SIGNATURE	"TernTernTern"
#define CPUID_KVM_SIGNATURE	"KVMKVMKVM\0\0\0"

/* Leaf 1 EBX (SDM 2A, CPUID, table 3-8) */
#define CPUID_1_EBX_APIC_ID_SHIFT	24	/* initial APIC ID: bits 31:24 */

/* Leaf 1 ECX (SDM 2A, CPUID, table 3-10) */
#define CPUID_1_ECX_DTES64	BIT(2)	/* 64-bit debug store */
#define CPUID_1_ECX_MONITOR	BIT(3)	/* MONITOR/MWAIT */
#define CPUID_1_ECX_DS_CPL	BIT(4)	/* CPL-qualified debug store */
#define CPUID_1_ECX_VMX		BIT(5)
#define CPUID_1_ECX_SMX		BIT(6)
#define CPUID_1_ECX_TM2		BIT(8)	/* thermal monitor 2 */
#define CPUID_1_ECX_FMA		BIT(12)
#define CPUID_1_ECX_PDCM	BIT(15)	/* IA32_PERF_CAPABILITIES */
#define CPUID_1_ECX_XSAVE	BIT(26)
#define CPUID_1_ECX_OSXSAVE	BIT(27)	/* mirrors CR4.OSXSAVE */
#define CPUID_1_ECX_AVX		BIT(28)
#define CPUID_1_ECX_F16C	BIT(29)
/* Bit 31 is unused by Intel and reserved for hypervisors to say they run. */
#define CPUID_1_ECX_HYPERVISOR	BIT(31)

/* Leaf 1 EDX (SDM 2A, CPUID, table 3-11) */
#define CPUID_1_EDX_MCE		BIT(7)
#define CPUID_1_EDX_APIC	BIT(9)	/* follows IA32_APIC_BASE.EN (SDM 3A 11.4.3) */
#define CPUID_1_EDX_MTRR	BIT(12)
#define CPUID_1_EDX_MCA		BIT(14)
#define CPUID_1_EDX_DS		BIT(21)	/* debug store */
#define CPUID_1_EDX_ACPI	BIT(22)	/* thermal monitor, clock control MSRs */
#define CPUID_1_EDX_TM		BIT(29)	/* thermal monitor */

/* Leaf 7 subleaf 0 EBX and ECX (SDM 2A, CPUID, table 3-8) */
#define CPUID_7_EBX_TSC_ADJUST	BIT(1)
#define CPUID_7_EBX_AVX2	BIT(5)
#define CPUID_7_EBX_INVPCID	BIT(10)
#define CPUID_7_EBX_AVX512F	BIT(16)
#define CPUID_7_EBX_AVX512DQ	BIT(17)
#define CPUID_7_EBX_AVX512_IFMA	BIT(21)
#define CPUID_7_EBX_AVX512PF	BIT(26)
#define CPUID_7_EBX_AVX512ER	BIT(27)
#define CPUID_7_EBX_AVX512CD	BIT(28)
#define CPUID_7_EBX_AVX512BW	BIT(30)
#define CPUID_7_EBX_AVX512VL	BIT(31)
#define CPUID_7_EDX_ARCH_CAPABILITIES	BIT(29)	/* IA32_ARCH_CAPABILITIES */
#define CPUID_7_ECX_PKU		BIT(3)
#define CPUID_7_ECX_OSPKE	BIT(4)

/*
 * IA32_ARCH_CAPABILITIES bits a guest is shown (SDM 4, table 2-2): only
 * those that say the CPU is not affected by something, true of the guest
 * when true of its host. RDCL_NO matters most: without it Linux assumes
 * Meltdown and turns on page-table isolation, whose user page tables do
 * not map ELI's shadow IDT (vmx/eli/eli.h).
 */
#define ARCH_CAP_RDCL_NO	BIT(0)	/* not affected by Meltdown */
#define ARCH_CAP_SSB_NO		BIT(4)	/* nor speculative store bypass */
#define ARCH_CAP_MDS_NO		BIT(5)	/* nor MDS */
#define ARCH_CAP_TAA_NO		BIT(8)	/* nor TSX async abort */
#define ARCH_CAP_GUEST		(ARCH_CAP_RDCL_NO | ARCH_CAP_SSB_NO | ARCH_CAP_MDS_NO | \
				 ARCH_CAP_TAA_NO)

/* Leaf 0xD subleaf 1 EAX (SDM 2A, CPUID, table 3-8; SDM 1 13.2) */
#define CPUID_D_1_EAX_XSAVES	BIT(3)

/* Leaf 0x80000001 EDX (SDM 2A, CPUID, table 3-8) */
#define CPUID_80000001_EDX_RDTSCP	BIT(27)

struct cpuid_regs {
	u32 a, b, c, d;
};

/* What the filter needs to know about the vCPU asking: fixed while it
 * runs, so gathered once when it starts (vmx/vcpu.c), not on every exit. */
struct cpuid_facts {
	u32 vcpu_id;		/* its APIC ID */
	u64 xsave_mask;		/* XCR0 bits it may set; 0: no XSAVE */
	bool rdtscp;		/* the "enable RDTSCP" control is on */
	bool invpcid;		/* the "enable INVPCID" control is on */
	bool paravirt_kvm;	/* paravirt = kvm (core/vm/config.h) */
	/* IA32_ARCH_CAPABILITIES as the guest reads it: the host's, masked
	 * by ARCH_CAP_GUEST; 0: the MSR and its CPUID bit are hidden. */
	u64 arch_caps;
};

static inline bool cpuid_leaf_is_tern(u32 leaf)
{
	return leaf >= CPUID_HV_BASE && leaf <= CPUID_HV_LAST;
}

/* The hypervisor leaves (vmx/cpuid.c): max leaf and signature, tern's or
 * KVM's (paravirt_kvm). By value, so the caller's registers need not go
 * through memory. */
struct cpuid_regs cpuid_tern_leaf(u32 leaf, bool paravirt_kvm);

/* Hidden in leaf 1: VMX and SMX (not virtualized), MONITOR (no MWAIT
 * exits), DS/TM/PDCM (their MSRs), MCE/MCA and MTRR (their MSRs #GP). */
#define CPUID_1_ECX_HIDDEN	(CPUID_1_ECX_DTES64 | CPUID_1_ECX_MONITOR | CPUID_1_ECX_DS_CPL | \
			  CPUID_1_ECX_VMX | CPUID_1_ECX_SMX | CPUID_1_ECX_TM2 | \
			  CPUID_1_ECX_PDCM | CPUID_1_ECX_OSXSAVE)
#define CPUID_1_EDX_HIDDEN	(CPUID_1_EDX_MCE | CPUID_1_EDX_MTRR | CPUID_1_EDX_MCA | \
			  CPUID_1_EDX_DS | CPUID_1_EDX_ACPI | CPUID_1_EDX_TM)
/* Features whose registers are AVX state (YMM). */
#define CPUID_1_ECX_AVX_STATE	(CPUID_1_ECX_AVX | CPUID_1_ECX_FMA | CPUID_1_ECX_F16C)
#define CPUID_7_EBX_AVX512_ALL	(CPUID_7_EBX_AVX512F | CPUID_7_EBX_AVX512DQ | \
			  CPUID_7_EBX_AVX512_IFMA | CPUID_7_EBX_AVX512PF | \
			  CPUID_7_EBX_AVX512ER | CPUID_7_EBX_AVX512CD | \
			  CPUID_7_EBX_AVX512BW | CPUID_7_EBX_AVX512VL)

/*
 * The vCPU's state leaf 1 mirrors (gathered for leaf 1 only).
 */
#define CPUID_STATE_OSXSAVE	BIT(0)	/* the guest's CR4.OSXSAVE */
#define CPUID_STATE_APIC_ON	BIT(1)	/* its local APIC is enabled */

/*
 * r holds the host's values for (leaf, sub) on entry (ignored for tern's
 * own leaves) and the guest's on return; state: CPUID_STATE_* bits.
 * Pure: no CPUID, no VMREAD. Inline: it runs on every CPUID exit.
 */
static inline void cpuid_filter(u32 leaf, u32 sub, const struct cpuid_facts *f,
				u32 state, struct cpuid_regs *r)
{
	u64 xmask = f->xsave_mask;

	if (cpuid_leaf_is_tern(leaf)) {
		*r = cpuid_tern_leaf(leaf, f->paravirt_kvm);
		return;
	}
	switch (leaf) {
	case 1:
		/* XSAVE and AVX where the CPU lacks them; OSXSAVE mirrors the
		 * guest's CR4. Shown: running under a hypervisor. */
		r->c &= ~CPUID_1_ECX_HIDDEN;
		if (!xmask)
			r->c &= ~CPUID_1_ECX_XSAVE;
		if (!(xmask & XFEATURE_AVX))
			r->c &= ~CPUID_1_ECX_AVX_STATE;
		if (state & CPUID_STATE_OSXSAVE)
			r->c |= CPUID_1_ECX_OSXSAVE;
		if (!(state & CPUID_STATE_APIC_ON))
			r->d &= ~CPUID_1_EDX_APIC;
		r->c |= CPUID_1_ECX_HYPERVISOR;
		r->d &= ~CPUID_1_EDX_HIDDEN;
		r->b = (r->b & ((1U << CPUID_1_EBX_APIC_ID_SHIFT) - 1)) |
		       (f->vcpu_id << CPUID_1_EBX_APIC_ID_SHIFT);
		break;
	case 0xb:
	case 0x1f:	/* x2APIC ID: the virtual one */
		r->d = f->vcpu_id;
		break;
	case 6:		/* thermal and power (APERF/MPERF MSRs) */
	case 0xa:	/* architectural performance monitoring */
		r->a = r->b = r->c = r->d = 0;
		break;
	case 0xd:	/* XSAVE: the components tern lets guests use */
		if (sub == 0) {
			r->a &= (u32)xmask;
			r->d &= (u32)(xmask >> 32);
		} else if (sub == 1) {
			/* No XSAVES: IA32_XSS is not emulated. */
			r->a &= ~CPUID_D_1_EAX_XSAVES;
			r->c = r->d = 0;
		} else if (sub >= 64 || !(xmask & BIT(sub))) {
			r->a = r->b = r->c = r->d = 0;
		}
		break;
	case 7:
		if (sub != 0)
			break;
		/* AVX2, AVX-512 with their XCR0 bits */
		if (!(xmask & XFEATURE_AVX))
			r->b &= ~CPUID_7_EBX_AVX2;
		/* PKU and OSPKE: PKRU is XSAVE state. */
		if (!(xmask & XFEATURE_PKRU))
			r->c &= ~(CPUID_7_ECX_PKU | CPUID_7_ECX_OSPKE);
		if ((xmask & XFEATURE_AVX512) != XFEATURE_AVX512)
			r->b &= ~CPUID_7_EBX_AVX512_ALL;
		/* Without the control INVPCID is #UD in the guest. */
		if (!f->invpcid)
			r->b &= ~CPUID_7_EBX_INVPCID;
		if (!f->arch_caps)
			r->d &= ~CPUID_7_EDX_ARCH_CAPABILITIES;
		break;
	case 0x80000001:
		if (!f->rdtscp)
			r->d &= ~CPUID_80000001_EDX_RDTSCP;
		break;
	}
}

#endif
