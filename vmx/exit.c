// SPDX-License-Identifier: GPL-2.0
/*
 * The exit table and its dispatch, with the handlers too small to deserve
 * a file. Each handler either finishes the guest instruction (advancing
 * RIP by the exit's instruction length), injects an exception, or stops
 * the VM with a reason the operator sees in `vm list`. The policies live
 * with their mechanisms: CPUID (vmx/cpuid.h), MSRs (vmx/msr.c), control
 * registers (vmx/cr.c), MMIO emulation (vmx/emul/mmio.c).
 */
#include "core/cpu.h"
#include "core/log.h"
#include "core/vdev/vdev.h"
#include "core/vdev/vlapic.h"
#include "core/vm/vm.h"
#include "vmx/cpuid.h"
#include "vmx/eli/eli.h"
#include "vmx/emul/desc_table.h"
#include "vmx/emul/mmio.h"
#include "vmx/exit.h"
#include "vmx/guest_state.h"
#include "vmx/msr.h"
#include "vmx/vcpu_request.h"
#include "vmx/vmx_msr.h"
#include "vmx/vmx_ops.h"
#include "vmx/xsave.h"

typedef int (*exit_handler_t)(struct vcpu *v, u64 qual);

/*
 * CPUID: the host's answer through tern's policy (vmx/cpuid.h). Guest CR4
 * and the APIC's state are looked at only for leaf 1, which mirrors them.
 */
static int h_cpuid(struct vcpu *v, u64 qual)
{
	u32 leaf = (u32)v->regs.rax, sub = (u32)v->regs.rcx, state = 0;
	struct cpuid_regs r;

	(void)qual;
	if (!cpuid_leaf_is_tern(leaf))
		cpuid_count(leaf, sub, &r.a, &r.b, &r.c, &r.d);
	if (leaf == 1)
		state = (vmread(VMCS_GUEST_CR4) & CR4_OSXSAVE ? CPUID_STATE_OSXSAVE : 0) |
			(v->lapic.enabled ? CPUID_STATE_APIC_ON : 0);
	cpuid_filter(leaf, sub, &v->cpuid, state, &r);
	v->regs.rax = r.a;
	v->regs.rbx = r.b;
	v->regs.rcx = r.c;
	v->regs.rdx = r.d;
	skip_instruction();
	return EXIT_RESUME;
}

/* XSETBV (SDM 2B): XCR0 only, a combination the CPU supports. */
static int h_xsetbv(struct vcpu *v, u64 qual)
{
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;

	(void)qual;
	if ((u32)v->regs.rcx != 0 || !xcr0_valid(val, xsave_guest_mask())) {
		inject_gp(v);
		return EXIT_RESUME;
	}
	xsetbv(0, val);
	v->xcr0 = val;
	skip_instruction();
	return EXIT_RESUME;
}

static int h_vmcall(struct vcpu *v, u64 qual)
{
	(void)qual;
	switch (v->regs.rax) {
	case HC_NOP:
		v->regs.rax = 0;
		break;
	case HC_VCPU_ID:
		v->regs.rax = v->id;
		break;
	case HC_EXITS:
		/* The preemption timer's are tern's slices, not the guest's. */
		v->regs.rax = v->stats.exits_total - v->stats.exits[EXIT_PREEMPTION_TIMER];
		break;
	case HC_ELI_STATE:
		if (v->eli.live)
			v->regs.rax = v->eli.mode.mode == ELI_DIRECT ? 1 : 2;
		else
			v->regs.rax = v->vm->eli.setting == ELI_CFG_OFF || v->eli.gave_up ? 3 : 0;
		break;
	case HC_EXITS_ALL:
		v->regs.rax = v->stats.exits_total;
		break;
	case HC_GUEST_TSC:
		/* Up to this exit: the time in guest mode so far. */
		v->regs.rax = v->stats.tsc_guest;
		break;
	case HC_MARK:
		if (v->regs.rbx >= GUEST_MARKS) {
			v->regs.rax = HC_ENOSYS;
			break;
		}
		v->mark[v->regs.rbx] = v->stats;
		v->vm->eli.mark[v->regs.rbx] = v->vm->eli.stats;
		v->regs.rax = 0;
		break;
	case HC_ELI_KICK:
		eli_self_kick(v);
		v->regs.rax = v->eli.live ? 0 : HC_ENOSYS;
		break;
	default:
		v->regs.rax = HC_ENOSYS;
	}
	skip_instruction();
	return EXIT_RESUME;
}

