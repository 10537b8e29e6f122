// SPDX-License-Identifier: GPL-2.0
/*
 * VMX operation on a guest core and the vCPU run loop (SDM 3C ch. 24-27).
 * The core enters VMX operation when a vCPU starts on it and leaves it
 * when the vCPU stops, so a spare core is never left in VMX operation.
 */
#include <stdio.h>
#include <string.h>

#include "core/cpu.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/tsc.h"
#include "core/vdev/viommu/viommu.h"
#include "core/vm/vm.h"
#include "irq/irq.h"
#include "irq/lapic.h"
#include "mm/kmem.h"
#include "mm/pmm.h"
#include "vmx/controls.h"
#include "vmx/eli/timer.h"
#include "vmx/exit.h"
#include "vmx/msr.h"
#include "vmx/vcpu.h"
#include "vmx/vcpu_request.h"
#include "vmx/vmx_msr.h"
#include "vmx/vmx_ops.h"
#include "vmx/xsave.h"

extern char vmx_exit[];
int vmx_enter(struct guest_regs *regs, int launched);

static bool vmx_on(struct vcpu *v, char *why, size_t n)
{
	struct percpu *p = this_cpu();
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (!vmx_caps_usable(&p->vmx, why, n))
		return false;
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	write_cr0(vmx_fix_cr(read_cr0(), rdmsr(MSR_IA32_VMX_CR0_FIXED0),
			     rdmsr(MSR_IA32_VMX_CR0_FIXED1)));
	write_cr4(vmx_fix_cr(read_cr4() | CR4_VMXE, rdmsr(MSR_IA32_VMX_CR4_FIXED0),
			     rdmsr(MSR_IA32_VMX_CR4_FIXED1)));
	*(u32 *)phys_to_virt(v->vmxon_pa) = p->vmx.revision;
	if (!vmxon(v->vmxon_pa)) {
		write_cr4(read_cr4() & ~CR4_VMXE);
		snprintf(why, n, "VMXON failed");
		return false;
	}
	return true;
}

static void vmx_off(void)
{
	vmxoff();
	write_cr4(read_cr4() & ~CR4_VMXE);
}

/* The longest a vCPU stays in guest mode before tern looks (vcpu.c). */
#define PREEMPT_SLICE_NS	10000000ULL

struct dtr {
	u16 limit;
	u64 base;
} __packed;

/*
 * What a guest may write to CR4 and EFER (vmx/arch_rules.h): what the CPU
 * supports in VMX operation (CR4 fixed-1), less what guests do not get
 * (VMX, SMX) and what CPUID hides (XSAVE, PKU without their state).
 */
static void arch_limits(struct vcpu *v)
{
	u32 a, b, c, d;

	v->cr4_allowed = rdmsr(MSR_IA32_VMX_CR4_FIXED1) & ~(u64)(CR4_VMXE | CR4_SMXE);
	if (!v->cpuid.xsave_mask)
		v->cr4_allowed &= ~(u64)CR4_OSXSAVE;
	if (!(v->cpuid.xsave_mask & XFEATURE_PKRU))
		v->cr4_allowed &= ~(u64)CR4_PKE;
	cpuid(0x80000000, &a, &b, &c, &d);
	v->maxphyaddr = 36;		/* SDM 2A CPUID: when leaf 0x80000008 is absent */
	v->nx = false;
	if (a >= 0x80000001) {
		cpuid(0x80000001, &a, &b, &c, &d);
		v->nx = d & BIT(20);
		cpuid(0x80000000, &a, &b, &c, &d);
	}
	if (a >= 0x80000008) {
		cpuid(0x80000008, &a, &b, &c, &d);
		v->maxphyaddr = a & 0xff;
	}
	cpuid(0, &a, &b, &c, &d);
	v->has_tsc_adjust = false;
	if (a >= 7) {
		cpuid_count(7, 0, &a, &b, &c, &d);
		v->has_tsc_adjust = b & CPUID_7_EBX_TSC_ADJUST;
	}
}

/* IA32_ARCH_CAPABILITIES for the guest (vmx/cpuid.h): the host's "not
 * affected" bits, where the host has the MSR. */
