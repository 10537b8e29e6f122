// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/*
 * MBR and GPT parsing (UEFI 2.10 section 5). Every number on the disk is
 * checked before it is used: a table written by a buggy tool, or by a
 * guest that had the disk before, must not make tern read past the disk,
 * loop, or hand out overlapping partitions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/le.h"
#include "drivers/block/part.h"

u32 part_crc32(u32 crc, const void *p, size_t n)
{
	const u8 *b = p;
	u32 c = ~crc;

	/* Bitwise: tables are read once per disk, speed does not matter. */
	while (n--) {
		c ^= *b++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320U & -(c & 1));
	}
	return ~c;
}

static int __printf(2, 3) broken(struct part_table *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
	t->n = 0;
	return -1;
}

static int add(struct part_table *t, u32 number, u64 start, u64 count, u8 type,
	       const char *label)
{
	struct part *p;

	if (t->n == PART_MAX)
		return broken(t, "more than %u partitions", PART_MAX);
	p = &t->p[t->n++];
	p->number = number;
	p->start = start;
	p->count = count;
	p->type = type;
	snprintf(p->label, sizeof(p->label), "%s", label);
	return 0;
}

/* Two partitions sharing a block would let two users corrupt each other. */
static int overlaps(struct part_table *t)
{
	for (u32 i = 0; i < t->n; i++)
		for (u32 j = i + 1; j < t->n; j++)
			if (t->p[i].start < t->p[j].start + t->p[j].count &&
			    t->p[j].start < t->p[i].start + t->p[i].count)
				return broken(t, "partitions %u and %u overlap", t->p[i].number,
					      t->p[j].number);
	return 0;
}

