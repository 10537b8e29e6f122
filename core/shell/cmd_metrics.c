// SPDX-License-Identifier: GPL-2.0
/*
 * `metrics`: every counter tern keeps, in the Prometheus text format, for
 * a scraper reading the serial console (or an operator with a parser).
 *
 * Each family is printed once, with all its series: per VM and vCPU, per
 * core, per VT-d unit. Every VM that can run appears in the per-VM
 * families, with zeros if it never started (its counters restart at zero
 * on each start, a counter reset to Prometheus); an invalid VM appears only
 * in tern_vm_state. Exit reasons, I/O APIC pins and assigned functions
 * appear only with something to count.
 *
 * `metrics mark N` prints the vCPU families (exits, time, injections) as
 * they were at each vCPU's guest mark N (HC_MARK, vmx/exit.h; zeros where
 * the guest set none) and the ELI ones, which are the VM's, as they were
 * at the last mark N any of its vCPUs set: a benchmark's window that the
 * guest marks itself, free of the harness's own exits.
 */
#include <stdio.h>
#include <string.h>

#include "core/console.h"
#include "core/metrics.h"
#include "core/net/net.h"
#include "core/percpu.h"
#include "core/shell/shell.h"
#include "core/tsc.h"
#include "core/vdev/viommu/viommu.h"
#include "core/vdev/viommu/viommu_sidecore.h"
#include "core/vdev/virtio/virtio_blk_unit.h"
#include "core/vm/vm.h"
#include "drivers/block/blk.h"
#include "iommu/vtd.h"
#include "mm/pmm.h"
#include "mm/swap/preventer.h"
#include "mm/swap/swapper.h"

/*
 * Whole lines to the console: one console_write per line, so a log line
 * from another core lands between samples, never inside one.
 */
struct line_buf {
	char buf[256];
	size_t len;
};

static void line_flush(struct line_buf *l)
{
	console_write(l->buf, l->len);
	l->len = 0;
}

static void line_out(const char *s, size_t n, void *arg)
{
	struct line_buf *l = arg;

	for (size_t i = 0; i < n; i++) {
		if (l->len == sizeof(l->buf))
			line_flush(l);
		l->buf[l->len++] = s[i];
		if (s[i] == '\n')
			line_flush(l);
	}
}

/* -1: the live counters; else the guest mark `metrics mark N` asked for. */
static int src_mark = -1;

static const struct vcpu_stats *vstats(const struct vm *vm, u32 c)
{
	return src_mark < 0 ? &vm->vcpus[c].stats : &vm->vcpus[c].mark[src_mark];
}

static bool eli_field(size_t off)
{
	return off >= offsetof(struct vm, eli.stats) &&
	       off < offsetof(struct vm, eli.stats) + sizeof(struct eli_stats);
}

static bool vm_listed(const struct vm *vm)
{
	return vm->state != VM_INVALID;
}

/* Labels vm, vcpu and one more (filled by the caller). */
struct vcpu_labels {
	char id[12];
	struct prom_label l[3];
};

static void vcpu_labels(struct vcpu_labels *vl, const struct vm *vm, u32 i)
{
	snprintf(vl->id, sizeof(vl->id), "%u", i);
	vl->l[0] = (struct prom_label){ "vm", vm->name };
	vl->l[1] = (struct prom_label){ "vcpu", vl->id };
}

static void vm_state(struct prom *p)
{
	static const u32 states[] = { VM_DEFINED, VM_RUNNING, VM_STOPPED, VM_INVALID };

	prom_family(p, "tern_vm_state", "1 for the state each VM is in (defined, running, stopped, invalid), 0 for the others",
		    PROM_GAUGE);
	for (u32 i = 0; i < nvms; i++) {
		const struct vm *vm = vms[i];
		u32 now = vm->state;

		for (u32 s = 0; s < ARRAY_SIZE(states); s++) {
			struct prom_label l[2] = {
				{ "vm", vm->name }, { "state", vm_state_name(states[s]) },
			};

			prom_u64(p, l, 2, now == states[s]);
		}
	}
}

/* Every vCPU of every VM the families list (vm_listed). */
#define for_each_listed_vcpu(vm, c)						\
	for (u32 i_ = 0; i_ < nvms; i_++)					\
		for (const struct vm *vm = vms[i_]; vm; vm = NULL)		\
			for (u32 c = 0; vm_listed(vm) && c < vm->nvcpus; c++)

static void vm_exits(struct prom *p)
{
	prom_family(p, "tern_vm_exits_total", "VM exits by vCPU and exit reason (reasons with exits only)",
		    PROM_COUNTER);
	for_each_listed_vcpu(vm, c) {
		const struct vcpu_stats *s = vstats(vm, c);
		struct vcpu_labels vl;

		vcpu_labels(&vl, vm, c);
		for (u32 r = 0; r <= EXIT_REASON_MAX; r++) {
			if (!s->exits[r])
				continue;
			vl.l[2] = (struct prom_label){ "reason",
				r == EXIT_REASON_MAX ? "other" : vmx_exit_name(r) };
			prom_u64(p, vl.l, 3, s->exits[r]);
		}
	}
}

