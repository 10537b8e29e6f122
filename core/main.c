// SPDX-License-Identifier: GPL-2.0
/* tern_main: from the boot path's hand-over to the shell prompt. */
#include <stdio.h>
#include <string.h>

#include "boot/bootinfo.h"
#include "core/acpi/acpi.h"
#include "core/cmdline.h"
#include "core/console.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/main.h"
#include "core/net/net.h"
#include "core/panic.h"
#include "core/percpu.h"
#include "core/shell/shell.h"
#include "core/smp.h"
#include "core/tsc.h"
#include "core/vm/vm.h"
#include "drivers/nvme.h"
#include "iommu/host_domain.h"
#include "iommu/vtd.h"
#include "irq/ioapic.h"
#include "drivers/ata/ata.h"
#include "drivers/cmos_rtc.h"
#include "drivers/pci.h"
#include "irq/lapic.h"
#include "irq/pic.h"
#include "mm/kmem.h"
#include "mm/memmap.h"
#include "mm/pmm.h"

struct boot_info *boot_info;
struct memmap memmap;
struct tern_options options;
u64 boot_ready_ns;

/* Problems found before the console exists wait here. */
static char early_msgs[8][200];
static int n_early;

static void early_report(const char *msg, void *arg)
{
	(void)arg;
	if (n_early < (int)ARRAY_SIZE(early_msgs))
		snprintf(early_msgs[n_early++], sizeof(early_msgs[0]), "%s", msg);
}

static void warn_report(const char *msg, void *arg)
{
	(void)arg;
	pr_warn("%s", msg);
}

static void report_vmx(void)
{
	for (u32 i = 0; i < cpu_count; i++) {
		const struct vmx_caps *c = &cpus[i]->vmx;
		char why[96];

		if (cpus[i]->state != CPU_ONLINE)
			continue;
		if (vmx_caps_usable(c, why, sizeof(why)))
			pr_info("vmx: CPU%u: VT-x usable (EPT%s%s, VPID, unrestricted guest, preemption timer 1/%u TSC)",
				i, c->ept_2m ? " 2M" : "", c->ept_1g ? " 1G" : "",
				1U << c->preemption_timer_shift);
		else
			pr_info("vmx: CPU%u: no usable VT-x: %s", i, why);
	}
}

void tern_main(struct boot_info *bi)
{
	u64 t0;

	percpu_bsp_early();
	boot_info = bi;
	log_init();
	cmdline_defaults(&options);
	cmdline_parse(bi->cmdline, &options, early_report, NULL);
	console_init(options.console_port, options.console_baud);
	log_set_console_level(options.loglevel);
	t0 = rdtsc();

	pr_info("tern %s starting, loaded by %s", TERN_VERSION, bi->loader_name);
	pr_info("cmdline: '%s'", bi->cmdline);
	if (bi->magic != BOOT_INFO_MAGIC)
		panic("boot info has a bad magic number; the boot path is broken");
	for (int i = 0; i < n_early; i++)
		pr_warn("%s", early_msgs[i]);
	if (bi->warnings[0])
		pr_warn("boot: %s", bi->warnings);

	memmap_normalize(&memmap, bi->mmap, bi->mmap_count, warn_report, NULL);
	if (pmm_init(&memmap, phys_to_virt))
		panic("mm: no usable RAM above 1 MiB in the memory map");
	kmem_init(bi, &memmap);
	{
		struct pmm_stats s;

		pmm_get_stats(&s);
		pr_info("mm: %llu MiB usable, %llu MiB free, tern image %llu KiB at %#llx",
			(unsigned long long)(s.total_pages >> 8),
			(unsigned long long)(s.free_pages >> 8),
			(unsigned long long)bi->kernel_size >> 10,
			(unsigned long long)bi->kernel_phys);
	}

	pic_disable();
	acpi_init(bi);
	lapic_init_bsp();
	tsc_init((u16)acpi.pm_tmr, acpi.pm_tmr_32bit);
	rtc_init(acpi.century);
	smp_init(options.maxcpus);
	irq_enable();
	report_vmx();
	pci_init();
	ioapic_init();
	vtd_init();
	host_domain_init();	/* before any of tern's devices masters the bus */
	ata_init();
	nvme_blk_init();
	vm_init();
	net_init(&options.net);	/* after vm_init: a VM's NIC is the VM's */

	boot_ready_ns = tsc_to_ns(rdtsc() - t0);
	pr_info("tern: ready in %llu ms (%llu TSC ticks since power-on)",
		(unsigned long long)boot_ready_ns / 1000000,
		(unsigned long long)rdtsc());
	shell_run();
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	irq_disable();
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_emergency_printf("\n*** tern panic on CPU%u: %s\n", this_cpu_index(), buf);
	smp_halt_others();
	cpu_halt_forever();
}
