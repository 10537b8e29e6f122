// SPDX-License-Identifier: GPL-2.0
/*
 * ELI on a vCPU: activation, the two modes, #NP reflection, the guest
 * IDT's write protection, and the protections of thesis 3.7 (see eli.h).
 * Everything here runs on the vCPU's own core, in its exit path, with
 * interrupts off; the VM-wide state (the shadow page, the device vectors)
 * is under eli_vm.lock.
 */
#include <stdio.h>
#include <string.h>

#include "core/console.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/tsc.h"
#include "core/vm/vm.h"
#include "irq/irq.h"
#include "irq/lapic.h"
#include "mm/kmem.h"
#include "mm/pmm.h"
#include "vmx/eli/eli.h"
#include "vmx/eli/ipi.h"
#include "vmx/eli/shadow_idt.h"
#include "vmx/eli/timer.h"
#include "vmx/eli/np_exit.h"
#include "vmx/emul/guest_mem.h"
#include "vmx/exit.h"
#include "vmx/msr_bitmap.h"
#include "vmx/vcpu.h"
#include "vmx/vmx_msr.h"
#include "vmx/vmx_ops.h"

#define MSR_X2APIC_EOI		0x80b
/* The trigger mode register, eight MSRs (SDM 3A 11.12.1.2, table 11-6). */
#define MSR_X2APIC_TMR0		0x818
#define MSR_X2APIC_TMR7		0x81f
/* Between activation attempts: the guest is still booting. */
#define ELI_RETRY_NS		1000000ULL
/* Page-table pages one search for the shadow's linear address may read. */
#define ELI_SEARCH_BUDGET	4096
/* The longest step a guest IDT write is let through for (eli_step_ticks). */
#define ELI_STEP_TICKS_MAX	1024

const char *eli_setting_name(u8 s)
{
	switch (s) {
	case ELI_CFG_ON:	return "on";
	case ELI_CFG_DELIVERY:	return "delivery";
	case ELI_CFG_OFF:	return "off";
	default:		return "default";
	}
}

static void set_why(struct vm *vm, const char *fmt, const char *arg)
{
	snprintf(vm->eli.why, sizeof(vm->eli.why), fmt, arg);
}

/* --- the guest IDT's pages: write-protected while a shadow copies them --- */

static void protect_idt(struct vm *vm, u64 p0, u64 p1)
{
	struct eli_vm *e = &vm->eli;
	struct gpa_map *g = &vm->mem;

	if (e->idt_page[0] == p0 && e->idt_page[1] == p1)
		return;
	for (int i = 0; i < 2; i++)
		if (e->idt_page[i])
			gpa_set_state(g, e->idt_page[i], PAGE_SIZE, 0, GPA_PG_WP);
	e->idt_page[0] = p0;
	e->idt_page[1] = p1 != p0 ? p1 : 0;
	for (int i = 0; i < 2; i++)
		if (e->idt_page[i] && gpa_set_state(g, e->idt_page[i], PAGE_SIZE, GPA_PG_WP, 0)) {
			pr_warn("vm %s: ELI: guest IDT page %#llx cannot be write-protected: its writes go unseen",
				vm->name, (unsigned long long)e->idt_page[i]);
			e->idt_page[i] = 0;
		}
	vm_ept_changed(vm);
}

/*
 * A guest write to its IDT: let it through (the page writable for one
 * step, eli_step_done), then protect it again and resync the shadow. Runs
 * on the writing vCPU's core.
 */
static enum gpa_fault idt_wp_fault(struct gpa_map *g, u64 gpa, u32 access, u32 waiter,
				   void *ctx)
{
	struct vm *vm = ctx;
	struct eli_vm *e = &vm->eli;
	u64 page = gpa & ~(u64)(PAGE_SIZE - 1), rip;
	struct vcpu *v;

	(void)access;
	if (!page || (page != e->idt_page[0] && page != e->idt_page[1]) ||
	    waiter >= vm->nvcpus)
		return GPA_FAULT_PASS;
	v = &vm->vcpus[waiter];
	if (v->cpu != this_cpu_index() || v->eli.open_page)
		return GPA_FAULT_PASS;
	if (gpa_set_state(g, page, PAGE_SIZE, 0, GPA_PG_WP))
		return GPA_FAULT_STOP;
	/* No progress since the last step: it ended too soon. */
	rip = vmread(VMCS_GUEST_RIP);
	if (rip == v->eli.step_rip && v->eli.step_ticks < ELI_STEP_TICKS_MAX)
		v->eli.step_ticks = eli_step_ticks(&v->eli) * 2;
	else if (rip != v->eli.step_rip)
		v->eli.step_ticks = 1;
	v->eli.step_rip = rip;
	v->eli.open_page = page;
	v->eli.step = true;
	e->stats.idt_writes++;
	return GPA_FAULT_RETRY;
}

