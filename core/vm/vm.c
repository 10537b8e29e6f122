// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cores.h"
#include "core/cpu.h"
#include "core/loader/guest_acpi.h"
#include "core/loader/linux.h"
#include "core/loader/multiboot.h"
#include "core/log.h"
#include "core/main.h"
#include "core/vdev/pci/passthru.h"
#include "core/percpu.h"
#include "core/smp.h"
#include "core/tsc.h"
#include "core/vdev/vdev.h"
#include "core/vdev/viommu/viommu_sidecore.h"
#include "core/vdev/viommu/vtd_regs_emul.h"
#include "core/vm/vm.h"
#include "core/vdev/virtio/virtio_blk_unit.h"
#include "vmx/vcpu_request.h"
#include "drivers/cmos_rtc.h"
#include "mm/kmem.h"
#include "mm/pmm.h"
#include "mm/swap/swapper.h"
#include "vmx/caps.h"
#include "vmx/msr.h"
#include "vmx/vmx_ops.h"
#include "drivers/block/blk.h"
#include "drivers/pci.h"
#include "iommu/vtd.h"

struct vm *vms[CONFIG_MAX_VMS];
u32 nvms;

/* Guest-physical layout of what tern writes for a multiboot kernel. */
/*
 * Multiboot boot information, at offsets from where it is put: the first
 * free pages above the kernel and its module (multiboot kernels may load
 * anywhere in RAM, below 1 MiB too).
 */
#define MBI_OFF		0x000
#define CMDLINE_OFF	0x100
#define MMAP_OFF	0x400
#define MODS_OFF	0x500		/* v1 module list, then its names */
#define MBI2_OFF	0x1000		/* v2 boot information, up to 4 KiB */
#define MB_INFO_SIZE	0x2000
#define MBI2_MAX	0x1000

/* Ports the guest reaches (all others: reads all-ones, writes dropped). */

const char *vm_state_name(u32 s)
{
	switch (s) {
	case VM_DEFINED:	return "defined";
	case VM_RUNNING:	return "running";
	case VM_STOPPED:	return "stopped";
	case VM_INVALID:	return "invalid";
	}
	return "?";
}

struct vm *vm_find(const char *name)
{
	for (u32 i = 0; i < nvms; i++)
		if (!strcmp(vms[i]->name, name))
			return vms[i];
	return NULL;
}

static const struct boot_module *module_find(const char *name)
{
	for (u32 i = 0; i < boot_info->module_count; i++) {
		const char *m = boot_info->modules[i].name;
		const char *base = strrchr(m, '/');

		/* GRUB passes the module's string; match its last word too. */
		if (!strcmp(m, name) || (base && !strcmp(base + 1, name)))
			return &boot_info->modules[i];
	}
	return NULL;
}

void vm_note_stop(struct vm *vm, const char *fmt, ...)
{
	char buf[sizeof(vm->stop_reason)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!vm->stop_reason[0])
		snprintf(vm->stop_reason, sizeof(vm->stop_reason), "%s", buf);
	for (u32 i = 0; i < vm->nvcpus; i++)
		vcpu_post_stop(&vm->vcpus[i]);
}

/*
 * Its disk must be one of tern's (the disks are known before tern.cfg is
 * read); one that another VM names read-write, or that this one writes
 * while another names it, is only a warning here, as cores are: the two
 * cannot run at the same time (vm start refuses the second).
 */
static void check_disk(struct vm *vm)
{
	struct blk_dev *d;

	if (!vm->cfg.disk[0] || vm->state == VM_INVALID)
		return;
	d = blk_find(vm->cfg.disk);
	if (!d) {
		snprintf(vm->problem, sizeof(vm->problem), "disk %s does not exist (see `disks`)",
			 vm->cfg.disk);
		pr_warn("tern.cfg:%u: vm '%s' cannot run: %s", vm->cfg.disk_line, vm->name,
			vm->problem);
		vm->state = VM_INVALID;
		return;
	}
	for (u32 i = 0; i < nvms; i++)
		if (!strcmp(vms[i]->cfg.disk, vm->cfg.disk) && (!vms[i]->cfg.disk_ro || !vm->cfg.disk_ro))
			pr_warn("tern.cfg:%u: vm '%s' shares disk %s with vm '%s', one of them read-write: only one can run at a time",
				vm->cfg.disk_line, vm->name, vm->cfg.disk, vms[i]->name);
}

/* A configuration must fit this machine: its cores exist, are online, are
 * not the management core and have VT-x. Who owns a core is decided when a
 * VM starts (vm_start): several VMs may name a core, one at a time runs. */
static bool check_cores(struct vm *vm)
{
	for (u32 i = 0; i < vm->cfg.ncores; i++) {
		u32 c = vm->cfg.cores[i];

		if (c == 0) {
			snprintf(vm->problem, sizeof(vm->problem),
				 "core 0 is tern's management core; give the VM other cores");
			return false;
		}
		if (c >= cpu_count || cpus[c]->state != CPU_ONLINE) {
			snprintf(vm->problem, sizeof(vm->problem), "core %u %s", c,
				 c >= cpu_count ? "does not exist on this machine" :
				 "is not online");
			return false;
		}
		if (!vmx_caps_usable(&cpus[c]->vmx, NULL, 0)) {
			snprintf(vm->problem, sizeof(vm->problem),
				 "core %u has no usable VT-x (see `vmx`)", c);
			return false;
		}
	}
	return true;
}

