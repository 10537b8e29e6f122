// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "core/acpi.h"
#include "core/guest_acpi.h"
#include "core/vioapic.h"
#include "core/vplatform.h"

#define FADT_LEN	276	/* ACPI 6.x */
#define FACS_LEN	64

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

static void put16(u8 *p, u16 v) { p[0] = v; p[1] = v >> 8; }
static void put32(u8 *p, u32 v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(u8 *p, u64 v) { put32(p, (u32)v); put32(p + 4, v >> 32); }

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
 * DSDT body (AML, ACPI 6.5 ch. 20): Name (_S5, Package () { 5, 5, 0, 0 }),
 * the PM1 control sleep type for soft-off that tern's PM block honours.
 */
static const u8 dsdt_aml[] = {
	0x08, '_', 'S', '5', '_',		/* NameOp _S5_ */
	0x12, 0x08, 0x04,			/* PackageOp, PkgLength, 4 elements */
	0x0a, VPM_S5_TYP, 0x0a, VPM_S5_TYP,	/* BytePrefix 5, BytePrefix 5 */
	0x00, 0x00,				/* Zero, Zero */
};

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

u32 guest_acpi_build(u8 *buf, u64 base, u32 ncpus, const u32 *ids)
{
	u32 off = 0, rsdp, xsdt, madt, fadt, facs, dsdt, dsdt_len, madt_len;
	u8 *t;

	memset(buf, 0, GUEST_ACPI_SIZE);
	rsdp = off;
	off += 64;				/* RSDP: 36; FACS wants 64-aligned */
	facs = off;
	off += FACS_LEN;
	dsdt = off;
	dsdt_len = ACPI_SDT_HEADER_LEN + sizeof(dsdt_aml);
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
	xsdt = off;
	off += ACPI_SDT_HEADER_LEN + 2 * 8;
	if (off > GUEST_ACPI_SIZE)
		return 0;

	/* FACS (ACPI 6.5 5.2.10): no checksum; the global lock lives here. */
	t = buf + facs;
	memcpy(t, "FACS", 4);
	put32(t + 4, FACS_LEN);
	t[32] = 2;				/* version */

	t = buf + dsdt;
	header(t, "DSDT", dsdt_len, 2);
	memcpy(t + ACPI_SDT_HEADER_LEN, dsdt_aml, sizeof(dsdt_aml));
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

	t = buf + xsdt;
	header(t, "XSDT", ACPI_SDT_HEADER_LEN + 16, 1);
	put64(t + 36, base + fadt);
	put64(t + 44, base + madt);
	seal(t, ACPI_SDT_HEADER_LEN + 16);

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
