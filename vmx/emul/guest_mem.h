/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory by linear address, through the guest's own paging (its CR0,
 * CR3, CR4 and EFER as the VMCS has them now): for operands tern emulates
 * (descriptor-table instructions) and tables it reads (ELI's view of the
 * guest IDT). RAM only; a write to a page the GPA map protects is refused,
 * so emulation never goes around a protection (mm/gpa.h).
 */
#ifndef TERN_VMX_EMUL_GUEST_MEM_H
#define TERN_VMX_EMUL_GUEST_MEM_H

#include "core/types.h"

struct vcpu;

/* The guest-physical address of linear address la; false: not mapped. */
bool guest_linear_to_gpa(struct vcpu *v, u64 la, u64 *gpa);
/* The same under 4-level paging rooted at cr3 (not the current one). */
bool guest_linear_to_gpa_cr3(struct vcpu *v, u64 cr3, u64 la, u64 *gpa);
/* len bytes at la; false when a page is not mapped, not RAM, or (write)
 * protected. Nothing is written unless every page is writable. */
bool guest_linear_rw(struct vcpu *v, u64 la, void *buf, u32 len, bool write);

#endif