static int h_io(struct vcpu *v, u64 q)
{
	struct vm *vm = v->vm;
	u32 size = IO_SIZE(q), port = IO_PORT(q);
	u32 mask = size == 4 ? 0xffffffff : (1U << (8 * size)) - 1;

	if (q & IO_STRING)
		return vmx_emulate_string_io(v, q);
	if (q & IO_IN) {
		u32 val = vdev_io_in(&vm->bus, &v->io_hit, &vm->io_unclaimed, port, size) & mask;

		v->regs.rax = (v->regs.rax & ~(u64)mask) | val;
	} else {
		vdev_io_out(&vm->bus, &v->io_hit, &vm->io_unclaimed, port, size,
			    (u32)v->regs.rax & mask);
	}
	skip_instruction();
	/* The exit port, a reset, S5: the device stopped the VM. */
	return vcpu_stopping(v) ? EXIT_STOP : EXIT_RESUME;
}

static int h_hlt(struct vcpu *v, u64 qual)
{
	(void)qual;
	skip_instruction();
	/* The run loop sleeps until the virtual APIC has an interrupt the
	 * guest can take, or `vm stop`. */
	v->state = VCPU_HALTED;
	return EXIT_RESUME;
}

/*
 * Exception or NMI exit. An NMI that arrived in guest mode (NMI exiting is
 * on) is counted and the guest resumes. An exception exits only when the
 * VM's features put its vector in the exception bitmap (vmx/controls.h):
 * unless a feature's handler takes it, it goes back to the guest as the
 * CPU would have delivered it. One raised while delivering another event
 * would need the double-fault rules: the VM is stopped instead, named.
 */
static int h_exception_nmi(struct vcpu *v, u64 q)
{
	u32 info = (u32)vmread(VMCS_EXIT_INTR_INFO);
	u32 vec = info & 0xff;

	(void)q;
	if ((info & INTR_INFO_VALID) && (info & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI) {
		v->stats.host_nmis++;
		return EXIT_RESUME;
	}
	/* ELI: a host interrupt on a hidden gate, or the guest's own #NP. */
	if (vec == X86_VEC_NP && (info & INTR_INFO_TYPE_MASK) == INTR_TYPE_HW_EXC &&
	    v->vm->eli.setting != ELI_CFG_OFF)
		return eli_exit_np(v, info);
	if ((info & INTR_INFO_VALID) && (info & INTR_INFO_TYPE_MASK) == INTR_TYPE_HW_EXC &&
	    (v->vm->features.exception_bitmap & BIT(vec)) &&
	    !(vmread(VMCS_IDT_VECTORING_INFO) & INTR_INFO_VALID)) {
		vmwrite(VMCS_ENTRY_INTR_INFO, info & ~INTR_INFO_UNDEFINED_12);
		if (info & INTR_INFO_DELIVER_CODE)
			vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, vmread(VMCS_EXIT_INTR_ERROR));
		v->stats.exceptions_reflected++;
		return EXIT_RESUME;
	}
	vcpu_save_state(v);
	vm_note_stop(v->vm, "unexpected exception exit (interruption info %#x) at RIP %#llx",
		     info, (unsigned long long)v->rip);
	return EXIT_STOP;
}

static int h_ext_int(struct vcpu *v, u64 q)
{
	/* Not acknowledged: the host takes it through its IDT once the run
	 * loop enables interrupts. */
	(void)v; (void)q;
	return EXIT_RESUME;
}

static int h_triple_fault(struct vcpu *v, u64 q)
{
	(void)q;
	vcpu_save_state(v);
	pr_err("vm %s: vcpu%u triple fault at RIP %#llx RSP %#llx CR0 %#llx CR3 %#llx CR4 %#llx EFER %#llx RFLAGS %#llx",
	       v->vm->name, v->id, (unsigned long long)v->rip, (unsigned long long)v->rsp,
	       (unsigned long long)v->cr0, (unsigned long long)v->cr3,
	       (unsigned long long)v->cr4, (unsigned long long)v->efer,
	       (unsigned long long)v->rflags);
	pr_err("vm %s: RAX %#llx RBX %#llx RCX %#llx RDX %#llx RSI %#llx RDI %#llx RBP %#llx",
	       v->vm->name, (unsigned long long)v->regs.rax, (unsigned long long)v->regs.rbx,
	       (unsigned long long)v->regs.rcx, (unsigned long long)v->regs.rdx,
	       (unsigned long long)v->regs.rsi, (unsigned long long)v->regs.rdi,
	       (unsigned long long)v->regs.rbp);
	vm_note_stop(v->vm, "triple fault at RIP %#llx", (unsigned long long)v->rip);
	return EXIT_STOP;
}

/*
 * What a local APIC register write left for the rest of the VM: an IPI to
 * deliver (APIC IDs are vCPU numbers, so nothing reaches another VM's
 * cores), or a level-triggered EOI for the I/O APIC.
 */
