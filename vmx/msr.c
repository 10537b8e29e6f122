// SPDX-License-Identifier: GPL-2.0
/*
 * MSR emulation and the clean-up when a vCPU stops, by the table of
 * vmx/msr_policy.c: what the guest may see of tern's MSRs, and nothing of
 * one guest's for the next on the same core.
 */
#include "core/cpu.h"
#include "core/log.h"
#include "core/vdev/vlapic.h"
#include "core/vm/vm.h"
#include "vmx/arch_rules.h"
#include "vmx/eli/timer.h"
#include "vmx/exit.h"
#include "vmx/guest_state.h"
#include "vmx/msr.h"
#include "vmx/vmx_msr.h"

static void set_tsc_offset(struct vcpu *v, u64 offset)
{
	v->tsc_adjust += offset - v->tsc_offset;
	v->tsc_offset = offset;
	vmwrite(VMCS_TSC_OFFSET, offset);
}

/*
 * IA32_APIC_BASE (SDM 3A 11.4.4, 11.12.5): reserved bits, and the mode
 * changes figure 11-27 forbids (x2APIC back to xAPIC, disabled straight
 * to x2APIC, x2APIC without enable), are #GP; BSP is read-only. The xAPIC
 * page moves where the guest puts it (vmx/emul/mmio.c looks for it
 * there), but not over the guest's RAM, whose EPT mapping would hide it:
 * that is refused with #GP and logged (the SDM leaves the overlap
 * undefined).
 */
static bool apic_base_write(struct vcpu *v, u64 val)
{
	u64 reserved = ~(APIC_BASE_BSP | APIC_BASE_EXTD | APIC_BASE_EN |
			 (APIC_BASE_ADDR_MASK & ((1ULL << v->maxphyaddr) - 1)));
	bool en = val & APIC_BASE_EN, x2 = val & APIC_BASE_EXTD;

	if ((val & reserved) || (x2 && !en))
		return false;
	if (en && v->lapic.enabled && v->lapic.x2apic && !x2)
		return false;
	if (en && x2 && !v->lapic.enabled)
		return false;
	if ((val & APIC_BASE_ADDR_MASK) != v->apic_base) {
		u64 base = val & APIC_BASE_ADDR_MASK;

		if (gpa_is_ram(&v->vm->mem, base, PAGE_SIZE)) {
			pr_warn("vm %s: vcpu%u: the local APIC moved over guest RAM at %#llx: refused (#GP)",
				v->vm->name, v->id, (unsigned long long)base);
			return false;
		}
		v->apic_base = base;
	}
	v->lapic.enabled = en;
	v->lapic.x2apic = x2;
	return true;
}

/*
 * RDMSR/WRMSR of an MSR the bitmap traps: the MSRP_EMULATED ones of the
 * table (vmx/msr_policy.c); any other gets #GP, as on a CPU without it.
 */
