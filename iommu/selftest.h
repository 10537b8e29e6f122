/* SPDX-License-Identifier: GPL-2.0 */
/* `iommu selftest` (iommu/selftest.c) and what it shares with `iommu`. */
#ifndef TERN_IOMMU_SELFTEST_H
#define TERN_IOMMU_SELFTEST_H

/* The self-test with QEMU's edu device (and NVMe, if any): 0 if it passed. */
int iommu_selftest(void);
/* The live DMA domains; the self-test lists them while its own is up. */
void iommu_show_domains(void);

#endif
