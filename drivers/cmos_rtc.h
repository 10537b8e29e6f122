/* SPDX-License-Identifier: GPL-2.0 */
/* The machine's CMOS clock, read once at boot; wall time then follows the
 * TSC. (MC146818 registers as in core/vrtc.h.) */
#ifndef TERN_DRIVERS_CMOS_RTC_H
#define TERN_DRIVERS_CMOS_RTC_H

#include "core/types.h"

/* century_reg: the FADT's CENTURY index, 0 when none. */
void rtc_init(u8 century_reg);
/* Unix seconds now, or 0 when the clock could not be read. */
u64 rtc_now(void);
/* The same in nanoseconds, for what needs the fraction of the second. */
u64 rtc_now_ns(void);

#endif
