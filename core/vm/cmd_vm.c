// SPDX-License-Identifier: GPL-2.0
/* `vm list|start|stop|stats|regs|console`: the operator's view of VMs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/console.h"
#include "core/cpu.h"
#include "core/mgmt.h"
#include "core/shell/shell.h"
#include "core/tsc.h"
#include "core/vdev/viommu/viommu.h"
#include "core/vdev/viommu/viommu_sidecore.h"
#include "core/vdev/virtio/virtio_blk_unit.h"
#include "core/vm/vm.h"
#include "mm/swap/swapper.h"

#define DETACH	0x1d	/* Ctrl-] */

static struct vm *need_vm(int argc, char **argv)
{
	struct vm *vm;

	if (argc < 3) {
		console_printf("usage: vm %s NAME\n", argv[1]);
		return NULL;
	}
	vm = vm_find(argv[2]);
	if (!vm)
		console_printf("vm: no VM named '%s' (see `vm list`)\n", argv[2]);
	return vm;
}

static void list(void)
{
	if (!nvms) {
		console_printf("no VMs (tern.cfg defines none, or was not loaded)\n");
		return;
	}
	console_printf("NAME             STATE     CORES    MEMORY  KERNEL\n");
	for (u32 i = 0; i < nvms; i++) {
		struct vm *vm = vms[i];
		char cores[32] = "";

		for (u32 c = 0; c < vm->cfg.ncores; c++) {
			char n[8];

			snprintf(n, sizeof(n), "%s%u", c ? "," : "", vm->cfg.cores[c]);
			strncat(cores, n, sizeof(cores) - strlen(cores) - 1);
		}
		console_printf("%-16s %-9s %-8s %5lluM  %s\n", vm->name,
			       vm_state_name(vm->state), cores,
			       (unsigned long long)(vm->cfg.memory >> 20), vm->cfg.kernel);
		if (vm->state == VM_INVALID)
			console_printf("    cannot run: %s\n", vm->problem);
		for (u32 d = 0; d < vm->cfg.ndevices; d++)
			console_printf("%s%02x:%02x.%u%s", d ? ", " : "    devices: ",
				       vm->cfg.devices[d] >> 8, (vm->cfg.devices[d] >> 3) & 0x1f,
				       vm->cfg.devices[d] & 7, d + 1 == vm->cfg.ndevices ? "\n" : "");
		if (vm->cfg.iommu_off_unsafe)
			console_printf("    iommu = off-unsafe: DMA NOT CONFINED (devices reach all memory)\n");
		passthru_show(vm, false);
		swapper_list_line(vm);
		if (vm->state == VM_STOPPED)
			console_printf("    stopped: %s\n", vm->stop_reason);
		if (vm->has_exit_status)
			console_printf("    exit status %u\n", vm->exit_status);
		if (vm->resets)
			console_printf("    reset by the guest %llu time(s)\n",
				       (unsigned long long)vm->resets);
	}
	viommu_side_show();
}

