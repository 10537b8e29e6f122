/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern's ATA driver: disks on PCI IDE controllers (class 01.01), in
 * legacy or native mode, read and written by bus-master DMA with
 * completion by interrupt, or by polled PIO where there is no bus master.
 * The pure part (taskfiles, PRD tables, IDENTIFY data) is in ata_cmd.c.
 */
#ifndef TERN_DRIVERS_ATA_ATA_H
#define TERN_DRIVERS_ATA_ATA_H

#include "core/types.h"
#include "drivers/ata/ata_regs.h"
#include "drivers/block/blk.h"

/* A command's registers: the current bytes and, for LBA48, the previous
 * ("high order") bytes written first to the same registers. */
struct ata_tf {
	u8 feature, count, lba_lo, lba_mid, lba_hi;
	u8 hob_feature, hob_count, hob_lba_lo, hob_lba_mid, hob_lba_hi;
	u8 device, command;
	bool lba48;
};

struct ata_ident {
	bool atapi;			/* a packet device (CD-ROM) */
	bool lba, lba48, dma;
	bool flush, flush_ext;
	u64 sectors;
	u32 sector_size;
	char model[41];
};

/* Read or write count sectors at lba. -1: out of the mode's range. */
int ata_tf_rw(struct ata_tf *tf, bool write, bool dma, bool lba48, bool slave, u64 lba,
	      u32 count);
void ata_tf_cmd(struct ata_tf *tf, u8 command, bool slave);
/* FLUSH CACHE (EXT where the device has it). */
void ata_tf_flush(struct ata_tf *tf, const struct ata_ident *id, bool slave);
/*
 * The PRD table for segments: one entry per piece that stays within a
 * 64 KiB region, EOT on the last. Entries used, or -1 with why: memory
 * above 4 GiB, odd address or length, more than max entries.
 */
int ata_prd_fill(struct ata_prd *t, u32 max, const struct blk_seg *segs, u32 nsegs,
		 const char **why);
void ata_identify_parse(const u16 *id, struct ata_ident *out);

/* Find PCI IDE controllers, their disks, register them (ata0, ata1...). */
void ata_init(void);

#endif
