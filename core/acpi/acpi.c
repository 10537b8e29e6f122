// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/le.h"
#include "core/acpi/acpi.h"
#include "core/report.h"

u8 acpi_checksum(const void *p, u32 len)
{
	const u8 *b = p;
	u8 s = 0;

	while (len--)
		s += *b++;
	return s;
}

#define say(ai, ops, ...) \
	report((ops)->report, (ops)->ctx, &(ai)->problems, __VA_ARGS__)

static void copy_str(char *dst, const u8 *src, u32 n)
{
	for (u32 i = 0; i < n; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : ' ';
	dst[n] = 0;
	while (n && dst[n - 1] == ' ')
		dst[--n] = 0;
}

static bool rsdp_valid(const u8 *p, const struct acpi_ops *ops, u64 pa)
{
	(void)ops; (void)pa;
	if (memcmp(p, "RSD PTR ", 8) || acpi_checksum(p, 20))
		return false;
	return true;
}

u64 acpi_scan_rsdp(const struct acpi_ops *ops)
{
	const u8 *bda = ops->map(0x40e, 2, ops->ctx);
	u64 areas[2][2] = { { 0, 0 }, { 0xe0000, 0x20000 } };

	if (bda) {
		u64 ebda = (u64)rd16(bda) << 4;

		if (ebda >= 0x80000 && ebda < 0xa0000) {
			areas[0][0] = ebda;
			areas[0][1] = 1024;
		}
	}
	for (int a = 0; a < 2; a++) {
		const u8 *p;

		if (!areas[a][1])
			continue;
		p = ops->map(areas[a][0], areas[a][1], ops->ctx);
		if (!p)
			continue;
		for (u64 off = 0; off + 20 <= areas[a][1]; off += 16)
			if (rsdp_valid(p + off, ops, areas[a][0] + off))
				return areas[a][0] + off;
	}
	return 0;
}

/* Map and check one SDT; records it in ai->tables either way. */
static const u8 *load_table(struct acpi_info *ai, const struct acpi_ops *ops,
			    u64 pa, struct acpi_table **rec)
{
	const u8 *h, *t;
	struct acpi_table *r;
	u32 len;

	*rec = NULL;
	if (ai->ntables >= ACPI_MAX_TABLES) {
		say(ai, ops, "acpi: more than %u tables, table at %#llx ignored",
		    ACPI_MAX_TABLES, (unsigned long long)pa);
		return NULL;
	}
	r = &ai->tables[ai->ntables];
	memset(r, 0, sizeof(*r));
	r->pa = pa;
	h = pa ? ops->map(pa, ACPI_SDT_HEADER_LEN, ops->ctx) : NULL;
	if (!h) {
		say(ai, ops, "acpi: table pointer %#llx leads to no memory, skipped",
		    (unsigned long long)pa);
		return NULL;
	}
	ai->ntables++;
	*rec = r;
	copy_str(r->sig, h, 4);
	copy_str(r->oem_id, h + 10, 6);
	copy_str(r->oem_table_id, h + 16, 8);
	r->revision = h[8];
	r->oem_revision = rd32(h + 24);
	len = rd32(h + 4);
	r->length = len;
	if (len < ACPI_SDT_HEADER_LEN || len > ACPI_MAX_TABLE_LEN) {
		r->problem = "length out of range";
	} else if (!(t = ops->map(pa, len, ops->ctx))) {
		r->problem = "truncated (runs past memory)";
	} else if (acpi_checksum(t, len)) {
		r->problem = "bad checksum";
	} else {
		r->ok = true;
		return t;
	}
	say(ai, ops, "acpi: %s at %#llx (length %u): %s, skipped",
	    r->sig[0] ? r->sig : "????", (unsigned long long)pa, len, r->problem);
	return NULL;
}

static void too_short(struct acpi_info *ai, const struct acpi_ops *ops,
		      struct acpi_table *r, u32 need)
{
	r->ok = false;
	r->problem = "shorter than its fixed fields";
	say(ai, ops, "acpi: %s at %#llx has %u bytes, needs %u: truncated, skipped",
	    r->sig, (unsigned long long)r->pa, r->length, need);
}

static void parse_madt(struct acpi_info *ai, const struct acpi_ops *ops,
		       const u8 *t, struct acpi_table *r)
{
	const u8 *p, *end = t + r->length;

	if (r->length < 44) {
		too_short(ai, ops, r, 44);
		return;
	}
	ai->has_madt = true;
	ai->lapic_addr = rd32(t + 36);
	ai->madt_flags = rd32(t + 40);
	for (p = t + 44; p + 2 <= end; p += p[1]) {
		u8 type = p[0], len = p[1];

		if (len < 2 || p + len > end) {
			say(ai, ops, "acpi: MADT entry type %u at offset %u has bad length %u, rest ignored",
			    type, (unsigned)(p - t), len);
			break;
		}
		switch (type) {
		case MADT_LAPIC:
		case MADT_X2APIC: {
			struct acpi_cpu *c;
			u32 flags;

			if (len < (type == MADT_LAPIC ? 8 : 16)) {
				say(ai, ops, "acpi: MADT CPU entry of %u bytes too short, ignored", len);
				break;
			}
			if (ai->ncpus >= ACPI_MAX_CPUS) {
				say(ai, ops, "acpi: more than %u CPUs in the MADT, extra ignored",
				    ACPI_MAX_CPUS);
				break;
			}
			c = &ai->cpus[ai->ncpus++];
			if (type == MADT_LAPIC) {
				c->uid = p[2];
				c->apic_id = p[3];
				flags = rd32(p + 4);
			} else {
				c->apic_id = rd32(p + 4);
				flags = rd32(p + 8);
				c->uid = rd32(p + 12);
				c->x2apic_entry = true;
			}
			c->enabled = flags & MADT_LAPIC_ENABLED;
			c->online_capable = flags & MADT_LAPIC_ONLINE_CAP;
			/* Both an xAPIC and an x2APIC entry may name one CPU. */
			for (u32 i = 0; i + 1 < ai->ncpus; i++) {
				if (ai->cpus[i].apic_id == c->apic_id) {
					ai->ncpus--;
					break;
				}
			}
			break;
		}
		case MADT_IOAPIC:
			if (len < 12 || ai->nioapics >= ACPI_MAX_IOAPICS) {
				say(ai, ops, "acpi: MADT I/O APIC entry ignored (short or too many)");
				break;
			}
			ai->ioapics[ai->nioapics].id = p[2];
			ai->ioapics[ai->nioapics].addr = rd32(p + 4);
			ai->ioapics[ai->nioapics].gsi_base = rd32(p + 8);
			ai->nioapics++;
			break;
		case MADT_ISO:
			if (len < 10 || ai->nisos >= ACPI_MAX_ISOS)
				break;
			ai->isos[ai->nisos].bus = p[2];
			ai->isos[ai->nisos].source = p[3];
			ai->isos[ai->nisos].gsi = rd32(p + 4);
			ai->isos[ai->nisos].flags = rd16(p + 8);
			ai->nisos++;
			break;
		case MADT_LAPIC_OVERRIDE:
			if (len >= 12)
				ai->lapic_addr = rd64(p + 4);
			break;
		}
	}
}

static u32 gas_io_port(const u8 *g)
{
	return g[0] == ACPI_GAS_IO ? (u32)rd64(g + 4) : 0;
}

static void parse_fadt(struct acpi_info *ai, const struct acpi_ops *ops,
		       const u8 *t, struct acpi_table *r)
{
	u32 len = r->length;
	u64 dsdt;

	if (len < 116) {	/* ACPI 1.0 FADT with flags */
		too_short(ai, ops, r, 116);
		return;
	}
	ai->has_fadt = true;
	ai->sci_irq = rd16(t + 46);
	ai->smi_cmd = rd32(t + 48);
	ai->acpi_enable = t[52];
	ai->pm1a_cnt = rd32(t + 64);
	ai->pm1b_cnt = rd32(t + 68);
	ai->pm_tmr = t[91] >= 4 ? rd32(t + 76) : 0;
	ai->iapc_boot_arch = rd16(t + 109);
	ai->century = t[108];
	ai->fadt_flags = rd32(t + 112);
	ai->pm_tmr_32bit = ai->fadt_flags & FADT_TMR_VAL_EXT;
	dsdt = rd32(t + 40);
	if (len >= 129 && (ai->fadt_flags & FADT_RESET_REG_SUP)) {
		const u8 *g = t + 116;

		ai->has_reset_reg = true;
		ai->reset_reg.space = g[0];
		ai->reset_reg.bit_width = g[1];
		ai->reset_reg.bit_offset = g[2];
		ai->reset_reg.access_size = g[3];
		ai->reset_reg.address = rd64(g + 4);
		ai->reset_value = t[128];
	}
	if (len >= 148 && rd64(t + 140))
		dsdt = rd64(t + 140);
	/* The extended blocks win when present (ACPI 2.0+). */
	if (len >= 184 && gas_io_port(t + 172))
		ai->pm1a_cnt = gas_io_port(t + 172);
	if (len >= 220 && gas_io_port(t + 208))
		ai->pm_tmr = gas_io_port(t + 208);
	ai->dsdt_pa = dsdt;
}

static void parse_mcfg(struct acpi_info *ai, const struct acpi_ops *ops,
		       const u8 *t, struct acpi_table *r)
{
	if (r->length < 44) {
		too_short(ai, ops, r, 44);
		return;
	}
	if ((r->length - 44) % 16)
		say(ai, ops, "acpi: MCFG length %u is not 44 + 16n; trailing bytes ignored",
		    r->length);
	for (const u8 *p = t + 44; p + 16 <= t + r->length; p += 16) {
		struct acpi_mcfg *m;

		if (ai->nmcfg >= ACPI_MAX_MCFG)
			break;
		m = &ai->mcfg[ai->nmcfg];
		m->base = rd64(p);
		m->segment = rd16(p + 8);
		m->bus_start = p[10];
		m->bus_end = p[11];
		if (!m->base || m->bus_end < m->bus_start) {
			say(ai, ops, "acpi: MCFG entry base %#llx buses %u-%u is invalid, ignored",
			    (unsigned long long)m->base, m->bus_start, m->bus_end);
			continue;
		}
		ai->nmcfg++;
	}
}

static void parse_hpet(struct acpi_info *ai, const struct acpi_ops *ops,
		       const u8 *t, struct acpi_table *r)
{
	if (r->length < 56) {
		too_short(ai, ops, r, 56);
		return;
	}
	ai->has_hpet = true;
	ai->hpet_base = rd64(t + 44);
	ai->hpet_number = t[52];
}

static void parse_dmar(struct acpi_info *ai, const struct acpi_ops *ops,
		       const u8 *t, struct acpi_table *r)
{
	if (r->length < DMAR_HEADER_LEN) {
		too_short(ai, ops, r, DMAR_HEADER_LEN);
		return;
	}
	ai->has_dmar = true;
	ai->problems += dmar_parse(&ai->dmar, t, r->length, ops->report, ops->ctx);
}

bool acpi_aml_find_s5(const u8 *aml, u32 len, u8 *typa, u8 *typb)
{
	for (u32 i = 1; i + 4 < len; i++) {
		const u8 *p = aml + i, *end = aml + len;
		u8 vals[2] = { 0, 0 };

		if (memcmp(p, "_S5_", 4))
			continue;
		/* NameOp, optionally a root prefix, then _S5_ (ACPI 20.2.5.1). */
		if (p[-1] != 0x08 && !(p[-1] == '\\' && i >= 2 && p[-2] == 0x08))
			continue;
		p += 4;
		if (p >= end || *p++ != 0x12)		/* PackageOp */
			continue;
		if (p >= end)
			return false;
		p += 1 + (*p >> 6);			/* PkgLength */
		if (p >= end)
			return false;
		p++;					/* NumElements */
		for (int k = 0; k < 2 && p < end; k++) {
			if (*p == 0x0a && p + 1 < end) {	/* BytePrefix */
				vals[k] = p[1];
				p += 2;
			} else if (*p == 0x00 || *p == 0x01) {	/* Zero/One */
				vals[k] = *p++;
			} else if (*p == 0xff) {		/* Ones */
				vals[k] = 0xff;
				p++;
			} else {
				return false;
			}
		}
		*typa = vals[0];
		*typb = vals[1];
		return true;
	}
	return false;
}

bool acpi_parse(struct acpi_info *ai, u64 rsdp_pa, const struct acpi_ops *ops)
{
	const u8 *rsdp, *root;
	struct acpi_table *rec;
	u32 entry_size, n;
	u64 root_pa;

	memset(ai, 0, sizeof(*ai));
	rsdp = rsdp_pa ? ops->map(rsdp_pa, 20, ops->ctx) : NULL;
	if (!rsdp || !rsdp_valid(rsdp, ops, rsdp_pa)) {
		say(ai, ops, "acpi: no valid RSDP at %#llx", (unsigned long long)rsdp_pa);
		return false;
	}
	ai->rsdp_pa = rsdp_pa;
	ai->rsdp_revision = rsdp[15];
	copy_str(ai->rsdp_oem, rsdp + 9, 6);
	root_pa = rd32(rsdp + 16);
	entry_size = 4;
	if (ai->rsdp_revision >= 2) {
		const u8 *x = ops->map(rsdp_pa, 36, ops->ctx);

		if (x && rd32(x + 20) >= 36 && !acpi_checksum(x, 36) && rd64(x + 24)) {
			root_pa = rd64(x + 24);
			entry_size = 8;
			ai->use_xsdt = true;
		} else {
			say(ai, ops, "acpi: RSDP v2 extended part is invalid; using the RSDT");
		}
	}
	ai->found = true;
	root = load_table(ai, ops, root_pa, &rec);
	if (!root && ai->use_xsdt && rd32(rsdp + 16)) {
		say(ai, ops, "acpi: XSDT unusable; falling back to the RSDT");
		ai->use_xsdt = false;
		entry_size = 4;
		root = load_table(ai, ops, rd32(rsdp + 16), &rec);
	}
	if (!root)
		return true;
	n = (rec->length - ACPI_SDT_HEADER_LEN) / entry_size;
	for (u32 i = 0; i < n; i++) {
		const u8 *e = root + ACPI_SDT_HEADER_LEN + i * entry_size;
		u64 pa = entry_size == 8 ? rd64(e) : rd32(e);
		const u8 *t = load_table(ai, ops, pa, &rec);

		if (!t)
			continue;
		if (!memcmp(rec->sig, "APIC", 4) && !ai->has_madt)
			parse_madt(ai, ops, t, rec);
		else if (!memcmp(rec->sig, "FACP", 4) && !ai->has_fadt)
			parse_fadt(ai, ops, t, rec);
		else if (!memcmp(rec->sig, "MCFG", 4) && !ai->nmcfg)
			parse_mcfg(ai, ops, t, rec);
		else if (!memcmp(rec->sig, "HPET", 4) && !ai->has_hpet)
			parse_hpet(ai, ops, t, rec);
		else if (!memcmp(rec->sig, "DMAR", 4) && !ai->has_dmar)
			parse_dmar(ai, ops, t, rec);
	}
	if (ai->has_fadt && ai->dsdt_pa) {
		const u8 *d = load_table(ai, ops, ai->dsdt_pa, &rec);

		if (d)
			ai->has_s5 = acpi_aml_find_s5(d + ACPI_SDT_HEADER_LEN,
						      rec->length - ACPI_SDT_HEADER_LEN,
						      &ai->s5_typa, &ai->s5_typb);
	}
	return true;
}

#ifndef TERN_HOST_TEST
#include "boot/bootinfo.h"
#include "core/log.h"
#include "mm/kmem.h"

struct acpi_info acpi;

static const void *kernel_map(u64 pa, u64 len, void *ctx)
{
	(void)ctx;
	if (!len || pa + len < pa || pa + len > MEMMAP_PHYS_LIMIT)
		return NULL;
	return kmem_map_firmware(pa, len);
}

static void kernel_report(const char *msg, void *ctx)
{
	(void)ctx;
	pr_warn("%s", msg);
}

void acpi_init(const struct boot_info *bi)
{
	struct acpi_ops ops = { kernel_map, kernel_report, NULL };
	u64 rsdp = bi->acpi_rsdp;

	if (!rsdp)
		rsdp = acpi_scan_rsdp(&ops);
	if (!acpi_parse(&acpi, rsdp, &ops)) {
		pr_err("acpi: no ACPI tables; one CPU, no PCI ECAM, no S5");
		return;
	}
	pr_info("acpi: RSDP rev %u (%s) at %#llx, %u tables via %s, %d problems",
		acpi.rsdp_revision, acpi.rsdp_oem, (unsigned long long)acpi.rsdp_pa,
		acpi.ntables, acpi.use_xsdt ? "XSDT" : "RSDT", acpi.problems);
	pr_info("acpi: %u CPUs, %u I/O APICs in MADT; FADT %s; MCFG %u; HPET %s; DMAR %s (%u units)",
		acpi.ncpus, acpi.nioapics, acpi.has_fadt ? "yes" : "no", acpi.nmcfg,
		acpi.has_hpet ? "yes" : "no", acpi.has_dmar ? "yes" : "no",
		acpi.dmar.nunits);
}
#endif

u32 acpi_irq_to_gsi(const struct acpi_info *ai, u8 irq, bool pci, bool *level, bool *active_low)
{
	u32 gsi = irq;
	u16 flags = 0;

	for (u32 i = 0; i < ai->nisos; i++) {
		if (ai->isos[i].bus == 0 && ai->isos[i].source == irq) {
			gsi = ai->isos[i].gsi;
			flags = ai->isos[i].flags;
			break;
		}
	}
	*level = MPS_TRIGGER(flags) ? MPS_TRIGGER(flags) == 3 : pci;
	*active_low = MPS_POLARITY(flags) ? MPS_POLARITY(flags) == 3 : pci;
	return gsi;
}
