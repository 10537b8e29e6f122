// SPDX-License-Identifier: GPL-2.0
#include "core/vdev/vlapic.h"
#include "tests/unit/suites.h"

static struct vlapic l;

static void setup(void)
{
	vlapic_reset(&l, 0);
	ck_assert(vlapic_write(&l, 0xf0, 0x1ff, 0));	/* SVR: enabled, spurious 0xff */
}

static u64 rd(u32 off, u64 now)
{
	u64 v;

	ck_assert(vlapic_read(&l, off, now, &v));
	return v;
}

START_TEST(ids_and_version)
{
	vlapic_reset(&l, 3);
	ck_assert_uint_eq(rd(0x20, 0), 3 << 24);
	l.x2apic = true;
	ck_assert_uint_eq(rd(0x20, 0), 3);
	ck_assert_uint_eq(rd(0x30, 0), VLAPIC_VERSION);
	ck_assert_uint_eq(rd(0xd0, 0), 1 << 3);		/* x2APIC logical ID */
	u64 v;

	ck_assert(!vlapic_read(&l, 0xe0, 0, &v));	/* no DFR in x2APIC mode */
	ck_assert(!vlapic_read(&l, 0x990, 0, &v));
}
END_TEST

START_TEST(priority_and_eoi)
{
	vlapic_set_irr(&l, 0x41);
	vlapic_set_irr(&l, 0x62);
	ck_assert_int_eq(vlapic_pending(&l), 0x62);
	vlapic_ack(&l, 0x62);
	ck_assert_uint_eq(rd(0xa0, 0), 0x60);		/* PPR from ISR */
	ck_assert_int_eq(vlapic_pending(&l), -1);	/* 0x41 is below 0x60 */
	vlapic_set_irr(&l, 0x70);
	ck_assert_int_eq(vlapic_pending(&l), 0x70);	/* nests above */
	vlapic_ack(&l, 0x70);
	vlapic_write(&l, 0xb0, 0, 0);			/* EOI: 0x70 */
	vlapic_write(&l, 0xb0, 0, 0);			/* EOI: 0x62 */
	ck_assert_int_eq(vlapic_pending(&l), 0x41);
	vlapic_write(&l, 0x80, 0x50, 0);		/* TPR above 0x41's class */
	ck_assert_int_eq(vlapic_pending(&l), -1);
	vlapic_write(&l, 0x80, 0, 0);
	vlapic_write(&l, 0xf0, 0xff, 0);		/* software-disabled */
	ck_assert_int_eq(vlapic_pending(&l), -1);
	ck_assert_uint_eq(l.eois, 2);
}
END_TEST

START_TEST(timer_oneshot)
{
	vlapic_write(&l, 0x3e0, 0xb, 0);		/* divide by 1 */
	vlapic_write(&l, 0x320, 0x40, 0);		/* one-shot, vector 0x40 */
	vlapic_write(&l, 0x380, 1000, 100);
	ck_assert_uint_eq(rd(0x390, 600), 500);
	ck_assert_uint_eq(vlapic_poll(&l, 1099), 1100);
	ck_assert_int_eq(vlapic_pending(&l), -1);
	ck_assert_uint_eq(vlapic_poll(&l, 1100), 0);	/* fired, not rearmed */
	ck_assert_int_eq(vlapic_pending(&l), 0x40);
	ck_assert_uint_eq(rd(0x390, 5000), 0);
	/* Divide by 16. */
	vlapic_write(&l, 0x3e0, 0x3, 0);
	vlapic_write(&l, 0x380, 10, 0);
	ck_assert_uint_eq(vlapic_poll(&l, 0), 160);
	ck_assert_uint_eq(rd(0x390, 80), 5);
}
END_TEST

START_TEST(timer_periodic_and_masked)
{
	vlapic_write(&l, 0x3e0, 0xb, 0);
	vlapic_write(&l, 0x320, BIT(17) | 0x50, 0);	/* periodic */
	vlapic_write(&l, 0x380, 100, 0);
	ck_assert_uint_eq(vlapic_poll(&l, 100), 200);
	ck_assert_uint_eq(rd(0x390, 250), 50);
	/* Late by 3 periods: one interrupt, next tick after now. */
	ck_assert_uint_eq(vlapic_poll(&l, 530), 600);
	ck_assert_uint_eq(l.timer_fires, 2);
	/* Masked: it counts, it does not interrupt. */
	vlapic_write(&l, 0x320, BIT(17) | BIT(16) | 0x50, 0);
	l.irr[2] = 0;
	ck_assert_uint_eq(vlapic_poll(&l, 700), 800);
	ck_assert_int_eq(vlapic_pending(&l), -1);
}
END_TEST