/* --- the shadow --- */

static void report_shadow(const char *msg, void *arg)
{
	struct vm *vm = arg;

	pr_info("vm %s: ELI: %s", vm->name, msg);
}

/* The vectors the hardware delivers to the guest through the shadow. */
static void guest_vectors(const struct eli_vm *e, struct vec_set *out)
{
	for (u32 w = 0; w < 4; w++)
		out->w[w] = e->device.w[w] | e->timer.w[w] | e->ipi.w[w];
}

/* Build the shadow from the IDT at base/limit (the guest's own, read
 * through v's paging). Under e->lock. false: why set. */
static bool build_shadow(struct vcpu *v, u64 base, u16 limit)
{
	struct vm *vm = v->vm;
	struct eli_vm *e = &vm->eli;
	struct shadow_idt_result res;
	struct vec_set present;
	u64 p0, p1;
	int rc;

	/* Present gates: the devices' vectors, the timers' (timer.h) and
	 * the IPIs' (ipi.h). An IPI vector past the guest's limit stays
	 * hidden (it lands in tern and is injected: the guest faults on it
	 * as on bare metal); only a device's makes the shadow impossible. */
	guest_vectors(e, &present);
	for (int vec = vec_set_highest(&present); vec >= 0 && (u32)vec * 16 + 15 > limit; vec--)
		if (vec_set_has(&e->ipi, (u8)vec) && !vec_set_has(&e->device, (u8)vec) &&
		    !vec_set_has(&e->timer, (u8)vec))
			vec_set_del(&present, (u8)vec);
	if (!guest_linear_rw(v, base, e->scratch, (u32)limit + 1, false) ||
	    !guest_linear_to_gpa(v, base, &p0) || !guest_linear_to_gpa(v, base + limit, &p1)) {
		set_why(vm, "the guest's IDT%s is not in its RAM", "");
		return false;
	}
	/* Built aside, then published gate by gate: the VM's other vCPUs
	 * may be taking interrupts through the live shadow right now. */
	rc = shadow_idt_build(e->staging, e->scratch, limit, &present, &res, report_shadow, vm);
	if (!rc)
		shadow_idt_publish(e->shadow, e->staging);
	if (rc) {
		set_why(vm, "the guest's IDT cannot be shadowed (%s)",
			rc == SHADOW_IDT_TOO_LONG ? "limit over one page" :
			"its limit leaves a device vector out");
		return false;
	}
	protect_idt(vm, p0 & ~(u64)(PAGE_SIZE - 1), p1 & ~(u64)(PAGE_SIZE - 1));
	e->stats.resyncs++;
	return true;
}

/* --- the shadow's linear address: the guest's mapping of the BAR page --- */

struct search {
	struct gpa_map *g;
	u64 target;
	u32 budget;
};

static u64 canonical(u64 va)
{
	return (va & BIT(47)) ? va | 0xffff000000000000ULL : va;
}

#define PTE_P		BIT(0)
#define PTE_PS		BIT(7)
#define PTE_ADDR	0x000ffffffffff000ULL

static bool search_table(struct search *s, u64 table, int level, u64 va, u64 *gva)
{
	u32 shift = 12 + 9 * (u32)(level - 1);
	const u64 *t;

	if (!s->budget-- || !gpa_is_ram(s->g, table, PAGE_SIZE))
		return false;
	t = gpa_to_hva(s->g, table);
	for (u32 k = 0; k < 512; k++) {
		/* The kernel half first: that is where drivers map BARs. */
		u32 i = level == 4 ? (k + 256) & 511 : k;
		u64 pte = t[i], at = va | (u64)i << shift;

		if (!(pte & PTE_P))
			continue;
		if (level == 1 || ((level == 2 || level == 3) && (pte & PTE_PS))) {
			u64 size = 1ULL << shift, frame = pte & PTE_ADDR & ~(size - 1);

			if (s->target >= frame && s->target < frame + size) {
				*gva = canonical(at + (s->target - frame));
				return true;
			}
			continue;
		}
		if (search_table(s, pte & PTE_ADDR, level - 1, at, gva))
			return true;
	}
	return false;
}

