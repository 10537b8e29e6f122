// SPDX-License-Identifier: GPL-2.0
/*
 * Intel 8254x (e1000) and 82574 (e1000e) for tern's management network:
 * one legacy receive and one legacy transmit ring (8254x SDM 3.2, 3.3,
 * 14.4-14.5 for the initialization order), 2 KiB buffers, frames copied.
 * Interrupts by MSI where the function has it (82574), else by INTx
 * (8254x), else polled from the management core's loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/tsc.h"
#include "drivers/net/e1000_regs.h"
#include "drivers/net/nic.h"
#include "drivers/pci.h"
#include "mm/kmem.h"
#include "mm/pmm.h"

#define E1000_NDESC	256		/* one page of descriptors each way */
#define E1000_BUF	2048		/* RCTL.BSIZE 00: 2048 bytes */

_Static_assert(sizeof(struct e1000_rx_desc) == 16, "rx descriptor");
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "tx descriptor");

struct e1000 {
	volatile u8 *regs;
	struct e1000_rx_desc *rx;
	struct e1000_tx_desc *tx;
	u64 rx_pa, tx_pa, rxbuf_pa, txbuf_pa;
	u8 *rxbuf, *txbuf;
	u32 rx_next;			/* next descriptor the NIC fills */
	u32 tx_tail, tx_clean;		/* next free; oldest not known done */
};

static const u16 ids[] = {
	0x100e,		/* 82540EM: QEMU's and Bochs's e1000 */
	0x100f,		/* 82545EM copper */
	0x1004,		/* 82543GC copper (QEMU e1000-82544gc reports 0x100c) */
	0x100c,		/* 82544GC copper */
	0x10d3,		/* 82574L: QEMU's e1000e */
};

static u32 rd(struct e1000 *e, u32 off)
{
	return *(volatile u32 *)(e->regs + off);
}

static void wr(struct e1000 *e, u32 off, u32 v)
{
	*(volatile u32 *)(e->regs + off) = v;
}

bool e1000_supported(const struct pci_dev *d)
{
	if (d->vendor != 0x8086)
		return false;
	for (u32 i = 0; i < ARRAY_SIZE(ids); i++)
		if (d->device == ids[i])
			return true;
	return false;
}

static bool e1000_send(struct nic *n, const void *frame, u32 len)
{
	struct e1000 *e = n->drv;
	struct e1000_tx_desc *d;

	/* Descriptors the NIC has finished with are free again. */
	while (e->tx_clean != e->tx_tail && (e->tx[e->tx_clean].status & E1000_TXD_DD))
		e->tx_clean = (e->tx_clean + 1) % E1000_NDESC;
	if ((e->tx_tail + 1) % E1000_NDESC == e->tx_clean || len > E1000_BUF)
		return false;
	d = &e->tx[e->tx_tail];
	memcpy(e->txbuf + (size_t)e->tx_tail * E1000_BUF, frame, len);
	d->addr = e->txbuf_pa + (u64)e->tx_tail * E1000_BUF;
	d->length = (u16)len;
	d->cso = d->css = 0;
	d->special = 0;
	d->status = 0;
	d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
	e->tx_tail = (e->tx_tail + 1) % E1000_NDESC;
	/* The descriptor in memory before the tail moves past it. */
	__asm__ __volatile__("sfence" ::: "memory");
	wr(e, E1000_TDT, e->tx_tail);
	return true;
}

static u32 e1000_recv(struct nic *n, void *buf)
{
	struct e1000 *e = n->drv;

	for (;;) {
		struct e1000_rx_desc *d = &e->rx[e->rx_next];
		u32 len = 0;

		if (!(d->status & E1000_RXD_DD))
			return 0;
		__asm__ __volatile__("lfence" ::: "memory");
		/* A frame in several buffers (longer than 2 KiB) or one the
		 * NIC flagged bad is dropped, not passed up. */
		if ((d->status & E1000_RXD_EOP) && !d->errors && d->length <= NIC_FRAME_MAX) {
			len = d->length;
			memcpy(buf, e->rxbuf + (size_t)e->rx_next * E1000_BUF, len);
		} else {
			n->rx_dropped++;
		}
		d->status = 0;
		/* The buffer goes back to the NIC: the tail is the last one
		 * it may fill. */
		wr(e, E1000_RDT, e->rx_next);
		e->rx_next = (e->rx_next + 1) % E1000_NDESC;
		if (len)
			return len;
	}
}

static bool e1000_link_up(struct nic *n)
{
	return rd(n->drv, E1000_STATUS) & E1000_STATUS_LU;
}

static void e1000_describe(struct nic *n, char *buf, size_t len)
{
	struct e1000 *e = n->drv;

	snprintf(buf, len, "%u rx and %u tx descriptors of %u bytes; RDH %u RDT %u TDH %u TDT %u",
		 E1000_NDESC, E1000_NDESC, E1000_BUF, rd(e, E1000_RDH), rd(e, E1000_RDT),
		 rd(e, E1000_TDH), rd(e, E1000_TDT));
}

/* In the interrupt handler: reading ICR clears the causes (13.4.17), so
 * the next one raises a new message, or (INTx) the line goes low. None
 * set: not this NIC's interrupt (a shared line). */
static bool e1000_irq_ack(struct nic *n)
{
	return rd(n->drv, E1000_ICR) != 0;
}

static const struct nic_ops e1000_ops = {
	.irq_ack = e1000_irq_ack,
	.send = e1000_send,
	.recv = e1000_recv,
	.link_up = e1000_link_up,
	.describe = e1000_describe,
};

