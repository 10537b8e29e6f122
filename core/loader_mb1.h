/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot v1 ELF kernels, for test guests (Multiboot 0.6.96, 3.1: the
 * header; ELF32 program headers give where each part goes). Parsing and
 * checking only; core/vm.c copies the parts into guest RAM.
 */
#ifndef TERN_CORE_LOADER_MB1_H
#define TERN_CORE_LOADER_MB1_H

#include "core/types.h"

#define MB1_HEADER_MAGIC	0x1badb002
#define MB1_BOOT_MAGIC		0x2badb002
#define MB1_SEARCH		8192
#define MB1_FLAG_AOUT_KLUDGE	BIT(16)
#define MB1_MAX_SEGS		8
#define MB1_LOW_LIMIT		SZ_1M	/* below: tern's boot information */

/* Boot information flags (3.3) */
#define MB1_INFO_MEM		BIT(0)
#define MB1_INFO_CMDLINE	BIT(2)
#define MB1_INFO_MMAP		BIT(6)

struct mb1_seg {
	u64 gpa;
	u64 file_off;
	u64 filesz;
	u64 memsz;
};

struct mb1_image {
	u32 entry;
	u32 nsegs;
	struct mb1_seg segs[MB1_MAX_SEGS];
};

/* false, with the reason in err, for anything malformed or out of RAM. */
bool mb1_parse(const u8 *img, u64 len, u64 ram_size, struct mb1_image *out,
	       char *err, size_t errlen);

#endif