static void vcpu_seconds(struct prom *p)
{
	u64 hz = tsc_hz();

	prom_family(p, "tern_vcpu_seconds_total",
		    "vCPU time: in the guest, in tern handling its exits, halted (HLT or waiting for a start-up IPI)",
		    PROM_COUNTER);
	for_each_listed_vcpu(vm, c) {
		const struct vcpu_stats *s = vstats(vm, c);
		struct vcpu_labels vl;

		vcpu_labels(&vl, vm, c);
		vl.l[2] = (struct prom_label){ "state", "guest" };
		prom_seconds(p, vl.l, 3, s->tsc_guest, hz);
		vl.l[2].value = "tern";
		prom_seconds(p, vl.l, 3, s->tsc_tern, hz);
		vl.l[2].value = "halted";
		prom_seconds(p, vl.l, 3, s->tsc_halted, hz);
	}
}

/* A per-vCPU counter: the u64 at `off` in struct vcpu_stats. */
static void vcpu_counter(struct prom *p, const char *name, const char *help, size_t off)
{
	prom_family(p, name, help, PROM_COUNTER);
	for_each_listed_vcpu(vm, c) {
		const u8 *s = (const u8 *)vstats(vm, c);
		struct vcpu_labels vl;

		vcpu_labels(&vl, vm, c);
		prom_u64(p, vl.l, 2, *(const u64 *)(s + off));
	}
}

static void vcpu_counters(struct prom *p)
{
	vcpu_counter(p, "tern_vm_interrupts_injected_total", "Interrupts injected into the vCPU",
		     offsetof(struct vcpu_stats, interrupts_injected));
	vcpu_counter(p, "tern_vm_interrupts_reinjected_total",
		     "Events delivered again because an exit interrupted their delivery",
		     offsetof(struct vcpu_stats, reinjected));
	vcpu_counter(p, "tern_vm_nmis_injected_total", "NMIs injected into the vCPU",
		     offsetof(struct vcpu_stats, nmis_injected));
	vcpu_counter(p, "tern_vm_gp_injected_total", "#GP injected (MSRs tern does not emulate)",
		     offsetof(struct vcpu_stats, gp_injected));
	vcpu_counter(p, "tern_vm_exceptions_reflected_total",
		     "Exception exits (the VM's exception bitmap) given back to the guest",
		     offsetof(struct vcpu_stats, exceptions_reflected));
	vcpu_counter(p, "tern_vm_ud_injected_total",
		     "#UD injected (VMX instructions: guests have no VMX)",
		     offsetof(struct vcpu_stats, ud_injected));
	vcpu_counter(p, "tern_vm_init_resets_total", "INITs that reset the running vCPU",
		     offsetof(struct vcpu_stats, inits));
	vcpu_counter(p, "tern_vm_string_mmio_elements_total", "MOVS/STOS/LODS elements emulated on MMIO",
		     offsetof(struct vcpu_stats, string_elements));
}

/* A per-VM counter: the u64 at `off` in struct vm, labelled vm and maybe one more. */
static void vm_counter(struct prom *p, const struct vm *vm, size_t off, const char *lname,
		       const char *lvalue)
{
	struct prom_label l[2] = { { "vm", vm->name }, { lname, lvalue } };
	const u8 *base = (const u8 *)vm;

	/* A mark holds the ELI counters only (vm_counters asks no other). */
	if (src_mark >= 0)
		base = (const u8 *)&vm->eli.mark[src_mark] - offsetof(struct vm, eli.stats);
	prom_u64(p, l, lname ? 2 : 1, *(const u64 *)(base + off));
}