static void stats(struct vm *vm)
{
	for (u32 i = 0; i < vm->nvcpus; i++) {
		const struct vcpu *v = &vm->vcpus[i];
		const struct vcpu_stats *s = &v->stats;
		/* Halted time is the guest's idling, not tern's overhead. */
		u64 busy = s->tsc_guest + s->tsc_tern + s->tsc_halted;
		u64 end = vm->state == VM_RUNNING ? rdtsc() : vm->stop_tsc;
		u64 secs_ms = tsc_to_ns(end - vm->start_tsc) / 1000000;

		console_printf("vcpu%u on core %u: %llu exits in %llu ms", i, v->cpu,
			       (unsigned long long)s->exits_total, (unsigned long long)secs_ms);
		if (secs_ms)
			console_printf(" (%llu/s)", (unsigned long long)(s->exits_total * 1000 / secs_ms));
		if (busy)
			console_printf("; guest %llu%% of run time, tern %llu%%, halted %llu%%",
				       (unsigned long long)(s->tsc_guest * 100 / busy),
				       (unsigned long long)(s->tsc_tern * 100 / busy),
				       (unsigned long long)(s->tsc_halted * 100 / busy));
		console_printf("\n");
		for (u32 r = 0; r <= EXIT_REASON_MAX; r++) {
			if (!s->exits[r])
				continue;
			console_printf("  %-18s %10llu", r == EXIT_REASON_MAX ? "other" :
				       vmx_exit_name(r), (unsigned long long)s->exits[r]);
			if (secs_ms)
				console_printf(" %8llu/s", (unsigned long long)(s->exits[r] * 1000 / secs_ms));
			console_printf("\n");
		}
		if (s->interrupts_injected || s->reinjected)
			console_printf("  interrupts injected %8llu, re-injected %llu; local APIC: %llu timer fires, %llu EOIs, %llu self-IPIs\n",
				       (unsigned long long)s->interrupts_injected,
				       (unsigned long long)s->reinjected,
				       (unsigned long long)v->lapic.timer_fires,
				       (unsigned long long)v->lapic.eois,
				       (unsigned long long)v->lapic.self_ipis);
		if (s->string_elements)
			console_printf("  string MMIO elements %7llu (MOVS/STOS/LODS)\n",
				       (unsigned long long)s->string_elements);
		if (s->inits)
			console_printf("  INIT resets       %10llu\n", (unsigned long long)s->inits);
		if (s->nmis_injected)
			console_printf("  NMIs injected     %10llu\n",
				       (unsigned long long)s->nmis_injected);
		if (s->gp_injected)
			console_printf("  #GP injected      %10llu (MSRs tern does not emulate)\n",
				       (unsigned long long)s->gp_injected);
		if (s->exceptions_reflected)
			console_printf("  exceptions given back %6llu (exits by the VM's exception bitmap)\n",
				       (unsigned long long)s->exceptions_reflected);
		if (s->ud_injected)
			console_printf("  #UD injected      %10llu (VMX instructions: no VMX in guests)\n",
				       (unsigned long long)s->ud_injected);
	}
	if (vm->nvcpus > 1)
		console_printf("IPIs between vCPUs: %llu delivered, %llu NMIs, %llu to no vCPU, %llu INITs to itself not emulated\n",
			       (unsigned long long)vm->ipis_sent,
			       (unsigned long long)vm->nmis_sent,
			       (unsigned long long)vm->ipis_unroutable,
			       (unsigned long long)vm->ipis_dropped);
	{
		const struct vplatform *p = &vm->plat;

		console_printf("I/O APIC deliveries by pin:");
		for (u32 i = 0; i < VIOAPIC_PINS; i++)
			if (p->ioapic.delivered[i])
				console_printf(" %u:%llu", i,
					       (unsigned long long)p->ioapic.delivered[i]);
		console_printf("; %llu level EOIs, %llu edges lost while masked, %llu unsupported modes\n",
			       (unsigned long long)p->ioapic.eois,
			       (unsigned long long)p->ioapic.lost_masked,
			       (unsigned long long)p->ioapic.unsupported);
		console_printf("PIT interrupts %llu, host timer arms %llu; 8259 interrupts not delivered (no INTR) %llu; COM1 input dropped %llu\n",
			       (unsigned long long)p->pit_irqs,
			       (unsigned long long)p->pit_timer_arms,
			       (unsigned long long)p->pic.undelivered,
			       (unsigned long long)p->uart.rx_dropped);
	}
	if (vm->npt) {
		console_printf("assigned PCI functions:\n");
		passthru_show(vm, true);
	}
	eli_show(vm);
	vblk_show(vm);
	viommu_show(vm);
	swapper_show(vm);
	console_printf("unclaimed port I/O: %llu; unbacked memory: %llu reads, %llu writes; console bytes: %llu\n",
		       (unsigned long long)vm->io_unclaimed,
		       (unsigned long long)vm->unbacked_reads,
		       (unsigned long long)vm->unbacked_writes,
		       (unsigned long long)vm->con_written);
}

