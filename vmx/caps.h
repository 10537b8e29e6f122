/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VT-x discovery: what each core could do, decoded from CPUID and the VMX
 * capability MSRs. Nothing here enters VMX operation or sets CR4.VMXE
 * (QEMU TCG hangs on CR4.VMXE without VMX).
 */
#ifndef TERN_VMX_CAPS_H
#define TERN_VMX_CAPS_H

#include "core/types.h"

enum vmx_fc_state {
	VMX_FC_NO_VMX = 0,	/* CPUID.1:ECX.VMX clear */
	VMX_FC_UNLOCKED,	/* tern may enable and lock it */
	VMX_FC_ENABLED,		/* locked with VMX outside SMX on */
	VMX_FC_DISABLED,	/* locked off by firmware */
};

/* Raw capability values, as read (or as a unit test makes them up). */
struct vmx_msrs {
	u64 basic;
	u64 pinbased, procbased, exit, entry;	/* TRUE variants when offered */
	u64 procbased2;
	u64 misc;
	u64 ept_vpid;
	u64 feature_control;
};

struct vmx_caps {
	bool cpuid_vmx;
	u32 fc_state;			/* enum vmx_fc_state */
	u32 revision;
	u32 vmcs_size;
	bool true_ctls;
	bool ept, ept_4level, ept_wb, ept_2m, ept_1g, ept_ad, ept_exec_only;
	bool invept_single, invept_all;
	bool vpid, invvpid_single, invvpid_all, invvpid_addr;
	bool unrestricted_guest;
	bool preemption_timer;
	u32 preemption_timer_shift;	/* timer ticks every 2^shift TSC */
	bool msr_bitmaps, io_bitmaps, hlt_exiting, secondary;
	bool x2apic_virt, apic_reg_virt, virt_intr_delivery;
	bool posted_interrupts, vmcs_shadowing, pml, ept_ve, tsc_scaling;
	bool monitor_trap_flag;
	bool ack_interrupt_on_exit, save_preemption_timer;
	struct vmx_msrs raw;
};

/* Pure decoding of capability values (host unit-tested). */
void vmx_caps_decode(struct vmx_caps *c, bool cpuid_vmx, const struct vmx_msrs *m);

/* True when the core has what tern's VT-x core will require. */
bool vmx_caps_usable(const struct vmx_caps *c, char *why, size_t len);

/* Read this core's CPUID and capability MSRs and decode them. */
void vmx_caps_probe(struct vmx_caps *c);

const char *vmx_fc_state_name(u32 s);

#endif
