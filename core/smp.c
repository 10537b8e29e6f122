// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "core/acpi/acpi.h"
#include "core/cores.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/smp.h"
#include "core/timer.h"
#include "core/tsc.h"
#include "core/vm/vm.h"
#include "irq/irq.h"
#include "irq/lapic.h"
#include "mm/kmem.h"
#include "mm/pmm.h"
#include "vmx/caps.h"

extern const char tramp_start[], tramp_end[];
extern const char tramp_gdtr[], tramp_jump32[], tramp_jump64[];
extern const char tramp_cr0[], tramp_cr3[], tramp_cr4[], tramp_efer[];
extern const char tramp_percpu[], tramp_stack[], tramp_entry[];

#define AP_START_TIMEOUT_MS	500

struct smp_call {
	void (*fn)(void *);
	void *arg;
	struct smp_call *next;
	volatile bool taken;
	volatile bool done;
};

static u64 tramp_pa;

static void *tramp_field(const char *sym)
{
	return (u8 *)phys_to_virt(tramp_pa) + (sym - tramp_start);
}

static void call_irq(struct regs *r, void *arg)
{
	struct percpu *p = this_cpu();

	(void)r; (void)arg;
	p->ipi_count++;
	for (;;) {
		struct smp_call *c;

		spin_lock(&p->call_lock);
		c = p->call_head;
		if (c) {
			p->call_head = c->next;
			c->taken = true;
		}
		spin_unlock(&p->call_lock);
		if (!c)
			break;
		c->fn(c->arg);
		__atomic_store_n(&c->done, true, __ATOMIC_RELEASE);
	}
}

static void halt_irq(struct regs *r, void *arg)
{
	(void)r; (void)arg;
	this_cpu()->state = CPU_HALTED;
	lapic_eoi();
	cpu_halt_forever();
}

static void kick_irq(struct regs *r, void *arg)
{
	/* Taking it was the point: a guest exited or a HLT woke up. */
	(void)r; (void)arg;
}

static void cpu_common_init(struct percpu *p)
{
	lapic_init_cpu();
	irq_set_handler(VEC_CALL, call_irq, NULL, "smp-call");
	irq_set_handler(VEC_HALT, halt_irq, NULL, "halt");
	irq_set_handler(VEC_KICK, kick_irq, NULL, "vcpu-kick");
	timer_init_cpu();
	vmx_caps_probe(&p->vmx);
}

void ap_entry(struct percpu *p) __noreturn;
void ap_entry(struct percpu *p)
{
	percpu_load(p);
	cpu_common_init(p);
	p->online_tsc = rdtsc();
	__atomic_store_n(&p->state, CPU_ONLINE, __ATOMIC_RELEASE);
	/* A spare core waits for work: cross-CPU calls, timers, a vCPU. */
	core_idle();
}

static void tramp_setup(void)
{
	u64 t = tramp_pa;

	memcpy(phys_to_virt(t), tramp_start, tramp_end - tramp_start);
	*(u32 *)((u8 *)tramp_field(tramp_gdtr) + 2) += t;
	*(u32 *)tramp_field(tramp_jump32) += t;
	*(u32 *)tramp_field(tramp_jump64) += t;
	*(u32 *)tramp_field(tramp_cr0) = (u32)read_cr0();
	*(u32 *)tramp_field(tramp_cr3) = (u32)read_cr3();
	*(u32 *)tramp_field(tramp_cr4) = (u32)read_cr4();
	*(u32 *)tramp_field(tramp_efer) = (u32)(rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE));
	*(u64 *)tramp_field(tramp_entry) = (u64)ap_entry;
}

static bool wait_online(struct percpu *p, u64 ms)
{
	u64 end = rdtsc() + tsc_hz() / 1000 * ms;

	while (rdtsc() < end) {
		if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == CPU_ONLINE)
			return true;
		cpu_relax();
	}
	return false;
}

static void start_ap(struct percpu *p)
{
	*(u64 *)tramp_field(tramp_percpu) = (u64)p;
	*(u64 *)tramp_field(tramp_stack) = p->stack_top;
	p->state = CPU_STARTING;

	/* INIT, then two SIPIs (SDM 3A 8.4.4.1, "universal" algorithm). */
	lapic_send_init(p->apic_id);
	tsc_delay_us(10000);
	lapic_send_sipi(p->apic_id, tramp_pa >> PAGE_SHIFT);
	if (wait_online(p, 1))
		goto online;
	lapic_send_sipi(p->apic_id, tramp_pa >> PAGE_SHIFT);
	if (wait_online(p, AP_START_TIMEOUT_MS))
		goto online;
	/* Park it in wait-for-SIPI so it cannot run on the next AP's data. */
	lapic_send_init(p->apic_id);
	p->state = CPU_FAILED;
	pr_err("smp: CPU%u (APIC %u) did not come online within %u ms; going on without it",
	       p->index, p->apic_id, AP_START_TIMEOUT_MS);
	return;
online:
	pr_info("smp: CPU%u (APIC %u) online", p->index, p->apic_id);
}

