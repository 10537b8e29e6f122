// SPDX-License-Identifier: GPL-2.0
/*
 * ELI's IPI workload (issue #10 item 9; tests/system/test_bochs_eli_linux.py,
 * bench_eli_ipi.py), run in a guest with two vCPUs: a thread on CPU
 * 1 spins in user mode while the main thread on CPU 0 takes write
 * permission away from a page they share, ROUNDS times. Each time Linux
 * shoots the page's TLB entry down on CPU 1 with a function-call IPI, and
 * CPU 1 is running: it takes the IPI in guest mode, where ELI's exitless
 * IPIs reach it through the shadow IDT.
 *
 *     ipiping [-m] [-c CYCLES] ROUNDS
 *
 * Prints one line for the harness:
 *   IPIPING rounds=N ticks=T ipis=I spins=S
 * ticks: rdtsc delta over the rounds (in Bochs one tick per emulated
 * instruction); ipis: CPU 1's function-call and rescheduling interrupts
 * over the rounds (its CAL and RES columns of /proc/interrupts); spins: the
 * receiver's loops meanwhile (its useful work).
 * -m: under tern, the receiver marks the window with HC_MARK (VMCALL 7,
 * RBX 0 and 1, vmx/exit.h) from CPU 1, so `metrics mark 0|1` hold the
 * receiving vCPU's counters; the closing mark's own VMCALL is the
 * window's one extra exit of that vCPU.
 * -c CYCLES: wait CYCLES TSC ticks between rounds.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>
#include <x86intrin.h>

#include "tern_mark.h"

static volatile int ready, done;
static volatile unsigned long spins;
static int mark;

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s)) {
		perror("ipiping: sched_setaffinity");
		exit(1);
	}
}

/* CPU 1's count on the /proc/interrupts lines named by tags. */
static long long cpu1_irqs(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096];
	long long sum = 0;
	int seen = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char tag[16];
		long long c0, c1;

		if (sscanf(line, " %15[^:]: %lld %lld", tag, &c0, &c1) != 3)
			continue;
		if (!strcmp(tag, "CAL") || !strcmp(tag, "RES")) {
			sum += c1;
			seen++;
		}
	}
	fclose(f);
	return seen == 2 ? sum : -1;
}

static void *receiver(void *arg)
{
	(void)arg;
	pin(1);
	if (mark)
		tern_mark("ipiping", 0);
	ready = 1;
	while (!done)
		spins++;
	if (mark)
		tern_mark("ipiping", 1);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long long cycles = 0, t0, t1;
	long long i0, i1;
	volatile char *page;
	pthread_t t;
	long rounds;
	int c;

	while ((c = getopt(argc, argv, "mc:")) != -1) {
		if (c == 'm')
			mark = 1;
		else if (c == 'c')
			cycles = strtoull(optarg, NULL, 0);
		else
			goto usage;
	}
	if (optind + 1 != argc)
		goto usage;
	rounds = strtol(argv[optind], NULL, 0);
	if (rounds <= 0)
		goto usage;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "ipiping: needs two CPUs\n");
		return 1;
	}
	pin(0);
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		perror("ipiping: mmap");
		return 1;
	}
	page[0] = 1;
	if (pthread_create(&t, NULL, receiver, NULL)) {
		fprintf(stderr, "ipiping: pthread_create failed\n");
		return 1;
	}
	while (!ready)
		;
	i0 = cpu1_irqs();
	t0 = __rdtsc();
	for (long r = 0; r < rounds; r++) {
		/* Write permission away: a flush on every CPU running this
		 * mm (CPU 1, spinning); back, and written, so the next round
		 * has a writable entry to take away again. */
		if (mprotect((void *)page, 4096, PROT_READ) ||
		    mprotect((void *)page, 4096, PROT_READ | PROT_WRITE)) {
			perror("ipiping: mprotect");
			return 1;
		}
		page[0] = (char)r;
		if (cycles) {
			unsigned long long w = __rdtsc();

			while (__rdtsc() - w < cycles)
				;
		}
	}
	t1 = __rdtsc();
	i1 = cpu1_irqs();
	done = 1;
	pthread_join(t, NULL);
	printf("IPIPING rounds=%ld ticks=%llu ipis=%lld spins=%lu\n", rounds, t1 - t0,
	       i0 >= 0 && i1 >= 0 ? i1 - i0 : -1LL, spins);
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
	return 0;
usage:
	fprintf(stderr, "usage: ipiping [-m] [-c CYCLES] ROUNDS\n");
	return 2;
}
