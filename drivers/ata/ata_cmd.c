// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* ATA taskfiles, PRD tables and IDENTIFY data: pure, unit-tested. */
#include <string.h>

#include "drivers/ata/ata.h"

void ata_tf_cmd(struct ata_tf *tf, u8 command, bool slave)
{
	memset(tf, 0, sizeof(*tf));
	tf->device = ATA_DEV_OBS | ATA_DEV_LBA | (slave ? ATA_DEV_SLAVE : 0);
	tf->command = command;
}

int ata_tf_rw(struct ata_tf *tf, bool write, bool dma, bool lba48, bool slave, u64 lba,
	      u32 count)
{
	static const u8 cmds[2][2][2] = {
		/* [lba48][dma][write] */
		{ { ATA_CMD_READ_PIO, ATA_CMD_WRITE_PIO }, { ATA_CMD_READ_DMA, ATA_CMD_WRITE_DMA } },
		{ { ATA_CMD_READ_PIO_EXT, ATA_CMD_WRITE_PIO_EXT },
		  { ATA_CMD_READ_DMA_EXT, ATA_CMD_WRITE_DMA_EXT } },
	};
	u64 limit = lba48 ? BIT(48) : BIT(28);

	if (!count || count > (lba48 ? ATA_LBA48_MAX_COUNT : ATA_LBA28_MAX_COUNT) ||
	    lba >= limit || count > limit - lba)
		return -1;
	ata_tf_cmd(tf, cmds[lba48][dma][write], slave);
	tf->lba48 = lba48;
	/* The full count wraps to 0 in the field, as the command wants. */
	tf->count = (u8)count;
	tf->lba_lo = (u8)lba;
	tf->lba_mid = (u8)(lba >> 8);
	tf->lba_hi = (u8)(lba >> 16);
	if (lba48) {
		tf->hob_count = (u8)(count >> 8);
		tf->hob_lba_lo = (u8)(lba >> 24);
		tf->hob_lba_mid = (u8)(lba >> 32);
		tf->hob_lba_hi = (u8)(lba >> 40);
	} else {
		tf->device |= (u8)((lba >> 24) & 0xf);
	}
	return 0;
}

void ata_tf_flush(struct ata_tf *tf, const struct ata_ident *id, bool slave)
{
	ata_tf_cmd(tf, id->flush_ext ? ATA_CMD_FLUSH_EXT : ATA_CMD_FLUSH, slave);
}

int ata_prd_fill(struct ata_prd *t, u32 max, const struct blk_seg *segs, u32 nsegs,
		 const char **why)
{
	u32 n = 0;

	for (u32 i = 0; i < nsegs; i++) {
		u64 pa = segs[i].pa, left = segs[i].len;

		if ((pa | left) & 1) {
			*why = "a segment at an odd address or of odd length";
			return -1;
		}
		if (pa + left > SZ_4G) {
			*why = "a segment above 4 GiB";
			return -1;
		}
		while (left) {
			/* Up to the next 64 KiB boundary, never across it. */
			u64 len = MIN(left, ATA_PRD_REGION - (pa & (ATA_PRD_REGION - 1)));

			if (n == max) {
				*why = "more PRD entries than the table holds";
				return -1;
			}
			t[n].addr = (u32)pa;
			t[n].len = (u16)len;		/* 64 KiB is 0 */
			t[n].flags = 0;
			n++;
			pa += len;
			left -= len;
		}
	}
	if (!n) {
		*why = "no data";
		return -1;
	}
	t[n - 1].flags = ATA_PRD_EOT;
	return (int)n;
}

/* "ATA strings" (ACS 3.4.9): two characters per word, the first in the
 * high byte; padded with spaces, which are cut. */
static void ata_string(const u16 *w, u32 words, char *out)
{
	u32 n = 0;

	for (u32 i = 0; i < words; i++) {
		out[n++] = (char)(w[i] >> 8);
		out[n++] = (char)w[i];
	}
	out[n] = 0;
	while (n && (out[n - 1] == ' ' || out[n - 1] == 0))
		out[--n] = 0;
	for (u32 i = 0; i < n; i++)
		if (out[i] < 0x20 || out[i] > 0x7e)
			out[i] = '?';
}

void ata_identify_parse(const u16 *id, struct ata_ident *o)
{
	u16 ss = id[ATA_ID_SECTOR_SIZE];

	memset(o, 0, sizeof(*o));
	o->atapi = id[ATA_ID_CONFIG] & BIT(15);
	ata_string(id + ATA_ID_MODEL, ATA_ID_MODEL_WORDS, o->model);
	o->lba = id[ATA_ID_CAPS] & ATA_ID_CAPS_LBA;
	o->dma = id[ATA_ID_CAPS] & ATA_ID_CAPS_DMA;
	/* Supported and enabled (a device may have it turned off). */
	o->lba48 = (id[ATA_ID_CMDSET2] & ATA_ID_CMDSET2_LBA48) &&
		   (id[ATA_ID_CMDSET2_ENABLED] & ATA_ID_CMDSET2_LBA48);
	o->flush = id[ATA_ID_CMDSET2] & ATA_ID_CMDSET2_FLUSH;
	o->flush_ext = o->lba48 && (id[ATA_ID_CMDSET2] & ATA_ID_CMDSET2_FLUSH_EXT);
	if (o->lba48)
		o->sectors = id[ATA_ID_LBA48_SECTORS] | (u64)id[ATA_ID_LBA48_SECTORS + 1] << 16 |
			     (u64)id[ATA_ID_LBA48_SECTORS + 2] << 32 |
			     (u64)id[ATA_ID_LBA48_SECTORS + 3] << 48;
	if (!o->sectors && o->lba)
		o->sectors = id[ATA_ID_LBA28_SECTORS] | (u32)id[ATA_ID_LBA28_SECTORS + 1] << 16;
	o->sector_size = 512;
	if ((ss & ATA_ID_SS_VALID_MASK) == ATA_ID_SS_VALID && (ss & ATA_ID_SS_LONG_LOGICAL))
		o->sector_size = 2 * (id[ATA_ID_LOGICAL_WORDS] |
				      (u32)id[ATA_ID_LOGICAL_WORDS + 1] << 16);
}
