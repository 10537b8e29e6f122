// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "core/loader/multiboot.h"
#include "tests/unit/suites.h"

/* A minimal valid image: ELF32 header, one PT_LOAD at 1 MiB, mb1 header. */
static u8 img[8192];
static char err[160];

static void put16(u8 *p, u16 v) { p[0] = v; p[1] = v >> 8; }
static void put32(u8 *p, u32 v) { put16(p, v); put16(p + 2, v >> 16); }

static void build(void)
{
	memset(img, 0, sizeof(img));
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = 1;		/* 32-bit */
	img[5] = 1;		/* little endian */
	put16(img + 18, 3);	/* EM_386 */
	put32(img + 24, 0x100010);	/* entry */
	put32(img + 28, 52);		/* phoff */
	put16(img + 42, 32);
	put16(img + 44, 1);
	u8 *ph = img + 52;

	put32(ph, 1);			/* PT_LOAD */
	put32(ph + 4, 0x1000);		/* offset */
	put32(ph + 12, 0x100000);	/* paddr */
	put32(ph + 16, 0x100);		/* filesz */
	put32(ph + 20, 0x2000);		/* memsz */
	put32(img + 0x1000, MB1_HEADER_MAGIC);
	put32(img + 0x1004, 3);
	put32(img + 0x1008, (u32)-(MB1_HEADER_MAGIC + 3));
}

static bool parse(u64 ram)
{
	struct mb_image out;

	err[0] = 0;
	return mb_parse(img, sizeof(img), ram, &out, err, sizeof(err));
}

START_TEST(good)
{
	struct mb_image out;

	build();
	ck_assert(mb_parse(img, sizeof(img), 4 << 20, &out, err, sizeof(err)));
	ck_assert_uint_eq(out.entry, 0x100010);
	ck_assert_uint_eq(out.nsegs, 1);
	ck_assert_uint_eq(out.segs[0].gpa, 0x100000);
	ck_assert_uint_eq(out.segs[0].memsz, 0x2000);
}
END_TEST

START_TEST(refusals)
{
	build();
	put32(img + 0x1008, 0);
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "bad checksum"));

	build();
	put32(img + 0x1000, 0);
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "no multiboot header"));

	build();
	put32(img + 0x1004, 3 | MB1_FLAG_AOUT_KLUDGE);
	put32(img + 0x1008, (u32)-(MB1_HEADER_MAGIC + (3 | MB1_FLAG_AOUT_KLUDGE)));
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "a.out"));

	build();
	img[4] = 2;			/* ELF64 */
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "32-bit"));

	build();
	put32(img + 52 + 16, 0x10000);	/* filesz past the file */
	put32(img + 52 + 20, 0x10000);
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "past the end of the file"));

	build();
	put32(img + 52 + 12, 0x8000);	/* conventional memory: fine */
	put32(img + 24, 0x8000);	/* its entry */
	ck_assert_msg(parse(4 << 20), "%s", err);
	put32(img + 52 + 12, 0x9f000);	/* into the EBDA and BIOS area */
	put32(img + 24, 0x9f000);
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "BIOS area"));
	put32(img + 52 + 12, 0xe0000);
	put32(img + 24, 0xe0000);
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "BIOS area"));

	build();
	ck_assert(!parse(0x101000));	/* segment beyond RAM */
	ck_assert(strstr(err, "beyond the VM's"));

	build();
	put32(img + 24, 0x300000);	/* entry nowhere */
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "entry point"));

	build();
	put16(img + 44, 0xffff);	/* phnum absurd */
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "program headers run past"));

	build();
	put32(img + 52 + 16, 0x3000);	/* filesz > memsz */
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "file size above memory size"));
}
END_TEST

