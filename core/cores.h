/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who owns a core. The management core (0) runs the shell, the log and
 * I/O; every other online core is spare until a job claims it: a VM's
 * vCPU (each on a core of its own), or a sidecore job with no vCPU (the
 * vIOMMU's polling emulation). One owner at a time, under one rule for
 * both; the core runs its job from its idle loop and is free again when
 * the job returns.
 */
#ifndef TERN_CORE_CORES_H
#define TERN_CORE_CORES_H

#include <stddef.h>

#include "core/types.h"

enum core_job_state {
	CORE_JOB_IDLE = 0,		/* not handed to a core */
	CORE_JOB_HANDED,		/* claimed, the core has not taken it yet */
	CORE_JOB_RUNNING,
	CORE_JOB_DONE,
};

struct core_job {
	const char *kind;		/* "running vm", "sidecore": for refusals */
	const char *name;
	u32 role;			/* enum cpu_role while it runs */
	/* On the claimed core, interrupts off, until it returns; it must
	 * return soon after stop_req is set. */
	void (*run)(struct core_job *j);
	/* After the core was given back (optional). */
	void (*done)(struct core_job *j);
	void *ctx;
	u32 cpu;
	volatile bool stop_req;
	volatile u32 state;		/* enum core_job_state */
};

/* Take core cpu for j: it must be online, not the management core, and
 * not held. 0, or -1 with the reason (the holder named) in err. */
int core_claim(u32 cpu, struct core_job *j, char *err, size_t n);
/* Give a claimed core back without running j (a start that failed). */
void core_unclaim(struct core_job *j);
/* Have the claimed core run j; -1 if it does not answer (claim dropped). */
int core_hand(struct core_job *j);
/* Ask j to return and wait until its core is free again (interrupts on). */
void core_job_stop(struct core_job *j);
/* The job holding core cpu, or NULL. */
struct core_job *core_holder(u32 cpu);
/* A spare core's loop: cross-CPU calls, timers, and what it is handed. */
void core_idle(void) __noreturn;

#endif
