// SPDX-License-Identifier: GPL-2.0
/*
 * MOV to and from control registers (SDM 3C 28.2.1, table 28-3 for the
 * qualification). CR0 and CR4 writes exit when they touch a bit tern owns
 * (the guest/host masks: CR0.NE and CR4.VMXE, which VMX forces on and the
 * read shadows show as the guest wrote them); CR3 accesses exit only on a
 * CPU whose controls cannot turn CR3 exiting off. A write the CPU would
 * refuse gets #GP (vmx/arch_rules.h), never the VMCS. CR8 always exits:
 * it is the virtual APIC's task priority. Anything else (CLTS, LMSW)
 * stops the VM rather than guess.
 */
#include "core/vm/vm.h"
#include "vmx/arch_rules.h"
#include "vmx/exit.h"
#include "vmx/guest_state.h"
#include "vmx/vmx_msr.h"

/* The guest's view: tern's bits as the read shadows hold them. */
void vmx_cr_context(struct vcpu *v, struct cr_ctx *c)
{
	c->cr0 = (vmread(VMCS_GUEST_CR0) & ~(u64)CR0_NE) | (vmread(VMCS_CR0_SHADOW) & CR0_NE);
	c->cr4 = (vmread(VMCS_GUEST_CR4) & ~(u64)CR4_VMXE) | (vmread(VMCS_CR4_SHADOW) & CR4_VMXE);
	c->cr3 = vmread(VMCS_GUEST_CR3);
	c->efer = vmread(VMCS_GUEST_IA32_EFER);
	c->long_mode = c->efer & EFER_LMA;
	c->cs_long = c->long_mode && (vmread(VMCS_GUEST_ES_AR + 2 * SEG_CS) & AR_L);
	c->cr4_allowed = v->cr4_allowed;
	c->maxphyaddr = v->maxphyaddr;
}

/*
 * Paging turned on with EFER.LME enters IA-32e mode, off leaves it: the
 * CPU sets EFER.LMA, and the VMCS must say so at the next entry (SDM 3C
 * 26.3.1.1: "IA-32e mode guest" equals EFER.LMA).
 */
static void update_lma(const struct cr_ctx *c, u64 cr0)
{
	u64 efer = c->efer, entry = vmread(VMCS_ENTRY_CONTROLS);

	if ((cr0 & CR0_PG) && (efer & EFER_LME))
		efer |= EFER_LMA;
	else if (!(cr0 & CR0_PG))
		efer &= ~EFER_LMA;
	if (efer == c->efer)
		return;
	vmwrite(VMCS_GUEST_IA32_EFER, efer);
	vmwrite(VMCS_ENTRY_CONTROLS, efer & EFER_LMA ? entry | ENTRY_IA32E_MODE_GUEST :
			       entry & ~(u64)ENTRY_IA32E_MODE_GUEST);
}

static bool mov_to_cr(struct vcpu *v, u32 cr, u64 val)
{
	struct cr_ctx c;
	u64 eff;

	vmx_cr_context(v, &c);
	switch (cr) {
	case 0:
		if (!cr0_write_ok(&c, val, &eff))
			return false;
		update_lma(&c, eff);
		vmwrite(VMCS_CR0_SHADOW, eff);
		vmwrite(VMCS_GUEST_CR0, eff | CR0_NE);
		/* VM entry does not load CD and NW (SDM 3C 26.3.2.1), nor VM
		 * exit (27.5.1): they are the core's, and the core is this
		 * vCPU's alone. vcpu_run clears them when the vCPU stops. */
		if ((eff ^ read_cr0()) & (CR0_CD | CR0_NW))
			write_cr0((read_cr0() & ~(u64)(CR0_CD | CR0_NW)) | (eff & (CR0_CD | CR0_NW)));
		return true;
	case 3:
		if (!cr3_write_ok(&c, val))
			return false;
		{
			bool keep = (c.cr4 & CR4_PCIDE) && (val & BIT(63));

			if (c.cr4 & CR4_PCIDE)
				val &= ~BIT(63);	/* the no-flush hint is not an address bit */
			vmwrite(VMCS_GUEST_CR3, val);
			/* The CPU would have flushed the address space's
			 * translations (SDM 3A 4.10.4.1); a VM entry does not:
			 * the whole VPID, more than asked, never less. */
			if (!keep)
				vcpu_flush_vpid(v);
			eli_cr3_loaded(v, val);
		}
		return true;
	case 4:
		if (!cr4_write_ok(&c, val))
			return false;
		vmwrite(VMCS_CR4_SHADOW, val);
		vmwrite(VMCS_GUEST_CR4, val | CR4_VMXE);
		return true;
	}
	return false;
}

int vmx_exit_cr(struct vcpu *v, u64 q)
{
	u32 cr = CR_QUAL_CR(q), type = CR_QUAL_TYPE(q), reg = CR_QUAL_REG(q);

	if (type == CR_ACCESS_MOV_TO && cr == 8) {
		/* CR8[3:0] is TPR[7:4] (SDM 3A 10.8.6.1); the rest reserved. */
		u64 val = gpr_get(v, reg);

		if (val & ~0xfULL) {
			inject_gp(v);
			return EXIT_RESUME;
		}
		vlapic_write(&v->lapic, VLAPIC_REG_TPR, val << 4, guest_tsc(v));
	} else if (type == CR_ACCESS_MOV_FROM && cr == 8) {
		gpr_set(v, reg, v->lapic.tpr >> 4);
	} else if (type == CR_ACCESS_MOV_TO && (cr == 0 || cr == 3 || cr == 4)) {
		if (!mov_to_cr(v, cr, gpr_get(v, reg))) {
			inject_gp(v);
			return EXIT_RESUME;
		}
	} else if (type == CR_ACCESS_MOV_FROM && cr == 3) {
		gpr_set(v, reg, vmread(VMCS_GUEST_CR3));
	} else {
		vm_note_stop(v->vm, "CR access (qualification %#llx) is not emulated",
			     (unsigned long long)q);
		return EXIT_STOP;
	}
	skip_instruction();
	return EXIT_RESUME;
}
