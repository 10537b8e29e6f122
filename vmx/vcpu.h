/* SPDX-License-Identifier: GPL-2.0 */
/* A virtual CPU: its VMCS, registers, counters; it runs on one core. */
#ifndef TERN_VMX_VCPU_H
#define TERN_VMX_VCPU_H

#include "core/cpu.h"
#include "core/timer.h"
#include "core/types.h"
#include "core/vdev/bus.h"
#include "core/vdev/vlapic.h"
#include "vmx/cpuid.h"
#include "vmx/eli/eli.h"
#include "vmx/guest_regs.h"
#include "vmx/vmcs.h"

struct vm;

enum vcpu_boot {
	VCPU_BOOT_MULTIBOOT = 0,
	VCPU_BOOT_LINUX64,
};

enum vcpu_state {
	VCPU_IDLE = 0,
	VCPU_RUNNING,
	VCPU_HALTED,		/* HLT with nothing to wake it yet */
	VCPU_PARKED,		/* an EPT fault waits for asynchronous work */
	VCPU_WAIT_SIPI,		/* an AP before its start-up IPI */
	VCPU_STOPPED,
	VCPU_FAILED,
};

struct vcpu_stats {
	u64 exits[EXIT_REASON_MAX + 1];	/* last slot: reasons beyond the table */
	u64 exits_total;
	u64 tsc_guest;			/* ticks spent in guest mode */
	u64 tsc_tern;			/* ticks handling exits */
	u64 tsc_halted;			/* ticks in HLT with nothing to deliver,
					 * or waiting for a start-up IPI */
	u64 gp_injected;
	u64 ud_injected;		/* #UD for VMX instructions (no VMX shown) */
	u64 interrupts_injected;
	u64 nmis_injected;
	u64 inits;			/* INITs that reset the running vCPU */
	u64 reinjected;			/* events an exit interrupted */
	u64 string_elements;		/* MOVS/STOS/LODS elements emulated */
	u64 ram_emulated;		/* instructions performed into RAM pages (the Preventer) */
	u64 exceptions_reflected;	/* exception exits given back (vm_features) */
	u64 host_nmis;			/* NMIs that arrived in guest mode */
	u64 desc_table_exits;		/* LGDT...STR emulated (ELI VMs) */
};

struct vcpu {
	struct vm *vm;
	u32 id;
	u32 cpu;			/* the physical core it owns */
	u16 vpid;
	volatile u32 state;		/* enum vcpu_state */
	/* Posted by any core (vmx/vcpu_request.h), taken by the vCPU's own. */
	volatile u64 requests;
	volatile u8 req_sipi_vector;	/* VCPU_REQ_SIPI's vector */
	bool launched;
	u64 vmcs_pa;
	u64 vmxon_pa;
	struct guest_regs regs;
	/* Start state: multiboot (32-bit protected mode, paging off, EAX/EBX)
	 * or Linux (64-bit mode, identity paging at boot_cr3, RSI). */
	u32 boot_kind;			/* enum vcpu_boot */
	u64 entry_rip;
	u32 boot_eax, boot_ebx;
	u64 boot_rsi, boot_cr3, boot_gdt;
	/* Last exit, for `vm regs` and the triple-fault dump. */
	u32 exit_reason;
	u64 exit_qual;
	u64 rip, rsp, rflags, cr0, cr3, cr4, efer;
	struct vcpu_stats stats;
	/* The counters at the guest's two marks (HC_MARK, vmx/exit.h). */
	struct vcpu_stats mark[GUEST_MARKS];
	struct vdev_hit io_hit, mmio_hit;	/* last device reached (bus.h) */
	struct vlapic lapic;
	struct timer lapic_timer;	/* host timer for the guest's next deadline */
	u64 lapic_timer_at;		/* the deadline (TSC) it is armed for */
	u32 proc_controls;		/* as written, to toggle window exiting */
	u32 proc2_controls;
	struct cpuid_facts cpuid;	/* for its CPUID exits (vmx/cpuid.h) */
	u64 apic_base;			/* its xAPIC page (IA32_APIC_BASE) */
	u64 tsc_offset;			/* guest TSC = host TSC + this (VMCS too) */
	u64 tsc_adjust;			/* IA32_TSC_ADJUST as the guest sees it */
	bool has_tsc_adjust;		/* CPUID shows IA32_TSC_ADJUST */
	u64 cr4_allowed;		/* CR4 bits it may set (vmx/arch_rules.h) */
	u32 maxphyaddr;
	bool nx;			/* EFER.NXE allowed */
	u64 xcr0;			/* the guest's, as it set it (XSETBV) */
	bool preempt_timer;		/* VMX-preemption timer in use */
	u32 preempt_shift;		/* it ticks at TSC >> this */
	u64 preempt_slice;		/* the longest run, in its ticks */
	u64 preempt_value;		/* last written to the VMCS */
	bool skip_reinject;		/* after INIT: nothing to deliver again */
	bool virtual_nmis;		/* the CPU tracks guest NMI blocking:
					 * NMI-window exiting is available */
	struct eli_vcpu eli;		/* vmx/eli/eli.h */
};

/* The guest's TSC now: what RDTSC gives it, and the virtual APIC's clock
 * (its TSC-deadline values are the guest's). */
static inline u64 guest_tsc(const struct vcpu *v)
{
	return rdtsc() + v->tsc_offset;
}

/* Run on the vCPU's own core until it stops; called from its idle loop. */
void vcpu_run(struct vcpu *v);
/* Snapshot the guest state into v (on the vCPU's core). */
void vcpu_save_state(struct vcpu *v);
/* Drop the guest's cached linear translations (on v's core). */
void vcpu_flush_vpid(struct vcpu *v);
/* A processor-based control on or off (v's VMCS loaded: its core). */
void vcpu_set_proc_control(struct vcpu *v, u32 bit, bool on);
/* Make v's core look at it now (exit the guest, or leave HLT). */
void vcpu_kick(struct vcpu *v);

#endif
