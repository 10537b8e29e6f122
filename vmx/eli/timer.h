/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ELI's exitless guest timer (thesis 3.9, "beyond the thesis"; issue #10
 * item 9). While a vCPU is live in direct mode, the guest's local APIC
 * timer goes on the hardware for each stint in guest mode: before the
 * entry, tern lends its core's local APIC timer (core/timer.h) with the
 * guest's vector and the virtual timer's next expiry; the vector has a
 * present gate in the shadow IDT, so the interrupt reaches the guest's
 * handler with no exit, and its EOI (the passed-through x2APIC EOI) the
 * hardware. Right after the exit, before anything else, tern takes the
 * timer back and tells the virtual APIC what happened (timer_rules.h):
 * delivered (the virtual timer moves on, nothing injected), not fired
 * (the virtual APIC keeps the expiry), or raised but not taken (tern's
 * handler for the vector takes it when interrupts are next on, and the
 * virtual APIC raises it again, injected). Exactly one delivery each way.
 *
 * A guest timer in TSC-deadline mode (Linux's, where the CPU has it) is
 * lent in that mode, armed or not, with IA32_TSC_DEADLINE passed through
 * in the vCPU's MSR bitmap: the guest's arm is a plain WRMSR on the
 * hardware, no exit, and a tickless kernel's ticks cost no exit at all.
 * At the exit tern reads the MSR back and hands it to the virtual APIC
 * (vlapic_tsc_deadline_sync): still ahead, armed there; passed with its
 * interrupt raised but not taken, injected; passed and taken, counted
 * (only the stint's last expiry leaves that trace). The hardware compares
 * the value with its own TSC, so this needs the guest's TSC to be the
 * host's (no offset: a guest that wrote IA32_TSC keeps the trapped arm).
 *
 * What stays for the other modes: arming the timer is a trapped WRMSR
 * or APIC write; a periodic timer is lent one period
 * at a time, and guest mode ends half a period after each lent expiry to
 * lend the next. tern's own timers on the core are served by the
 * VMX-preemption timer meanwhile (timer_next_deadline).
 *
 * Not lent (the virtual interrupt is injected as before, and `vm stats`
 * says why): eli_timer = inject, injection mode, the one-step entries,
 * a vector tern uses on the core or a device of the VM uses, a masked
 * timer, the guest's TPR holding the vector back.
 */
#ifndef TERN_VMX_ELI_TIMER_H
#define TERN_VMX_ELI_TIMER_H

#include "core/types.h"

struct vcpu;

/*
 * The last thing before an entry, interrupts off: at is the virtual
 * timer's next expiry the entry would end guest mode for (guest TSC;
 * vlapic_timer_wakeup()), 0 none. Returns the guest TSC guest mode must
 * still end at: at itself when the timer is not lent.
 */
u64 eli_timer_enter(struct vcpu *v, u64 at);
/* First thing after the exit, interrupts off. */
void eli_timer_exit(struct vcpu *v);
/* A change of the guest's TSC deadline, for `vm regs` (before, after;
 * a trapped WRMSR's exit or the stint's). */
void eli_tscd_note(struct vcpu *v, u64 before, u64 after, u16 exit, u8 raised);
/* The vCPU stops on its core: its vector goes back to tern. */
void eli_timer_stop(struct vcpu *v);

#endif
