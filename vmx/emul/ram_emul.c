// SPDX-License-Identifier: GPL-2.0
/*
 * An instruction the GPA map's emulator performs on guest RAM (mm/gpa.h,
 * GPA_FAULT_EMULATE): the bytes at RIP and the registers go to it, and
 * what it did comes back as the CPU would have left it. The emulator
 * itself (page_emul.c through the swapper's Preventer) never sees the
 * VMCS; this is the only place that does.
 */
#include "core/vm/vm.h"
#include "vmx/emul/guest_walk.h"
#include "vmx/emul/mmio.h"
#include "vmx/emul/page_emul.h"
#include "vmx/emul/ram_emul.h"
#include "vmx/exit.h"
#include "vmx/guest_state.h"

int vmx_emulate_ram(struct vcpu *v, u64 gpa, u32 access)
{
	struct vm *vm = v->vm;
	struct pemul_regs r;
	enum insn_mode mode;
	struct gpa_insn in;
	u8 bytes[15];
	u32 n;

	/* vcpu_save_state() ran: v->rip and the control registers are now. */
	n = emul_fetch_insn(v, bytes, &mode);
	for (u32 i = 0; i < 16; i++)
		r.gpr[i] = gpr_get(v, i);
	r.rip = v->rip;
	r.rflags = vmread(VMCS_GUEST_RFLAGS);
	for (u32 i = 0; i < 6; i++)
		r.seg_base[i] = vmread(VMCS_GUEST_ES_BASE + 2 * i);
	in = (struct gpa_insn){
		.mode = (u8)mode,
		.paging = (u8)guest_paging_mode(v->cr0, v->cr4, v->efer),
		.pse = !!(v->cr4 & CR4_PSE),
		.len = n,
		.bytes = bytes,
		.cr3 = v->cr3,
		.regs = &r,
	};
	switch (gpa_emulate(&vm->mem, gpa, access, v->id, &in)) {
	case GPA_FAULT_RETRY:
		break;
	case GPA_FAULT_WAIT:
		/* The page's old content is on its way: the core sleeps until
		 * gpa_wake(), and the instruction runs again natively. */
		v->state = VCPU_PARKED;
		break;
	default:
		vm_note_stop(vm, "emulating the write at RIP %#llx into guest page %#llx failed",
			     (unsigned long long)v->rip, (unsigned long long)gpa);
		return EXIT_STOP;
	}
	/* Whatever it did (a REP may have advanced and stopped, waiting):
	 * the registers as it left them. RSP is never an operand it moves. */
	for (u32 i = 0; i < 16; i++)
		if (i != 4 && r.gpr[i] != gpr_get(v, i))
			gpr_set(v, i, r.gpr[i]);
	if (r.rip != v->rip)
		complete_instruction(r.rip);
	v->stats.ram_emulated++;
	return EXIT_RESUME;
}
