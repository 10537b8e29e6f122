/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the VT-d driver computes without touching hardware: capability
 * decoding, invalidation descriptors, fault-record decoding. Unit-tested.
 */
#ifndef TERN_IOMMU_VTD_HW_H
#define TERN_IOMMU_VTD_HW_H

#include "iommu/vtd_regs.h"

struct vtd_caps {
	u32 ver_major, ver_minor;
	u32 domains;			/* 2^(4 + 2*ND) */
	u32 mgaw;			/* max guest address width, bits */
	u32 sagaw;			/* bit 1: 3-level (39), bit 2: 4-level (48) */
	bool large_2m, large_1g;
	u32 fro, nfr;			/* fault records: offset, count */
	u32 iro;			/* IOTLB registers offset */
	bool caching_mode, rwbf, psi;
	u32 mamv;			/* largest page-selective AM */
	bool coherent, qi, ir, eim, pt, sc, scalable;
};

void vtd_caps_decode(u32 ver, u64 cap, u64 ecap, struct vtd_caps *c);
/* The address width tern's second-level tables use: 48 (4-level) when
 * supported, else 39 (3-level); 0 if neither. */
u32 vtd_agaw(const struct vtd_caps *c);

struct vtd_desc {
	u64 lo, hi;
};

struct vtd_desc vtd_desc_cc_global(void);
struct vtd_desc vtd_desc_iotlb_global(bool drain);
/* Domain-selective, and page-selective (2^am pages from addr, aligned
 * down to their size; the unit's CAP.PSI and MAMV must allow it). */
struct vtd_desc vtd_desc_iotlb_domain(u16 did, bool drain);
struct vtd_desc vtd_desc_iotlb_page(u16 did, u64 addr, u32 am, bool drain);
struct vtd_desc vtd_desc_iec_global(void);
/* Wait: write status_data to status_pa (4-byte aligned) when reached. */
struct vtd_desc vtd_desc_wait(u32 status_data, u64 status_pa);

/* An interrupt-entry-cache invalidation of one entry. */
struct vtd_desc vtd_desc_iec_index(u16 index);
/* A remapped IRTE: fixed, edge, physical destination; only requests
 * from source-id sid get it. */
struct vtd_desc vtd_irte(u32 apic_id, u8 vector, bool x2apic, u16 sid);
/* The MSI address that names IRTE `handle` (data 0, no subhandle). */
u32 vtd_msi_addr(u16 handle);

struct vtd_fault {
	u64 addr;			/* page address of the faulting request */
	u16 sid;			/* requester: bus << 8 | dev << 3 | fn */
	u8 reason;
	bool read;
};

/* false if the record holds no fault (F clear). */
bool vtd_fault_decode(u64 lo, u64 hi, struct vtd_fault *f);
const char *vtd_fault_reason(u8 reason);

#endif
