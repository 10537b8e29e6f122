/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ELI's exitless IPIs between a VM's own vCPUs (thesis 3.9, "beyond the
 * thesis"; issue #10 item 9; tern.cfg eli_ipi = direct, the default).
 *
 * The sender's ICR write still exits: tern must see where it goes (the
 * virtual APIC decodes and sanitizes it; a destination is a vCPU of the
 * same VM, never a core outside it). What no longer exits is the
 * receiver: instead of raising the vector in the target's virtual APIC
 * and kicking its core, tern sends a physical IPI with the guest's own
 * vector to the target's core. The vector has a present gate in the
 * shadow IDT, so a target running in direct mode takes it in its own
 * handler and completes it with the passed-through EOI, like a device
 * interrupt. Wherever else it lands (the target exited, is halted in
 * tern, in injection mode, or its gate was refused) tern's handler for
 * the vector on that core raises it in the virtual APIC, which injects
 * it: one delivery either way.
 *
 * That needs the vector to be the guest's alone on every core of the VM:
 * claimed there the first time the guest sends it (irq_claim_vector; all
 * cores or none), and given back when the VM stops. A vector tern or a
 * device of the VM uses, a self-IPI, a target whose task priority holds
 * the vector back, and every mode but fixed and lowest priority stay
 * virtual, as before. `vm stats` names the vectors that stay virtual and
 * why.
 */
#ifndef TERN_VMX_ELI_IPI_H
#define TERN_VMX_ELI_IPI_H

#include "core/types.h"
#include "vmx/eli/vec_set.h"

struct vcpu;
struct vm;

/*
 * An IPI from `from` (a vCPU of the VM) to `to`, another, fixed or lowest
 * priority, edge: true if it went on the hardware (the caller does nothing
 * more), false if the caller must deliver it virtually.
 */
bool eli_ipi_send(struct vcpu *from, struct vcpu *to, u8 vec);
/* The VM stopped: its IPI vectors go back to tern on every core. */
void eli_ipi_release(struct vm *vm);

/* Pure (host-tested): why vector vec cannot be the guest's IPI vector on
 * its cores given the VM's device and timer vectors, or NULL. */
const char *eli_ipi_vector_refusal(u8 vec, const struct vec_set *device,
				   const struct vec_set *timer);
/* Pure: whether the target's task priority holds vec back (SDM 3A
 * 11.8.3.1), so that it must wait in the virtual APIC. */
bool eli_ipi_tpr_holds(u8 vec, u32 tpr);

#endif
