// SPDX-License-Identifier: GPL-2.0
/* Shell commands about tern as a whole: version, uptime, log, power, selftest. */
#include <stdlib.h>
#include <string.h>

#include "core/console.h"
#include "core/cores.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/main.h"
#include "core/percpu.h"
#include "core/power.h"
#include "core/shell/shell.h"
#include "core/smp.h"
#include "core/timer.h"
#include "core/tsc.h"
#include "core/vdev/vrtc.h"
#include "drivers/cmos_rtc.h"
#include "irq/irq.h"
#include "irq/lapic.h"
#include "mm/pmm.h"

#ifndef TERN_GIT
#define TERN_GIT "unknown"
#endif

static int cmd_version(int argc, char **argv)
{
	(void)argc; (void)argv;
	console_printf("tern %s (git %s), built %s %s with gcc %s, newlib %s\n",
		       TERN_VERSION, TERN_GIT, __DATE__, __TIME__, __VERSION__,
		       _NEWLIB_VERSION);
	console_printf("booted by %s\n", boot_info->loader_name);
	return 0;
}
SHELL_COMMAND(version, "version", "", "tern's version, build and boot loader", cmd_version);

static int cmd_uptime(int argc, char **argv)
{
	const struct tsc_info *t = tsc_get_info();
	u64 ns = tsc_ns();

	(void)argc; (void)argv;
	console_printf("up %llu.%03llu s; boot to prompt %llu.%03llu s\n",
		       (unsigned long long)(ns / 1000000000ULL),
		       (unsigned long long)(ns / 1000000ULL % 1000),
		       (unsigned long long)(boot_ready_ns / 1000000000ULL),
		       (unsigned long long)(boot_ready_ns / 1000000ULL % 1000));
	if (rtc_now()) {
		struct rtc_time tm;

		rtc_from_unix(rtc_now(), &tm);
		console_printf("%04u-%02u-%02u %02u:%02u:%02u UTC (CMOS clock at boot + TSC)\n",
			       tm.year, tm.month, tm.day, tm.hour, tm.min, tm.sec);
	}
	console_printf("tsc %llu.%03llu MHz from %s", (unsigned long long)(t->hz / 1000000),
		       (unsigned long long)(t->hz / 1000 % 1000), tsc_source_name(t->source));
	if (t->cpuid_hz)
		console_printf(" (CPUID says %llu kHz)", (unsigned long long)(t->cpuid_hz / 1000));
	console_printf("\n");
	return 0;
}
SHELL_COMMAND(uptime, "uptime", "", "time since tern started, and the clock it runs on", cmd_uptime);

static int cmd_log(int argc, char **argv)
{
	(void)argc; (void)argv;
	log_dump();
	console_printf("(%llu records written, %llu dropped from the ring)\n",
		       (unsigned long long)log_records_written(),
		       (unsigned long long)log_records_dropped());
	return 0;
}
SHELL_COMMAND(log, "log", "", "show the log ring", cmd_log);

static int cmd_reboot(int argc, char **argv)
{
	(void)argc; (void)argv;
	power_reboot();
	console_printf("reboot: every reset method failed\n");
	return 1;
}
SHELL_COMMAND(reboot, "reboot", "", "reset the machine", cmd_reboot);

static int cmd_poweroff(int argc, char **argv)
{
	(void)argc; (void)argv;
	power_off();
	return 1;
}
SHELL_COMMAND(poweroff, "poweroff", "", "power the machine off (ACPI S5)", cmd_poweroff);

/* --- selftest: exercise what the foundation promises, on every core. --- */

struct who {
	u32 index, apic_id;
};

static void whoami(void *arg)
{
	struct who *w = arg;

	w->index = this_cpu_index();
	w->apic_id = lapic_id();
}

static int selftest_smp(void)
{
	u32 ok = 0, tried = 0;

	for (u32 i = 0; i < cpu_count; i++) {
		struct who w = { ~0U, ~0U };

		if (cpus[i]->state != CPU_ONLINE)
			continue;
		tried++;
		if (smp_call(i, whoami, &w)) {
			console_printf("  CPU%u: no answer to a cross-CPU call\n", i);
			continue;
		}
		if (w.index != i || w.apic_id != cpus[i]->apic_id) {
			console_printf("  CPU%u: answered as CPU%u APIC %u (expected APIC %u)\n",
				       i, w.index, w.apic_id, cpus[i]->apic_id);
			continue;
		}
		ok++;
	}
	console_printf("selftest smp: %u/%u CPUs answered a cross-CPU call\n", ok, tried);
	return ok == tried ? 0 : 1;
}

static volatile u32 timers_fired;

static void timer_fn(struct timer *t, void *arg)
{
	(void)t; (void)arg;
	__atomic_fetch_add(&timers_fired, 1, __ATOMIC_RELAXED);
}

static void arm_timer(void *arg)
{
	timer_arm(arg, 5000000, timer_fn, NULL);	/* 5 ms */
}

static int selftest_timer(void)
{
	static struct timer t[MAX_CPUS];
	u32 armed = 0;
	u64 end;

	timers_fired = 0;
	for (u32 i = 0; i < cpu_count; i++) {
		if (cpus[i]->state != CPU_ONLINE)
			continue;
		if (!smp_call(i, arm_timer, &t[i]))
			armed++;
	}
	end = rdtsc() + tsc_hz() / 2;	/* 500 ms */
	/* Interrupts are on in the shell; spin rather than HLT, which could
	 * sleep past the last timer if it fired just before. */
	while (timers_fired < armed && rdtsc() < end)
		cpu_relax();
	console_printf("selftest timer: %u/%u per-CPU timers fired\n", timers_fired, armed);
	return timers_fired == armed && armed ? 0 : 1;
}

