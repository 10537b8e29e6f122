// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/vdev/vpic.h"

void vpic_reset(struct vpic *p)
{
	memset(p, 0, sizeof(*p));
	/* Firmware leaves both masked; Linux probes by writing the mask. */
	p->chip[0].imr = p->chip[1].imr = 0xff;
}

static struct vpic_chip *chip_of(struct vpic *p, u16 port)
{
	return &p->chip[(port & 0xfe) == VPIC_SLAVE ? 1 : 0];
}

u8 vpic_read(struct vpic *p, u16 port)
{
	struct vpic_chip *c;

	if (port == VPIC_ELCR || port == VPIC_ELCR + 1)
		return p->chip[port - VPIC_ELCR].elcr;
	c = chip_of(p, port);
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static void eoi(struct vpic_chip *c, u8 val)
{
	u32 level = val & 7;

	switch (val >> 5) {
	case 1:			/* non-specific EOI */
	case 5:			/* rotate on non-specific EOI */
		c->isr &= c->isr - 1;	/* the highest priority: lowest bit */
		break;
	case 3:			/* specific EOI */
	case 7:			/* rotate on specific EOI */
		c->isr &= ~(u8)BIT(level);
		break;
	}
}

void vpic_write(struct vpic *p, u16 port, u8 val)
{
	struct vpic_chip *c;

	if (port == VPIC_ELCR || port == VPIC_ELCR + 1) {
		/* IRQ 0, 1, 2, 8 and 13 are always edge (PIIX/ICH). */
		p->chip[port - VPIC_ELCR].elcr = val & (port == VPIC_ELCR ? 0xf8 : 0xde);
		return;
	}
	c = chip_of(p, port);
	if (!(port & 1)) {
		if (val & BIT(4)) {		/* ICW1: start initialization */
			c->imr = 0;
			c->isr = 0;
			c->irr = 0;
			c->read_isr = false;
			c->auto_eoi = false;
			c->icw4 = val & BIT(0);
			c->single = val & BIT(1);
			c->icw_step = 2;
		} else if (val & BIT(3)) {	/* OCW3 */
			if (val & BIT(1))
				c->read_isr = val & BIT(0);
		} else {			/* OCW2 */
			eoi(c, val);
		}
		return;
	}
	switch (c->icw_step) {
	case 2:
		c->base = val & 0xf8;
		c->icw_step = c->single ? (c->icw4 ? 4 : 0) : 3;
		break;
	case 3:
		c->icw_step = c->icw4 ? 4 : 0;
		break;
	case 4:
		c->auto_eoi = val & BIT(1);
		c->icw_step = 0;
		break;
	default:
		c->imr = val;
	}
}

void vpic_set_line(struct vpic *p, u32 irq, bool asserted)
{
	struct vpic_chip *c;
	u8 bit;

	if (irq >= 16)
		return;
	c = &p->chip[irq / 8];
	bit = (u8)BIT(irq % 8);
	if (!asserted) {
		c->irr &= ~bit;
		return;
	}
	/* A slave line also needs the master's cascade input (IRQ 2). */
	if (!(c->irr & bit) && !(c->imr & bit) &&
	    (irq < 8 || !(p->chip[0].imr & BIT(2))))
		p->undelivered++;
	c->irr |= bit;
}
