/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MMIO emulation (vmx/emul/mmio.c): the EPT-violation exit for guest
 * accesses to what is not RAM, decoded and performed in tern.
 */
#ifndef TERN_VMX_EMUL_MMIO_H
#define TERN_VMX_EMUL_MMIO_H

#include "core/types.h"
#include "vmx/emul/insn.h"

struct vcpu;

/* Up to 15 instruction bytes at CS:RIP through the guest's paging (after
 * vcpu_save_state); fewer where the walk or a read fails. *mode: CS's. */
u32 emul_fetch_insn(struct vcpu *v, u8 *buf, enum insn_mode *mode);

/* The EPT-violation exit; qual: its exit qualification (SDM 3C 28.2.1). */
int vmx_exit_ept_violation(struct vcpu *v, u64 qual);

/*
 * INS/OUTS, with or without REP, on any port: each element through the
 * device bus as IN/OUT would go, guest memory through the guest's paging.
 * qual: the I/O exit's qualification (SDM 3C 28.2.1, table 28-5).
 */
int vmx_emulate_string_io(struct vcpu *v, u64 qual);

#endif
