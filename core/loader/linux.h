/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linux bzImage by the 64-bit boot protocol (Documentation/arch/x86/
 * boot.rst, "64-bit Boot Protocol"): the setup header is checked, the
 * protected-mode kernel is placed at its preferred address, and the kernel
 * is entered at load + 0x200 in 64-bit mode with identity paging, a flat
 * GDT (__BOOT_CS 0x10, __BOOT_DS 0x18) and RSI = boot_params.
 * Parsing and boot_params are pure (unit-tested); core/vm.c places things.
 */
#ifndef TERN_CORE_LOADER_LINUX_H
#define TERN_CORE_LOADER_LINUX_H

#include "core/loader/guest_memmap.h"
#include "core/types.h"

/* Setup header and boot_params offsets (asm/bootparam.h). */
#define LX_SETUP_SECTS		0x1f1
#define LX_BOOT_FLAG		0x1fe	/* 0xaa55 */
#define LX_JUMP			0x200
#define LX_HEADER		0x202	/* "HdrS" */
#define LX_VERSION		0x206
#define LX_TYPE_OF_LOADER	0x210
#define LX_LOADFLAGS		0x211
#define LX_RAMDISK_IMAGE	0x218
#define LX_RAMDISK_SIZE		0x21c
#define LX_HEAP_END_PTR		0x224
#define LX_CMD_LINE_PTR		0x228
#define LX_INITRD_ADDR_MAX	0x22c
#define LX_KERNEL_ALIGNMENT	0x230
#define LX_RELOCATABLE		0x234
#define LX_XLOADFLAGS		0x236
#define LX_CMDLINE_SIZE		0x238
#define LX_PREF_ADDRESS		0x258
#define LX_INIT_SIZE		0x260
#define BP_ACPI_RSDP		0x070
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128

#define LX_LOADED_HIGH		BIT(0)
#define LX_CAN_USE_HEAP		BIT(7)
#define XLF_KERNEL_64		BIT(0)
#define LX_MIN_VERSION		0x020c	/* 2.12: xloadflags, 64-bit entry */
#define LX_ENTRY64_OFFSET	0x200

struct linux_image {
	u32 setup_size;		/* bytes before the protected-mode kernel */
	u64 kernel_size;
	u16 version;
	u64 pref_address;
	u32 init_size;		/* memory the kernel needs from its load address */
	u32 alignment;
	bool relocatable;
	u32 cmdline_max;
	u32 initrd_max;		/* highest initrd byte address */
	u32 hdr_end;		/* setup header ends here (offset) */
};

bool linux_parse(const u8 *img, u64 len, struct linux_image *out, char *err, size_t n);
/* Where to load in the RAM bank [ram_base, ram_end): the preferred
 * address when it fits there, else (relocatable kernels) the lowest
 * properly aligned address in it at or above 16 MiB; 0 if nothing fits. */
u64 linux_load_address(const struct linux_image *li, u64 ram_base, u64 ram_end);
/* Fill a 4 KiB boot_params page. */
void linux_boot_params(u8 *bp, const u8 *img, const struct linux_image *li,
		       u64 cmdline_gpa, u64 initrd_gpa, u64 initrd_size, u64 rsdp,
		       const struct e820_entry *e820, u32 n);

#endif
