/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio 1.x PCI transport, modern only (virtio 1.1 4.1), for a
 * device tern emulates: a function on the guest's PCI bus (vendor 0x1af4,
 * device 0x1040 + the virtio device type, revision 1) whose vendor
 * capabilities point into one 32-bit memory BAR, trapped (vpci_emul):
 *
 *   BAR0 + 0x0000  common configuration (4.1.4.3)
 *   BAR0 + 0x1000  ISR status (4.1.4.5): read clears, drops INTx
 *   BAR0 + 0x2000  device-specific configuration (4.1.4.6)
 *   BAR0 + 0x3000  notifications (4.1.4.4): queue n at n * 4
 *   BAR0 + 0x3800  MSI-X table, 0x3c00 its pending bits (PCI 3.0 6.8.2)
 *
 * The device model (virtio-blk) gives its features, its configuration
 * space and what a notification does; the transport runs the status
 * protocol (reset, ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK,
 * NEEDS_RESET, FAILED: 2.1, 3.1), the queues' registers, and interrupts:
 * MSI-X messages it sends itself (masked vectors keep a pending bit until
 * unmasked), or INTx, held while ISR bit 0 or 1 is set. A reset while the
 * device still has requests in flight completes only when they have
 * (device_status reads non-zero until then, 4.1.4.3.2), so no DMA lands
 * in rings the driver re-uses.
 *
 * No VIRTIO_PCI_CAP_PCI_CFG window (4.1.4.8): Linux does not use it, and
 * the config-space rules (vpci_assign) keep capabilities read-only.
 * Pure: the caller serializes (the platform lock) and raises the
 * interrupts through ops. Unit-tested.
 */
#ifndef TERN_CORE_VDEV_VIRTIO_VIRTIO_PCI_H
#define TERN_CORE_VDEV_VIRTIO_VIRTIO_PCI_H

#include "core/types.h"
#include "core/vdev/pci/vpci_emul.h"
#include "core/vdev/virtio/virtqueue.h"

#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_DEVICE_BASE	0x1040	/* + device type (4.1.2.1) */
#define VIRTIO_PCI_SUBSYS	0x1100	/* subsystem device, as QEMU's */
#define VIRTIO_PCI_REVISION	1	/* modern only: no legacy I/O BAR */

/* Device status bits (2.1) */
#define VIRTIO_STATUS_ACKNOWLEDGE	BIT(0)
#define VIRTIO_STATUS_DRIVER		BIT(1)
#define VIRTIO_STATUS_DRIVER_OK		BIT(2)
#define VIRTIO_STATUS_FEATURES_OK	BIT(3)
#define VIRTIO_STATUS_NEEDS_RESET	BIT(6)
#define VIRTIO_STATUS_FAILED		BIT(7)

/* Reserved feature bits (6) */
#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_F_ACCESS_PLATFORM	33

/* Virtio vendor capability (4.1.4): cap_vndr, cap_next, cap_len,
 * cfg_type, bar, id, padding[2], le32 offset, le32 length */
#define VIRTIO_PCI_CAP_LEN		16
#define VIRTIO_PCI_NOTIFY_CAP_LEN	20	/* + le32 notify_off_multiplier */
#define VIRTIO_PCI_CAP_CFG_TYPE		3
#define VIRTIO_PCI_CAP_BAR		4
#define VIRTIO_PCI_CAP_OFFSET		8
#define VIRTIO_PCI_CAP_LENGTH		12
#define VIRTIO_PCI_CAP_MULT		16
#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4

/* Common configuration (4.1.4.3), offsets in its structure */
#define VPC_DFSELECT		0x00	/* le32 device_feature_select */
#define VPC_DF			0x04	/* le32 device_feature (RO) */
#define VPC_GFSELECT		0x08	/* le32 driver_feature_select */
#define VPC_GF			0x0c	/* le32 driver_feature */
#define VPC_MSIX_CONFIG		0x10	/* le16 */
#define VPC_NUM_QUEUES		0x12	/* le16 (RO) */
#define VPC_STATUS		0x14	/* u8 device_status */
#define VPC_GENERATION		0x15	/* u8 config_generation (RO) */
#define VPC_Q_SELECT		0x16	/* le16 */
#define VPC_Q_SIZE		0x18	/* le16 */
#define VPC_Q_MSIX		0x1a	/* le16 */
#define VPC_Q_ENABLE		0x1c	/* le16 */
#define VPC_Q_NOTIFY_OFF	0x1e	/* le16 (RO) */
#define VPC_Q_DESC		0x20	/* le64 */
#define VPC_Q_DRIVER		0x28	/* le64 (available ring) */
#define VPC_Q_DEVICE		0x30	/* le64 (used ring) */
#define VPC_Q_NOTIFY_DATA	0x38	/* le16 (RO, 1.2) */
#define VPC_Q_RESET		0x3a	/* le16 (VIRTIO_F_RING_RESET only: reads 0) */
#define VPC_SIZE		0x40

#define VIRTIO_MSI_NO_VECTOR	0xffff