static void vm_counters(struct prom *p)
{
	static const struct {
		const char *name, *help, *lname, *lvalue;
		size_t off;
		bool first;		/* starts a family */
	} c[] = {
		{ "tern_vm_ipis_total", "IPIs between a VM's vCPUs, by result", "result", "delivered",
		  offsetof(struct vm, ipis_sent), true },
		{ NULL, NULL, "result", "nmi", offsetof(struct vm, nmis_sent), false },
		{ NULL, NULL, "result", "no_vcpu", offsetof(struct vm, ipis_unroutable), false },
		{ NULL, NULL, "result", "init_to_self_dropped", offsetof(struct vm, ipis_dropped), false },
		{ "tern_vm_unclaimed_io_total", "Guest port I/O no device claims (reads all ones, writes dropped)",
		  NULL, NULL, offsetof(struct vm, io_unclaimed), true },
		{ "tern_vm_unbacked_accesses_total", "Guest accesses to unbacked memory, by kind",
		  "access", "read", offsetof(struct vm, unbacked_reads), true },
		{ NULL, NULL, "access", "write", offsetof(struct vm, unbacked_writes), false },
		{ "tern_vm_pit_interrupts_total", "Interrupts raised by the VM's 8254 PIT", NULL, NULL,
		  offsetof(struct vm, plat.pit_irqs), true },
		{ "tern_vm_ept_faults_total", "EPT violations the guest-physical map handled", NULL, NULL,
		  offsetof(struct vm, mem.faults), true },
		{ "tern_vm_ept_flushes_total", "Batched EPT invalidations of the guest-physical map", NULL,
		  NULL, offsetof(struct vm, mem.flushes), true },
		{ "tern_vm_console_bytes_total", "Bytes the guest wrote to its COM1", NULL, NULL,
		  offsetof(struct vm, con_written), true },
		{ "tern_vm_resets_total", "Resets the guest asked for (tern restarted the VM)", NULL, NULL,
		  offsetof(struct vm, resets), true },
		/* ELI (vmx/eli/eli.h). Of the interrupts delivered
		 * exitlessly only the guest timer's are counted (tern lent
		 * the timer and reads it back, vmx/eli/timer.h); a device's
		 * never reach tern (the benchmark counts them in the guest). */
		{ "tern_eli_direct_interrupts_total", "ELI: interrupts the guest took through the shadow IDT that tern can count, by source (the guest timer's; devices' are not seen)",
		  "source", "timer", offsetof(struct vm, eli.stats.timer_direct), true },
		{ "tern_eli_timer_lent_total", "ELI: guest-mode stints with the core's local APIC timer lent to the guest's timer",
		  NULL, NULL, offsetof(struct vm, eli.stats.timer_lent), true },
		{ "tern_eli_timer_deadline_passthrough_total", "ELI: of those stints, IA32_TSC_DEADLINE passed through to the hardware (the guest's arm without an exit)",
		  NULL, NULL, offsetof(struct vm, eli.stats.timer_tscd), true },
		{ "tern_eli_timer_pending_total", "ELI: lent timer expiries raised but not taken in guest mode (injected instead)",
		  NULL, NULL, offsetof(struct vm, eli.stats.timer_pending), true },
		{ "tern_eli_reflected_total", "ELI: host interrupts that hit a hidden gate of the shadow IDT (#NP exits) and ran in tern",
		  NULL, NULL, offsetof(struct vm, eli.stats.reflected), true },
		{ "tern_eli_injection_mode_total", "ELI: entries into injection mode (guest IDT, exiting interrupts) for virtual interrupts",
		  NULL, NULL, offsetof(struct vm, eli.stats.inj_entries), true },
		{ "tern_eli_injection_mode_exits_total", "ELI: returns from injection mode to direct delivery",
		  NULL, NULL, offsetof(struct vm, eli.stats.inj_exits), true },
		{ "tern_eli_injections_total", "ELI: virtual interrupts injected while ELI was live",
		  NULL, NULL, offsetof(struct vm, eli.stats.injections), true },
		{ "tern_eli_eoi_exits_total", "ELI: guest EOI writes that exited while ELI was live",
		  NULL, NULL, offsetof(struct vm, eli.stats.eoi_exits), true },
		{ "tern_eli_device_eoi_exits_total", "ELI: of those, EOIs of a device vector in service on the hardware (passed on to it)",
		  NULL, NULL, offsetof(struct vm, eli.stats.phys_eois), true },
		{ "tern_eli_shadow_resyncs_total", "ELI: shadow IDT rebuilds (guest IDT writes, LIDT, new device vectors)",
		  NULL, NULL, offsetof(struct vm, eli.stats.resyncs), true },
		{ "tern_eli_reclaimed_total", "ELI: guest device vectors tern EOI'd on the hardware at an exit (thesis 3.7.2)",
		  NULL, NULL, offsetof(struct vm, eli.stats.reclaimed), true },
		{ "tern_eli_guest_np_total", "ELI: the guest's own #NP faults, re-injected",
		  NULL, NULL, offsetof(struct vm, eli.stats.true_np), true },
		{ "tern_eli_fallbacks_total", "ELI: vCPUs that left ELI for good (vm stats says why)",
		  NULL, NULL, offsetof(struct vm, eli.stats.fallbacks), true },
		{ "tern_eli_ipis_direct_total", "ELI: IPIs between the VM's vCPUs sent on the hardware with the guest's vector (eli_ipi = direct)",
		  NULL, NULL, offsetof(struct vm, eli.stats.ipi_direct), true },
		{ "tern_eli_ipis_in_tern_total", "ELI: of those, IPIs that landed while tern ran on the target's core (injected instead)",
		  NULL, NULL, offsetof(struct vm, eli.stats.ipi_in_tern), true },
	};

	/* Families in order, each with all VMs before the next starts. */
	for (u32 f = 0; f < ARRAY_SIZE(c); f++) {
		u32 last = f;

		if (!c[f].first || (src_mark >= 0 && !eli_field(c[f].off)))
			continue;
		while (last + 1 < ARRAY_SIZE(c) && !c[last + 1].first)
			last++;
		prom_family(p, c[f].name, c[f].help, PROM_COUNTER);
		for (u32 i = 0; i < nvms; i++)
			for (u32 k = f; vm_listed(vms[i]) && k <= last; k++)
				vm_counter(p, vms[i], c[k].off, c[k].lname, c[k].lvalue);
	}
}

static void vm_devices(struct prom *p)
{
	prom_family(p, "tern_vm_ioapic_deliveries_total",
		    "Interrupts the VM's I/O APIC delivered, by pin (pins with deliveries only)", PROM_COUNTER);
	for (u32 i = 0; i < nvms; i++) {
		const struct vm *vm = vms[i];

		for (u32 pin = 0; vm_listed(vm) && pin < VIOAPIC_PINS; pin++) {
			char n[8];
			struct prom_label l[2] = { { "vm", vm->name }, { "pin", n } };

			if (!vm->plat.ioapic.delivered[pin])
				continue;
			snprintf(n, sizeof(n), "%u", pin);
			prom_u64(p, l, 2, vm->plat.ioapic.delivered[pin]);
		}
	}
	prom_family(p, "tern_vm_assigned_interrupts_total",
		    "Host interrupts of the VM's assigned PCI functions, by kind (while assigned)", PROM_COUNTER);
	for (u32 i = 0; i < nvms; i++) {
		const struct vm *vm = vms[i];

		for (u32 k = 0; vm_listed(vm) && k < vm->npt; k++) {
			const struct passthru *pt = vm->pt[k];
			char bdf[16];
			struct prom_label l[3] = { { "vm", vm->name }, { "device", bdf }, { "kind", "intx" } };

			snprintf(bdf, sizeof(bdf), "%02x:%02x.%u", pt->pdev->bus, pt->pdev->dev,
				 pt->pdev->fn);
			prom_u64(p, l, 3, pt->intx_host);
			l[2].value = "msi";
			prom_u64(p, l, 3, pt->msi_host);
			l[2].value = "msix";
			prom_u64(p, l, 3, pt->msix_irqs);
		}
	}
	prom_family(p, "tern_vm_memory_bytes", "Guest RAM of the VM, as configured", PROM_GAUGE);
	for (u32 i = 0; i < nvms; i++) {
		struct prom_label l = { "vm", vms[i]->name };

		if (vm_listed(vms[i]))
			prom_u64(p, &l, 1, vms[i]->cfg.memory);
	}
}

