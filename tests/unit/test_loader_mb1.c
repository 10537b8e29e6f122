// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "core/loader_mb1.h"
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
	struct mb1_image out;

	err[0] = 0;
	return mb1_parse(img, sizeof(img), ram, &out, err, sizeof(err));
}

START_TEST(good)
{
	struct mb1_image out;

	build();
	ck_assert(mb1_parse(img, sizeof(img), 4 << 20, &out, err, sizeof(err)));
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
	put32(img + 52 + 12, 0x8000);	/* below 1 MiB */
	ck_assert(!parse(4 << 20));
	ck_assert(strstr(err, "below 1 MiB"));

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

Suite *loader_mb1_suite(void)
{
	Suite *s = suite_create("loader_mb1");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, good);
	tcase_add_test(tc, refusals);
	suite_add_tcase(s, tc);
	return s;
}
