/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI tables tern gives a VM (ACPI 6.5 ch. 5): RSDP (rev 2) in the BIOS
 * area where firmware puts it, an XSDT, a MADT with one local APIC per
 * vCPU, a hardware-reduced FADT and a minimal DSDT. They list only what
 * tern emulates: no I/O APIC, PIC, PM timer or PCI until those exist.
 */
#ifndef TERN_CORE_GUEST_ACPI_H
#define TERN_CORE_GUEST_ACPI_H

#include "core/types.h"

#define GUEST_ACPI_RSDP		0xe0000		/* scanned area: 0xe0000-0xfffff */
#define GUEST_ACPI_SIZE		0x2000

/* Build into buf (the guest's bytes at base, size GUEST_ACPI_SIZE);
 * returns the bytes used, or 0 when they do not fit. */
u32 guest_acpi_build(u8 *buf, u64 base, u32 ncpus, const u32 *apic_ids);

#endif