static int h_msr(struct vcpu *v, bool write)
{
	u32 msr = (u32)v->regs.rcx;
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;
	bool ok = true;

	if (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST) {
		u32 off = (msr - MSR_X2APIC_FIRST) << 4;

		if (!v->lapic.x2apic)
			ok = false;
		else if (write && off == X2APIC_EOI && eli_eoi_write(v))
			;	/* ELI: the guest's device vector, EOI'd on the hardware */
		else if (write)
			ok = vlapic_write(&v->lapic, off, val, guest_tsc(v));
		else
			ok = vlapic_read(&v->lapic, off, guest_tsc(v), &val);
		lapic_events(v);
		if (write && off == X2APIC_EOI)
			eli_after_virtual_eoi(v);
		goto done;
	}
	switch (msr) {
	case MSR_IA32_APIC_BASE:
		if (write) {
			ok = apic_base_write(v, val);
		} else {
			val = v->apic_base | (v->lapic.enabled ? APIC_BASE_EN : 0) |
			      (v->lapic.x2apic ? APIC_BASE_EXTD : 0) |
			      (v->id == 0 ? APIC_BASE_BSP : 0);
		}
		break;
	case MSR_TSC_DEADLINE:
		if (write && v->eli.on)
			eli_tscd_note(v, v->lapic.tsc_deadline, val, EXIT_WRMSR, 2);
		if (write)
			vlapic_write_tsc_deadline(&v->lapic, val, guest_tsc(v));
		else
			val = v->lapic.tsc_deadline;
		break;
	case MSR_EFER:
		if (write) {
			struct cr_ctx c;

			vmx_cr_context(v, &c);
			ok = efer_write_ok(&c, val, v->nx, &val);
			if (ok)
				vmwrite(VMCS_GUEST_IA32_EFER, val);
		} else {
			val = vmread(VMCS_GUEST_IA32_EFER);
		}
		break;
	case MSR_IA32_PAT:
		if (!write)
			val = vmread(VMCS_GUEST_IA32_PAT);
		else if ((ok = pat_write_ok(val)))
			vmwrite(VMCS_GUEST_IA32_PAT, val);
		break;
	/* SDM 3B 18.17.3: a write to IA32_TSC moves IA32_TSC_ADJUST by as
	 * much, and one to IA32_TSC_ADJUST moves the TSC. */
	case MSR_IA32_TSC:
		if (write)
			set_tsc_offset(v, val - rdtsc());
		else
			val = guest_tsc(v);
		break;
	case MSR_IA32_TSC_ADJUST:
		if (!v->has_tsc_adjust)
			ok = false;
		else if (write)
			set_tsc_offset(v, v->tsc_offset + (val - v->tsc_adjust));
		else
			val = v->tsc_adjust;
		break;
	case MSR_IA32_BIOS_SIGN_ID:	/* no microcode revision to report */
		if (!write)
			val = 0;
		break;
	/*
	 * Fast strings on. Bochs has no IA32_MISC_ENABLE (it would read 0):
	 * Linux then clears ERMS but keeps FSRM, and warns. CPUID passes both
	 * through, so this MSR must agree with them.
	 */
	case MSR_IA32_MISC_ENABLE:
		if (!write)
			val = MISC_ENABLE_FAST_STRINGS;
		break;
	case MSR_IA32_ARCH_CAPABILITIES:	/* read-only; vmx/cpuid.h */
		if (write || !v->cpuid.arch_caps)
			ok = false;
		else
			val = v->cpuid.arch_caps;
		break;
	case MSR_IA32_FEATURE_CONTROL:	/* locked, VMX not offered */
		if (write)
			ok = false;
		else
			val = FEATURE_CONTROL_LOCK;
		break;
	default:
		ok = false;
	}
done:
	if (!ok) {
		inject_gp(v);
		return EXIT_RESUME;
	}
	if (!write) {
		v->regs.rax = (u32)val;
		v->regs.rdx = val >> 32;
	}
	skip_instruction();
	return EXIT_RESUME;
}

int vmx_exit_rdmsr(struct vcpu *v, u64 q)
{
	(void)q;
	return h_msr(v, false);
}

int vmx_exit_wrmsr(struct vcpu *v, u64 q)
{
	(void)q;
	return h_msr(v, true);
}

/*
 * The guest's values of the MSRs it owned must not reach the next VM on
 * this core. One that may be absent is read first (a #GP there is caught)
 * and written only where it exists and is set.
 */
void msr_policy_clear_on_stop(void)
{
	for (u32 i = 0; i < msr_policy_count; i++) {
		const struct msr_policy *p = &msr_policy[i];

		if (!(p->flags & MSRP_CLEAR_ON_STOP))
			continue;
		for (u32 m = p->first; m <= p->last; m++) {
			u64 old;

			if ((p->flags & MSRP_MAY_BE_ABSENT) && (rdmsr_safe(m, &old) || !old))
				continue;
			wrmsr(m, 0);
		}
	}
}
