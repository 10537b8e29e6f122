// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "core/cores.h"
#include "core/cpu.h"
#include "core/percpu.h"
#include "core/smp.h"
#include "core/spinlock.h"

static spinlock_t cores_lock = SPINLOCK_INIT;

int core_claim(u32 cpu, struct core_job *j, char *err, size_t n)
{
	struct core_job *h;
	u64 f;

	if (cpu == 0 || cpu >= cpu_count || cpus[cpu]->state != CPU_ONLINE) {
		snprintf(err, n, "core %u is not an online application core", cpu);
		return -1;
	}
	f = spin_lock_irqsave(&cores_lock);
	h = cpus[cpu]->holder;
	if (!h) {
		cpus[cpu]->holder = j;
		j->cpu = cpu;
		j->stop_req = false;
		j->state = CORE_JOB_HANDED;
	}
	spin_unlock_irqrestore(&cores_lock, f);
	if (h)
		snprintf(err, n, "core %u is in use by %s '%s'", cpu, h->kind, h->name);
	return h ? -1 : 0;
}

static void release(struct core_job *j)
{
	u64 f = spin_lock_irqsave(&cores_lock);

	if (cpus[j->cpu]->holder == j)
		cpus[j->cpu]->holder = NULL;
	spin_unlock_irqrestore(&cores_lock, f);
}

void core_unclaim(struct core_job *j)
{
	release(j);
	j->state = CORE_JOB_IDLE;
}

struct core_job *core_holder(u32 cpu)
{
	return cpu < cpu_count ? READ_ONCE(cpus[cpu]->holder) : NULL;
}

static void take_job(void *arg)
{
	__atomic_store_n(&this_cpu()->run_job, (struct core_job *)arg, __ATOMIC_RELEASE);
}

int core_hand(struct core_job *j)
{
	if (!smp_call(j->cpu, take_job, j))
		return 0;
	core_unclaim(j);
	return -1;
}

static void nothing(void *arg)
{
	(void)arg;	/* the call's interrupt made the job look at stop_req */
}

void core_job_stop(struct core_job *j)
{
	j->stop_req = true;
	while (j->state == CORE_JOB_HANDED || j->state == CORE_JOB_RUNNING) {
		smp_call(j->cpu, nothing, NULL);
		cpu_relax();
	}
}

void core_idle(void)
{
	struct percpu *p = this_cpu();

	for (;;) {
		struct core_job *j;

		/* Off from the check to the HLT (cpu_idle_wait: sti; hlt), so a
		 * hand-over IPI in between still wakes the core. */
		irq_disable();
		j = __atomic_exchange_n(&p->run_job, NULL, __ATOMIC_ACQ_REL);
		if (!j) {
			cpu_idle_wait();
			continue;
		}
		j->state = CORE_JOB_RUNNING;
		if (!j->stop_req) {
			p->role = j->role;
			j->run(j);
			p->role = ROLE_SPARE;
		}
		/* Free before anyone is told the job ended. */
		release(j);
		__atomic_store_n(&j->state, CORE_JOB_DONE, __ATOMIC_RELEASE);
		if (j->done)
			j->done(j);
	}
}
