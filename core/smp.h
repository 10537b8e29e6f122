/* SPDX-License-Identifier: GPL-2.0 */
/* Bringing up every CPU the MADT lists, and calling functions on them. */
#ifndef TERN_CORE_SMP_H
#define TERN_CORE_SMP_H

#include "core/types.h"

#define SMP_CALL_TIMEOUT_MS	1000

/* Start every enabled MADT CPU (at most max_cpus in all). */
void smp_init(u32 max_cpus);
u32 smp_online_count(void);
/* Run fn(arg) on CPU `cpu` and wait. 0, or -1 when it did not answer. */
int smp_call(u32 cpu, void (*fn)(void *), void *arg);
/* Stop every other core (panic). */
void smp_halt_others(void);

#endif