/* Count 1, divide 1: interrupts no closer than vlapic_min_period, the
 * count still read as programmed, no wake-up while masked or pending. */
START_TEST(timer_min_period)
{
	vlapic_min_period = 1000;
	vlapic_write(&l, 0x3e0, 0xb, 0);
	vlapic_write(&l, 0x320, BIT(17) | 0x50, 0);	/* periodic */
	vlapic_write(&l, 0x380, 1, 0);
	ck_assert_uint_eq(l.deadline, 1000);
	ck_assert_uint_eq(vlapic_timer_wakeup(&l), 1000);
	ck_assert_uint_eq(vlapic_poll(&l, 999), 1000);
	ck_assert_uint_eq(vlapic_poll(&l, 1500), 2000);
	ck_assert_uint_eq(l.timer_fires, 1);
	ck_assert_int_eq(vlapic_pending(&l), 0x50);
	/* Its vector waits in the IRR: a later expiry would merge. */
	ck_assert_uint_eq(vlapic_timer_wakeup(&l), 0);
	vlapic_ack(&l, 0x50);
	ck_assert_uint_eq(vlapic_timer_wakeup(&l), 2000);
	/* Far behind: one interrupt, the next period after now. */
	ck_assert_uint_eq(vlapic_poll(&l, 123456), 124000);
	ck_assert_uint_eq(l.timer_fires, 2);
	/* Masked: no wake-up at all. */
	vlapic_write(&l, 0x320, BIT(17) | BIT(16) | 0x50, 0);
	ck_assert_uint_eq(vlapic_timer_wakeup(&l), 0);
	/* One-shot keeps the programmed time (it fires once anyway). */
	vlapic_write(&l, 0x320, 0x50, 0);
	vlapic_write(&l, 0x380, 1, 5000);
	ck_assert_uint_eq(l.deadline, 5001);
	vlapic_min_period = 0;
}
END_TEST

START_TEST(timer_tsc_deadline)
{
	vlapic_write_tsc_deadline(&l, 500, 0);		/* ignored: wrong mode */
	ck_assert_uint_eq(l.deadline, 0);
	vlapic_write(&l, 0x320, (2 << 17) | 0x60, 0);
	vlapic_write_tsc_deadline(&l, 500, 0);
	ck_assert_uint_eq(vlapic_poll(&l, 499), 500);
	ck_assert_uint_eq(vlapic_poll(&l, 500), 0);
	ck_assert_int_eq(vlapic_pending(&l), 0x60);
	ck_assert_uint_eq(l.tsc_deadline, 0);
	/* Out of TSC-deadline mode disarms. */
	vlapic_write_tsc_deadline(&l, 900, 0);
	vlapic_write(&l, 0x320, 0x60, 0);
	ck_assert_uint_eq(l.deadline, 0);
}
END_TEST

/* One-shot to periodic and back: the count goes on (initial kept). */
START_TEST(timer_mode_change_keeps_count)
{
	vlapic_write(&l, 0x3e0, 0xb, 0);		/* divide by 1 */
	vlapic_write(&l, 0x320, 0x60, 0);		/* one-shot */
	vlapic_write(&l, 0x380, 100000, 1000);		/* initial count */
	vlapic_write(&l, 0x320, (1 << 17) | 0x60, 2000);	/* periodic */
	ck_assert_uint_eq(l.initial, 100000);
	ck_assert_uint_eq(l.deadline, 101000);
	ck_assert_uint_eq(vlapic_poll(&l, 101000), 201000);	/* fired, reloaded */
	ck_assert_int_eq(vlapic_pending(&l), 0x60);
	vlapic_write(&l, 0x320, 0x60, 150000);		/* one-shot again */
	ck_assert_uint_eq(l.initial, 100000);
	vlapic_ack(&l, 0x60);
	vlapic_write(&l, 0xb0, 0, 150000);		/* EOI */
	ck_assert_uint_eq(vlapic_poll(&l, 201000), 0);	/* fires, no reload */
	ck_assert_int_eq(vlapic_pending(&l), 0x60);
	/* Into TSC-deadline mode disarms. */
	vlapic_write(&l, 0x380, 100000, 300000);
	vlapic_write(&l, 0x320, (2 << 17) | 0x60, 300001);
	ck_assert_uint_eq(l.initial, 0);
	ck_assert_uint_eq(l.deadline, 0);
}
END_TEST