/* 4-level paging only: ELI needs 64-bit mode. */
static bool find_gva(struct vcpu *v, u64 gpa, u64 *gva)
{
	struct search s = { &v->vm->mem, gpa, ELI_SEARCH_BUDGET };

	return search_table(&s, vmread(VMCS_GUEST_CR3) & PTE_ADDR, 4, 0, gva);
}

/* --- the two modes --- */

static void eoi_exits(struct vcpu *v, bool exits)
{
	msr_bitmap_set_write_exit(phys_to_virt(v->eli.msr_bitmap_pa), MSR_X2APIC_EOI, exits);
}

/*
 * Reads of the TMR: Linux's ioapic_ack_level() reads the TMR word of the
 * vector it completes (to catch a level interrupt delivered as edge) on
 * every level-triggered I/O APIC interrupt, the e1000's INTx among them:
 * trapped, one exit per device interrupt. In direct mode every interrupt
 * the guest has in service is a physical one (its devices' and its timer's;
 * tern's own are completed before it resumes, and direct mode begins only
 * once every injected one is EOI'd), so the hardware's TMR is the truth
 * for it, and the read is passed through. Read only: the TMR has no write.
 * In injection mode the guest may be completing a virtual interrupt, and
 * the virtual APIC's TMR answers. What the hardware's TMR shows besides is
 * the trigger mode each vector last arrived with on this core: no data.
 */
static void tmr_exits(struct vcpu *v, bool exits)
{
	u8 *bm = phys_to_virt(v->eli.msr_bitmap_pa);

	for (u32 m = MSR_X2APIC_TMR0; m <= MSR_X2APIC_TMR7; m++)
		msr_bitmap_set_read_exit(bm, m, exits);
}

static void set_pin(u32 bit, bool on)
{
	u32 pin = (u32)vmread(VMCS_PIN_CONTROLS);

	vmwrite(VMCS_PIN_CONTROLS, on ? pin | bit : pin & ~bit);
}

static void load_direct(struct vcpu *v)
{
	vmwrite(VMCS_GUEST_IDTR_BASE, v->eli.shadow_gva);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, SHADOW_IDT_LIMIT);
	set_pin(PIN_EXT_INT_EXITING, false);
	tmr_exits(v, false);
	if (v->vm->eli.setting == ELI_CFG_ON)
		eoi_exits(v, false);
}

static void load_injection(struct vcpu *v)
{
	vmwrite(VMCS_GUEST_IDTR_BASE, v->eli.idt_base);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, v->eli.idt_limit);
	set_pin(PIN_EXT_INT_EXITING, true);
	eoi_exits(v, true);
	tmr_exits(v, true);
}

static void apply(struct vcpu *v, u32 flags)
{
	if (flags & ELI_ACT_TO_INJECTION) {
		load_injection(v);
		v->vm->eli.stats.inj_entries++;
	}
	if (flags & ELI_ACT_TO_DIRECT) {
		load_direct(v);
		v->vm->eli.stats.inj_exits++;
	}
}

/* This vCPU leaves ELI for good: the guest's IDT, every interrupt exits. */
static void give_up(struct vcpu *v, const char *why)
{
	struct vm *vm = v->vm;

	if (v->eli.live) {
		load_injection(v);
		vcpu_set_proc_control(v, PROC_CR3_LOAD_EXITING, false);
		v->eli.live = false;
	}
	v->eli.gave_up = true;
	vm->eli.stats.fallbacks++;
	set_why(vm, "%s", why);
	pr_warn("vm %s: vcpu%u: ELI off: %s", vm->name, v->id, why);
}

/* The guest's vectors the physical local APIC has in service: its
 * devices', its timer's (timer.h) and its IPIs' (ipi.h). */
static void assigned_isr(struct vcpu *v, struct vec_set *out)
{
	struct vec_set mine;

	guest_vectors(&v->vm->eli, &mine);
	memset(out, 0, sizeof(*out));
	for (u32 i = 0; i < 8; i++) {
		u64 w = mine.w[i / 2];
		u32 want = (u32)(w >> (32 * (i % 2)));

		if (want)
			out->w[i / 2] |= (u64)(lapic_read(LAPIC_ISR + 0x10 * i) & want) <<
					 (32 * (i % 2));
	}
}

/* --- activation --- */