/* The highest vector set in a 256-bit IRR/ISR/TMR image, or -1. */
static int top_vector(const u32 *bits)
{
	for (int w = 7; w >= 0; w--)
		if (bits[w])
			return w * 32 + 31 - __builtin_clz(bits[w]);
	return -1;
}

/* The virtual local APIC's timer and pending state: what a guest stuck
 * waiting for an interrupt is waiting on. */
static void lapic_line(const struct vcpu *v)
{
	const struct vlapic *l = &v->lapic;
	u64 now = guest_tsc(v);

	console_printf("  local APIC: timer LVT %#x, deadline %llu (%s%llu TSC ticks), IRR top %d, ISR top %d, TPR %#x; ELI %s%s\n",
		       l->lvt[1], (unsigned long long)l->deadline,
		       !l->deadline ? "none: " : l->deadline >= now ? "in " : "passed ",
		       (unsigned long long)(!l->deadline ? 0 : l->deadline >= now ?
					    l->deadline - now : now - l->deadline),
		       top_vector(l->irr), top_vector(l->isr), l->tpr,
		       !v->eli.live ? "not live" : v->eli.mode.mode == ELI_DIRECT ? "direct" :
		       "injection mode", v->eli.timer_lent ? ", timer lent" : "");
	for (u32 k = ELI_TSCD_TRACE; k > 0; k--) {
		u32 n = v->eli.tscd_next;
		const struct eli_tscd_trace *t;

		if (n < k)
			continue;
		t = &v->eli.tscd_trace[(n - k) % ELI_TSCD_TRACE];
		console_printf("  TSC deadline change %u: %llu -> %llu at %llu%s; %s %s\n",
			       n - k, (unsigned long long)t->lent, (unsigned long long)t->hw,
			       (unsigned long long)t->now,
			       t->raised == 1 ? ", raised not taken" : "",
			       t->raised == 2 ? "trapped" : "lent stint ending with",
			       vmx_exit_name(t->exit));
	}
}

static void regs(struct vm *vm)
{
	for (u32 i = 0; i < vm->nvcpus; i++) {
		const struct vcpu *v = &vm->vcpus[i];

		console_printf("vcpu%u (%s at the last exit: %s, qualification %#llx)\n", i,
			       vm->state == VM_RUNNING ? "running" : "stopped",
			       vmx_exit_name(v->exit_reason), (unsigned long long)v->exit_qual);
		console_printf("  RIP %016llx RSP %016llx RFLAGS %016llx\n",
			       (unsigned long long)v->rip, (unsigned long long)v->rsp,
			       (unsigned long long)v->rflags);
		console_printf("  RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n",
			       (unsigned long long)v->regs.rax, (unsigned long long)v->regs.rbx,
			       (unsigned long long)v->regs.rcx, (unsigned long long)v->regs.rdx);
		console_printf("  RSI %016llx RDI %016llx RBP %016llx\n",
			       (unsigned long long)v->regs.rsi, (unsigned long long)v->regs.rdi,
			       (unsigned long long)v->regs.rbp);
		console_printf("  CR0 %016llx CR3 %016llx CR4 %016llx EFER %016llx\n",
			       (unsigned long long)v->cr0, (unsigned long long)v->cr3,
			       (unsigned long long)v->cr4, (unsigned long long)v->efer);
		lapic_line(v);
	}
	if (vm->state == VM_RUNNING)
		console_printf("(registers as of the last exit that saved them)\n");
}

/* Print what the guest wrote since `from`; returns the new position. */
static u64 con_dump(struct vm *vm, u64 from)
{
	u64 end = vm->con_written;

	/* The VM restarted (a guest reset) while attached: its ring began
	 * anew, so its output is all new. */
	if (from > end)
		from = 0;
	if (end - from > vm->con_size)
		from = end - vm->con_size;
	for (; from < end; from++) {
		char c = vm->con[from % vm->con_size];

		console_write(&c, 1);
	}
	return end;
}

