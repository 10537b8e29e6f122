// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "core/acpi.h"
#include "core/guest_acpi.h"

#define FADT_LEN	276	/* ACPI 6.x */

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

u32 guest_acpi_build(u8 *buf, u64 base, u32 ncpus, const u32 *ids)
{
	u32 off = 0, rsdp, xsdt, madt, fadt, dsdt, madt_len;
	u8 *t;

	memset(buf, 0, GUEST_ACPI_SIZE);
	rsdp = off;
	off += 48;				/* RSDP: 36, keep 16-aligned */
	dsdt = off;
	off += ACPI_SDT_HEADER_LEN;
	fadt = off;
	off += FADT_LEN;
	off = ALIGN_UP(off, 8);
	madt = off;
	madt_len = 44;
	for (u32 i = 0; i < ncpus; i++)
		madt_len += ids[i] < 255 ? 8 : 16;
	off += madt_len;
	off = ALIGN_UP(off, 8);
	xsdt = off;
	off += ACPI_SDT_HEADER_LEN + 2 * 8;
	if (off > GUEST_ACPI_SIZE)
		return 0;

	/* DSDT: no AML yet; the hardware-reduced FADT needs none. */
	t = buf + dsdt;
	header(t, "DSDT", ACPI_SDT_HEADER_LEN, 2);
	seal(t, ACPI_SDT_HEADER_LEN);

	/* FADT, hardware-reduced: no PM blocks, no SCI, no PIC/8042 claims. */
	t = buf + fadt;
	header(t, "FACP", FADT_LEN, 6);
	put32(t + 40, (u32)(base + dsdt));
	t[108] = 0x32;				/* CENTURY: the CMOS century byte */
	put32(t + 112, FADT_HW_REDUCED | BIT(4) /* PWR_BUTTON: none */);
	t[131] = 5;				/* minor revision: 6.5 */
	put64(t + 140, base + dsdt);		/* X_DSDT */
	seal(t, FADT_LEN);

	/* MADT: one enabled local APIC per vCPU, no PC-AT PICs. */
	t = buf + madt;
	header(t, "APIC", madt_len, 5);
	put32(t + 36, 0xfee00000);
	put32(t + 40, 0);
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
