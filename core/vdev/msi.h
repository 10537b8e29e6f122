/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's MSI or MSI-X message (address and data, as its driver wrote
 * them into a function's capability or table) as the APIC message tern
 * delivers to the guest's vCPUs. Shared by assigned functions (their
 * device's interrupt is forwarded) and emulated ones (virtio raises it
 * itself). Pure, unit-tested.
 */
#ifndef TERN_CORE_VDEV_MSI_H
#define TERN_CORE_VDEV_MSI_H

#include "core/types.h"
#include "core/vdev/vlapic.h"

/* MSI address and data (SDM 3A 11.11.1, 11.11.2) */
#define MSI_ADDR_BASE		0xfee00000U
#define MSI_ADDR_DEST(a)	(((a) >> 12) & 0xff)
#define MSI_ADDR_LOGICAL	BIT(2)
#define MSI_DATA_VECTOR(d)	((d) & 0xff)
#define MSI_DATA_MODE(d)	(((d) >> 8) & 7)
#define MSI_DATA_LEVEL		BIT(15)

/*
 * The message as an APIC message to the guest's vCPUs; false for what
 * tern does not deliver (SMI, INIT, ExtINT, an address outside
 * 0xfeexxxxx, a high address half).
 */
bool msi_guest_message(u32 addr_lo, u32 addr_hi, u32 data, struct vlapic_ipi *msg);

#endif
