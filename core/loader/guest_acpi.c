// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/le.h"
#include "core/acpi/acpi.h"
#include "core/loader/guest_acpi.h"
#include "core/vdev/vioapic.h"
#include "core/vdev/pci/vpci.h"
#include "core/vdev/vplatform.h"

#define FADT_LEN	276	/* ACPI 6.x */
#define FACS_LEN	64
#define MCFG_LEN	(44 + 16)	/* one allocation */
#define DMAR_LEN	(48 + 16 + 8)	/* one DRHD with an I/O APIC scope */

/* DMAR (VT-d spec 8.1-8.3) */
#define DMAR_DRHD		0
#define DMAR_INTR_REMAP		BIT(0)	/* flags (8.1) */
#define DRHD_INCLUDE_PCI_ALL	BIT(0)
#define DMAR_SCOPE_IOAPIC	3

/* FADT flags and IA-PC boot architecture flags (ACPI 6.5 tables 5.10/5.11) */
#define FADT_WBINVD		BIT(0)
#define FADT_PROC_C1		BIT(2)
#define FADT_PWR_BUTTON		BIT(4)	/* no fixed-feature power button */
#define FADT_SLP_BUTTON		BIT(5)	/* no fixed-feature sleep button */
#define IAPC_LEGACY_DEVICES	BIT(0)
#define IAPC_VGA_NOT_PRESENT	BIT(2)

/* MPS INTI flags of an interrupt source override (ACPI 6.5 table 5.26) */
#define MPS_ACTIVE_HIGH		0x1
#define MPS_LEVEL		0xc

static void header(u8 *t, const char *sig, u32 len, u8 rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "TERN  ", 6);
	memcpy(t + 16, "TERNVM  ", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "TERN", 4);
	put32(t + 32, 1);
}

static void seal(u8 *t, u32 len)
{
	t[9] = 0;
	t[9] = (u8)-acpi_checksum(t, len);
}

static void gas_io(u8 *p, u8 bits, u8 access, u16 port)
{
	p[0] = 1;				/* system I/O space */
	p[1] = bits;
	p[2] = 0;
	p[3] = access;				/* 1 byte, 2 word, 3 dword */
	put64(p + 4, port);
}

/*
 * The DSDT's AML (ACPI 6.5 ch. 20), made by a small emitter: \_S5 (the
 * sleep type tern's PM block honours) and \_SB.PCI0, the PCI root bridge
 * (PNP0A08) of bus 0 with the resources q35 gives it: bus 0, the 0xcf8
 * config ports, the I/O space around them and the 32-bit MMIO hole below
 * the I/O APIC. PkgLengths always take two bytes (legal, and simple).
 */
struct aml {
	u8 *p;
	u32 n;
};

static void aml_bytes(struct aml *a, const void *b, u32 len)
{
	memcpy(a->p + a->n, b, len);
	a->n += len;
}

static void aml_byte(struct aml *a, u8 b)
{
	a->p[a->n++] = b;
}

static void aml_u16(struct aml *a, u16 v)
{
	aml_byte(a, (u8)v);
	aml_byte(a, (u8)(v >> 8));
}

static void aml_u32(struct aml *a, u32 v)
{
	aml_u16(a, (u16)v);
	aml_u16(a, (u16)(v >> 16));
}

static u32 aml_pkg_open(struct aml *a)
{
	a->n += 2;
	return a->n - 2;
}

static void aml_pkg_close(struct aml *a, u32 at)
{
	u32 len = a->n - at;		/* counts the PkgLength itself */

	a->p[at] = (u8)(0x40 | (len & 0xf));
	a->p[at + 1] = (u8)(len >> 4);
}

/* Name (NAME, DWord) for an EISA ID such as PNP0A08, or a small integer. */
static void aml_name_dword(struct aml *a, const char *name, u32 v)
{
	aml_byte(a, 0x08);			/* NameOp */
	aml_bytes(a, name, 4);
	aml_byte(a, 0x0c);			/* DWordPrefix */
	aml_u32(a, v);
}