/* A GPT name (UTF-16LE) as ASCII: what the shell prints and matches. */
static void gpt_label(const u8 *name, char *out)
{
	u32 i;

	for (i = 0; i < PART_LABEL_MAX - 1 && i < 36; i++) {
		u16 c = rd16(name + 2 * i);

		if (!c)
			break;
		out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[i] = 0;
}

static bool zero(const u8 *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static int gpt(part_read_t rd, void *ctx, u64 nblocks, u32 bsize, u8 *buf, struct part_table *t)
{
	u64 first, last, elba, arr_bytes, arr_blocks;
	u32 hsize, crc, n, esz, ecrc;

	t->scheme = "gpt";
	if (nblocks < 3 || rd(ctx, 1, buf))
		return broken(t, "GPT header: cannot read block 1");
	if (rd64(buf + GPT_HDR_SIG) != GPT_SIG)
		return broken(t, "GPT header: bad signature");
	hsize = rd32(buf + GPT_HDR_SIZE);
	if (hsize < GPT_HDR_MIN_SIZE || hsize > bsize)
		return broken(t, "GPT header: absurd header size %u", hsize);
	crc = rd32(buf + GPT_HDR_CRC);
	put32(buf + GPT_HDR_CRC, 0);		/* the CRC covers itself as zero */
	if (part_crc32(0, buf, hsize) != crc)
		return broken(t, "GPT header: CRC mismatch");
	if (rd64(buf + GPT_HDR_MY_LBA) != 1)
		return broken(t, "GPT header: MyLBA is not 1");
	first = rd64(buf + GPT_HDR_FIRST_USABLE);
	last = rd64(buf + GPT_HDR_LAST_USABLE);
	if (first > last || last >= nblocks || first < 2)
		return broken(t, "GPT header: usable blocks %llu-%llu outside the disk (%llu blocks)",
			      (unsigned long long)first, (unsigned long long)last,
			      (unsigned long long)nblocks);
	elba = rd64(buf + GPT_HDR_ENTRIES_LBA);
	n = rd32(buf + GPT_HDR_NENTRIES);
	esz = rd32(buf + GPT_HDR_ENTRY_SIZE);
	ecrc = rd32(buf + GPT_HDR_ENTRIES_CRC);
	/* 128 * 2^k (5.3.2), and never straddling a block. */
	if (esz < GPT_ENT_MIN_SIZE || (esz & (esz - 1)) || esz > bsize)
		return broken(t, "GPT header: absurd entry size %u", esz);
	if (!n || n > GPT_ENTRIES_MAX)
		return broken(t, "GPT header: absurd entry count %u", n);
	arr_bytes = (u64)n * esz;
	arr_blocks = (arr_bytes + bsize - 1) / bsize;
	if (elba < 2 || elba >= nblocks || arr_blocks > nblocks - elba)
		return broken(t, "GPT entries: blocks %llu-%llu past the end of the disk",
			      (unsigned long long)elba,
			      (unsigned long long)(elba + arr_blocks - 1));
	if (elba <= last && elba + arr_blocks > first)
		return broken(t, "GPT entries: blocks %llu-%llu inside the usable blocks",
			      (unsigned long long)elba,
			      (unsigned long long)(elba + arr_blocks - 1));

	crc = 0;
	for (u64 b = 0; b < arr_blocks; b++) {
		u32 bytes = (u32)MIN((u64)bsize, arr_bytes - b * bsize);

		if (rd(ctx, elba + b, buf))
			return broken(t, "GPT entries: cannot read block %llu",
				      (unsigned long long)(elba + b));
		crc = part_crc32(crc, buf, bytes);
		for (u32 off = 0; off < bytes; off += esz) {
			const u8 *e = buf + off;
			u32 idx = (u32)((b * bsize + off) / esz);
			u64 s = rd64(e + GPT_ENT_START), end = rd64(e + GPT_ENT_END);
			char label[PART_LABEL_MAX];

			if (zero(e + GPT_ENT_TYPE, 16))
				continue;		/* unused entry */
			if (end < s || s < first || end > last)
				return broken(t, "GPT entry %u: blocks %llu-%llu outside the usable %llu-%llu",
					      idx + 1, (unsigned long long)s, (unsigned long long)end,
					      (unsigned long long)first, (unsigned long long)last);
			gpt_label(e + GPT_ENT_NAME, label);
			if (add(t, idx + 1, s, end - s + 1, 0, label))
				return -1;
		}
	}
	/* Entries are trusted only once the array's CRC says they are whole. */
	if (crc != ecrc)
		return broken(t, "GPT entries: CRC mismatch");
	return overlaps(t) ? -1 : (int)t->n;
}

static bool mbr_signed(const u8 *buf)
{
	return buf[MBR_SIG_OFF] == 0x55 && buf[MBR_SIG_OFF + 1] == 0xaa;
}

static bool mbr_extended(u8 type)
{
	return type == MBR_TYPE_EXT_CHS || type == MBR_TYPE_EXT_LBA || type == MBR_TYPE_EXT_LINUX;
}

/*
 * The logical partitions: a chain of EBRs, each with the partition
 * (relative to the EBR) and the link to the next EBR (relative to the
 * extended partition). A chain must stay inside the extended partition
 * and never come back to an EBR it has seen.
 */
static int ebr_chain(part_read_t rd, void *ctx, u64 ext, u64 ext_count, u8 *buf,
		     struct part_table *t)
{
	u64 seen[PART_MAX + 1];
	u32 nseen = 0, number = 5;
	u64 cur = ext;

	for (;;) {
		const u8 *e0, *e1;

		for (u32 i = 0; i < nseen; i++)
			if (seen[i] == cur)
				return broken(t, "extended partition: EBR at block %llu links back (a loop)",
					      (unsigned long long)cur);
		if (nseen == ARRAY_SIZE(seen))
			return broken(t, "extended partition: more than %u EBRs", PART_MAX);
		seen[nseen++] = cur;
		if (rd(ctx, cur, buf))
			return broken(t, "EBR at block %llu: cannot read it", (unsigned long long)cur);
		if (!mbr_signed(buf))
			return broken(t, "EBR at block %llu: bad signature", (unsigned long long)cur);
		e0 = buf + MBR_ENTRIES_OFF;
		e1 = e0 + 16;
		if (e0[4]) {
			u64 s = cur + rd32(e0 + 8), c = rd32(e0 + 12);

			if (!c || s <= cur || s + c > ext + ext_count)
				return broken(t, "logical partition %u: blocks %llu+%llu outside the extended partition",
					      number, (unsigned long long)s, (unsigned long long)c);
			if (add(t, number++, s, c, e0[4], ""))
				return -1;
		}
		if (!e1[4])
			return 0;
		if (!mbr_extended(e1[4]))
			return broken(t, "EBR at block %llu: second entry of type %#x is not a link",
				      (unsigned long long)cur, e1[4]);
		cur = ext + rd32(e1 + 8);
		if (cur >= ext + ext_count)
			return broken(t, "EBR link to block %llu outside the extended partition",
				      (unsigned long long)cur);
	}
}

int part_scan(part_read_t rd, void *ctx, u64 nblocks, u32 bsize, void *vbuf,
	      struct part_table *t)
{
	u8 *buf = vbuf;
	struct { u8 status, type; u64 start, count; } e[4];
	u64 ext = 0, ext_count = 0;

	memset(t, 0, sizeof(*t));
	t->scheme = "none";
	if (bsize < 512 || bsize > 4096 || (bsize & (bsize - 1)))
		return broken(t, "block size %u", bsize);
	if (!nblocks || rd(ctx, 0, buf))
		return broken(t, "cannot read block 0");
	if (!mbr_signed(buf)) {
		snprintf(t->why, sizeof(t->why), "no partition table (no MBR signature)");
		return 0;
	}
	for (int i = 0; i < 4; i++) {
		const u8 *p = buf + MBR_ENTRIES_OFF + 16 * i;

		e[i].status = p[0];
		e[i].type = p[4];
		e[i].start = rd32(p + 8);
		e[i].count = rd32(p + 12);
	}
	for (int i = 0; i < 4; i++)
		if (e[i].type == MBR_TYPE_GPT)
			return gpt(rd, ctx, nblocks, bsize, buf, t);

	t->scheme = "mbr";
	/* A boot sector without a table (a FAT volume's) fails here. */
	for (int i = 0; i < 4; i++)
		if (e[i].status != 0 && e[i].status != 0x80)
			return broken(t, "MBR entry %d: boot flag %#x (not a partition table)", i + 1,
				      e[i].status);
	for (int i = 0; i < 4; i++) {
		if (!e[i].type)
			continue;
		if (!e[i].count || !e[i].start || e[i].start + e[i].count > nblocks)
			return broken(t, "MBR entry %d: blocks %llu+%llu outside the disk (%llu blocks)",
				      i + 1, (unsigned long long)e[i].start,
				      (unsigned long long)e[i].count, (unsigned long long)nblocks);
		/* The container goes through the overlap check with the
		 * primaries, then makes way for its logical partitions. */
		if (add(t, (u32)i + 1, e[i].start, e[i].count, e[i].type, ""))
			return -1;
		if (mbr_extended(e[i].type)) {
			if (ext)
				return broken(t, "MBR: two extended partitions");
			ext = e[i].start;
			ext_count = e[i].count;
		}
	}
	if (overlaps(t))
		return -1;
	if (!ext)
		return (int)t->n;
	for (u32 i = 0; i < t->n; i++) {
		if (mbr_extended(t->p[i].type)) {
			memmove(&t->p[i], &t->p[i + 1], (t->n - i - 1) * sizeof(t->p[0]));
			t->n--;
			break;
		}
	}
	if (ebr_chain(rd, ctx, ext, ext_count, buf, t))
		return -1;
	return overlaps(t) ? -1 : (int)t->n;
}
