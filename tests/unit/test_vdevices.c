// SPDX-License-Identifier: GPL-2.0
/* The guest's legacy devices: 16550 COM1, 8254 PIT, 8259 PICs. */
#include "core/vdev/vpic.h"
#include "core/vdev/vpit.h"
#include "core/vdev/vpm.h"
#include "core/vdev/vuart.h"
#include "suites.h"

START_TEST(uart_interrupts)
{
	struct vuart u;
	u8 tx = 0;

	vuart_reset(&u);
	ck_assert(!vuart_irq(&u));
	/* THRE: enabling it with the THR empty interrupts at once, but the
	 * PC's line stays low until the driver sets OUT2. */
	vuart_write(&u, UART_IER, IER_THRE, &tx);
	ck_assert(!vuart_irq(&u));
	vuart_write(&u, UART_MCR, MCR_OUT2 | MCR_DTR | MCR_RTS, &tx);
	ck_assert(vuart_irq(&u));
	vuart_write(&u, UART_IIR_FCR, 0x01, &tx);		/* FIFOs on */
	ck_assert_uint_eq(vuart_read(&u, UART_IIR_FCR), IIR_FIFO | IIR_THRE);
	/* Reading IIR with THRE showing clears it. */
	ck_assert(!vuart_irq(&u));
	ck_assert_uint_eq(vuart_read(&u, UART_IIR_FCR), IIR_FIFO | IIR_NONE);
	/* A byte sent: out it goes, and the THR is empty again. */
	ck_assert(vuart_write(&u, UART_RBR_THR, 'x', &tx));
	ck_assert_uint_eq(tx, 'x');
	ck_assert(vuart_irq(&u));
	vuart_write(&u, UART_IER, 0, &tx);
	ck_assert(!vuart_irq(&u));
	/* Received data outranks THRE; reading it drops the line. */
	vuart_write(&u, UART_IER, IER_RDA | IER_THRE, &tx);
	ck_assert(vuart_receive(&u, 'a'));
	ck_assert_uint_eq(vuart_read(&u, UART_LSR) & (LSR_DR | LSR_THRE), LSR_DR | LSR_THRE);
	ck_assert_uint_eq(vuart_read(&u, UART_IIR_FCR), IIR_FIFO | IIR_RDA);
	ck_assert_uint_eq(vuart_read(&u, UART_RBR_THR), 'a');
	ck_assert_uint_eq(vuart_read(&u, UART_IIR_FCR), IIR_FIFO | IIR_THRE);
	ck_assert(!vuart_irq(&u));
}
END_TEST

START_TEST(uart_fifo_and_loopback)
{
	struct vuart u;
	u8 tx = 0;

	vuart_reset(&u);
	for (int i = 0; i < VUART_RX_SIZE; i++)
		ck_assert(vuart_receive(&u, (u8)i));
	ck_assert(!vuart_receive(&u, 0xee));		/* full: refused */
	ck_assert_uint_eq(u.rx_dropped, 1);
	ck_assert(vuart_read(&u, UART_LSR) & LSR_OE);
	ck_assert(!(vuart_read(&u, UART_LSR) & LSR_OE));	/* read clears */
	vuart_write(&u, UART_IIR_FCR, 0x03, &tx);	/* clear RX FIFO */
	ck_assert(!(vuart_read(&u, UART_LSR) & LSR_DR));
	/* Loopback, as Linux's probe uses it: MCR outputs on MSR inputs,
	 * and sent bytes come back. */
	vuart_write(&u, UART_MCR, MCR_LOOP | MCR_OUT2 | MCR_RTS, &tx);
	ck_assert_uint_eq(vuart_read(&u, UART_MSR) & 0xf0, MSR_DCD | MSR_CTS);
	ck_assert(!vuart_write(&u, UART_RBR_THR, 'L', &tx));
	ck_assert_uint_eq(vuart_read(&u, UART_RBR_THR), 'L');
	/* The divisor latch hides THR/IER. */
	vuart_write(&u, UART_LCR, LCR_DLAB, &tx);
	vuart_write(&u, UART_RBR_THR, 1, &tx);
	vuart_write(&u, UART_IER, 0, &tx);
	ck_assert_uint_eq(vuart_read(&u, UART_RBR_THR), 1);
	vuart_write(&u, UART_LCR, 0x03, &tx);
	vuart_write(&u, UART_SCR, 0x5a, &tx);
	ck_assert_uint_eq(vuart_read(&u, UART_SCR), 0x5a);
}
END_TEST

static u16 pit_read16(struct vpit *p, u16 port, u64 now)
{
	u8 lo = vpit_read(p, port, now);

	return lo | vpit_read(p, port, now) << 8;
}