static void config_report(const char *msg, void *arg)
{
	(void)arg;
	pr_warn("%s", msg);
}

char vm_host_shell_secret[64];

void vm_init(void)
{
	const struct boot_module *m = module_find("tern.cfg");
	static struct config cfg;
	int problems;

	if (!m) {
		pr_info("vm: no tern.cfg among the boot modules; no VMs defined");
		return;
	}
	problems = config_parse("tern.cfg", phys_to_virt(m->phys), m->size, &cfg,
				config_report, NULL);
	pr_info("vm: tern.cfg defines %u VM(s), %d problem(s)", cfg.nvms, problems);
	if (cfg.shell_secret[0])
		snprintf(vm_host_shell_secret, sizeof(vm_host_shell_secret), "%s", cfg.shell_secret);
	viommu_side_configure(cfg.has_sidecore ? (int)cfg.sidecore : -1);
	for (u32 i = 0; i < cfg.nvms; i++) {
		struct vm *vm = calloc(1, sizeof(*vm));
		u32 con = cfg.vms[i].console_size ? cfg.vms[i].console_size :
			  CONFIG_CONSOLE_DEFAULT;

		if (vm)
			vm->con = malloc(con);
		if (!vm || !vm->con) {
			pr_err("vm: out of memory for vm '%s'", cfg.vms[i].name);
			free(vm);
			break;
		}
		vm->con_size = con;
		vm->index = nvms;
		vm->cfg = cfg.vms[i];
		snprintf(vm->name, sizeof(vm->name), "%s", cfg.vms[i].name);
		vm->nvcpus = cfg.vms[i].ncores;
		if (!check_cores(vm)) {
			vm->state = VM_INVALID;
			pr_warn("tern.cfg:%u: vm '%s' cannot run: %s", vm->cfg.line,
				vm->name, vm->problem);
		}
		if (vm->cfg.iommu_off_unsafe)
			pr_warn("tern.cfg:%u: vm '%s' has iommu = off-unsafe: its devices' DMA would reach all of memory, tern's included",
				vm->cfg.line, vm->name);
		check_disk(vm);
		swapper_check_vm(vm);
		vms[nvms++] = vm;
	}
	for (u32 i = 0; i < nvms; i++) {
		char err[160];

		if (vms[i]->cfg.autostart && vms[i]->state == VM_DEFINED &&
		    vm_start(vms[i], err, sizeof(err)))
			pr_err("vm %s: autostart failed: %s", vms[i]->name, err);
	}
}

/* On a core of the VM: drop its EPT translations (if it is still in VMX
 * operation; a vCPU that just stopped has none left to drop). */
static void invept_here(void *arg)
{
	struct vm *vm = arg;

	if (!(read_cr4() & CR4_VMXE))
		return;
	/* A flush asked earlier (vm_ept_changed) is done by this one: taken
	 * first, so one asked after it stays for the vCPU to take. */
	for (u32 i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].cpu == this_cpu_index())
			vcpu_take(&vm->vcpus[i], VCPU_REQ_FLUSH);
	invept(INVEPT_SINGLE, gpa_map_eptp(&vm->mem));
}

/* gpa_flush(): every core running one of the VM's vCPUs, and wait. */
static void ept_flush(struct gpa_map *g, void *ctx)
{
	struct vm *vm = ctx;

	(void)g;
	for (u32 i = 0; i < vm->nvcpus; i++) {
		u32 st = vm->vcpus[i].state;

		/* A parked vCPU (waiting for a swap-in) runs again on what
		 * its core cached: it must drop it too. */
		if (st == VCPU_RUNNING || st == VCPU_HALTED || st == VCPU_WAIT_SIPI ||
		    st == VCPU_PARKED)
			smp_call(vm->vcpus[i].cpu, invept_here, vm);
	}
}

/* An EPT fault a vCPU parked on (GPA_FAULT_WAIT) is resolved. */
static void wake_vcpu(struct gpa_map *g, u32 waiter, void *ctx)
{
	struct vm *vm = ctx;

	(void)g;
	if (waiter < vm->nvcpus)
		vcpu_post(&vm->vcpus[waiter], VCPU_REQ_WAKE);
}

void vm_ept_changed(struct vm *vm)
{
	gpa_flush_async(&vm->mem);
	for (u32 i = 0; i < vm->nvcpus; i++)
		vcpu_post(&vm->vcpus[i], VCPU_REQ_FLUSH);
}

/* The slot of a watched page, or -1. */
static int watch_slot(struct vm *vm, u64 page)
{
	for (int i = 0; i < VM_WATCHES; i++)
		if (__atomic_load_n(&vm->watched[i], __ATOMIC_ACQUIRE) == (page | VM_WATCH_USED))
			return i;
	return -1;
}

