/* SPDX-License-Identifier: GPL-2.0 */
/* The legacy 8259 pair: remapped away from exceptions and fully masked. */
#ifndef TERN_IRQ_PIC_H
#define TERN_IRQ_PIC_H

void pic_disable(void);

#endif
