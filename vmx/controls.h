/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM-execution control values from the capability MSRs (SDM 3D A.3-A.5):
 * bits 31:0 are the allowed-0 settings (a 1 there must be 1), bits 63:32 the
 * allowed-1 settings (a 0 there must be 0).
 */
#ifndef TERN_VMX_CONTROLS_H
#define TERN_VMX_CONTROLS_H

#include "core/types.h"

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
