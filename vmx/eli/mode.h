/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ELI's injection-mode state machine, per vCPU.
 *
 * DIRECT: the guest runs with the shadow IDT, external-interrupt exiting
 * off and the x2APIC EOI MSR passed through: its devices' interrupts and
 * their EOIs never exit.
 * INJECTION: the guest runs with its own IDT, external-interrupt exiting
 * on and EOI writes trapped: needed while a virtual interrupt (one tern
 * injects) is in service, since its EOI is tern's to emulate and must not
 * reach the physical local APIC.
 *
 * Priority follows the local APIC (SDM 3A 11.8.3): an interrupt is taken
 * only if its class (vector >> 4) is above that of the highest vector in
 * service, and an EOI completes the highest vector in service (11.8.5).
 * The guest's TPR and RFLAGS.IF are the virtual APIC's business, not this.
 *
 * Pure: each event returns what the caller must do (flags below); the
 * caller loads the IDTR, sets the controls, opens or closes the EOI MSR.
 */
#ifndef TERN_VMX_ELI_MODE_H
#define TERN_VMX_ELI_MODE_H

#include "core/types.h"
#include "vmx/eli/vec_set.h"

enum eli_mode {
	ELI_DIRECT,
	ELI_INJECTION,
};

/* What to do; combinations as returned. */
#define ELI_ACT_TO_INJECTION	BIT(0)	/* guest IDT, ext-int exiting on, trap EOI */
#define ELI_ACT_TO_DIRECT	BIT(1)	/* shadow IDT, ext-int exiting off, pass EOI */
#define ELI_ACT_INJECT		BIT(2)	/* inject the vector offered */
#define ELI_ACT_WAIT		BIT(3)	/* keep it pending: a higher one is in service */
#define ELI_ACT_VIRT_EOI	BIT(4)	/* complete .vector in the virtual APIC */
#define ELI_ACT_PHYS_EOI	BIT(5)	/* write the physical EOI (.count times) */
#define ELI_ACT_RETRY		BIT(6)	/* offer the waiting vectors again */
#define ELI_ACT_REFUSED		BIT(7)	/* not safe: nothing changed */

struct eli_action {
	u32 flags;
	u8 vector;
	u8 count;
};

struct eli_mode_state {
	enum eli_mode mode;
	/* In service as far as the guest knows, whose EOI is tern's: the
	 * virtual interrupts injected, and assigned ones tern completed on
	 * the physical APIC when it took the core back (eli_mode_reclaim). */
	struct vec_set isr;
	struct vec_set waiting;		/* offered, held back by priority */
	u64 entries, exits;		/* into and out of injection mode */
	u64 deferred, reclaimed, forced, discarded;
};

void eli_mode_init(struct eli_mode_state *s);

/*
 * Tern is about to inject virtual interrupt v. assigned_isr: the guest's
 * device vectors the physical ISR shows in service (in DIRECT mode the
 * guest may not have EOI'd them yet). If v may not be delivered below
 * them, it waits, and the state goes to INJECTION anyway: in DIRECT the
 * EOI that would unblock it goes straight to the hardware, unseen.
 */
struct eli_action eli_mode_virtual_intr(struct eli_mode_state *s, u8 v,
					const struct vec_set *assigned_isr);

/*
 * A trapped EOI write (INJECTION only: in DIRECT the hardware takes it,
 * and a call here is answered with PHYS_EOI, the write the guest made).
 * Completes the highest vector in service, virtual or physical.
 */
struct eli_action eli_mode_eoi(struct eli_mode_state *s, const struct vec_set *assigned_isr);

/*
 * Tern takes the core back (to block or run host work) with assigned
 * interrupts in service: it must EOI them on the physical APIC now so
 * that its own interrupts below them are not held back (SDM 3A 11.8.3),
 * and owes the guest their EOIs: they join isr and the state goes to
 * INJECTION until the guest has completed them (thesis 3.7.2).
 */
struct eli_action eli_mode_reclaim(struct eli_mode_state *s, const struct vec_set *assigned_isr);

/*
 * A guest that never EOIs keeps the vCPU in INJECTION. Going back to
 * DIRECT is safe only with nothing in service that is tern's to complete:
 * otherwise the guest's late EOI would reach the physical APIC and end one
 * of its device interrupts early. With discard, tern drops those (the
 * guest only harms itself; tern's own interrupts are never in service in
 * guest mode) and the caller clears them from the virtual APIC too.
 */
struct eli_action eli_mode_force_direct(struct eli_mode_state *s, bool discard);

#endif