static u64 guest_arch_caps(void)
{
	u32 a, b, c, d;
	u64 caps;

	cpuid(0, &a, &b, &c, &d);
	if (a < 7)
		return 0;
	cpuid_count(7, 0, &a, &b, &c, &d);
	if (!(d & CPUID_7_EDX_ARCH_CAPABILITIES) || rdmsr_safe(MSR_IA32_ARCH_CAPABILITIES, &caps))
		return 0;
	return caps & ARCH_CAP_GUEST;
}

static bool setup_controls(struct vcpu *v, char *why, size_t n)
{
	const struct vmx_msrs *m = &this_cpu()->vmx.raw;
	struct vmx_controls c;
	const char *which;
	u32 miss;

	if (vmx_controls_compute(m, &v->vm->features, &c, &miss, &which)) {
		snprintf(why, n, "a required %s VM-execution control (%#x) is not allowed",
			 which, miss);
		return false;
	}
	/* The preemption timer counts down at the TSC >> rate (SDM 3C 26.5.1). */
	v->preempt_timer = c.pin & PIN_PREEMPTION_TIMER;
	v->preempt_shift = VMX_MISC_PREEMPT_SHIFT(m->misc);
	v->preempt_slice = MIN((tsc_hz() / (1000000000ULL / PREEMPT_SLICE_NS)) >> v->preempt_shift,
			       0xffffffffULL);
	v->preempt_value = ~0ULL;		/* nothing written yet */
	/* The same value from every core: the TSC rate is the machine's. */
	vlapic_min_period = tsc_hz() / (1000000000ULL / VLAPIC_MIN_PERIOD_NS);
	v->virtual_nmis = (c.pin & PIN_VIRTUAL_NMIS) &&
			  (m->procbased >> 32 & PROC_NMI_WINDOW_EXITING);
	vmwrite(VMCS_PIN_CONTROLS, c.pin);
	vmwrite(VMCS_PROC_CONTROLS, c.proc);
	v->proc_controls = c.proc;
	vmwrite(VMCS_PROC2_CONTROLS, c.proc2);
	v->proc2_controls = c.proc2;
	v->cpuid = (struct cpuid_facts){
		.vcpu_id = v->id,
		.xsave_mask = xsave_guest_mask(),
		.rdtscp = c.proc2 & PROC2_RDTSCP,
		.invpcid = c.proc2 & PROC2_INVPCID,
		.paravirt_kvm = v->vm->cfg.paravirt == CONFIG_PARAVIRT_KVM,
		.arch_caps = guest_arch_caps(),
	};
	arch_limits(v);
	v->tsc_offset = v->tsc_adjust = 0;
	v->apic_base = VLAPIC_BASE;
	vmwrite(VMCS_TSC_OFFSET, 0);
	vmwrite(VMCS_EXIT_CONTROLS, c.exit);
	vmwrite(VMCS_ENTRY_CONTROLS, c.entry);
	vmwrite(VMCS_EXCEPTION_BITMAP, c.exception_bitmap);
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmwrite(VMCS_IO_BITMAP_A, v->vm->io_bitmap_pa);
	vmwrite(VMCS_IO_BITMAP_B, v->vm->io_bitmap_pa + PAGE_SIZE);
	vmwrite(VMCS_MSR_BITMAP, v->vm->msr_bitmap_pa);
	vmwrite(VMCS_EPT_POINTER, gpa_map_eptp(&v->vm->mem));
	vmwrite(VMCS_VPID, v->vpid);
	vmwrite(VMCS_LINK_POINTER, ~0ULL);
	/* The guest sees CR0.NE and CR4.VMXE as it set them; VMX forces them. */
	vmwrite(VMCS_CR0_MASK, CR0_NE);
	vmwrite(VMCS_CR4_MASK, CR4_VMXE);
	return true;
}

