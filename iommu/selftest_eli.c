// SPDX-License-Identifier: GPL-2.0
/*
 * `iommu selftest eli`: ELI's direct MSI routes for assigned functions
 * (issue #10; thesis 3.5.3 and 3.5.5), their host side, with two of QEMU's
 * edu devices. QEMU under TCG has VT-d with interrupt remapping and MSI
 * devices but no VMX, and Bochs, which has VMX, has no MSI device: so the
 * guest-facing half (the shadow IDT, the passed-through EOI) is tested in
 * Bochs with INTx, and this plays the guest's part for the rest. The "VM"
 * has one vCPU that never runs (its virtual local APIC, on core 1), eli =
 * on, the two edus assigned by the same device units `vm start` runs, and
 * every configuration access goes through the VM's own PCI ports as a
 * guest's exit would:
 *
 *  1. the second edu's MSI to a logical destination no vCPU matches: it
 *     goes through tern, on a vector tern takes on core 1 (movable);
 *  2. the first edu's MSI to vCPU 0 with that very vector: a direct route
 *     (eli_direct_core), so the vector is claimed on core 1 and the
 *     second's route moves first (its IRTE rewritten in place);
 *  3. both raise an MSI: the first's comes on the guest's vector on core 1
 *     (in guest mode it would reach the guest's handler through the shadow
 *     IDT; with the vCPU not running, tern's handler there gives it to the
 *     virtual APIC: its IRR holds the vector), the second's on its new one;
 *  4. the guest turns the first's MSI off: its vector is free again on
 *     core 1, and the devices go back when the VM's units stop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/console.h"
#include "core/cores.h"
#include "core/cpu.h"
#include "core/percpu.h"
#include "core/tsc.h"
#include "core/vdev/pci/passthru.h"
#include "core/vdev/vdev.h"
#include "core/vm/vm.h"
#include "drivers/pci.h"
#include "iommu/selftest.h"
#include "iommu/vtd.h"
#include "irq/irq.h"
#include "mm/kmem.h"
#include "vmx/eli/eli.h"

#define P		"iommu selftest eli: "
#define VM_RAM		(4ULL << 20)
#define CORE		1		/* the vCPU's core */
#define MSI_ADDR	0xfee00000u
#define MSI_LOGICAL	BIT(2)		/* destination mode (SDM 3A 11.11.1) */

/* The guest's configuration accesses: mechanism #1 on the VM's bus. */
static u32 cfg_addr(u8 devfn, u32 reg)
{
	return 0x80000000u | (u32)devfn << 8 | (reg & 0xfc);
}

static u32 gcfg_read(struct vm *vm, u8 devfn, u32 reg, u32 size)
{
	u64 a = cfg_addr(devfn, reg), v = 0;

	vdev_access(&vm->bus, NULL, VDEV_PIO, 0xcf8, 4, true, &a);
	vdev_access(&vm->bus, NULL, VDEV_PIO, 0xcfc + (reg & 3), size, false, &v);
	return (u32)v;
}

static void gcfg_write(struct vm *vm, u8 devfn, u32 reg, u32 size, u32 val)
{
	u64 a = cfg_addr(devfn, reg), v = val;

	vdev_access(&vm->bus, NULL, VDEV_PIO, 0xcf8, 4, true, &a);
	vdev_access(&vm->bus, NULL, VDEV_PIO, 0xcfc + (reg & 3), size, true, &v);
}

/* The guest's MSI capability of its function at devfn, or 0. */
static u8 gmsi_cap(struct vm *vm, u8 devfn)
{
	u8 c = (u8)gcfg_read(vm, devfn, 0x34, 1);

	for (u32 n = 0; c && n < 48; n++, c = (u8)gcfg_read(vm, devfn, c + 1u, 1))
		if ((u8)gcfg_read(vm, devfn, c, 1) == 0x05)
			return c;
	return 0;
}

/* The guest programs and enables (or disables) its function's MSI. */
static void gmsi_set(struct vm *vm, u8 devfn, u8 cap, u32 addr, u8 vector, bool on)
{
	u16 ctrl = (u16)gcfg_read(vm, devfn, cap + 2u, 2);
	bool is64 = ctrl & BIT(7);

	gcfg_write(vm, devfn, cap + 2u, 2, ctrl & ~1u);
	if (!on)
		return;
	gcfg_write(vm, devfn, cap + 4u, 4, addr);
	if (is64)
		gcfg_write(vm, devfn, cap + 8u, 4, 0);
	gcfg_write(vm, devfn, cap + (is64 ? 12u : 8u), 2, vector);	/* fixed, edge */
	gcfg_write(vm, devfn, cap + 2u, 2, (ctrl & ~0x70u) | 1u);
}