START_TEST(ipis)
{
	l.x2apic = true;
	vlapic_write(&l, X2APIC_SELF_IPI, 0x33, 0);
	ck_assert_int_eq(vlapic_pending(&l), 0x33);
	vlapic_ack(&l, 0x33);
	vlapic_write(&l, 0xb0, 0, 0);
	vlapic_write(&l, 0x300, (1 << 18) | 0x44, 0);	/* shorthand self */
	ck_assert_int_eq(vlapic_pending(&l), 0x44);
	ck_assert(!l.ipi.valid);
	ck_assert_uint_eq(l.self_ipis, 2);
	vlapic_write(&l, 0x300, (5ULL << 32) | 0x45, 0);	/* to APIC 5 */
	ck_assert(l.ipi.valid && l.ipi.x2apic && !l.ipi.logical);
	ck_assert_uint_eq(l.ipi.dest, 5);
	ck_assert_uint_eq(l.ipi.vector, 0x45);
	ck_assert_uint_eq(l.ipi.mode, ICR_MODE_FIXED);
	vlapic_write(&l, 0x300, (0x10002ULL << 32) | BIT(11) | 0x46, 0);
	ck_assert(l.ipi.logical);
	ck_assert_uint_eq(l.ipi.dest, 0x10002);
	l.ipi.valid = false;
	/* xAPIC INIT and start-up to APIC 1, destination from ICR high. */
	l.x2apic = false;
	vlapic_write(&l, 0x310, 1 << 24, 0);
	vlapic_write(&l, 0x300, 0x4500, 0);
	ck_assert(l.ipi.valid && l.ipi.mode == ICR_MODE_INIT && l.ipi.assert);
	ck_assert(!l.ipi.x2apic);
	ck_assert_uint_eq(l.ipi.dest, 1);
	vlapic_write(&l, 0x300, 0x4607, 0);
	ck_assert_uint_eq(l.ipi.mode, ICR_MODE_STARTUP);
	ck_assert_uint_eq(l.ipi.vector, 7);
	/* All-but-self; an NMI is sent; an SMI is refused and counted. */
	vlapic_write(&l, 0x300, (3 << 18) | 0x50, 0);
	ck_assert_uint_eq(l.ipi.shorthand, 3);
	vlapic_write(&l, 0x300, 0x400, 0);
	ck_assert_uint_eq(l.ipi.mode, ICR_MODE_NMI);
	ck_assert_uint_eq(l.bad_writes, 0);
	vlapic_write(&l, 0x300, 0x200, 0);
	ck_assert_uint_eq(l.bad_writes, 1);
}
END_TEST

static struct vlapic_ipi xipi(u32 shorthand, bool logical, u32 dest)
{
	struct vlapic_ipi i = { .valid = true, .shorthand = (u8)shorthand,
				.logical = logical, .dest = dest };

	return i;
}

/* Destinations as SDM 3A 11.6.2 defines them, the way Linux uses them. */
START_TEST(destinations_xapic)
{
	struct vlapic a, b;
	struct vlapic_ipi i;

	vlapic_reset(&a, 0);
	vlapic_reset(&b, 1);
	/* Flat model (DFR reset value), one LDR bit per CPU. */
	vlapic_write(&a, 0xd0, 0x01u << 24, 0);
	vlapic_write(&b, 0xd0, 0x02u << 24, 0);
	i = xipi(0, true, 0x02);
	ck_assert(!vlapic_accepts(&a, &i, true));
	ck_assert(vlapic_accepts(&b, &i, false));
	i = xipi(0, true, 0x03);		/* multicast, sender included */
	ck_assert(vlapic_accepts(&a, &i, true) && vlapic_accepts(&b, &i, false));
	i = xipi(0, false, 1);			/* physical */
	ck_assert(!vlapic_accepts(&a, &i, true) && vlapic_accepts(&b, &i, false));
	i = xipi(0, false, 2);			/* nobody */
	ck_assert(!vlapic_accepts(&a, &i, true) && !vlapic_accepts(&b, &i, false));
	i = xipi(0, false, 0xff);		/* broadcast */
	ck_assert(vlapic_accepts(&a, &i, true) && vlapic_accepts(&b, &i, false));
	i = xipi(1, false, 1);			/* shorthands ignore dest */
	ck_assert(vlapic_accepts(&a, &i, true) && !vlapic_accepts(&b, &i, false));
	i = xipi(2, false, 0);
	ck_assert(vlapic_accepts(&a, &i, true) && vlapic_accepts(&b, &i, false));
	i = xipi(3, false, 0);
	ck_assert(!vlapic_accepts(&a, &i, true) && vlapic_accepts(&b, &i, false));
	/* Cluster model: cluster in 7:4, member bits in 3:0. */
	vlapic_write(&b, 0xe0, 0x0fffffff, 0);
	vlapic_write(&b, 0xd0, 0x12u << 24, 0);
	i = xipi(0, true, 0x12);
	ck_assert(vlapic_accepts(&b, &i, false));
	i = xipi(0, true, 0x13);
	ck_assert(vlapic_accepts(&b, &i, false));
	i = xipi(0, true, 0x22);
	ck_assert(!vlapic_accepts(&b, &i, false));
	i = xipi(0, true, 0x11);
	ck_assert(!vlapic_accepts(&b, &i, false));
	i = xipi(0, true, 0xff);
	ck_assert(vlapic_accepts(&b, &i, false));
}
END_TEST