static void setup_host(void)
{
	struct percpu *p = this_cpu();
	struct dtr gdt, idt;

	__asm__ __volatile__("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, read_cr4());
	vmwrite(VMCS_HOST_CS_SEL, GDT_CODE);
	vmwrite(VMCS_HOST_SS_SEL, GDT_DATA);
	vmwrite(VMCS_HOST_DS_SEL, GDT_DATA);
	vmwrite(VMCS_HOST_ES_SEL, GDT_DATA);
	vmwrite(VMCS_HOST_FS_SEL, 0);
	vmwrite(VMCS_HOST_GS_SEL, 0);
	vmwrite(VMCS_HOST_TR_SEL, GDT_TSS);
	vmwrite(VMCS_HOST_FS_BASE, 0);
	vmwrite(VMCS_HOST_GS_BASE, (u64)p);
	vmwrite(VMCS_HOST_TR_BASE, (u64)&p->tss);
	vmwrite(VMCS_HOST_GDTR_BASE, gdt.base);
	vmwrite(VMCS_HOST_IDTR_BASE, idt.base);
	vmwrite(VMCS_HOST_SYSENTER_CS, 0);
	vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
	vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
	vmwrite(VMCS_HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmwrite(VMCS_HOST_IA32_EFER, rdmsr(MSR_EFER));
	vmwrite(VMCS_HOST_RIP, (u64)vmx_exit);
}

static void guest_seg(enum vmcs_seg s, u16 sel, u64 base, u32 limit, u32 ar)
{
	vmwrite(VMCS_GUEST_ES_SEL + 2 * s, sel);
	vmwrite(VMCS_GUEST_ES_BASE + 2 * s, base);
	vmwrite(VMCS_GUEST_ES_LIMIT + 2 * s, limit);
	vmwrite(VMCS_GUEST_ES_AR + 2 * s, ar);
}

/* CS and every data segment flat from 0 (LDTR and TR are set apart). */
static void flat_segments(u16 cs, u16 ds, u32 limit, u32 code_ar, u32 data_ar)
{
	guest_seg(SEG_CS, cs, 0, limit, code_ar);
	guest_seg(SEG_DS, ds, 0, limit, data_ar);
	guest_seg(SEG_ES, ds, 0, limit, data_ar);
	guest_seg(SEG_SS, ds, 0, limit, data_ar);
	guest_seg(SEG_FS, ds, 0, limit, data_ar);
	guest_seg(SEG_GS, ds, 0, limit, data_ar);
}

/* The multiboot hand-over state (Multiboot 0.6.96, 3.2): 32-bit protected
 * mode, flat segments, paging off, EAX magic, EBX info. */
static void setup_guest_multiboot(struct vcpu *v)
{
	u32 code = AR_TYPE_CODE_RX_ACC | AR_S | AR_P | AR_DB | AR_G;
	u32 data = AR_TYPE_DATA_RW_ACC | AR_S | AR_P | AR_DB | AR_G;

	flat_segments(0x08, 0x10, 0xffffffff, code, data);
	guest_seg(SEG_LDTR, 0, 0, 0, AR_UNUSABLE);
	guest_seg(SEG_TR, 0, 0, 0xff, AR_TYPE_TSS_BUSY | AR_P);
	vmwrite(VMCS_GUEST_GDTR_BASE, 0);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmwrite(VMCS_GUEST_IDTR_BASE, 0);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	vmwrite(VMCS_GUEST_CR0, CR0_PE | CR0_NE | CR0_ET);
	vmwrite(VMCS_CR0_SHADOW, CR0_PE | CR0_ET);
	vmwrite(VMCS_GUEST_CR3, 0);
	vmwrite(VMCS_GUEST_CR4, CR4_VMXE);
	vmwrite(VMCS_CR4_SHADOW, 0);
	vmwrite(VMCS_GUEST_DR7, DR7_RESET);
	vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0);
	vmwrite(VMCS_GUEST_RSP, 0);
	vmwrite(VMCS_GUEST_RIP, v->entry_rip);
	vmwrite(VMCS_GUEST_RFLAGS, RFLAGS_FIXED);
	vmwrite(VMCS_GUEST_PENDING_DBG, 0);
	vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	vmwrite(VMCS_GUEST_IA32_PAT, 0x0007040600070406ULL);
	vmwrite(VMCS_GUEST_IA32_EFER, 0);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite(VMCS_GUEST_ACTIVITY, 0);
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rax = v->boot_eax;
	v->regs.rbx = v->boot_ebx;
}

/* Real mode at vector:0000, as a start-up IPI leaves an AP (SDM 3A 9.4.4;
 * unrestricted guest lets it run with CR0.PE = 0). */
static void setup_guest_realmode(struct vcpu *v, u32 vector)
{
	u32 code = AR_TYPE_CODE_RX_ACC | AR_S | AR_P;
	u32 data = AR_TYPE_DATA_RW_ACC | AR_S | AR_P;

	/* A start-up IPI leaves the whole CPU in its reset state, not just
	 * CS:IP: no paging, no long mode (EFER.LMA and the IA-32e entry
	 * control would make the entry invalid). */
	setup_guest_multiboot(v);
	vmwrite(VMCS_ENTRY_CONTROLS,
		vmread(VMCS_ENTRY_CONTROLS) & ~(u64)ENTRY_IA32E_MODE_GUEST);

	flat_segments(0, 0, 0xffff, code, data);
	guest_seg(SEG_CS, (u16)(vector << 8), (u64)vector << 12, 0xffff, code);
	vmwrite(VMCS_GUEST_CR0, CR0_NE | CR0_ET);
	vmwrite(VMCS_CR0_SHADOW, CR0_ET);
	vmwrite(VMCS_GUEST_RIP, 0);
	vmwrite(VMCS_GUEST_RSP, 0);
	memset(&v->regs, 0, sizeof(v->regs));
}

void vcpu_kick(struct vcpu *v)
{
	if (v->cpu != this_cpu_index())
		lapic_send_ipi(cpus[v->cpu]->apic_id, VEC_KICK);
}

/* Linux's 64-bit boot protocol: long mode, identity paging, flat GDT with
 * __BOOT_CS = 0x10 and __BOOT_DS = 0x18, interrupts off, RSI = boot_params. */
static void setup_guest_linux64(struct vcpu *v)
{
	u32 code = AR_TYPE_CODE_RX_ACC | AR_S | AR_P | AR_L | AR_G;
	u32 data = AR_TYPE_DATA_RW_ACC | AR_S | AR_P | AR_DB | AR_G;
	u32 entry = (u32)vmread(VMCS_ENTRY_CONTROLS);

	setup_guest_multiboot(v);	/* the common parts */
	flat_segments(0x10, 0x18, 0xffffffff, code, data);
	vmwrite(VMCS_GUEST_GDTR_BASE, v->boot_gdt);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, 4 * 8 - 1);
	vmwrite(VMCS_GUEST_CR0, CR0_PE | CR0_NE | CR0_ET | CR0_PG);
	vmwrite(VMCS_CR0_SHADOW, CR0_PE | CR0_NE | CR0_ET | CR0_PG);
	vmwrite(VMCS_GUEST_CR3, v->boot_cr3);
	vmwrite(VMCS_GUEST_CR4, CR4_PAE | CR4_VMXE);
	vmwrite(VMCS_CR4_SHADOW, CR4_PAE);
	vmwrite(VMCS_GUEST_IA32_EFER, EFER_LME | EFER_LMA);
	vmwrite(VMCS_ENTRY_CONTROLS, entry | ENTRY_IA32E_MODE_GUEST);
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rsi = v->boot_rsi;
}

