// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include "vmx/emul/guest_walk.h"

#define P	BIT(0)
#define PS	BIT(7)
#define ADDR	0x000ffffffffff000ULL

enum guest_paging guest_paging_mode(u64 cr0, u64 cr4, u64 efer)
{
	if (!(cr0 & BIT(31)))
		return GUEST_PAGING_NONE;
	if (efer & BIT(10))			/* EFER.LMA */
		return GUEST_PAGING_4LEVEL;
	if (cr4 & BIT(5))			/* CR4.PAE */
		return GUEST_PAGING_PAE;
	return GUEST_PAGING_32;
}

static void set_leaf(struct guest_leaf *leaf, u64 gpa, u32 size)
{
	if (leaf) {
		leaf->gpa = gpa;
		leaf->size = size;
	}
}

int guest_walk_leaf(enum guest_paging mode, u64 cr3, bool pse, u64 la,
		    guest_read_t read, void *ctx, u64 *gpa, struct guest_leaf *leaf)
{
	set_leaf(leaf, 0, 0);
	switch (mode) {
	case GUEST_PAGING_NONE:
		*gpa = la & 0xffffffffULL;
		return 0;
	case GUEST_PAGING_32: {
		u32 pde, pte;

		u64 at;

		la &= 0xffffffffULL;
		at = (cr3 & 0xfffff000) + ((la >> 22) << 2);
		if (!read(at, &pde, 4, ctx) || !(pde & P))
			return -1;
		if (pse && (pde & PS)) {
			*gpa = (pde & 0xffc00000) | (la & 0x3fffff);
			set_leaf(leaf, at, 4);
			return 0;
		}
		at = (pde & 0xfffff000) + (((la >> 12) & 0x3ff) << 2);
		if (!read(at, &pte, 4, ctx) || !(pte & P))
			return -1;
		*gpa = (pte & 0xfffff000) | (la & 0xfff);
		set_leaf(leaf, at, 4);
		return 0;
	}
	case GUEST_PAGING_PAE: {
		/*
		 * SDM 3A 4.4: four PDPTEs at CR3 (32-byte aligned), then
		 * 2 MiB or 4 KiB pages. The CPU caches the PDPTEs when CR3 is
		 * loaded; tern reads them from memory, which differs only if
		 * the guest rewrote them without reloading CR3.
		 */
		u64 e, at;

		la &= 0xffffffffULL;
		if (!read((cr3 & 0xffffffe0) + ((la >> 30) << 3), &e, 8, ctx) || !(e & P))
			return -1;
		at = (e & ADDR) + (((la >> 21) & 511) << 3);
		if (!read(at, &e, 8, ctx) || !(e & P))
			return -1;
		if (e & PS) {
			*gpa = (e & ADDR & ~(u64)(SZ_2M - 1)) | (la & (SZ_2M - 1));
			set_leaf(leaf, at, 8);
			return 0;
		}
		at = (e & ADDR) + (((la >> 12) & 511) << 3);
		if (!read(at, &e, 8, ctx) || !(e & P))
			return -1;
		*gpa = (e & ADDR) | (la & 0xfff);
		set_leaf(leaf, at, 8);
		return 0;
	}
	case GUEST_PAGING_4LEVEL: {
		u64 table = cr3 & ADDR, e;

		for (int level = 3; level >= 0; level--) {
			u64 idx = (la >> (12 + 9 * level)) & 511;

			if (!read(table + idx * 8, &e, 8, ctx) || !(e & P))
				return -1;
			if (level == 0 || (level <= 2 && (e & PS))) {
				u64 size = 1ULL << (12 + 9 * level);

				*gpa = (e & ADDR & ~(size - 1)) | (la & (size - 1));
				set_leaf(leaf, table + idx * 8, 8);
				return 0;
			}
			table = e & ADDR;
		}
		return -1;
	}
	default:
		return -1;
	}
}
