/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU state. Each core's GS base points at its struct percpu, whose
 * first field points at itself, so this_cpu() is one load.
 */
#ifndef TERN_CORE_PERCPU_H
#define TERN_CORE_PERCPU_H

#include "core/types.h"
#include "core/spinlock.h"
#include "irq/irq.h"
#include "vmx/caps.h"

#define MAX_CPUS	64

enum cpu_state {
	CPU_ABSENT = 0,		/* listed nowhere */
	CPU_STARTING,		/* INIT-SIPI-SIPI sent */
	CPU_ONLINE,
	CPU_FAILED,		/* never answered the start-up */
	CPU_HALTED,		/* stopped by an exception */
	CPU_DISABLED,		/* in the MADT but not enabled, or over a limit */
};

/*
 * What a core is for: the management core runs the shell, the log and
 * I/O; a guest core runs one vCPU and nothing else; a sidecore runs a
 * polling job for VMs (the vIOMMU); the rest are spare (core/cores.h).
 */
enum cpu_role {
	ROLE_MANAGEMENT = 0,	/* shell, logging, I/O */
	ROLE_SPARE,		/* owned by tern, waiting for a VM or sidecore job */
	ROLE_GUEST,
	ROLE_SIDECORE,
};

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

#define GDT_ENTRIES	5	/* null, code, data, TSS (two slots) */
#define GDT_CODE	0x08
#define GDT_DATA	0x10
#define GDT_TSS		0x18

#define IST_DF		1
#define IST_NMI		2
#define IST_MC		3

struct smp_call;
struct core_job;

struct percpu {
	struct percpu *self;		/* must stay first: this_cpu() */
	u32 index;			/* tern's CPU number, 0 = boot CPU */
	u32 apic_id;
	u32 acpi_uid;
	volatile u32 state;		/* enum cpu_state */
	u32 role;			/* enum cpu_role */
	u64 stack_top;
	u64 stack_bottom;
	bool in_exception;		/* a fault while dumping one */

	u64 gdt[GDT_ENTRIES] __aligned(16);
	struct tss64 tss __aligned(16);
	void *idt;			/* this core's IDT page */
	struct irq_slot vectors[256];	/* who owns each vector here */

	struct vmx_caps vmx;
	struct core_job *holder;	/* who owns the core (core/cores.h) */
	struct core_job *run_job;	/* handed over, not yet taken */

	/* Cross-CPU calls queued for this core (core/smp.c). */
	spinlock_t call_lock;
	struct smp_call *call_head;

	/* Timers (core/timer.c) */
	spinlock_t timer_lock;
	struct timer *timers;
	u64 lapic_timer_hz;

	/* Counters shown by `cpus`. */
	u64 irq_count;
	u64 ipi_count;
	u64 timer_irqs;
	u64 nmi_count;
	u64 exception_count;
	u64 online_tsc;
};

extern struct percpu *cpus[MAX_CPUS];
extern u32 cpu_count;		/* entries used in cpus[] */

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(p));
	return p;
}

static inline u32 this_cpu_index(void)
{
	struct percpu *p = this_cpu();

	return p ? p->index : 0;
}

const char *cpu_state_name(u32 state);
const char *cpu_role_name(u32 role);

/* Set up a core's GDT, TSS (with IST stacks) and IDT and load them. */
void percpu_load(struct percpu *p);
/* The boot CPU: static storage, loaded at once (first thing at boot). */
struct percpu *percpu_bsp_early(void);
/* Allocate and initialise the structure for a CPU (not yet loaded). */
struct percpu *percpu_alloc(u32 index, u32 apic_id);

#endif
