// SPDX-License-Identifier: GPL-2.0
/* `pci`: every function found, with class, BARs and capabilities. */
#include "core/console.h"
#include "core/shell.h"
#include "drivers/pci.h"

static int cmd_pci(int argc, char **argv)
{
	bool verbose = argc > 1 && argv[1][0] == '-' && argv[1][1] == 'v';

	console_printf("%u PCI functions (config space via %s)\n", pci_count(),
		       pci_uses_ecam() ? "ECAM" : "ports 0xcf8/0xcfc");
	for (u32 i = 0; i < pci_count(); i++) {
		const struct pci_dev *d = pci_get(i);

		console_printf("%04x:%02x:%02x.%u %04x:%04x class %02x%02x%02x %s%s%s%s%s%s\n",
			       d->seg, d->bus, d->dev, d->fn, d->vendor, d->device,
			       d->class, d->subclass, d->prog_if,
			       pci_class_name(d->class, d->subclass),
			       d->cap_msi ? " [MSI]" : "", d->cap_msix ? " [MSI-X]" : "",
			       d->cap_pcie ? " [PCIe]" : "",
			       d->owner ? " owner=" : "", d->owner ? d->owner : "");
		for (int b = 0; b < 6; b++) {
			const struct pci_bar *bar = &d->bars[b];

			if (bar->type == PCI_BAR_NONE)
				continue;
			console_printf("    BAR%d %s %#llx size %#llx%s\n", b,
				       bar->type == PCI_BAR_IO_SPACE ? "io   " :
				       bar->type == PCI_BAR_MEM32 ? "mem32" : "mem64",
				       (unsigned long long)bar->base, (unsigned long long)bar->size,
				       bar->prefetch ? " prefetchable" : "");
		}
		if (verbose && (d->header_type & 0x7f) == 1)
			console_printf("    bridge to buses %u-%u\n", d->secondary, d->subordinate);
		if (verbose && d->irq_pin)
			console_printf("    INT%c# line %u\n", 'A' + d->irq_pin - 1, d->irq_line);
	}
	return 0;
}
SHELL_COMMAND(pci, "pci", "[-v]", "PCI functions: bus:dev.fn, vendor:device, class, BARs", cmd_pci);
