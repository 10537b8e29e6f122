// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/vdev/vioapic.h"

void vioapic_reset(struct vioapic *io)
{
	memset(io, 0, sizeof(*io));
	/* Every pin masked at reset (datasheet 3.2.4). */
	for (u32 i = 0; i < VIOAPIC_PINS; i++)
		io->rte[i] = RTE_MASKED;
}

/* A level pin the guest can take: asserted, unmasked, not in service. */
static bool level_ready(const struct vioapic *io, u32 pin)
{
	u64 e = io->rte[pin];

	return (e & RTE_LEVEL) && !(e & (RTE_MASKED | RTE_REMOTE_IRR)) &&
	       (io->asserted & BIT(pin));
}

u32 vioapic_read(struct vioapic *io, u32 off)
{
	u32 r = io->regsel, pin;

	if (off == IOAPIC_REGSEL)
		return r;
	if (off != IOAPIC_WINDOW)
		return 0;
	switch (r) {
	case IOAPIC_REG_ID:
		return io->id << 24;
	case IOAPIC_REG_VERSION:
		return ((VIOAPIC_PINS - 1) << 16) | VIOAPIC_VERSION;
	case IOAPIC_REG_ARB:
		return io->id << 24;
	}
	if (r < IOAPIC_REG_REDIR || r >= IOAPIC_REG_REDIR + 2 * VIOAPIC_PINS)
		return 0;
	pin = (r - IOAPIC_REG_REDIR) / 2;
	return (r & 1) ? (u32)(io->rte[pin] >> 32) : (u32)io->rte[pin];
}

u32 vioapic_write(struct vioapic *io, u32 off, u32 val)
{
	u32 r = io->regsel, pin;
	u64 e;

	if (off == IOAPIC_REGSEL) {
		io->regsel = val & 0xff;
		return 0;
	}
	if (off == IOAPIC_EOI)
		return vioapic_eoi(io, (u8)val);
	if (off != IOAPIC_WINDOW)
		return 0;
	if (r == IOAPIC_REG_ID) {
		io->id = (val >> 24) & 0xf;
		return 0;
	}
	if (r < IOAPIC_REG_REDIR || r >= IOAPIC_REG_REDIR + 2 * VIOAPIC_PINS)
		return 0;
	pin = (r - IOAPIC_REG_REDIR) / 2;
	e = io->rte[pin];
	if (r & 1) {
		e = (e & 0xffffffffULL) | ((u64)val << 32);
	} else {
		/* Delivery status and remote IRR are the IOAPIC's own. */
		e = (e & (0xffffffff00000000ULL | RTE_RO_BITS)) |
		    (val & ~(u32)RTE_RO_BITS);
	}
	/* An edge pin has no remote IRR to keep. */
	if (!(e & RTE_LEVEL))
		e &= ~(u64)RTE_REMOTE_IRR;
	io->rte[pin] = e;
	/* Unmasking a level line that is still asserted delivers it. */
	return level_ready(io, pin) ? BIT(pin) : 0;
}

bool vioapic_set_line(struct vioapic *io, u32 pin, bool asserted)
{
	bool was;

	if (pin >= VIOAPIC_PINS)
		return false;
	was = io->asserted & BIT(pin);
	if (asserted)
		io->asserted |= BIT(pin);
	else
		io->asserted &= ~BIT(pin);
	if (io->rte[pin] & RTE_LEVEL)
		return level_ready(io, pin);
	if (!asserted || was)
		return false;
	/* A rising edge; a masked pin loses it, as the real one does. */
	if (io->rte[pin] & RTE_MASKED) {
		io->lost_masked++;
		return false;
	}
	return true;
}

bool vioapic_message(struct vioapic *io, u32 pin, struct vlapic_ipi *msg, bool *level)
{
	u64 e = io->rte[pin];
	u32 mode = RTE_MODE(e);

	memset(msg, 0, sizeof(*msg));
	/* SMI, INIT and ExtINT (virtual wire to the 8259, which tern does
	 * not connect) are not delivered; counted. */
	if (mode != ICR_MODE_FIXED && mode != ICR_MODE_LOWEST && mode != ICR_MODE_NMI) {
		io->unsupported++;
		return false;
	}
	msg->valid = true;
	msg->mode = (u8)mode;
	msg->vector = RTE_VECTOR(e);
	msg->logical = e & RTE_LOGICAL;
	msg->dest = RTE_DEST(e);
	*level = (e & RTE_LEVEL) && msg->mode != ICR_MODE_NMI;
	if (*level)
		io->rte[pin] |= RTE_REMOTE_IRR;
	io->delivered[pin]++;
	return true;
}

void vioapic_request(struct vioapic *io, u32 pin, u32 *addr_lo, u32 *data)
{
	u64 e = io->rte[pin];

	/* Address: 0xfee, then entry bits 63:48 in 19:4 (the destination
	 * in 19:12 for compatibility format, the handle and format bit for
	 * remappable), bit 11 in bit 2 (destination mode, or handle bit 15). */
	*addr_lo = 0xfee00000U | (u32)((e >> 48) & 0xffff) << 4 | (u32)((e >> 11) & 1) << 2;
	/* Data: vector, delivery mode, trigger mode (5.1.5.2's layout). */
	*data = (u32)(e & 0x7ff) | (e & RTE_LEVEL ? BIT(15) : 0);
	/* Remote IRR as for a compatibility delivery: the entry's own
	 * trigger mode, which software keeps equal to the IRTE's (5.1.5.1). */
	if ((e & RTE_LEVEL) && RTE_MODE(e) != ICR_MODE_NMI)
		io->rte[pin] |= RTE_REMOTE_IRR;
	io->delivered[pin]++;
}

u32 vioapic_eoi(struct vioapic *io, u8 vector)
{
	u32 again = 0;

	for (u32 pin = 0; pin < VIOAPIC_PINS; pin++) {
		u64 e = io->rte[pin];

		if (!(e & RTE_REMOTE_IRR) || RTE_VECTOR(e) != vector)
			continue;
		io->rte[pin] = e & ~(u64)RTE_REMOTE_IRR;
		io->eois++;
		if (level_ready(io, pin))
			again |= BIT(pin);
	}
	return again;
}
