// SPDX-License-Identifier: GPL-2.0
/*
 * MOV to and from control registers (SDM 3C 28.2.1, table 28-3 for the
 * qualification). CR0 and CR4 writes exit when they touch a bit tern owns
 * (the guest/host masks: CR0.NE and CR4.VMXE, which VMX forces on and the
 * read shadows show as the guest wrote them); CR3 accesses exit only on a
 * CPU whose controls cannot turn CR3 exiting off. Anything else (CR8,
 * CLTS, LMSW) stops the VM rather than guess.
 */
#include "core/vm/vm.h"
#include "vmx/exit.h"
#include "vmx/guest_state.h"

int vmx_exit_cr(struct vcpu *v, u64 q)
{
	u32 cr = CR_QUAL_CR(q), type = CR_QUAL_TYPE(q), reg = CR_QUAL_REG(q);
	u64 val;

	if (type == CR_ACCESS_MOV_TO) {
		val = gpr_get(v, reg);
		switch (cr) {
		case 0:
			vmwrite(VMCS_CR0_SHADOW, val);
			vmwrite(VMCS_GUEST_CR0, val | CR0_NE);
			break;
		case 3:
			vmwrite(VMCS_GUEST_CR3, val);
			break;
		case 4:
			vmwrite(VMCS_CR4_SHADOW, val);
			vmwrite(VMCS_GUEST_CR4, val | CR4_VMXE);
			break;
		default:
			goto unsupported;
		}
	} else if (type == CR_ACCESS_MOV_FROM) {
		if (cr == 3)
			gpr_set(v, reg, vmread(VMCS_GUEST_CR3));
		else
			goto unsupported;
	} else {
		goto unsupported;
	}
	skip_instruction();
	return EXIT_RESUME;
unsupported:
	vm_note_stop(v->vm, "CR access (qualification %#llx) is not emulated",
		     (unsigned long long)q);
	return EXIT_STOP;
}

