/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's 8254 PIT (Intel 8254 datasheet) at ports 0x40-0x43, with
 * channel 2's gate and output in port 0x61 as PCs wire them. Counting is
 * computed from time (PIT ticks at 1.193182 MHz, passed in), so nothing
 * runs between accesses: reads latch the count of the moment, and
 * vpit_poll() says how many times channel 0 (IRQ 0) fired. Modes 0, 2, 3
 * and 4 count; 1 and 5 (hardware-triggered) behave as 0 and 4. BCD
 * counting is not modeled (binary is used, counted).
 */
#ifndef TERN_CORE_VDEV_VPIT_H
#define TERN_CORE_VDEV_VPIT_H

#include "core/types.h"

#define VPIT_HZ			1193182ULL
#define VPIT_PORT_CH0		0x40
#define VPIT_PORT_CMD		0x43
#define VPIT_PORT_61		0x61	/* NMI status/control: gate 2, OUT2 */

#define PORT61_GATE2		BIT(0)
#define PORT61_SPEAKER		BIT(1)
#define PORT61_REFRESH		BIT(4)	/* toggles, for delay loops */
#define PORT61_OUT2		BIT(5)

struct vpit_channel {
	u8 mode, access;		/* access: 1 LSB, 2 MSB, 3 LSB then MSB */
	u32 reload;			/* 1..65536 */
	u64 start;			/* tick when the count was loaded */
	bool counting;			/* a count was written since the mode */
	bool gate;
	u64 frozen_elapsed;		/* gate low: elapsed ticks at the drop */
	bool write_msb, read_msb;	/* next byte of a 16-bit access */
	u8 write_lsb;
	bool latched, latch_msb;
	u16 latch;
	bool status_latched;
	u8 status;
	u64 fired;			/* channel 0: interrupts raised for this count */
};

struct vpit {
	struct vpit_channel ch[3];
	u8 port61;
	u64 bcd_writes;
};

void vpit_reset(struct vpit *p);
u8 vpit_read(struct vpit *p, u16 port, u64 now);
void vpit_write(struct vpit *p, u16 port, u8 val, u64 now);
/*
 * The shortest period channel 0 interrupts at in modes 2 and 3, in PIT
 * ticks: 20 us, as the local APIC timer (VLAPIC_MIN_PERIOD_NS says why).
 * A reload below it still counts and toggles OUT as programmed; only the
 * interrupts are merged, as a CPU that cannot keep up merges them.
 */
#define VPIT_MIN_PERIOD		24

/*
 * Channel 0's interrupts due by now (0 or more; the caller raises one edge
 * for any), and in *next the tick of the next one (0: none scheduled).
 */
u32 vpit_poll(struct vpit *p, u64 now, u64 *next);
/* Channel 0 will still interrupt (cheap, without the lock). */
static inline bool vpit_armed(const struct vpit *p)
{
	const struct vpit_channel *c = &p->ch[0];

	return __atomic_load_n(&c->counting, __ATOMIC_RELAXED) &&
	       (c->mode == 2 || c->mode == 3 || !c->fired);
}

#endif