/* A VM's virtio-blk device: a family per counter, every VM with a disk. */
static void vblk_family(struct prom *p, const char *name, const char *help, size_t off)
{
	prom_family(p, name, help, PROM_COUNTER);
	for (u32 i = 0; i < nvms; i++) {
		const struct vblk *b = vblk_of(vms[i]);
		struct prom_label l = { "vm", vms[i]->name };

		if (b && vm_listed(vms[i]))
			prom_u64(p, &l, 1, *(const u64 *)((const u8 *)b + off));
	}
}

/* A VM's vIOMMU (core/vdev/viommu/viommu.h): every VM that has one. */
static void viommu_family(struct prom *p, const char *name, const char *help, size_t off,
			  enum prom_type type)
{
	prom_family(p, name, help, type);
	for (u32 i = 0; i < nvms; i++) {
		struct viommu_counters c;
		struct prom_label l = { "vm", vms[i]->name };

		if (vm_listed(vms[i]) && viommu_counters(vms[i], &c))
			prom_u64(p, &l, 1, *(const u64 *)((const u8 *)&c + off));
	}
}

/* A vIOMMU counter family with a second label: key = names[k] for the
 * counter at offs[k], every VM that has one. */
struct viommu_split {
	const char *name;
	size_t off;
};

static void viommu_family_by(struct prom *p, const char *name, const char *help, const char *key,
			     const struct viommu_split *s, u32 n)
{
	prom_family(p, name, help, PROM_COUNTER);
	for (u32 i = 0; i < nvms; i++) {
		struct viommu_counters c;
		struct prom_label l[2] = { { "vm", vms[i]->name }, { key, NULL } };

		if (!vm_listed(vms[i]) || !viommu_counters(vms[i], &c))
			continue;
		for (u32 k = 0; k < n; k++) {
			l[1].value = s[k].name;
			prom_u64(p, l, 2, *(const u64 *)((const u8 *)&c + s[k].off));
		}
	}
}

#define VSPLIT(n, f)	{ n, offsetof(struct viommu_counters, f) }