/* ISR status bits (4.1.4.5) */
#define VIRTIO_ISR_QUEUE	BIT(0)
#define VIRTIO_ISR_CONFIG	BIT(1)

/* The BAR (above) */
#define VP_BAR			0
#define VP_BAR_SIZE		0x4000
#define VP_COMMON_OFF		0x0000
#define VP_ISR_OFF		0x1000
#define VP_DEVICE_OFF		0x2000
#define VP_DEVICE_LEN		0x1000
#define VP_NOTIFY_OFF		0x3000
#define VP_NOTIFY_MULT		4
#define VP_MSIX_TABLE_OFF	0x3800
#define VP_MSIX_PBA_OFF		0x3c00

/* Config space layout of the capability list */
#define VP_CAP_COMMON		0x40
#define VP_CAP_NOTIFY		0x50
#define VP_CAP_ISR		0x64
#define VP_CAP_DEVICE		0x74
#define VP_CAP_MSIX		0x84

#define VP_QUEUES_MAX		4
#define VP_MSIX_MAX		(VP_QUEUES_MAX + 1)	/* config + one per queue */

/* MSI-X table entry (PCI 3.0 6.8.2) */
#define VP_MSIX_ENTRY_SIZE	16
#define VP_MSIX_CTRL_MASKED	BIT(0)

struct virtio_pci;

struct virtio_pci_ops {
	/* Device configuration at off (< VP_DEVICE_LEN): reads of 1, 2, 4
	 * bytes; writes optional. */
	u32 (*cfg_read)(struct virtio_pci *vp, u32 off, u32 size);
	void (*cfg_write)(struct virtio_pci *vp, u32 off, u32 size, u32 val);
	/* The driver notified queue q (enabled, DRIVER_OK). */
	void (*notify)(struct virtio_pci *vp, u16 q);
	/* Requests in flight: a reset waits for virtio_pci_idle(). */
	bool (*busy)(struct virtio_pci *vp);
	/* The device's own state back to power-on (after the transport's). */
	void (*reset)(struct virtio_pci *vp);
	/* Interrupts out: an MSI-X message; the INTx line's level. */
	void (*msi)(struct virtio_pci *vp, u32 addr_lo, u32 addr_hi, u32 data);
	void (*intx)(struct virtio_pci *vp, bool level);
};

struct vp_msix_entry {
	u32 addr_lo, addr_hi, data, ctrl;
};

struct virtio_pci {
	struct vpci_emul emul;		/* config space, the trapped BAR */
	const struct virtio_pci_ops *ops;
	void *dev;			/* the device model's */
	u16 type;			/* virtio device type: 2 for block */
	u64 features;			/* offered */
	u16 nqueues, queue_max;
	u8 nvec;			/* MSI-X table entries */
	bool has_intx;			/* an interrupt pin (a _PRT route) */
	/* Driver-visible state */
	u64 guest_features;
	u32 dfselect, gfselect;
	u16 msix_config;
	u8 status;
	u8 generation;
	u8 isr;
	bool line;			/* INTx asserted */
	bool reset_pending;		/* device_status 0 written, requests in flight */
	u16 queue_select;
	struct virtq vq[VP_QUEUES_MAX];
	struct vp_msix_entry msix[VP_MSIX_MAX];
	u32 msix_pending;		/* one bit per vector */
	/* Counters */
	u64 notifies, msi_sent, msi_masked, intx_raised, isr_reads, resets, needs_reset;
	u64 bad_accesses;
	const char *last_problem;
};

/*
 * The function's config space template (256 bytes) and BAR sizes, from
 * type, nqueues, nvec and has_intx (filled in by the caller with ops,
 * dev, features and queue_max); the state as after a reset.
 * intr_pin: 1 (INTA) or 0 for none.
 */
void virtio_pci_init(struct virtio_pci *vp, u8 *tmpl, u64 *bar_sizes);
/* The vpci_emul model callbacks, for emul.ops. */
extern const struct vpci_emul_ops virtio_pci_emul_ops;
/* An access to the BAR at off (also vpci_emul's bar_rw). */
bool virtio_pci_bar_rw(struct virtio_pci *vp, u64 off, u32 size, bool write, u64 *val);
/* The guest changed MSI-X control or the command register. */
void virtio_pci_config_changed(struct virtio_pci *vp);
/* Used buffers on queue q: interrupt the driver (vector or INTx). */
void virtio_pci_notify_queue(struct virtio_pci *vp, u16 q);
/* The device's configuration changed, or it needs a reset. */
void virtio_pci_notify_config(struct virtio_pci *vp);
/* Something the driver did broke the device: NEEDS_RESET (2.1.2). */
void virtio_pci_set_needs_reset(struct virtio_pci *vp, const char *why);
/* The device's last request completed: a pending reset finishes. */
void virtio_pci_idle(struct virtio_pci *vp);
/* Whether the driver has the device running (DRIVER_OK, no reset under way). */
bool virtio_pci_live(const struct virtio_pci *vp);
/* Whether the driver accepted feature bit f. */
static inline bool virtio_pci_has(const struct virtio_pci *vp, u32 f)
{
	return vp->guest_features & BIT(f);
}

#endif
