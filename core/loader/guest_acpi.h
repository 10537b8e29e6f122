/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI tables tern gives a VM (ACPI 6.5 ch. 5): RSDP (rev 2) in the BIOS
 * area where firmware puts it, an XSDT, a MADT (one local APIC per vCPU,
 * the I/O APIC, IRQ 0 on pin 2, PC-AT 8259s), a FADT with the PM1 blocks
 * and PM timer of core/vplatform.h, a FACS, an MCFG for bus 0's ECAM, and
 * a DSDT naming \_S5. They list only what tern emulates: no HPET or 8042.
 */
#ifndef TERN_CORE_LOADER_GUEST_ACPI_H
#define TERN_CORE_LOADER_GUEST_ACPI_H

#include "core/types.h"

#define GUEST_ACPI_RSDP		0xe0000		/* scanned area: 0xe0000-0xfffff */
#define GUEST_ACPI_SIZE		0x2000

/*
 * PCI interrupt routing of bus 0 (the DSDT's \_SB.PCI0._PRT, ACPI 6.5
 * 6.2.13): slots GUEST_PRT_FIRST_SLOT on, INTA-INTD swizzled over I/O APIC
 * pins 16-19 as q35 firmware does, level-triggered and active-low; where
 * assigned functions sit (core/passthru.h).
 */
#define GUEST_PRT_FIRST_SLOT	2
#define GUEST_PRT_SLOTS		4
#define GUEST_PCI_GSI(slot, pin)	(16 + (((slot) + (pin)) & 3))	/* pin 0: INTA */

/* Build into buf (the guest's bytes at base, size GUEST_ACPI_SIZE);
 * returns the bytes used, or 0 when they do not fit. */
u32 guest_acpi_build(u8 *buf, u64 base, u32 ncpus, const u32 *apic_ids);
/* The same with a DMAR for an emulated VT-d unit at vtd (0: none). */
u32 guest_acpi_build_vtd(u8 *buf, u64 base, u32 ncpus, const u32 *apic_ids, u64 vtd);

#endif