static void try_activate(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct eli_vm *e = &vm->eli;
	u64 base = vmread(VMCS_GUEST_IDTR_BASE), gva, f;
	u16 limit = (u16)vmread(VMCS_GUEST_IDTR_LIMIT);
	bool ok;

	v->eli.next_try = rdtsc() + tsc_hz() / (1000000000ULL / ELI_RETRY_NS);
	v->eli.tries++;
	if (!(vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA)) {
		set_why(vm, "waiting: the guest is not in 64-bit mode%s", "");
		return;
	}
	if (!v->lapic.x2apic) {
		set_why(vm, "waiting: the guest's local APIC is not in x2APIC mode%s", "");
		return;
	}
	if (!__atomic_load_n(&e->shadow_gpa, __ATOMIC_ACQUIRE)) {
		set_why(vm, "waiting: the guest has not placed its device's BAR%s", "");
		return;
	}
	if (vec_set_empty(&e->device)) {
		set_why(vm, "waiting: the guest has not programmed a device interrupt ELI can deliver%s",
			"");
		return;
	}
	if (!find_gva(v, e->shadow_gpa, &gva)) {
		set_why(vm, "waiting: the guest has not mapped its device's BAR (the shadow IDT page) in its page tables%s",
			"");
		return;
	}
	f = spin_lock_irqsave(&e->lock);
	ok = build_shadow(v, base, limit);
	spin_unlock_irqrestore(&e->lock, f);
	if (!ok)
		return;
	v->eli.idt_base = base;
	v->eli.idt_limit = limit;
	v->eli.shadow_gva = gva;
	v->eli.gen = e->gen;
	eli_mode_init(&v->eli.mode);
	memset(&v->eli.reclaimed, 0, sizeof(v->eli.reclaimed));
	v->eli.live = true;
	load_direct(v);
	/* Every address space the guest switches to must map the shadow. */
	v->eli.cr3_ok[0] = vmread(VMCS_GUEST_CR3) & PTE_ADDR;
	v->eli.cr3_next = 1;
	vcpu_set_proc_control(v, PROC_CR3_LOAD_EXITING, true);
	e->stats.activations++;
	e->why[0] = 0;
	pr_info("vm %s: vcpu%u: ELI live (%s): shadow IDT at guest %#llx (physical %#llx), guest IDT %#llx",
		vm->name, v->id, eli_setting_name(e->setting), (unsigned long long)gva,
		(unsigned long long)e->shadow_gpa, (unsigned long long)base);
}

/* The device vectors or the guest's IDT changed: rebuild the shadow. */
static void resync(struct vcpu *v)
{
	struct eli_vm *e = &v->vm->eli;
	u64 f = spin_lock_irqsave(&e->lock);
	bool ok = build_shadow(v, v->eli.idt_base, v->eli.idt_limit);

	v->eli.gen = e->gen;
	spin_unlock_irqrestore(&e->lock, f);
	if (!ok)
		give_up(v, e->why);
}

bool eli_shadow_sync(struct vcpu *v)
{
	if (v->eli.gen != __atomic_load_n(&v->vm->eli.gen, __ATOMIC_ACQUIRE))
		resync(v);
	return v->eli.live;
}

void eli_prepare(struct vcpu *v)
{
	struct eli_vm *e = &v->vm->eli;

	if (likely(v->eli.live)) {
		if (unlikely(!v->lapic.x2apic))
			give_up(v, "the guest left x2APIC mode");
		else if (unlikely(v->eli.gen != __atomic_load_n(&e->gen, __ATOMIC_ACQUIRE)))
			resync(v);
		if (unlikely(v->eli.kick)) {
			/* Test hypercall: pending at entry, taken in guest
			 * mode through a hidden gate. */
			v->eli.kick = false;
			lapic_send_ipi(lapic_id(), VEC_KICK);
		}
		return;
	}
	if (e->setting == ELI_CFG_OFF || v->eli.gave_up || rdtsc() < v->eli.next_try)
		return;
	try_activate(v);
}

bool eli_may_inject(struct vcpu *v, u8 vec)
{
	struct vec_set isr;
	struct eli_action a;

	if (!v->eli.live)
		return true;
	assigned_isr(v, &isr);
	a = eli_mode_virtual_intr(&v->eli.mode, vec, &isr);
	apply(v, a.flags);
	if (a.flags & ELI_ACT_WAIT) {
		v->vm->eli.stats.deferred++;
		return false;
	}
	v->vm->eli.stats.injections++;
	return true;
}