void smp_init(u32 max_cpus)
{
	struct percpu *bsp = this_cpu();
	u32 me;
	int err;

	cpu_common_init(bsp);		/* x2APIC mode first: it defines the ID */
	me = lapic_id();
	bsp->apic_id = me;
	bsp->online_tsc = rdtsc();
	if (!acpi.has_madt) {
		pr_warn("smp: no MADT; running on the boot CPU only");
		return;
	}
	tramp_pa = pmm_alloc_range(1, PAGE_SIZE, 0x1000, 0x100000);
	if (!tramp_pa) {
		pr_err("smp: no free page below 1 MiB for AP start-up; running on the boot CPU only");
		return;
	}
	/* The page runs in 64-bit mode at its own address for a moment:
	 * identity-map it, read-only and executable. */
	err = kmem_map(tramp_pa, tramp_pa, PAGE_SIZE, MAP_X | MAP_NO_LARGE);
	if (err) {
		pr_err("smp: cannot map the start-up page: %s", pt_strerror(err));
		return;
	}
	tramp_setup();

	for (u32 i = 0; i < acpi.ncpus; i++) {
		const struct acpi_cpu *c = &acpi.cpus[i];
		struct percpu *p;

		if (c->apic_id == me)
			continue;
		if (cpu_count >= MAX_CPUS || cpu_count >= max_cpus) {
			pr_info("smp: APIC %u not started (limit of %u CPUs)",
				c->apic_id, MIN(max_cpus, (u32)MAX_CPUS));
			continue;
		}
		if (!c->enabled) {
			pr_info("smp: APIC %u is disabled in the MADT%s", c->apic_id,
				c->online_capable ? " (online capable)" : "");
			continue;
		}
		if (!lapic_x2apic() && c->apic_id > 0xfe) {
			pr_err("smp: APIC %u needs x2APIC, which this CPU lacks; skipped",
			       c->apic_id);
			continue;
		}
		p = percpu_alloc(cpu_count, c->apic_id);
		p->acpi_uid = c->uid;
		p->role = ROLE_SPARE;
		cpus[cpu_count++] = p;
		start_ap(p);
	}
	kmem_unmap(tramp_pa, PAGE_SIZE);
	pr_info("smp: %u of %u CPUs online", smp_online_count(), cpu_count);
}

u32 smp_online_count(void)
{
	u32 n = 0;

	for (u32 i = 0; i < cpu_count; i++)
		n += cpus[i]->state == CPU_ONLINE;
	return n;
}

int smp_call(u32 cpu, void (*fn)(void *), void *arg)
{
	struct smp_call c = { fn, arg, NULL, false, false };
	struct percpu *p;
	u64 end, f;

	if (cpu >= cpu_count)
		return -1;
	p = cpus[cpu];
	if (p == this_cpu()) {
		fn(arg);
		return 0;
	}
	if (p->state != CPU_ONLINE)
		return -1;
	f = spin_lock_irqsave(&p->call_lock);
	c.next = p->call_head;
	p->call_head = &c;
	spin_unlock_irqrestore(&p->call_lock, f);
	lapic_send_ipi(p->apic_id, VEC_CALL);

	end = rdtsc() + tsc_hz() / 1000 * SMP_CALL_TIMEOUT_MS;
	while (!__atomic_load_n(&c.done, __ATOMIC_ACQUIRE)) {
		/* A core that stops inside the call never finishes it. */
		if (c.taken && p->state == CPU_HALTED)
			return -1;
		if (rdtsc() > end) {
			/* Unqueue it unless the target already took it. */
			f = spin_lock_irqsave(&p->call_lock);
			if (!c.taken) {
				struct smp_call **pp = &p->call_head;

				while (*pp && *pp != &c)
					pp = &(*pp)->next;
				if (*pp)
					*pp = c.next;
				spin_unlock_irqrestore(&p->call_lock, f);
				return -1;
			}
			spin_unlock_irqrestore(&p->call_lock, f);
			end = ~0ULL;	/* it runs: wait for it */
		}
		cpu_relax();
	}
	return 0;
}

void smp_halt_others(void)
{
	struct percpu *me = this_cpu();

	for (u32 i = 0; i < cpu_count; i++)
		if (cpus[i] != me && cpus[i]->state == CPU_ONLINE)
			lapic_send_ipi(cpus[i]->apic_id, VEC_HALT);
}