/* The WP fault handler of `vm watch` (mm/gpa.h): only its own pages. */
static enum gpa_fault watch_fault(struct gpa_map *g, u64 gpa, u32 access, u32 waiter,
				  void *ctx)
{
	struct vm *vm = ctx;
	u64 page = gpa & ~(u64)(PAGE_SIZE - 1);
	int slot = watch_slot(vm, page);

	if (slot < 0)
		return GPA_FAULT_PASS;
	pr_info("vm %s: guest write to watched page %#llx (at %#llx); watch lifted",
		vm->name, (unsigned long long)page, (unsigned long long)gpa);
	vm->watch_hits++;
	if (gpa_set_state(g, page, PAGE_SIZE, 0, GPA_PG_WP))
		return GPA_FAULT_STOP;
	__atomic_store_n(&vm->watched[slot], 0, __ATOMIC_RELEASE);
	return GPA_FAULT_RETRY;
}

int vm_watch(struct vm *vm, u64 gpa)
{
	u64 page = gpa & ~(u64)(PAGE_SIZE - 1);
	int slot = watch_slot(vm, page);

	if (!gpa_is_ram(&vm->mem, page, PAGE_SIZE))
		return -1;
	for (int i = 0; slot < 0 && i < VM_WATCHES; i++)
		if (!__atomic_load_n(&vm->watched[i], __ATOMIC_ACQUIRE))
			slot = i;
	if (slot < 0)
		return -1;
	/* Recorded before protected: the first write must find it. */
	__atomic_store_n(&vm->watched[slot], page | VM_WATCH_USED, __ATOMIC_RELEASE);
	if (gpa_set_state(&vm->mem, page, PAGE_SIZE, GPA_PG_WP, 0)) {
		__atomic_store_n(&vm->watched[slot], 0, __ATOMIC_RELEASE);
		return -1;
	}
	gpa_flush(&vm->mem);
	return 0;
}

/*
 * Where something of size bytes goes after end: the next page, unless that
 * runs from conventional memory into the BIOS area; then from 1 MiB (free
 * then: a kernel with anything above 1 MiB has its end there).
 */
static u64 mb_place(u64 end, u64 size)
{
	u64 at = ALIGN_UP(end, PAGE_SIZE);

	if (at < SZ_1M && (at > GUEST_LOWMEM_TOP || size > GUEST_LOWMEM_TOP - at))
		at = SZ_1M;
	return at;
}

/* The module (the configuration's initrd) as multiboot loaded it. */
struct mb_module {
	u64 start, size;
	const char *name;
};

/*
 * The guest's memory map (core/loader/guest_memmap.h) in a multiboot
 * layout: entries of stride bytes, each from byte skip on (v1 has a size
 * field first) base, length (64 bits each) and type (32). Returns the count.
 */
static u32 mb_memmap(struct vm *vm, void *out, u32 stride, u32 skip)
{
	struct e820_entry e[GUEST_MEMMAP_MAX];
	u32 n = guest_memmap(vm->mem.low_size, vm->mem.high_base, vm->mem.high_size, e);
	u8 *p = out;

	for (u32 i = 0; i < n; i++, p += stride) {
		memset(p, 0, stride);
		if (skip)
			memcpy(p, &(u32){ stride - skip }, 4);
		memcpy(p + skip, &e[i].addr, 8);
		memcpy(p + skip + 8, &e[i].size, 8);
		memcpy(p + skip + 16, &e[i].type, 4);
	}
	return n;
}

/* Write the multiboot v1 information the guest finds through EBX. */
static bool write_mbi(struct vm *vm, const struct mb_module *mod, u64 info)
{
	u32 mbi[22] = { 0 }, mods[4];
	struct __packed { u32 size; u64 base, len; u32 type; } mmap[GUEST_MEMMAP_MAX];
	u32 n_mmap = mb_memmap(vm, mmap, sizeof(mmap[0]), 4);

	mbi[0] = MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MMAP;
	mbi[1] = 639;				/* mem_lower, KiB */
	mbi[2] = (u32)((vm->mem.low_size - SZ_1M) >> 10);
	mbi[4] = (u32)(info + CMDLINE_OFF);
	mbi[11] = n_mmap * sizeof(mmap[0]);
	mbi[12] = (u32)(info + MMAP_OFF);
	if (mod->size) {
		mbi[0] |= MB1_INFO_MODS;
		mbi[5] = 1;			/* mods_count */
		mbi[6] = (u32)(info + MODS_OFF);
		mods[0] = (u32)mod->start;
		mods[1] = (u32)(mod->start + mod->size);
		mods[2] = (u32)(info + MODS_OFF + sizeof(mods));	/* its name */
		mods[3] = 0;
		if (!gpa_copy_to(&vm->mem, info + MODS_OFF, mods, sizeof(mods)) ||
		    !gpa_copy_to(&vm->mem, info + MODS_OFF + sizeof(mods), mod->name,
				 strlen(mod->name) + 1))
			return false;
	}
	return gpa_copy_to(&vm->mem, info + MBI_OFF, mbi, sizeof(mbi)) &&
	       gpa_copy_to(&vm->mem, info + CMDLINE_OFF, vm->cfg.cmdline,
			   strlen(vm->cfg.cmdline) + 1) &&
	       gpa_copy_to(&vm->mem, info + MMAP_OFF, mmap, mbi[11]);
}

