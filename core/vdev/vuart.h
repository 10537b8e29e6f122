/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's COM1: a 16550A (PC16550D datasheet) whose transmitter is
 * always ready (bytes go straight to the VM's console ring) and whose
 * receiver holds what the operator types in `vm console`. Interrupts:
 * received data and THR empty, through the IRQ line that MCR.OUT2 gates
 * on a PC; loopback mode for drivers that test the port. Pure: the caller
 * holds the VM's device lock and drives the IRQ line from vuart_irq().
 */
#ifndef TERN_CORE_VDEV_VUART_H
#define TERN_CORE_VDEV_VUART_H

#include "core/types.h"

#define VUART_RX_SIZE	64

/* Registers (offsets from the base port) and bits, PC16550D table 2 */
#define UART_RBR_THR	0
#define UART_IER	1
#define UART_IIR_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define IER_RDA		BIT(0)	/* received data available */
#define IER_THRE	BIT(1)	/* transmitter holding register empty */
#define IIR_NONE	0x01
#define IIR_THRE	0x02
#define IIR_RDA		0x04
#define IIR_FIFO	0xc0	/* FIFOs enabled */
#define LCR_DLAB	BIT(7)
#define MCR_DTR		BIT(0)
#define MCR_RTS		BIT(1)
#define MCR_OUT1	BIT(2)
#define MCR_OUT2	BIT(3)	/* gates the IRQ line on PCs */
#define MCR_LOOP	BIT(4)
#define LSR_DR		BIT(0)
#define LSR_OE		BIT(1)
#define LSR_THRE	BIT(5)
#define LSR_TEMT	BIT(6)
#define MSR_CTS		BIT(4)
#define MSR_DSR		BIT(5)
#define MSR_RI		BIT(6)
#define MSR_DCD		BIT(7)

struct vuart {
	u8 ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thre_pending;		/* THRE interrupt, until IIR read/THR write */
	bool overrun;
	u8 rx[VUART_RX_SIZE];
	u32 rx_head, rx_tail;
	u64 rx_dropped;
};

void vuart_reset(struct vuart *u);
u8 vuart_read(struct vuart *u, u32 reg);
/* Returns true with *tx set when the guest transmitted a byte. */
bool vuart_write(struct vuart *u, u32 reg, u8 val, u8 *tx);
/* A byte from the operator; false (counted) when the receiver is full. */
bool vuart_receive(struct vuart *u, u8 c);
/* The interrupt line, as the PC wires it (gated by OUT2). */
bool vuart_irq(const struct vuart *u);

#endif
