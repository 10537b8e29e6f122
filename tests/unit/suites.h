/* SPDX-License-Identifier: GPL-2.0 */
/* Host unit tests: one Check suite per module. */
#ifndef TERN_TESTS_UNIT_SUITES_H
#define TERN_TESTS_UNIT_SUITES_H

#include <check.h>

Suite *memmap_suite(void);
Suite *pmm_suite(void);
Suite *paging_suite(void);
Suite *acpi_suite(void);
Suite *cmdline_suite(void);
Suite *shell_suite(void);
Suite *logring_suite(void);
Suite *vmx_caps_suite(void);
Suite *tsc_suite(void);
Suite *vmx_controls_suite(void);
Suite *config_suite(void);
Suite *loader_multiboot_suite(void);
Suite *insn_suite(void);
Suite *guest_walk_suite(void);
Suite *vlapic_suite(void);
Suite *guest_acpi_suite(void);
Suite *loader_linux_suite(void);
Suite *msr_bitmap_suite(void);
Suite *vrtc_suite(void);
Suite *vioapic_suite(void);
Suite *vdevices_suite(void);
Suite *vpci_suite(void);
Suite *xsave_suite(void);
Suite *gpa_suite(void);
Suite *vtd_suite(void);
Suite *vpci_assign_suite(void);
Suite *nvme_suite(void);
Suite *vmsix_suite(void);
Suite *vdev_bus_suite(void);
Suite *vpci_emul_suite(void);
Suite *guest_memmap_suite(void);
Suite *arch_rules_suite(void);
Suite *metrics_suite(void);
Suite *net_suite(void);
Suite *cpuid_suite(void);
Suite *msr_policy_suite(void);
Suite *blk_suite(void);
Suite *part_suite(void);
Suite *ata_suite(void);
Suite *virtqueue_suite(void);
Suite *virtio_blk_suite(void);
Suite *eli_shadow_idt_suite(void);
Suite *eli_np_exit_suite(void);
Suite *irq_vectors_suite(void);
Suite *eli_mode_suite(void);
Suite *eli_timer_suite(void);
Suite *eli_ipi_suite(void);
Suite *desc_table_suite(void);
Suite *viommu_regs_suite(void);
Suite *viommu_walk_suite(void);
Suite *viommu_ir_suite(void);
Suite *viommu_req_suite(void);
Suite *viommu_mapcache_suite(void);
Suite *viommu_shadow_suite(void);
Suite *viommu_sidecore_suite(void);
Suite *swap_suite(void);
Suite *swap_mapper_suite(void);
Suite *virtio_net_suite(void);
Suite *preventer_suite(void);
Suite *page_emul_suite(void);
Suite *preventer_fault_suite(void);

/* Collects report-callback messages for the assertions. */
struct reports {
	int n;
	char msg[32][256];
};
void collect_report(const char *msg, void *arg);
int reports_find(const struct reports *r, const char *needle);

#endif