/* edu raises an MSI; the host-side interrupts counted on core 1's vector. */
static u64 vec_count(u32 v)
{
	return __atomic_load_n(&cpus[CORE]->vectors[v].count, __ATOMIC_RELAXED);
}

static bool raise_wait(volatile u32 *regs, u32 v)
{
	u64 before = vec_count(v), start = rdtsc();

	regs[EDU_IRQ_RAISE / 4] = 1;
	while (vec_count(v) == before && rdtsc() - start < tsc_hz() / 2)
		cpu_relax();
	regs[EDU_IRQ_ACK / 4] = regs[EDU_IRQ_STATUS / 4];
	return vec_count(v) == before + 1;
}

static bool irr_has(const struct vm *vm, u32 v)
{
	return __atomic_load_n(&vm->vcpus[0].lapic.irr[v / 32], __ATOMIC_RELAXED) & BIT(v % 32);
}

static int run(struct vm *vm, volatile u32 *r1, volatile u32 *r2)
{
	struct passthru *p1 = vm->pt[0], *p2 = vm->pt[1];
	u8 g1 = p1->guest_devfn, g2 = p2->guest_devfn;
	u8 c1 = gmsi_cap(vm, g1), c2 = gmsi_cap(vm, g2);
	bool ok = true, got1, got2;
	int w;

	if (!c1 || !c2) {
		console_printf(P "the guest sees no MSI capability on its functions\n");
		return 1;
	}
	gcfg_write(vm, g1, 0x04, 2, 0x6);	/* memory and bus master */
	gcfg_write(vm, g2, 0x04, 2, 0x6);

	/* 1. A logical destination no vCPU matches (vCPU 0's logical ID is
	 * 0: flat model, no bit set): through tern. */
	gmsi_set(vm, g2, c2, MSI_ADDR | MSI_LOGICAL | 0x80u << 12, 0x61, true);
	w = p2->msi_vector;
	console_printf(P "the guest's 00:%02x.0 MSI to a logical destination no vCPU takes: %s (vector %#x on core %u, IRTE %d)\n",
		       g2 >> 3, w < 0 ? "REFUSED" : p2->msi_eli ? "DIRECT (wrong)" : "through tern",
		       w < 0 ? 0 : (u32)w, p2->msi_cpu, p2->msi_irte);
	if (w < 0 || p2->msi_eli || p2->msi_cpu != CORE || p2->msi_irte < 0)
		return 1;

	/* 2. The first function's MSI to vCPU 0 with that vector: direct. */
	gmsi_set(vm, g1, c1, MSI_ADDR | 0u << 12, (u8)w, true);
	console_printf(P "the guest's 00:%02x.0 MSI to vCPU 0, vector %#x: %s (vector %#x on core %u, IRTE %d); the other's route moved to vector %#x (%llu moves)\n",
		       g1 >> 3, (u32)w, p1->msi_eli ? "direct" : "NOT direct", (u32)p1->msi_vector,
		       p1->msi_cpu, p1->msi_irte, (u32)p2->msi_vector,
		       (unsigned long long)p2->moves);
	ok = p1->msi_eli && p1->msi_vector == w && p1->msi_cpu == CORE && p1->msi_irte >= 0 &&
	     p2->msi_vector >= 0 && p2->msi_vector != w && p2->moves == 1;
	/* The move sends one interrupt on the new vector, for one that may
	 * have gone to the old meanwhile: let it land before counting. */
	for (u64 start = rdtsc(); p2->msi_host < 1 && rdtsc() - start < tsc_hz() / 2;)
		cpu_relax();

	/* 3. Each device raises one. */
	got1 = raise_wait(r1, (u32)w);
	got2 = raise_wait(r2, (u32)p2->msi_vector);
	console_printf(P "00:%02x.0's MSI on core %u vector %#x: %s, the guest's IRR %s; 00:%02x.0's on vector %#x: %s\n",
		       g1 >> 3, CORE, (u32)w, got1 ? "came" : "did NOT come",
		       irr_has(vm, (u32)w) ? "has it" : "LACKS it", g2 >> 3, (u32)p2->msi_vector,
		       got2 ? "came" : "did NOT come");
	ok = ok && got1 && got2 && irr_has(vm, (u32)w) && p1->msi_host == 1 && p2->msi_host == 2;

	console_printf(P "the VM's assigned functions as `vm stats` shows them:\n");
	passthru_show(vm, true);

	/* 4. Off: the vector goes back. */
	gmsi_set(vm, g1, c1, 0, 0, false);
	console_printf(P "the guest turns 00:%02x.0's MSI off: vector %#x on core %u %s\n", g1 >> 3,
		       (u32)w, CORE,
		       !cpus[CORE]->vectors[w].owner ? "free again" : "STILL HELD");
	ok = ok && !cpus[CORE]->vectors[w].owner;
	gmsi_set(vm, g2, c2, 0, 0, false);
	return ok ? 0 : 1;
}