/* Multiboot2 boot information (3.6): tags, each 8-byte aligned. */
struct mbi2 {
	u8 buf[MBI2_MAX];
	u32 n;
	bool overflow;
};

static u8 *mbi2_tag(struct mbi2 *m, u32 type, u32 size)
{
	u8 *t = m->buf + m->n;

	if (m->n + ALIGN_UP(size, 8) > MBI2_MAX) {
		m->overflow = true;
		return NULL;
	}
	memset(t, 0, ALIGN_UP(size, 8));
	memcpy(t, &type, 4);
	memcpy(t + 4, &size, 4);
	m->n += ALIGN_UP(size, 8);
	return t;
}

static void mbi2_string(struct mbi2 *m, u32 type, const char *s, u32 prefix, const void *pre)
{
	u32 len = (u32)strlen(s) + 1;
	u8 *t = mbi2_tag(m, type, 8 + prefix + len);

	if (t) {
		memcpy(t + 8, pre, prefix);
		memcpy(t + 8 + prefix, s, len);
	}
}

static bool write_mbi2(struct vm *vm, const struct mb_module *mod, const u8 *rsdp, u64 info)
{
	static struct mbi2 m;
	/* base, length, type | reserved << 32 (multiboot2 3.6.8) */
	u64 mmap[GUEST_MEMMAP_MAX][3];
	u32 n_mmap = mb_memmap(vm, mmap, sizeof(mmap[0]), 0);
	u32 meminfo[2] = { 639, (u32)((vm->mem.low_size - SZ_1M) >> 10) };
	u32 mmap_head[2] = { 24, 0 };		/* entry size, version */
	u8 *t;

	memset(&m, 0, sizeof(m));
	m.n = 8;				/* total_size, reserved */
	mbi2_string(&m, MB2_TAG_CMDLINE, vm->cfg.cmdline, 0, NULL);
	mbi2_string(&m, MB2_TAG_LOADER, "tern", 0, NULL);
	if (mod->size) {
		u32 range[2] = { (u32)mod->start, (u32)(mod->start + mod->size) };

		mbi2_string(&m, MB2_TAG_MODULE, mod->name, sizeof(range), range);
	}
	t = mbi2_tag(&m, MB2_TAG_MEMINFO, 16);
	if (t)
		memcpy(t + 8, meminfo, sizeof(meminfo));
	t = mbi2_tag(&m, MB2_TAG_MMAP, 16 + n_mmap * 24);
	if (t) {
		memcpy(t + 8, mmap_head, sizeof(mmap_head));
		memcpy(t + 16, mmap, n_mmap * 24);
	}
	t = mbi2_tag(&m, MB2_TAG_ACPI_NEW, 8 + 36);	/* a copy of the RSDP */
	if (t)
		memcpy(t + 8, rsdp, 36);
	mbi2_tag(&m, MB2_TAG_END, 8);
	if (m.overflow)
		return false;
	memcpy(m.buf, &m.n, 4);
	return gpa_copy_to(&vm->mem, info + MBI2_OFF, m.buf, m.n);
}

/* ACPI tables where a PC's firmware leaves them (core/guest_acpi.h). */
static bool write_acpi(struct vm *vm)
{
	static u8 buf[GUEST_ACPI_SIZE];
	u32 ids[CONFIG_MAX_VCPUS], len;

	for (u32 i = 0; i < vm->nvcpus; i++)
		ids[i] = i;	/* vCPU i has local APIC ID i */
	/* The DMAR names the vIOMMU (core/vdev/viommu/viommu.h) if it has one. */
	len = guest_acpi_build_vtd(buf, GUEST_ACPI_RSDP, vm->nvcpus, ids,
				   vm->cfg.viommu != CONFIG_VIOMMU_OFF ? VTDE_BASE : 0);
	return len && gpa_copy_to(&vm->mem, GUEST_ACPI_RSDP, buf, len);
}

/* Guest-physical layout for a Linux kernel (all below 1 MiB, as RAM). */
#define LX_PML4_GPA	0x10000
#define LX_PDPT_GPA	0x11000
#define LX_PD_GPA	0x12000		/* four: identity map of [0, 4 GiB) */
#define LX_GDT_GPA	0x16000
#define LX_PARAMS_GPA	0x17000
#define LX_CMDLINE_GPA	0x18000

static bool write_linux_paging(struct vm *vm)
{
	static u64 pml4[512], pdpt[512], pd[4 * 512];
	static const u64 gdt[4] = {
		0, 0,
		0x00af9b000000ffffULL,	/* 0x10: __BOOT_CS, 64-bit */
		0x00cf93000000ffffULL,	/* 0x18: __BOOT_DS */
	};

	memset(pml4, 0, sizeof(pml4));
	memset(pdpt, 0, sizeof(pdpt));
	pml4[0] = LX_PDPT_GPA | 0x3;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (LX_PD_GPA + i * PAGE_SIZE) | 0x3;
	for (int i = 0; i < 4 * 512; i++)
		pd[i] = ((u64)i << 21) | 0x83;	/* present, writable, 2 MiB */
	return gpa_copy_to(&vm->mem, LX_PML4_GPA, pml4, sizeof(pml4)) &&
	       gpa_copy_to(&vm->mem, LX_PDPT_GPA, pdpt, sizeof(pdpt)) &&
	       gpa_copy_to(&vm->mem, LX_PD_GPA, pd, sizeof(pd)) &&
	       gpa_copy_to(&vm->mem, LX_GDT_GPA, gdt, sizeof(gdt));
}