static void aml_name_zero(struct aml *a, const char *name)
{
	aml_byte(a, 0x08);
	aml_bytes(a, name, 4);
	aml_byte(a, 0x00);			/* ZeroOp */
}

/* Word address space descriptor (ACPI 6.5 6.4.3.5.3): producer, fixed. */
static void res_word(struct aml *a, u8 type, u8 tflags, u16 min, u16 max)
{
	aml_byte(a, 0x88);
	aml_u16(a, 13);
	aml_byte(a, type);			/* 1 I/O, 2 bus number */
	aml_byte(a, 0x0c);			/* MinFixed, MaxFixed, producer */
	aml_byte(a, tflags);
	aml_u16(a, 0);				/* granularity */
	aml_u16(a, min);
	aml_u16(a, max);
	aml_u16(a, 0);				/* translation */
	aml_u16(a, (u16)(max - min + 1));
}

static void res_dword_mem(struct aml *a, u32 min, u32 max)
{
	aml_byte(a, 0x87);			/* DWord address space */
	aml_u16(a, 23);
	aml_byte(a, 0);				/* memory */
	aml_byte(a, 0x0c);
	aml_byte(a, 0x01);			/* read-write, non-cacheable */
	aml_u32(a, 0);
	aml_u32(a, min);
	aml_u32(a, max);
	aml_u32(a, 0);
	aml_u32(a, max - min + 1);
}

#define EISA_PNP0A08	0x080ad041
#define EISA_PNP0A03	0x030ad041

static u32 dsdt_aml(u8 *out)
{
	struct aml a = { out, 0 };
	u32 scope, dev, buf;

	/* Name (_S5, Package () { 5, 5, 0, 0 }) */
	aml_byte(&a, 0x08);
	aml_bytes(&a, "_S5_", 4);
	aml_byte(&a, 0x12);			/* PackageOp */
	scope = aml_pkg_open(&a);
	aml_byte(&a, 4);
	aml_byte(&a, 0x0a);
	aml_byte(&a, VPM_S5_TYP);
	aml_byte(&a, 0x0a);
	aml_byte(&a, VPM_S5_TYP);
	aml_byte(&a, 0x00);
	aml_byte(&a, 0x00);
	aml_pkg_close(&a, scope);

	/* Scope (\_SB) { Device (PCI0) { ... } } */
	aml_byte(&a, 0x10);			/* ScopeOp */
	scope = aml_pkg_open(&a);
	aml_bytes(&a, "\\_SB_", 5);
	aml_byte(&a, 0x5b);			/* ExtOpPrefix */
	aml_byte(&a, 0x82);			/* DeviceOp */
	dev = aml_pkg_open(&a);
	aml_bytes(&a, "PCI0", 4);
	aml_name_dword(&a, "_HID", EISA_PNP0A08);
	aml_name_dword(&a, "_CID", EISA_PNP0A03);
	aml_name_zero(&a, "_SEG");
	aml_name_zero(&a, "_BBN");
	aml_name_zero(&a, "_UID");
	aml_byte(&a, 0x08);
	aml_bytes(&a, "_CRS", 4);
	aml_byte(&a, 0x11);			/* BufferOp */
	buf = aml_pkg_open(&a);
	aml_byte(&a, 0x0b);			/* WordPrefix: the size follows */
	{
		u32 size_at = a.n, start;

		aml_u16(&a, 0);
		start = a.n;
		res_word(&a, 2, 0, 0, 0);				/* bus 0 */
		aml_byte(&a, 0x47);		/* I/O port descriptor */
		aml_byte(&a, 0x01);		/* 16-bit decode */
		aml_u16(&a, VPCI_PORT_ADDR);
		aml_u16(&a, VPCI_PORT_ADDR);
		aml_byte(&a, 1);
		aml_byte(&a, 8);
		res_word(&a, 1, 0x03, 0x0000, 0x0cf7);		/* I/O windows */
		res_word(&a, 1, 0x03, 0x0d00, 0xffff);
		res_dword_mem(&a, 0xc0000000, (u32)VIOAPIC_BASE - 1);
		aml_byte(&a, 0x79);		/* end tag, checksum 0 */
		aml_byte(&a, 0x00);
		a.p[size_at] = (u8)(a.n - start);
		a.p[size_at + 1] = (u8)((a.n - start) >> 8);
	}
	aml_pkg_close(&a, buf);

	/* Name (_PRT, Package () { Package () { 0xSSSSFFFF, pin, 0, GSI }, ... })
	 * Source 0: the GSI is hardwired, no link device. */
	aml_byte(&a, 0x08);
	aml_bytes(&a, "_PRT", 4);
	aml_byte(&a, 0x12);
	buf = aml_pkg_open(&a);
	aml_byte(&a, GUEST_PRT_SLOTS * 4);
	for (u32 slot = GUEST_PRT_FIRST_SLOT; slot < GUEST_PRT_FIRST_SLOT + GUEST_PRT_SLOTS;
	     slot++) {
		for (u32 pin = 0; pin < 4; pin++) {
			u32 e;

			aml_byte(&a, 0x12);
			e = aml_pkg_open(&a);
			aml_byte(&a, 4);
			aml_byte(&a, 0x0c);		/* DWordPrefix */
			aml_u32(&a, slot << 16 | 0xffff);
			aml_byte(&a, 0x0a);		/* BytePrefix */
			aml_byte(&a, (u8)pin);
			aml_byte(&a, 0x00);		/* Source: Zero */
			aml_byte(&a, 0x0a);
			aml_byte(&a, (u8)GUEST_PCI_GSI(slot, pin));
			aml_pkg_close(&a, e);
		}
	}
	aml_pkg_close(&a, buf);
	aml_pkg_close(&a, dev);
	aml_pkg_close(&a, scope);
	return a.n;
}