/* A multiboot2 header at 0x1800 with the given tags (after the fixed 16). */
static void mb2(const u32 *tags, u32 ntags)
{
	u32 len = 16 + ntags * 4;

	put32(img + 0x1800, MB2_HEADER_MAGIC);
	put32(img + 0x1804, MB2_ARCH_I386);
	put32(img + 0x1808, len);
	put32(img + 0x180c, (u32)-(MB2_HEADER_MAGIC + MB2_ARCH_I386 + len));
	for (u32 i = 0; i < ntags; i++)
		put32(img + 0x1810 + 4 * i, tags[i]);
}

static const u32 end_tag[] = { 0, 8 };

START_TEST(version2)
{
	struct mb_image out;
	/* Entry address tag (type 3, size 12) + pad, an optional
	 * framebuffer request (type 5, optional, size 20) + pad, end. */
	static const u32 tags[] = { 3, 12, 0x100020, 0, 5 | 1 << 16, 20, 0, 0, 0, 0, 0, 8 };

	/* Both headers: v2 wins; the entry tag overrides e_entry. */
	build();
	mb2(tags, sizeof(tags) / 4);
	ck_assert(mb_parse(img, sizeof(img), 4 << 20, &out, err, sizeof(err)));
	ck_assert_uint_eq(out.version, 2);
	ck_assert_uint_eq(out.entry, 0x100020);
	ck_assert_uint_eq(out.end, 0x102000);
	/* v1 alone. */
	build();
	ck_assert(mb_parse(img, sizeof(img), 4 << 20, &out, err, sizeof(err)));
	ck_assert_uint_eq(out.version, 1);
	/* ELF64 is fine for v2. */
	build();
	put32(img + 0x1000, 0);		/* no v1 header */
	memset(img + 18, 0, 120 - 18);	/* ELF64 header and one phdr */
	img[4] = 2;
	put16(img + 18, 62);		/* EM_X86_64 */
	put32(img + 24, 0x100010);	/* e_entry (64-bit) */
	put32(img + 32, 64);		/* e_phoff */
	put16(img + 54, 56);		/* e_phentsize */
	put16(img + 56, 1);
	put32(img + 64, 1);		/* PT_LOAD */
	put32(img + 64 + 8, 0x1000);	/* p_offset */
	put32(img + 64 + 24, 0x100000);	/* p_paddr */
	put32(img + 64 + 32, 0x100);	/* p_filesz */
	put32(img + 64 + 40, 0x2000);	/* p_memsz */
	mb2(end_tag, 2);
	ck_assert_msg(mb_parse(img, sizeof(img), 4 << 20, &out, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(out.entry, 0x100010);
	ck_assert_uint_eq(out.segs[0].gpa, 0x100000);
}
END_TEST

START_TEST(version2_refusals)
{
	static const u32 need_fb[] = { 5, 20, 0, 0, 0, 0, 0, 8 };
	static const u32 need_apm[] = { 1, 12, 10, 0, 0, 8 };	/* APM table: no */
	static const u32 need_mmap[] = { 1, 12, 6, 0, 0, 8 };
	static const u32 aout[] = { 2, 24, 0, 0, 0, 0, 0, 8 };
	static const u32 no_end[] = { 4, 12, 0, 0 };

	build();
	mb2(need_fb, 8);
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "framebuffer or EFI"));
	build();
	mb2(need_apm, 6);
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "requires boot information tag 10"));
	build();
	mb2(need_mmap, 6);
	ck_assert_msg(parse(4 << 20), "%s", err);
	build();
	mb2(aout, 8);
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "a.out"));
	build();
	mb2(no_end, 4);
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "no end tag"));
	build();
	mb2(end_tag, 2);
	put32(img + 0x180c, 0);
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "multiboot2 header at offset 6144 has a bad checksum"));
}
END_TEST

Suite *loader_multiboot_suite(void)
{
	Suite *s = suite_create("loader_multiboot");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, good);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, version2);
	tcase_add_test(tc, version2_refusals);
	suite_add_tcase(s, tc);
	return s;
}
