// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <stdio.h>
#include <string.h>

#include "core/le.h"
#include "core/loader/guest_memmap.h"
#include "core/loader/multiboot.h"

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return false; } while (0)

/* ELF program headers (ELF32, or ELF64 when allowed) into out->segs. */
static bool elf_segments(const u8 *img, u64 len, u64 ram_size, bool allow64,
			 struct mb_image *out, bool entry_set, char *err, size_t errlen)
{
	u64 phoff;
	u32 phnum, phentsize;
	bool is64, entry_ok = false;

	if (len < 52 || memcmp(img, "\x7f" "ELF", 4))
		FAIL("not an ELF file");
	is64 = img[4] == 2;
	if (img[5] != 1 || (img[4] != 1 && !is64) || (is64 && !allow64) ||
	    rd16(img + 18) != (is64 ? 62 : 3))
		FAIL(allow64 ? "not a little-endian i386 or x86-64 ELF" :
			       "not a 32-bit little-endian i386 ELF (multiboot v1 kernels are)");
	if (is64 && len < 64)
		FAIL("ELF header truncated");
	if (!entry_set)
		out->entry = is64 ? (u32)rd64(img + 24) : rd32(img + 24);
	phoff = is64 ? rd64(img + 32) : rd32(img + 28);
	phentsize = rd16(img + (is64 ? 54 : 42));
	phnum = rd16(img + (is64 ? 56 : 44));
	if (phentsize < (is64 ? 56U : 32U) || phoff > len || (u64)phnum * phentsize > len - phoff)
		FAIL("program headers run past the end of the file");
	for (u32 i = 0; i < phnum; i++) {
		const u8 *ph = img + phoff + (u64)i * phentsize;
		struct mb_seg *s;

		if (rd32(ph) != 1)	/* PT_LOAD */
			continue;
		if (out->nsegs >= MB_MAX_SEGS)
			FAIL("more than %d loadable segments", MB_MAX_SEGS);
		s = &out->segs[out->nsegs++];
		if (is64) {
			s->file_off = rd64(ph + 8);
			s->gpa = rd64(ph + 24);		/* p_paddr */
			s->filesz = rd64(ph + 32);
			s->memsz = rd64(ph + 40);
		} else {
			s->file_off = rd32(ph + 4);
			s->gpa = rd32(ph + 12);
			s->filesz = rd32(ph + 16);
			s->memsz = rd32(ph + 20);
		}
		if (s->filesz > s->memsz)
			FAIL("segment %u: file size above memory size", i);
		if (s->file_off > len || s->filesz > len - s->file_off)
			FAIL("segment %u: data runs past the end of the file", i);
		/* Conventional memory or from 1 MiB (core/loader/guest_memmap.h);
		 * the EBDA and BIOS area between are not RAM to a guest. */
		if (s->gpa < SZ_1M && (s->gpa > GUEST_LOWMEM_TOP ||
				       s->memsz > GUEST_LOWMEM_TOP - s->gpa))
			FAIL("segment %u [%#llx, +%#llx) reaches the BIOS area (0x%x-0xfffff), which is not RAM",
			     i, (unsigned long long)s->gpa, (unsigned long long)s->memsz,
			     GUEST_LOWMEM_TOP);
		if (s->gpa > ram_size || s->memsz > ram_size - s->gpa)
			FAIL("segment %u [%#llx, +%#llx) lies beyond the VM's %llu MiB of RAM",
			     i, (unsigned long long)s->gpa, (unsigned long long)s->memsz,
			     (unsigned long long)(ram_size >> 20));
		if (out->entry >= s->gpa && out->entry < s->gpa + s->memsz)
			entry_ok = true;
		out->end = MAX(out->end, s->gpa + s->memsz);
	}
	if (!out->nsegs)
		FAIL("no loadable segments");
	if (!entry_ok)
		FAIL("entry point %#x is in no loaded segment", out->entry);
	return true;
}