static void attach(struct vm *vm)
{
	u64 pos = con_dump(vm, 0);
	int held = -1;

	if (vm->state != VM_RUNNING) {
		/* It may have stopped while the history was being printed:
		 * what it wrote meanwhile is printed too. */
		con_dump(vm, pos);
		console_printf("\n[vm %s is %s]\n", vm->name, vm_state_name(vm->state));
		return;
	}
	console_printf("[attached to vm %s's COM1; Ctrl-] detaches]\n", vm->name);
	while (vm->state == VM_RUNNING) {
		/* A byte the guest's full receiver refused waits here. */
		int c = held >= 0 ? held : console_getc();

		held = -1;
		mgmt_poll();		/* the guest's disk I/O goes on */
		pos = con_dump(vm, pos);
		if (c == DETACH)
			break;
		if (c >= 0 && !vplat_console_input(vm, (u8)c))
			held = c;
		cpu_relax();
	}
	con_dump(vm, pos);
	console_printf("\n[detached from vm %s, %s]\n", vm->name, vm_state_name(vm->state));
}

/* The guest-physical map: layout, how it is backed, protections. */
static void mem(struct vm *vm)
{
	struct gpa_map *g = &vm->mem;
	u64 prot = 0, pinned = 0;

	if (!g->ram_size) {
		console_printf("vm %s has no memory (it is not running)\n", vm->name);
		return;
	}
	for (u64 i = 0; i < g->ram_size / PAGE_SIZE; i++) {
		prot += !!(g->state[i] & GPA_PG_PROTECTION);
		pinned += !!(g->state[i] & GPA_PG_PINNED);
	}
	console_printf("RAM %llu MiB: [0, %#llx)", (unsigned long long)(g->ram_size >> 20),
		       (unsigned long long)g->low_size);
	if (g->high_size)
		console_printf(" and [%#llx, %#llx)%s", (unsigned long long)g->high_base,
			       (unsigned long long)(g->high_base + g->high_size),
			       g->identity ? " at the same host-physical addresses (iommu = off-unsafe)" : "");
	console_printf("\nbacked by %llu 2 MiB runs and %llu 4 KiB pages; EPT: %llu table pages, %llu large pages split\n",
		       (unsigned long long)g->large_runs, (unsigned long long)g->small_pages,
		       (unsigned long long)g->ept.tables, (unsigned long long)g->ept.splits);
	console_printf("pages protected %llu, pinned %llu; state changes %llu, EPT flushes %llu; faults %llu (%llu unresolved), instructions emulated into pages %llu\n",
		       (unsigned long long)prot, (unsigned long long)pinned,
		       (unsigned long long)g->protect_calls, (unsigned long long)g->flushes,
		       (unsigned long long)g->faults, (unsigned long long)g->faults_unhandled,
		       (unsigned long long)g->emulations);
	swapper_mem_line(vm);
}

/* `vm watch NAME GPA`: report the next guest write to that page. */
static int watch(struct vm *vm, const char *arg)
{
	char *end;
	u64 gpa = strtoull(arg, &end, 0);

	if (*end || vm->state != VM_RUNNING) {
		console_printf("usage: vm watch NAME GPA (a running VM, an address like 0x1000)\n");
		return 1;
	}
	if (vm_watch(vm, gpa)) {
		console_printf("vm watch: %#llx is not a page of vm %s's RAM\n",
			       (unsigned long long)gpa, vm->name);
		return 1;
	}
	console_printf("watching writes to vm %s's page %#llx\n", vm->name,
		       (unsigned long long)(gpa & ~(u64)(PAGE_SIZE - 1)));
	return 0;
}

