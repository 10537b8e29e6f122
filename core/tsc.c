// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include "core/tsc.h"

#define TSC_AGREE_PERMILLE	20	/* 2% */

u64 tsc_choose(u64 cpuid_hz, u32 cpuid_src, u64 measured_hz, u32 measured_src,
	       u32 *source)
{
	if (cpuid_hz && measured_hz) {
		u64 diff = cpuid_hz > measured_hz ? cpuid_hz - measured_hz
						  : measured_hz - cpuid_hz;

		if (diff * 1000 <= measured_hz * TSC_AGREE_PERMILLE) {
			*source = cpuid_src;
			return cpuid_hz;
		}
		*source = measured_src;
		return measured_hz;
	}
	if (measured_hz) {
		*source = measured_src;
		return measured_hz;
	}
	*source = cpuid_hz ? cpuid_src : TSC_SRC_NONE;
	return cpuid_hz;
}

const char *tsc_source_name(u32 src)
{
	switch (src) {
	case TSC_SRC_CPUID15:	return "CPUID 0x15";
	case TSC_SRC_CPUID16:	return "CPUID 0x16";
	case TSC_SRC_PIT:	return "PIT calibration";
	case TSC_SRC_PMTIMER:	return "ACPI PM timer calibration";
	}
	return "none";
}

#ifndef TERN_HOST_TEST
#include "core/cpu.h"
#include "core/log.h"

#define PIT_HZ		1193182ULL
#define PM_TIMER_HZ	3579545ULL
#define CAL_MS		20

static struct tsc_info info;
static u64 tsc_boot;

static void cpuid_rate(u64 *hz, u32 *src)
{
	u32 max, a, b, c, d;

	*hz = 0;
	cpuid(0, &max, &b, &c, &d);
	if (max >= 0x15) {
		cpuid(0x15, &a, &b, &c, &d);	/* a: denominator, b: numerator, c: crystal Hz */
		if (a && b && c) {
			*hz = (u64)c * b / a;
			*src = TSC_SRC_CPUID15;
			return;
		}
	}
	if (max >= 0x16) {
		cpuid(0x16, &a, &b, &c, &d);	/* a: base MHz */
		if (a & 0xffff) {
			*hz = (u64)(a & 0xffff) * 1000000ULL;
			*src = TSC_SRC_CPUID16;
		}
	}
}

/* PIT channel 2 in mode 0, gated through port 0x61; OUT2 shows in bit 5. */
static u64 pit_measure(void)
{
	u64 count = PIT_HZ * CAL_MS / 1000, t0, t1;
	u8 p61 = inb(0x61);
	u64 spins = 0;

	outb(0x61, (p61 & ~0x02) | 0x01);	/* gate on, speaker off */
	outb(0x43, 0xb0);			/* ch2, lo/hi byte, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20)) {
		if (++spins > 100000000ULL)
			return 0;		/* no PIT answering */
	}
	t1 = rdtsc();
	outb(0x61, p61);
	if (t1 <= t0)
		return 0;
	return (t1 - t0) * 1000 / CAL_MS;
}

static u32 pm_read(u16 port, bool wide)
{
	return inl(port) & (wide ? 0xffffffff : 0xffffff);
}

static u64 pm_measure(u16 port, bool wide)
{
	u64 want = PM_TIMER_HZ * CAL_MS / 1000, spins = 0;
	u32 mask = wide ? 0xffffffff : 0xffffff;
	u32 start = pm_read(port, wide), now;
	u64 t0 = rdtsc(), t1;

	do {
		now = pm_read(port, wide);
		if (++spins > 100000000ULL)
			return 0;
	} while (((now - start) & mask) < want);
	t1 = rdtsc();
	return (t1 - t0) * PM_TIMER_HZ / ((now - start) & mask);
}

void tsc_init(u16 pm_port, bool pm_32bit)
{
	u32 csrc = TSC_SRC_NONE;
	u64 a, b;

	tsc_boot = rdtsc();
	cpuid_rate(&info.cpuid_hz, &csrc);
	/* Two PIT runs; the lower is less disturbed (the first may pay for
	 * cache misses or an emulator's translation). */
	a = pit_measure();
	b = pit_measure();
	info.measured_hz = (a && b) ? MIN(a, b) : 0;
	info.measured_by = TSC_SRC_PIT;
	if (!info.measured_hz && pm_port) {
		info.measured_hz = pm_measure(pm_port, pm_32bit);
		info.measured_by = TSC_SRC_PMTIMER;
	}
	info.hz = tsc_choose(info.cpuid_hz, csrc, info.measured_hz,
			     info.measured_by, &info.source);
	if (info.cpuid_hz && info.source != csrc)
		pr_warn("tsc: %s claims %llu kHz but %s measured %llu kHz; using the measurement",
			tsc_source_name(csrc), (unsigned long long)info.cpuid_hz / 1000,
			tsc_source_name(info.measured_by),
			(unsigned long long)info.measured_hz / 1000);
	if (!info.hz) {
		pr_err("tsc: no rate from CPUID, PIT or PM timer; assuming 1 GHz");
		info.hz = 1000000000ULL;
	}
	pr_info("tsc: %llu.%03llu MHz from %s",
		(unsigned long long)info.hz / 1000000,
		(unsigned long long)info.hz / 1000 % 1000,
		tsc_source_name(info.source));
}

u64 tsc_hz(void)
{
	return info.hz;
}

u64 tsc_to_ns(u64 ticks)
{
	if (!info.hz)
		return 0;
	return (u64)((unsigned __int128)ticks * 1000000000ULL / info.hz);
}

u64 tsc_ns(void)
{
	return info.hz ? tsc_to_ns(rdtsc() - tsc_boot) : 0;
}

void tsc_delay_us(u64 us)
{
	u64 hz = info.hz ? info.hz : 1000000000ULL;
	u64 end = rdtsc() + hz / 1000000 * us + 1;

	while (rdtsc() < end)
		cpu_relax();
}

const struct tsc_info *tsc_get_info(void)
{
	return &info;
}
#endif
