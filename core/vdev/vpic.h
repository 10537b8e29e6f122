/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's pair of 8259A PICs (Intel 8259A datasheet) at 0x20/0x21 and
 * 0xa0/0xa1, with the edge/level control registers at 0x4d0/0x4d1. The
 * registers behave (initialization words, mask, OCW2 EOIs, OCW3 IRR/ISR
 * reads), so kernels probe and mask them as on a PC; their INTR output
 * is not connected yet: tern's guests take interrupts through the I/O
 * APIC. IRR follows the lines; an unmasked line that rises is counted as
 * an interrupt the PIC could not deliver.
 */
#ifndef TERN_CORE_VDEV_VPIC_H
#define TERN_CORE_VDEV_VPIC_H

#include "core/types.h"

#define VPIC_MASTER		0x20
#define VPIC_SLAVE		0xa0
#define VPIC_ELCR		0x4d0

struct vpic_chip {
	u8 imr, irr, isr, base, elcr;
	u8 icw_step;			/* 0: ready; 2, 3, 4: next ICW */
	bool icw4, single, read_isr, auto_eoi;
};

struct vpic {
	struct vpic_chip chip[2];
	u64 undelivered;		/* unmasked rising lines */
};

void vpic_reset(struct vpic *p);
u8 vpic_read(struct vpic *p, u16 port);
void vpic_write(struct vpic *p, u16 port, u8 val);
/* ISA line 0-15 changes level. */
void vpic_set_line(struct vpic *p, u32 irq, bool asserted);

#endif
