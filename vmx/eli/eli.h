/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ELI, exitless interrupts for assigned devices (Amit's thesis, ch. 3),
 * wired into the vCPU. The pure parts are beside this file: the shadow IDT
 * (shadow_idt.h), vector ownership and the #NP classification
 * (vectors.h), the injection-mode state machine (mode.h).
 *
 * A VM with eli = on or delivery:
 * - one of its assigned functions' memory BARs shows one page larger
 *   (core/vdev/pci/passthru.c), and tern backs that page, read-only in EPT,
 *   with the shadow IDT;
 * - descriptor-table exiting is on (LIDT must not reach the CPU, SIDT
 *   answers the guest's own IDTR: vmx/emul/desc_table.c), #NP exits;
 * - once the guest runs in 64-bit mode with its local APIC in x2APIC mode,
 *   has programmed a device interrupt and mapped the BAR in its kernel page
 *   tables, each vCPU goes DIRECT: the guest IDTR points at the shadow's
 *   linear address, external-interrupt exiting is off, and (eli = on) the
 *   x2APIC EOI MSR is open in the vCPU's own MSR bitmap. The device's
 *   interrupts reach the guest's handler and its EOI the physical APIC;
 *   every other vector hits a not-present gate, and its #NP exit is a host
 *   interrupt tern runs through its own handler;
 * - a virtual interrupt (COM1, virtio, a timer or IPI not on the
 *   hardware) switches the vCPU to INJECTION (guest IDT, external-interrupt
 *   exiting, EOI trapped) until the guest has EOI'd what tern injected.
 * - the guest's own local APIC timer goes on the hardware for each stint
 *   in direct mode, with no exit to deliver or complete it (timer.h).
 * - IPIs between its vCPUs go on the hardware with the guest's vector:
 *   the receiver takes and completes them with no exit (ipi.h).
 * If ELI cannot run, the VM runs as eli = off, and `vm stats` says why.
 */
#ifndef TERN_VMX_ELI_ELI_H
#define TERN_VMX_ELI_ELI_H

#include "core/spinlock.h"
#include "core/vm/config.h"
#include "core/types.h"
#include "mm/gpa.h"
#include "vmx/eli/mode.h"
#include "vmx/eli/vec_set.h"

/* tern.cfg eli = (core/vm/config.h); delivery is thesis fig. 3.1b. */
#define ELI_CFG_DEFAULT		CONFIG_ELI_DEFAULT
#define ELI_CFG_OFF		CONFIG_ELI_OFF
#define ELI_CFG_DELIVERY	CONFIG_ELI_DELIVERY
#define ELI_CFG_ON		CONFIG_ELI_ON

/* How many marks a guest can set (HC_MARK, vmx/exit.h): a window's ends. */
#define GUEST_MARKS		2

struct eli_stats {
	u64 activations;	/* vCPUs that went DIRECT the first time */
	u64 reflected;		/* host interrupts through #NP */
	u64 injections;		/* virtual interrupts injected while live */
	u64 inj_entries;	/* into injection mode */
	u64 inj_exits;		/* back to direct */
	u64 eoi_exits;		/* EOI writes that exited while live */
	u64 phys_eois;		/* of those, passed on to the physical APIC */
	u64 resyncs;		/* shadow rebuilt: guest IDT writes, LIDT, vectors */
	u64 idt_writes;		/* guest writes to its (protected) IDT */
	u64 cr3_exits;		/* MOV to CR3 checked while live */
	u64 true_np;		/* the guest's own #NP, re-injected */
	u64 guest_events;	/* INT n on a hidden gate, replayed */
	u64 reclaimed;		/* device vectors EOI'd for the guest at an exit */
	u64 deferred;		/* virtual interrupts held below an assigned one */
	u64 fallbacks;		/* vCPUs that left ELI for good */
	/* The exitless guest timer (timer.h) */
	u64 timer_lent;		/* stints with the core's timer lent */
	u64 timer_tscd;		/* of those, IA32_TSC_DEADLINE passed through */
	u64 timer_direct;	/* its expiries the guest took directly */
	u64 timer_pending;	/* raised, not taken: injected instead */
	u64 timer_in_tern;	/* of those, taken by tern's handler */
	/* Exitless IPIs between the VM's vCPUs (ipi.h) */
	u64 ipi_direct;		/* sent on the hardware, the guest's vector */
	u64 ipi_in_tern;	/* of those, landed in tern: injected */
	u64 ipi_tpr;		/* kept virtual: the target's TPR held them */
	u64 stray;		/* a device vector on another of the VM's cores */
};

struct eli_vm {
	u8 setting;		/* effective: ELI_CFG_OFF/DELIVERY/ON */
	spinlock_t lock;	/* shadow, device set, guest IDT pages */
	u64 shadow_pa;		/* tern's page holding the shadow IDT */
	u8 *shadow;
	u64 shadow_gpa;		/* where the guest sees it; 0: BAR not placed */
	struct vec_set device;	/* the guest's device vectors */
	struct vec_set timer;	/* the guest's timer vectors (timer.h) */
	struct vec_set ipi;	/* its IPI vectors, on every core (ipi.h) */
	struct vec_set ipi_refused;	/* ... that stay virtual */
	const char *ipi_why;	/* why the last of those did */
	u8 ipi_why_vec;
	u32 gen;		/* device set or guest IDT changed */
	u64 idt_page[2];	/* guest IDT pages write-protected, 0: none */
	struct gpa_fault_handler wp;
	u8 *scratch;		/* a page: the guest IDT as read */
	u8 *staging;		/* a page: the shadow built, then published */
	char why[120];		/* why ELI is not (or no longer) live */
	struct eli_stats stats;
	struct eli_stats mark[GUEST_MARKS];	/* at a vCPU's HC_MARK (vmx/exit.h) */
};

struct eli_vcpu {
	bool on;		/* the VM runs with ELI (eli_vm.setting not off) */
	bool live;		/* DIRECT or INJECTION (else: plain, eli off) */
	bool gave_up;		/* fell back for good (why in eli_vm) */
	u64 idt_base;		/* the guest's own IDTR while live */
	u16 idt_limit;
	u64 shadow_gva;
	u32 gen;		/* eli_vm.gen the shadow was built for */
	u64 next_try;		/* TSC of the next activation attempt */
	u32 tries;
	u64 msr_bitmap_pa;	/* the vCPU's own: the EOI MSR toggles */
	u64 open_page;		/* a guest IDT page unprotected for one step */
	bool replay;		/* an INT n replayed through the guest IDT */
	bool step;		/* exit again at once (the preemption timer) */
	bool stepping;		/* this entry is that step */
	u32 step_ticks;		/* its preemption-timer value (eli_step_ticks) */
	u64 step_rip;		/* where the last IDT write was let through */
	bool kick;		/* test hypercall: a host IPI at next entry */
	u32 pending_flags;	/* ELI_ACT_TO_DIRECT after a virtual EOI */
	struct vec_set reclaimed;	/* EOI'd by tern at an exit, owed */
	u64 cr3_ok[8];		/* page-table roots seen to map the shadow */
	u32 cr3_next;
	struct eli_mode_state mode;
	/* The exitless guest timer (timer.h) */
	bool timer_lent;	/* the core's timer is the guest's: in guest
				 * mode and until eli_timer_exit() */
	bool timer_tscd;	/* lent in TSC-deadline mode, MSR open */
	/* The last stints' TSC deadlines, for `vm regs` (timer.c). */
#define ELI_TSCD_TRACE	8
	struct eli_tscd_trace {
		u64 lent, hw, now;	/* guest TSC */
		u16 exit;		/* basic exit reason */
		u8 raised;
	} tscd_trace[ELI_TSCD_TRACE];
	u32 tscd_next;
	u8 timer_vec;		/* the guest's timer vector, claimed here */
	u8 timer_refused;	/* a vector tern uses on this core */
	const char *timer_why;	/* why the last stint did not lend it */
};

struct vm;
struct vcpu;

/* vm_start, before the device units: the effective setting, the shadow
 * page, the VM's features. -1 only when out of memory. */
int eli_vm_start(struct vm *vm, char *err, size_t n);
void eli_vm_release(struct vm *vm);
/* On the vCPU's core once its VMCS is loaded; and when it stops. */
void eli_vcpu_start(struct vcpu *v);
void eli_vcpu_stop(struct vcpu *v);

/* Before each entry: activation attempts, resyncs. Hot path: one test. */
void eli_prepare(struct vcpu *v);
/* The shadow rebuilt now if the device or timer vectors or the guest's
 * IDT changed (entry path). false: the vCPU left ELI (why in eli_vm). */
bool eli_shadow_sync(struct vcpu *v);
/* A virtual interrupt is about to be injected: false if it must wait. */
bool eli_may_inject(struct vcpu *v, u8 vec);
/* A trapped x2APIC EOI write: true if ELI completed it (physical). */
bool eli_eoi_write(struct vcpu *v);
/* After the virtual APIC took an EOI: maybe back to direct. */
void eli_after_virtual_eoi(struct vcpu *v);
/* After every exit while live: guest vectors left in service. */
void eli_after_exit(struct vcpu *v);
/* #NP exit. */
int eli_exit_np(struct vcpu *v, u32 info);
/*
 * One guest step through something tern must close right after (a write
 * to the guest IDT let through, an INT n through the guest's own IDT):
 * the VMX-preemption timer is set to expire at once, and the exit after
 * it closes it. Not the monitor trap flag: Bochs does not deliver it.
 * Whatever the guest did in between is seen: the shadow is rebuilt from
 * the guest IDT after the page is protected again.
 */
void eli_step_done(struct vcpu *v);
/*
 * The preemption-timer value of a step. A value of 1 expires at the
 * timer's next count, which can come before the guest has executed
 * anything (the count follows TSC bits, SDM 3C 26.5.1; Bochs's phase
 * repeats exactly): a write to the IDT faulting again at the same place
 * doubles the step (up to 1024), and one that got through resets it.
 */
static inline u32 eli_step_ticks(const struct eli_vcpu *e)
{
	return e->step_ticks ? e->step_ticks : 1;
}
/*
 * A MOV to CR3 while live (CR3-load exiting is on then): page tables that
 * do not map the shadow IDT (a kernel with page-table isolation switching
 * to its user tables) would make every interrupt in them fault on the
 * IDT: ELI leaves the vCPU before the guest runs on them.
 */
void eli_cr3_loaded(struct vcpu *v, u64 cr3);
/* The guest's own IDTR (LIDT/SIDT emulation). */
void eli_idtr_read(struct vcpu *v, u64 *base, u16 *limit);
void eli_idtr_write(struct vcpu *v, u64 base, u16 limit);

/* passthru: the BAR page and the device vectors (the caller has claimed
 * vec on its route's core, and holds the VM's platform lock). */
void eli_shadow_placed(struct vm *vm, u64 gpa);
void eli_device_vector(struct vm *vm, u8 vec, bool add);
/* For `vm stats` and metrics. */
const char *eli_setting_name(u8 s);
void eli_show(struct vm *vm);

/* Test hypercall: a host interrupt to this core while in guest mode. */
void eli_self_kick(struct vcpu *v);

#endif