START_TEST(destinations_x2apic)
{
	struct vlapic c;
	struct vlapic_ipi i;
	u64 v;

	vlapic_reset(&c, 17);
	c.x2apic = true;
	/* The LDR follows from the ID: cluster 1, bit 1. */
	ck_assert(vlapic_read(&c, 0xd0, 0, &v));
	ck_assert_uint_eq(v, 0x10002);
	i = xipi(0, true, 0x10002);
	i.x2apic = true;
	ck_assert(vlapic_accepts(&c, &i, false));
	i.dest = 0x10006;
	ck_assert(vlapic_accepts(&c, &i, false));
	i.dest = 0x00002;			/* same bit, cluster 0 */
	ck_assert(!vlapic_accepts(&c, &i, false));
	i.logical = false;
	i.dest = 17;
	ck_assert(vlapic_accepts(&c, &i, false));
	i.dest = 0xff;				/* not broadcast in x2APIC */
	ck_assert(!vlapic_accepts(&c, &i, false));
	i.dest = 0xffffffff;
	ck_assert(vlapic_accepts(&c, &i, false));
}
END_TEST

/* ELI's timer on the hardware: the expiry reached the guest directly
 * (maybe a little early), the timer moves on, nothing is raised. */
START_TEST(timer_delivered_directly)
{
	vlapic_write(&l, 0x3e0, 0xb, 0);
	vlapic_write(&l, 0x320, 0x40, 0);		/* one-shot */
	vlapic_write(&l, 0x380, 1000, 0);
	vlapic_timer_delivered(&l, 998);		/* 2 ticks early */
	ck_assert_uint_eq(l.deadline, 0);
	ck_assert_int_eq(vlapic_pending(&l), -1);
	ck_assert_uint_eq(vlapic_poll(&l, 5000), 0);	/* not again */
	ck_assert_int_eq(vlapic_pending(&l), -1);
	ck_assert_uint_eq(l.timer_fires, 1);
	ck_assert_uint_eq(l.direct_fires, 1);
	vlapic_timer_delivered(&l, 6000);		/* disarmed: nothing */
	ck_assert_uint_eq(l.direct_fires, 1);
	/* Periodic: early or late, on to the next period after both. */
	vlapic_write(&l, 0x320, BIT(17) | 0x50, 0);
	vlapic_write(&l, 0x380, 100, 10000);
	vlapic_timer_delivered(&l, 10095);
	ck_assert_uint_eq(l.deadline, 10200);
	vlapic_timer_delivered(&l, 10250);
	ck_assert_uint_eq(l.deadline, 10300);
	ck_assert_int_eq(vlapic_pending(&l), -1);
	/* TSC-deadline mode: disarmed, the MSR reads 0. */
	vlapic_write(&l, 0x320, (2u << 17) | 0x60, 0);
	vlapic_write_tsc_deadline(&l, 20000, 10000);
	vlapic_timer_delivered(&l, 20001);
	ck_assert_uint_eq(l.deadline, 0);
	ck_assert_uint_eq(l.tsc_deadline, 0);
	ck_assert_int_eq(vlapic_pending(&l), -1);
}
END_TEST

/* ELI's passed-through TSC deadline: what the hardware held at the exit
 * becomes the virtual timer's state. */
/* The guest takes the timer interrupt (0x60) that is pending, and EOIs. */
static void take_timer(u64 now)
{
	ck_assert_int_eq(vlapic_pending(&l), 0x60);
	vlapic_ack(&l, 0x60);
	vlapic_write(&l, 0xb0, 0, now);
}