static void viommu_metrics(struct prom *p)
{
	static const struct viommu_split inv[] = {
		VSPLIT("context", inv_context), VSPLIT("iotlb", inv_iotlb),
		VSPLIT("interrupt_entry", inv_iec),
	};
	static const struct viommu_split again[] = {
		VSPLIT("queue", again_queue), VSPLIT("dma", again_dma), VSPLIT("irq", again_irq),
	};
	static const struct viommu_split shadow[] = {
		VSPLIT("page", shadow_inv_page), VSPLIT("domain", shadow_inv_domain),
		VSPLIT("global", shadow_inv_global), VSPLIT("failed", shadow_inv_failed),
	};

	viommu_family_by(p, "tern_viommu_invalidations_total",
			 "Invalidations the guest asked of its vIOMMU, by type", "type", inv,
			 ARRAY_SIZE(inv));
	viommu_family(p, "tern_viommu_exits_total",
		      "Guest accesses to the vIOMMU's registers (each a VM exit, samecore)",
		      offsetof(struct viommu_counters, exits), PROM_COUNTER);
	viommu_family(p, "tern_viommu_maps_total",
		      "Translations tern set up for the guest's DMA mappings (new or reused)",
		      offsetof(struct viommu_counters, maps), PROM_COUNTER);
	viommu_family(p, "tern_viommu_unmaps_total",
		      "Translations the guest unmapped (invalidated while tern held them live)",
		      offsetof(struct viommu_counters, unmaps), PROM_COUNTER);
	viommu_family(p, "tern_viommu_pinned_pages", "Pages the vIOMMU holds pinned now",
		      offsetof(struct viommu_counters, pinned), PROM_GAUGE);
	viommu_family(p, "tern_viommu_pins_total", "Guest pages the vIOMMU pinned",
		      offsetof(struct viommu_counters, pins), PROM_COUNTER);
	viommu_family(p, "tern_viommu_unpins_total", "Guest pages the vIOMMU unpinned",
		      offsetof(struct viommu_counters, unpins), PROM_COUNTER);
	viommu_family(p, "tern_viommu_page_walks_total",
		      "Walks of the guest's DMA remapping tables",
		      offsetof(struct viommu_counters, walks), PROM_COUNTER);
	viommu_family(p, "tern_viommu_teardown_reused_total",
		      "Stale translations the guest mapped again to the same page (optimistic teardown)",
		      offsetof(struct viommu_counters, reused), PROM_COUNTER);
	viommu_family(p, "tern_viommu_teardown_deferred_total",
		      "Guest unmaps whose teardown was deferred (optimistic teardown)",
		      offsetof(struct viommu_counters, deferred), PROM_COUNTER);
	viommu_family(p, "tern_viommu_teardown_expired_total",
		      "Stale translations torn down past their residency or over the quota",
		      offsetof(struct viommu_counters, expired), PROM_COUNTER);
	viommu_family(p, "tern_viommu_teardown_clock_checks_total",
		      "Times the teardown window's clock (the first vCPU samecore, the sidecore) found stale translations due and tore them down",
		      offsetof(struct viommu_counters, clock_checks), PROM_COUNTER);
	viommu_family_by(p, "tern_viommu_page_retries_total",
			 "Work of an overcommitted VM's vIOMMU retried for a guest page on disk, by what (irq: an interrupt held until a vCPU has waited for its remapping entry's page)",
			 "for", again, ARRAY_SIZE(again));
	viommu_family(p, "tern_viommu_interrupts_late_total",
		      "Interrupts held for a remapping entry on disk, then delivered",
		      offsetof(struct viommu_counters, irqs_late), PROM_COUNTER);
	viommu_family(p, "tern_viommu_interrupts_lost_total",
		      "Interrupts held for a remapping entry on disk and lost (more held than room, or remapping turned off meanwhile)",
		      offsetof(struct viommu_counters, irqs_lost), PROM_COUNTER);
	viommu_family(p, "tern_viommu_physical_invalidations_total",
		      "Teardown batches: a real physical IOTLB invalidation each when it cleared shadowed entries of assigned devices, the equivalent for emulated devices' translations",
		      offsetof(struct viommu_counters, phys_inv), PROM_COUNTER);
	viommu_family_by(p, "tern_viommu_shadow_invalidations_total",
			 "Physical IOTLB invalidations for assigned devices' shadowed translations, by granularity (failed: the unit did not answer)",
			 "type", shadow, ARRAY_SIZE(shadow));
	viommu_family(p, "tern_viommu_shadowed_devices",
		      "Assigned devices whose DMA follows the guest's vIOMMU translations now",
		      offsetof(struct viommu_counters, shadowed), PROM_GAUGE);
	viommu_family(p, "tern_viommu_stale_mappings",
		      "Translations logically unmapped but physically alive now",
		      offsetof(struct viommu_counters, stale_now), PROM_GAUGE);
	viommu_family(p, "tern_viommu_stale_mappings_max",
		      "The most translations logically unmapped but physically alive at once",
		      offsetof(struct viommu_counters, stale_max), PROM_GAUGE);
	prom_family(p, "tern_viommu_stale_lifetime_max_seconds",
		    "The longest a stale translation lived (the oldest alive included)", PROM_GAUGE);
	for (u32 i = 0; i < nvms; i++) {
		struct viommu_counters c;
		struct prom_label l = { "vm", vms[i]->name };

		if (vm_listed(vms[i]) && viommu_counters(vms[i], &c))
			prom_seconds(p, &l, 1, c.stale_longest_ns, 1000000000ULL);
	}
	viommu_family(p, "tern_viommu_faults_total",
		      "DMA and interrupt remapping faults recorded in the vIOMMU's fault registers",
		      offsetof(struct viommu_counters, faults), PROM_COUNTER);
}

/* The vIOMMU's sidecore (viommu_sidecore.h), once configured. */
static void viommu_sidecore_metrics(struct prom *p)
{
	static const struct {
		const char *name, *help;
		size_t off;
		bool tsc;		/* TSC ticks, shown in seconds */
	} f[] = {
		{ "tern_viommu_sidecore_rounds_total",
		  "Rounds the sidecore made over the register pages it serves",
		  offsetof(struct viommu_side_stats, polls), false },
		{ "tern_viommu_sidecore_busy_rounds_total", "Sidecore rounds that found work",
		  offsetof(struct viommu_side_stats, busy_polls), false },
		{ "tern_viommu_sidecore_seconds_total",
		  "Time the sidecore ran (busy, polling or waiting)",
		  offsetof(struct viommu_side_stats, total_tsc), true },
		{ "tern_viommu_sidecore_busy_seconds_total",
		  "Time the sidecore spent on rounds that found work",
		  offsetof(struct viommu_side_stats, busy_tsc), true },
		{ "tern_viommu_sidecore_waits_total", "MWAITs of the idle sidecore on IQT's line",
		  offsetof(struct viommu_side_stats, waits), false },
		{ "tern_viommu_sidecore_wait_seconds_total", "Time the idle sidecore spent in MWAIT",
		  offsetof(struct viommu_side_stats, wait_tsc), true },
		{ "tern_viommu_sidecore_write_wakes_total",
		  "Sidecore MWAITs that ended with work to do (a guest's write)",
		  offsetof(struct viommu_side_stats, write_wakes), false },
		{ "tern_viommu_sidecore_bound_wakes_total",
		  "Sidecore MWAITs that found no work and lasted at least 7/8 of their bound (VIOMMU_SIDE_WAIT_NS)",
		  offsetof(struct viommu_side_stats, timer_wakes), false },
	};
	struct viommu_side_stats s;
	char core[12];
	struct prom_label l = { "core", core };
	u64 hz = tsc_hz();

	viommu_side_stats(&s);
	if (s.core < 0 || !hz)
		return;
	snprintf(core, sizeof(core), "%d", s.core);
	for (u32 i = 0; i < ARRAY_SIZE(f); i++) {
		u64 v = *(const u64 *)((const char *)&s + f[i].off);

		prom_family(p, f[i].name, f[i].help, PROM_COUNTER);
		if (f[i].tsc)
			prom_seconds(p, &l, 1, v, hz);
		else
			prom_u64(p, &l, 1, v);
	}
}

