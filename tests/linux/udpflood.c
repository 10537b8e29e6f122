// SPDX-License-Identifier: GPL-2.0
/*
 * ELI's Linux workload (tests/system/test_bochs_eli_linux.py,
 * bench_eli_linux.py), run in the guest: UDP datagrams sent back to back
 * through the kernel's e1000 driver to a neighbour with a static ARP entry
 * (tests/linux/udpwork.sh sets it up). Nothing answers and nothing leaves
 * the machine (Bochs's e1000 with ethmod=null drops what it sends): the
 * device's interrupts are its transmit completions, as many as the driver
 * lets it raise.
 *
 *     udpflood [-m] [-c CYCLES] DST COUNT [SIZE]
 *
 * Prints one line for the harness:
 *   UDPFLOOD sent=N bytes=B ticks=T irqs=I
 * ticks: rdtsc delta over the sends (in Bochs one tick per emulated
 * instruction); irqs: the e1000's interrupts over the same span, from its
 * line in /proc/interrupts (all CPUs): interrupts delivered directly by
 * ELI never reach tern, so the guest is where they are counted.
 * -m: under tern, mark the sends' ends with HC_MARK (VMCALL 7, RBX 0 and 1,
 * vmx/exit.h): `metrics mark 0|1` then hold tern's counters at exactly
 * those points, with no harness traffic inside (the mark's own VMCALL
 * exit at the end is the window's one extra exit). Natively a VMCALL is
 * #UD: not there.
 * -c CYCLES: compute for CYCLES TSC ticks after each datagram (the
 * thesis's modified netperf, 3.6.4, "extra computation per byte"). Bochs's
 * e1000 raises a transmit completion 10 us of emulated time after the
 * last send, and every send restarts that wait: back-to-back sends shorter
 * than that share one interrupt, so at a realistic clock the computation
 * is what gives each datagram its own completion interrupt.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>
#include <x86intrin.h>

#include "tern_mark.h"

/* The sum of the per-CPU counts on /proc/interrupts's line naming eth0
 * (the e1000 driver requests its IRQ under the interface's name). */
static long long e1000_irqs(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[1024];
	long long total = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (!strstr(line, "eth0"))
			continue;
		p = strchr(line, ':');
		if (!p)
			break;
		total = 0;
		for (p++;; p = end) {
			long long n = strtoll(p, &end, 10);

			if (end == p)
				break;
			total += n;
		}
		break;
	}
	fclose(f);
	return total;
}

static int usage(void)
{
	fprintf(stderr, "usage: udpflood [-m] [-c CYCLES] DST COUNT [SIZE]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(9) };
	static char buf[1472];
	long long count, sent = 0, irq0, irq1;
	unsigned long long t0, t1, compute = 0;
	int mark = 0, s, size = 64, opt;

	while ((opt = getopt(argc, argv, "mc:")) != -1) {
		switch (opt) {
		case 'm':
			mark = 1;
			break;
		case 'c':
			compute = strtoull(optarg, NULL, 0);
			break;
		default:
			return usage();
		}
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 3 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1)
		return usage();
	count = atoll(argv[2]);
	if (argc > 3)
		size = atoi(argv[3]);
	if (size < 1 || size > (int)sizeof(buf)) {
		fprintf(stderr, "udpflood: SIZE from 1 to %zu\n", sizeof(buf));
		return 2;
	}
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0) {
		perror("udpflood: socket");
		return 1;
	}
	irq0 = e1000_irqs();
	if (mark) {
		/* The console's output drained first (the shell's echo, udpwork's
		 * line): its transmit interrupts and port writes are the
		 * harness's, not the sends'. */
		fflush(stdout);
		tcdrain(STDOUT_FILENO);
		tern_mark("udpflood", 0);
	}
	t0 = __rdtsc();
	for (long long i = 0; i < count; i++) {
		unsigned long long c0;

		if (sendto(s, buf, size, 0, (struct sockaddr *)&dst, sizeof(dst)) == size)
			sent++;
		for (c0 = __rdtsc(); compute && __rdtsc() - c0 < compute;)
			;
	}
	t1 = __rdtsc();
	if (mark)
		tern_mark("udpflood", 1);
	irq1 = e1000_irqs();
	printf("UDPFLOOD sent=%lld bytes=%lld ticks=%llu irqs=%lld\n", sent, sent * size,
	       t1 - t0, irq0 < 0 || irq1 < 0 ? -1 : irq1 - irq0);
	/* On the wire before we exit: natively /init powers off next. */
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
	return sent == count ? 0 : 1;
}
