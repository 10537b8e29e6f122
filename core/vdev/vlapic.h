/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's local APIC (SDM 3A ch. 11), one per vCPU: registers through the
 * x2APIC MSRs (0x800-0x8ff) or the xAPIC page at 0xfee00000, IRR/ISR with
 * priorities, EOI, TPR/PPR, self-IPIs, and the timer in one-shot, periodic
 * and TSC-deadline modes. Time is passed in (TSC ticks), so this is pure
 * and unit-tested; the vCPU loop polls it and injects what it delivers.
 * The timer's input clock is the TSC divided by the divide configuration.
 */
#ifndef TERN_CORE_VDEV_VLAPIC_H
#define TERN_CORE_VDEV_VLAPIC_H

#include "core/types.h"
#include "irq/lapic.h"		/* MSR_TSC_DEADLINE */

#define VLAPIC_BASE		0xfee00000ULL
#define VLAPIC_VERSION		0x00050014	/* 6 LVT entries, version 0x14 */
#define MSR_X2APIC_FIRST	0x800
#define MSR_X2APIC_LAST		0x8ff
#define X2APIC_SELF_IPI		0x3f0		/* register offset of MSR 0x83f */
#define X2APIC_EOI		0x0b0		/* register offset of MSR 0x80b */

#define LVT_MASK		BIT(16)
#define LVT_TIMER_MODE(v)	(((v) >> 17) & 3)
#define LVT_MODE_ONESHOT	0
#define LVT_MODE_PERIODIC	1
#define LVT_MODE_TSC_DEADLINE	2

/*
 * An IPI, left by an ICR write for the vCPU code to deliver to the VM's
 * vCPUs that vlapic_accepts() (the sender's own APIC included).
 */
struct vlapic_ipi {
	bool valid;
	u8 mode;		/* ICR delivery mode, ICR_MODE_* */
	u8 vector;
	u8 shorthand;		/* 0 none, 1 self, 2 all, 3 all but self */
	bool assert;		/* INIT: level assert (de-assert is ignored) */
	bool logical;		/* destination mode: logical (ICR bit 11) */
	bool x2apic;		/* sent in x2APIC mode: 32-bit destination */
	u32 dest;		/* ICR destination field */
};

/* ICR delivery modes (SDM 3A 11.6.1) */
#define ICR_MODE_FIXED		0
#define ICR_MODE_LOWEST		1
#define ICR_MODE_NMI		4
#define ICR_MODE_INIT		5
#define ICR_MODE_STARTUP	6

/* xAPIC DFR model (bits 31:28): flat or cluster (SDM 3A 11.6.2.2) */
#define DFR_MODEL_FLAT		0xf
#define DFR_MODEL_CLUSTER	0x0

struct vlapic {
	u32 id;
	bool x2apic;			/* IA32_APIC_BASE.EXTD */
	bool enabled;			/* IA32_APIC_BASE.EN */
	u32 tpr, svr, ldr, dfr, esr;
	u32 lvt[7];			/* CMCI(0x2f0), timer..error (0x320-0x370) */
	u32 icr_hi;
	u32 irr[8], isr[8], tmr[8];
	/* Timer */
	u32 initial, divide_cfg;
	u64 start;			/* TSC when the count was loaded */
	u64 deadline;			/* next expiry in TSC, 0 = not armed */
	u64 tsc_deadline;		/* IA32_TSC_DEADLINE */
	struct vlapic_ipi ipi;		/* taken (and cleared) by the caller */
	int level_eoi;			/* EOI of a level vector, for the
					 * caller to tell the I/O APIC; -1 */
	/* Counters */
	u64 timer_fires, injected, eois, self_ipis, bad_writes;
	u64 direct_fires;		/* of timer_fires: delivered by the
					 * hardware (ELI, vmx/eli/timer.h) */
};

/*
 * The shortest period the periodic timer interrupts at, in TSC ticks
 * (0: none). A real APIC counts down at the bus clock, so an initial count
 * of 1 asks for an interrupt every few nanoseconds; the CPU merges what it
 * cannot take into one IRR bit. tern must look at each period it delivers
 * (an exit), so it keeps periods at VLAPIC_MIN_PERIOD_NS or more, and the
 * ones that would fall between are merged as the IRR would merge them.
 * Reads of the current count still follow the programmed period.
 * 20 us (50 kHz) is above any rate a guest has a use for (HZ ticks are at
 * most a few kHz, audio-rate timer tricks 44.1 kHz) and bounds tern's cost
 * for a guest that asks for more to an exit or two per 20 us. Set once,
 * from the TSC rate, before any vCPU runs.
 */
