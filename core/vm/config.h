/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern.cfg: the VMs tern runs. Format (README, "Configuration"):
 *
 *   # comment
 *   [vm NAME]
 *   cores = 1          # physical cores, one per vCPU: "1" or "1,2"
 *   memory = 64M       # K, M or G suffix
 *   kernel = FILE      # a boot module / ESP file name
 *   initrd = FILE      # optional
 *   cmdline = TEXT     # optional, the rest of the line
 *   autostart = yes    # optional, default no
 *   devices = 00:02.0  # optional: PCI functions (bus:dev.fn, hex) to assign
 *   iommu = off-unsafe # optional: assign without VT-d (DMA not confined)
 *   disk = ata0p2[,ro] # optional: one disk of tern's block layer, shown to
 *                      # the guest as a virtio-blk device (read-only: ",ro")
 *   eli = on           # optional: on, delivery or off (exitless interrupts
 *                      # for assigned devices; default on with devices)
 *   eli_timer = direct # optional: direct or inject (with ELI live, the
 *                      # guest's local APIC timer on the hardware through
 *                      # the shadow IDT, thesis 3.9; or injected as before)
 *   eli_ipi = direct   # optional: direct or inject (with ELI, IPIs between
 *                      # the VM's vCPUs sent on the hardware with the
 *                      # guest's vector, thesis 3.9; or injected as before)
 *   paravirt = kvm     # optional: none (default) or kvm: CPUID 0x40000000
 *                      # names KVM, with no PV features (vmx/cpuid.h: Linux
 *                      # then takes x2APIC without interrupt remapping)
 *   viommu = samecore  # optional: off, samecore or sidecore (an emulated
 *                      # VT-d unit for the guest; default off)
 *   viommu_teardown = optimistic # optional: strict (default) or optimistic:
 *                      # the guest's unmaps deferred and reused (thesis 2.4.4)
 *   viommu_quota = 256 # optional: stale mappings at most (1-65536)
 *   viommu_residency_ms = 10 # optional: how long one may live (1-1000)
 *   resident = 128M    # optional: the most host frames the VM gets (default:
 *                      # memory); below memory it is overcommitted and needs:
 *   swap = ata0p3      # a swap partition of tern's, shared by the VMs that
 *                      # name it, each given its own area (mm/swap/swap_area.h)
 *   swap_mode = vswapper # optional: baseline, mapper or vswapper (default)
 *   preventer_pages = 32 # optional (vswapper): pages the False Reads
 *                      # Preventer emulates writes into at once (1-64)
 *   preventer_time_us = 1000 # optional: how long one page's emulation
 *                      # may run before its old content is read (1-1000000)
 *   preventer_sequential = on # optional: on (a write leaving a gap ends
 *                      # the emulation, the thesis's rule) or off
 *
 *   [host]             # optional: tern's own settings
 *   shell_secret = S   # the TCP shell's shared secret (8-63 characters)
 *   sidecore = 3       # the core that polls `viommu = sidecore` units; a
 *                      # core no VM uses
 *
 * A bad line is reported with its number and ignored; a VM missing what it
 * needs is reported and dropped; the other VMs stand.
 */
#ifndef TERN_CORE_VM_CONFIG_H
#define TERN_CORE_VM_CONFIG_H

#include "core/report.h"

#define CONFIG_MAX_VMS		64
#define CONFIG_MAX_VCPUS	8
#define CONFIG_NAME_MAX		32
#define CONFIG_FILE_MAX		64
#define CONFIG_CMDLINE_MAX	256
#define CONFIG_CONSOLE_DEFAULT	8192		/* COM1 history per VM */
#define CONFIG_CONSOLE_MIN	1024
#define CONFIG_CONSOLE_MAX	(16 << 20)
#define CONFIG_MIN_MEMORY	(1ULL << 20)
#define CONFIG_MAX_MEMORY	(1ULL << 40)
#define CONFIG_MAX_DEVICES	4
#define CONFIG_DISK_MAX		24	/* BLK_NAME_MAX */

/* swap_mode = (thesis ch. 4: baseline swapping, the Swap Mapper, and the
 * Mapper with the False Reads Preventer) */
enum config_swap_mode {
	CONFIG_SWAP_VSWAPPER = 0,	/* the default */
	CONFIG_SWAP_BASELINE,
	CONFIG_SWAP_MAPPER,
};

#define CONFIG_PREV_SEQ_ON	1
#define CONFIG_PREV_SEQ_OFF	2
#define CONFIG_PREV_PAGES_MAX	64		/* PREV_MAX_SLOTS */
#define CONFIG_PREV_TIME_MAX	1000000		/* 1 s */

/* eli = (vmx/eli/eli.h) */
enum config_eli {
	CONFIG_ELI_DEFAULT = 0,		/* on with assigned devices, else off */
	CONFIG_ELI_OFF,
	CONFIG_ELI_DELIVERY,		/* exitless delivery, EOIs exit */
	CONFIG_ELI_ON,
};