static int cmd_vm(int argc, char **argv)
{
	struct vm *vm;
	char err[160];

	if (argc < 2 || !strcmp(argv[1], "list")) {
		list();
		return 0;
	}
	vm = need_vm(argc, argv);
	if (!vm)
		return 1;
	if (!strcmp(argv[1], "start")) {
		if (vm_start(vm, err, sizeof(err))) {
			console_printf("vm start %s: %s\n", vm->name, err);
			return 1;
		}
		console_printf("vm %s started\n", vm->name);
	} else if (!strcmp(argv[1], "stop")) {
		if (vm_stop(vm)) {
			console_printf("vm %s is not running\n", vm->name);
			return 1;
		}
		for (int i = 0; i < 1000 && vm->state == VM_RUNNING; i++)
			tsc_delay_us(1000);
		console_printf("vm %s %s\n", vm->name, vm_state_name(vm->state));
	} else if (!strcmp(argv[1], "stats")) {
		stats(vm);
	} else if (!strcmp(argv[1], "regs")) {
		regs(vm);
	} else if (!strcmp(argv[1], "console")) {
		attach(vm);
	} else if (!strcmp(argv[1], "mem")) {
		mem(vm);
	} else if (!strcmp(argv[1], "watch") && argc == 4) {
		return watch(vm, argv[3]);
	} else if (!strcmp(argv[1], "resident") && argc == 4) {
		u64 size;

		if (!config_parse_size(argv[3], &size) ||
		    swapper_set_resident(vm, size, err, sizeof(err))) {
			console_printf("vm resident %s: %s\n", vm->name,
				       config_parse_size(argv[3], &size) ? err : "SIZE like 128M");
			return 1;
		}
		console_printf("vm %s: resident %lluM of %lluM, %s\n", vm->name,
			       (unsigned long long)(config_resident(&vm->cfg) >> 20),
			       (unsigned long long)(vm->cfg.memory >> 20),
			       swapper_live(vm) ? "now (reclaim brings it there) and from its next start" :
			       "from its next start");
	} else if (!strcmp(argv[1], "viommu") && argc == 4) {
		bool side = !strcmp(argv[3], "sidecore");

		if (!side && strcmp(argv[3], "samecore")) {
			console_printf("vm viommu %s: '%s': use samecore or sidecore\n", vm->name,
				       argv[3]);
			return 1;
		}
		if (viommu_set_sidecore(vm, side, err, sizeof(err))) {
			console_printf("vm viommu %s: %s\n", vm->name, err);
			return 1;
		}
		console_printf("vm %s: vIOMMU %s\n", vm->name, argv[3]);
	} else if (!strcmp(argv[1], "teardown") && (argc == 4 || argc == 5)) {
		bool opt = !strcmp(argv[3], "optimistic");
		unsigned long ms = 0;
		char *end = NULL;

		if (argc == 5)
			ms = strtoul(argv[4], &end, 10);
		if ((!opt && strcmp(argv[3], "strict")) ||
		    (argc == 5 && (!opt || *end || ms < 1 || ms > CONFIG_VIOMMU_RESIDENCY_MAX))) {
			console_printf("vm teardown %s: use strict, or optimistic [MS] (a residency of 1-%u ms)\n",
				       vm->name, CONFIG_VIOMMU_RESIDENCY_MAX);
			return 1;
		}
		if (vm->cfg.viommu == CONFIG_VIOMMU_OFF) {
			console_printf("vm teardown %s: the VM has no vIOMMU (viommu = off)\n", vm->name);
			return 1;
		}
		viommu_set_teardown(vm, opt, (u32)ms);
		console_printf("vm %s: vIOMMU teardown %s", vm->name, argv[3]);
		if (opt)
			console_printf(" (quota %u, residency %u ms)",
				       vm->cfg.viommu_quota ? vm->cfg.viommu_quota :
				       CONFIG_VIOMMU_QUOTA_DEFAULT,
				       vm->cfg.viommu_residency_ms ? vm->cfg.viommu_residency_ms :
				       CONFIG_VIOMMU_RESIDENCY_DEFAULT);
		console_printf("\n");
	} else {
		console_printf("vm: unknown subcommand '%s' (list, start, stop, stats, regs, console, mem, watch NAME GPA, resident NAME SIZE, viommu NAME samecore|sidecore, teardown NAME strict|optimistic [MS])\n",
			       argv[1]);
		return 1;
	}
	return 0;
}
SHELL_COMMAND(vm, "vm", "[list|start|stop|stats|regs|console|mem] [NAME] | watch NAME GPA | resident NAME SIZE | viommu NAME samecore|sidecore | teardown NAME strict|optimistic [MS]",
	      "virtual machines from tern.cfg", cmd_vm);
