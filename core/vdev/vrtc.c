// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/vdev/vrtc.h"

#define REG_A	0x0a
#define REG_B	0x0b
#define A_UIP	BIT(7)
#define REG_C	0x0c
#define REG_D	0x0d
#define B_24H	BIT(1)
#define B_BINARY BIT(2)
#define CENTURY	0x32

/* Days since 1970-01-01 <-> civil date (Howard Hinnant's algorithms). */
static s64 days_from_civil(s64 y, u32 m, u32 d)
{
	s64 era;
	u32 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (u32)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (s64)doe - 719468;
}

void rtc_from_unix(u64 t, struct rtc_time *tm)
{
	s64 z = (s64)(t / 86400) + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	u32 doe = (u32)(z - era * 146097);
	u32 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	u32 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	u32 mp = (5 * doy + 2) / 153;
	u32 secs = (u32)(t % 86400);

	tm->day = (u8)(doy - (153 * mp + 2) / 5 + 1);
	tm->month = (u8)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = (u32)(yoe + era * 400 + (tm->month <= 2));
	tm->hour = (u8)(secs / 3600);
	tm->min = (u8)(secs / 60 % 60);
	tm->sec = (u8)(secs % 60);
	tm->wday = (u8)((t / 86400 + 4) % 7 + 1);	/* 1970-01-01 was a Thursday */
}

u64 rtc_to_unix(const struct rtc_time *tm)
{
	s64 days = days_from_civil(tm->year, tm->month, tm->day);

	return (u64)(days * 86400 + tm->hour * 3600 + tm->min * 60 + tm->sec);
}

void vrtc_reset(struct vrtc *r)
{
	memset(r, 0, sizeof(*r));
	r->ram[REG_A] = 0x26;		/* 32.768 kHz base (DV 010), 1024 Hz rate */
	r->ram[REG_B] = B_24H;		/* BCD, 24-hour */
	r->ram[REG_D] = 0x80;		/* valid RAM and time */
}

static u8 enc(const struct vrtc *r, u32 v)
{
	return (r->ram[REG_B] & B_BINARY) ? (u8)v : (u8)(((v / 10) << 4) | (v % 10));
}

u8 vrtc_read(struct vrtc *r, u16 port, u64 unix_ns)
{
	u64 ns = unix_ns % 1000000000ULL;
	struct rtc_time tm;
	u8 i = r->index & 0x7f;

	if (port == VRTC_PORT_INDEX)
		return r->index;
	rtc_from_unix(unix_ns / 1000000000ULL, &tm);
	switch (i) {
	case 0: return enc(r, tm.sec);
	case 2: return enc(r, tm.min);
	case 4:
		if (r->ram[REG_B] & B_24H)
			return enc(r, tm.hour);
		/* 12-hour: 1-12, bit 7 for PM */
		return (u8)(enc(r, tm.hour % 12 ? tm.hour % 12 : 12) | (tm.hour >= 12 ? 0x80 : 0));
	case 6: return enc(r, tm.wday);
	case 7: return enc(r, tm.day);
	case 8: return enc(r, tm.month);
	case 9: return enc(r, tm.year % 100);
	case CENTURY: return enc(r, tm.year / 100);
	case REG_C: return 0;		/* no interrupt flags: none are raised */
	case REG_A:
		/* Updates run only with the divider at its normal 010. */
		if (((r->ram[REG_A] >> 4) & 7) == 2 && ns >= 1000000000ULL - VRTC_UIP_NS)
			return r->ram[REG_A] | A_UIP;
		return r->ram[REG_A];
	}
	return r->ram[i];
}

void vrtc_write(struct vrtc *r, u16 port, u8 val)
{
	u8 i = r->index & 0x7f;

	if (port == VRTC_PORT_INDEX) {
		r->index = val;
		return;
	}
	switch (i) {
	case 0: case 2: case 4: case 6: case 7: case 8: case 9: case CENTURY:
		r->time_writes++;
		return;
	case REG_A:
		r->ram[REG_A] = val & 0x7f;	/* UIP is read-only */
		return;
	case REG_B:
		r->ram[REG_B] = val & ~0x80;	/* SET would stop updates: ignored */
		return;
	case REG_C: case REG_D:
		return;
	}
	r->ram[i] = val;
}