START_TEST(timer_tsc_deadline_sync)
{
	/* Not in TSC-deadline mode: nothing to take over. */
	ck_assert_uint_eq(vlapic_tsc_deadline_sync(&l, 500, true, 1000, 1010), 0);
	ck_assert_uint_eq(l.deadline, 0);
	ck_assert_int_eq(vlapic_pending(&l), -1);
	vlapic_write(&l, 0x320, (2u << 17) | 0x60, 0);
	vlapic_write_tsc_deadline(&l, 800, 0);
	/* The guest re-armed it ahead on the hardware: armed here. */
	ck_assert_uint_eq(vlapic_tsc_deadline_sync(&l, 5000, false, 1000, 1010), 0);
	ck_assert_uint_eq(l.deadline, 5000);
	ck_assert_uint_eq(l.tsc_deadline, 5000);
	ck_assert_uint_eq(vlapic_poll(&l, 4999), 5000);
	ck_assert_int_eq(vlapic_pending(&l), -1);
	/* Ahead when read, passed by the stop, nothing raised: it never
	 * fired on the hardware, so the virtual timer raises it (this was
	 * a lost tick when judged at the later time). */
	ck_assert_uint_eq(vlapic_tsc_deadline_sync(&l, 5000, false, 4990, 5005), 0);
	ck_assert_uint_eq(l.deadline, 5000);
	ck_assert_uint_eq(vlapic_poll(&l, 5010), 0);
	ck_assert_uint_eq(l.timer_fires, 1);
	ck_assert_uint_eq(l.direct_fires, 0);
	take_timer(5010);
	/* Passed when read, nothing raised (the hardware kept the value):
	 * the guest took it. Counted, nothing raised, disarmed. */
	ck_assert_uint_eq(vlapic_tsc_deadline_sync(&l, 5100, false, 5200, 5210), 1);
	ck_assert_uint_eq(l.deadline, 0);
	ck_assert_uint_eq(l.tsc_deadline, 0);
	ck_assert_uint_eq(l.direct_fires, 1);
	ck_assert_uint_eq(l.timer_fires, 2);
	ck_assert_int_eq(vlapic_pending(&l), -1);
	/* 0 on the hardware, nothing raised: fired and taken on one that
	 * clears it, or disarmed; either way nothing to do, nothing known. */
	vlapic_write_tsc_deadline(&l, 6000, 5200);
	ck_assert_uint_eq(vlapic_tsc_deadline_sync(&l, 0, false, 7000, 7010), 0);
	ck_assert_uint_eq(l.deadline, 0);
	ck_assert_int_eq(vlapic_pending(&l), -1);
	ck_assert_uint_eq(l.timer_fires, 2);
	/* Raised, not taken, and armed again further ahead: the expiry is
	 * injected once and the new deadline kept. */
	ck_assert_uint_eq(vlapic_tsc_deadline_sync(&l, 9000, true, 8000, 8010), 0);
	ck_assert_uint_eq(l.deadline, 9000);
	ck_assert_uint_eq(l.timer_fires, 3);
	take_timer(8000);
	/* Raised, and the value passed by the stop (ahead when read): one
	 * interrupt for both, as the hardware would merge them. */
	ck_assert_uint_eq(vlapic_tsc_deadline_sync(&l, 9000, true, 8990, 9005), 0);
	ck_assert_int_eq(vlapic_pending(&l), 0x60);
	ck_assert_uint_eq(l.deadline, 0);
	ck_assert_uint_eq(vlapic_poll(&l, 20000), 0);
	ck_assert_uint_eq(l.timer_fires, 4);
	ck_assert_uint_eq(l.direct_fires, 1);
}
END_TEST

Suite *vlapic_suite(void)
{
	Suite *s = suite_create("vlapic");
	TCase *tc = tcase_create("regs");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, ids_and_version);
	tcase_add_test(tc, priority_and_eoi);
	tcase_add_test(tc, timer_oneshot);
	tcase_add_test(tc, timer_periodic_and_masked);
	tcase_add_test(tc, timer_min_period);
	tcase_add_test(tc, timer_tsc_deadline);
	tcase_add_test(tc, timer_delivered_directly);
	tcase_add_test(tc, timer_tsc_deadline_sync);
	tcase_add_test(tc, timer_mode_change_keeps_count);
	tcase_add_test(tc, ipis);
	tcase_add_test(tc, destinations_xapic);
	tcase_add_test(tc, destinations_x2apic);
	suite_add_tcase(s, tc);
	return s;
}