static int load_linux(struct vm *vm, const u8 *data, u64 size, char *err, size_t n)
{
	const struct boot_module *rd = NULL;
	static u8 params[PAGE_SIZE];
	struct linux_image li;
	u64 load, initrd = 0, initrd_size = 0, top, bank, bank_end;
	char why[128];
	struct e820_entry e820[GUEST_MEMMAP_MAX];
	u32 ne = guest_memmap(vm->mem.low_size, vm->mem.high_base, vm->mem.high_size, e820);
	/* The kernel and initrd go in the main bank: RAM from 1 MiB, or the
	 * identity-mapped range (iommu = off-unsafe), which is all of it. */
	bank = vm->mem.identity ? vm->mem.high_base : 0;
	bank_end = vm->mem.identity ? vm->mem.high_base + vm->mem.high_size : vm->mem.low_size;
	if (!linux_parse(data, size, &li, why, sizeof(why))) {
		snprintf(err, n, "kernel '%s' refused: %s", vm->cfg.kernel, why);
		return -1;
	}
	load = linux_load_address(&li, bank, bank_end);
	if (!load && vm->mem.identity && !li.relocatable) {
		snprintf(err, n, "kernel '%s' is not relocatable; identity-mapped RAM (iommu = off-unsafe) starts at %#llx",
			 vm->cfg.kernel, (unsigned long long)bank);
		return -1;
	}
	if (!load) {
		snprintf(err, n, "kernel '%s' needs %u MiB from its load address; give the VM more memory",
			 vm->cfg.kernel, li.init_size >> 20);
		return -1;
	}
	/* The boot page tables map the first 4 GiB. */
	if (load + li.init_size > 4ULL << 30) {
		snprintf(err, n, "kernel '%s' would load above 4 GiB (%#llx)", vm->cfg.kernel,
			 (unsigned long long)load);
		return -1;
	}
	if (strlen(vm->cfg.cmdline) > li.cmdline_max) {
		snprintf(err, n, "command line longer than the kernel's %u bytes", li.cmdline_max);
		return -1;
	}
	if (vm->cfg.initrd[0]) {
		rd = module_find(vm->cfg.initrd);
		if (!rd) {
			snprintf(err, n, "initrd '%s' is not among the boot modules", vm->cfg.initrd);
			return -1;
		}
		top = MIN(bank_end, (u64)li.initrd_max + 1);
		initrd_size = rd->size;
		initrd = ALIGN_DOWN(top - initrd_size, PAGE_SIZE);
		if (top < initrd_size || initrd < load + li.init_size) {
			snprintf(err, n, "no room for the initrd (%llu KiB) above the kernel",
				 (unsigned long long)(initrd_size >> 10));
			return -1;
		}
		gpa_copy_to(&vm->mem, initrd, phys_to_virt(rd->phys), initrd_size);
	}
	gpa_copy_to(&vm->mem, load, data + li.setup_size, li.kernel_size);
	gpa_copy_to(&vm->mem, LX_CMDLINE_GPA, vm->cfg.cmdline, strlen(vm->cfg.cmdline) + 1);
	linux_boot_params(params, data, &li, LX_CMDLINE_GPA, initrd, initrd_size,
			  GUEST_ACPI_RSDP, e820, ne);
	if (!gpa_copy_to(&vm->mem, LX_PARAMS_GPA, params, sizeof(params)) ||
	    !write_linux_paging(vm) || !write_acpi(vm)) {
		snprintf(err, n, "VM memory too small for the boot data");
		return -1;
	}
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->boot_kind = VCPU_BOOT_LINUX64;
		v->entry_rip = load + LX_ENTRY64_OFFSET;
		v->boot_rsi = LX_PARAMS_GPA;
		v->boot_cr3 = LX_PML4_GPA;
		v->boot_gdt = LX_GDT_GPA;
	}
	pr_info("vm %s: Linux boot protocol %u.%02u, kernel at %#llx, initrd %llu KiB at %#llx",
		vm->name, li.version >> 8, li.version & 0xff, (unsigned long long)load,
		(unsigned long long)(initrd_size >> 10), (unsigned long long)initrd);
	return 0;
}

