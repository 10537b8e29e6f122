/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Partition tables: MBR (primary entries and the logical partitions of
 * an extended one) and GPT (UEFI 2.10 section 5: protective MBR 5.2.3,
 * header 5.3.2, entries 5.3.3). Pure: blocks come through a callback, so
 * the unit tests feed it images in memory. A table that breaks a rule
 * yields no partitions and the reason, never a guess.
 */
#ifndef TERN_DRIVERS_BLOCK_PART_H
#define TERN_DRIVERS_BLOCK_PART_H

#include "core/types.h"

#define PART_MAX		32
#define PART_LABEL_MAX		40

/* MBR (UEFI 2.10 5.2.1): four 16-byte entries at 446, 0x55 0xaa at 510. */
#define MBR_ENTRIES_OFF		446
#define MBR_SIG_OFF		510
#define MBR_TYPE_EXT_CHS	0x05
#define MBR_TYPE_EXT_LBA	0x0f
#define MBR_TYPE_EXT_LINUX	0x85
#define MBR_TYPE_GPT		0xee	/* protective */

/* GPT header (5.3.2) */
#define GPT_SIG			0x5452415020494645ULL	/* "EFI PART" */
#define GPT_HDR_SIG		0
#define GPT_HDR_REVISION	8
#define GPT_HDR_SIZE		12
#define GPT_HDR_CRC		16
#define GPT_HDR_MY_LBA		24
#define GPT_HDR_ALT_LBA		32
#define GPT_HDR_FIRST_USABLE	40
#define GPT_HDR_LAST_USABLE	48
#define GPT_HDR_ENTRIES_LBA	72
#define GPT_HDR_NENTRIES	80
#define GPT_HDR_ENTRY_SIZE	84
#define GPT_HDR_ENTRIES_CRC	88
#define GPT_HDR_MIN_SIZE	92
/* GPT partition entry (5.3.3) */
#define GPT_ENT_TYPE		0
#define GPT_ENT_START		32
#define GPT_ENT_END		40	/* inclusive */
#define GPT_ENT_NAME		56	/* 36 UTF-16LE code units */
#define GPT_ENT_MIN_SIZE	128
#define GPT_ENTRIES_MAX		1024	/* more is absurd (the default is 128) */

struct part {
	u32 number;			/* GPT entry index + 1; MBR 1-4, logical from 5 */
	u64 start, count;		/* blocks */
	u8 type;			/* MBR type byte, 0 for GPT */
	char label[PART_LABEL_MAX];	/* GPT name as ASCII ('?' for others) */
};

struct part_table {
	const char *scheme;		/* "gpt", "mbr" or "none" */
	u32 n;
	struct part p[PART_MAX];
	char why[96];			/* a broken table's reason, or a note */
};

/* Read block lba into buf (block_size bytes): 0, or -1. */
typedef int (*part_read_t)(void *ctx, u64 lba, void *buf);

/*
 * The partitions of a disk of nblocks blocks of bsize bytes (512-4096);
 * buf holds one block. Returns the number found (0 with no table, or a
 * note in why such as a skipped entry), or -1 for a broken table (why).
 */
int part_scan(part_read_t rd, void *ctx, u64 nblocks, u32 bsize, void *buf,
	      struct part_table *t);

/* CRC-32 as GPT uses it (ISO 3309, reflected, init and final ~0). */
u32 part_crc32(u32 crc, const void *p, size_t n);

#endif
