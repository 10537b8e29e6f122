/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM-execution control values from the capability MSRs (SDM 3D A.3-A.5):
 * bits 31:0 are the allowed-0 settings (a 1 there must be 1), bits 63:32 the
 * allowed-1 settings (a 0 there must be 0).
 */
#ifndef TERN_VMX_CONTROLS_H
#define TERN_VMX_CONTROLS_H

#include "core/types.h"
#include "vmx/caps.h"

/*
 * What a VM asks of its vCPUs' controls beyond tern's baseline. All off is
 * today's VM: every external interrupt exits, no exception does. ELI runs
 * a VM with external-interrupt exiting off (its device's interrupts go
 * through the guest's shadow IDT), #NP and #GP in the exception bitmap,
 * and LIDT/SIDT exiting.
 */
struct vm_features {
	bool no_ext_int_exiting;
	bool desc_table_exiting;
	u32 exception_bitmap;		/* BIT(vector) for each that exits */
};

/* The control fields of a vCPU's VMCS. */
struct vmx_controls {
	u32 pin, proc, proc2, exit, entry;
	u32 exception_bitmap;
};

/*
 * tern's baseline with f, as the capability MSRs m allow. 0, or -1 with
 * *missing the required bits of the control set *which the CPU will not
 * allow.
 */
int vmx_controls_compute(const struct vmx_msrs *m, const struct vm_features *f,
			 struct vmx_controls *c, u32 *missing, const char **which);

/*
 * required: bits tern cannot work without; optional: bits it uses when
 * offered. Returns the value to write, or sets *missing to the required
 * bits the CPU will not allow (then the value must not be used).
 */
u32 vmx_ctl_compute(u64 cap, u32 required, u32 optional, u32 *missing);

/* CR0/CR4 as VMX operation needs them (SDM 3D A.7, A.8): fixed-0 bits set,
 * fixed-1 bits cleared. */
static inline u64 vmx_fix_cr(u64 v, u64 fixed0, u64 fixed1)
{
	return (v | fixed0) & fixed1;
}

#endif