void vcpu_save_state(struct vcpu *v)
{
	v->rip = vmread(VMCS_GUEST_RIP);
	v->rsp = vmread(VMCS_GUEST_RSP);
	v->rflags = vmread(VMCS_GUEST_RFLAGS);
	v->cr0 = vmread(VMCS_GUEST_CR0);
	v->cr3 = vmread(VMCS_GUEST_CR3);
	v->cr4 = vmread(VMCS_GUEST_CR4);
	v->efer = vmread(VMCS_GUEST_IA32_EFER);
}

void vcpu_flush_vpid(struct vcpu *v)
{
	struct percpu *p = this_cpu();

	if (p->vmx.invvpid_single)
		invvpid(INVVPID_SINGLE, v->vpid);
	else if (p->vmx.invvpid_all)
		invvpid(INVVPID_ALL, 0);
}

void vcpu_set_proc_control(struct vcpu *v, u32 bit, bool on)
{
	u32 want = on ? v->proc_controls | bit : v->proc_controls & ~bit;

	if (want != v->proc_controls) {
		v->proc_controls = want;
		vmwrite(VMCS_PROC_CONTROLS, want);
	}
}

static void set_window_exiting(struct vcpu *v, bool on)
{
	vcpu_set_proc_control(v, PROC_INTR_WINDOW_EXITING, on);
}

