/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ACPI DMAR table (Intel VT-d spec rev. 4.x, ch. 8): remapping units
 * (DRHD) with their device scopes, reserved memory (RMRR) and ATS (ATSR).
 * Parsing only; the VT-d driver will use what is found here.
 */
#ifndef TERN_IOMMU_DMAR_H
#define TERN_IOMMU_DMAR_H

#include "core/report.h"

#define DMAR_HEADER_LEN		48	/* SDT header + HAW, flags, reserved */
#define DMAR_FLAG_INTR_REMAP	BIT(0)
#define DMAR_FLAG_X2APIC_OPT_OUT BIT(1)

/* Remapping structure types (8.2) */
#define DMAR_TYPE_DRHD		0
#define DMAR_TYPE_RMRR		1
#define DMAR_TYPE_ATSR		2
#define DMAR_TYPE_RHSA		3
#define DMAR_TYPE_ANDD		4
#define DMAR_TYPE_SATC		5

#define DRHD_FLAG_INCLUDE_ALL	BIT(0)

/* Device scope types (8.3.1) */
#define DMAR_SCOPE_ENDPOINT	1
#define DMAR_SCOPE_BRIDGE	2
#define DMAR_SCOPE_IOAPIC	3
#define DMAR_SCOPE_HPET		4
#define DMAR_SCOPE_ACPI		5

#define DMAR_MAX_UNITS		8
#define DMAR_MAX_SCOPES		16
#define DMAR_MAX_RMRR		8

struct dmar_scope {
	u8 type;
	u8 enum_id;
	u8 bus;			/* start bus */
	u8 dev, fn;		/* last path element */
	u8 path_len;		/* number of (dev, fn) elements */
};

struct dmar_unit {
	u64 reg_base;
	u16 segment;
	u8 flags;
	u32 nscopes;
	struct dmar_scope scopes[DMAR_MAX_SCOPES];
};

struct dmar_rmrr {
	u64 base, limit;
	u16 segment;
	u32 nscopes;
	struct dmar_scope scopes[DMAR_MAX_SCOPES];
};

struct dmar_info {
	u8 host_addr_width;	/* HAW + 1 bits */
	u8 flags;
	u32 nunits;
	struct dmar_unit units[DMAR_MAX_UNITS];
	u32 nrmrr;
	struct dmar_rmrr rmrr[DMAR_MAX_RMRR];
	u32 natsr;
	u32 nother;		/* RHSA, ANDD, SATC: counted, not used yet */
};

/*
 * Whether a scope list names the PCI function bus:devfn as an endpoint.
 * Single-element paths only: a deeper path needs the bus numbers firmware
 * gave the bridges on it (not resolved yet; such scopes match nothing).
 */
bool dmar_scopes_name(const struct dmar_scope *s, u32 n, u8 bus, u8 devfn);
/* The next RMRR from *i on whose scope names the function, or NULL. */
const struct dmar_rmrr *dmar_rmrr_next(const struct dmar_info *d, u8 bus, u8 devfn, u32 *i);

/*
 * Endpoint scopes (of units and RMRRs) naming a function that is not on
 * the bus: each reported; they match nothing. exists(bus, devfn) answers
 * for the machine. Returns how many.
 */
int dmar_check_scopes(const struct dmar_info *d, bool (*exists)(u8 bus, u8 devfn),
		      report_fn rep, void *arg);

/* table/len: the whole DMAR (checksum already verified). Returns problems. */
int dmar_parse(struct dmar_info *d, const u8 *table, u32 len,
	       report_fn rep, void *arg);

#endif
