/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Translating a guest linear address with the guest's own page tables
 * (SDM 3A 4.3 32-bit paging, 4.4 PAE paging, 4.5 4-level paging), to
 * fetch the instruction
 * behind an exit. Guest memory is read through a callback, so the walk runs
 * in unit tests over fake memory.
 */
#ifndef TERN_VMX_EMUL_GUEST_WALK_H
#define TERN_VMX_EMUL_GUEST_WALK_H

#include "core/types.h"

enum guest_paging {
	GUEST_PAGING_NONE,	/* CR0.PG = 0: linear = physical */
	GUEST_PAGING_32,	/* 2-level, 4 KiB and 4 MiB (CR4.PSE) pages */
	GUEST_PAGING_PAE,	/* 3-level: PDPTEs, 2 MiB and 4 KiB pages */
	GUEST_PAGING_4LEVEL,	/* IA-32e */
};

typedef bool (*guest_read_t)(u64 gpa, void *buf, u32 len, void *ctx);

/* The entry that mapped the page (a PTE, or a PDE/PDPTE of a large page):
 * where its accessed (bit 5) and dirty (bit 6) flags are. size 0: no
 * paging, no entry. */
struct guest_leaf {
	u64 gpa;
	u32 size;		/* 4 (32-bit paging) or 8 */
};

#define GUEST_PTE_A	BIT(5)		/* SDM 3A 4.8 */
#define GUEST_PTE_D	BIT(6)

enum guest_paging guest_paging_mode(u64 cr0, u64 cr4, u64 efer);
/* 0, or -1 (not present). leaf may be NULL. */
int guest_walk_leaf(enum guest_paging mode, u64 cr3, bool pse, u64 la,
		    guest_read_t read, void *ctx, u64 *gpa, struct guest_leaf *leaf);
static inline int guest_walk(enum guest_paging mode, u64 cr3, bool pse, u64 la,
			     guest_read_t read, void *ctx, u64 *gpa)
{
	return guest_walk_leaf(mode, cr3, pse, la, read, ctx, gpa, NULL);
}

#endif