/*
 * A pending NMI is injected unless the guest blocks NMIs (its handler has
 * not executed IRET yet) or sits in a MOV-SS/STI shadow (SDM 3C 26.3.1.5
 * and 24.4.2). Then an NMI window is asked for where the CPU has one.
 */
static bool inject_nmi(struct vcpu *v)
{
	u64 block = vmread(VMCS_GUEST_INTERRUPTIBILITY);

	if (block & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS | INTR_BLOCK_NMI)) {
		if (v->virtual_nmis)
			vcpu_set_proc_control(v, PROC_NMI_WINDOW_EXITING, true);
		return false;
	}
	vcpu_take(v, VCPU_REQ_NMI);
	vmwrite(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_NMI | X86_VEC_NMI);
	vcpu_set_proc_control(v, PROC_NMI_WINDOW_EXITING, false);
	v->stats.nmis_injected++;
	return true;
}

/* The guest takes an external interrupt now: IF set, no STI/MOV-SS shadow. */
static bool interruptible(void)
{
	return (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(vmread(VMCS_GUEST_INTERRUPTIBILITY) &
		 (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
}

static void lapic_timer_fn(struct timer *t, void *arg)
{
	/* The interrupt itself made the guest exit or woke the halted core;
	 * the run loop polls the virtual APIC. */
	(void)t; (void)arg;
}

/*
 * Raise the virtual timer if due; a host timer follows its next deadline
 * (only while halted when the VMX-preemption timer bounds guest mode). A
 * deadline moved earlier (a tickless guest's idle timer replaced by a
 * nearer one) re-arms it, or the guest would sleep until the old one.
 */
static void poll_lapic_timer(struct vcpu *v, bool halted)
{
	u64 now = guest_tsc(v), next;

	vlapic_poll(&v->lapic, now);
	if (v->preempt_timer && !halted)
		return;
	/* A masked timer, or one whose last interrupt still waits, needs
	 * no host timer: nothing would change when it fires. */
	next = vlapic_timer_wakeup(&v->lapic);
	if (!next || (v->lapic_timer.armed && v->lapic_timer_at <= next))
		return;
	timer_cancel(&v->lapic_timer);
	v->lapic_timer_at = next;
	timer_arm(&v->lapic_timer, tsc_to_ns(next > now ? next - now : 0) + 1,
		  lapic_timer_fn, v);
}

/*
 * The VMX-preemption timer ends guest mode at the virtual APIC's next
 * deadline, so the timer interrupt is raised on time without a host
 * interrupt, and at the latest after PREEMPT_SLICE_NS: tern looks at its
 * vCPU regularly whatever the guest does with its interrupts.
 */
static void set_preemption_timer(struct vcpu *v)
{
	u64 now, ticks, at;

	if (!v->preempt_timer)
		return;
	ticks = v->preempt_slice;
	/* ELI: out again after one step (vmx/eli/eli.h). */
	if (unlikely(v->eli.step)) {
		v->eli.step = false;
		v->eli.stepping = true;
		ticks = eli_step_ticks(&v->eli);
	}
	/* Not for a timer nobody would see fire (vlapic_timer_wakeup). */
	at = vlapic_timer_wakeup(&v->lapic);
	/* ELI: the timer on the hardware instead, maybe (eli/timer.h). */
	if (unlikely(v->eli.on))
		at = eli_timer_enter(v, at);
	if (at) {
		now = guest_tsc(v);
		if (at <= now)
			ticks = 0;
		else if (((at - now) >> v->preempt_shift) < ticks)
			ticks = (at - now) >> v->preempt_shift;
	}
	/* The field keeps what was written: the hot path writes nothing. */
	if (ticks != v->preempt_value) {
		vmwrite(VMCS_PREEMPTION_TIMER, ticks);
		v->preempt_value = ticks;
	}
}

/*
 * Before each entry: an event whose delivery an exit interrupted is
 * delivered again (SDM 3C 28.2.4); else the virtual APIC's highest pending
 * vector is injected if the guest can take it, or an interrupt window is
 * requested. The host timer follows the virtual timer's next deadline.
 */
/* The first vCPU keeps the platform's time: the PIT's, and the vIOMMU's
 * teardown window (samecore); any vCPU runs on a vIOMMU queue stopped at
 * a page on disk. One load each for a VM without them. */
static void keep_platform_time(struct vcpu *v)
{
	if (unlikely(v->vm->viommu))
		viommu_settle(v->vm);
	if (v->id == 0) {
		vplat_poll(v->vm);
		viommu_clock(v->vm);
	}
}

static void prepare_events(struct vcpu *v)
{
	u64 idt = v->skip_reinject ? 0 : vmread(VMCS_IDT_VECTORING_INFO);
	int vec;

	v->skip_reinject = false;
	if (idt & INTR_INFO_VALID) {
		vmwrite(VMCS_ENTRY_INTR_INFO, idt & ~INTR_INFO_UNDEFINED_12);
		if (idt & INTR_INFO_DELIVER_CODE)
			vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, vmread(VMCS_IDT_VECTORING_ERROR));
		vmwrite(VMCS_ENTRY_INSTR_LEN, vmread(VMCS_EXIT_INSTR_LEN));
		v->stats.reinjected++;
		return;
	}
	/* Hot path: no virtual timer armed, nothing requested. */
	if (v->lapic.deadline)
		poll_lapic_timer(v, false);
	keep_platform_time(v);
	vec = vlapic_pending(&v->lapic);
	if (vcpu_requested(v, VCPU_REQ_NMI) && inject_nmi(v)) {
		/* One event per entry: an interrupt waits for its window. */
		set_window_exiting(v, vec >= 0);
		return;
	}
	if (vec < 0) {
		if (v->proc_controls & PROC_INTR_WINDOW_EXITING)
			set_window_exiting(v, false);
		return;
	}
	if ((vmread(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID) || !interruptible()) {
		set_window_exiting(v, true);
		return;
	}
	/* ELI: the guest's IDT for it, or wait behind an assigned one. */
	if (!eli_may_inject(v, (u8)vec)) {
		set_window_exiting(v, false);
		return;
	}
	vmwrite(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXT | (u32)vec);
	vlapic_ack(&v->lapic, vec);
	v->stats.interrupts_injected++;
	set_window_exiting(v, false);
}

/*
 * The preemption timer is set last: the timer's deadline counts only once
 * its vector has left the IRR (vlapic_timer_wakeup), which the injection
 * just above may have done.
 */
static void prepare_entry(struct vcpu *v)
{
	/* ELI's work only for a VM that has it: one load otherwise. */
	if (unlikely(v->eli.on))
		eli_prepare(v);
	prepare_events(v);
	set_preemption_timer(v);
}

/* Wait for a start-up IPI, then start in real mode at its vector. The
 * wait counts as halted: the guest has nothing for this core to do. */
static bool wait_for_sipi(struct vcpu *v)
{
	const u64 ends = BIT(VCPU_REQ_SIPI) | BIT(VCPU_REQ_STOP) | BIT(VCPU_REQ_INIT);
	u64 t0 = rdtsc();

	v->state = VCPU_WAIT_SIPI;
	while (!(__atomic_load_n(&v->requests, __ATOMIC_ACQUIRE) & ends)) {
		/* As in halt_wait: those waiting for every vCPU to have
		 * dropped rights (virtio-blk's requests under the Swap
		 * Mapper) need not wait for this one's start-up IPI. */
		if (vcpu_take(v, VCPU_REQ_FLUSH))
			invept(INVEPT_SINGLE, gpa_map_eptp(&v->vm->mem));
		cpu_idle_wait();
	}
	v->stats.tsc_halted += rdtsc() - t0;
	if (vcpu_stopping(v) || !vcpu_take(v, VCPU_REQ_SIPI))
		return false;
	setup_guest_realmode(v, v->req_sipi_vector);
	return true;
}

/*
 * INIT of a running vCPU (SDM 3A 9.4, 11.6.1): it drops whatever it was
 * doing, pending events included, resets its local APIC, and waits for a
 * start-up IPI like an AP at power-on (a start-up IPI posted before the
 * INIT was voided with it).
 */
static void handle_init(struct vcpu *v)
{
	v->stats.inits++;
	vlapic_reset(&v->lapic, v->id);
	vcpu_take(v, VCPU_REQ_NMI);
	if (!wait_for_sipi(v))
		return;
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	set_window_exiting(v, false);
	vcpu_set_proc_control(v, PROC_NMI_WINDOW_EXITING, false);
	v->skip_reinject = true;	/* the last exit's event is void */
	v->state = VCPU_RUNNING;
}

/*
 * HLT: sleep until the virtual APIC has something the guest can take.
 * PARKED (an EPT fault waits for asynchronous work, mm/gpa.h): sleep until
 * the work's completion posts VCPU_REQ_WAKE, then run the access again.
 * Only called in either state; the caller does the time accounting.
 */
static void halt_wait(struct vcpu *v)
{
	while (!vcpu_stopping(v)) {
		/* The clocks go on. */
		poll_lapic_timer(v, true);
		keep_platform_time(v);
		vcpu_take(v, VCPU_REQ_EVENT);
		/* Rights taken away while it waits: dropped now, so those
		 * waiting for every vCPU to have dropped them (the Swap
		 * Mapper's associations) need not wait for its wake-up. */
		if (vcpu_take(v, VCPU_REQ_FLUSH))
			invept(INVEPT_SINGLE, gpa_map_eptp(&v->vm->mem));
		/* An INIT ends either wait (the run loop handles it). */
		if (vcpu_requested(v, VCPU_REQ_INIT))
			break;
		if (v->state == VCPU_PARKED ? vcpu_take(v, VCPU_REQ_WAKE) :
		    vcpu_requested(v, VCPU_REQ_NMI) ||
		    (vlapic_pending(&v->lapic) >= 0 &&
		     (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF)))
			break;
		cpu_idle_wait();
	}
	v->state = VCPU_RUNNING;
}

/*
 * Requests other cores posted (vmx/vcpu_request.h), before an entry. false:
 * do not enter now (the vCPU stops, or an INIT reset it and it must look
 * again).
 */
static bool take_requests(struct vcpu *v)
{
	if (vcpu_stopping(v))
		return false;
	if (vcpu_take(v, VCPU_REQ_INIT)) {
		handle_init(v);
		return false;
	}
	/* Rights the map took away without waiting (vm_ept_changed). */
	if (vcpu_take(v, VCPU_REQ_FLUSH))
		invept(INVEPT_SINGLE, gpa_map_eptp(&v->vm->mem));
	/* News for prepare_entry, which looks anyway; a wake-up for a fault
	 * the vCPU no longer waits for is stale. NMIs stay until injected. */
	vcpu_take(v, VCPU_REQ_EVENT);
	vcpu_take(v, VCPU_REQ_WAKE);
	return true;
}

static void fail(struct vcpu *v, const char *what, const char *why)
{
	pr_err("vm %s: vcpu%u on CPU%u: %s: %s", v->vm->name, v->id, v->cpu, what, why);
	vm_note_stop(v->vm, "failed to start: %s: %s", what, why);
	v->state = VCPU_FAILED;
}

void vcpu_run(struct vcpu *v)
{
	struct percpu *p = this_cpu();
	char why[96];

	if (!vmx_on(v, why, sizeof(why))) {
		fail(v, "VMX operation", why);
		return;
	}
	*(u32 *)phys_to_virt(v->vmcs_pa) = p->vmx.revision;
	if (!vmclear(v->vmcs_pa) || !vmptrld(v->vmcs_pa)) {
		vmx_off();
		fail(v, "VMCS", "VMCLEAR/VMPTRLD failed");
		return;
	}
	if (!setup_controls(v, why, sizeof(why))) {
		vmclear(v->vmcs_pa);
		vmx_off();
		fail(v, "controls", why);
		return;
	}
	/* A clean extended state, XCR0 at its reset value, and CR4.OSXSAVE
	 * in the host CR4 the VMCS takes, so guest XSETBVs can be executed. */
	xsave_reset();
	v->xcr0 = XFEATURE_X87;
	setup_host();
	eli_vcpu_start(v);
	if (v->id > 0)
		;	/* an AP's state comes with its start-up IPI */
	else if (v->boot_kind == VCPU_BOOT_LINUX64)
		setup_guest_linux64(v);
	else
		setup_guest_multiboot(v);
	vlapic_reset(&v->lapic, v->id);
	/* A VM started again has the same VPID and may get the same EPT
	 * root: nothing a previous run left in this core's TLBs survives. */
	invept(INVEPT_SINGLE, gpa_map_eptp(&v->vm->mem));
	vcpu_take(v, VCPU_REQ_FLUSH);
	vcpu_flush_vpid(v);
	p->role = ROLE_GUEST;
	v->launched = false;
	/* An AP waits, in tern, for the guest's start-up IPI. */
	if (v->id > 0)
		wait_for_sipi(v);
	v->state = VCPU_RUNNING;

	while (!vcpu_stopping(v)) {
		u64 t0, t1;
		int rc;

		irq_disable();
		/* One load for every request on the hot path. */
		if (unlikely(__atomic_load_n(&v->requests, __ATOMIC_ACQUIRE)) &&
		    !take_requests(v))
			continue;
		prepare_entry(v);
		t0 = rdtsc();
		rc = vmx_enter(&v->regs, v->launched);
		t1 = rdtsc();
		v->stats.tsc_guest += t1 - t0;
		/* Before anything reads or writes the virtual timer. */
		if (unlikely(v->eli.timer_lent))
			eli_timer_exit(v);
		if (rc) {
			u32 err = (u32)vmread(VMCS_INSTR_ERROR);

			vcpu_save_state(v);
			pr_err("vm %s: VM entry failed, VM-instruction error %u", v->vm->name, err);
			vm_note_stop(v->vm, "VM entry failed (VM-instruction error %u)", err);
			break;
		}
		v->launched = true;
		if (vmx_handle_exit(v) != EXIT_RESUME)
			break;
		/* ELI: nothing of the guest's left in service under tern. */
		if (unlikely(v->eli.on)) {
			if (v->eli.stepping)
				eli_step_done(v);
			if (v->eli.live)
				eli_after_exit(v);
		}
		/* Host interrupts that made the guest exit are taken here. */
		irq_enable();
		__asm__ __volatile__("nop");
		irq_disable();
		/* The hot path reads the TSC once more, as before; a vCPU
		 * that halted pays one read extra to split the halt off, so
		 * tsc_tern is exit handling only. */
		if (unlikely(v->state == VCPU_HALTED || v->state == VCPU_PARKED)) {
			u64 t2 = rdtsc();

			v->stats.tsc_tern += t2 - t1;
			halt_wait(v);
			v->stats.tsc_halted += rdtsc() - t2;
		} else {
			v->stats.tsc_tern += rdtsc() - t1;
		}
	}
	vcpu_save_state(v);
	eli_vcpu_stop(v);
	timer_cancel(&v->lapic_timer);
	if (v->id == 0) {
		timer_cancel(&v->vm->plat.pit_timer);
		viommu_clock_stop(v->vm);
	}
	/* The MSRs the guest owned must not carry its values to the next
	 * VM on this core (vmx/msr.h). */
	msr_policy_clear_on_stop();
	/* Nor its breakpoints: DR7 is VMCS state, DR0-3 and DR6 the core's. */
	__asm__ __volatile__("mov %0, %%dr0; mov %0, %%dr1; mov %0, %%dr2; mov %0, %%dr3"
			     : : "r"(0UL));
	__asm__ __volatile__("mov %0, %%dr6" : : "r"(DR6_RESET));
	/* Nor the guest's cache-disable bits, which are the core's. */
	if (read_cr0() & (CR0_CD | CR0_NW))
		write_cr0(read_cr0() & ~(u64)(CR0_CD | CR0_NW));
	/* Nor the vector registers (vmx/xsave.h). */
	xsave_reset();
	write_cr4(read_cr4() & ~CR4_OSXSAVE);
	vmclear(v->vmcs_pa);
	vmx_off();
	irq_enable();
	v->state = VCPU_STOPPED;
	p->role = ROLE_SPARE;
}
