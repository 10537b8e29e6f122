// SPDX-License-Identifier: GPL-2.0
#include "core/cpu.h"
#include "drivers/uart16550.h"

void uart_init(struct uart *u, u16 port, u32 baud)
{
	u32 div;

	if (!baud || baud > UART_CLOCK)
		baud = UART_CLOCK;
	div = UART_CLOCK / baud;
	u->port = port;
	u->baud = UART_CLOCK / div;

	/* The scratch register tells whether anything answers at all. */
	outb(port + UART_SCR, 0x5a);
	u->present = inb(port + UART_SCR) == 0x5a;
	if (!u->present)
		return;
	outb(port + UART_IER, 0);		/* polled: no interrupts */
	outb(port + UART_LCR, UART_LCR_DLAB);
	outb(port + UART_DLL, div & 0xff);
	outb(port + UART_DLM, div >> 8);
	outb(port + UART_LCR, UART_LCR_8N1);
	outb(port + UART_FCR, 0x07);		/* enable and clear FIFOs */
	outb(port + UART_MCR, UART_MCR_DTR | UART_MCR_RTS);
}

void uart_putc(struct uart *u, char c)
{
	/* Bounded wait: an absent or stuck UART must not hang tern. */
	for (int i = 0; i < 100000; i++) {
		if (inb(u->port + UART_LSR) & UART_LSR_THRE)
			break;
		cpu_relax();
	}
	outb(u->port + UART_THR, (u8)c);
}

int uart_getc(struct uart *u)
{
	if (!(inb(u->port + UART_LSR) & UART_LSR_DR))
		return -1;
	return inb(u->port + UART_RBR);
}
