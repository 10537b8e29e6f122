// SPDX-License-Identifier: GPL-2.0
/* `mem`: the normalized memory map, the allocator and tern's mappings. */
#include "core/console.h"
#include "core/main.h"
#include "core/shell/shell.h"
#include "mm/kmem.h"
#include "mm/memmap.h"
#include "mm/pmm.h"

static int cmd_mem(int argc, char **argv)
{
	struct pmm_stats s;
	struct kmem_stats k;

	(void)argc; (void)argv;
	console_printf("memory map (%u entries from the loader, %u after normalizing):\n",
		       boot_info->mmap_count, memmap.count);
	for (u32 i = 0; i < memmap.count; i++) {
		const struct boot_mem_range *r = &memmap.r[i];

		console_printf("  %016llx-%016llx %-9s %8llu KiB\n",
			       (unsigned long long)r->base,
			       (unsigned long long)(r->base + r->len - 1),
			       memmap_type_name(r->type), (unsigned long long)(r->len >> 10));
	}
	console_printf("totals: usable %llu KiB, acpi %llu KiB, tern %llu KiB, reserved %llu KiB\n",
		       (unsigned long long)memmap_total(&memmap, BOOT_MEM_USABLE) >> 10,
		       (unsigned long long)(memmap_total(&memmap, BOOT_MEM_ACPI_RECLAIM) +
					    memmap_total(&memmap, BOOT_MEM_ACPI_NVS)) >> 10,
		       (unsigned long long)memmap_total(&memmap, BOOT_MEM_TERN) >> 10,
		       (unsigned long long)memmap_total(&memmap, BOOT_MEM_RESERVED) >> 10);
	pmm_get_stats(&s);
	console_printf("allocator: %llu pages managed (%llu KiB) in %u regions, %llu free (%llu KiB), %llu used\n",
		       (unsigned long long)s.total_pages, (unsigned long long)s.total_pages * 4,
		       s.regions, (unsigned long long)s.free_pages,
		       (unsigned long long)s.free_pages * 4,
		       (unsigned long long)(s.total_pages - s.free_pages));
	console_printf("allocator: %llu allocs, %llu frees, %llu failed, %llu bad frees, bitmap %llu bytes\n",
		       (unsigned long long)s.allocs, (unsigned long long)s.frees,
		       (unsigned long long)s.failed_allocs, (unsigned long long)s.bad_frees,
		       (unsigned long long)s.bitmap_bytes);
	kmem_get_stats(&k);
	console_printf("mappings: image text %llu KiB RX, rodata %llu KiB R, data %llu KiB RW+NX; W^X on, NX %s, CR0.WP %s\n",
		       (unsigned long long)k.image_text >> 10, (unsigned long long)k.image_rodata >> 10,
		       (unsigned long long)k.image_data >> 10, k.nx ? "on" : "off (CPU lacks it)",
		       k.wp ? "on" : "off");
	console_printf("mappings: direct %llu KiB, MMIO %llu KiB (uncached), stacks %llu KiB, heap %llu KiB; %llu page-table pages, %llu splits, 1G pages %s\n",
		       (unsigned long long)k.direct_bytes >> 10, (unsigned long long)k.ioremap_bytes >> 10,
		       (unsigned long long)k.stack_bytes >> 10, (unsigned long long)k.heap_bytes >> 10,
		       (unsigned long long)k.pt_pages, (unsigned long long)k.pt_splits,
		       k.large_1g ? "yes" : "no");
	return 0;
}
SHELL_COMMAND(mem, "mem", "", "memory map, allocator statistics, tern's mappings", cmd_mem);
