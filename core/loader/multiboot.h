/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot ELF kernels, for test guests: version 1 (Multiboot 0.6.96,
 * 3.1) and version 2 (Multiboot2 1.0, 3.1). The header says which; ELF
 * program headers (ELF32, and ELF64 for v2) give where each part goes.
 * Parsing and checking only; core/vm.c copies the parts into guest RAM
 * and writes the boot information.
 */
#ifndef TERN_CORE_LOADER_MULTIBOOT_H
#define TERN_CORE_LOADER_MULTIBOOT_H

#include "core/types.h"

#define MB1_HEADER_MAGIC	0x1badb002
#define MB1_BOOT_MAGIC		0x2badb002
#define MB1_SEARCH		8192
#define MB1_FLAG_AOUT_KLUDGE	BIT(16)
#define MB_MAX_SEGS		8


/* Boot information flags (v1, 3.3) */
#define MB1_INFO_MEM		BIT(0)
#define MB1_INFO_CMDLINE	BIT(2)
#define MB1_INFO_MODS		BIT(3)
#define MB1_INFO_MMAP		BIT(6)

/* Multiboot2 (3.1.1 header, 3.6 boot information) */
#define MB2_HEADER_MAGIC	0xe85250d6
#define MB2_BOOT_MAGIC		0x36d76289
#define MB2_SEARCH		32768
#define MB2_ARCH_I386		0
/* Header tags */
#define MB2_HTAG_END		0
#define MB2_HTAG_INFO_REQ	1
#define MB2_HTAG_ADDRESS	2
#define MB2_HTAG_ENTRY		3
#define MB2_HTAG_CONSOLE	4
#define MB2_HTAG_FRAMEBUFFER	5
#define MB2_HTAG_MODULE_ALIGN	6
#define MB2_HTAG_EFI_BS		7
#define MB2_HTAG_ENTRY_EFI32	8
#define MB2_HTAG_ENTRY_EFI64	9
#define MB2_HTAG_RELOCATABLE	10
#define MB2_HTAG_OPTIONAL	BIT(0)
/* Boot information tags tern writes */
#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_LOADER		2
#define MB2_TAG_MODULE		3
#define MB2_TAG_MEMINFO		4
#define MB2_TAG_MMAP		6
#define MB2_TAG_ACPI_NEW	15
/* What a required information request may ask for. */
#define MB2_PROVIDED		(BIT(MB2_TAG_CMDLINE) | BIT(MB2_TAG_LOADER) | \
				 BIT(MB2_TAG_MODULE) | BIT(MB2_TAG_MEMINFO) | \
				 BIT(MB2_TAG_MMAP) | BIT(MB2_TAG_ACPI_NEW))

struct mb_seg {
	u64 gpa;
	u64 file_off;
	u64 filesz;
	u64 memsz;
};

struct mb_image {
	u32 version;			/* 1 or 2 */
	u32 entry;
	u32 nsegs;
	struct mb_seg segs[MB_MAX_SEGS];
	u64 end;			/* first byte above every segment */
};

/*
 * A multiboot v2 header wins over a v1 one in the same image (as GRUB's
 * multiboot2 command would load it). false, with the reason in err, for
 * anything malformed, unsupported or out of RAM.
 */
bool mb_parse(const u8 *img, u64 len, u64 ram_size, struct mb_image *out,
	      char *err, size_t errlen);

#endif