/* eli_timer = (vmx/eli/timer.h) */
enum config_eli_timer {
	CONFIG_ELI_TIMER_DIRECT = 0,	/* the hardware timer, exitless */
	CONFIG_ELI_TIMER_INJECT,	/* a virtual interrupt, injection mode */
};

/* eli_ipi = (vmx/eli/ipi.h) */
enum config_eli_ipi {
	CONFIG_ELI_IPI_DIRECT = 0,	/* a physical IPI with the guest's vector */
	CONFIG_ELI_IPI_INJECT,		/* a virtual interrupt, injection mode */
};

/* paravirt = (vmx/cpuid.h): the hypervisor the guest's CPUID names */
enum config_paravirt {
	CONFIG_PARAVIRT_NONE = 0,	/* tern's own leaf at 0x40000000 */
	CONFIG_PARAVIRT_KVM,		/* KVM's signature, no KVM features */
};

/* viommu = (core/vdev/viommu/viommu.h) */
enum config_viommu {
	CONFIG_VIOMMU_OFF = 0,
	CONFIG_VIOMMU_SAMECORE,		/* register accesses trap to the vCPU's core */
	CONFIG_VIOMMU_SIDECORE,		/* polled by a spare core (not yet: refused at start) */
};

/* viommu_teardown = (core/vdev/viommu/vtd_mapcache.h) */
enum config_viommu_teardown {
	CONFIG_TEARDOWN_STRICT = 0,
	CONFIG_TEARDOWN_OPTIMISTIC,
};
#define CONFIG_VIOMMU_QUOTA_DEFAULT	256
#define CONFIG_VIOMMU_QUOTA_MAX		65536
#define CONFIG_VIOMMU_RESIDENCY_DEFAULT	10	/* ms */
#define CONFIG_VIOMMU_RESIDENCY_MAX	1000

struct vm_config {
	char name[CONFIG_NAME_MAX];
	u32 ncores;
	u32 cores[CONFIG_MAX_VCPUS];
	u64 memory;
	char kernel[CONFIG_FILE_MAX];
	char initrd[CONFIG_FILE_MAX];
	char cmdline[CONFIG_CMDLINE_MAX];
	bool autostart;
	u32 ndevices;
	u16 devices[CONFIG_MAX_DEVICES];	/* bus << 8 | dev << 3 | fn */
	bool iommu_off_unsafe;
	char disk[CONFIG_DISK_MAX];	/* a block-layer disk, or empty */
	bool disk_ro;
	u32 console_size;	/* bytes of COM1 output kept; 0: the default */
	u8 eli;			/* enum config_eli */
	u8 eli_timer;		/* enum config_eli_timer */
	u8 eli_ipi;		/* enum config_eli_ipi */
	u8 paravirt;		/* enum config_paravirt */
	u8 viommu;		/* enum config_viommu */
	u32 viommu_line;
	u8 viommu_teardown;	/* enum config_viommu_teardown */
	u32 viommu_quota;	/* 0: the default */
	u32 viommu_residency_ms;	/* 0: the default */
	u32 disk_line;		/* where its disk = line is */
	u64 resident;		/* host frames at most; 0: memory (no overcommit) */
	char swap[CONFIG_DISK_MAX];	/* swap partition, or empty */
	u8 swap_mode;		/* enum config_swap_mode */
	u32 prev_pages;		/* preventer_pages; 0: the default */
	u32 prev_time_us;	/* preventer_time_us; 0: the default */
	u8 prev_sequential;	/* CONFIG_PREV_SEQ_*; 0: the default (on) */
	u32 resident_line, swap_line;
	u32 line;		/* where its [vm] header is */
};

struct config {
	char shell_secret[64];		/* [host]; empty: none */
	bool has_sidecore;		/* [host] sidecore = */
	u32 sidecore, sidecore_line;
	u32 nvms;
	struct vm_config vms[CONFIG_MAX_VMS];
};

/* Returns the number of problems reported (as "FILE:LINE: reason"). */
int config_parse(const char *file, const char *text, size_t len,
		 struct config *c, report_fn fn, void *arg);
/* "00:1f.3" -> bus << 8 | dev << 3 | fn; false when not one. */
bool config_parse_bdf(const char *s, u16 *out);
/* The frames a VM may hold: resident, or memory when not set. */
u64 config_resident(const struct vm_config *vm);
/* Why a VM with assigned devices cannot be overcommitted, or NULL when it
 * can be (shared by tern.cfg's checks and `vm resident`). */
const char *config_overcommit_refusal(const struct vm_config *vm);
const char *config_swap_mode_name(u8 mode);
/* "64M" -> bytes; false when not a size. */
bool config_parse_size(const char *s, u64 *out);

#endif
