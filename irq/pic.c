// SPDX-License-Identifier: GPL-2.0
/* 8259A programming (Intel 8259A data sheet, ICW1-ICW4). */
#include "core/cpu.h"
#include "irq/pic.h"

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1
#define ICW1_INIT_ICW4	0x11
#define ICW4_8086	0x01

/*
 * Remap to 0x20/0x28 first so a stray interrupt raised before the mask
 * lands on a vector no exception uses, then mask every line.
 */
void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	io_delay();
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	io_delay();
	outb(PIC1_DATA, 0x20);
	io_delay();
	outb(PIC2_DATA, 0x28);
	io_delay();
	outb(PIC1_DATA, 0x04);	/* slave on IR2 */
	io_delay();
	outb(PIC2_DATA, 0x02);
	io_delay();
	outb(PIC1_DATA, ICW4_8086);
	io_delay();
	outb(PIC2_DATA, ICW4_8086);
	io_delay();
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}
