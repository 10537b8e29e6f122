// SPDX-License-Identifier: GPL-2.0
/*
 * ELI's exitless IPIs between a VM's vCPUs (ipi.h): the vectors claimed
 * on the VM's cores, the physical send, and tern's handler for an IPI
 * that lands while tern runs.
 */
#include "core/log.h"
#include "core/percpu.h"
#include "core/vdev/vplatform.h"
#include "core/vm/vm.h"
#include "irq/irq.h"
#include "irq/lapic.h"
#include "vmx/eli/eli.h"
#include "vmx/eli/ipi.h"
#include "vmx/vcpu.h"

/*
 * The guest's IPI came while tern ran on the target's core: after an
 * exit, in its halt, in injection mode (interrupts exit), or through a
 * hidden gate (#NP reflection). The virtual APIC takes it and injects
 * it; this is the target's own core, so its run loop looks before the
 * next entry, and a halt wakes on the interrupt itself.
 */
static void ipi_in_tern(struct regs *r, void *arg)
{
	struct vcpu *v = arg;

	__atomic_add_fetch(&v->vm->eli.stats.ipi_in_tern, 1, __ATOMIC_RELAXED);
	vlapic_accept(&v->lapic, (int)(r->vector & 0xff), false);
}

/* vec on every core of the VM, or on none: why not. e->lock held. */
static const char *claim_all(struct vm *vm, u8 vec)
{
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (irq_claim_ipi_vector(v->cpu, vec, ipi_in_tern, v, vm->name) >= 0)
			continue;
		while (i--)
			irq_free_vector(vm->vcpus[i].cpu, vec);
		return "tern uses it on a core of the VM";
	}
	return NULL;
}

/* The first IPI with vec: the guest's on every core from now on, with a
 * present gate in the shadow (every vCPU resyncs), or virtual for good. */
static bool adopt(struct vm *vm, u8 vec)
{
	struct eli_vm *e = &vm->eli;
	const char *why = NULL;
	bool ok;
	u64 pf, f;

	/* The platform lock first (its order before e->lock): a route of
	 * an assigned function through tern may hold the vector on one of
	 * the VM's cores and move (irq/irq.h). From the sender's exit,
	 * which holds no lock. */
	pf = vplat_lock(vm);
	f = spin_lock_irqsave(&e->lock);
	if (!vec_set_has(&e->ipi, vec) && !vec_set_has(&e->ipi_refused, vec)) {
		why = eli_ipi_vector_refusal(vec, &e->device, &e->timer);
		if (!why)
			why = claim_all(vm, vec);
		if (why) {
			vec_set_add(&e->ipi_refused, vec);
			e->ipi_why = why;
			e->ipi_why_vec = vec;
		} else {
			vec_set_add(&e->ipi, vec);
			__atomic_add_fetch(&e->gen, 1, __ATOMIC_RELEASE);
		}
	}
	ok = vec_set_has(&e->ipi, vec);
	spin_unlock_irqrestore(&e->lock, f);
	vplat_unlock(vm, pf);
	if (why)
		pr_info("vm %s: ELI: IPI vector %#x stays virtual: %s", vm->name, vec, why);
	else if (ok)
		pr_info("vm %s: ELI: IPI vector %#x goes on the hardware", vm->name, vec);
	return ok;
}

bool eli_ipi_send(struct vcpu *from, struct vcpu *to, u8 vec)
{
	struct vm *vm = to->vm;
	struct eli_vm *e = &vm->eli;

	if (e->setting == ELI_CFG_OFF || vm->cfg.eli_ipi != CONFIG_ELI_IPI_DIRECT || from == to)
		return false;
	if (!vec_set_has(&e->ipi, vec) &&
	    (vec_set_has(&e->ipi_refused, vec) || !adopt(vm, vec)))
		return false;
	/* On the hardware the guest's TPR is not the core's: a vector it
	 * holds back waits in the virtual APIC instead. */
	if (eli_ipi_tpr_holds(vec, to->lapic.tpr)) {
		__atomic_add_fetch(&e->stats.ipi_tpr, 1, __ATOMIC_RELAXED);
		return false;
	}
	__atomic_add_fetch(&e->stats.ipi_direct, 1, __ATOMIC_RELAXED);
	lapic_send_ipi(cpus[to->cpu]->apic_id, vec);
	return true;
}

void eli_ipi_release(struct vm *vm)
{
	struct eli_vm *e = &vm->eli;

	for (int vec = vec_set_highest(&e->ipi); vec >= 0; vec = vec_set_highest(&e->ipi)) {
		/* Only what is still ours: the core may serve another VM
		 * already, whose claim this is not. */
		for (u32 i = 0; i < vm->nvcpus; i++)
			if (irq_vector_held_by(vm->vcpus[i].cpu, (u32)vec, ipi_in_tern, &vm->vcpus[i]))
				irq_free_vector(vm->vcpus[i].cpu, (u32)vec);
		vec_set_del(&e->ipi, (u8)vec);
	}
}
