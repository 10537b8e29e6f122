/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's extended state (SDM 1 ch. 13). tern itself never touches
 * x87/SSE/AVX registers (-mgeneral-regs-only), and a core runs one vCPU,
 * so the guest's state simply stays in the registers across exits; what
 * tern manages is XCR0 (the guest's XSETBV exits, checked against what
 * the CPU supports) and a clean slate: a vCPU starts, and leaves its core,
 * with every state component in its initial configuration, so nothing
 * passes between VMs through the vector registers.
 */
#ifndef TERN_VMX_XSAVE_H
#define TERN_VMX_XSAVE_H

#include "core/types.h"

/* XCR0 state components (SDM 1 13.1) */
#define XFEATURE_X87		BIT(0)
#define XFEATURE_SSE		BIT(1)
#define XFEATURE_AVX		BIT(2)
#define XFEATURE_BNDREGS	BIT(3)
#define XFEATURE_BNDCSR		BIT(4)
#define XFEATURE_AVX512		(BIT(5) | BIT(6) | BIT(7))	/* opmask, ZMM_Hi256, Hi16_ZMM */
#define XFEATURE_PKRU		BIT(9)
/*
 * What tern lets guests enable: user state it need not manage itself.
 * AVX-512, MPX and PKRU stay off for now: with them, Linux finds the
 * layout Bochs reports inconsistent ("misordered xstate", size mismatch);
 * the CPUID features that need them are hidden with them.
 */
#define XFEATURE_GUEST		(XFEATURE_X87 | XFEATURE_SSE | XFEATURE_AVX)

/*
 * Whether XSETBV(0, val) is valid for a CPU supporting `supported`
 * (SDM 2B XSETBV: x87 always on; AVX needs SSE; AVX-512's three together
 * and with AVX; MPX's two together). false: the guest gets #GP.
 */
bool xcr0_valid(u64 val, u64 supported);

#ifndef TERN_HOST_TEST
/* XCR0 bits guests may use on this CPU; 0 when it has no XSAVE. */
u64 xsave_guest_mask(void);
/* On the vCPU's core: XCR0 = x87, every component in its init state. */
void xsave_reset(void);
void xsetbv(u32 index, u64 val);
#endif

#endif
