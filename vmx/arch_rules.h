/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the CPU would refuse with #GP when a guest writes a control
 * register or an MSR that tern emulates (SDM 2A "MOV—Move to/from Control
 * Registers", 3A 2.5 and 4.1.1, 4 "WRMSR" and the MSR descriptions). An
 * exit handler that wrote such a value into the VMCS instead would make
 * the next VM entry fail: the guest must get the #GP a CPU gives.
 * Pure: the caller passes the state the rules depend on.
 */
#ifndef TERN_VMX_ARCH_RULES_H
#define TERN_VMX_ARCH_RULES_H

#include "core/types.h"

/* The guest state a control-register write is judged against. */
struct cr_ctx {
	u64 cr0, cr3, cr4, efer;	/* as the guest sees them */
	bool long_mode;			/* EFER.LMA */
	bool cs_long;			/* in 64-bit mode (CS.L) */
	u64 cr4_allowed;		/* CR4 bits this CPU and tern offer */
	u32 maxphyaddr;			/* CPUID 0x80000008 EAX[7:0] */
};

/*
 * MOV to CR0 of val: false for #GP. *eff: the value the CPU keeps
 * (reserved bits of 31:0 are ignored, ET reads 1).
 */
bool cr0_write_ok(const struct cr_ctx *c, u64 val, u64 *eff);
bool cr4_write_ok(const struct cr_ctx *c, u64 val);
/* MOV to CR3 (bit 63 with PCIDE on is "do not flush", not an address). */
bool cr3_write_ok(const struct cr_ctx *c, u64 val);
/* WRMSR IA32_EFER: allowed bits are those offered (SCE, LME, NXE where
 * the CPU has NX); LMA is the CPU's and keeps its value in *eff. */
bool efer_write_ok(const struct cr_ctx *c, u64 val, bool nx, u64 *eff);
/* WRMSR IA32_PAT: each entry a memory type that exists (SDM 3A 12.12.2). */
bool pat_write_ok(u64 val);

#endif