static void vblk_counters(struct prom *p)
{
	prom_family(p, "tern_virtio_blk_requests_total",
		    "Requests the guest made of its virtio-blk disk, by type", PROM_COUNTER);
	for (u32 i = 0; i < nvms; i++) {
		const struct vblk *b = vblk_of(vms[i]);

		for (u32 k = 0; b && vm_listed(vms[i]) && k < VBLK_KINDS; k++) {
			struct prom_label l[2] = { { "vm", vms[i]->name },
						   { "type", vblk_kind_names[k] } };

			prom_u64(p, l, 2, b->requests[k]);
		}
	}
	prom_family(p, "tern_virtio_blk_bytes_total",
		    "Guest data moved by the virtio-blk disk, by direction", PROM_COUNTER);
	for (u32 i = 0; i < nvms; i++) {
		const struct vblk *b = vblk_of(vms[i]);
		struct prom_label l[2] = { { "vm", vms[i]->name }, { "direction", "read" } };

		if (!b || !vm_listed(vms[i]))
			continue;
		prom_u64(p, l, 2, b->bytes_read);
		l[1].value = "write";
		prom_u64(p, l, 2, b->bytes_written);
	}
	vblk_family(p, "tern_virtio_blk_notifies_total",
		    "Queue notifications (guest exits) of the virtio-blk device",
		    offsetof(struct vblk, vp.notifies));
	vblk_family(p, "tern_virtio_blk_host_ops_total",
		    "Host block requests the virtio-blk device submitted", offsetof(struct vblk, host_ops));
	vblk_family(p, "tern_virtio_blk_errors_total",
		    "Requests answered with VIRTIO_BLK_S_IOERR (refused, host errors, time-outs)",
		    offsetof(struct vblk, ioerr));
	vblk_family(p, "tern_virtio_blk_host_timeouts_total",
		    "Host block requests of the virtio-blk device that timed out",
		    offsetof(struct vblk, host_timeouts));
	vblk_family(p, "tern_virtio_blk_interrupts_total",
		    "Used-buffer interrupts the virtio-blk device raised", offsetof(struct vblk, interrupts));
	vblk_family(p, "tern_vblk_queue_tsc_total",
		    "TSC ticks of virtio-blk completions on the management core (outside vCPU exits)",
		    offsetof(struct vblk, queue_tsc));
}

/* A per-core counter: the u64 at `off` in struct percpu. */
static void cpu_counter(struct prom *p, const char *name, const char *help, size_t off)
{
	prom_family(p, name, help, PROM_COUNTER);
	for (u32 i = 0; i < cpu_count; i++) {
		char n[8];
		struct prom_label l = { "cpu", n };

		if (!cpus[i] || cpus[i]->state == CPU_ABSENT)
			continue;
		snprintf(n, sizeof(n), "%u", i);
		prom_u64(p, &l, 1, *(const u64 *)((const u8 *)cpus[i] + off));
	}
}

static void cpu_counters(struct prom *p)
{
	cpu_counter(p, "tern_cpu_interrupts_total", "Interrupts taken by the core (exceptions and spurious excluded)",
		    offsetof(struct percpu, irq_count));
	cpu_counter(p, "tern_cpu_ipis_total", "Cross-CPU call IPIs the core handled",
		    offsetof(struct percpu, ipi_count));
	cpu_counter(p, "tern_cpu_timer_interrupts_total", "Local APIC timer interrupts of the core",
		    offsetof(struct percpu, timer_irqs));
	cpu_counter(p, "tern_cpu_nmis_total", "NMIs the core took in tern",
		    offsetof(struct percpu, nmi_count));
	cpu_counter(p, "tern_cpu_exceptions_total", "Exceptions the core took in tern",
		    offsetof(struct percpu, exception_count));
}

static void iommu_counters(struct prom *p)
{
	static const struct {
		const char *type;
		size_t off;
	} inv[] = {
		{ "context", offsetof(struct vtd_unit, cc_invals) },
		{ "iotlb", offsetof(struct vtd_unit, iotlb_invals) },
		{ "interrupt_entry", offsetof(struct vtd_unit, iec_invals) },
		{ "wait", offsetof(struct vtd_unit, waits) },
	};

	prom_family(p, "tern_iommu_invalidations_total",
		    "Queued invalidation descriptors by VT-d unit and type", PROM_COUNTER);
	for (u32 i = 0; i < vtd_nunits; i++) {
		char n[8];
		struct prom_label l[2] = { { "unit", n }, { "type", NULL } };

		snprintf(n, sizeof(n), "%u", i);
		for (u32 k = 0; k < ARRAY_SIZE(inv); k++) {
			l[1].value = inv[k].type;
			prom_u64(p, l, 2, __atomic_load_n((const u64 *)((const u8 *)&vtd_units[i] +
									inv[k].off), __ATOMIC_RELAXED));
		}
	}
	prom_family(p, "tern_iommu_wait_timeouts_total", "Invalidation waits that timed out (a hung unit)",
		    PROM_COUNTER);
	for (u32 i = 0; i < vtd_nunits; i++) {
		char n[8];
		struct prom_label l = { "unit", n };

		snprintf(n, sizeof(n), "%u", i);
		prom_u64(p, &l, 1, __atomic_load_n(&vtd_units[i].wait_timeouts, __ATOMIC_RELAXED));
	}
	prom_family(p, "tern_iommu_faults_total", "DMA and interrupt-remapping faults recorded by VT-d unit",
		    PROM_COUNTER);
	for (u32 i = 0; i < vtd_nunits; i++) {
		char n[8];
		struct prom_label l = { "unit", n };

		snprintf(n, sizeof(n), "%u", i);
		prom_u64(p, &l, 1, __atomic_load_n(&vtd_units[i].faults, __ATOMIC_RELAXED));
	}
}

