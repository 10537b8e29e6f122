// SPDX-License-Identifier: GPL-2.0
/*
 * The sidecore's job (viommu_sidecore.h): a core of its own, turning over
 * the VMs it serves. The set is an array of pointers the sidecore reads
 * and the management core changes; a removal waits until the sidecore has
 * finished the round it may be in.
 */
#include <stdio.h>

#include "core/console.h"
#include "core/cores.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/timer.h"
#include "core/tsc.h"
#include "core/vdev/viommu/viommu_sidecore.h"
#include "core/vm/config.h"

static struct {
	struct core_job job;
	int core;			/* -1: none */
	bool running;
	struct viommu_vm *served[CONFIG_MAX_VMS];
	volatile u64 rounds;
	u64 busy_polls;
	u64 busy_tsc, start_tsc;
	u64 total_before;		/* TSC ticks of earlier runs */
	bool mwait;			/* MONITOR/MWAIT with the interrupt break */
	u64 waits, timer_wakes, write_wakes, wait_tsc;
} side = { .core = -1 };

void viommu_side_configure(int core)
{
	side.core = core;
}

static bool cpu_can_mwait(void)
{
	u32 a, b, c, d;

	cpuid(0, &a, &b, &c, &d);
	if (a < 5)
		return false;
	cpuid(1, &a, &b, &c, &d);
	if (!(c & CPUID1_ECX_MONITOR))
		return false;
	cpuid(5, &a, &b, &c, &d);
	return (c & CPUID5_ECX_EMX) && (c & CPUID5_ECX_IBE);
}

static void side_bound(struct timer *t, void *arg)
{
	/* Taking its interrupt ended the MWAIT: nothing else to do. */
	(void)t; (void)arg;
}

/*
 * The one VM served, d, had nothing to do: sleep until the guest writes
 * IQT's line, or VIOMMU_SIDE_WAIT_NS, or an interrupt (a stop request's
 * call). The look after MONITOR closes the race with a write that came
 * just before it; the bound's interrupt is taken before the next wait
 * (a pending one would end every MWAIT at once). What ended the wait is
 * judged by the page and the clock: there is work (the guest wrote), or
 * the bound's time had about come, or neither (another interrupt).
 */
static void side_wait(struct core_job *j, struct viommu_vm *d)
{
	struct timer t = { 0 };
	u64 t0 = rdtsc(), woke;

	timer_arm(&t, VIOMMU_SIDE_WAIT_NS, side_bound, NULL);
	cpu_monitor(viommu_side_watch(d));
	if (!viommu_side_busy(d) && !j->stop_req) {
		cpu_mwait_int_break();
		woke = rdtsc();
		side.waits++;
		/* Bochs leaves MWAIT for the bound's interrupt a few ticks
		 * before RDTSC reaches the deadline (measured: 488 of 500 at
		 * ips 10M on average, with nothing in the IRR yet): a wait
		 * that found no work and lasted 7/8 of the bound was its. */
		if (viommu_side_busy(d))
			side.write_wakes++;
		else if (woke - t0 >= (t.deadline - t0) - (t.deadline - t0) / 8)
			side.timer_wakes++;
	}
	cpu_take_interrupts();
	timer_cancel(&t);
	__atomic_store_n(&side.wait_tsc, side.wait_tsc + rdtsc() - t0, __ATOMIC_RELAXED);
}

static void side_run(struct core_job *j)
{
	while (!j->stop_req) {
		struct viommu_vm *only = NULL;
		u64 t0 = rdtsc();
		u32 work = 0, n = 0;

		for (u32 i = 0; i < CONFIG_MAX_VMS; i++) {
			struct viommu_vm *d = __atomic_load_n(&side.served[i], __ATOMIC_ACQUIRE);

			if (!d)
				continue;
			n++;
			only = d;
			/* A look without the VM's lock first: the vCPUs
			 * take it for their exits. */
			if (viommu_side_busy(d))
				work += viommu_side_poll(d);
			viommu_side_expire(d);
		}
		__atomic_store_n(&side.rounds, side.rounds + 1, __ATOMIC_RELEASE);
		if (work) {
			side.busy_polls++;
			__atomic_store_n(&side.busy_tsc, side.busy_tsc + rdtsc() - t0,
					 __ATOMIC_RELAXED);
		} else if (side.mwait && n == 1) {
			side_wait(j, only);
		} else {
			cpu_relax();
		}
	}
}

