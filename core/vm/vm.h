/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual machines: made from tern.cfg at boot, started and stopped from
 * the shell. Each vCPU owns one physical core; tern's own work stays on
 * cores no VM owns (core 0 by default).
 */
#ifndef TERN_CORE_VM_VM_H
#define TERN_CORE_VM_VM_H

#include "core/cores.h"
#include "core/vm/config.h"
#include "core/vdev/bus.h"
#include "core/vdev/pci/passthru.h"
#include "core/spinlock.h"
#include "core/vdev/vplatform.h"
#include "core/vdev/vrtc.h"
#include "iommu/vtd.h"
#include "mm/gpa.h"
#include "vmx/controls.h"
#include "vmx/vcpu.h"

#define VM_WATCHES		16	/* pages `vm watch` protects at once */
#define VM_WATCH_USED		1	/* pages are aligned: bit 0 is free */

enum vm_state {
	VM_DEFINED = 0,		/* configured, not started */
	VM_RUNNING,
	VM_STOPPED,		/* ran and stopped (see stop_reason) */
	VM_INVALID,		/* its configuration cannot run here */
};

struct vblk_vm;
struct viommu_vm;
struct swapper;

struct vm {
	u32 index;
	char name[CONFIG_NAME_MAX];
	struct vm_config cfg;
	volatile u32 state;
	char problem[160];		/* why it cannot run (VM_INVALID) */
	char stop_reason[160];
	bool has_exit_status;
	u32 exit_status;

	struct vm_features features;	/* what its vCPUs' controls add (ELI) */
	struct eli_vm eli;		/* vmx/eli/eli.h */
	struct gpa_map mem;
	u64 io_bitmap_pa;		/* two pages: ports 0-0x7fff, 0x8000-0xffff */
	u64 msr_bitmap_pa;
	u32 nvcpus;
	struct vcpu vcpus[CONFIG_MAX_VCPUS];
	struct core_job jobs[CONFIG_MAX_VCPUS];	/* each vCPU's hold on its core */
	u64 start_tsc, stop_tsc;

	/* COM1's output ring (vm console); the devices. */
	spinlock_t con_lock;
	char *con;			/* con_size bytes (console_history) */
	u32 con_size;
	u64 con_written;
	struct vdev_bus bus;		/* ports and MMIO to the devices */
	bool units_live;		/* the device units' init ran */
	struct vplatform plat;
	struct vrtc rtc;
	u64 io_unclaimed;
	u64 unbacked_reads, unbacked_writes;
	u64 lapic_mmio;
	u64 ipis_sent, nmis_sent, ipis_unroutable, ipis_dropped;
	u64 watch_hits;			/* `vm watch` writes caught */
	/* The pages `vm watch` protected (others may be WP for ELI...):
	 * page | VM_WATCH_USED, 0 for a free slot. */
	u64 watched[VM_WATCHES];
	struct gpa_fault_handler watch_handler;
	/* Assigned PCI functions (core/passthru.h) and their DMA domain */
	struct passthru *pt[CONFIG_MAX_DEVICES];
	u32 npt;
	struct vtd_domain domain;
	bool domain_live;
	/* Its virtio-blk device (`disk =`): core/vdev/virtio/virtio_blk_unit.c;
	 * kept after a stop for `vm stats`. */
	struct vblk_vm *vblk;
	/* Its vIOMMU (`viommu =`): core/vdev/viommu/viommu.c; kept after a
	 * stop for `vm stats`. */
	struct viommu_vm *viommu;
	/* Its swapper when overcommitted (mm/swap/swapper.c); kept after a
	 * stop for `vm stats`. */
	struct swapper *swapper;
	volatile bool reset_requested;	/* restart once stopped */
	u64 resets;
};

extern struct vm *vms[CONFIG_MAX_VMS];
extern u32 nvms;
/* tern.cfg's [host] shell_secret, or empty (core/net/tcp_shell.c). */
extern char vm_host_shell_secret[64];

/* From the tern.cfg module, if any; starts the autostart VMs. */
void vm_init(void);
struct vm *vm_find(const char *name);
int vm_start(struct vm *vm, char *err, size_t n);
int vm_stop(struct vm *vm);
/* First reason wins; asks every vCPU to stop. Any core. */
void vm_note_stop(struct vm *vm, const char *fmt, ...) __printf(2, 3);
const char *vm_state_name(u32 s);

/* Write-protect the RAM page at gpa; the guest's next write to it is
 * logged and the protection lifted. -1 if not RAM, or VM_WATCHES pages are
 * watched already. */
int vm_watch(struct vm *vm, u64 gpa);

/* The VM's EPT lost rights (a BAR moved): every vCPU drops its cached
 * translations before it next enters the guest. Any core, no waiting. */
void vm_ept_changed(struct vm *vm);

/* A byte the guest sent through COM1, into the console ring. */
void vm_console_put(struct vm *vm, char c);

/* On the management core, often: restarts VMs that asked for a reset. */
void vm_service(void);


#endif
