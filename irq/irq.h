/* SPDX-License-Identifier: GPL-2.0 */
/* Interrupt and exception entry, and per-core vector ownership. */
#ifndef TERN_IRQ_IRQ_H
#define TERN_IRQ_IRQ_H

#include "core/types.h"

/* Register frame built by irq/entry.S; layout must match it. */
struct regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

typedef void (*irq_handler_t)(struct regs *r, void *arg);

/*
 * A tern user of a vector that can move to another (ELI: a guest claims
 * the vector; thesis 3.5.3): repoint its source (an I/O APIC entry, an
 * MSI or its interrupt-remapping entry) from vector `from` to `to` on that
 * core, already allocated to it. 0 done; else it stays (e.g. a level
 * interrupt in flight). Called with the claimant's locks held (the VM's
 * platform lock: the only movable users on a VM's cores are its own
 * assigned functions' routes through tern).
 */
typedef int (*irq_move_fn)(void *arg, u32 cpu, u32 from, u32 to);

struct irq_slot {
	irq_handler_t fn;
	void *arg;
	const char *owner;
	irq_move_fn move;		/* NULL: not movable */
	u64 count;
};

/*
 * Fixed vectors, the same on every core. Device vectors are allocated per
 * core from [VEC_DYN_FIRST, VEC_DYN_LAST]. ELI gives a guest the vector it
 * programmed for its device or timer on the guest's own core (up to
 * VEC_DYN_LAST), and the vectors of its IPIs on its cores (up to
 * VEC_CLAIM_LAST, vmx/eli/ipi.h), when tern does not use them there; so
 * ownership is tracked per core. tern's fixed vectors sit in 0xf0-0xf3:
 * the highest priority class, above every guest device and timer vector,
 * and not where Linux puts the IPIs a guest sends (0xf4-0xfe: reschedule
 * 0xfd, call-function 0xfc and 0xfb, reboot 0xf8, irq-work 0xf6; 0xf0-0xf2
 * are its posted-interrupt vectors, used only by a KVM host). A guest IPI
 * it has in service (same class) holds them back until its EOI, or the
 * exit that ends the stint (the VMX-preemption timer's at the latest),
 * where tern completes it for the guest (vmx/eli/eli.h).
 */
#define VEC_EXCEPTIONS_END	32
#define VEC_DYN_FIRST		0x30
#define VEC_DYN_LAST		0xef
#define VEC_HALT		0xf0	/* stop this core */
#define VEC_KICK		0xf1	/* make a guest core look at its vCPU */
#define VEC_TIMER		0xf2	/* local APIC timer */
#define VEC_CALL		0xf3	/* cross-CPU function call */
#define VEC_FIXED_FIRST		VEC_HALT
#define VEC_FIXED_LAST		VEC_CALL
#define VEC_CLAIM_LAST		0xfe
#define VEC_SPURIOUS		0xff

/* Exception numbers (SDM 3A 6.3.1) */
#define EXC_DE	0
#define EXC_DB	1
#define EXC_NMI	2
#define EXC_BP	3
#define EXC_UD	6
#define EXC_NM	7
#define EXC_DF	8
#define EXC_TS	10
#define EXC_NP	11
#define EXC_SS	12
#define EXC_GP	13
#define EXC_PF	14
#define EXC_MC	18

void idt_init_cpu(void *idt_page);
void idt_load(void *idt_page);

/* Claim a fixed vector on the current core. */
void irq_set_handler(u32 vector, irq_handler_t fn, void *arg, const char *owner);
/* Allocate a free dynamic vector on a core; -1 if none is left. */
int irq_alloc_vector(u32 cpu, irq_handler_t fn, void *arg, const char *owner);
/* The same for a user that moves when a claim wants its vector. */
int irq_alloc_vector_movable(u32 cpu, irq_handler_t fn, void *arg, const char *owner,
			     irq_move_fn move);
void irq_free_vector(u32 cpu, u32 vector);
/* Claim exactly vector v on a core (ELI: the vector a guest programmed
 * for its device or timer), up to VEC_DYN_LAST; a movable user of it is
 * moved first (to a free vector of the same priority class where there is
 * one); -1 if tern uses it there and cannot move, or it is an exception
 * or above. */
int irq_claim_vector(u32 cpu, u32 v, irq_handler_t fn, void *arg, const char *owner);
/* The same for a guest's IPI vector (vmx/eli/ipi.h): up to VEC_CLAIM_LAST,
 * never a fixed vector. */
int irq_claim_ipi_vector(u32 cpu, u32 v, irq_handler_t fn, void *arg, const char *owner);
/* Whether v on that core is still the claim of handler fn with arg. */
bool irq_vector_held_by(u32 cpu, u32 v, irq_handler_t fn, const void *arg);

void irq_dispatch(struct regs *r);
void exception_handle(struct regs *r);
const char *exception_name(u32 vector);

/* Used by the `selftest` command: fault on purpose on this core. */
void exception_selftest_ud(void);

#endif
