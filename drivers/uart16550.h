/* SPDX-License-Identifier: GPL-2.0 */
/* 16550 UART, polled (PC16550D data sheet; port I/O as on every PC). */
#ifndef TERN_DRIVERS_UART16550_H
#define TERN_DRIVERS_UART16550_H

#include "core/types.h"

#define UART_CLOCK	115200		/* divisor latch base rate */

/* Register offsets (DLAB=0 unless noted) */
#define UART_RBR	0	/* receive buffer (read) */
#define UART_THR	0	/* transmit holding (write) */
#define UART_DLL	0	/* divisor low (DLAB=1) */
#define UART_IER	1
#define UART_DLM	1	/* divisor high (DLAB=1) */
#define UART_FCR	2
#define UART_LCR	3
#define  UART_LCR_8N1	0x03
#define  UART_LCR_DLAB	0x80
#define UART_MCR	4
#define  UART_MCR_DTR	0x01
#define  UART_MCR_RTS	0x02
#define  UART_MCR_OUT2	0x08
#define UART_LSR	5
#define  UART_LSR_DR	0x01	/* data ready */
#define  UART_LSR_THRE	0x20	/* transmit holding empty */
#define UART_SCR	7

struct uart {
	u16 port;
	u32 baud;
	bool present;
};

void uart_init(struct uart *u, u16 port, u32 baud);
void uart_putc(struct uart *u, char c);
int uart_getc(struct uart *u);

#endif
