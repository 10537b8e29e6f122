/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI fixed hardware of the guest (ACPI 6.5 4.8): the PM1a event and
 * control blocks and the PM timer, at ICH9's PMBASE 0x600 as q35 has it.
 * No fixed events are generated; SLP_EN with the DSDT's \_S5 type powers
 * the VM off. Pure: the caller holds the platform's lock and acts on what
 * vpm_write returns.
 */
#ifndef TERN_CORE_VDEV_VPM_H
#define TERN_CORE_VDEV_VPM_H

#include "core/types.h"

#define VPM_BASE		0x600
#define VPM_PM1_STS		(VPM_BASE + 0)
#define VPM_PM1_EN		(VPM_BASE + 2)
#define VPM_PM1_CNT		(VPM_BASE + 4)
#define VPM_TMR			(VPM_BASE + 8)
#define VPM_LEN			12
#define VPM_TMR_HZ		3579545ULL
#define PM1_CNT_SCI_EN		BIT(0)
#define PM1_CNT_SLP_TYP(v)	(((v) >> 10) & 7)
#define PM1_CNT_SLP_EN		BIT(13)
#define VPM_S5_TYP		5	/* the DSDT's \_S5 package */

struct vpm {
	u16 pm1_en, pm1_cnt;
	bool powered_off;		/* the guest entered S5 */
};

enum vpm_event {
	VPM_NONE = 0,
	VPM_POWER_OFF,			/* S5 entered */
	VPM_SLEEP_UNSUPPORTED,		/* another sleep type: ignored */
};

void vpm_reset(struct vpm *pm);
/* tmr_ticks: the PM timer's count now (VPM_TMR_HZ). */
u32 vpm_read(const struct vpm *pm, u16 port, u64 tmr_ticks);
enum vpm_event vpm_write(struct vpm *pm, u16 port, u32 val);

#endif
