/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel 8254x (PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual, 317453) and 82574 (datasheet 317694) registers tern
 * uses: both run the legacy descriptor formats below, which is all tern
 * needs (section numbers are the 8254x SDM's).
 */
#ifndef TERN_DRIVERS_NET_E1000_REGS_H
#define TERN_DRIVERS_NET_E1000_REGS_H

#include "core/types.h"

/* 13.4 register summary */
#define E1000_CTRL		0x0000
#define  E1000_CTRL_ASDE	BIT(5)	/* auto-speed detection */
#define  E1000_CTRL_SLU		BIT(6)	/* set link up */
#define  E1000_CTRL_RST		BIT(26)
#define E1000_STATUS		0x0008
#define  E1000_STATUS_LU	BIT(1)
#define E1000_EERD		0x0014	/* 13.4.4: EEPROM read */
#define  E1000_EERD_START	BIT(0)
#define  E1000_EERD_DONE	BIT(4)
#define E1000_ICR		0x00c0	/* 13.4.17: read clears */
#define E1000_IMS		0x00d0
#define E1000_IMC		0x00d8
#define  E1000_INT_TXDW		BIT(0)
#define  E1000_INT_LSC		BIT(2)
#define  E1000_INT_RXDMT0	BIT(4)
#define  E1000_INT_RXO		BIT(6)
#define  E1000_INT_RXT0		BIT(7)
#define E1000_RCTL		0x0100	/* 13.4.22 */
#define  E1000_RCTL_EN		BIT(1)
#define  E1000_RCTL_UPE		BIT(3)
#define  E1000_RCTL_MPE		BIT(4)	/* multicast promiscuous (IPv6 ND) */
#define  E1000_RCTL_BAM		BIT(15)
#define  E1000_RCTL_SECRC	BIT(26)	/* strip the FCS */
#define E1000_TCTL		0x0400	/* 13.4.33 */
#define  E1000_TCTL_EN		BIT(1)
#define  E1000_TCTL_PSP		BIT(3)
#define  E1000_TCTL_CT(x)	((u32)(x) << 4)
#define  E1000_TCTL_COLD(x)	((u32)(x) << 12)
#define E1000_TIPG		0x0410	/* 13.4.34: IPGT 10, IPGR1 8, IPGR2 6 (copper) */
#define  E1000_TIPG_DEFAULT	(10 | 8 << 10 | 6 << 20)
#define E1000_RDBAL		0x2800
#define E1000_RDBAH		0x2804
#define E1000_RDLEN		0x2808
#define E1000_RDH		0x2810
#define E1000_RDT		0x2818
#define E1000_TDBAL		0x3800
#define E1000_TDBAH		0x3804
#define E1000_TDLEN		0x3808
#define E1000_TDH		0x3810
#define E1000_TDT		0x3818
#define E1000_MTA		0x5200	/* 128 entries */
#define E1000_RAL0		0x5400
#define E1000_RAH0		0x5404
#define  E1000_RAH_AV		BIT(31)

/* 3.2.3 receive descriptor (legacy) */
struct e1000_rx_desc {
	u64 addr;
	u16 length;
	u16 csum;
	u8 status;
	u8 errors;
	u16 special;
} __attribute__((packed));
#define E1000_RXD_DD		BIT(0)
#define E1000_RXD_EOP		BIT(1)

/* 3.3.3 transmit descriptor (legacy) */
struct e1000_tx_desc {
	u64 addr;
	u16 length;
	u8 cso;
	u8 cmd;
	u8 status;
	u8 css;
	u16 special;
} __attribute__((packed));
#define E1000_TXD_CMD_EOP	BIT(0)
#define E1000_TXD_CMD_IFCS	BIT(1)
#define E1000_TXD_CMD_RS	BIT(3)
#define E1000_TXD_DD		BIT(0)

#endif