void lapic_events(struct vcpu *v)
{
	if (v->lapic.ipi.valid) {
		struct vlapic_ipi ipi = v->lapic.ipi;

		v->lapic.ipi.valid = false;
		vplat_deliver(v->vm, v, &ipi, false);
	}
	if (v->lapic.level_eoi >= 0) {
		u8 vec = (u8)v->lapic.level_eoi;

		v->lapic.level_eoi = -1;
		vplat_lapic_eoi(v->vm, vec);
	}
}

static int h_intr_window(struct vcpu *v, u64 q)
{
	/* The guest can take an interrupt (or NMI) now, or the preemption
	 * timer says a deadline came: the run loop polls and injects. */
	(void)v; (void)q;
	return EXIT_RESUME;
}

static int h_skip(struct vcpu *v, u64 q)
{
	(void)v; (void)q;
	skip_instruction();	/* WBINVD, INVD: nothing to do for tern */
	return EXIT_RESUME;
}

/*
 * A VMX instruction (or GETSEC) from the guest: CPUID hides VMX and SMX,
 * so it gets #UD, as on a CPU without them; RIP stays on the instruction.
 * VMCALL is not one of them here: it is tern's hypercall.
 */
static int h_ud(struct vcpu *v, u64 q)
{
	(void)q;
	inject_ud(v);
	return EXIT_RESUME;
}

static int h_entry_fail(struct vcpu *v, u64 q)
{
	vcpu_save_state(v);
	vm_note_stop(v->vm, "VM entry refused the guest state (qualification %llu)",
		     (unsigned long long)q);
	return EXIT_STOP;
}

static const exit_handler_t handlers[EXIT_REASON_MAX] = {
	[EXIT_EXCEPTION_NMI] = h_exception_nmi,
	[EXIT_EXTERNAL_INT] = h_ext_int,
	[EXIT_TRIPLE_FAULT] = h_triple_fault,
	[EXIT_INTR_WINDOW] = h_intr_window,
	[EXIT_NMI_WINDOW] = h_intr_window,
	[EXIT_CPUID] = h_cpuid,
	[EXIT_GETSEC] = h_ud,
	[EXIT_HLT] = h_hlt,
	[EXIT_INVD] = h_skip,
	[EXIT_VMCALL] = h_vmcall,
	[EXIT_VMCLEAR] = h_ud,
	[EXIT_VMLAUNCH] = h_ud,
	[EXIT_VMPTRLD] = h_ud,
	[EXIT_VMPTRST] = h_ud,
	[EXIT_VMREAD] = h_ud,
	[EXIT_VMRESUME] = h_ud,
	[EXIT_VMWRITE] = h_ud,
	[EXIT_VMXOFF] = h_ud,
	[EXIT_VMXON] = h_ud,
	[EXIT_CR_ACCESS] = vmx_exit_cr,
	[EXIT_IO] = h_io,
	[EXIT_RDMSR] = vmx_exit_rdmsr,
	[EXIT_WRMSR] = vmx_exit_wrmsr,
	[EXIT_ENTRY_BAD_GUEST] = h_entry_fail,
	[EXIT_ENTRY_BAD_MSR] = h_entry_fail,
	[EXIT_EPT_VIOLATION] = vmx_exit_ept_violation,
	[EXIT_INVEPT] = h_ud,
	[EXIT_INVVPID] = h_ud,
	[EXIT_VMFUNC] = h_ud,
	[EXIT_WBINVD] = h_skip,
	[EXIT_XSETBV] = h_xsetbv,
	[EXIT_PREEMPTION_TIMER] = h_intr_window,
	[EXIT_GDTR_IDTR] = vmx_exit_gdtr_idtr,
	[EXIT_LDTR_TR] = vmx_exit_ldtr_tr,
};

int vmx_handle_exit(struct vcpu *v)
{
	u32 reason = (u32)vmread(VMCS_EXIT_REASON);
	u32 basic = EXIT_REASON_BASIC(reason);
	u64 qual = vmread(VMCS_EXIT_QUALIFICATION);
	exit_handler_t h = basic < EXIT_REASON_MAX ? handlers[basic] : NULL;

	v->exit_reason = reason;
	v->exit_qual = qual;
	v->stats.exits_total++;
	v->stats.exits[basic < EXIT_REASON_MAX ? basic : EXIT_REASON_MAX]++;
	if (!h) {
		vcpu_save_state(v);
		vm_note_stop(v->vm, "unhandled exit %u (%s) at RIP %#llx", basic,
			     vmx_exit_name(basic), (unsigned long long)v->rip);
		return EXIT_STOP;
	}
	return h(v, qual);
}
