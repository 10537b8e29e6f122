/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TSC as tern's clock. Its rate comes from CPUID 0x15/0x16 when the CPU
 * says it, and is always checked against the PIT (or the ACPI PM timer):
 * emulators state one rate and run another (Bochs's TSC ticks once per
 * emulated instruction), so a measurement that disagrees wins.
 */
#ifndef TERN_CORE_TSC_H
#define TERN_CORE_TSC_H

#include "core/types.h"

enum tsc_source {
	TSC_SRC_NONE = 0,
	TSC_SRC_CPUID15,
	TSC_SRC_CPUID16,
	TSC_SRC_PIT,
	TSC_SRC_PMTIMER,
};

struct tsc_info {
	u64 hz;
	u32 source;
	u64 cpuid_hz;		/* what CPUID claimed, 0 if nothing */
	u64 measured_hz;	/* what calibration saw, 0 if it could not */
	u32 measured_by;
};

/* pm_port: ACPI PM timer port (0 if none), pm_32bit: its width. */
void tsc_init(u16 pm_port, bool pm_32bit);
u64 tsc_hz(void);
u64 tsc_ns(void);			/* since tern started; 0 before tsc_init */
u64 tsc_to_ns(u64 ticks);
void tsc_delay_us(u64 us);
const struct tsc_info *tsc_get_info(void);
const char *tsc_source_name(u32 src);

/* Pick the rate from a CPUID claim and a measurement (unit-tested). */
u64 tsc_choose(u64 cpuid_hz, u32 cpuid_src, u64 measured_hz, u32 measured_src,
	       u32 *source);

#endif