#define DSDT_AML_MAX	640

static u8 *madt_iso(u8 *p, u8 irq, u32 gsi, u16 flags)
{
	p[0] = MADT_ISO;
	p[1] = 10;
	p[2] = 0;				/* ISA */
	p[3] = irq;
	put32(p + 4, gsi);
	put16(p + 8, flags);
	return p + 10;
}

/*
 * The DMAR of the guest's emulated VT-d unit: one DRHD covering every PCI
 * device of segment 0 (INCLUDE_PCI_ALL), with the I/O APIC in its scope
 * as 8.3.1 requires, at the source-id its interrupt requests carry
 * (VIOAPIC_SID: bus 0xff, 00.0, as q35 has it). Flags (8.1): INTR_REMAP,
 * since the unit remaps the I/O APIC's remappable-format entries and
 * every device MSI; X2APIC_OPT_OUT clear, so a guest may run its APICs
 * in x2APIC mode with remapping (ECAP.EIM) — Linux under a hypervisor it
 * does not know uses x2APIC only so.
 */
static void dmar(u8 *t, u64 vtd)
{
	u8 *d = t + 48, *sc = d + 16;

	header(t, "DMAR", DMAR_LEN, 1);
	t[36] = 48 - 1;				/* host address width - 1 */
	t[37] = DMAR_INTR_REMAP;		/* and no X2APIC_OPT_OUT */
	put16(d, DMAR_DRHD);
	put16(d + 2, 16 + 8);
	d[4] = DRHD_INCLUDE_PCI_ALL;
	d[5] = 0;				/* register set: one page */
	put16(d + 6, 0);			/* segment */
	put64(d + 8, vtd);
	sc[0] = DMAR_SCOPE_IOAPIC;
	sc[1] = 8;
	sc[4] = 0;				/* I/O APIC ID (the MADT's) */
	sc[5] = VIOAPIC_SID >> 8;		/* start bus */
	sc[6] = (VIOAPIC_SID >> 3) & 0x1f;	/* path: device, function */
	sc[7] = VIOAPIC_SID & 7;
	seal(t, DMAR_LEN);
}