static void memory(struct prom *p)
{
	struct pmm_stats s;

	pmm_get_stats(&s);
	prom_family(p, "tern_memory_managed_bytes", "Memory under tern's page allocator", PROM_GAUGE);
	prom_u64(p, NULL, 0, s.total_pages * PAGE_SIZE);
	prom_family(p, "tern_memory_used_bytes", "Memory allocated (tern's own and the VMs')", PROM_GAUGE);
	prom_u64(p, NULL, 0, (s.total_pages - s.free_pages) * PAGE_SIZE);
}

/* Per disk and partition (a partition's requests count on its disk too). */
static void disk_counters(struct prom *p)
{
	static const enum blk_op ops[] = { BLK_READ, BLK_WRITE, BLK_FLUSH };

	prom_family(p, "tern_disk_ops_total", "Requests completed without error, by disk and operation",
		    PROM_COUNTER);
	for (u32 i = 0; i < blk_ndevs; i++)
		for (u32 k = 0; k < ARRAY_SIZE(ops); k++) {
			struct prom_label l[2] = { { "disk", blk_devs[i]->name },
						   { "op", blk_op_name(ops[k]) } };

			prom_u64(p, l, 2, blk_devs[i]->nops[ops[k]]);
		}
	prom_family(p, "tern_disk_bytes_total", "Bytes read and written by requests completed without error",
		    PROM_COUNTER);
	for (u32 i = 0; i < blk_ndevs; i++)
		for (u32 k = 0; k < ARRAY_SIZE(ops); k++) {
			struct prom_label l[2] = { { "disk", blk_devs[i]->name },
						   { "op", blk_op_name(ops[k]) } };

			prom_u64(p, l, 2, blk_devs[i]->bytes[ops[k]]);
		}
	prom_family(p, "tern_disk_errors_total", "Requests completed with an error (time-outs included)",
		    PROM_COUNTER);
	for (u32 i = 0; i < blk_ndevs; i++) {
		struct prom_label l = { "disk", blk_devs[i]->name };

		prom_u64(p, &l, 1, blk_devs[i]->errors);
	}
	/* Whole disks: a partition's requests are charged to its disk. */
	prom_family(p, "tern_disk_driver_tsc_total",
		    "TSC ticks of the block layer and driver on the management core, interrupts included",
		    PROM_COUNTER);
	for (u32 i = 0; i < blk_ndevs; i++) {
		struct prom_label l = { "disk", blk_devs[i]->name };

		if (!blk_devs[i]->parent)
			prom_u64(p, &l, 1, __atomic_load_n(&blk_devs[i]->driver_tsc, __ATOMIC_RELAXED));
	}
	prom_family(p, "tern_disk_in_flight", "Requests submitted and not yet completed", PROM_GAUGE);
	for (u32 i = 0; i < blk_ndevs; i++) {
		struct prom_label l = { "disk", blk_devs[i]->name };

		prom_u64(p, &l, 1, __atomic_load_n(&blk_devs[i]->in_flight, __ATOMIC_RELAXED));
	}
}

/*
 * Overcommit (mm/swap/swapper.h): swap traffic for every VM that ran
 * overcommitted; resident bytes for every listed VM (all its memory when
 * it runs with all of it, the frames it holds when overcommitted, 0 when
 * it is not running).
 */
/* One of the swapper's two-sample families: out by kind, in by source. */
static void swap_pair(struct prom *p, const char *name, const char *help, const char *lname,
		      const char *const *lvals, bool in)
{
	prom_family(p, name, help, PROM_COUNTER);
	for (u32 i = 0; i < nvms; i++) {
		struct swapper_counts c;

		if (!vm_listed(vms[i]) || !swapper_counts(vms[i], &c))
			continue;
		for (u32 k = 0; k < 2; k++) {
			struct prom_label l[2] = { { "vm", vms[i]->name }, { lname, lvals[k] } };

			prom_u64(p, l, 2, in ? (k ? c.in_image : c.in_swap) :
					       (k ? c.out_dropped : c.out_written));
		}
	}
}

/* One per-VM counter of the swapper's, for every VM that ran overcommitted. */
static void swap_one(struct prom *p, const char *name, const char *help,
		     u64 (*get)(const struct swapper_counts *c))
{
	prom_family(p, name, help, PROM_COUNTER);
	for (u32 i = 0; i < nvms; i++) {
		struct swapper_counts c;
		struct prom_label l = { "vm", vms[i]->name };

		if (vm_listed(vms[i]) && swapper_counts(vms[i], &c))
			prom_u64(p, &l, 1, get(&c));
	}
}

static u64 c_stale(const struct swapper_counts *c) { return c->stale_avoided; }
static u64 c_false(const struct swapper_counts *c) { return c->false_reads_avoided; }
static u64 c_silent(const struct swapper_counts *c) { return c->silent_writes; }
static u64 c_silent_avoided(const struct swapper_counts *c) { return c->silent_avoided; }
static u64 c_prefetched(const struct swapper_counts *c) { return c->prefetched; }
static u64 c_prefetch_used(const struct swapper_counts *c) { return c->prefetch_used; }

