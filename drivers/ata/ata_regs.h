/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ATA host registers and commands.
 *
 * Register blocks: ATA/ATAPI-6 (T13/1410D) section 7 and ATA8-APT
 * (parallel transport) section 5: the command block (eight registers)
 * and the control block (alternate status / device control). Commands:
 * ATA/ATAPI-8 ACS (T13/1699-D) section 7. The PCI IDE controller:
 * "PCI IDE Controller Specification" rev 1.0 (legacy and native modes,
 * programming interface byte, section 2); bus mastering: "Programming
 * Interface for Bus Master IDE Controller" rev 1.0 (1994), sections 2-3.
 */
#ifndef TERN_DRIVERS_ATA_ATA_REGS_H
#define TERN_DRIVERS_ATA_ATA_REGS_H

#include "core/types.h"

/* Command block, offsets from the channel's command base (ATA-6 7.1). */
#define ATA_REG_DATA		0	/* 16-bit PIO data */
#define ATA_REG_ERROR		1	/* read */
#define ATA_REG_FEATURE		1	/* write */
#define ATA_REG_COUNT		2
#define ATA_REG_LBA_LO		3
#define ATA_REG_LBA_MID		4
#define ATA_REG_LBA_HI		5
#define ATA_REG_DEVICE		6
#define ATA_REG_STATUS		7	/* read: clears the device's INTRQ */
#define ATA_REG_COMMAND		7	/* write */

/* Control block: one register at the channel's control port (ATA-6 7.2,
 * 7.9). Legacy: 0x3f6 and 0x376; native: BAR1/BAR3 + 2. */
#define ATA_LEGACY_CMD0		0x1f0
#define ATA_LEGACY_CTL0		0x3f6
#define ATA_LEGACY_IRQ0		14
#define ATA_LEGACY_CMD1		0x170
#define ATA_LEGACY_CTL1		0x376
#define ATA_LEGACY_IRQ1		15
#define ATA_NATIVE_CTL_OFF	2

/* Status (ATA-6 7.15) */
#define ATA_SR_ERR		BIT(0)
#define ATA_SR_DRQ		BIT(3)
#define ATA_SR_DF		BIT(5)	/* device fault */
#define ATA_SR_DRDY		BIT(6)
#define ATA_SR_BSY		BIT(7)

/* Device control (ATA-6 7.9) */
#define ATA_DC_NIEN		BIT(1)	/* INTRQ disabled */
#define ATA_DC_SRST		BIT(2)	/* software reset of both devices */
#define ATA_DC_HOB		BIT(7)	/* read back the previous (high) bytes */

/* Device register (ATA-6 7.10): LBA addressing, device 0/1; bits 7 and 5
 * are obsolete and set, as older devices expect. LBA28 keeps bits 27:24
 * of the address in 3:0. */
#define ATA_DEV_OBS		0xa0
#define ATA_DEV_LBA		BIT(6)
#define ATA_DEV_SLAVE		BIT(4)

/* Signatures after a command a packet device aborts (ATA-6 9.12). */
#define ATA_SIG_ATAPI_MID	0x14
#define ATA_SIG_ATAPI_HI	0xeb
#define ATA_SIG_SATAPI_MID	0x69
#define ATA_SIG_SATAPI_HI	0x96

/* Commands (ACS 7.x) */
#define ATA_CMD_READ_PIO	0x20	/* READ SECTORS (7.36) */
#define ATA_CMD_READ_PIO_EXT	0x24	/* READ SECTORS EXT (7.37) */
#define ATA_CMD_READ_DMA_EXT	0x25	/* 7.26 */
#define ATA_CMD_WRITE_PIO	0x30	/* WRITE SECTORS (7.65) */
#define ATA_CMD_WRITE_PIO_EXT	0x34	/* 7.66 */
#define ATA_CMD_WRITE_DMA_EXT	0x35	/* 7.59 */
#define ATA_CMD_READ_DMA	0xc8	/* 7.25 */
#define ATA_CMD_WRITE_DMA	0xca	/* 7.58 */
#define ATA_CMD_FLUSH		0xe7	/* FLUSH CACHE (7.14) */
#define ATA_CMD_FLUSH_EXT	0xea	/* 7.15 */
#define ATA_CMD_IDENTIFY	0xec	/* IDENTIFY DEVICE (7.16) */

/* IDENTIFY DEVICE words (ACS 7.16.7, table 29) */
#define ATA_ID_CONFIG		0	/* bit 15: not an ATA device */
#define ATA_ID_SERIAL		10	/* 10 words */
#define ATA_ID_MODEL		27	/* 20 words, two characters per word, first in 15:8 */
#define ATA_ID_MODEL_WORDS	20
#define ATA_ID_CAPS		49
#define  ATA_ID_CAPS_DMA	BIT(8)
#define  ATA_ID_CAPS_LBA	BIT(9)
#define ATA_ID_LBA28_SECTORS	60	/* 2 words */
#define ATA_ID_CMDSET2		83
#define  ATA_ID_CMDSET2_FLUSH	BIT(12)
#define  ATA_ID_CMDSET2_LBA48	BIT(10)
#define  ATA_ID_CMDSET2_FLUSH_EXT BIT(13)
#define ATA_ID_CMDSET2_ENABLED	86	/* same bits, enabled */
#define ATA_ID_LBA48_SECTORS	100	/* 4 words */
#define ATA_ID_SECTOR_SIZE	106
#define  ATA_ID_SS_VALID_MASK	0xc000	/* 01b in 15:14: the word is valid */
#define  ATA_ID_SS_VALID	0x4000
#define  ATA_ID_SS_LONG_LOGICAL	BIT(12)	/* words 117-118 give the size */
#define ATA_ID_LOGICAL_WORDS	117	/* 2 words: logical sector size in words */

#define ATA_LBA28_MAX_COUNT	256	/* a count of 0 means 256 */
#define ATA_LBA48_MAX_COUNT	65536	/* a count of 0 means 65536 */

/* Bus master registers, offsets from BAR4 (+8 for the secondary channel;
 * Bus Master IDE 2.x). */
#define ATA_BM_CHAN_STRIDE	8
#define ATA_BM_CMD		0
#define  ATA_BM_CMD_START	BIT(0)
#define  ATA_BM_CMD_TO_MEMORY	BIT(3)	/* "read": the device's data into memory */
#define ATA_BM_STATUS		2
#define  ATA_BM_ST_ACTIVE	BIT(0)
#define  ATA_BM_ST_ERROR	BIT(1)	/* write 1 to clear */
#define  ATA_BM_ST_INTR		BIT(2)	/* the device's INTRQ rose; write 1 to clear */
#define ATA_BM_PRDT		4	/* 32-bit, dword-aligned */

/* Physical Region Descriptor (Bus Master IDE 3.1): a region that does not
 * cross a 64 KiB boundary, even address and length, 0 meaning 64 KiB; the
 * table itself dword-aligned and within one 64 KiB region. */
struct ata_prd {
	u32 addr;
	u16 len;
	u16 flags;
} __packed;
#define ATA_PRD_EOT		BIT(15)
#define ATA_PRD_REGION		0x10000U

/* PCI IDE programming interface (PCI IDE 2.1) */
#define ATA_PI_NATIVE0		BIT(0)	/* primary channel in native mode */
#define ATA_PI_NATIVE1		BIT(2)
#define ATA_PI_BUSMASTER	BIT(7)

#endif