u32 guest_acpi_build(u8 *buf, u64 base, u32 ncpus, const u32 *ids)
{
	return guest_acpi_build_vtd(buf, base, ncpus, ids, 0);
}

u32 guest_acpi_build_vtd(u8 *buf, u64 base, u32 ncpus, const u32 *ids, u64 vtd)
{
	u32 off = 0, rsdp, xsdt, madt, mcfg, fadt, facs, dsdt, dsdt_len, madt_len, dmr = 0;
	u32 nx = vtd ? 4 : 3;
	u8 *t;

	memset(buf, 0, GUEST_ACPI_SIZE);
	rsdp = off;
	off += 64;				/* RSDP: 36; FACS wants 64-aligned */
	facs = off;
	off += FACS_LEN;
	dsdt = off;
	dsdt_len = ACPI_SDT_HEADER_LEN + DSDT_AML_MAX;	/* trimmed below */
	off += dsdt_len;
	off = ALIGN_UP(off, 8);
	fadt = off;
	off += FADT_LEN;
	off = ALIGN_UP(off, 8);
	madt = off;
	madt_len = 44 + 12 + 2 * 10 + 6;	/* + I/O APIC, 2 overrides, NMI */
	for (u32 i = 0; i < ncpus; i++)
		madt_len += ids[i] < 255 ? 8 : 16;
	off += madt_len;
	off = ALIGN_UP(off, 8);
	mcfg = off;
	off += MCFG_LEN;
	if (vtd) {
		off = ALIGN_UP(off, 8);
		dmr = off;
		off += DMAR_LEN;
	}
	xsdt = off;
	off += ACPI_SDT_HEADER_LEN + nx * 8;
	if (off > GUEST_ACPI_SIZE)
		return 0;

	/* FACS (ACPI 6.5 5.2.10): no checksum; the global lock lives here. */
	t = buf + facs;
	memcpy(t, "FACS", 4);
	put32(t + 4, FACS_LEN);
	t[32] = 2;				/* version */

	t = buf + dsdt;
	dsdt_len = ACPI_SDT_HEADER_LEN + dsdt_aml(t + ACPI_SDT_HEADER_LEN);
	header(t, "DSDT", dsdt_len, 2);
	seal(t, dsdt_len);

	/*
	 * FADT (ACPI 6.5 5.2.9): a PC with the PM1a blocks and a 32-bit PM
	 * timer at q35's PMBASE, SCI on IRQ 9, always in ACPI mode (no SMI
	 * command port), reset through 0xcf9, no 8042, no VGA.
	 */
	t = buf + fadt;
	header(t, "FACP", FADT_LEN, 6);
	put32(t + 36, (u32)(base + facs));
	put32(t + 40, (u32)(base + dsdt));
	put16(t + 46, VPLAT_SCI_IRQ);
	put32(t + 56, VPM_PM1_STS);		/* PM1a_EVT_BLK */
	put32(t + 64, VPM_PM1_CNT);		/* PM1a_CNT_BLK */
	put32(t + 76, VPM_TMR);			/* PM_TMR_BLK */
	t[88] = 4;				/* PM1_EVT_LEN */
	t[89] = 2;				/* PM1_CNT_LEN */
	t[91] = 4;				/* PM_TMR_LEN */
	put16(t + 96, 101);			/* P_LVL2_LAT: no C2 */
	put16(t + 98, 1001);			/* P_LVL3_LAT: no C3 */
	t[108] = 0x32;				/* CENTURY: the CMOS century byte */
	put16(t + 109, IAPC_LEGACY_DEVICES | IAPC_VGA_NOT_PRESENT);
	put32(t + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON |
		       FADT_SLP_BUTTON | FADT_TMR_VAL_EXT | FADT_RESET_REG_SUP);
	gas_io(t + 116, 8, 1, 0xcf9);		/* RESET_REG */
	t[128] = 0x06;				/* RESET_VALUE: full reset */
	t[131] = 5;				/* minor revision: 6.5 */
	put64(t + 132, base + facs);		/* X_FIRMWARE_CTRL */
	put64(t + 140, base + dsdt);		/* X_DSDT */
	gas_io(t + 148, 32, 2, VPM_PM1_STS);	/* X_PM1a_EVT_BLK */
	gas_io(t + 172, 16, 2, VPM_PM1_CNT);	/* X_PM1a_CNT_BLK */
	gas_io(t + 208, 32, 3, VPM_TMR);	/* X_PM_TMR_BLK */
	seal(t, FADT_LEN);

	/* MADT: a local APIC per vCPU, the I/O APIC, PC-AT 8259s. */
	t = buf + madt;
	header(t, "APIC", madt_len, 5);
	put32(t + 36, 0xfee00000);
	put32(t + 40, MADT_PCAT_COMPAT);
	{
		u8 *p = t + 44;

		for (u32 i = 0; i < ncpus; i++) {
			if (ids[i] < 255) {
				p[0] = MADT_LAPIC;
				p[1] = 8;
				p[2] = (u8)i;
				p[3] = (u8)ids[i];
				put32(p + 4, MADT_LAPIC_ENABLED);
				p += 8;
			} else {
				p[0] = MADT_X2APIC;
				p[1] = 16;
				put32(p + 4, ids[i]);
				put32(p + 8, MADT_LAPIC_ENABLED);
				put32(p + 12, i);
				p += 16;
			}
		}
		p[0] = MADT_IOAPIC;
		p[1] = 12;
		p[2] = 0;				/* I/O APIC ID */
		put32(p + 4, (u32)VIOAPIC_BASE);
		put32(p + 8, 0);			/* GSI base */
		p += 12;
		/* The PIT's IRQ 0 is pin 2; the SCI is level, active high
		 * (as q35's firmware describes them). */
		p = madt_iso(p, 0, VPLAT_PIT_PIN, 0);
		p = madt_iso(p, VPLAT_SCI_IRQ, VPLAT_SCI_IRQ, MPS_LEVEL | MPS_ACTIVE_HIGH);
		p[0] = MADT_LAPIC_NMI;			/* LINT1 is NMI on all */
		p[1] = 6;
		p[2] = 0xff;
		put16(p + 3, 0);
		p[5] = 1;
	}
	seal(t, madt_len);

	/* MCFG (PCI Firmware 3.2 4.1.2): ECAM for segment 0, bus 0. */
	t = buf + mcfg;
	header(t, "MCFG", MCFG_LEN, 1);
	put64(t + 44, VPCI_ECAM_BASE);
	put16(t + 52, 0);			/* segment */
	t[54] = 0;				/* start bus */
	t[55] = 0;				/* end bus */
	seal(t, MCFG_LEN);

	if (vtd)
		dmar(buf + dmr, vtd);

	t = buf + xsdt;
	header(t, "XSDT", ACPI_SDT_HEADER_LEN + nx * 8, 1);
	put64(t + 36, base + fadt);
	put64(t + 44, base + madt);
	put64(t + 52, base + mcfg);
	if (vtd)
		put64(t + 60, base + dmr);
	seal(t, ACPI_SDT_HEADER_LEN + nx * 8);

	t = buf + rsdp;
	memcpy(t, "RSD PTR ", 8);
	memcpy(t + 9, "TERN  ", 6);
	t[15] = 2;
	put32(t + 16, 0);			/* no RSDT: 64-bit XSDT only */
	put32(t + 20, 36);
	put64(t + 24, base + xsdt);
	t[8] = (u8)-acpi_checksum(t, 20);
	t[32] = (u8)-acpi_checksum(t, 36);
	return off;
}
