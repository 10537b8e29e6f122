// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "core/loader_mb1.h"

static u32 rd32(const u8 *p) { return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24; }
static u16 rd16(const u8 *p) { return p[0] | p[1] << 8; }

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return false; } while (0)

bool mb1_parse(const u8 *img, u64 len, u64 ram_size, struct mb1_image *out,
	       char *err, size_t errlen)
{
	u64 off, phoff;
	u32 flags = 0, phnum, phentsize;
	bool found = false, entry_ok = false;

	memset(out, 0, sizeof(*out));
	for (off = 0; off + 12 <= MIN(len, MB1_SEARCH); off += 4) {
		if (rd32(img + off) != MB1_HEADER_MAGIC)
			continue;
		flags = rd32(img + off + 4);
		if ((u32)(MB1_HEADER_MAGIC + flags + rd32(img + off + 8)) != 0)
			FAIL("multiboot header at offset %llu has a bad checksum",
			     (unsigned long long)off);
		found = true;
		break;
	}
	if (!found)
		FAIL("no multiboot header in the first %d bytes", MB1_SEARCH);
	if (flags & MB1_FLAG_AOUT_KLUDGE)
		FAIL("a.out-kludge images are not supported; use an ELF kernel");
	if (len < 52 || memcmp(img, "\x7f" "ELF", 4))
		FAIL("not an ELF file");
	if (img[4] != 1 || img[5] != 1 || rd16(img + 18) != 3)
		FAIL("not a 32-bit little-endian i386 ELF (multiboot v1 kernels are)");
	out->entry = rd32(img + 24);
	phoff = rd32(img + 28);
	phentsize = rd16(img + 42);
	phnum = rd16(img + 44);
	if (phentsize < 32 || phoff > len || (u64)phnum * phentsize > len - phoff)
		FAIL("program headers run past the end of the file");
	for (u32 i = 0; i < phnum; i++) {
		const u8 *ph = img + phoff + (u64)i * phentsize;
		struct mb1_seg *s;

		if (rd32(ph) != 1)	/* PT_LOAD */
			continue;
		if (out->nsegs >= MB1_MAX_SEGS)
			FAIL("more than %d loadable segments", MB1_MAX_SEGS);
		s = &out->segs[out->nsegs++];
		s->file_off = rd32(ph + 4);
		s->gpa = rd32(ph + 12);		/* p_paddr */
		s->filesz = rd32(ph + 16);
		s->memsz = rd32(ph + 20);
		if (s->filesz > s->memsz)
			FAIL("segment %u: file size above memory size", i);
		if (s->file_off > len || s->filesz > len - s->file_off)
			FAIL("segment %u: data runs past the end of the file", i);
		if (s->gpa < MB1_LOW_LIMIT)
			FAIL("segment %u loads at %#llx, below 1 MiB where tern puts the boot information",
			     i, (unsigned long long)s->gpa);
		if (s->gpa + s->memsz > ram_size)
			FAIL("segment %u [%#llx, +%#llx) lies beyond the VM's %llu MiB of RAM",
			     i, (unsigned long long)s->gpa, (unsigned long long)s->memsz,
			     (unsigned long long)(ram_size >> 20));
		if (out->entry >= s->gpa && out->entry < s->gpa + s->memsz)
			entry_ok = true;
	}
	if (!out->nsegs)
		FAIL("no loadable segments");
	if (!entry_ok)
		FAIL("entry point %#x is in no loaded segment", out->entry);
	return true;
}
