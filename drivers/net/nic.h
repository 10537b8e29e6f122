/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network interfaces tern drives for its own use (the management network:
 * the TCP shell and /metrics). Frames are copied in and out of the driver's
 * own buffers, in RAM tern allocated for the device and, where VT-d exists,
 * reachable by the device only through the host domain (iommu/host_domain.h).
 * A NIC assigned to a VM (its PCI owner, or a VM's `devices =` in tern.cfg)
 * is never touched. Everything here runs on the management core; the
 * interrupt handler only counts and wakes that core from its HLT.
 */
#ifndef TERN_DRIVERS_NET_NIC_H
#define TERN_DRIVERS_NET_NIC_H

#include "core/types.h"
#include "drivers/net/intx_storm.h"

#define NIC_FRAME_MAX	1518	/* Ethernet without FCS, VLAN tag not used */

struct nic;
struct pci_dev;

struct nic_ops {
	/* Queue one frame (copied); false when the ring is full. */
	bool (*send)(struct nic *n, const void *frame, u32 len);
	/* One received frame copied to buf (NIC_FRAME_MAX); its length, or 0. */
	u32 (*recv)(struct nic *n, void *buf);
	bool (*link_up)(struct nic *n);
	/* Driver details for `net`: ring sizes, registers of note. */
	void (*describe)(struct nic *n, char *buf, size_t len);
	/* In the interrupt handler, optional: acknowledge the cause; false
	 * when the NIC had none (on a shared INTx line, another's). */
	bool (*irq_ack)(struct nic *n);
	/* Optional, from the management loop after nic_fault: reset the
	 * device and bring it back (0), or -1 and why (tried again later). */
	int (*recover)(struct nic *n, const char **why);
	/* Optional, `net selftest reset`: make the device fail as it would
	 * by itself (0), or -1 and why not. */
	int (*inject_fault)(struct nic *n, const char **why);
};

struct nic {
	char name[8];			/* "eth0" */
	const char *model;		/* "e1000", "e1000e", "virtio-net" */
	struct pci_dev *pdev;
	u8 mac[6];
	const struct nic_ops *ops;
	void *drv;
	bool translated;		/* DMA through the host domain */
	bool dma_may_bypass;		/* in it, but the device may not use VT-d */
	int vector, irte;		/* -1: polled, no IRTE */
	const char *irq_kind;		/* "MSI-X", "MSI", "INTx", "polled" */
	int gsi;			/* INTx: the host I/O APIC input, else -1 */
	u8 ioapic_id;
	struct intx_storm storm;	/* INTx: a shared line held up? */
	bool storm_said;		/* its masking logged */
	u64 irqs;
	u64 rx_packets, rx_bytes, tx_packets, tx_bytes;
	u64 rx_dropped;			/* too long, or errors the NIC flagged */
	u64 tx_full;			/* frames refused: ring full */
	const char *fault;		/* the device failed: why; NULL when working */
	const char *last_fault;		/* the last failure, for `net` */
	u64 resets, reset_failures;	/* recoveries done, tries that failed */
	u64 fault_ns, retry_ns;		/* when it failed; the next try */
};

/*
 * Probe the supported NICs and bring up the one tern uses: the function
 * `bdf` names ("BB:DD.F", from net=) or, without it, the first supported
 * one no VM owns or names in tern.cfg. NULL when there is none (says why).
 */
struct nic *nic_init(const char *bdf);
struct nic *nic_get(void);
/* Whether a VM owns or is configured to take the function. */
bool nic_reserved_by_vm(struct pci_dev *d, const char **vm);

/* For the drivers: DMA-able memory and an interrupt to the management core. */
int nic_dma_attach(struct nic *n);
void nic_setup_irq(struct nic *n, bool msix, u32 msix_entry);
/* How the NIC's DMA is confined, for the log and `net`. */
const char *nic_dma_desc(const struct nic *n);
/*
 * Legacy INTx where there is no MSI: the host I/O APIC pin from the
 * interrupt line firmware wrote (level, PCI polarity, or as the MADT
 * overrides it), through an IRTE where VT-d remaps interrupts. Polled
 * when the function has no line, its GSI is taken (tern's or a VM's
 * function on the same line), or no vector is left.
 */
void nic_setup_intx(struct nic *n);
/* From the management core's loop: say what the interrupt handler could
 * not (an INTx line masked for a storm); recover a failed device. */
void nic_check(struct nic *n);
/* `net selftest storm`: interrupts that are not the NIC's on its INTx
 * vector until the storm detector masks the line (0), or 1 and why. */
int nic_storm_selftest(struct nic *n);
/* A driver found its device failed (broken rings, DEVICE_NEEDS_RESET):
 * logged; nic_check resets it and brings it back through ops->recover. */
void nic_fault(struct nic *n, const char *why);
/* `net selftest reset`: ops->inject_fault (0); the recovery follows from
 * the management loop. 1 and why when the driver cannot. */
int nic_reset_selftest(struct nic *n);
/* Undo nic_setup_irq (the device would not use it): polled again. */
void nic_free_irq(struct nic *n);

/* The drivers' probes: 0 and *out filled, or -1 with why. */
int e1000_probe(struct pci_dev *d, struct nic *n, const char **why);
bool e1000_supported(const struct pci_dev *d);
int virtio_net_probe(struct pci_dev *d, struct nic *n, const char **why);
bool virtio_net_supported(const struct pci_dev *d);

#endif