bool eli_eoi_write(struct vcpu *v)
{
	struct vec_set isr;
	struct eli_action a;

	if (!v->eli.live)
		return false;
	v->vm->eli.stats.eoi_exits++;
	assigned_isr(v, &isr);
	a = eli_mode_eoi(&v->eli.mode, &isr);
	v->eli.pending_flags = a.flags & ELI_ACT_TO_DIRECT;
	if (a.flags & ELI_ACT_PHYS_EOI) {
		/* The guest's own device interrupt: its EOI is the hardware's. */
		lapic_eoi();
		v->vm->eli.stats.phys_eois++;
		apply(v, v->eli.pending_flags);
		v->eli.pending_flags = 0;
		return true;
	}
	if ((a.flags & ELI_ACT_VIRT_EOI) && vec_set_has(&v->eli.reclaimed, a.vector)) {
		/* One tern completed on the hardware at an exit: owed to the
		 * guest, not in the virtual APIC. */
		vec_set_del(&v->eli.reclaimed, a.vector);
		apply(v, v->eli.pending_flags);
		v->eli.pending_flags = 0;
		return true;
	}
	return false;	/* the virtual APIC's: eli_after_virtual_eoi follows */
}

void eli_after_virtual_eoi(struct vcpu *v)
{
	if (!v->eli.live || !v->eli.pending_flags)
		return;
	apply(v, v->eli.pending_flags);
	v->eli.pending_flags = 0;
}

/*
 * Thesis 3.7.2: a device vector the guest left in service would hold back
 * every interrupt at or below its priority on this core while tern runs.
 * Complete it on the hardware now; the guest's later EOI is then tern's
 * to take (injection mode until it comes).
 */
void eli_after_exit(struct vcpu *v)
{
	struct vec_set isr;
	struct eli_action a;

	if (v->eli.mode.mode != ELI_DIRECT || !(lapic_read(LAPIC_PPR) & 0xf0))
		return;
	assigned_isr(v, &isr);
	a = eli_mode_reclaim(&v->eli.mode, &isr);
	for (u32 i = 0; i < a.count; i++)
		lapic_eoi();
	for (u32 w = 0; w < 4; w++)
		v->eli.reclaimed.w[w] |= isr.w[w];
	v->vm->eli.stats.reclaimed += a.count;
	apply(v, a.flags);
}

int eli_exit_np(struct vcpu *v, u32 info)
{
	u32 err = (u32)vmread(VMCS_EXIT_INTR_ERROR);
	u32 vectoring = (u32)vmread(VMCS_IDT_VECTORING_INFO);
	struct eli_vm *e = &v->vm->eli;
	enum eli_np_cause cause = ELI_NP_GUEST_FAULT;
	u8 vec = 0;

	/* Only the shadow has gates the guest did not clear. */
	if (v->eli.live && v->eli.mode.mode == ELI_DIRECT)
		cause = eli_np_classify(info, err, vectoring, &vec);
	switch (cause) {
	case ELI_NP_HOST_INTR: {
		/* Acknowledged by the CPU through the shadow: it is in
		 * service; tern's handler runs and EOIs it, as if it had
		 * come in tern. Nothing is injected. */
		struct regs r = { .vector = vec };

		irq_dispatch(&r);
		v->skip_reinject = true;
		e->stats.reflected++;
		return EXIT_RESUME;
	}
	case ELI_NP_GUEST_EVENT:
		/* INT n (or an exception past a short limit) on a hidden
		 * gate: replayed through the guest's own IDT (the vectoring
		 * information is re-injected before the next entry), then
		 * back to the shadow after one step. */
		load_injection(v);
		v->eli.replay = true;
		v->eli.step = true;
		e->stats.guest_events++;
		return EXIT_RESUME;
	case ELI_NP_NOT_NP:
	case ELI_NP_GUEST_FAULT:
	default:
		/* The guest's own #NP: delivered as the CPU raised it. */
		vmwrite(VMCS_ENTRY_INTR_INFO, info & ~INTR_INFO_UNDEFINED_12);
		vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, err);
		v->skip_reinject = true;
		e->stats.true_np++;
		return EXIT_RESUME;
	}
}

