/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one structure every boot path produces. Whatever loaded tern (UEFI
 * firmware through boot/uefi/, GRUB through multiboot2) is turned into a
 * struct boot_info; nothing above boot/ knows how we were booted.
 *
 * Hand-over state, common to all paths (see boot/entry64.S):
 *  - 64-bit mode, interrupts off, paging on with at least
 *    - identity map of [0, 4 GiB) (2 MiB pages, transitional, removed by mm/),
 *    - direct map DIRECT_MAP_BASE + [0, 4 GiB),
 *    - tern's image at its link address, backed by [kernel_phys, +kernel_size);
 *  - boot_info itself reachable through the direct map.
 */
#ifndef TERN_BOOT_BOOTINFO_H
#define TERN_BOOT_BOOTINFO_H

#include "core/types.h"

#define BOOT_INFO_MAGIC		0x7465726e626f6f74ULL	/* "ternboot" */
#define BOOT_MMAP_MAX		256
#define BOOT_MODULES_MAX	64	/* more are refused by name at boot */
#define BOOT_CMDLINE_MAX	512
#define BOOT_NAME_MAX		64

/* Memory types, ordered: on overlap the larger value wins (mm/memmap.c). */
enum boot_mem_type {
	BOOT_MEM_USABLE = 1,	/* free RAM once tern is running */
	BOOT_MEM_ACPI_RECLAIM,	/* ACPI tables; tern keeps them */
	BOOT_MEM_TERN,		/* tern's image, modules, boot data */
	BOOT_MEM_ACPI_NVS,
	BOOT_MEM_RESERVED,	/* firmware, runtime services, MMIO */
	BOOT_MEM_BAD,
	BOOT_MEM_TYPE_MAX = BOOT_MEM_BAD,
};

struct boot_mem_range {
	u64 base;
	u64 len;
	u32 type;		/* enum boot_mem_type */
	u32 pad;
};

struct boot_module {
	u64 phys;
	u64 size;
	char name[BOOT_NAME_MAX];	/* file name, or GRUB module string */
};

struct boot_framebuffer {
	u64 phys;
	u32 width, height, pitch;
	u8 bpp;
	u8 present;
};

enum boot_loader {
	BOOT_LOADER_MULTIBOOT2 = 1,
	BOOT_LOADER_UEFI = 2,
};

struct boot_info {
	u64 magic;
	u32 loader;			/* enum boot_loader */
	char loader_name[BOOT_NAME_MAX];
	u64 kernel_phys;		/* physical base of the linked image */
	u64 kernel_size;
	u64 acpi_rsdp;			/* physical address, 0: scan BIOS area */
	char cmdline[BOOT_CMDLINE_MAX];
	u32 mmap_count;
	u32 module_count;
	struct boot_mem_range mmap[BOOT_MMAP_MAX];
	struct boot_module modules[BOOT_MODULES_MAX];
	struct boot_framebuffer fb;
	/* Problems the boot path met but could recover from, for the log. */
	char warnings[256];
};

/* Virtual layout shared by the boot paths and mm/. */
#define DIRECT_MAP_BASE		0xffff800000000000ULL
#define KERNEL_VIRT_BASE	0xffffffff80000000ULL

/* The core's single entry point; never returns. */
void tern_main(struct boot_info *bi) __noreturn;

#endif
