// SPDX-License-Identifier: GPL-2.0
#include "core/vdev/vrtc.h"
#include "tests/unit/suites.h"

#define NS	1000000000ULL

static u8 rd_ns(struct vrtc *r, u8 reg, u64 ns)
{
	vrtc_write(r, VRTC_PORT_INDEX, reg);
	return vrtc_read(r, VRTC_PORT_DATA, ns);
}

/* now: Unix seconds (the reads see the start of that second). */
static u8 rd(struct vrtc *r, u8 reg, u64 now)
{
	return rd_ns(r, reg, now * NS);
}

START_TEST(calendar)
{
	struct rtc_time tm;

	rtc_from_unix(0, &tm);
	ck_assert_uint_eq(tm.year, 1970);
	ck_assert_uint_eq(tm.wday, 5);		/* Thursday */
	rtc_from_unix(1795330047, &tm);		/* 2026-11-22 06:47:27 UTC */
	ck_assert_uint_eq(tm.year, 2026);
	ck_assert_uint_eq(tm.month, 11);
	ck_assert_uint_eq(tm.day, 22);
	ck_assert_uint_eq(tm.hour, 6);
	ck_assert_uint_eq(tm.min, 47);
	ck_assert_uint_eq(tm.sec, 27);
	ck_assert_uint_eq(tm.wday, 1);		/* Sunday */
	ck_assert_uint_eq(rtc_to_unix(&tm), 1795330047);
	rtc_from_unix(951782400, &tm);		/* 2000-02-29 */
	ck_assert_uint_eq(tm.month, 2);
	ck_assert_uint_eq(tm.day, 29);
	ck_assert_uint_eq(rtc_to_unix(&tm), 951782400);
}
END_TEST

START_TEST(registers)
{
	struct vrtc r;
	u64 t = 1795330047 + 13 * 3600;		/* 19:47:27 */

	vrtc_reset(&r);
	/* UIP: only in the last 244 us before each second's update, and
	 * the time registers still show the old second then. */
	ck_assert_uint_eq(rd(&r, 0x0a, t), 0x26);
	ck_assert_uint_eq(rd_ns(&r, 0x0a, t * NS + 999755999ULL), 0x26);
	ck_assert_uint_eq(rd_ns(&r, 0x0a, t * NS + 999756000ULL), 0xa6);
	ck_assert_uint_eq(rd_ns(&r, 0x0a, t * NS + 999999999ULL), 0xa6);
	ck_assert_uint_eq(rd_ns(&r, 0, t * NS + 999999999ULL), 0x27);
	ck_assert_uint_eq(rd_ns(&r, 0x0a, (t + 1) * NS), 0x26);
	ck_assert_uint_eq(rd_ns(&r, 0, (t + 1) * NS), 0x28);
	/* The divider held in reset: no updates, no UIP. */
	vrtc_write(&r, VRTC_PORT_INDEX, 0x0a);
	vrtc_write(&r, VRTC_PORT_DATA, 0x66);
	ck_assert_uint_eq(rd_ns(&r, 0x0a, t * NS + 999999999ULL), 0x66);
	vrtc_write(&r, VRTC_PORT_DATA, 0x26);
	ck_assert_uint_eq(rd(&r, 0x0d, t), 0x80);
	ck_assert_uint_eq(rd(&r, 0, t), 0x27);		/* BCD */
	ck_assert_uint_eq(rd(&r, 4, t), 0x19);
	ck_assert_uint_eq(rd(&r, 7, t), 0x22);
	ck_assert_uint_eq(rd(&r, 8, t), 0x11);
	ck_assert_uint_eq(rd(&r, 9, t), 0x26);
	ck_assert_uint_eq(rd(&r, 0x32, t), 0x20);
	/* Binary and 12-hour on request. */
	vrtc_write(&r, VRTC_PORT_INDEX, 0x0b);
	vrtc_write(&r, VRTC_PORT_DATA, 0x04);
	ck_assert_uint_eq(rd(&r, 4, t), 0x80 | 7);	/* 7 PM */
	ck_assert_uint_eq(rd(&r, 9, t), 26);
	/* Time writes are counted and ignored; RAM keeps its bytes. */
	vrtc_write(&r, VRTC_PORT_INDEX, 0);
	vrtc_write(&r, VRTC_PORT_DATA, 0x59);
	ck_assert_uint_eq(r.time_writes, 1);
	ck_assert_uint_eq(rd(&r, 0, t), 27);
	vrtc_write(&r, VRTC_PORT_INDEX, 0x80 | 0x40);	/* NMI-mask bit set */
	vrtc_write(&r, VRTC_PORT_DATA, 0xab);
	ck_assert_uint_eq(rd(&r, 0x40, t), 0xab);
}
END_TEST

Suite *vrtc_suite(void)
{
	Suite *s = suite_create("vrtc");
	TCase *tc = tcase_create("clock");

	tcase_add_test(tc, calendar);
	tcase_add_test(tc, registers);
	suite_add_tcase(s, tc);
	return s;
}