int viommu_side_add(struct viommu_vm *d, u32 index, char *err, size_t n)
{
	char why[96];

	if (side.core < 0) {
		snprintf(err, n, "viommu = sidecore needs a sidecore: [host] sidecore = CORE in tern.cfg");
		return -1;
	}
	if (!side.running) {
		side.job = (struct core_job){ .kind = "sidecore", .name = "vIOMMU",
					      .role = ROLE_SIDECORE, .run = side_run };
		if (core_claim((u32)side.core, &side.job, why, sizeof(why)) ||
		    core_hand(&side.job)) {
			snprintf(err, n, "viommu = sidecore: core %d: %s", side.core, why);
			return -1;
		}
		side.running = true;
		side.start_tsc = rdtsc();
		side.mwait = cpu_can_mwait();
		pr_info("vIOMMU sidecore on core %d: polling the register pages of viommu = sidecore VMs; idle: %s",
			side.core, side.mwait ? "MWAIT on IQT's line (one VM served)" :
			"pause loop (no MWAIT with interrupt break on this CPU)");
	}
	__atomic_store_n(&side.served[index], d, __ATOMIC_RELEASE);
	return 0;
}

void viommu_side_remove(u32 index)
{
	u64 r;

	if (!side.served[index])
		return;
	__atomic_store_n(&side.served[index], NULL, __ATOMIC_RELEASE);
	/* Two rounds ends the one it may have been in. */
	r = __atomic_load_n(&side.rounds, __ATOMIC_ACQUIRE);
	while (side.running && __atomic_load_n(&side.rounds, __ATOMIC_ACQUIRE) < r + 2)
		cpu_relax();
	for (u32 i = 0; i < CONFIG_MAX_VMS; i++)
		if (side.served[i])
			return;
	/* Nobody left: the core goes back to halting (the next sidecore VM
	 * claims it again). The counters stay. */
	if (side.running) {
		core_job_stop(&side.job);
		side.running = false;
		side.total_before += rdtsc() - side.start_tsc;
		pr_info("vIOMMU sidecore on core %d: no viommu = sidecore VM left; core given back",
			side.core);
	}
}

void viommu_side_stats(struct viommu_side_stats *s)
{
	*s = (struct viommu_side_stats){ .core = side.core, .running = side.running,
					 .polls = side.rounds, .busy_polls = side.busy_polls,
					 .busy_tsc = side.busy_tsc, .mwait = side.mwait,
					 .waits = side.waits, .timer_wakes = side.timer_wakes,
					 .write_wakes = side.write_wakes,
					 .wait_tsc = side.wait_tsc };
	for (u32 i = 0; i < CONFIG_MAX_VMS; i++)
		s->served += side.served[i] != NULL;
	s->total_tsc = side.total_before + (side.running ? rdtsc() - side.start_tsc : 0);
}

void viommu_side_show(void)
{
	struct viommu_side_stats s;

	viommu_side_stats(&s);
	if (s.core < 0)
		return;
	console_printf("sidecore: core %d (vIOMMU polling)%s serving %u VM(s): %llu rounds, %llu with work; busy %llu.%u%%\n",
		       s.core, s.running ? "" : ", halted until a viommu = sidecore VM starts;",
		       s.served, (unsigned long long)s.polls,
		       (unsigned long long)s.busy_polls,
		       (unsigned long long)(s.total_tsc ? s.busy_tsc * 100 / s.total_tsc : 0),
		       (unsigned)(s.total_tsc ? s.busy_tsc * 1000 / s.total_tsc % 10 : 0));
	if (!s.mwait) {
		console_printf("  idle: pause loop%s\n", s.polls ? " (no MWAIT with interrupt break on this CPU)" : "");
		return;
	}
	console_printf("  idle: MWAIT on IQT's line: %llu waits, %llu ended by the guest's writes, %llu by the %u us bound; asleep %llu.%u%%\n",
		       (unsigned long long)s.waits, (unsigned long long)s.write_wakes,
		       (unsigned long long)s.timer_wakes, VIOMMU_SIDE_WAIT_NS / 1000,
		       (unsigned long long)(s.total_tsc ? s.wait_tsc * 100 / s.total_tsc : 0),
		       (unsigned)(s.total_tsc ? s.wait_tsc * 1000 / s.total_tsc % 10 : 0));
}