void eli_step_done(struct vcpu *v)
{
	struct vm *vm = v->vm;

	v->eli.stepping = false;
	if (v->eli.replay) {
		v->eli.replay = false;
		if (v->eli.live && v->eli.mode.mode == ELI_DIRECT)
			load_direct(v);
	}
	if (v->eli.open_page) {
		/* Protect again, then every vCPU resyncs before it next
		 * enters: what the guest wrote meanwhile is in the shadow. */
		gpa_set_state(&vm->mem, v->eli.open_page, PAGE_SIZE, GPA_PG_WP, 0);
		v->eli.open_page = 0;
		vm_ept_changed(vm);
		__atomic_add_fetch(&vm->eli.gen, 1, __ATOMIC_RELEASE);
	}
}

void eli_cr3_loaded(struct vcpu *v, u64 cr3)
{
	u64 root = cr3 & PTE_ADDR, gpa;

	if (!v->eli.live)
		return;
	v->vm->eli.stats.cr3_exits++;
	for (u32 i = 0; i < ARRAY_SIZE(v->eli.cr3_ok); i++)
		if (v->eli.cr3_ok[i] == root)
			return;
	if (!guest_linear_to_gpa_cr3(v, root, v->eli.shadow_gva, &gpa) ||
	    (gpa & ~(u64)(PAGE_SIZE - 1)) != v->vm->eli.shadow_gpa) {
		give_up(v, "the guest switched to page tables that do not map the shadow IDT (page-table isolation?)");
		return;
	}
	v->eli.cr3_ok[v->eli.cr3_next++ % ARRAY_SIZE(v->eli.cr3_ok)] = root;
}

void eli_idtr_read(struct vcpu *v, u64 *base, u16 *limit)
{
	if (v->eli.live) {
		*base = v->eli.idt_base;
		*limit = v->eli.idt_limit;
	} else {
		*base = vmread(VMCS_GUEST_IDTR_BASE);
		*limit = (u16)vmread(VMCS_GUEST_IDTR_LIMIT);
	}
}

void eli_idtr_write(struct vcpu *v, u64 base, u16 limit)
{
	if (!v->eli.live) {
		vmwrite(VMCS_GUEST_IDTR_BASE, base);
		vmwrite(VMCS_GUEST_IDTR_LIMIT, limit);
		return;
	}
	v->eli.idt_base = base;
	v->eli.idt_limit = limit;
	if (v->eli.mode.mode == ELI_INJECTION) {
		vmwrite(VMCS_GUEST_IDTR_BASE, base);
		vmwrite(VMCS_GUEST_IDTR_LIMIT, limit);
	}
	/* The shadow follows the new table before the next entry. */
	__atomic_add_fetch(&v->vm->eli.gen, 1, __ATOMIC_RELEASE);
}

void eli_self_kick(struct vcpu *v)
{
	if (v->eli.live)
		v->eli.kick = true;
}

/* --- what passthru tells ELI --- */

void eli_shadow_placed(struct vm *vm, u64 gpa)
{
	__atomic_store_n(&vm->eli.shadow_gpa, gpa, __ATOMIC_RELEASE);
	__atomic_add_fetch(&vm->eli.gen, 1, __ATOMIC_RELEASE);
}

/*
 * A device vector's gate is present in the shadow IDT every vCPU of the
 * VM shares, so on each of the VM's cores an interrupt with that vector
 * goes to the guest's handler. It is reserved on all of them (tern's
 * movable users moved away, irq/irq.h) so that none of tern's can be
 * one; should one come while tern runs there, it is only counted.
 */
static void stray_device_vector(struct regs *r, void *arg)
{
	struct vm *vm = arg;

	(void)r;
	__atomic_add_fetch(&vm->eli.stats.stray, 1, __ATOMIC_RELAXED);
}

void eli_device_vector(struct vm *vm, u8 vec, bool add)
{
	struct eli_vm *e = &vm->eli;
	u64 f;

	for (u32 i = 0; i < vm->nvcpus; i++) {
		u32 cpu = vm->vcpus[i].cpu;

		if (add)
			irq_claim_vector(cpu, vec, stray_device_vector, vm, vm->name);
		else if (irq_vector_held_by(cpu, vec, stray_device_vector, vm))
			irq_free_vector(cpu, vec);
	}
	f = spin_lock_irqsave(&e->lock);

	if (add)
		vec_set_add(&e->device, vec);
	else
		vec_set_del(&e->device, vec);
	spin_unlock_irqrestore(&e->lock, f);
	__atomic_add_fetch(&e->gen, 1, __ATOMIC_RELEASE);
}

/* --- life cycle --- */

