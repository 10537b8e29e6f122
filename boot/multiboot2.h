/* SPDX-License-Identifier: GPL-2.0 */
/* Multiboot2 specification 2.0, sections 3.1 (header) and 3.6 (boot info). */
#ifndef TERN_BOOT_MULTIBOOT2_H
#define TERN_BOOT_MULTIBOOT2_H

#define MB2_HEADER_MAGIC		0xe85250d6
#define MB2_BOOTLOADER_MAGIC		0x36d76289
#define MB2_ARCH_I386			0

/* Header tags (3.1.3 ff.) */
#define MB2_HTAG_END			0
#define MB2_HTAG_ENTRY			3
#define MB2_HTAG_MODULE_ALIGN		6

/* Boot information tags (3.6) */
#define MB2_TAG_END			0
#define MB2_TAG_CMDLINE			1
#define MB2_TAG_LOADER_NAME		2
#define MB2_TAG_MODULE			3
#define MB2_TAG_MMAP			6
#define MB2_TAG_FRAMEBUFFER		8
#define MB2_TAG_ACPI_OLD		14
#define MB2_TAG_ACPI_NEW		15

/* Memory map entry types (3.6.8) */
#define MB2_MEM_AVAILABLE		1
#define MB2_MEM_RESERVED		2
#define MB2_MEM_ACPI_RECLAIMABLE	3
#define MB2_MEM_NVS			4
#define MB2_MEM_BADRAM			5

#ifndef __ASSEMBLER__
#include "core/types.h"

struct mb2_info {
	u32 total_size;
	u32 reserved;
} __packed;

struct mb2_tag {
	u32 type;
	u32 size;
} __packed;

struct mb2_tag_string {
	u32 type;
	u32 size;
	char string[];
} __packed;

struct mb2_tag_module {
	u32 type;
	u32 size;
	u32 mod_start;
	u32 mod_end;
	char cmdline[];
} __packed;

struct mb2_mmap_entry {
	u64 addr;
	u64 len;
	u32 type;
	u32 zero;
} __packed;

struct mb2_tag_mmap {
	u32 type;
	u32 size;
	u32 entry_size;
	u32 entry_version;
	struct mb2_mmap_entry entries[];
} __packed;

struct mb2_tag_framebuffer {
	u32 type;
	u32 size;
	u64 addr;
	u32 pitch;
	u32 width;
	u32 height;
	u8 bpp;
	u8 fb_type;
	u16 reserved;
} __packed;

struct mb2_tag_acpi {
	u32 type;
	u32 size;
	u8 rsdp[];
} __packed;
#endif

#endif