static int load_kernel(struct vm *vm, char *err, size_t n)
{
	const struct boot_module *k = module_find(vm->cfg.kernel);
	struct mb_image img;
	struct mb_module mod = { 0, 0, NULL };
	u8 rsdp[36];			/* ACPI 2.0 RSDP, as written */
	u64 info;
	const u8 *data;
	char why[128];

	if (!k) {
		snprintf(err, n, "kernel '%s' is not among the boot modules", vm->cfg.kernel);
		return -1;
	}
	data = phys_to_virt(k->phys);
	/* A Linux setup header decides; anything else must be multiboot. */
	if (k->size > 0x206 && !memcmp(data + LX_HEADER, "HdrS", 4))
		return load_linux(vm, data, k->size, err, n);
	/* With identity-mapped RAM, the check below names the real reason. */
	if (!mb_parse(data, k->size, vm->mem.identity ? ~0ULL : vm->mem.low_size, &img, why,
		      sizeof(why))) {
		snprintf(err, n, "kernel '%s' refused: %s", vm->cfg.kernel, why);
		return -1;
	}
	/* Identity-mapped RAM (iommu = off-unsafe with devices) starts where
	 * the host had it: only conventional memory is where a kernel linked
	 * at a fixed address expects it. */
	if (vm->mem.identity && img.end > GPA_IDENTITY_LOW) {
		snprintf(err, n, "kernel '%s': multiboot kernels load at fixed addresses, and identity-mapped RAM (iommu = off-unsafe with devices) needs a relocatable Linux kernel or one linked below 1 MiB",
			 vm->cfg.kernel);
		return -1;
	}
	for (u32 i = 0; i < img.nsegs; i++)
		gpa_copy_to(&vm->mem, img.segs[i].gpa, data + img.segs[i].file_off,
			    img.segs[i].filesz);	/* the rest is already zero */
	/* The configuration's initrd is the one module, page-aligned above
	 * the kernel (multiboot modules are page-aligned, 3.1.2). */
	if (vm->cfg.initrd[0]) {
		const struct boot_module *rd = module_find(vm->cfg.initrd);

		if (!rd) {
			snprintf(err, n, "initrd '%s' is not among the boot modules", vm->cfg.initrd);
			return -1;
		}
		mod.start = mb_place(img.end, rd->size);
		mod.size = rd->size;
		mod.name = vm->cfg.initrd;
		if (!gpa_copy_to(&vm->mem, mod.start, phys_to_virt(rd->phys), rd->size)) {
			snprintf(err, n, "module '%s' (%llu KiB) does not fit in the VM's RAM above the kernel",
				 vm->cfg.initrd, (unsigned long long)(rd->size >> 10));
			return -1;
		}
	}
	/* ACPI first: the v2 information carries a copy of the RSDP. */
	info = mb_place(mod.size ? mod.start + mod.size : img.end, MB_INFO_SIZE);
	if (!write_acpi(vm) ||
	    !(img.version == 2 ? gpa_copy_from(&vm->mem, GUEST_ACPI_RSDP, rsdp, sizeof(rsdp)) &&
				 write_mbi2(vm, &mod, rsdp, info)
			       : write_mbi(vm, &mod, info))) {
		snprintf(err, n, "VM memory too small for the boot information");
		return -1;
	}
	for (u32 i = 0; i < vm->nvcpus; i++) {
		vm->vcpus[i].entry_rip = img.entry;
		vm->vcpus[i].boot_eax = img.version == 2 ? MB2_BOOT_MAGIC : MB1_BOOT_MAGIC;
		vm->vcpus[i].boot_ebx = img.version == 2 ? info + MBI2_OFF : info + MBI_OFF;
	}
	pr_info("vm %s: multiboot%s kernel, entry %#x%s%s", vm->name,
		img.version == 2 ? "2" : "", img.entry, mod.size ? ", module " : "",
		mod.size ? mod.name : "");
	return 0;
}

static void release(struct vm *vm)
{
	vdev_units_stop(vm);		/* before the map their DMA lands in */
	eli_vm_release(vm);
	swapper_vm_release(vm);		/* its disk I/O lands first */
	gpa_map_destroy(&vm->mem);
	for (u32 i = 0; i < vm->nvcpus; i++) {
		if (vm->vcpus[i].vmcs_pa)
			pmm_free(vm->vcpus[i].vmcs_pa, 1);
		if (vm->vcpus[i].vmxon_pa)
			pmm_free(vm->vcpus[i].vmxon_pa, 1);
		vm->vcpus[i].vmcs_pa = vm->vcpus[i].vmxon_pa = 0;
	}
	if (vm->io_bitmap_pa)
		pmm_free(vm->io_bitmap_pa, 2);
	if (vm->msr_bitmap_pa)
		pmm_free(vm->msr_bitmap_pa, 1);
	vm->io_bitmap_pa = vm->msr_bitmap_pa = 0;
}

/* A guest that resets in a loop must not flood the operator's console or
 * keep the management core busy: a pause before each restart, and after a
 * few, its start/stop lines only at debug level (`vm list` counts them). */
#define RESET_RESTART_DELAY_MS	100
#define RESET_LOUD_COUNT	3

static int lifecycle_level(const struct vm *vm)
{
	return vm->resets > RESET_LOUD_COUNT ? LOG_DEBUG : LOG_INFO;
}

static void vcpu_job(struct core_job *j);
static void vcpu_job_done(struct core_job *j);

