// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "core/cpu.h"
#include "core/vm/vm.h"
#include "vmx/emul/guest_mem.h"
#include "vmx/emul/guest_walk.h"
#include "vmx/vmx_ops.h"

static bool read_table(u64 gpa, void *buf, u32 len, void *ctx)
{
	struct gpa_map *g = ctx;

	if (!gpa_is_ram(g, gpa, len) || (gpa & (PAGE_SIZE - 1)) + len > PAGE_SIZE)
		return false;
	/* Faulted in if swapped out (the swapper holds it while copied). */
	return gpa_copy_from(g, gpa, buf, len);
}

bool guest_linear_to_gpa(struct vcpu *v, u64 la, u64 *gpa)
{
	u64 cr4 = vmread(VMCS_GUEST_CR4);
	enum guest_paging pg = guest_paging_mode(vmread(VMCS_GUEST_CR0), cr4,
						 vmread(VMCS_GUEST_IA32_EFER));

	return !guest_walk(pg, vmread(VMCS_GUEST_CR3), cr4 & CR4_PSE, la, read_table,
			   &v->vm->mem, gpa);
}

bool guest_linear_to_gpa_cr3(struct vcpu *v, u64 cr3, u64 la, u64 *gpa)
{
	return !guest_walk(GUEST_PAGING_4LEVEL, cr3, false, la, read_table, &v->vm->mem, gpa);
}

bool guest_linear_rw(struct vcpu *v, u64 la, void *buf, u32 len, bool write)
{
	struct gpa_map *g = &v->vm->mem;
	u64 gpa[2];
	u32 first = MIN(len, PAGE_SIZE - (u32)(la & (PAGE_SIZE - 1)));
	u32 n = first < len ? 2 : 1;

	if (len > PAGE_SIZE)
		return false;
	/* Both pages checked before a byte moves. */
	for (u32 i = 0; i < n; i++) {
		u64 at = i ? (la + first) : la;
		u32 sz = i ? len - first : first;

		if (!guest_linear_to_gpa(v, at, &gpa[i]) || !gpa_is_ram(g, gpa[i], sz) ||
		    (write && (gpa_page_state(g, gpa[i]) & GPA_PG_WP)) ||
		    (write && !g->sparse && (gpa_page_state(g, gpa[i]) & GPA_PG_NOACCESS)))
			return false;
	}
	/* Held (and faulted in, in a sparse map) while copied. */
	for (u32 i = 0; i < n; i++) {
		u8 *p = gpa_get_page(g, gpa[i], write ? GPA_GET_WRITE : 0, NULL);
		u8 *b = (u8 *)buf + (i ? first : 0);
		u32 sz = i ? len - first : first;

		if (!p)
			return false;
		if (write)
			memcpy(p, b, sz);
		else
			memcpy(b, p, sz);
		gpa_put_page(g, gpa[i]);
	}
	return true;
}