int eli_vm_start(struct vm *vm, char *err, size_t n)
{
	struct eli_vm *e = &vm->eli;
	const struct vmx_msrs *m = &this_cpu()->vmx.raw;
	u8 s = vm->cfg.eli;

	memset(&vm->features, 0, sizeof(vm->features));
	memset(e, 0, sizeof(*e));
	e->lock = (spinlock_t)SPINLOCK_INIT;
	if (s == ELI_CFG_DEFAULT)
		s = vm->cfg.ndevices ? ELI_CFG_ON : ELI_CFG_OFF;
	e->setting = ELI_CFG_OFF;
	if (s == ELI_CFG_OFF) {
		set_why(vm, "%s", vm->cfg.eli == ELI_CFG_OFF ? "eli = off" : "no assigned device");
		return 0;
	}
	if ((u32)m->pinbased & PIN_EXT_INT_EXITING) {
		set_why(vm, "%s", "the CPU forces external-interrupt exiting on");
		return 0;
	}
	if (!(m->procbased2 >> 32 & PROC2_DESC_TABLE_EXITING) ||
	    !(m->pinbased >> 32 & PIN_PREEMPTION_TIMER)) {
		set_why(vm, "%s", "the CPU lacks descriptor-table exiting or the preemption timer");
		return 0;
	}
	if (s == ELI_CFG_ON && !lapic_x2apic()) {
		/* The guest's EOI write reaches the hardware only as an
		 * x2APIC MSR: tern's own APIC must be in x2APIC mode. */
		pr_warn("vm %s: ELI: tern's local APIC is in xAPIC mode: eli = delivery (EOIs exit)",
			vm->name);
		s = ELI_CFG_DELIVERY;
	}
	e->shadow_pa = pmm_alloc_zeroed_page();
	if (!e->shadow_pa)
		goto nomem;
	e->shadow = phys_to_virt(e->shadow_pa);
	e->scratch = phys_to_virt(pmm_alloc_zeroed_page());
	if (e->scratch == phys_to_virt(0))
		goto nomem;
	e->staging = phys_to_virt(pmm_alloc_zeroed_page());
	if (e->staging == phys_to_virt(0))
		goto nomem;
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->eli.msr_bitmap_pa = pmm_alloc(1);
		if (!v->eli.msr_bitmap_pa)
			goto nomem;
		memcpy(phys_to_virt(v->eli.msr_bitmap_pa), phys_to_virt(vm->msr_bitmap_pa),
		       PAGE_SIZE);
	}
	e->wp = (struct gpa_fault_handler){ .fn = idt_wp_fault, .ctx = vm, .state_bit = GPA_PG_WP };
	gpa_add_fault_handler(&vm->mem, &e->wp);
	e->setting = s;
	e->gen = 1;
	vm->features.desc_table_exiting = true;
	vm->features.exception_bitmap |= BIT(EXC_NP);
	set_why(vm, "%s", "waiting: the guest has not started its device yet");
	return 0;
nomem:
	eli_vm_release(vm);
	snprintf(err, n, "out of host memory (ELI)");
	return -1;
}

void eli_vm_release(struct vm *vm)
{
	struct eli_vm *e = &vm->eli;

	eli_ipi_release(vm);
	if (e->wp.fn) {
		gpa_remove_fault_handler(&vm->mem, &e->wp);
		e->wp.fn = NULL;
	}
	if (e->shadow_pa)
		pmm_free(e->shadow_pa, 1);
	if (e->scratch && e->scratch != phys_to_virt(0))
		pmm_free(virt_to_phys(e->scratch), 1);
	if (e->staging && e->staging != phys_to_virt(0))
		pmm_free(virt_to_phys(e->staging), 1);
	e->shadow_pa = 0;
	e->shadow = e->scratch = e->staging = NULL;
	for (u32 i = 0; i < vm->nvcpus; i++) {
		if (vm->vcpus[i].eli.msr_bitmap_pa)
			pmm_free(vm->vcpus[i].eli.msr_bitmap_pa, 1);
		vm->vcpus[i].eli.msr_bitmap_pa = 0;
	}
	e->idt_page[0] = e->idt_page[1] = 0;
}

void eli_vcpu_start(struct vcpu *v)
{
	u64 msr_pa = v->eli.msr_bitmap_pa;

	memset(&v->eli, 0, sizeof(v->eli));
	v->eli.msr_bitmap_pa = msr_pa;
	if (v->vm->eli.setting == ELI_CFG_OFF || !msr_pa)
		return;
	v->eli.on = true;
	eli_mode_init(&v->eli.mode);
	vmwrite(VMCS_MSR_BITMAP, msr_pa);
}