static int selftest_alloc(void)
{
	struct pmm_stats a, b;
	u64 pages[16];
	void *p;
	int bad = 0;

	pmm_get_stats(&a);
	for (int i = 0; i < 16; i++) {
		pages[i] = pmm_alloc(1 + i % 3);
		bad += !pages[i];
	}
	for (int i = 0; i < 16; i++)
		if (pages[i])
			pmm_free(pages[i], 1 + i % 3);
	pmm_get_stats(&b);
	p = malloc(100000);
	bad += !p;
	if (p)
		memset(p, 0xa5, 100000);
	free(p);
	console_printf("selftest alloc: %d failures; free pages before %llu after %llu\n",
		       bad, (unsigned long long)a.free_pages, (unsigned long long)b.free_pages);
	return bad || a.free_pages != b.free_pages;
}

/*
 * A sidecore job on a spare core: it must run there, hold the core
 * against another claim (the rule vCPUs follow too), stop when asked and
 * leave the core free.
 */
struct spin_job {
	struct core_job job;
	volatile u64 polls;
	volatile u32 ran_on;
};

static void spin_run(struct core_job *j)
{
	struct spin_job *s = j->ctx;

	s->ran_on = this_cpu_index();
	while (!j->stop_req) {
		s->polls++;
		cpu_relax();
	}
}

static int selftest_sidecore(void)
{
	static struct spin_job s;
	struct core_job other = { .kind = "selftest", .name = "second claim" };
	char err[96], refusal[96];
	u32 cpu;
	u64 end;
	bool refused, ok;

	for (cpu = 1; cpu < cpu_count; cpu++)
		if (cpus[cpu]->state == CPU_ONLINE && !core_holder(cpu))
			break;
	if (cpu >= cpu_count) {
		console_printf("selftest sidecore: skipped, no free application core\n");
		return 0;
	}
	s = (struct spin_job){ .ran_on = ~0U };
	s.job = (struct core_job){ .kind = "sidecore", .name = "selftest", .role = ROLE_SIDECORE,
				   .run = spin_run, .ctx = &s };
	if (core_claim(cpu, &s.job, err, sizeof(err)) || core_hand(&s.job)) {
		console_printf("selftest sidecore: CPU%u: %s\n", cpu, err);
		return 1;
	}
	end = rdtsc() + tsc_hz() / 2;
	while (s.polls < 1000 && rdtsc() < end)
		cpu_relax();
	refused = core_claim(cpu, &other, refusal, sizeof(refusal)) != 0;
	if (!refused)
		core_unclaim(&other);
	ok = cpus[cpu]->role == ROLE_SIDECORE;
	core_job_stop(&s.job);
	ok = ok && refused && s.ran_on == cpu && s.polls >= 1000 && !core_holder(cpu) &&
	     cpus[cpu]->role == ROLE_SPARE;
	console_printf("selftest sidecore: CPU%u ran a job (%llu polls, on CPU%d); a second claim %s%s%s; core %s\n",
		       cpu, (unsigned long long)s.polls, (int)s.ran_on,
		       refused ? "was refused (" : "was NOT refused", refused ? refusal : "",
		       refused ? ")" : "", core_holder(cpu) ? "still held" : "given back");
	return ok ? 0 : 1;
}

static void fault_ud(void *arg)
{
	(void)arg;
	exception_selftest_ud();
}

static int selftest_fault(int argc, char **argv)
{
	char *end;
	unsigned long cpu;

	if (argc < 3 || (cpu = strtoul(argv[2], &end, 10), *end)) {
		console_printf("usage: selftest fault CPU (an application CPU; it stops)\n");
		return 1;
	}
	if (cpu == 0 || cpu >= cpu_count || cpus[cpu]->state != CPU_ONLINE) {
		console_printf("selftest fault: CPU%lu is not an online application CPU\n", cpu);
		return 1;
	}
	smp_call(cpu, fault_ud, NULL);
	console_printf("selftest fault: CPU%lu is %s\n", cpu, cpu_state_name(cpus[cpu]->state));
	return cpus[cpu]->state == CPU_HALTED ? 0 : 1;
}

static int cmd_selftest(int argc, char **argv)
{
	int fails = 0;
	const char *what = argc > 1 ? argv[1] : "all";

	if (!strcmp(what, "fault"))
		return selftest_fault(argc, argv);
	if (!strcmp(what, "all") || !strcmp(what, "smp"))
		fails += selftest_smp();
	if (!strcmp(what, "all") || !strcmp(what, "timer"))
		fails += selftest_timer();
	if (!strcmp(what, "all") || !strcmp(what, "alloc"))
		fails += selftest_alloc();
	if (!strcmp(what, "all") || !strcmp(what, "sidecore"))
		fails += selftest_sidecore();
	if (strcmp(what, "all") && strcmp(what, "smp") && strcmp(what, "timer") &&
	    strcmp(what, "alloc") && strcmp(what, "sidecore")) {
		console_printf("selftest: unknown test '%s' (all, smp, timer, alloc, sidecore, fault CPU)\n", what);
		return 1;
	}
	console_printf("selftest: %s\n", fails ? "FAIL" : "PASS");
	return fails ? 1 : 0;
}
SHELL_COMMAND(selftest, "selftest", "[all|smp|timer|alloc|sidecore|fault CPU]",
	      "check cross-CPU calls, timers, allocators and sidecore jobs on the running machine",
	      cmd_selftest);
