// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/*
 * VT-x capability discovery (SDM 3C ch. 24-25, 3D appendix A). A control is
 * available when its allowed-1 bit (bits 63:32 of the capability MSR) is set.
 */
#include <stdio.h>
#include <string.h>

#include "vmx/caps.h"
#include "vmx/vmx_msr.h"

static bool allowed1(u64 cap, u64 bit)
{
	return (cap >> 32) & bit;
}

void vmx_caps_decode(struct vmx_caps *c, bool cpuid_vmx, const struct vmx_msrs *m)
{
	memset(c, 0, sizeof(*c));
	c->cpuid_vmx = cpuid_vmx;
	c->raw = *m;
	if (!cpuid_vmx) {
		c->fc_state = VMX_FC_NO_VMX;
		return;
	}
	if (!(m->feature_control & FEATURE_CONTROL_LOCK))
		c->fc_state = VMX_FC_UNLOCKED;
	else if (m->feature_control & FEATURE_CONTROL_VMX_OUTSIDE_SMX)
		c->fc_state = VMX_FC_ENABLED;
	else
		c->fc_state = VMX_FC_DISABLED;

	c->revision = VMX_BASIC_REVISION(m->basic);
	c->vmcs_size = VMX_BASIC_VMCS_SIZE(m->basic);
	c->true_ctls = m->basic & VMX_BASIC_TRUE_CTLS;

	c->preemption_timer = allowed1(m->pinbased, PIN_PREEMPTION_TIMER);
	c->posted_interrupts = allowed1(m->pinbased, PIN_POSTED_INTERRUPTS);
	c->preemption_timer_shift = VMX_MISC_PREEMPT_SHIFT(m->misc);

	c->hlt_exiting = allowed1(m->procbased, PROC_HLT_EXITING);
	c->io_bitmaps = allowed1(m->procbased, PROC_IO_BITMAPS);
	c->msr_bitmaps = allowed1(m->procbased, PROC_MSR_BITMAPS);
	c->monitor_trap_flag = allowed1(m->procbased, PROC_MONITOR_TRAP_FLAG);
	c->secondary = allowed1(m->procbased, PROC_SECONDARY_CONTROLS);

	c->ack_interrupt_on_exit = allowed1(m->exit, EXIT_ACK_INTERRUPT);
	c->save_preemption_timer = allowed1(m->exit, EXIT_SAVE_PREEMPTION_TIMER);

	if (c->secondary) {
		u64 p2 = m->procbased2;

		c->ept = allowed1(p2, PROC2_EPT);
		c->vpid = allowed1(p2, PROC2_VPID);
		c->unrestricted_guest = allowed1(p2, PROC2_UNRESTRICTED_GUEST);
		c->x2apic_virt = allowed1(p2, PROC2_VIRT_X2APIC);
		c->apic_reg_virt = allowed1(p2, PROC2_APIC_REG_VIRT);
		c->virt_intr_delivery = allowed1(p2, PROC2_VIRT_INTR_DELIVERY);
		c->vmcs_shadowing = allowed1(p2, PROC2_VMCS_SHADOWING);
		c->pml = allowed1(p2, PROC2_PML);
		c->ept_ve = allowed1(p2, PROC2_EPT_VE);
		c->tsc_scaling = allowed1(p2, PROC2_TSC_SCALING);
	}
	if (c->ept) {
		u64 e = m->ept_vpid;

		c->ept_4level = e & EPT_CAP_WALK_4;
		c->ept_wb = e & EPT_CAP_WB;
		c->ept_2m = e & EPT_CAP_2M;
		c->ept_1g = e & EPT_CAP_1G;
		c->ept_ad = e & EPT_CAP_AD;
		c->ept_exec_only = e & EPT_CAP_EXEC_ONLY;
		c->invept_single = (e & EPT_CAP_INVEPT) && (e & EPT_CAP_INVEPT_SINGLE);
		c->invept_all = (e & EPT_CAP_INVEPT) && (e & EPT_CAP_INVEPT_ALL);
	}
	if (c->vpid) {
		u64 e = m->ept_vpid;
		bool inv = e & VPID_CAP_INVVPID;

		c->invvpid_single = inv && (e & VPID_CAP_SINGLE);
		c->invvpid_all = inv && (e & VPID_CAP_ALL);
		c->invvpid_addr = inv && (e & VPID_CAP_INDIVIDUAL);
	}
}

bool vmx_caps_usable(const struct vmx_caps *c, char *why, size_t len)
{
	const char *miss = NULL;

	if (!c->cpuid_vmx)
		miss = "no VMX in CPUID";
	else if (c->fc_state == VMX_FC_DISABLED)
		miss = "VMX disabled and locked by firmware (IA32_FEATURE_CONTROL)";
	else if (!c->ept || !c->ept_4level || !c->ept_wb)
		miss = "no 4-level write-back EPT";
	else if (!c->vpid)
		miss = "no VPID";
	else if (!c->unrestricted_guest)
		miss = "no unrestricted guest";
	else if (!c->preemption_timer)
		miss = "no VMX-preemption timer";
	else if (!c->msr_bitmaps || !c->io_bitmaps)
		miss = "no MSR or I/O bitmaps";
	if (why && len)
		snprintf(why, len, "%s", miss ? miss : "ok");
	return !miss;
}

const char *vmx_fc_state_name(u32 s)
{
	switch (s) {
	case VMX_FC_NO_VMX:	return "no-vmx";
	case VMX_FC_UNLOCKED:	return "unlocked";
	case VMX_FC_ENABLED:	return "locked-on";
	case VMX_FC_DISABLED:	return "locked-off";
	}
	return "?";
}

#ifndef TERN_HOST_TEST
#include "core/cpu.h"

void vmx_caps_probe(struct vmx_caps *c)
{
	struct vmx_msrs m = { 0 };
	u32 a, b, cx, d;
	bool has;

	cpuid(1, &a, &b, &cx, &d);
	has = cx & BIT(5);
	if (has) {
		bool t;

		rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &m.feature_control);
		rdmsr_safe(MSR_IA32_VMX_BASIC, &m.basic);
		t = m.basic & VMX_BASIC_TRUE_CTLS;
		rdmsr_safe(t ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			   MSR_IA32_VMX_PINBASED_CTLS, &m.pinbased);
		rdmsr_safe(t ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			   MSR_IA32_VMX_PROCBASED_CTLS, &m.procbased);
		rdmsr_safe(t ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
			   MSR_IA32_VMX_EXIT_CTLS, &m.exit);
		rdmsr_safe(t ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
			   MSR_IA32_VMX_ENTRY_CTLS, &m.entry);
		rdmsr_safe(MSR_IA32_VMX_MISC, &m.misc);
		if ((m.procbased >> 32) & PROC_SECONDARY_CONTROLS)
			rdmsr_safe(MSR_IA32_VMX_PROCBASED_CTLS2, &m.procbased2);
		if ((m.procbased2 >> 32) & (PROC2_EPT | PROC2_VPID))
			rdmsr_safe(MSR_IA32_VMX_EPT_VPID_CAP, &m.ept_vpid);
	}
	vmx_caps_decode(c, has, &m);
}
#endif
