/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI tables tern reads (ACPI 6.5 spec, ch. 5.2): RSDP, RSDT/XSDT, MADT,
 * FADT (+ DSDT for \_S5), MCFG, HPET, DMAR. Every table is checked (length,
 * checksum, minimum size) before it is believed; a bad one is reported and
 * skipped. Physical memory is reached through a hook, so the parser runs
 * on the host under unit tests with hand-made broken tables.
 */
#ifndef TERN_CORE_ACPI_ACPI_H
#define TERN_CORE_ACPI_ACPI_H

#include "core/types.h"
#include "iommu/dmar.h"

#define ACPI_SDT_HEADER_LEN	36
#define ACPI_MAX_TABLE_LEN	(16U << 20)
#define ACPI_MAX_TABLES		64
#define ACPI_MAX_CPUS		256
#define ACPI_MAX_IOAPICS	8
#define ACPI_MAX_ISOS		16
#define ACPI_MAX_MCFG		8

/* Generic Address Structure (5.2.3.2) */
struct acpi_gas {
	u8 space;		/* 0 memory, 1 I/O */
	u8 bit_width, bit_offset, access_size;
	u64 address;
};
#define ACPI_GAS_MEMORY	0
#define ACPI_GAS_IO	1

/* FADT flags (5.2.9, table 5.10) */
#define FADT_TMR_VAL_EXT	BIT(8)
#define FADT_RESET_REG_SUP	BIT(10)
#define FADT_HW_REDUCED		BIT(20)

/* MADT structure types (5.2.12) */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_ISO		2
#define MADT_LAPIC_NMI		4
#define MADT_LAPIC_OVERRIDE	5
#define MADT_X2APIC		9
#define MADT_LAPIC_ENABLED	BIT(0)
#define MADT_LAPIC_ONLINE_CAP	BIT(1)
#define MADT_PCAT_COMPAT	BIT(0)

struct acpi_table {
	char sig[5];
	char oem_id[7];
	char oem_table_id[9];
	u8 revision;
	u32 oem_revision;
	u64 pa;
	u32 length;
	bool ok;		/* passed every check */
	const char *problem;	/* why not */
};

struct acpi_cpu {
	u32 apic_id;
	u32 uid;
	bool enabled;
	bool online_capable;
	bool x2apic_entry;
};

struct acpi_ioapic {
	u8 id;
	u32 addr;
	u32 gsi_base;
};

struct acpi_iso {
	u8 bus, source;
	u32 gsi;
	u16 flags;
};

struct acpi_mcfg {
	u64 base;
	u16 segment;
	u8 bus_start, bus_end;
};

struct acpi_info {
	bool found;
	u64 rsdp_pa;
	u8 rsdp_revision;
	char rsdp_oem[7];
	bool use_xsdt;
	u32 ntables;
	struct acpi_table tables[ACPI_MAX_TABLES];

	bool has_madt;
	u64 lapic_addr;
	u32 madt_flags;
	u32 ncpus;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	u32 nioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	u32 nisos;
	struct acpi_iso isos[ACPI_MAX_ISOS];

	bool has_fadt;
	u32 fadt_flags;
	u16 sci_irq;
	u32 smi_cmd;
	u8 acpi_enable;
	u16 iapc_boot_arch;
	u8 century;		/* CMOS index of the century, 0: none */
	u32 pm1a_cnt, pm1b_cnt;	/* I/O ports, 0 if absent */
	u32 pm_tmr;
	bool pm_tmr_32bit;
	bool has_reset_reg;
	struct acpi_gas reset_reg;
	u8 reset_value;
	u64 dsdt_pa;
	bool has_s5;
	u8 s5_typa, s5_typb;

	u32 nmcfg;
	struct acpi_mcfg mcfg[ACPI_MAX_MCFG];

	bool has_hpet;
	u64 hpet_base;
	u8 hpet_number;

	bool has_dmar;
	struct dmar_info dmar;

	int problems;
};

struct acpi_ops {
	/* Bytes at [pa, pa+len), or NULL when that memory is not there. */
	const void *(*map)(u64 pa, u64 len, void *ctx);
	void (*report)(const char *msg, void *ctx);
	void *ctx;
};

/* Look for "RSD PTR " in the EBDA and 0xe0000-0xfffff; 0 if absent. */
u64 acpi_scan_rsdp(const struct acpi_ops *ops);
/* Parse all from the RSDP. Returns false when there is no usable RSDP. */
bool acpi_parse(struct acpi_info *ai, u64 rsdp_pa, const struct acpi_ops *ops);
/* Find \_S5 in AML (a DSDT body); true when found. */
bool acpi_aml_find_s5(const u8 *aml, u32 len, u8 *typa, u8 *typb);
u8 acpi_checksum(const void *p, u32 len);
/*
 * Where an ISA IRQ (or a PCI interrupt line firmware wrote as one) enters
 * the I/O APICs: the MADT's override, else the same GSI. Its MPS INTI
 * flags (ACPI 6.5 table 5.26) decide the trigger and polarity; where the
 * MADT says "conforms to the bus" (or has no override), pci picks PCI's
 * level, active-low over ISA's edge, active-high.
 */
#define MPS_POLARITY(f)		((f) & 3)	/* 1 high, 3 low */
#define MPS_TRIGGER(f)		(((f) >> 2) & 3)	/* 1 edge, 3 level */
u32 acpi_irq_to_gsi(const struct acpi_info *ai, u8 irq, bool pci, bool *level, bool *active_low);

#ifndef TERN_HOST_TEST
struct boot_info;
extern struct acpi_info acpi;
void acpi_init(const struct boot_info *bi);
#endif

#endif
