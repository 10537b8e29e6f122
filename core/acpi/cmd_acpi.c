// SPDX-License-Identifier: GPL-2.0
/* `acpi`: the tables tern found, whether it trusts them, and what they say. */
#include "core/acpi/acpi.h"
#include "core/console.h"
#include "core/shell/shell.h"

static const char *scope_name(u8 t)
{
	switch (t) {
	case DMAR_SCOPE_ENDPOINT:	return "endpoint";
	case DMAR_SCOPE_BRIDGE:		return "bridge";
	case DMAR_SCOPE_IOAPIC:		return "ioapic";
	case DMAR_SCOPE_HPET:		return "hpet";
	case DMAR_SCOPE_ACPI:		return "acpi";
	}
	return "?";
}

static int cmd_acpi(int argc, char **argv)
{
	(void)argc; (void)argv;
	if (!acpi.found) {
		console_printf("no ACPI tables were found\n");
		return 1;
	}
	console_printf("RSDP rev %u OEM '%s' at %#llx, root table %s; %d problems\n",
		       acpi.rsdp_revision, acpi.rsdp_oem, (unsigned long long)acpi.rsdp_pa,
		       acpi.use_xsdt ? "XSDT" : "RSDT", acpi.problems);
	console_printf("SIG   ADDRESS            LENGTH REV OEM     TABLE-ID  STATUS\n");
	for (u32 i = 0; i < acpi.ntables; i++) {
		const struct acpi_table *t = &acpi.tables[i];

		console_printf("%-5s %#-18llx %6u %3u %-7s %-9s %s\n", t->sig,
			       (unsigned long long)t->pa, t->length, t->revision, t->oem_id,
			       t->oem_table_id, t->ok ? "ok" : t->problem);
	}
	if (acpi.has_madt)
		console_printf("MADT: local APIC %#llx, %u CPUs, %u I/O APICs, %u overrides%s\n",
			       (unsigned long long)acpi.lapic_addr, acpi.ncpus, acpi.nioapics,
			       acpi.nisos, acpi.madt_flags & MADT_PCAT_COMPAT ? ", 8259 PICs present" : "");
	for (u32 i = 0; i < acpi.nioapics; i++)
		console_printf("  I/O APIC %u at %#x, GSI base %u\n", acpi.ioapics[i].id,
			       acpi.ioapics[i].addr, acpi.ioapics[i].gsi_base);
	if (acpi.has_fadt)
		console_printf("FADT: SCI %u, PM1a_CNT %#x, PM timer %#x (%s), reset %s, S5 %s\n",
			       acpi.sci_irq, acpi.pm1a_cnt, acpi.pm_tmr,
			       acpi.pm_tmr_32bit ? "32-bit" : "24-bit",
			       acpi.has_reset_reg ? "register" : "none",
			       acpi.has_s5 ? "yes" : "no");
	for (u32 i = 0; i < acpi.nmcfg; i++)
		console_printf("MCFG: segment %u buses %u-%u ECAM at %#llx\n", acpi.mcfg[i].segment,
			       acpi.mcfg[i].bus_start, acpi.mcfg[i].bus_end,
			       (unsigned long long)acpi.mcfg[i].base);
	if (acpi.has_hpet)
		console_printf("HPET: #%u at %#llx\n", acpi.hpet_number,
			       (unsigned long long)acpi.hpet_base);
	if (acpi.has_dmar) {
		const struct dmar_info *d = &acpi.dmar;

		console_printf("DMAR: host address width %u, interrupt remapping %s, %u units, %u RMRRs, %u ATSRs\n",
			       d->host_addr_width, d->flags & DMAR_FLAG_INTR_REMAP ? "yes" : "no",
			       d->nunits, d->nrmrr, d->natsr);
		for (u32 i = 0; i < d->nunits; i++) {
			const struct dmar_unit *u = &d->units[i];

			console_printf("  DRHD %u: registers %#llx segment %u%s\n", i,
				       (unsigned long long)u->reg_base, u->segment,
				       u->flags & DRHD_FLAG_INCLUDE_ALL ? " (all other devices)" : "");
			for (u32 j = 0; j < u->nscopes; j++)
				console_printf("    scope %s %02x:%02x.%u id %u\n",
					       scope_name(u->scopes[j].type), u->scopes[j].bus,
					       u->scopes[j].dev, u->scopes[j].fn, u->scopes[j].enum_id);
		}
		for (u32 i = 0; i < d->nrmrr; i++)
			console_printf("  RMRR %#llx-%#llx\n", (unsigned long long)d->rmrr[i].base,
				       (unsigned long long)d->rmrr[i].limit);
	} else {
		console_printf("DMAR: none (no VT-d on this machine)\n");
	}
	return 0;
}
SHELL_COMMAND(acpi, "acpi", "", "ACPI tables with OEM ids, and what tern read from them", cmd_acpi);