#define VLAPIC_MIN_PERIOD_NS	20000
extern u64 vlapic_min_period;

void vlapic_reset(struct vlapic *l, u32 id);
#define VLAPIC_REG_TPR		0x080	/* task priority (SDM 3A table 11-1); CR8 */

/* Register read/write by xAPIC offset (0x20, 0x80, ...). false: #GP for
 * MSR access / ignored for MMIO (reserved or read-only register). */
bool vlapic_read(struct vlapic *l, u32 off, u64 now, u64 *val);
bool vlapic_write(struct vlapic *l, u32 off, u64 val, u64 now);
void vlapic_write_tsc_deadline(struct vlapic *l, u64 val, u64 now);
/* Raise the timer if due; returns the next deadline (TSC) or 0. */
u64 vlapic_poll(struct vlapic *l, u64 now);
/*
 * The expiry at l->deadline reached the guest without the virtual APIC
 * (ELI's timer on the hardware, vmx/eli/timer.h; possibly a little before
 * the deadline, the hardware counting at its own clock): the timer moves
 * on as vlapic_poll() would move it, and nothing is raised.
 */
void vlapic_timer_delivered(struct vlapic *l, u64 now);
/*
 * ELI's passed-through TSC deadline (vmx/eli/timer.h): in guest mode the
 * guest wrote IA32_TSC_DEADLINE on the hardware, unseen. At the exit the
 * virtual timer takes over. hw is what the hardware held (guest TSC),
 * read at `read`, before the hardware timer was stopped at `stopped`: 0
 * after an expiry (SDM 3A 11.5.4.1 clears it) or a disarm; a past value
 * where the hardware keeps it after firing (Bochs). raised: an expiry
 * came but was not taken (tern took it on the hardware), injected here
 * once. Not raised, a value passed when read reached the guest; one ahead
 * when read never fired there (the stop came first) and stays armed here,
 * even if it has passed since. Returns the expiries that reached the
 * guest directly as far as tern can tell (0 or 1: earlier ones in the
 * stint left no trace).
 */
u32 vlapic_tsc_deadline_sync(struct vlapic *l, u64 hw, bool raised, u64 read, u64 stopped);
/* The periodic timer's interrupt period (TSC ticks), 0 in other modes. */
u64 vlapic_timer_period(const struct vlapic *l);
/*
 * The deadline (TSC) the vCPU must leave guest mode for, or 0: none while
 * the timer is masked (its count is computed when read) or while its
 * vector still waits in the IRR (another expiry would merge into it, as
 * on hardware); vlapic_poll() then catches up whenever it runs.
 */
static inline u64 vlapic_timer_wakeup(const struct vlapic *l)
{
	u32 lvt = l->lvt[1], vec = lvt & 0xff;

	if (!l->deadline || (lvt & LVT_MASK) ||
	    (__atomic_load_n(&l->irr[vec / 32], __ATOMIC_RELAXED) & BIT(vec % 32)))
		return 0;
	return l->deadline;
}

/* Highest pending vector above the processor priority, or -1. */
int vlapic_pending(const struct vlapic *l);
/* The vector was injected: IRR -> ISR. */
void vlapic_ack(struct vlapic *l, int vector);
/*
 * Whether this APIC is a destination of the IPI (shorthand, physical or
 * logical flat/cluster destination, broadcast; SDM 3A 11.6.2-11.6.3 and
 * 11.12.10 for x2APIC). is_sender: this APIC sent it.
 */
bool vlapic_accepts(const struct vlapic *l, const struct vlapic_ipi *ipi, bool is_sender);
/* Any core may raise a vector in another vCPU's APIC. */
void vlapic_set_irr(struct vlapic *l, int vector);
/* The same for an I/O APIC message: level sets the vector's TMR bit. */
void vlapic_accept(struct vlapic *l, int vector, bool level);

#endif
