// SPDX-License-Identifier: GPL-2.0
/*
 * Reset: the FADT reset register (ACPI 6.5 4.8.4.6), then port 0xCF9
 * (PCH reset control), then the 8042 pulse, then a triple fault as the
 * last resort. Power off: SLP_TYPa/b from \_S5 with SLP_EN in PM1a/b_CNT
 * (ACPI 6.5 4.8.3.2.1, 16.1.7).
 */
#include "core/acpi/acpi.h"
#include "core/console.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/power.h"
#include "core/smp.h"
#include "core/tsc.h"
#include "mm/kmem.h"
#include "mm/paging.h"

#define PM1_SCI_EN	BIT(0)
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN	BIT(13)

static void reset_reg(void)
{
	const struct acpi_gas *g = &acpi.reset_reg;

	if (!acpi.has_reset_reg)
		return;
	if (g->space == ACPI_GAS_IO) {
		outb((u16)g->address, acpi.reset_value);
	} else if (g->space == ACPI_GAS_MEMORY) {
		volatile u8 *p = ioremap(g->address, 1, MAP_W | MAP_UC);

		if (p)
			*p = acpi.reset_value;
	}
	tsc_delay_us(50000);
}

void power_reboot(void)
{
	console_printf("tern: rebooting\n");
	smp_halt_others();
	reset_reg();
	outb(0xcf9, 0x02);
	tsc_delay_us(50);
	outb(0xcf9, 0x06);
	tsc_delay_us(50000);
	for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
		cpu_relax();
	outb(0x64, 0xfe);
	tsc_delay_us(50000);
	/* Nothing worked: a triple fault resets every PC. */
	{
		struct { u16 limit; u64 base; } __packed none = { 0, 0 };

		__asm__ __volatile__("lidt %0; int3" :: "m"(none));
	}
}

void power_off(void)
{
	u16 val;

	if (!acpi.has_fadt || !acpi.has_s5 || !acpi.pm1a_cnt) {
		console_printf("poweroff: this machine has no ACPI S5 (%s); halting all CPUs instead\n",
			       !acpi.has_fadt ? "no FADT" : !acpi.has_s5 ?
			       "no \\_S5 in the DSDT" : "no PM1a control block");
		smp_halt_others();
		cpu_halt_forever();
	}
	console_printf("tern: powering off\n");
	smp_halt_others();
	/* S5 needs ACPI mode: ask the firmware for it if SCI_EN is off. */
	if (!(inw(acpi.pm1a_cnt) & PM1_SCI_EN) && acpi.smi_cmd && acpi.acpi_enable) {
		outb((u16)acpi.smi_cmd, acpi.acpi_enable);
		for (int i = 0; i < 300 && !(inw(acpi.pm1a_cnt) & PM1_SCI_EN); i++)
			tsc_delay_us(1000);
	}
	val = inw(acpi.pm1a_cnt) & ~(7 << PM1_SLP_TYP_SHIFT);
	outw(acpi.pm1a_cnt, val | (acpi.s5_typa & 7) << PM1_SLP_TYP_SHIFT | PM1_SLP_EN);
	if (acpi.pm1b_cnt) {
		val = inw(acpi.pm1b_cnt) & ~(7 << PM1_SLP_TYP_SHIFT);
		outw(acpi.pm1b_cnt, val | (acpi.s5_typb & 7) << PM1_SLP_TYP_SHIFT | PM1_SLP_EN);
	}
	tsc_delay_us(500000);
	console_printf("poweroff: ACPI S5 did not take effect; halting all CPUs\n");
	cpu_halt_forever();
}
