// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "core/loader/linux.h"
#include "tests/unit/suites.h"

static u8 img[0x8000];
static char err[160];

static void put16(u8 *p, u16 v) { p[0] = v; p[1] = v >> 8; }
static void put32(u8 *p, u32 v) { put16(p, v); put16(p + 2, v >> 16); }

/* A header like a 6.1 x86_64 bzImage's. */
static void build(void)
{
	memset(img, 0, sizeof(img));
	img[LX_SETUP_SECTS] = 27;
	put16(img + LX_BOOT_FLAG, 0xaa55);
	img[LX_JUMP] = 0xeb;
	img[LX_JUMP + 1] = 0x6a;		/* header ends at 0x26c */
	memcpy(img + LX_HEADER, "HdrS", 4);
	put16(img + LX_VERSION, 0x020f);
	img[LX_LOADFLAGS] = LX_LOADED_HIGH;
	put32(img + LX_INITRD_ADDR_MAX, 0x7fffffff);
	put32(img + LX_KERNEL_ALIGNMENT, 0x200000);
	img[LX_RELOCATABLE] = 1;
	put16(img + LX_XLOADFLAGS, XLF_KERNEL_64 | 2);
	put32(img + LX_CMDLINE_SIZE, 2047);
	put32(img + LX_PREF_ADDRESS, 0x1000000);
	put32(img + LX_INIT_SIZE, 0x2000000);
}

static bool parse(struct linux_image *li)
{
	return linux_parse(img, sizeof(img), li, err, sizeof(err));
}

START_TEST(good)
{
	struct linux_image li;

	build();
	ck_assert(parse(&li));
	ck_assert_uint_eq(li.setup_size, 28 * 512);
	ck_assert_uint_eq(li.kernel_size, sizeof(img) - 28 * 512);
	ck_assert_uint_eq(li.hdr_end, 0x26c);
	ck_assert_uint_eq(linux_load_address(&li, 0, 256 << 20), 0x1000000);
	/* Too little RAM for init_size at the preferred address. */
	ck_assert_uint_eq(linux_load_address(&li, 0, 40 << 20), 0);
	li.init_size = 0x100000;
	ck_assert_uint_eq(linux_load_address(&li, 0, 40 << 20), 0x1000000);
	/* An identity-mapped bank far up (iommu = off-unsafe): relocated to
	 * its first aligned address; a fixed kernel has nowhere to go. */
	ck_assert_uint_eq(linux_load_address(&li, 0x0a100000, 0x0c000000),
			  ALIGN_UP(0x0a100000, li.alignment));
	ck_assert_uint_eq(linux_load_address(&li, 0x0a100000, 0x0a200000), 0);
	li.relocatable = false;
	ck_assert_uint_eq(linux_load_address(&li, 0x0a100000, 0x0c000000), 0);
}
END_TEST

START_TEST(refusals)
{
	struct linux_image li;

	build();
	put16(img + LX_BOOT_FLAG, 0);
	ck_assert(!parse(&li));
	ck_assert(strstr(err, "no Linux setup header"));
	build();
	put16(img + LX_VERSION, 0x0206);
	ck_assert(!parse(&li));
	ck_assert(strstr(err, "2.06 is older than 2.12"));
	build();
	put16(img + LX_XLOADFLAGS, 0);
	ck_assert(!parse(&li));
	ck_assert(strstr(err, "not a 64-bit kernel"));
	build();
	img[LX_LOADFLAGS] = 0;
	ck_assert(!parse(&li));
	ck_assert(strstr(err, "zImage"));
	build();
	img[LX_SETUP_SECTS] = 255;
	ck_assert(!parse(&li));
	ck_assert(strstr(err, "fills the whole file"));
	build();
	put32(img + LX_KERNEL_ALIGNMENT, 0x300000);
	ck_assert(!parse(&li));
	ck_assert(strstr(err, "power of two"));
	ck_assert(!linux_parse(img, 100, &li, err, sizeof(err)));
	ck_assert(strstr(err, "too small"));
}
END_TEST

START_TEST(boot_params)
{
	static u8 bp[PAGE_SIZE];
	struct linux_image li;
	struct e820_entry e[] = {
		{ 0, 0x9fc00, E820_RAM }, { 0xe0000, 0x20000, E820_ACPI },
		{ 0x100000, 0x7f00000, E820_RAM },
	};

	build();
	ck_assert(parse(&li));
	memset(bp, 0xaa, sizeof(bp));
	linux_boot_params(bp, img, &li, 0x9000, 0x7c00000, 0x123456, 0xe0000, e, 3);
	ck_assert_uint_eq(bp[0], 0);				/* zeroed */
	ck_assert_mem_eq(bp + LX_HEADER, "HdrS", 4);		/* header copied */
	ck_assert_uint_eq(bp[LX_TYPE_OF_LOADER], 0xff);
	ck_assert_uint_eq(bp[LX_LOADFLAGS] & LX_LOADED_HIGH, LX_LOADED_HIGH);
	ck_assert_uint_eq(*(u32 *)(bp + LX_CMD_LINE_PTR), 0x9000);
	ck_assert_uint_eq(*(u32 *)(bp + LX_RAMDISK_IMAGE), 0x7c00000);
	ck_assert_uint_eq(*(u32 *)(bp + LX_RAMDISK_SIZE), 0x123456);
	ck_assert_uint_eq(*(u64 *)(bp + BP_ACPI_RSDP), 0xe0000);
	ck_assert_uint_eq(bp[BP_E820_ENTRIES], 3);
	ck_assert_uint_eq(*(u64 *)(bp + BP_E820_TABLE + 40), 0x100000);
	ck_assert_uint_eq(*(u32 *)(bp + BP_E820_TABLE + 36), E820_ACPI);
	ck_assert_uint_eq(bp[0x26c], 0);			/* past the header */
}
END_TEST

Suite *loader_linux_suite(void)
{
	Suite *s = suite_create("loader_linux");
	TCase *tc = tcase_create("bzimage");

	tcase_add_test(tc, good);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, boot_params);
	suite_add_tcase(s, tc);
	return s;
}