START_TEST(pit_periodic)
{
	struct vpit p;
	u64 next;

	vpit_reset(&p);
	ck_assert_uint_eq(vpit_poll(&p, 100, &next), 0);
	ck_assert_uint_eq(next, 0);
	/* Linux's PIT clockevent: channel 0, mode 2, LATCH for HZ = 250. */
	vpit_write(&p, VPIT_PORT_CMD, 0x34, 1000);
	vpit_write(&p, VPIT_PORT_CH0, 4772 & 0xff, 1000);
	ck_assert(!vpit_armed(&p));			/* half a count */
	vpit_write(&p, VPIT_PORT_CH0, 4772 >> 8, 1000);
	ck_assert(vpit_armed(&p));
	ck_assert_uint_eq(vpit_poll(&p, 1000 + 4771, &next), 0);
	ck_assert_uint_eq(next, 1000 + 4772);
	ck_assert_uint_eq(vpit_poll(&p, 1000 + 4772, &next), 1);
	ck_assert_uint_eq(next, 1000 + 2 * 4772);
	/* Missed periods coalesce into one report of how many. */
	ck_assert_uint_eq(vpit_poll(&p, 1000 + 5 * 4772 + 7, &next), 4);
	ck_assert_uint_eq(next, 1000 + 6 * 4772);
	/* The count, latched. */
	vpit_write(&p, VPIT_PORT_CMD, 0x00, 1000 + 100);
	ck_assert_uint_eq(pit_read16(&p, VPIT_PORT_CH0, 1000 + 300), 4772 - 100);
	/* Read-back of the status: output high, lo/hi access, mode 2. */
	vpit_write(&p, VPIT_PORT_CMD, 0xe2, 1000 + 10);
	ck_assert_uint_eq(vpit_read(&p, VPIT_PORT_CH0, 1000 + 10), 0x80 | 0x30 | 0x04);
}
END_TEST

/* Reload 1: it counts as programmed, interrupts every VPIT_MIN_PERIOD. */
START_TEST(pit_min_period)
{
	struct vpit p;
	u64 next;

	vpit_reset(&p);
	vpit_write(&p, VPIT_PORT_CMD, 0x34, 0);
	vpit_write(&p, VPIT_PORT_CH0, 1, 0);
	vpit_write(&p, VPIT_PORT_CH0, 0, 0);
	ck_assert_uint_eq(vpit_poll(&p, 1, &next), 0);
	ck_assert_uint_eq(next, VPIT_MIN_PERIOD);
	ck_assert_uint_eq(vpit_poll(&p, 10 * VPIT_MIN_PERIOD + 3, &next), 10);
	ck_assert_uint_eq(next, 11 * VPIT_MIN_PERIOD);
	ck_assert_uint_eq(pit_read16(&p, VPIT_PORT_CH0, 7), 1);
}
END_TEST

START_TEST(pit_oneshot_and_gate)
{
	struct vpit p;
	u64 next;

	vpit_reset(&p);
	/* Mode 0, the shutdown Linux writes: count 0 means 65536. */
	vpit_write(&p, VPIT_PORT_CMD, 0x30, 0);
	vpit_write(&p, VPIT_PORT_CH0, 0, 0);
	vpit_write(&p, VPIT_PORT_CH0, 0, 0);
	ck_assert_uint_eq(vpit_poll(&p, 65535, &next), 0);
	ck_assert_uint_eq(next, 65536);
	ck_assert_uint_eq(vpit_poll(&p, 70000, &next), 1);
	ck_assert_uint_eq(vpit_poll(&p, 200000, &next), 0);	/* only once */
	ck_assert(!vpit_armed(&p));
	/* Channel 2 for calibration: gate through port 0x61, OUT2 at TC. */
	vpit_write(&p, VPIT_PORT_61, PORT61_GATE2, 0);
	vpit_write(&p, VPIT_PORT_CMD, 0xb0, 0);		/* ch2, lo/hi, mode 0 */
	vpit_write(&p, VPIT_PORT_CH0 + 2, 0x00, 500);
	vpit_write(&p, VPIT_PORT_CH0 + 2, 0x10, 500);	/* 4096 */
	ck_assert(!(vpit_read(&p, VPIT_PORT_61, 500 + 4095) & PORT61_OUT2));
	ck_assert(vpit_read(&p, VPIT_PORT_61, 500 + 4096) & PORT61_OUT2);
	ck_assert_uint_eq(pit_read16(&p, VPIT_PORT_CH0 + 2, 500 + 96), 4000);
	/* Gate low freezes the count. */
	vpit_write(&p, VPIT_PORT_61, 0, 600);
	ck_assert_uint_eq(pit_read16(&p, VPIT_PORT_CH0 + 2, 900), 4096 - 100);
	/* LSB-only access. */
	vpit_write(&p, VPIT_PORT_CMD, 0x14, 0);		/* ch0, LSB, mode 2 */
	vpit_write(&p, VPIT_PORT_CH0, 100, 0);
	ck_assert_uint_eq(vpit_read(&p, VPIT_PORT_CH0, 30), 70);
}
END_TEST