int iommu_selftest_eli(void)
{
	const struct pci_dev *edu[2] = { NULL, NULL };
	volatile u32 *regs[2];
	struct vm *vm;
	char err[128] = "";
	u32 n = 0;
	int rc = 1;

	for (u32 i = 0; i < pci_count() && n < 2; i++)
		if (pci_get(i)->vendor == EDU_VENDOR && pci_get(i)->device == EDU_DEVICE &&
		    !pci_get(i)->owner && pci_get(i)->cap_msi)
			edu[n++] = pci_get(i);
	if (n < 2 || !vtd_nunits || cpu_count <= CORE) {
		console_printf(P "needs VT-d, two of QEMU's edu devices (-device edu) not assigned to a VM, and core %u\n",
			       CORE);
		return 1;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return 1;
	/* The core is the VM's while this runs (no VM may take it), though
	 * nothing runs on it but its idle loop. */
	vm->jobs[0] = (struct core_job){ .kind = "eli selftest", .name = "eli-selftest" };
	if (core_claim(CORE, &vm->jobs[0], err, sizeof(err))) {
		console_printf(P "core %u: %s\n", CORE, err);
		free(vm);
		return 1;
	}
	/* A VM with one vCPU that never runs: its virtual APIC (physical ID
	 * 0, software-enabled) is what the routes look at. */
	vm->index = CONFIG_MAX_VMS - 2;
	snprintf(vm->name, sizeof(vm->name), "eli-selftest");
	vm->cfg.memory = VM_RAM;
	vm->cfg.ncores = 1;
	vm->cfg.cores[0] = CORE;
	vm->cfg.ndevices = 2;
	for (u32 i = 0; i < 2; i++)
		vm->cfg.devices[i] = (u16)(edu[i]->bus << 8 | edu[i]->dev << 3 | edu[i]->fn);
	vm->nvcpus = 1;
	vm->vcpus[0].vm = vm;
	vm->vcpus[0].cpu = CORE;
	vlapic_reset(&vm->vcpus[0].lapic, 0);
	/* What eli_vm_start settles with VMX (none here): on. */
	vm->eli.lock = (spinlock_t)SPINLOCK_INIT;
	vm->eli.setting = ELI_CFG_ON;
	for (u32 i = 0; i < 2; i++) {
		regs[i] = ioremap(edu[i]->bars[0].base, PAGE_SIZE, MAP_W | MAP_UC);
		if (!regs[i])
			goto free_vm;
	}
	if (gpa_map_create(&vm->mem, VM_RAM, NULL)) {
		console_printf(P "no memory for the VM's RAM\n");
		goto free_vm;
	}
	vdev_units_reset(vm);
	if (vdev_units_init(vm, err, sizeof(err))) {
		console_printf(P "the VM's devices: %s\n", err);
		goto free_map;
	}
	console_printf(P "a VM with one vCPU that never runs (core %u, eli = on): %02x:%02x.%u and %02x:%02x.%u assigned as the guest's 00:%02x.0 and 00:%02x.0\n",
		       CORE, edu[0]->bus, edu[0]->dev, edu[0]->fn, edu[1]->bus, edu[1]->dev,
		       edu[1]->fn, vm->pt[0]->guest_devfn >> 3, vm->pt[1]->guest_devfn >> 3);
	/* The host side of the devices' memory space, for raising MSIs. */
	for (u32 i = 0; i < 2; i++)
		pci_write16(edu[i]->seg, edu[i]->bus, edu[i]->dev, edu[i]->fn, 0x04,
			    pci_read16(edu[i]->seg, edu[i]->bus, edu[i]->dev, edu[i]->fn, 0x04) | 0x6);
	rc = run(vm, regs[0], regs[1]);
	vdev_units_stop(vm);
	console_printf(P "%s\n", rc ? "FAILED" : "PASS");
free_map:
	gpa_map_destroy(&vm->mem);
free_vm:
	core_unclaim(&vm->jobs[0]);
	free(vm);
	return rc;
}
