/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4-level x86-64 page tables (SDM 3A 4.5). Callers speak in MAP_* flags;
 * the builder picks 1 GiB / 2 MiB / 4 KiB entries to fit alignment, splits
 * large pages when a sub-range changes, and refuses writable+executable.
 * Tables come from, and are reached through, caller-provided hooks so the
 * same code runs on the host under unit tests.
 */
#ifndef TERN_MM_PAGING_H
#define TERN_MM_PAGING_H

#include "core/types.h"

/* Page-table entry bits (SDM 3A 4.5, tables 4-15 .. 4-20) */
#define PTE_P		BIT(0)
#define PTE_W		BIT(1)
#define PTE_US		BIT(2)
#define PTE_PWT		BIT(3)
#define PTE_PCD		BIT(4)
#define PTE_A		BIT(5)
#define PTE_D		BIT(6)
#define PTE_PS		BIT(7)
#define PTE_G		BIT(8)
#define PTE_NX		BIT(63)
#define PTE_ADDR_MASK	0x000ffffffffff000ULL

/* EPT entries (SDM 3C 29.3.2, tables 29-1 .. 29-6) */
#define EPT_R		BIT(0)
#define EPT_W		BIT(1)
#define EPT_X		BIT(2)
#define EPT_RWX		(EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT	3
#define EPT_MT_UC	0ULL
#define EPT_MT_WB	6ULL
#define EPT_IGNORE_PAT	BIT(6)
#define EPT_LARGE	BIT(7)		/* same bit as PTE_PS */
/* Accessed and dirty flags, set by the CPU when the EPT pointer enables
 * them (SDM 3C 29.3.5; EPTP bit 6, where IA32_VMX_EPT_VPID_CAP bit 21 says
 * the CPU has them). Dirty is in leaf entries only. */
#define EPT_A		BIT(8)
#define EPT_D		BIT(9)
#define EPTP_AD		BIT(6)

/* VT-d second-level entries (VT-d spec 9.8): the same walk as EPT */
#define VTD_SL_R	BIT(0)
#define VTD_SL_W	BIT(1)

/* Mapping flags */
#define MAP_R		0		/* present and readable: always */
#define MAP_W		BIT(0)
#define MAP_X		BIT(1)
#define MAP_UC		BIT(2)		/* uncached: PCD|PWT (PAT entry 3) */
#define MAP_NO_LARGE	BIT(3)		/* 4 KiB entries only */
#define MAP_GLOBAL	BIT(4)
/* Writable but not readable: VT-d second-level only (VT-d spec 9.8: R and
 * W are separate bits, W alone is a legal write-only mapping). x86 cannot
 * express it (a present entry is readable, SDM 3A 4.6) and in EPT W
 * without R is a misconfiguration (SDM 3C 29.3.3.1): pt_map refuses it
 * there (PT_ERR_PERM), as it does an unreadable mapping without MAP_W. */
#define MAP_NO_READ	BIT(5)

struct page_table;

/*
 * What differs between tern's own page tables and EPT: how an entry says
 * "present", what a table pointer looks like, and how flags become a leaf.
 * The walk, large-page choice and splitting are shared.
 */
struct pt_format {
	const char *name;
	bool (*present)(u64 e);
	u64 (*table_entry)(u64 pa);
	u64 (*leaf_attrs)(const struct page_table *pt, u32 flags);
	bool enforce_wx;		/* tern's own mappings: never W and X */
	bool write_only;		/* MAP_NO_READ expressible (VT-d) */
};

extern const struct pt_format pt_format_x86;
extern const struct pt_format pt_format_ept;
extern const struct pt_format pt_format_vtd;

enum pt_err {
	PT_OK = 0,
	PT_ERR_WX = -1,		/* writable and executable refused */
	PT_ERR_ALIGN = -2,
	PT_ERR_NOMEM = -3,
	PT_ERR_CANONICAL = -4,
	PT_ERR_RANGE = -5,	/* no physical range where it must be */
	PT_ERR_PERM = -6,	/* permissions the format cannot express */
};

struct page_table {
	const struct pt_format *fmt;	/* NULL means pt_format_x86 */
	u64 root;			/* physical address of the PML4 */
	bool allow_1g;			/* CPUID.80000001h:EDX.Page1GB */
	bool has_nx;			/* EFER.NXE usable */
	u64 (*alloc_table)(void *ctx);	/* zeroed page, physical; 0 = none */
	void *(*p2v)(u64 pa);
	void *ctx;
	u64 tables;			/* table pages in use */
	u64 splits;			/* large pages split */
};

int pt_init(struct page_table *pt);
int pt_map(struct page_table *pt, u64 va, u64 pa, u64 size, u32 flags);
int pt_unmap(struct page_table *pt, u64 va, u64 size);
/* Translate; page_size and pte optional. Returns false when unmapped. */
bool pt_lookup(struct page_table *pt, u64 va, u64 *pa, u64 *pte, u64 *page_size);
/* The present 4 KiB leaf entry for va, or NULL (absent, or inside a large
 * page), for callers that update its hardware-set bits atomically. */
u64 *pt_leaf(struct page_table *pt, u64 va);
u64 pt_flags_to_pte(const struct page_table *pt, u32 flags);
u64 pt_flags_to_ept(const struct page_table *pt, u32 flags);
u64 pt_flags_to_vtd(const struct page_table *pt, u32 flags);
const char *pt_strerror(int err);

#endif