START_TEST(pic_registers)
{
	struct vpic p;

	vpic_reset(&p);
	/* Linux's probe: mask the slave, write a mask, read it back. */
	vpic_write(&p, 0xa1, 0xff);
	vpic_write(&p, 0x21, 0xfb);
	ck_assert_uint_eq(vpic_read(&p, 0x21), 0xfb);
	/* Initialization: ICW1-4, then the mask register again. */
	vpic_write(&p, 0x20, 0x11);
	vpic_write(&p, 0x21, 0x30);
	vpic_write(&p, 0x21, 0x04);
	vpic_write(&p, 0x21, 0x01);
	ck_assert_uint_eq(p.chip[0].base, 0x30);
	ck_assert_uint_eq(vpic_read(&p, 0x21), 0x00);	/* ICW1 cleared IMR */
	vpic_write(&p, 0x21, 0xef);
	ck_assert_uint_eq(vpic_read(&p, 0x21), 0xef);
	/* IRR follows the lines; OCW3 selects IRR or ISR. */
	vpic_set_line(&p, 4, true);
	ck_assert_uint_eq(vpic_read(&p, 0x20), 0x10);
	ck_assert_uint_eq(p.undelivered, 1);		/* unmasked */
	vpic_set_line(&p, 3, true);			/* masked */
	ck_assert_uint_eq(p.undelivered, 1);
	vpic_write(&p, 0x20, 0x0b);
	ck_assert_uint_eq(vpic_read(&p, 0x20), 0x00);
	p.chip[0].isr = 0x14;
	vpic_write(&p, 0x20, 0x20);			/* non-specific EOI */
	ck_assert_uint_eq(vpic_read(&p, 0x20), 0x10);
	vpic_write(&p, 0x20, 0x64);			/* specific EOI, IRQ 4 */
	ck_assert_uint_eq(vpic_read(&p, 0x20), 0x00);
	/* ELCR: IRQs 0, 1, 2 stay edge. */
	vpic_write(&p, 0x4d0, 0xff);
	ck_assert_uint_eq(vpic_read(&p, 0x4d0), 0xf8);
}
END_TEST

START_TEST(pm_block)
{
	struct vpm pm;

	vpm_reset(&pm);
	/* ACPI mode from power-on; timer 32 bits wide. */
	ck_assert_uint_eq(vpm_read(&pm, VPM_PM1_CNT, 0) & PM1_CNT_SCI_EN, PM1_CNT_SCI_EN);
	ck_assert_uint_eq(vpm_read(&pm, VPM_TMR, 0x123456789ULL), 0x23456789);
	ck_assert_uint_eq(vpm_write(&pm, VPM_PM1_EN, 0x121), VPM_NONE);
	ck_assert_uint_eq(vpm_read(&pm, VPM_PM1_EN, 0), 0x121);
	ck_assert_uint_eq(vpm_read(&pm, VPM_PM1_STS, 0), 0);
	/* SCI_EN cannot be cleared; SLP_EN reads back 0. */
	ck_assert_uint_eq(vpm_write(&pm, VPM_PM1_CNT, 5 << 10), VPM_NONE);
	ck_assert_uint_eq(vpm_read(&pm, VPM_PM1_CNT, 0), (5 << 10) | PM1_CNT_SCI_EN);
	/* S3: not emulated, reported, the VM stays on. */
	ck_assert_uint_eq(vpm_write(&pm, VPM_PM1_CNT, 3 << 10 | PM1_CNT_SLP_EN),
			  VPM_SLEEP_UNSUPPORTED);
	ck_assert(!pm.powered_off);
	ck_assert_uint_eq(vpm_write(&pm, VPM_TMR, 0), VPM_NONE);
	ck_assert_uint_eq(vpm_write(&pm, VPM_PM1_CNT, VPM_S5_TYP << 10 | PM1_CNT_SLP_EN),
			  VPM_POWER_OFF);
	ck_assert(pm.powered_off);
	ck_assert_uint_eq(vpm_read(&pm, VPM_PM1_CNT, 0) & PM1_CNT_SLP_EN, 0);
}
END_TEST

Suite *vdevices_suite(void)
{
	Suite *s = suite_create("vdevices");
	TCase *tc = tcase_create("legacy");

	tcase_add_test(tc, uart_interrupts);
	tcase_add_test(tc, uart_fifo_and_loopback);
	tcase_add_test(tc, pit_periodic);
	tcase_add_test(tc, pit_min_period);
	tcase_add_test(tc, pit_oneshot_and_gate);
	tcase_add_test(tc, pic_registers);
	tcase_add_test(tc, pm_block);
	suite_add_tcase(s, tc);
	return s;
}
