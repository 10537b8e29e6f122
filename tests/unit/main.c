// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/suites.h"

void collect_report(const char *msg, void *arg)
{
	struct reports *r = arg;

	if (r->n < 32)
		snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", msg);
	r->n++;
}

int reports_find(const struct reports *r, const char *needle)
{
	for (int i = 0; i < r->n && i < 32; i++)
		if (strstr(r->msg[i], needle))
			return 1;
	return 0;
}

int main(void)
{
	SRunner *sr = srunner_create(memmap_suite());
	int failed;

	srunner_add_suite(sr, pmm_suite());
	srunner_add_suite(sr, paging_suite());
	srunner_add_suite(sr, acpi_suite());
	srunner_add_suite(sr, cmdline_suite());
	srunner_add_suite(sr, shell_suite());
	srunner_add_suite(sr, logring_suite());
	srunner_add_suite(sr, vmx_caps_suite());
	srunner_add_suite(sr, tsc_suite());
	srunner_add_suite(sr, vmx_controls_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, loader_multiboot_suite());
	srunner_add_suite(sr, insn_suite());
	srunner_add_suite(sr, guest_walk_suite());
	srunner_add_suite(sr, vlapic_suite());
	srunner_add_suite(sr, guest_acpi_suite());
	srunner_add_suite(sr, loader_linux_suite());
	srunner_add_suite(sr, msr_bitmap_suite());
	srunner_add_suite(sr, vrtc_suite());
	srunner_add_suite(sr, vioapic_suite());
	srunner_add_suite(sr, vdevices_suite());
	srunner_add_suite(sr, vpci_suite());
	srunner_add_suite(sr, xsave_suite());
	srunner_add_suite(sr, gpa_suite());
	srunner_add_suite(sr, vtd_suite());
	srunner_add_suite(sr, vpci_assign_suite());
	srunner_add_suite(sr, nvme_suite());
	srunner_add_suite(sr, vmsix_suite());
	srunner_add_suite(sr, vdev_bus_suite());
	srunner_add_suite(sr, vpci_emul_suite());
	srunner_add_suite(sr, guest_memmap_suite());
	srunner_add_suite(sr, arch_rules_suite());
	srunner_add_suite(sr, metrics_suite());
	srunner_add_suite(sr, cpuid_suite());
	srunner_add_suite(sr, msr_policy_suite());
	srunner_add_suite(sr, blk_suite());
	srunner_add_suite(sr, part_suite());
	srunner_add_suite(sr, ata_suite());
	srunner_add_suite(sr, virtqueue_suite());
	srunner_add_suite(sr, virtio_blk_suite());
	srunner_add_suite(sr, eli_shadow_idt_suite());
	srunner_add_suite(sr, eli_np_exit_suite());
	srunner_add_suite(sr, irq_vectors_suite());
	srunner_add_suite(sr, eli_mode_suite());
	srunner_add_suite(sr, eli_timer_suite());
	srunner_add_suite(sr, eli_ipi_suite());
	srunner_add_suite(sr, desc_table_suite());
	srunner_add_suite(sr, swap_suite());
	srunner_add_suite(sr, swap_mapper_suite());
	srunner_add_suite(sr, net_suite());
	srunner_add_suite(sr, viommu_regs_suite());
	srunner_add_suite(sr, viommu_walk_suite());
	srunner_add_suite(sr, viommu_ir_suite());
	srunner_add_suite(sr, viommu_req_suite());
	srunner_add_suite(sr, viommu_mapcache_suite());
	srunner_add_suite(sr, viommu_shadow_suite());
	srunner_add_suite(sr, viommu_sidecore_suite());
	srunner_add_suite(sr, virtio_net_suite());
	srunner_add_suite(sr, preventer_suite());
	srunner_add_suite(sr, page_emul_suite());
	srunner_add_suite(sr, preventer_fault_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
