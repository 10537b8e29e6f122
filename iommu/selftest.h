/* SPDX-License-Identifier: GPL-2.0 */
/* `iommu selftest` (iommu/selftest.c) and what it shares with `iommu`. */
#ifndef TERN_IOMMU_SELFTEST_H
#define TERN_IOMMU_SELFTEST_H

#include "core/types.h"

/* QEMU's "edu" device (docs/specs/edu.txt): a DMA engine in BAR0. */
#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_COUNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_DMA_START		BIT(0)
#define EDU_DMA_TO_RAM		BIT(1)	/* direction: 0 RAM -> device, 1 back */
#define EDU_BUFFER		0x40000
#define EDU_IRQ_STATUS		0x24
#define EDU_IRQ_RAISE		0x60
#define EDU_IRQ_ACK		0x64

/* Start one edu DMA of 8 bytes and wait for the device to finish it. */
bool edu_dma(volatile u64 *regs, u64 src, u64 dst, u64 cmd);
/* VT-d faults recorded so far (poll: read the units' records first), and
 * a wait (interrupt first, then polling) for one after before. */
u64 selftest_faults(bool poll);
bool selftest_wait_fault(u64 before, bool *by_irq);

/* `iommu selftest viommu` (iommu/selftest_viommu.c): 0 if it passed. */
int iommu_selftest_viommu(void);
/* `iommu selftest eli` (iommu/selftest_eli.c): 0 if it passed. */
int iommu_selftest_eli(void);

/* The self-test with QEMU's edu device (and NVMe, if any): 0 if it passed. */
int iommu_selftest(void);
/* The live DMA domains; the self-test lists them while its own is up. */
void iommu_show_domains(void);

#endif
