// SPDX-License-Identifier: GPL-2.0
#include "core/cpu.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/tsc.h"
#include "irq/irq.h"
#include "irq/lapic.h"
#include "mm/kmem.h"
#include "mm/paging.h"

static bool x2apic;
static volatile u32 *xapic;

bool lapic_x2apic(void)
{
	return x2apic;
}

u32 lapic_read(u32 reg)
{
	if (x2apic)
		return (u32)rdmsr(0x800 + (reg >> 4));
	return xapic[reg / 4];
}

void lapic_write(u32 reg, u32 v)
{
	if (x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		xapic[reg / 4] = v;
}

void lapic_init_bsp(void)
{
	u32 a, b, c, d;
	u64 base;

	cpuid(1, &a, &b, &c, &d);
	x2apic = c & BIT(21);
	if (!x2apic) {
		base = rdmsr(MSR_IA32_APIC_BASE) & ~0xfffULL & ((1ULL << 52) - 1);
		if (!base)
			base = XAPIC_DEFAULT_BASE;
		xapic = ioremap(base, PAGE_SIZE, MAP_W | MAP_UC);
		if (!xapic)
			panic("lapic: cannot map the xAPIC at %#llx",
			      (unsigned long long)base);
	}
}

void lapic_init_cpu(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_EN;

	if (x2apic)
		base |= APIC_BASE_EXTD;
	wrmsr(MSR_IA32_APIC_BASE, base);

	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | VEC_SPURIOUS);
	/* Nothing legacy may reach tern through LINT0/LINT1: an unmasked
	 * LINT0 in ExtINT mode lets the 8259's stray interrupts in (seen in
	 * Bochs), and a guest core would take them through the guest's IDT. */
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_TIMER_DIV, 0x3);	/* divide by 16 */
	if (!x2apic) {
		lapic_write(LAPIC_ESR, 0);
		lapic_write(LAPIC_ESR, 0);
	}
	lapic_eoi();
}

u32 lapic_id(void)
{
	if (x2apic)
		return (u32)rdmsr(0x802);
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

static void icr_write(u32 apic_id, u32 lo)
{
	if (x2apic) {
		wrmsr(0x830, ((u64)apic_id << 32) | lo);
		return;
	}
	for (int i = 0; i < 1000000 && (lapic_read(LAPIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, lo);
}

void lapic_send_ipi(u32 apic_id, u32 vector)
{
	icr_write(apic_id, ICR_DM_FIXED | (vector & 0xff));
}

void lapic_send_nmi(u32 apic_id)
{
	icr_write(apic_id, ICR_DM_NMI);
}

void lapic_send_init(u32 apic_id)
{
	icr_write(apic_id, ICR_DM_INIT | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL);
	if (!x2apic) {
		/* De-assert, as older xAPICs expect (SDM 3A 8.4.4.1). */
		tsc_delay_us(200);
		icr_write(apic_id, ICR_DM_INIT | ICR_TRIGGER_LEVEL);
	}
}

void lapic_send_sipi(u32 apic_id, u32 page)
{
	icr_write(apic_id, ICR_DM_STARTUP | (page & 0xff));
}

u64 lapic_timer_calibrate(void)
{
	u64 t0, t1, hz = tsc_hz();
	u32 start = 0xffffffff, end;

	if (!hz)
		return 0;
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	lapic_write(LAPIC_TIMER_INIT, start);
	t0 = rdtsc();
	tsc_delay_us(10000);
	end = lapic_read(LAPIC_TIMER_CUR);
	t1 = rdtsc();
	lapic_write(LAPIC_TIMER_INIT, 0);
	return (u64)(start - end) * hz / (t1 - t0);
}

void lapic_timer_oneshot(u32 vector, u64 count)
{
	if (count > 0xffffffff)
		count = 0xffffffff;
	if (!count)
		count = 1;
	lapic_write(LAPIC_LVT_TIMER, vector);
	lapic_write(LAPIC_TIMER_INIT, (u32)count);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_TIMER_INIT, 0);
	/* Leaving TSC-deadline mode disarms it too (SDM 3A 11.5.4.1). */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
}

bool lapic_has_tsc_deadline(void)
{
	u32 a, b, c, d;

	cpuid(1, &a, &b, &c, &d);
	return c & CPUID1_ECX_TSC_DEADLINE;
}

void lapic_timer_tsc_deadline(u32 vector, u64 deadline)
{
	lapic_write(LAPIC_LVT_TIMER, vector | LVT_TIMER_TSC_DEADLINE);
	/* SDM 3A 11.5.4.1: the mode change must be seen before the MSR
	 * write, or the write may be ignored (an xAPIC MMIO write is not
	 * serializing). */
	__asm__ __volatile__("mfence" ::: "memory");
	wrmsr(MSR_TSC_DEADLINE, deadline);
}
