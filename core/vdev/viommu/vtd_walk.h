/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DMA address translation as the emulated VT-d unit does it (VT-d spec
 * ch. 3, legacy mode): a request's source-id picks a root entry (9.1, by
 * bus) and a context entry (9.3, by device and function); the context
 * gives the domain, the translation type and the second-level table,
 * walked in 3 or 4 levels (39- or 48-bit address width, 9.8) to the page.
 * The guest's tables are read from its memory through a callback, so the
 * walk is pure and unit-tested over fake memory. A failure is one of the
 * non-recoverable fault reasons of appendix A (vtd_regs_emul.h), which
 * the caller records in the unit's fault registers unless the context
 * entry disables fault processing (FPD).
 *
 * Checked as reserved (fault 0xa/0xb/0xc): root entry bits 11:1 and its
 * upper half; context entry bits 11:4, 71 and 127:88; in paging entries,
 * address bits 51:48 (beyond the unit's 48-bit width), PS in a PML4E, PS
 * where CAP.SLLPS offers no such page, and the address bits below a large
 * page's size. Fields the spec gives meaning this unit does not implement
 * (X, EMT/IPAT, SNP, TM) are ignored.
 */
#ifndef TERN_CORE_VDEV_VIOMMU_VTD_WALK_H
#define TERN_CORE_VDEV_VIOMMU_VTD_WALK_H

#include "core/types.h"

/* Root entry (9.1), low half: present 0, context table 63:12 */
#define VTDW_ROOT_RSVD_LO	0xffeULL
/* Context entry (9.3) */
#define VTDW_CTX_TT(lo)		((u32)((lo) >> 2) & 3)	/* translation type */
#define VTDW_TT_SL		0	/* untranslated requests: second level */
#define VTDW_TT_DEVTLB		1	/* ... and device-TLBs (ECAP.DT) */
#define VTDW_TT_PT		2	/* pass-through (ECAP.PT) */
#define VTDW_CTX_RSVD_LO	0xff0ULL
#define VTDW_CTX_AW(hi)		((u32)(hi) & 7)		/* 1: 39-bit, 2: 48-bit */
#define VTDW_CTX_DID(hi)	((u16)((hi) >> 8))
#define VTDW_CTX_RSVD_HI	(BIT(7) | ~0ULL << 24)
/* Second-level paging entry (9.8) */
#define VTDW_SL_R		BIT(0)
#define VTDW_SL_W		BIT(1)
#define VTDW_SL_PS		BIT(7)	/* a page, in a PDPE or PDE */
#define VTDW_SL_ADDR		0x0000fffffffff000ULL
#define VTDW_SL_RSVD_HAW	(0xfULL << 48)	/* above the 48-bit width */

/*
 * The guest's memory. again (may be NULL): whether the last access that
 * failed did so only because the page is not at hand yet (an
 * overcommitted VM's page on disk, its read started): the caller retries
 * later instead of taking the failure as the guest's fault.
 */
struct vtdw_mem {
	bool (*read)(void *ctx, u64 gpa, void *buf, u32 len);
	void *ctx;
	bool (*again)(void *ctx);
};

static inline bool vtdw_again(const struct vtdw_mem *m)
{
	return m->again && m->again(m->ctx);
}

/* A device's context entry, decoded. */
struct vtdw_ctx {
	u16 did;
	u8 tt;
	u8 levels;			/* 3 or 4; 0 for pass-through */
	bool fpd;			/* fault processing disabled */
	u64 slpt;			/* the second-level table */
};

/* One translation: the page the address falls in and what it allows. */
struct vtdw_xlate {
	u64 gpa;			/* the translated address (offset kept) */
	u64 page;			/* the guest page it lies in ... */
	u64 size;			/* ... of 4 KiB, 2 MiB or 1 GiB */
	bool r, w;			/* allowed by every level */
	struct vtdw_ctx ctx;
};

/*
 * The context entry of sid under the root table at root: 0 and *c, or a
 * fault reason (c->fpd set when a present context entry asks for its
 * faults to go unrecorded).
 */
u8 vtdw_context(const struct vtdw_mem *m, u64 root, u64 cap, u64 ecap, u16 sid,
		struct vtdw_ctx *c);

/*
 * Translate iova for sid, a write or a read. 0 and *x filled, or a fault
 * reason (x->ctx.fpd says whether to record it where a context was found).
 */
u8 vtdw_translate(const struct vtdw_mem *m, u64 root, u64 cap, u64 ecap, u16 sid, u64 iova,
		  bool write, struct vtdw_xlate *x);

/*
 * Every page the second-level table of context c maps in [lo, hi) (page
 * aligned), in address order, as 4 KiB pages (a large page gives each of
 * its pages): fn(arg, iova, gpa, r, w). Entries a DMA would fault on
 * (not present, reserved bits, an unreadable table) give nothing. Stops
 * after max_pages pages, when fn returns false, or at a table page not
 * at hand yet (vtdw_again(m) then true): then false. A context that does
 * not translate (pass-through) gives nothing.
 */
typedef bool (*vtdw_leaf_fn)(void *arg, u64 iova, u64 gpa, bool r, bool w);
bool vtdw_enum(const struct vtdw_mem *m, u64 cap, const struct vtdw_ctx *c, u64 lo, u64 hi,
	       u32 max_pages, vtdw_leaf_fn fn, void *arg);

#endif