/* Each vCPU's core, by the rules every core owner follows (core/cores.h). */
static int claim_cores(struct vm *vm, char *err, size_t n)
{
	for (u32 i = 0; i < vm->cfg.ncores; i++) {
		vm->jobs[i] = (struct core_job){
			.kind = "running vm", .name = vm->name, .role = ROLE_GUEST,
			.run = vcpu_job, .done = vcpu_job_done, .ctx = &vm->vcpus[i],
		};
		if (core_claim(vm->cfg.cores[i], &vm->jobs[i], err, n)) {
			while (i--)
				core_unclaim(&vm->jobs[i]);
			return -1;
		}
	}
	return 0;
}

static void unclaim_cores(struct vm *vm)
{
	for (u32 i = 0; i < vm->cfg.ncores; i++)
		core_unclaim(&vm->jobs[i]);
}

/*
 * The devices the configuration gives the VM: they must exist, be free,
 * and sit behind a VT-d unit unless the VM says iommu = off-unsafe.
 * *unconfined: some device's DMA is not (the VM's RAM must then be
 * identity-mapped).
 */
static int check_devices(struct vm *vm, bool *unconfined, char *err, size_t n)
{
	*unconfined = false;
	for (u32 i = 0; i < vm->cfg.ndevices; i++) {
		u16 bdf = vm->cfg.devices[i];
		u8 bus = (u8)(bdf >> 8), dev = (bdf >> 3) & 0x1f, fn = bdf & 7;
		struct pci_dev *d = pci_find(bus, dev, fn);

		if (!d) {
			snprintf(err, n, "device %02x:%02x.%u does not exist on this machine",
				 bus, dev, fn);
			return -1;
		}
		if (d->owner) {
			snprintf(err, n, "device %02x:%02x.%u is taken by %s", bus, dev, fn, d->owner);
			return -1;
		}
		if (!vm->cfg.iommu_off_unsafe && !vtd_covers(bus, (u8)(dev << 3 | fn))) {
			snprintf(err, n, "device %02x:%02x.%u: no VT-d unit confines its DMA (iommu = off-unsafe would allow it, unconfined)",
				 bus, dev, fn);
			return -1;
		}
		*unconfined |= !vtd_covers(bus, (u8)(dev << 3 | fn));
		/* Swapped frames go to other users: a device whose DMA no
		 * IOMMU bounds could reach them. */
		if (*unconfined && swapper_overcommitted(vm)) {
			snprintf(err, n, "device %02x:%02x.%u: no VT-d unit confines its DMA, and the VM is overcommitted (its pages' frames are reused): not assignable",
				 bus, dev, fn);
			return -1;
		}
		if (vtd_has_rmrr(bus, (u8)(dev << 3 | fn))) {
			snprintf(err, n, "device %02x:%02x.%u has firmware-reserved DMA ranges (RMRR): not assignable",
				 bus, dev, fn);
			return -1;
		}
		/* Host, ISA and PCI bridges route the machine's own buses
		 * and interrupts: never a guest's. */
		if (d->class == 0x06 || (d->header_type & 0x7f)) {
			snprintf(err, n, "device %02x:%02x.%u is a bridge (class %02x.%02x); only endpoint functions can be assigned",
				 bus, dev, fn, d->class, d->subclass);
			return -1;
		}
	}
	return 0;
}

