// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include "iommu/vtd_hw.h"

void vtd_caps_decode(u32 ver, u64 cap, u64 ecap, struct vtd_caps *c)
{
	c->ver_major = (ver >> 4) & 0xf;
	c->ver_minor = ver & 0xf;
	c->domains = 1U << (4 + 2 * CAP_ND(cap));
	c->mgaw = CAP_MGAW(cap);
	c->sagaw = (u32)CAP_SAGAW(cap);
	c->large_2m = CAP_SLLPS(cap) & 1;
	c->large_1g = CAP_SLLPS(cap) & 2;
	c->fro = CAP_FRO(cap);
	c->nfr = CAP_NFR(cap);
	c->iro = ECAP_IRO(ecap);
	c->caching_mode = cap & CAP_CM;
	c->rwbf = cap & CAP_RWBF;
	c->psi = cap & CAP_PSI;
	c->mamv = (u32)((cap >> 48) & 0x3f);
	c->coherent = ecap & ECAP_C;
	c->qi = ecap & ECAP_QI;
	c->ir = ecap & ECAP_IR;
	c->eim = ecap & ECAP_EIM;
	c->pt = ecap & ECAP_PT;
	c->sc = ecap & ECAP_SC;
	c->scalable = ecap & ECAP_SMTS;
}

u32 vtd_agaw(const struct vtd_caps *c)
{
	if (c->sagaw & BIT(2))
		return 48;
	if (c->sagaw & BIT(1))
		return 39;
	return 0;
}

struct vtd_desc vtd_desc_cc_global(void)
{
	return (struct vtd_desc){ QI_CC | QI_GRAN_GLOBAL, 0 };
}

struct vtd_desc vtd_desc_iotlb_global(bool drain)
{
	return (struct vtd_desc){ QI_IOTLB | QI_GRAN_GLOBAL |
				  (drain ? QI_IOTLB_DR | QI_IOTLB_DW : 0), 0 };
}

/* IOTLB descriptor (6.5.2.3): granularity 5:4 (2 domain, 3 page), DID
 * 31:16; high: address 63:12, AM 5:0 (2^AM pages, the address aligned). */
struct vtd_desc vtd_desc_iotlb_domain(u16 did, bool drain)
{
	return (struct vtd_desc){ QI_IOTLB | (2ULL << 4) | (u64)did << 16 |
				  (drain ? QI_IOTLB_DR | QI_IOTLB_DW : 0), 0 };
}

struct vtd_desc vtd_desc_iotlb_page(u16 did, u64 addr, u32 am, bool drain)
{
	return (struct vtd_desc){ QI_IOTLB | (3ULL << 4) | (u64)did << 16 |
				  (drain ? QI_IOTLB_DR | QI_IOTLB_DW : 0),
				  (addr & ~((0x1000ULL << am) - 1)) | (am & 0x3f) };
}

struct vtd_desc vtd_desc_iec_global(void)
{
	return (struct vtd_desc){ QI_IEC, 0 };	/* granularity bit 4 = 0: global */
}

struct vtd_desc vtd_desc_wait(u32 status_data, u64 status_pa)
{
	/* Status data in 63:32; the address's bits 63:2 in the high half. */
	return (struct vtd_desc){ QI_WAIT | QI_WAIT_SW | QI_WAIT_FN | (u64)status_data << 32,
				  status_pa & ~3ULL };
}

struct vtd_desc vtd_desc_iec_index(u16 index)
{
	/* Granularity bit 4 = 1: index-selective; IIDX in 47:32, IM 0. */
	return (struct vtd_desc){ QI_IEC | BIT(4) | (u64)index << 32, 0 };
}

struct vtd_desc vtd_irte(u32 apic_id, u8 vector, bool x2apic, u16 sid)
{
	u64 lo = IRTE_P | IRTE_VECTOR(vector) |
		 (x2apic ? IRTE_DEST_X2APIC(apic_id) : IRTE_DEST_XAPIC(apic_id));

	return (struct vtd_desc){ lo, IRTE_HI_SID(sid) | IRTE_HI_SVT_VERIFY };
}

u32 vtd_msi_addr(u16 handle)
{
	return 0xfee00000U | (u32)(handle & 0x7fff) << 5 | MSI_ADDR_REMAP |
	       (u32)(handle >> 15) << 2;
}

bool vtd_fault_decode(u64 lo, u64 hi, struct vtd_fault *f)
{
	if (!(hi & FRCD_HI_F))
		return false;
	f->addr = lo & ~0xfffULL;
	f->sid = FRCD_HI_SID(hi);
	f->reason = FRCD_HI_FR(hi);
	f->read = hi & FRCD_HI_T;
	return true;
}

/* Fault reasons, legacy mode (VT-d spec appendix 7.1.3, table 7-1). */
const char *vtd_fault_reason(u8 r)
{
	static const char *const names[] = {
		[0x1] = "root entry not present",
		[0x2] = "context entry not present",
		[0x3] = "invalid context entry",
		[0x4] = "address beyond the domain's width",
		[0x5] = "write to a read-only page",
		[0x6] = "read of a no-read page",
		[0x7] = "invalid page-table pointer",
		[0x8] = "root table not accessible",
		[0x9] = "context table not accessible",
		[0xa] = "reserved bits in a root entry",
		[0xb] = "reserved bits in a context entry",
		[0xc] = "reserved bits in a page-table entry",
		[0xd] = "translation type not allowed",
	};

	if (r < sizeof(names) / sizeof(names[0]) && names[r])
		return names[r];
	if (r >= 0x20 && r <= 0x26)
		return "interrupt remapping fault";
	return "unknown reason";
}

