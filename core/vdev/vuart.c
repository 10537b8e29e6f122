// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/vdev/vuart.h"

void vuart_reset(struct vuart *u)
{
	memset(u, 0, sizeof(*u));
}

static bool rx_ready(const struct vuart *u)
{
	return u->rx_head != u->rx_tail;
}

/* The highest-priority pending interrupt (PC16550D table 4), or none. */
static u8 pending(const struct vuart *u)
{
	if ((u->ier & IER_RDA) && rx_ready(u))
		return IIR_RDA;
	if ((u->ier & IER_THRE) && u->thre_pending)
		return IIR_THRE;
	return IIR_NONE;
}

bool vuart_irq(const struct vuart *u)
{
	return (u->mcr & MCR_OUT2) && pending(u) != IIR_NONE;
}

bool vuart_receive(struct vuart *u, u8 c)
{
	if (u->rx_head - u->rx_tail >= VUART_RX_SIZE) {
		u->overrun = true;
		u->rx_dropped++;
		return false;
	}
	u->rx[u->rx_head++ % VUART_RX_SIZE] = c;
	return true;
}

u8 vuart_read(struct vuart *u, u32 reg)
{
	u8 v;

	switch (reg) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		return rx_ready(u) ? u->rx[u->rx_tail++ % VUART_RX_SIZE] : 0;
	case UART_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case UART_IIR_FCR:
		v = pending(u);
		/* Reading IIR while it shows THRE clears that interrupt. */
		if (v == IIR_THRE)
			u->thre_pending = false;
		return v | ((u->fcr & 1) ? IIR_FIFO : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = LSR_THRE | LSR_TEMT | (rx_ready(u) ? LSR_DR : 0) |
		    (u->overrun ? LSR_OE : 0);
		u->overrun = false;
		return v;
	case UART_MSR:
		if (u->mcr & MCR_LOOP)	/* modem outputs looped back */
			return ((u->mcr & MCR_DTR) ? MSR_DSR : 0) |
			       ((u->mcr & MCR_RTS) ? MSR_CTS : 0) |
			       ((u->mcr & MCR_OUT1) ? MSR_RI : 0) |
			       ((u->mcr & MCR_OUT2) ? MSR_DCD : 0);
		return MSR_DCD | MSR_DSR | MSR_CTS;
	case UART_SCR:
		return u->scr;
	}
	return 0xff;
}

bool vuart_write(struct vuart *u, u32 reg, u8 val, u8 *tx)
{
	switch (reg) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
			return false;
		}
		/* Sent at once, so the THR is empty again: a new THRE. */
		u->thre_pending = true;
		if (u->mcr & MCR_LOOP) {
			vuart_receive(u, val);
			return false;
		}
		*tx = val;
		return true;
	case UART_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
			return false;
		}
		/* Enabling THRE with the THR empty interrupts at once. */
		if ((val & IER_THRE) && !(u->ier & IER_THRE))
			u->thre_pending = true;
		u->ier = val & 0x0f;
		return false;
	case UART_IIR_FCR:
		u->fcr = val & 0xc9;
		if (val & BIT(1)) {		/* clear the receive FIFO */
			u->rx_tail = u->rx_head;
			u->overrun = false;
		}
		return false;
	case UART_LCR:
		u->lcr = val;
		return false;
	case UART_MCR:
		u->mcr = val & 0x1f;
		return false;
	case UART_SCR:
		u->scr = val;
		return false;
	}
	return false;
}
