/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio 1.x over PCI, the driver's view, for tern's own virtio-net
 * (section numbers are virtio 1.1, cs01; the same structures in 1.2 sit
 * one split-ring section later, 2.7 for 2.6). Only the modern interface:
 * the structures are found through vendor-specific PCI capabilities in
 * memory BARs; the legacy I/O-port layout is never used. The device side
 * tern emulates for guests has its own header (core/vdev/virtio/), which
 * describes its fixed BAR; nothing here assumes a layout the capabilities
 * do not give.
 */
#ifndef TERN_DRIVERS_NET_VIRTIO_NET_REGS_H
#define TERN_DRIVERS_NET_VIRTIO_NET_REGS_H

#include "core/types.h"

/* 4.1.2: vendor 1af4; 0x1040 + type is modern-only, 0x1000-0x103f are
 * transitional (0x1000 a network card, 5.1.1), which carry the modern
 * capabilities too. */
#define VIRTIO_VENDOR			0x1af4
#define VIRTIO_DEV_NET_MODERN		0x1041
#define VIRTIO_DEV_NET_TRANSITIONAL	0x1000

/* 2.1 device status */
#define VIRTIO_ST_ACKNOWLEDGE		BIT(0)
#define VIRTIO_ST_DRIVER		BIT(1)
#define VIRTIO_ST_DRIVER_OK		BIT(2)
#define VIRTIO_ST_FEATURES_OK		BIT(3)
#define VIRTIO_ST_NEEDS_RESET		BIT(6)
#define VIRTIO_ST_FAILED		BIT(7)

/* 6 reserved feature bits */
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_F_ACCESS_PLATFORM	33
#define VIRTIO_F_ORDER_PLATFORM		36

/* 5.1.3 network device feature bits tern takes (nothing that changes the
 * frame format: no offloads, no mergeable buffers, no control queue) */
#define VIRTIO_NET_F_MAC		5
#define VIRTIO_NET_F_STATUS		16

/* 4.1.4 virtio structure PCI capability (vendor-specific, ID 0x09):
 * byte offsets from the capability's start */
#define VIRTIO_PCI_CAP_VNDR		0x09	/* PCI capability ID */
#define VPCI_CAP_NEXT			1
#define VPCI_CAP_LEN			2
#define VPCI_CAP_CFG_TYPE		3
#define VPCI_CAP_BAR			4
#define VPCI_CAP_OFFSET			8	/* le32, within the BAR */
#define VPCI_CAP_LENGTH			12	/* le32 */
#define VPCI_CAP_SIZE			16
#define VPCI_NOTIFY_MULT		16	/* le32, notify capability only (4.1.4.4) */
#define VPCI_NOTIFY_CAP_SIZE		20
/* cfg_type */
#define VIRTIO_PCI_CAP_COMMON_CFG	1	/* 4.1.4.3 */
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2	/* 4.1.4.4 */
#define VIRTIO_PCI_CAP_ISR_CFG		3	/* 4.1.4.5 */
#define VIRTIO_PCI_CAP_DEVICE_CFG	4	/* 4.1.4.6 */

/* 4.1.4.3 common configuration structure: byte offsets, little-endian */
#define VCC_DFSELECT			0x00	/* le32 device_feature_select */
#define VCC_DF				0x04	/* le32 device_feature (RO) */
#define VCC_GFSELECT			0x08	/* le32 driver_feature_select */
#define VCC_GF				0x0c	/* le32 driver_feature */
#define VCC_MSIX_CONFIG			0x10	/* le16 config_msix_vector */
#define VCC_NUM_QUEUES			0x12	/* le16 (RO) */
#define VCC_STATUS			0x14	/* u8 device_status */
#define VCC_GENERATION			0x15	/* u8 config_generation (RO) */
#define VCC_Q_SELECT			0x16	/* le16 */
#define VCC_Q_SIZE			0x18	/* le16: the maximum, then the driver's choice */
#define VCC_Q_MSIX			0x1a	/* le16 queue_msix_vector */
#define VCC_Q_ENABLE			0x1c	/* le16 */
#define VCC_Q_NOTIFY_OFF		0x1e	/* le16 (RO) */
#define VCC_Q_DESC			0x20	/* le64, written as two le32 halves */
#define VCC_Q_DRIVER			0x28	/* le64: the available ring */
#define VCC_Q_DEVICE			0x30	/* le64: the used ring */
#define VCC_MIN_LEN			0x38	/* what a 1.0 device has; all tern uses */

/* 4.1.5.1.2: an event mapped to no MSI-X entry; read back on failure */
#define VIRTIO_MSI_NO_VECTOR		0xffff

/* 5.1.4 network device configuration */
#define VNET_CFG_MAC			0	/* u8[6], with VIRTIO_NET_F_MAC */
#define VNET_CFG_STATUS			6	/* le16, with VIRTIO_NET_F_STATUS */
#define  VIRTIO_NET_S_LINK_UP		BIT(0)

/* 5.1.6 the header before every frame, both ways. With VERSION_1 it
 * always has num_buffers (12 bytes); tern sends it zeroed (no checksum
 * or segmentation offload) and ignores it on receive. */
struct virtio_net_hdr {
	u8 flags;
	u8 gso_type;
	u16 hdr_len;
	u16 gso_size;
	u16 csum_start;
	u16 csum_offset;
	u16 num_buffers;
} __packed;
#define VIRTIO_NET_HDR_LEN		12

/* 2.6.5 descriptor table entry */
struct virtq_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
} __packed;
#define VIRTQ_DESC_F_NEXT		BIT(0)
#define VIRTQ_DESC_F_WRITE		BIT(1)	/* device-writable */

/* 2.6.6 available ring: flags, idx, ring[size] (used_event unused: no
 * VIRTIO_F_EVENT_IDX) */
struct virtq_avail {
	u16 flags;
	u16 idx;
	u16 ring[];
} __packed;
#define VIRTQ_AVAIL_F_NO_INTERRUPT	BIT(0)	/* 2.6.7: a hint, not a promise */

/* 2.6.8 used ring */
struct virtq_used_elem {
	u32 id;
	u32 len;
} __packed;
struct virtq_used {
	u16 flags;
	u16 idx;
	struct virtq_used_elem ring[];
} __packed;
#define VIRTQ_USED_F_NO_NOTIFY		BIT(0)	/* 2.6.10 */

/* 2.6 alignment of the parts ("Virtqueue Part Alignment"), and the
 * largest queue a split ring may have */
#define VIRTQ_DESC_ALIGN		16
#define VIRTQ_AVAIL_ALIGN		2
#define VIRTQ_USED_ALIGN		4
#define VIRTQ_SIZE_MAX			32768

#endif