/* Nothing of the guest's stays in service on the core it leaves. */
void eli_vcpu_stop(struct vcpu *v)
{
	u32 n = 0;

	if (v->vm->eli.setting == ELI_CFG_OFF)
		return;
	eli_timer_stop(v);
	/* Every vector in service now is the guest's: tern's handlers have
	 * all returned. Tern's own (0xf0 and up) never are. */
	while ((lapic_read(LAPIC_PPR) & 0xf0) && n < 256) {
		lapic_eoi();
		n++;
	}
	v->vm->eli.stats.reclaimed += n;
	if (v->eli.live) {
		load_injection(v);
		vcpu_set_proc_control(v, PROC_CR3_LOAD_EXITING, false);
		v->eli.live = false;
	}
}

static u32 ipi_vectors(const struct eli_vm *e)
{
	u32 n = 0;

	for (u32 w = 0; w < 4; w++)
		n += (u32)__builtin_popcountll(e->ipi.w[w]);
	return n;
}

void eli_show(struct vm *vm)
{
	const struct eli_vm *e = &vm->eli;
	const struct eli_stats *s = &e->stats;
	u32 live = 0;

	for (u32 i = 0; i < vm->nvcpus; i++)
		live += vm->vcpus[i].eli.live;
	console_printf("  ELI: %s, %u of %u vCPUs live%s%s\n", eli_setting_name(e->setting), live,
		       vm->nvcpus, e->why[0] ? ": " : "", e->why);
	if (e->setting == ELI_CFG_OFF)
		return;
	console_printf("    host interrupts reflected (#NP) %llu, injections %llu (held back %llu), injection mode entries %llu exits %llu\n",
		       (unsigned long long)s->reflected, (unsigned long long)s->injections,
		       (unsigned long long)s->deferred, (unsigned long long)s->inj_entries,
		       (unsigned long long)s->inj_exits);
	console_printf("    CR3 loads checked %llu\n", (unsigned long long)s->cr3_exits);
	console_printf("    EOI exits %llu (to the hardware %llu), reclaimed at exits %llu, guest IDT writes %llu, shadow resyncs %llu, guest #NP %llu, INT n replayed %llu, fallbacks %llu\n",
		       (unsigned long long)s->eoi_exits, (unsigned long long)s->phys_eois,
		       (unsigned long long)s->reclaimed, (unsigned long long)s->idt_writes,
		       (unsigned long long)s->resyncs,
		       (unsigned long long)s->true_np, (unsigned long long)s->guest_events,
		       (unsigned long long)s->fallbacks);
	if (vm->cfg.eli_ipi != CONFIG_ELI_IPI_DIRECT)
		console_printf("    IPIs between vCPUs: injected (eli_ipi = inject)\n");
	else
		console_printf("    IPIs between vCPUs on the hardware: %llu (landed in tern, injected: %llu), kept virtual by the target's TPR %llu; vectors on the hardware %u\n",
			       (unsigned long long)s->ipi_direct, (unsigned long long)s->ipi_in_tern,
			       (unsigned long long)s->ipi_tpr, ipi_vectors(e));
	if (vm->cfg.eli_ipi == CONFIG_ELI_IPI_DIRECT && e->ipi_why)
		console_printf("    IPI vector %#x stays virtual: %s\n", e->ipi_why_vec, e->ipi_why);
	if (s->stray)
		console_printf("    device vectors taken by tern on a core not their route's: %llu\n",
			       (unsigned long long)s->stray);
	if (vm->cfg.eli_timer != CONFIG_ELI_TIMER_DIRECT) {
		console_printf("    guest timer: injected (eli_timer = inject)\n");
		return;
	}
	console_printf("    guest timer on the hardware: stints %llu (TSC deadline passed through %llu), taken directly %llu, raised but not taken %llu (in tern %llu)%s%s\n",
		       (unsigned long long)s->timer_lent, (unsigned long long)s->timer_tscd,
		       (unsigned long long)s->timer_direct,
		       (unsigned long long)s->timer_pending, (unsigned long long)s->timer_in_tern,
		       vm->vcpus[0].eli.timer_why ? "; vcpu0 last not lent: " : "",
		       vm->vcpus[0].eli.timer_why ? vm->vcpus[0].eli.timer_why : "");
}
