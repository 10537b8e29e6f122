/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every exit handler does to the guest's instruction: finish it,
 * fault it, or read and write the general register it names. One copy,
 * inline, so each handler (vmx/exit.c, cpuid, msr.c, cr.c, emul/mmio.c)
 * pays no call for it on the hot exit path.
 */
#ifndef TERN_VMX_GUEST_STATE_H
#define TERN_VMX_GUEST_STATE_H

#include "core/cpu.h"
#include "vmx/vcpu.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_ops.h"

/*
 * Finish an instruction tern emulated. Like the CPU completing it, this
 * ends blocking by STI or MOV SS (SDM 3C 25.4.2): after "sti; hlt" an
 * interrupt must be taken right after the HLT, not one instruction later.
 * And under single-stepping (RFLAGS.TF) the instruction ends with its #DB
 * trap: a pending single-step (BS) the CPU delivers at entry (SDM 3C
 * 25.4.2, 28.3.1.4, as when the CPU itself traps after the instruction).
 */
static inline void complete_instruction(u64 next_rip)
{
	u64 intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);

	vmwrite(VMCS_GUEST_RIP, next_rip);
	if (intr & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS))
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY,
			intr & ~(u64)(INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
	if (unlikely(vmread(VMCS_GUEST_RFLAGS) & RFLAGS_TF))
		vmwrite(VMCS_GUEST_PENDING_DBG,
			vmread(VMCS_GUEST_PENDING_DBG) | PENDING_DBG_BS);
}

/* Finish the exiting instruction: RIP past it (its length from the exit). */
static inline void skip_instruction(void)
{
	complete_instruction(vmread(VMCS_GUEST_RIP) + vmread(VMCS_EXIT_INSTR_LEN));
}

/* #GP(0) on the next entry; RIP stays on the faulting instruction. */
static inline void inject_gp(struct vcpu *v)
{
	vmwrite(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXC |
		INTR_INFO_DELIVER_CODE | X86_VEC_GP);
	vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, 0);
	v->stats.gp_injected++;
}

/* #UD (no error code) on the next entry, as for an unknown instruction. */
static inline void inject_ud(struct vcpu *v)
{
	vmwrite(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXC | X86_VEC_UD);
	v->stats.ud_injected++;
}

/*
 * General registers by instruction-encoding number (SDM 2A 2.1.5, table
 * 2-2); RSP (4) lives in the VMCS. struct guest_regs keeps encoding order
 * without RSP (vmx/guest_regs.h checks the offsets), so this is arithmetic,
 * not a table built on every call.
 */
static inline u64 *gpr_slot(struct vcpu *v, u32 n)
{
	n &= 15;
	if (n == 4)
		return NULL;
	return &v->regs.rax + (n < 4 ? n : n - 1);
}

static inline u64 gpr_get(struct vcpu *v, u32 n)
{
	u64 *r = gpr_slot(v, n);

	return r ? *r : vmread(VMCS_GUEST_RSP);
}

static inline void gpr_set(struct vcpu *v, u32 n, u64 val)
{
	u64 *r = gpr_slot(v, n);

	if (r)
		*r = val;
	else
		vmwrite(VMCS_GUEST_RSP, val);
}

#endif
