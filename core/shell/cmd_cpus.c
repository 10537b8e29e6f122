// SPDX-License-Identifier: GPL-2.0
/* `cpus` and `vmx`: every core tern owns, and what VT-x each could offer. */
#include <string.h>

#include "core/console.h"
#include "core/percpu.h"
#include "core/shell/shell.h"
#include "core/smp.h"
#include "irq/lapic.h"
#include "vmx/caps.h"

static const char *vtx_summary(const struct vmx_caps *c)
{
	if (!c->cpuid_vmx)
		return "no";
	return vmx_caps_usable(c, NULL, 0) ? "yes" : "partial";
}

static int cmd_cpus(int argc, char **argv)
{
	(void)argc; (void)argv;
	console_printf("%u CPUs, %u online; local APIC in %s mode\n", cpu_count,
		       smp_online_count(), lapic_x2apic() ? "x2APIC" : "xAPIC");
	console_printf("CPU  APIC  STATE     ROLE        VT-x     IRQS     IPIS   TIMER  EXC\n");
	for (u32 i = 0; i < cpu_count; i++) {
		const struct percpu *p = cpus[i];

		console_printf("%-4u %-5u %-9s %-11s %-7s %6llu %8llu %7llu %4llu\n",
			       i, p->apic_id, cpu_state_name(p->state), cpu_role_name(p->role),
			       vtx_summary(&p->vmx), (unsigned long long)p->irq_count,
			       (unsigned long long)p->ipi_count,
			       (unsigned long long)p->timer_irqs,
			       (unsigned long long)p->exception_count);
	}
	return 0;
}
SHELL_COMMAND(cpus, "cpus", "", "per core: APIC id, state, role, VT-x, interrupt counters", cmd_cpus);

#define YN(x)	((x) ? "yes" : "no")

static int cmd_vmx(int argc, char **argv)
{
	(void)argc; (void)argv;
	for (u32 i = 0; i < cpu_count; i++) {
		const struct vmx_caps *c = &cpus[i]->vmx;
		char why[96];

		if (cpus[i]->state != CPU_ONLINE && cpus[i]->state != CPU_HALTED)
			continue;
		if (!c->cpuid_vmx) {
			console_printf("CPU%u: VT-x: no (CPUID.1:ECX.VMX clear)\n", i);
			continue;
		}
		vmx_caps_usable(c, why, sizeof(why));
		console_printf("CPU%u: VT-x: %s; feature control %s; VMCS rev %#x, %u bytes%s\n",
			       i, why, vmx_fc_state_name(c->fc_state), c->revision, c->vmcs_size,
			       c->true_ctls ? ", TRUE controls" : "");
		console_printf("  EPT %s (4-level %s, WB %s, 2M %s, 1G %s, A/D %s, exec-only %s, INVEPT single %s all %s)\n",
			       YN(c->ept), YN(c->ept_4level), YN(c->ept_wb), YN(c->ept_2m),
			       YN(c->ept_1g), YN(c->ept_ad), YN(c->ept_exec_only),
			       YN(c->invept_single), YN(c->invept_all));
		console_printf("  VPID %s (INVVPID single %s all %s addr %s); unrestricted guest %s\n",
			       YN(c->vpid), YN(c->invvpid_single), YN(c->invvpid_all),
			       YN(c->invvpid_addr), YN(c->unrestricted_guest));
		console_printf("  preemption timer %s (1 tick = 2^%u TSC); MSR bitmaps %s; I/O bitmaps %s; HLT exiting %s\n",
			       YN(c->preemption_timer), c->preemption_timer_shift,
			       YN(c->msr_bitmaps), YN(c->io_bitmaps), YN(c->hlt_exiting));
		console_printf("  x2APIC virt %s; APIC-register virt %s; virtual-interrupt delivery %s; posted interrupts %s\n",
			       YN(c->x2apic_virt), YN(c->apic_reg_virt),
			       YN(c->virt_intr_delivery), YN(c->posted_interrupts));
		console_printf("  ack interrupt on exit %s; VMCS shadowing %s; PML %s; #VE %s; TSC scaling %s; MTF %s\n",
			       YN(c->ack_interrupt_on_exit), YN(c->vmcs_shadowing), YN(c->pml),
			       YN(c->ept_ve), YN(c->tsc_scaling), YN(c->monitor_trap_flag));
	}
	return 0;
}
SHELL_COMMAND(vmx, "vmx", "", "VT-x capabilities of every core (discovery only)", cmd_vmx);
