// SPDX-License-Identifier: GPL-2.0
#include "core/cpu.h"
#include "core/log.h"
#include "core/tsc.h"
#include "core/vdev/vrtc.h"
#include "drivers/cmos_rtc.h"

static u64 boot_unix, boot_tsc;

static u8 cmos(u8 reg)
{
	outb(0x70, reg);	/* NMI stays enabled: bit 7 clear */
	return inb(0x71);
}

static u32 dec(u8 v, bool binary)
{
	return binary ? v : (v >> 4) * 10 + (v & 15);
}

static bool read_once(u8 century_reg, struct rtc_time *tm)
{
	u8 b = cmos(0x0b), hour;
	bool bin = b & BIT(2);
	int spins = 0;

	/* Wait out an update in progress (at most 2 ms at 32 kHz). */
	while (cmos(0x0a) & 0x80)
		if (++spins > 100000)
			return false;
	tm->sec = (u8)dec(cmos(0), bin);
	tm->min = (u8)dec(cmos(2), bin);
	hour = cmos(4);
	tm->hour = (u8)dec(hour & 0x7f, bin);
	if (!(b & BIT(1)))	/* 12-hour */
		tm->hour = (u8)(tm->hour % 12 + ((hour & 0x80) ? 12 : 0));
	tm->day = (u8)dec(cmos(7), bin);
	tm->month = (u8)dec(cmos(8), bin);
	tm->year = dec(cmos(9), bin) +
		   (century_reg ? dec(cmos(century_reg), bin) * 100 : 2000);
	return true;
}

void rtc_init(u8 century_reg)
{
	struct rtc_time a, b;
	int tries = 0;

	do {
		if (!read_once(century_reg, &a) || !read_once(century_reg, &b))
			goto bad;
	} while ((a.sec != b.sec || a.min != b.min) && ++tries < 5);
	if (a.month < 1 || a.month > 12 || a.day < 1 || a.day > 31 || a.hour > 23 ||
	    a.min > 59 || a.sec > 59 || a.year < 2000)
		goto bad;
	boot_tsc = rdtsc();
	boot_unix = rtc_to_unix(&a);
	pr_info("rtc: %04u-%02u-%02u %02u:%02u:%02u UTC", a.year, a.month, a.day,
		a.hour, a.min, a.sec);
	return;
bad:
	pr_warn("rtc: the CMOS clock did not answer sensibly; guests get 1970");
}

u64 rtc_now_ns(void)
{
	if (!boot_unix)
		return 0;
	return boot_unix * 1000000000ULL + tsc_to_ns(rdtsc() - boot_tsc);
}

u64 rtc_now(void)
{
	if (!boot_unix)
		return 0;
	return boot_unix + tsc_to_ns(rdtsc() - boot_tsc) / 1000000000ULL;
}
