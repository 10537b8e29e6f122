// SPDX-License-Identifier: GPL-2.0
/* `pci`: every function found, with class, BARs and capabilities. */
#include <stdlib.h>
#include <string.h>

#include "core/console.h"
#include "core/tsc.h"
#include "core/shell/shell.h"
#include "drivers/pci.h"

/* `pci flr BB:DD.F` */
static int flr(const char *arg)
{
	unsigned long bus, dev, fn;
	struct pci_dev *d;
	const char *why = "";
	char *p;
	u16 after = 0;
	u64 t0;

	bus = strtoul(arg, &p, 16);
	dev = *p == ':' ? strtoul(p + 1, &p, 16) : 99;
	fn = *p == '.' ? strtoul(p + 1, &p, 16) : 99;
	if (*p || bus > 255 || dev > 31 || fn > 7 ||
	    !(d = pci_find((u8)bus, (u8)dev, (u8)fn))) {
		console_printf("pci flr: no function '%s' (bus:dev.fn in hex, as `pci` lists)\n", arg);
		return 1;
	}
	t0 = tsc_ns();
	if (pci_flr(d, &after, &why)) {
		console_printf("pci flr %02lx:%02lx.%lx: %s\n", bus, dev, fn, why);
		return 1;
	}
	console_printf("pci flr %02lx:%02lx.%lx: function-level reset done in %llu ms; command register after the reset %#x, restored to %#x\n",
		       bus, dev, fn, (unsigned long long)((tsc_ns() - t0) / 1000000), after,
		       pci_read16(d->seg, d->bus, d->dev, d->fn, 0x04));
	return 0;
}

static int cmd_pci(int argc, char **argv)
{
	bool verbose = argc > 1 && argv[1][0] == '-' && argv[1][1] == 'v';

	if (argc == 3 && !strcmp(argv[1], "flr"))
		return flr(argv[2]);
	console_printf("%u PCI functions (config space via %s)\n", pci_count(),
		       pci_uses_ecam() ? "ECAM" : "ports 0xcf8/0xcfc");
	for (u32 i = 0; i < pci_count(); i++) {
		const struct pci_dev *d = pci_get(i);

		console_printf("%04x:%02x:%02x.%u %04x:%04x class %02x%02x%02x %s%s%s%s%s%s\n",
			       d->seg, d->bus, d->dev, d->fn, d->vendor, d->device,
			       d->class, d->subclass, d->prog_if,
			       pci_class_name(d->class, d->subclass),
			       d->cap_msi ? " [MSI]" : "", d->cap_msix ? " [MSI-X]" : "",
			       d->cap_pcie ? (d->flr ? " [PCIe FLR]" : " [PCIe]") : "",
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
		if (verbose && d->cap_pcie)
			console_printf("    PCIe capability at %#x: device capabilities %#x\n", d->cap_pcie,
				       pci_read32(d->seg, d->bus, d->dev, d->fn, d->cap_pcie + PCIE_DEVCAP));
		if (verbose && d->irq_pin)
			console_printf("    INT%c# line %u\n", 'A' + d->irq_pin - 1, d->irq_line);
	}
	return 0;
}
SHELL_COMMAND(pci, "pci", "[-v] | flr BB:DD.F",
	      "PCI functions: bus:dev.fn, vendor:device, class, BARs; function-level reset", cmd_pci);
