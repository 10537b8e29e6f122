/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern's VT-d driver: every remapping unit the DMAR lists is brought up
 * with an empty root table, so DMA from every device is blocked until
 * tern or a guest is given it; queued invalidation with wait descriptors
 * and a time-out that reports a hung unit; faults recorded, logged with
 * device, address and reason, and raised by the fault-event interrupt.
 *
 * A domain is an I/O address space: second-level page tables built by
 * tern's page-table builder (pt_format_vtd), mirrored from whatever owns
 * the memory, not shared with EPT: the units under QEMU walk 3 levels
 * (39-bit) while EPT has 4, and a domain must stay valid while the EPT
 * view changes (write-protected pages are still DMA targets). Attaching a
 * device writes its context entry; every change is invalidated through
 * the queue.
 *
 * Interrupt remapping: where the unit has it, a 256-entry table, xAPIC
 * or x2APIC destination IDs as tern's local APICs use them, and
 * compatibility-format interrupts blocked; device MSIs are programmed in
 * remappable format through an IRTE that checks the requester.
 *
 */
#ifndef TERN_IOMMU_VTD_H
#define TERN_IOMMU_VTD_H

#include "core/spinlock.h"
#include "iommu/vtd_hw.h"
#include "mm/gpa.h"
#include "mm/paging.h"

#define VTD_MAX_UNITS		8
#define VTD_RECENT_FAULTS	8

struct vtd_unit {
	u64 base;
	volatile u8 *regs;
	u64 cap, ecap;
	struct vtd_caps caps;
	bool up;
	char problem[96];		/* why it is not up */
	spinlock_t lock;
	u64 root_pa;
	u64 queue_pa;
	u32 qtail;			/* next free descriptor */
	u64 status_pa;			/* wait descriptors write here */
	u32 wait_seq;
	int fault_vector;
	u32 attached;			/* devices with a context entry */
	u64 irt_pa;			/* interrupt remapping table, 0: none */
	bool ir_on, ir_x2apic;
	u64 irte_used[VTD_IRT_ENTRIES / 64];
	u32 irtes;			/* entries in use */
	/* Counters */
	u64 cc_invals, iotlb_invals, iec_invals, waits, wait_timeouts;
	u64 faults;
	u32 nrecent;
	struct vtd_fault recent[VTD_RECENT_FAULTS];
};

struct vtd_domain {
	u16 id;				/* domain ID in context entries */
	u32 agaw;			/* 39 or 48: the walk every unit takes */
	bool large;			/* every unit takes 2 MiB pages */
	struct page_table sl;
	u64 l3_root;			/* 39-bit: the table under PML4[0] */
	u64 mapped, maps, unmaps;
	u32 devices;			/* attached */
};

#define VTD_MAX_DOMAINS		16
/* Live domains (for `iommu`), and how many were ever made. */
extern struct vtd_domain *vtd_domains[VTD_MAX_DOMAINS];
extern u64 vtd_domains_made;

extern struct vtd_unit vtd_units[VTD_MAX_UNITS];
extern u32 vtd_nunits;

/* Bring up every unit of the DMAR (after ACPI and PCI). */
void vtd_init(void);
/* Read and clear a unit's fault records (also the interrupt's work). */
void vtd_poll_faults(struct vtd_unit *u);
/* Told of each fault record read (in the fault interrupt, or where a
 * caller polls): a vIOMMU passes its shadowed devices' faults on to the
 * guest (core/vdev/viommu/viommu_shadow.h). NULL: nobody. */
extern void (*vtd_fault_hook)(const struct vtd_fault *f);
/* Global context-cache and IOTLB invalidation; false if the unit hung. */
bool vtd_flush_all(struct vtd_unit *u);

/* A domain usable on every unit that is up; -1 without one. */
int vtd_domain_init(struct vtd_domain *d, u16 id);
void vtd_domain_free(struct vtd_domain *d);
/* DMA permissions of a mapping: read, write or both (VT-d 9.8: R and W
 * are separate bits; write-only is legal, e.g. a guest's own mapping). */
#define VTD_MAP_READ	BIT(0)
#define VTD_MAP_WRITE	BIT(1)
#define VTD_MAP_RW	(VTD_MAP_READ | VTD_MAP_WRITE)
/* iova -> pa for size bytes (page-aligned) with perm (VTD_MAP_*); a
 * mapping with neither is refused (PT_ERR_PERM). */
int vtd_domain_map(struct vtd_domain *d, u64 iova, u64 pa, u64 size, u32 perm);
int vtd_domain_unmap(struct vtd_domain *d, u64 iova, u64 size);
/*
 * For a domain whose entries come and go in batches (a vIOMMU's shadow,
 * core/vdev/viommu/viommu_shadow.h): the entries of [iova, iova + size)
 * removed from the tables with no invalidation; the caller then has the
 * units forget them with one vtd_domain_invalidate, page-selective (2^am
 * pages from iova) where every unit can, domain-selective otherwise (am <
 * 0 asks for that), and waits for it. false: a unit did not answer (what
 * it cached may still be used: the pages must stay pinned). d NULL: a
 * global IOTLB invalidation (a batch over several domains).
 */
int vtd_domain_clear(struct vtd_domain *d, u64 iova, u64 size);
bool vtd_domain_invalidate(struct vtd_domain *d, u64 iova, int am, bool *page_selective);
/*
 * Interrupt remapping for a device's MSI to apic_id/vector: an IRTE on the
 * device's unit; *addr and *data are what the device's MSI registers get.
 * Returns the IRTE index, or -1 (no unit with remapping on, table full).
 */
int vtd_msi_remap(u8 bus, u8 devfn, u32 apic_id, u8 vector, u32 *addr, u32 *data);
void vtd_msi_unmap(u8 bus, u8 devfn, int index);
/* The same entry to another vector or core (the device's message, which
 * names the entry, unchanged); invalidated before it returns. */
int vtd_msi_retarget(u8 bus, u8 devfn, int index, u32 apic_id, u8 vector);
/*
 * The same for an I/O APIC pin: the redirection entry to write (VT-d
 * 5.1.5.1 remappable format; the compatibility format where no unit
 * remaps interrupts). *index: the IRTE, or -1 if none was used.
 */
u64 vtd_ioapic_rte(u8 ioapic_id, u32 apic_id, u8 vector, bool level, bool active_low,
		   int *index);
void vtd_ioapic_unmap(u8 ioapic_id, int index);

/*
 * A VM's domain: its RAM as the GPA map has it, I/O address = guest-
 * physical, read-write, and every page pinned in the map so it can never
 * be taken away (made no-access) under a device's DMA.
 */
int vtd_domain_mirror(struct vtd_domain *d, struct gpa_map *g);

/* Whether a unit that is up translates the device's DMA. */
bool vtd_covers(u8 bus, u8 devfn);
/* Whether firmware reserved DMA ranges for the device (an RMRR names it):
 * vtd_attach identity-maps them; VMs cannot have such a device. */
bool vtd_has_rmrr(u8 bus, u8 devfn);

/* Give the device (segment 0) the domain, or take it away (blocked). */
int vtd_attach(struct vtd_domain *d, u8 bus, u8 devfn);
void vtd_detach(u8 bus, u8 devfn);

#endif
