// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/vdev/vpit.h"

void vpit_reset(struct vpit *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < 3; i++) {
		p->ch[i].access = 3;
		p->ch[i].reload = 65536;
	}
	p->ch[0].gate = p->ch[1].gate = true;	/* channel 2: port 0x61 */
}

static bool periodic(const struct vpit_channel *c)
{
	return c->mode == 2 || c->mode == 3;
}

static u64 elapsed(const struct vpit_channel *c, u64 now)
{
	if (!c->gate)
		return c->frozen_elapsed;
	return now > c->start ? now - c->start : 0;
}

/* The counting element now (0 reads as 0; it wraps to 0xffff after). */
static u16 count(const struct vpit_channel *c, u64 now)
{
	u64 e = elapsed(c, now);

	if (!c->counting)
		return 0;
	if (periodic(c)) {
		u64 m = e % c->reload, half = c->reload / 2 ? c->reload / 2 : 1;

		/* Mode 3 counts down by two, twice per period. */
		if (c->mode == 3)
			return (u16)(c->reload - 2 * (m % half));
		return (u16)(c->reload - m);
	}
	return (u16)(c->reload - e);		/* mod 65536, like the chip */
}

static bool output(const struct vpit_channel *c, u64 now)
{
	u64 e = elapsed(c, now);

	if (!c->counting)
		return c->mode != 0;
	switch (c->mode) {
	case 2:
		return e % c->reload != c->reload - 1;
	case 3:
		return e % c->reload < (c->reload + 1) / 2;
	case 4:
	case 5:
		return e != c->reload;
	default:				/* 0, 1: high at terminal count */
		return e >= c->reload;
	}
}

u8 vpit_read(struct vpit *p, u16 port, u64 now)
{
	struct vpit_channel *c;
	u16 v;

	if (port == VPIT_PORT_61) {
		/* The refresh bit toggles every 15 us; OUT2 follows channel 2. */
		return (p->port61 & (PORT61_GATE2 | PORT61_SPEAKER)) |
		       ((now / 18) & 1 ? PORT61_REFRESH : 0) |
		       (output(&p->ch[2], now) ? PORT61_OUT2 : 0);
	}
	if (port < VPIT_PORT_CH0 || port >= VPIT_PORT_CMD)
		return 0xff;
	c = &p->ch[port - VPIT_PORT_CH0];
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latched) {
		v = c->latch;
		if (c->access == 3 && !c->latch_msb) {
			c->latch_msb = true;
			return (u8)v;
		}
		c->latched = false;
		c->latch_msb = false;
		return c->access == 1 ? (u8)v : v >> 8;
	}
	v = count(c, now);
	switch (c->access) {
	case 1:
		return (u8)v;
	case 2:
		return v >> 8;
	}
	c->read_msb = !c->read_msb;
	return c->read_msb ? (u8)v : v >> 8;
}

static void load(struct vpit_channel *c, u32 val, u64 now)
{
	c->reload = val ? val : 65536;
	c->start = now;
	c->counting = true;
	c->fired = 0;
	c->frozen_elapsed = 0;
}

static void command(struct vpit *p, u8 val, u64 now)
{
	u32 sel = val >> 6, access = (val >> 4) & 3;
	struct vpit_channel *c;

	if (sel == 3) {				/* read-back (8254 only) */
		for (int i = 0; i < 3; i++) {
			if (!(val & BIT(1 + i)))
				continue;
			c = &p->ch[i];
			if (!(val & BIT(5)) && !c->latched) {
				c->latch = count(c, now);
				c->latched = true;
				c->latch_msb = false;
			}
			if (!(val & BIT(4)) && !c->status_latched) {
				c->status = (output(c, now) ? BIT(7) : 0) |
					    (c->counting ? 0 : BIT(6)) |
					    (c->access << 4) | (c->mode << 1);
				c->status_latched = true;
			}
		}
		return;
	}
	c = &p->ch[sel];
	if (access == 0) {			/* counter latch */
		if (!c->latched) {
			c->latch = count(c, now);
			c->latched = true;
			c->latch_msb = false;
		}
		return;
	}
	c->access = (u8)access;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;			/* 6, 7 are 2, 3 */
	if (val & 1)
		p->bcd_writes++;
	/* A mode write stops the count until a new one is loaded. */
	c->counting = false;
	c->write_msb = c->read_msb = false;
	c->latched = c->status_latched = false;
}

void vpit_write(struct vpit *p, u16 port, u8 val, u64 now)
{
	struct vpit_channel *c;

	if (port == VPIT_PORT_61) {
		bool gate = val & PORT61_GATE2;

		c = &p->ch[2];
		if (gate && !c->gate) {
			/* A rising gate restarts modes 1, 2, 3 and 5 and
			 * resumes 0 and 4 where they stopped. */
			if (c->mode == 0 || c->mode == 4)
				c->start = now - c->frozen_elapsed;
			else
				c->start = now;
		} else if (!gate && c->gate) {
			c->frozen_elapsed = elapsed(c, now);
		}
		c->gate = gate;
		p->port61 = val & (PORT61_GATE2 | PORT61_SPEAKER);
		return;
	}
	if (port == VPIT_PORT_CMD) {
		command(p, val, now);
		return;
	}
	if (port < VPIT_PORT_CH0 || port > VPIT_PORT_CH0 + 2)
		return;
	c = &p->ch[port - VPIT_PORT_CH0];
	switch (c->access) {
	case 1:
		load(c, val, now);
		break;
	case 2:
		load(c, (u32)val << 8, now);
		break;
	default:
		if (!c->write_msb) {
			c->write_lsb = val;
			c->write_msb = true;
			/* Mode 0 stops counting on the first byte. */
			if (c->mode == 0)
				c->counting = false;
		} else {
			c->write_msb = false;
			load(c, c->write_lsb | ((u32)val << 8), now);
		}
	}
}

u32 vpit_poll(struct vpit *p, u64 now, u64 *next)
{
	struct vpit_channel *c = &p->ch[0];
	u64 e, due;
	u32 n = 0;

	*next = 0;
	if (!c->counting)
		return 0;
	e = elapsed(c, now);
	if (periodic(c)) {
		/* One interrupt per period, VPIT_MIN_PERIOD at least; missed
		 * ones coalesce. */
		u64 period = c->reload < VPIT_MIN_PERIOD ? VPIT_MIN_PERIOD : c->reload;

		due = e / period;
		if (due > c->fired) {
			n = (u32)(due - c->fired > 0xffffffff ? 0xffffffff : due - c->fired);
			c->fired = due;
		}
		*next = c->start + (c->fired + 1) * period;
		return n;
	}
	/* One-shot modes: once, at terminal count. */
	if (c->fired)
		return 0;
	if (e >= c->reload) {
		c->fired = 1;
		return 1;
	}
	*next = c->start + c->reload;
	return 0;
}
