/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TERN_CORE_POWER_H
#define TERN_CORE_POWER_H

/* Try each reset method in turn; only returns if all failed. */
void power_reboot(void);
/* ACPI S5; returns (with a message printed) when the machine has none. */
void power_off(void);

#endif
