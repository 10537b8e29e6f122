/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Local APIC (SDM 3A ch. 11): x2APIC through MSRs where the CPU has it,
 * xAPIC through MMIO otherwise (QEMU TCG has no x2APIC).
 */
#ifndef TERN_IRQ_LAPIC_H
#define TERN_IRQ_LAPIC_H

#include "core/types.h"

/* Register offsets in the xAPIC page; x2APIC MSR = 0x800 + (off >> 4). */
#define LAPIC_ID		0x020
#define LAPIC_VERSION		0x030
#define LAPIC_TPR		0x080
#define LAPIC_PPR		0x0a0
#define LAPIC_EOI		0x0b0
#define LAPIC_SVR		0x0f0
#define  LAPIC_SVR_ENABLE	BIT(8)
#define LAPIC_ISR		0x100	/* 8 registers, 0x10 apart (SDM 3A 11.8.4) */
#define LAPIC_TMR		0x180
#define LAPIC_IRR		0x200
#define LAPIC_ESR		0x280
#define LAPIC_ICR_LO		0x300
#define LAPIC_ICR_HI		0x310
#define LAPIC_LVT_TIMER		0x320
#define LAPIC_LVT_LINT0		0x350
#define LAPIC_LVT_LINT1		0x360
#define LAPIC_LVT_ERROR		0x370
#define LAPIC_TIMER_INIT	0x380
#define LAPIC_TIMER_CUR		0x390
#define LAPIC_TIMER_DIV		0x3e0

#define LVT_MASKED		BIT(16)
/* LVT timer mode, bits 18:17 (SDM 3A 11.5.1, figure 11-8; 11.5.4.1) */
#define LVT_TIMER_PERIODIC	BIT(17)
#define LVT_TIMER_TSC_DEADLINE	BIT(18)

/* IA32_TSC_DEADLINE (SDM 3A 11.5.4.1), where CPUID.01H:ECX[24] says so */
#define MSR_TSC_DEADLINE	0x6e0
#define CPUID1_ECX_TSC_DEADLINE	BIT(24)

/* ICR fields (SDM 3A 11.6.1) */
#define ICR_DM_FIXED		(0 << 8)
#define ICR_DM_NMI		(4 << 8)
#define ICR_DM_INIT		(5 << 8)
#define ICR_DM_STARTUP		(6 << 8)
#define ICR_PENDING		BIT(12)		/* xAPIC only */
#define ICR_LEVEL_ASSERT	BIT(14)
#define ICR_TRIGGER_LEVEL	BIT(15)

#define XAPIC_DEFAULT_BASE	0xfee00000ULL

/* On the boot CPU: choose the mode and map what is needed. */
void lapic_init_bsp(void);
/* On every CPU (BSP after lapic_init_bsp, APs when they start). */
void lapic_init_cpu(void);
bool lapic_x2apic(void);
u32 lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(u32 apic_id, u32 vector);
void lapic_send_nmi(u32 apic_id);
void lapic_send_init(u32 apic_id);
void lapic_send_sipi(u32 apic_id, u32 page);
/* Measure the timer against the TSC; returns its rate after divide-by-16. */
u64 lapic_timer_calibrate(void);
void lapic_timer_oneshot(u32 vector, u64 count);
void lapic_timer_stop(void);
/* Whether the timer has TSC-deadline mode on this CPU. */
bool lapic_has_tsc_deadline(void);
/* TSC-deadline mode: `vector` at TSC `deadline` (0: armed by a later
 * write of IA32_TSC_DEADLINE). lapic_timer_stop() ends it. */
void lapic_timer_tsc_deadline(u32 vector, u64 deadline);
u32 lapic_read(u32 reg);
void lapic_write(u32 reg, u32 v);

#endif
