/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's general registers as vmx/entry.S saves and loads them. RSP
 * and RIP are not here: the VMCS holds them. The offsets are named once,
 * for the assembly, and checked against the C structure at compile time,
 * so the two cannot drift apart silently.
 */
#ifndef TERN_VMX_GUEST_REGS_H
#define TERN_VMX_GUEST_REGS_H

#define GUEST_REGS_RAX	0
#define GUEST_REGS_RCX	8
#define GUEST_REGS_RDX	16
#define GUEST_REGS_RBX	24
#define GUEST_REGS_RBP	32
#define GUEST_REGS_RSI	40
#define GUEST_REGS_RDI	48
#define GUEST_REGS_R8	56
#define GUEST_REGS_R9	64
#define GUEST_REGS_R10	72
#define GUEST_REGS_R11	80
#define GUEST_REGS_R12	88
#define GUEST_REGS_R13	96
#define GUEST_REGS_R14	104
#define GUEST_REGS_R15	112
#define GUEST_REGS_SIZE	120

#ifndef __ASSEMBLER__
#include <stddef.h>

#include "core/types.h"

/* Encoding order (RAX, RCX, RDX, RBX, [RSP], RBP, RSI, RDI, R8-R15): gpr_slot()
 * in vmx/guest_state.h indexes it so. */
struct guest_regs {
	u64 rax, rcx, rdx, rbx, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

#define GUEST_REGS_CHECK(field, off)					\
	_Static_assert(offsetof(struct guest_regs, field) == (off),	\
		       "vmx/entry.S: struct guest_regs." #field " moved")
GUEST_REGS_CHECK(rax, GUEST_REGS_RAX);
GUEST_REGS_CHECK(rcx, GUEST_REGS_RCX);
GUEST_REGS_CHECK(rdx, GUEST_REGS_RDX);
GUEST_REGS_CHECK(rbx, GUEST_REGS_RBX);
GUEST_REGS_CHECK(rbp, GUEST_REGS_RBP);
GUEST_REGS_CHECK(rsi, GUEST_REGS_RSI);
GUEST_REGS_CHECK(rdi, GUEST_REGS_RDI);
GUEST_REGS_CHECK(r8, GUEST_REGS_R8);
GUEST_REGS_CHECK(r9, GUEST_REGS_R9);
GUEST_REGS_CHECK(r10, GUEST_REGS_R10);
GUEST_REGS_CHECK(r11, GUEST_REGS_R11);
GUEST_REGS_CHECK(r12, GUEST_REGS_R12);
GUEST_REGS_CHECK(r13, GUEST_REGS_R13);
GUEST_REGS_CHECK(r14, GUEST_REGS_R14);
GUEST_REGS_CHECK(r15, GUEST_REGS_R15);
_Static_assert(sizeof(struct guest_regs) == GUEST_REGS_SIZE,
	       "vmx/entry.S: struct guest_regs changed size");
#undef GUEST_REGS_CHECK
#endif

#endif