/* The v2 header's tags: what tern can honour, and the entry address. */
static bool mb2_tags(const u8 *h, u32 hlen, struct mb_image *out, bool *entry_set,
		     char *err, size_t errlen)
{
	u32 off = 16;

	while (off + 8 <= hlen) {
		u16 type = rd16(h + off), flags = rd16(h + off + 2);
		u32 size = rd32(h + off + 4);
		bool optional = flags & MB2_HTAG_OPTIONAL;

		if (size < 8 || size > hlen - off)
			FAIL("multiboot2 header tag at +%u has a bad size %u", off, size);
		switch (type) {
		case MB2_HTAG_END:
			return true;
		case MB2_HTAG_INFO_REQ:
			for (u32 i = 8; i + 4 <= size && !optional; i += 4) {
				u32 want = rd32(h + off + i);

				if (want >= 32 || !(MB2_PROVIDED & BIT(want)))
					FAIL("the kernel requires boot information tag %u, which tern does not provide",
					     want);
			}
			break;
		case MB2_HTAG_ADDRESS:
			FAIL("a.out-kludge (address tag) images are not supported; use an ELF kernel");
		case MB2_HTAG_ENTRY:
			if (size < 12)
				FAIL("multiboot2 entry address tag too short");
			out->entry = rd32(h + off + 8);
			*entry_set = true;
			break;
		case MB2_HTAG_CONSOLE:
		case MB2_HTAG_MODULE_ALIGN:
		case MB2_HTAG_RELOCATABLE:
			break;		/* honoured, or nothing to do */
		default:		/* framebuffer, EFI */
			if (!optional)
				FAIL("the kernel requires multiboot2 header tag %u (framebuffer or EFI), which tern does not provide",
				     type);
		}
		off += ALIGN_UP(size, 8);
	}
	FAIL("multiboot2 header has no end tag");
}

bool mb_parse(const u8 *img, u64 len, u64 ram_size, struct mb_image *out,
	      char *err, size_t errlen)
{
	bool entry_set = false;
	u64 off;

	memset(out, 0, sizeof(*out));
	/* Version 2: 8-byte aligned in the first 32 KiB. */
	for (off = 0; off + 16 <= MIN(len, MB2_SEARCH); off += 8) {
		u32 hlen;

		if (rd32(img + off) != MB2_HEADER_MAGIC)
			continue;
		hlen = rd32(img + off + 8);
		if ((u32)(MB2_HEADER_MAGIC + rd32(img + off + 4) + hlen + rd32(img + off + 12)))
			FAIL("multiboot2 header at offset %llu has a bad checksum",
			     (unsigned long long)off);
		if (rd32(img + off + 4) != MB2_ARCH_I386)
			FAIL("multiboot2 header is for architecture %u, not i386",
			     rd32(img + off + 4));
		if (hlen < 24 || hlen > len - off)
			FAIL("multiboot2 header length %u runs past the file", hlen);
		out->version = 2;
		if (!mb2_tags(img + off, hlen, out, &entry_set, err, errlen))
			return false;
		return elf_segments(img, len, ram_size, true, out, entry_set, err, errlen);
	}
	for (off = 0; off + 12 <= MIN(len, MB1_SEARCH); off += 4) {
		u32 flags;

		if (rd32(img + off) != MB1_HEADER_MAGIC)
			continue;
		flags = rd32(img + off + 4);
		if ((u32)(MB1_HEADER_MAGIC + flags + rd32(img + off + 8)) != 0)
			FAIL("multiboot header at offset %llu has a bad checksum",
			     (unsigned long long)off);
		if (flags & MB1_FLAG_AOUT_KLUDGE)
			FAIL("a.out-kludge images are not supported; use an ELF kernel");
		out->version = 1;
		return elf_segments(img, len, ram_size, false, out, false, err, errlen);
	}
	FAIL("no multiboot header in the first %d bytes", MB1_SEARCH);
}
