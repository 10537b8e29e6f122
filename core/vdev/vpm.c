// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include "core/vdev/vpm.h"

void vpm_reset(struct vpm *pm)
{
	pm->pm1_en = 0;
	/* ACPI mode from the start: the FADT has no SMI command port. */
	pm->pm1_cnt = PM1_CNT_SCI_EN;
	pm->powered_off = false;
}

u32 vpm_read(const struct vpm *pm, u16 port, u64 tmr_ticks)
{
	switch (port) {
	case VPM_PM1_STS:
		return 0;		/* no fixed events are generated */
	case VPM_PM1_EN:
		return pm->pm1_en;
	case VPM_PM1_CNT:
		return pm->pm1_cnt;
	case VPM_TMR:
		return (u32)tmr_ticks;	/* 32 bits wide (FADT TMR_VAL_EXT) */
	}
	return 0;			/* the block's other bytes */
}

enum vpm_event vpm_write(struct vpm *pm, u16 port, u32 val)
{
	switch (port) {
	case VPM_PM1_STS:
		break;			/* write-one-to-clear of bits never set */
	case VPM_PM1_EN:
		pm->pm1_en = (u16)val;
		break;
	case VPM_PM1_CNT:
		pm->pm1_cnt = ((u16)val & ~PM1_CNT_SLP_EN) | PM1_CNT_SCI_EN;
		if (!(val & PM1_CNT_SLP_EN))
			break;
		if (PM1_CNT_SLP_TYP(val) != VPM_S5_TYP)
			return VPM_SLEEP_UNSUPPORTED;
		pm->powered_off = true;
		return VPM_POWER_OFF;
	}
	/* the PM timer and reserved bytes are read-only */
	return VPM_NONE;
}