static u16 eeprom_read(struct e1000 *e, u8 addr)
{
	wr(e, E1000_EERD, (u32)addr << 8 | E1000_EERD_START);
	for (int i = 0; i < 10000; i++) {
		u32 v = rd(e, E1000_EERD);

		if (v & E1000_EERD_DONE)
			return (u16)(v >> 16);
		tsc_delay_us(1);
	}
	return 0;
}

static void read_mac(struct e1000 *e, u8 *mac)
{
	u32 lo = rd(e, E1000_RAL0), hi = rd(e, E1000_RAH0);

	/* The NIC loads RAL0/RAH0 from the EEPROM at reset (5.6.1); read
	 * the EEPROM words 0-2 only if it did not. */
	if (hi & E1000_RAH_AV) {
		for (int i = 0; i < 4; i++)
			mac[i] = (u8)(lo >> (8 * i));
		mac[4] = (u8)hi;
		mac[5] = (u8)(hi >> 8);
		return;
	}
	for (u8 i = 0; i < 3; i++) {
		u16 w = eeprom_read(e, i);

		mac[2 * i] = (u8)w;
		mac[2 * i + 1] = (u8)(w >> 8);
	}
	wr(e, E1000_RAL0, mac[0] | mac[1] << 8 | mac[2] << 16 | (u32)mac[3] << 24);
	wr(e, E1000_RAH0, mac[4] | mac[5] << 8 | E1000_RAH_AV);
}

int e1000_probe(struct pci_dev *d, struct nic *n, const char **why)
{
	u64 ring_pages = 1, buf_pages = E1000_NDESC * E1000_BUF / PAGE_SIZE;
	struct e1000 *e;
	u64 start;

	if (d->bars[0].type != PCI_BAR_MEM32 && d->bars[0].type != PCI_BAR_MEM64_SPACE) {
		*why = "BAR0 is not memory";
		return -1;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		*why = "out of memory";
		return -1;
	}
	e->regs = ioremap(d->bars[0].base, MIN(d->bars[0].size, (u64)(128 * SZ_1K)),
			  MAP_W | MAP_UC);
	e->rx_pa = pmm_alloc(ring_pages);
	e->tx_pa = pmm_alloc(ring_pages);
	e->rxbuf_pa = pmm_alloc(buf_pages);
	e->txbuf_pa = pmm_alloc(buf_pages);
	if (!e->regs || !e->rx_pa || !e->tx_pa || !e->rxbuf_pa || !e->txbuf_pa) {
		*why = "cannot map BAR0 or allocate rings";
		return -1;
	}
	e->rx = phys_to_virt(e->rx_pa);
	e->tx = phys_to_virt(e->tx_pa);
	e->rxbuf = phys_to_virt(e->rxbuf_pa);
	e->txbuf = phys_to_virt(e->txbuf_pa);
	memset(e->rx, 0, PAGE_SIZE);
	memset(e->tx, 0, PAGE_SIZE);
	n->drv = e;
	n->ops = &e1000_ops;
	n->model = d->device == 0x10d3 ? "e1000e" : "e1000";

	/* Reset (14.3 / 82574 11.1.3): masked first, then the global reset;
	 * the NIC clears RST itself when done. */
	wr(e, E1000_IMC, ~0U);
	wr(e, E1000_CTRL, rd(e, E1000_CTRL) | E1000_CTRL_RST);
	tsc_delay_us(10);
	start = tsc_ns();
	while (rd(e, E1000_CTRL) & E1000_CTRL_RST) {
		if (tsc_ns() - start > 100000000ULL) {
			*why = "reset did not complete";
			return -1;
		}
		tsc_delay_us(10);
	}
	wr(e, E1000_IMC, ~0U);
	(void)rd(e, E1000_ICR);
	if (nic_dma_attach(n)) {
		*why = "behind VT-d but cannot join the host domain";
		return -1;
	}
	pci_write16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND,
		    pci_read16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND) |
		    PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	wr(e, E1000_CTRL, (rd(e, E1000_CTRL) | E1000_CTRL_SLU | E1000_CTRL_ASDE));
	read_mac(e, n->mac);
	for (u32 i = 0; i < 128; i++)
		wr(e, E1000_MTA + 4 * i, 0);

	/* 14.4 receive: every descriptor owns a buffer; the tail one short
	 * of the head (equal would mean the ring is empty). */
	for (u32 i = 0; i < E1000_NDESC; i++)
		e->rx[i].addr = e->rxbuf_pa + (u64)i * E1000_BUF;
	wr(e, E1000_RDBAL, (u32)e->rx_pa);
	wr(e, E1000_RDBAH, (u32)(e->rx_pa >> 32));
	wr(e, E1000_RDLEN, E1000_NDESC * sizeof(struct e1000_rx_desc));
	wr(e, E1000_RDH, 0);
	wr(e, E1000_RDT, E1000_NDESC - 1);
	wr(e, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_MPE | E1000_RCTL_SECRC);

	/* 14.5 transmit. */
	wr(e, E1000_TDBAL, (u32)e->tx_pa);
	wr(e, E1000_TDBAH, (u32)(e->tx_pa >> 32));
	wr(e, E1000_TDLEN, E1000_NDESC * sizeof(struct e1000_tx_desc));
	wr(e, E1000_TDH, 0);
	wr(e, E1000_TDT, 0);
	wr(e, E1000_TIPG, E1000_TIPG_DEFAULT);
	wr(e, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT(0x0f) |
	   E1000_TCTL_COLD(0x40));

	/* Interrupts only to wake the management core: receive, link. MSI
	 * where the function has it (82574), else its INTx (8254x). */
	nic_setup_irq(n, false, 0);
	if (n->vector < 0)
		nic_setup_intx(n);
	if (n->vector >= 0)
		wr(e, E1000_IMS, E1000_INT_RXT0 | E1000_INT_RXO | E1000_INT_RXDMT0 | E1000_INT_LSC);
	return 0;
}

