/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's CMOS clock (MC146818 as on every PC: index port 0x70, data port
 * 0x71; registers 0-9 the time, A-D status). Register A's update-in-
 * progress bit rises 244 us before each second's update, as the MC146818's
 * does (guests poll it to catch the second); the time answers in BCD or
 * binary and 12/24-hour as register B asks; the other 114 bytes are CMOS
 * RAM. Time is passed in (Unix nanoseconds), so this is pure and
 * unit-tested. Guest writes to the time registers are
 * counted and ignored: the guest's clock follows tern's.
 */
#ifndef TERN_CORE_VDEV_VRTC_H
#define TERN_CORE_VDEV_VRTC_H

#include "core/types.h"

#define VRTC_PORT_INDEX	0x70
#define VRTC_PORT_DATA	0x71

struct vrtc {
	u8 index;
	u8 ram[128];
	u64 time_writes;
};

void vrtc_reset(struct vrtc *r);
#define VRTC_UIP_NS	244000ULL	/* UIP before the update (MC146818 data sheet) */

u8 vrtc_read(struct vrtc *r, u16 port, u64 unix_ns);
void vrtc_write(struct vrtc *r, u16 port, u8 val);

/* Calendar helpers (proleptic Gregorian, UTC). */
struct rtc_time {
	u32 year;
	u8 month, day, hour, min, sec, wday;	/* month 1-12, wday 1 = Sunday */
};
void rtc_from_unix(u64 t, struct rtc_time *tm);
u64 rtc_to_unix(const struct rtc_time *tm);

#endif
