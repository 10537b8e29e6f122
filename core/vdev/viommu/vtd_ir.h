/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupt remapping as the emulated VT-d unit does it (VT-d spec ch. 5):
 * a device's MSI in remappable format (5.1.2.2: address bit 4 set, the
 * handle in bits 19:5 and 2, a subhandle in the data when SHV is set)
 * names an entry of the guest's interrupt remapping table (IRTA_REG,
 * 9.10); the entry gives the vector, destination, modes, and whom it
 * accepts the request from (source-id verification). Compatibility-format
 * MSIs pass as they are only while the guest allows them (GSTS.CFIS).
 * Failures are the spec's interrupt remapping fault reasons (0x20-0x26),
 * with the entry's FPD for the caller. Pure: the table is read through a
 * callback, with a small cache of entries that only the guest's
 * interrupt-entry-cache invalidations empty (6.5.2.7), as on hardware.
 * Posted interrupts (CAP.PI) are not offered: IM=1 is a reserved value.
 */
#ifndef TERN_CORE_VDEV_VIOMMU_VTD_IR_H
#define TERN_CORE_VDEV_VIOMMU_VTD_IR_H

#include "core/types.h"
#include "core/vdev/vlapic.h"
#include "core/vdev/viommu/vtd_walk.h"

/* Remappable-format MSI address (5.1.5.2); MSI_ADDR_REMAP/SHV in vtd_regs.h */
#define VTDIR_ADDR_HANDLE(a)	((u16)((((a) >> 5) & 0x7fff) | (((a) >> 2) & 1) << 15))

/* IRTE, remapped format (9.10); IRTE_P etc. in vtd_regs.h */
#define VTDIR_IRTE_DLM(lo)	((u8)(((lo) >> 5) & 7))
#define VTDIR_IRTE_IM		BIT(15)		/* posted: not offered */
#define VTDIR_IRTE_VECTOR(lo)	((u8)((lo) >> 16))
#define VTDIR_IRTE_RSVD_LO	(0x7ULL << 12 | 0xffULL << 24)
#define VTDIR_IRTE_RSVD_XAPIC	(0xffULL << 32 | 0xffffULL << 48)
#define VTDIR_IRTE_SID(hi)	((u16)(hi))
#define VTDIR_IRTE_SQ(hi)	((u32)((hi) >> 16) & 3)
#define VTDIR_IRTE_SVT(hi)	((u32)((hi) >> 18) & 3)
#define VTDIR_IRTE_RSVD_HI	(~0ULL << 20)
#define VTDIR_SVT_NONE		0
#define VTDIR_SVT_SID		1	/* requester-id, SQ masks function bits */
#define VTDIR_SVT_BUS		2	/* bus in [SID 15:8, SID 7:0] */

#define VTDIR_CACHE		64	/* entries, direct-mapped by index */

struct vtdir_cache {
	struct {
		bool valid;
		u16 index;
		u64 lo, hi;
	} e[VTDIR_CACHE];
	u64 hits, misses;
};

struct vtdir_req {
	u16 sid;
	u32 addr_lo, addr_hi, data;
};

struct vtdir_result {
	u8 fault;			/* 0, or a fault reason */
	bool fpd;			/* the entry asks for no fault record */
	bool compat;			/* compatibility format, let through as is */
	u16 index;			/* the entry (for the fault record) */
	u8 vector, dlm;			/* delivery mode as in the MSI data */
	bool logical, level, rh;
	bool x2apic;			/* IRTA.EIME: dest is a 32-bit x2APIC ID */
	u32 dest;			/* x2APIC ID (EIME), else 8-bit xAPIC ID */
};

/* Forget every entry, or the 2^im entries from index (aligned). */
void vtdir_cache_flush(struct vtdir_cache *c, bool global, u16 index, u8 im);
/*
 * The same, then the entries read back into the cache at once: those the
 * flush named (at most VTDIR_CACHE of them), or for a global flush the
 * ones it had. For an overcommitted VM, whose table pages may be on disk
 * when an interrupt comes (and an interrupt cannot wait): the read is
 * made where the queue can wait instead. false: a read failed (m->again
 * says whether only for now); the flush is done either way.
 */
bool vtdir_cache_flush_reload(const struct vtdw_mem *m, struct vtdir_cache *c, u64 irta,
			      bool global, u16 index, u8 im);

/*
 * The request through the unit whose GSTS is gsts and latched IRTA irta.
 * With remapping off (IRES clear) every request is compat: as it came.
 */
void vtdir_translate(const struct vtdw_mem *m, struct vtdir_cache *c, u32 gsts, u64 irta,
		     const struct vtdir_req *rq, struct vtdir_result *r);

/*
 * The APIC message a request comes out as: the remapped entry's vector,
 * delivery mode, destination mode and destination (9.10), or, for a
 * compatibility-format request let through, the message as its address
 * and data say (msi_guest_message, 5.1.2.1). *level: the trigger mode
 * the local APIC records (TMR, so the EOI goes back to the I/O APIC):
 * the IRTE's TM, or the data's for compatibility format; never for NMI.
 * false: faulted (r->fault), or a delivery mode tern does not deliver
 * (SMI, INIT, ExtINT, and IRTE values 3 and 6, which 9.10 reserves).
 */
bool vtdir_message(const struct vtdir_req *rq, const struct vtdir_result *r,
		   struct vlapic_ipi *msg, bool *level);

#endif
