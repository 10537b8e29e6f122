// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <stdio.h>
#include <string.h>

#include "core/le.h"
#include "core/loader/linux.h"

static void wr16(u8 *p, u16 v) { p[0] = v; p[1] = v >> 8; }
static void wr32(u8 *p, u32 v) { wr16(p, v); wr16(p + 2, v >> 16); }
static void wr64(u8 *p, u64 v) { wr32(p, (u32)v); wr32(p + 4, v >> 32); }

#define FAIL(...) do { snprintf(err, n, __VA_ARGS__); return false; } while (0)

bool linux_parse(const u8 *img, u64 len, struct linux_image *out, char *err, size_t n)
{
	u32 sects;

	memset(out, 0, sizeof(*out));
	if (len < 0x1000)
		FAIL("too small for a bzImage (%llu bytes)", (unsigned long long)len);
	if (rd16(img + LX_BOOT_FLAG) != 0xaa55 || memcmp(img + LX_HEADER, "HdrS", 4))
		FAIL("no Linux setup header (boot flag 0xaa55 and \"HdrS\")");
	out->version = rd16(img + LX_VERSION);
	if (out->version < LX_MIN_VERSION)
		FAIL("boot protocol %u.%02u is older than 2.12 (no 64-bit entry)",
		     out->version >> 8, out->version & 0xff);
	if (!(rd16(img + LX_XLOADFLAGS) & XLF_KERNEL_64))
		FAIL("not a 64-bit kernel (XLF_KERNEL_64 clear)");
	if (!(img[LX_LOADFLAGS] & LX_LOADED_HIGH))
		FAIL("zImage (not loaded high) is not supported");
	sects = img[LX_SETUP_SECTS] ? img[LX_SETUP_SECTS] : 4;
	out->setup_size = (sects + 1) * 512;
	if (out->setup_size >= len)
		FAIL("setup (%u bytes) fills the whole file", out->setup_size);
	out->kernel_size = len - out->setup_size;
	out->pref_address = rd64(img + LX_PREF_ADDRESS);
	out->init_size = rd32(img + LX_INIT_SIZE);
	out->alignment = rd32(img + LX_KERNEL_ALIGNMENT);
	out->relocatable = img[LX_RELOCATABLE];
	out->cmdline_max = rd32(img + LX_CMDLINE_SIZE);
	out->initrd_max = rd32(img + LX_INITRD_ADDR_MAX);
	out->hdr_end = 0x202 + img[LX_JUMP + 1];
	if (out->init_size < out->kernel_size)
		out->init_size = (u32)out->kernel_size;
	if (out->alignment == 0 || (out->alignment & (out->alignment - 1)))
		FAIL("kernel alignment %#x is not a power of two", out->alignment);
	if (out->hdr_end > 0x290 || out->hdr_end < LX_INIT_SIZE + 4)
		FAIL("setup header length %#x is implausible", out->hdr_end - 0x1f1);
	return true;
}

u64 linux_load_address(const struct linux_image *li, u64 base, u64 end)
{
	u64 a = li->pref_address;

	if (a && a >= MAX(base, SZ_1M) && a + li->init_size <= end)
		return a;
	if (!li->relocatable)
		return 0;
	a = ALIGN_UP(MAX(base, 16 * SZ_1M), li->alignment);
	return a + li->init_size <= end ? a : 0;
}

void linux_boot_params(u8 *bp, const u8 *img, const struct linux_image *li,
		       u64 cmdline, u64 initrd, u64 initrd_size, u64 rsdp,
		       const struct e820_entry *e, u32 ne)
{
	memset(bp, 0, PAGE_SIZE);
	/* The setup header as the kernel wrote it, then the loader's fields. */
	memcpy(bp + 0x1f1, img + 0x1f1, li->hdr_end - 0x1f1);
	bp[LX_TYPE_OF_LOADER] = 0xff;		/* undefined loader */
	bp[LX_LOADFLAGS] = (bp[LX_LOADFLAGS] & ~LX_CAN_USE_HEAP) | LX_LOADED_HIGH;
	wr32(bp + LX_CMD_LINE_PTR, (u32)cmdline);
	wr32(bp + BP_EXT_CMD_LINE_PTR, (u32)(cmdline >> 32));
	wr32(bp + LX_RAMDISK_IMAGE, (u32)initrd);
	wr32(bp + BP_EXT_RAMDISK_IMAGE, (u32)(initrd >> 32));
	wr32(bp + LX_RAMDISK_SIZE, (u32)initrd_size);
	wr32(bp + BP_EXT_RAMDISK_SIZE, (u32)(initrd_size >> 32));
	wr64(bp + BP_ACPI_RSDP, rsdp);
	ne = MIN(ne, (u32)BP_E820_MAX);
	bp[BP_E820_ENTRIES] = (u8)ne;
	for (u32 i = 0; i < ne; i++) {
		u8 *p = bp + BP_E820_TABLE + 20 * i;

		wr64(p, e[i].addr);
		wr64(p + 8, e[i].size);
		wr32(p + 16, e[i].type);
	}
}
