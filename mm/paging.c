// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "mm/paging.h"

#define LEVELS		4
#define ENTRIES		512

static u64 level_size(int level)	/* level 3 = PML4 entry ... 0 = PTE */
{
	return 1ULL << (12 + 9 * level);
}

static u32 index_of(u64 va, int level)
{
	return (va >> (12 + 9 * level)) & (ENTRIES - 1);
}

static bool canonical(u64 va)
{
	u64 top = va >> 47;

	return top == 0 || top == 0x1ffff;
}

/* MAP_NO_READ is ignored here and in EPT: pt_map refuses it first (x86 has
 * no read bit; EPT W without R is a misconfiguration, SDM 3C 29.3.3.1). */
u64 pt_flags_to_pte(const struct page_table *pt, u32 flags)
{
	u64 e = PTE_P;

	if (flags & MAP_W)
		e |= PTE_W;
	if (!(flags & MAP_X) && pt->has_nx)
		e |= PTE_NX;
	if (flags & MAP_UC)
		e |= PTE_PCD | PTE_PWT;
	if (flags & MAP_GLOBAL)
		e |= PTE_G;
	return e;
}

u64 pt_flags_to_ept(const struct page_table *pt, u32 flags)
{
	u64 e = EPT_R;

	(void)pt;
	if (flags & MAP_W)
		e |= EPT_W;
	if (flags & MAP_X)
		e |= EPT_X;
	/* Guest RAM is write-back with PAT ignored; MMIO is uncached. */
	e |= (flags & MAP_UC) ? (EPT_MT_UC << EPT_MT_SHIFT)
			      : (EPT_MT_WB << EPT_MT_SHIFT) | EPT_IGNORE_PAT;
	return e;
}

/* VT-d second-level entries (VT-d spec 9.8): read, write, large (bit 7);
 * no execute or memory type in legacy mode. R and W are independent: a
 * write-only leaf (MAP_W | MAP_NO_READ) is W alone, and still present. */
u64 pt_flags_to_vtd(const struct page_table *pt, u32 flags)
{
	(void)pt;
	return ((flags & MAP_NO_READ) ? 0 : VTD_SL_R) | ((flags & MAP_W) ? VTD_SL_W : 0);
}

static bool x86_present(u64 e) { return e & PTE_P; }
static bool ept_present(u64 e) { return e & EPT_RWX; }
static bool vtd_present(u64 e) { return e & (VTD_SL_R | VTD_SL_W); }
/* Intermediate entries are permissive; leaves decide. */
static u64 x86_table(u64 pa) { return pa | PTE_P | PTE_W; }
static u64 ept_table(u64 pa) { return pa | EPT_RWX; }
static u64 vtd_table(u64 pa) { return pa | VTD_SL_R | VTD_SL_W; }

const struct pt_format pt_format_x86 = {
	"x86", x86_present, x86_table, pt_flags_to_pte, true, false,
};

const struct pt_format pt_format_ept = {
	/* No write-only: W without R is an EPT misconfiguration (SDM 3C
	 * 29.3.3.1); execute-only would need IA32_VMX_EPT_VPID_CAP bit 0,
	 * which tern does not use. */
	"ept", ept_present, ept_table, pt_flags_to_ept, false, false,
};

const struct pt_format pt_format_vtd = {
	"vt-d", vtd_present, vtd_table, pt_flags_to_vtd, false, true,
};

static const struct pt_format *fmt(const struct page_table *pt)
{
	return pt->fmt ? pt->fmt : &pt_format_x86;
}

const char *pt_strerror(int err)
{
	switch (err) {
	case PT_OK:		return "ok";
	case PT_ERR_WX:		return "writable and executable mapping refused (W^X)";
	case PT_ERR_ALIGN:	return "address or size not page aligned";
	case PT_ERR_NOMEM:	return "out of memory for page tables";
	case PT_ERR_CANONICAL:	return "non-canonical virtual address";
	case PT_ERR_RANGE:	return "no contiguous host memory where it must be";
	case PT_ERR_PERM:	return "unreadable mapping refused (only VT-d has write-only entries, and never without write)";
	}
	return "?";
}

int pt_init(struct page_table *pt)
{
	pt->root = pt->alloc_table(pt->ctx);
	if (!pt->root)
		return PT_ERR_NOMEM;
	pt->tables = 1;
	return PT_OK;
}

static u64 *table(struct page_table *pt, u64 entry)
{
	return pt->p2v(entry & PTE_ADDR_MASK);
}

/*
 * Replace a large leaf at `level` by a table of next-level entries with the
 * same translation and attributes, so part of it can change.
 */
static int split(struct page_table *pt, u64 *e, int level)
{
	u64 old = *e, child_pa, *child;
	u64 step = level_size(level - 1);
	u64 attrs = old & ~PTE_ADDR_MASK & ~PTE_PS;
	u64 base = old & PTE_ADDR_MASK;

	child_pa = pt->alloc_table(pt->ctx);
	if (!child_pa)
		return PT_ERR_NOMEM;
	pt->tables++;
	pt->splits++;
	child = pt->p2v(child_pa);
	/* PAT bit sits at bit 12 in large entries and bit 7 in PTEs; tern
	 * uses PAT only through PCD/PWT, so nothing else needs moving. */
	if (level - 1 > 0)
		attrs |= PTE_PS;
	for (int i = 0; i < ENTRIES; i++)
		child[i] = (base + i * step) | attrs;
	*e = fmt(pt)->table_entry(child_pa);
	return PT_OK;
}