static void swap_metrics(struct prom *p)
{
	static const char *const kinds[] = { "written", "dropped" };
	static const char *const sources[] = { "swap", "image" };

	swap_pair(p, "tern_swap_out_total",
		  "Guest pages reclaimed by the swapper: written to swap, or dropped (clean, already there)",
		  "kind", kinds, false);
	swap_pair(p, "tern_swap_in_total",
		  "Guest pages read back, by source: the swap partition, or the VM's disk image (the Swap Mapper; read-ahead included)",
		  "source", sources, true);
	swap_one(p, "tern_swap_stale_reads_avoided_total",
		 "Disk reads into pages on disk that needed no read of the old content (the Swap Mapper)",
		 c_stale);
	swap_one(p, "tern_swap_false_reads_avoided_total",
		 "Pages on disk the guest overwrote whole, mapped with no read (the False Reads Preventer)",
		 c_false);
	prom_family(p, "tern_swap_preventer_ended_total",
		    "The False Reads Preventer's emulations by how they ended (limit: not started)",
		    PROM_COUNTER);
	for (u32 i = 0; i < nvms; i++) {
		struct swapper_counts c;

		if (!vm_listed(vms[i]) || !swapper_counts(vms[i], &c) || !c.prevent)
			continue;
		for (u32 k = 0; k < ARRAY_SIZE(c.prev_ended); k++) {
			struct prom_label l[2] = { { "vm", vms[i]->name },
						   { "reason", prev_end_name((enum prev_end)k) } };

			prom_u64(p, l, 2, c.prev_ended[k]);
		}
	}
	prom_family(p, "tern_swap_reads_started_total",
		    "Guest pages whose read back was started, by what needed them (guest_write: a guest store; every false read is one of those)",
		    PROM_COUNTER);
	for (u32 i = 0; i < nvms; i++) {
		struct swapper_counts c;

		if (!vm_listed(vms[i]) || !swapper_counts(vms[i], &c))
			continue;
		for (u32 k = 0; k < SWAP_FOR_COUNT; k++) {
			struct prom_label l[2] = { { "vm", vms[i]->name },
						   { "for", swap_read_for_name((enum swap_read_for)k) } };

			prom_u64(p, l, 2, c.reads_for[k]);
		}
	}
	swap_one(p, "tern_swap_silent_writes_total",
		 "Pages a disk read filled, not written since, written to swap anyway", c_silent);
	swap_one(p, "tern_swap_silent_writes_avoided_total",
		 "Pages holding a block of the VM's disk dropped instead of written to swap (the Swap Mapper)",
		 c_silent_avoided);
	swap_one(p, "tern_swap_prefetched_total",
		 "Pages read ahead from the disk image with a refault (the Swap Mapper)", c_prefetched);
	swap_one(p, "tern_swap_prefetch_used_total",
		 "Pages read ahead that the guest touched before they were reclaimed again",
		 c_prefetch_used);
	prom_family(p, "tern_vm_resident_bytes",
		    "Host memory backing each VM's RAM now (an overcommitted VM: the frames it holds)",
		    PROM_GAUGE);
	for (u32 i = 0; i < nvms; i++) {
		const struct vm *vm = vms[i];
		struct swapper_counts c;
		struct prom_label l = { "vm", vm->name };
		u64 bytes = 0;

		if (!vm_listed(vm))
			continue;
		if (vm->state == VM_RUNNING)
			bytes = swapper_live(vm) && swapper_counts(vm, &c) ? c.resident_bytes :
				vm->mem.ram_size;
		prom_u64(p, &l, 1, bytes);
	}
}

static int cmd_metrics(int argc, char **argv)
{
	struct line_buf lb = { .len = 0 };
	struct prom p;

	src_mark = -1;
	if (argc == 3 && !strcmp(argv[1], "mark") && argv[2][0] >= '0' &&
	    argv[2][0] < '0' + GUEST_MARKS && !argv[2][1]) {
		src_mark = argv[2][0] - '0';
	} else if (argc != 1) {
		console_printf("usage: metrics [mark 0-%d]\n", GUEST_MARKS - 1);
		return 1;
	}
	prom_init(&p, line_out, &lb);
	vm_state(&p);
	vm_exits(&p);
	vcpu_seconds(&p);
	vcpu_counters(&p);
	vm_counters(&p);
	if (src_mark >= 0) {
		/* The families a mark holds: done. */
		src_mark = -1;
		goto out;
	}
	vm_devices(&p);
	vblk_counters(&p);
	viommu_metrics(&p);
	viommu_sidecore_metrics(&p);
	swap_metrics(&p);
	cpu_counters(&p);
	iommu_counters(&p);
	memory(&p);
	disk_counters(&p);
	net_metrics(&p);
out:
	if (lb.len)
		line_flush(&lb);
	/* Only a tern bug gets here: the writer refused a name or label. */
	if (p.errors)
		console_printf("# metrics: %u samples or families refused\n", p.errors);
	return p.errors ? 1 : 0;
}
SHELL_COMMAND(metrics, "metrics", "[mark N]",
	      "every counter tern keeps, in the Prometheus text format (mark N: the vCPU and ELI counters at the guest's mark N)",
	      cmd_metrics);