int vm_start(struct vm *vm, char *err, size_t n)
{
	bool unconfined;
	int rc;

	if (vm->state == VM_INVALID) {
		snprintf(err, n, "cannot run: %s", vm->problem);
		return -1;
	}
	if (vm->state == VM_RUNNING) {
		snprintf(err, n, "already running");
		return -1;
	}
	/* A stopped VM may still hold its devices: give them back before
	 * checking whether they are free. */
	vdev_units_stop(vm);
	if (swapper_vm_start(vm, err, n))
		return -1;
	if (check_devices(vm, &unconfined, err, n))
		return -1;
	if (claim_cores(vm, err, n))
		return -1;
	release(vm);
	memset(vm->vcpus, 0, sizeof(vm->vcpus));
	vm->stop_reason[0] = 0;
	vm->has_exit_status = false;
	vm->con_written = 0;
	vdev_units_reset(vm);
	vm->io_unclaimed = 0;
	vm->unbacked_reads = vm->unbacked_writes = 0;
	vm->lapic_mmio = 0;
	vm->ipis_sent = vm->nmis_sent = vm->ipis_unroutable = vm->ipis_dropped = 0;

	/* Without an IOMMU, a device's DMA uses host-physical addresses:
	 * the guest's must be the same. */
	rc = unconfined ? gpa_map_create_identity(&vm->mem, vm->cfg.memory, NULL) :
	     swapper_overcommitted(vm) ? gpa_map_create_sparse(&vm->mem, vm->cfg.memory, NULL) :
			  gpa_map_create(&vm->mem, vm->cfg.memory, NULL);
	if (rc) {
		unclaim_cores(vm);
		snprintf(err, n, "guest memory: %s", pt_strerror(rc));
		return -1;
	}
	gpa_set_flush(&vm->mem, ept_flush, vm);
	gpa_set_waker(&vm->mem, wake_vcpu, vm);
	vm->watch_handler = (struct gpa_fault_handler){
		.fn = watch_fault, .ctx = vm, .state_bit = GPA_PG_WP,
	};
	gpa_add_fault_handler(&vm->mem, &vm->watch_handler);
	memset(vm->watched, 0, sizeof(vm->watched));
	vm->watch_hits = 0;
	/* Every port exits; every MSR but the guest's own (below) exits. */
	vm->io_bitmap_pa = pmm_alloc(2);
	vm->msr_bitmap_pa = pmm_alloc(1);
	if (!vm->io_bitmap_pa || !vm->msr_bitmap_pa)
		goto nomem;
	memset(phys_to_virt(vm->io_bitmap_pa), 0xff, 2 * PAGE_SIZE);
	msr_policy_build_bitmap(phys_to_virt(vm->msr_bitmap_pa));
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->id = i;
		v->cpu = vm->cfg.cores[i];
		v->vpid = (u16)(vm->index * CONFIG_MAX_VCPUS + i + 1);
		v->requests = 0;
		v->vmcs_pa = pmm_alloc_zeroed_page();
		v->vmxon_pa = pmm_alloc_zeroed_page();
		if (!v->vmcs_pa || !v->vmxon_pa)
			goto nomem;
	}
	if (swapper_vm_attach(vm, err, n) || eli_vm_start(vm, err, n) ||
	    load_kernel(vm, err, n) || vdev_units_init(vm, err, n)) {
		release(vm);
		unclaim_cores(vm);
		return -1;
	}
	vm->start_tsc = rdtsc();
	vm->state = VM_RUNNING;
	for (u32 i = 0; i < vm->nvcpus; i++) {
		if (core_hand(&vm->jobs[i])) {
			vm_note_stop(vm, "core %u did not answer", vm->vcpus[i].cpu);
			break;
		}
	}
	log_printf(lifecycle_level(vm), "vm %s: started on core(s) %u%s, %llu MiB (%llu 2 MiB runs)",
		vm->name, vm->cfg.cores[0], vm->nvcpus > 1 ? "+" : "",
		(unsigned long long)(vm->cfg.memory >> 20),
		(unsigned long long)vm->mem.large_runs);
	return 0;
nomem:
	release(vm);
	unclaim_cores(vm);
	snprintf(err, n, "out of host memory");
	return -1;
}

static void kick(void *arg)
{
	(void)arg;	/* the IPI itself made the guest exit */
}

int vm_stop(struct vm *vm)
{
	vm->reset_requested = false;	/* an operator's stop wins */
	if (vm->state != VM_RUNNING)
		return -1;
	vm_note_stop(vm, "stopped by the operator");
	for (u32 i = 0; i < vm->nvcpus; i++)
		smp_call(vm->vcpus[i].cpu, kick, NULL);
	return 0;
}

void vm_service(void)
{
	swapper_poll();			/* overcommitted VMs' reclaim */
	for (u32 i = 0; i < nvms; i++) {
		struct vm *vm = vms[i];
		char err[160];

		/* Disk requests held back for pages being read back. */
		if (vm->state == VM_RUNNING)
			vblk_unit_poll(vm);
		/* A stopped VM's devices and memory go back at once (devices
		 * reset and blocked); `vm start` makes it anew. */
		if (vm->state == VM_STOPPED && !vm->reset_requested &&
		    (vm->units_live || vm->mem.ram_size || vm->io_bitmap_pa))
			release(vm);
		if (vm->state != VM_STOPPED || !vm->reset_requested)
			continue;
		if (tsc_to_ns(rdtsc() - vm->stop_tsc) < RESET_RESTART_DELAY_MS * 1000000ULL)
			continue;
		vm->reset_requested = false;
		vm->resets++;
		if (vm_start(vm, err, sizeof(err)))
			pr_err("vm %s: restart after the guest's reset failed: %s", vm->name, err);
	}
}

/* On the vCPU's core (core/cores.c runs it from the idle loop). */
static void vcpu_job(struct core_job *j)
{
	struct vcpu *v = j->ctx;

	if (!vcpu_stopping(v))
		vcpu_run(v);
	else
		v->state = VCPU_STOPPED;
}

/* The core is free again: the VM has stopped when all its vCPUs have. */
static void vcpu_job_done(struct core_job *j)
{
	struct vcpu *v = j->ctx;
	struct vm *vm = v->vm;
	bool all = true;

	for (u32 i = 0; i < vm->nvcpus; i++)
		all &= vm->vcpus[i].state == VCPU_STOPPED ||
		       vm->vcpus[i].state == VCPU_FAILED;
	if (all && __sync_bool_compare_and_swap(&vm->state, VM_RUNNING, VM_STOPPED)) {
		vm->stop_tsc = rdtsc();
		log_printf(lifecycle_level(vm), "vm %s: stopped: %s", vm->name,
			   vm->stop_reason[0] ? vm->stop_reason : "?");
	}
}

/* --- the guest's ports --- */

void vm_console_put(struct vm *vm, char c)
{
	u64 f = spin_lock_irqsave(&vm->con_lock);

	vm->con[vm->con_written % vm->con_size] = c;
	vm->con_written++;
	spin_unlock_irqrestore(&vm->con_lock, f);
}
