// SPDX-License-Identifier: GPL-2.0
/*
 * Host tool: build the ACPI tables tern gives a 2-vCPU VM with a vIOMMU
 * (the DMAR; the other tables are the same without it) and write each
 * one to DIR/SIG.aml, for ACPICA's disassembler to check (make acpi-check).
 */
#include <stdio.h>
#include <string.h>

#include "core/acpi/acpi.h"
#include "core/loader/guest_acpi.h"

static unsigned char mem[GUEST_ACPI_SIZE];

int main(int argc, char **argv)
{
	static const u32 ids[] = { 0, 1 };
	u32 len = guest_acpi_build_vtd(mem, GUEST_ACPI_RSDP, 2, ids, 0xfed90000);
	int n = 0;

	if (argc != 2 || !len) {
		fprintf(stderr, "usage: dump_guest_acpi DIR\n");
		return 1;
	}
	/* The tables follow the RSDP; each starts with a known signature. */
	for (u32 i = 0; i + ACPI_SDT_HEADER_LEN <= len; i += 4) {
		static const char *sigs[] = { "DSDT", "FACP", "APIC", "MCFG", "XSDT", "DMAR" };
		u32 l = mem[i + 4] | mem[i + 5] << 8 | mem[i + 6] << 16;

		for (unsigned s = 0; s < sizeof(sigs) / sizeof(sigs[0]); s++) {
			char path[512];
			FILE *f;

			if (memcmp(mem + i, sigs[s], 4) || l < ACPI_SDT_HEADER_LEN || i + l > len)
				continue;
			snprintf(path, sizeof(path), "%s/%s.aml", argv[1], sigs[s]);
			f = fopen(path, "wb");
			if (!f || fwrite(mem + i, 1, l, f) != l) {
				perror(path);
				return 1;
			}
			fclose(f);
			n++;
		}
	}
	printf("dump_guest_acpi: %d tables\n", n);
	return n == 6 ? 0 : 1;
}
