/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest programs' window marks (udpflood.c, ipiping.c): HC_MARK
 * (VMCALL 7, RBX 0 or 1, any CPL; tern's vmx/exit.h) keeps tern's
 * counters of the calling vCPU and the VM's ELI counters as they are at
 * that exit, for `metrics mark 0|1`. Natively a VMCALL is #UD: callers
 * mark only when asked (-m).
 */
#ifndef TERN_TESTS_LINUX_TERN_MARK_H
#define TERN_TESTS_LINUX_TERN_MARK_H

#include <stdio.h>
#include <stdlib.h>

#define HC_MARK	7

static inline void tern_mark(const char *prog, unsigned long which)
{
	unsigned long rax = HC_MARK;

	asm volatile("vmcall" : "+a"(rax) : "b"(which) : "memory");
	if (rax) {
		fprintf(stderr, "%s: HC_MARK %lu refused (%#lx)\n", prog, which, rax);
		exit(1);
	}
}

#endif