static int walk_to(struct page_table *pt, u64 va, int target, u64 **out)
{
	u64 *t = pt->p2v(pt->root);

	for (int level = LEVELS - 1; level > target; level--) {
		u64 *e = &t[index_of(va, level)];

		if (!fmt(pt)->present(*e)) {
			u64 pa = pt->alloc_table(pt->ctx);

			if (!pa)
				return PT_ERR_NOMEM;
			pt->tables++;
			*e = fmt(pt)->table_entry(pa);
		} else if (*e & PTE_PS) {
			int err = split(pt, e, level);

			if (err)
				return err;
		}
		t = table(pt, *e);
	}
	*out = &t[index_of(va, target)];
	return PT_OK;
}

int pt_map(struct page_table *pt, u64 va, u64 pa, u64 size, u32 flags)
{
	u64 attrs;

	if (fmt(pt)->enforce_wx && (flags & MAP_W) && (flags & MAP_X))
		return PT_ERR_WX;
	/* Unreadable: only where the format has a separate read bit, and only
	 * writable (an entry with neither R nor W is not present). */
	if ((flags & MAP_NO_READ) && (!fmt(pt)->write_only || !(flags & MAP_W)))
		return PT_ERR_PERM;
	if (!IS_ALIGNED(va | pa | size, PAGE_SIZE))
		return PT_ERR_ALIGN;
	if (!canonical(va) || !canonical(va + size - 1))
		return PT_ERR_CANONICAL;
	attrs = fmt(pt)->leaf_attrs(pt, flags);
	while (size) {
		int level = 0, err;
		u64 *e;

		if (!(flags & MAP_NO_LARGE)) {
			if (pt->allow_1g && IS_ALIGNED(va | pa, SZ_1G) && size >= SZ_1G)
				level = 2;
			else if (IS_ALIGNED(va | pa, SZ_2M) && size >= SZ_2M)
				level = 1;
		}
		err = walk_to(pt, va, level, &e);
		if (err)
			return err;
		if (level > 0 && fmt(pt)->present(*e) && !(*e & PTE_PS)) {
			/* A table already hangs here: map through it instead. */
			err = walk_to(pt, va, 0, &e);
			if (err)
				return err;
			level = 0;
		}
		*e = pa | attrs | (level ? PTE_PS : 0);
		va += level_size(level);
		pa += level_size(level);
		size -= level_size(level);
	}
	return PT_OK;
}

int pt_unmap(struct page_table *pt, u64 va, u64 size)
{
	if (!IS_ALIGNED(va | size, PAGE_SIZE))
		return PT_ERR_ALIGN;
	while (size) {
		u64 *t = pt->p2v(pt->root), *e = NULL;
		int level;

		for (level = LEVELS - 1; level >= 0; level--) {
			e = &t[index_of(va, level)];
			if (!fmt(pt)->present(*e) || level == 0 || (*e & PTE_PS))
				break;
			t = table(pt, *e);
		}
		if (!fmt(pt)->present(*e)) {
			/* Nothing here: skip to the end of this hole. */
			u64 step = level_size(level);
			u64 next = ALIGN_DOWN(va, step) + step;

			if (next - va >= size)
				break;
			size -= next - va;
			va = next;
			continue;
		}
		if (level > 0 && (!IS_ALIGNED(va, level_size(level)) ||
				   size < level_size(level))) {
			int err = split(pt, e, level);

			if (err)
				return err;
			continue;	/* walk again, one level deeper */
		}
		*e = 0;
		va += level_size(level);
		size -= level_size(level);
	}
	return PT_OK;
}

bool pt_lookup(struct page_table *pt, u64 va, u64 *pa, u64 *pte, u64 *page_size)
{
	u64 *t = pt->p2v(pt->root);

	for (int level = LEVELS - 1; level >= 0; level--) {
		u64 e = t[index_of(va, level)];

		if (!fmt(pt)->present(e))
			return false;
		if (level == 0 || (e & PTE_PS)) {
			u64 sz = level_size(level);

			if (pa)
				*pa = (e & PTE_ADDR_MASK & ~(sz - 1)) + (va & (sz - 1));
			if (pte)
				*pte = e;
			if (page_size)
				*page_size = sz;
			return true;
		}
		t = table(pt, e);
	}
	return false;
}

u64 *pt_leaf(struct page_table *pt, u64 va)
{
	u64 *t = pt->p2v(pt->root);

	for (int level = LEVELS - 1; level > 0; level--) {
		u64 e = t[index_of(va, level)];

		if (!fmt(pt)->present(e) || (e & PTE_PS))
			return NULL;
		t = table(pt, e);
	}
	return fmt(pt)->present(t[index_of(va, 0)]) ? &t[index_of(va, 0)] : NULL;
}
