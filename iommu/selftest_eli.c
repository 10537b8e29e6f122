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
 *     core 1; the VM stops and its devices go back;
 *  5. MSI-X, with QEMU's e1000e (a second VM, as firmware gives the three
 *     functions only two INTx lines): the second edu's MSI through tern
 *     again, then the guest points the e1000e's MSI-X entry 0 at vCPU 0
 *     with that vector: direct, the edu's route moves; the e1000e raises
 *     its "other" cause (ICS, routed to entry 0 by IVAR): it comes on the
 *     guest's vector on core 1; MSI-X off gives the vector back.
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
/* QEMU's e1000e (82574L): the registers that raise an interrupt on demand
 * (82574 datasheet 10.2.4: ICS sets causes, IMS enables them; IVAR maps
 * the "other" causes to an MSI-X vector: bits 18:16, valid bit 19). */
#define E1000E_DEVICE	0x10d3
#define E1000_ICR	0xc0
#define E1000_ICS	0xc8
#define E1000_IMS	0xd0
#define E1000_IMC	0xd8
#define E1000_IVAR	0xe4
#define E1000_ICR_OTHER	BIT(24)
#define E1000_IVAR_OTHER_VALID	BIT(19)
/* Where the guest puts the e1000e's MSI-X table BAR. */
#define G_MSIX_BAR	0xd0100000u

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

/* The guest's capability `id` of its function at devfn, or 0. */
static u8 gcap(struct vm *vm, u8 devfn, u8 id)
{
	u8 c = (u8)gcfg_read(vm, devfn, 0x34, 1);

	for (u32 n = 0; c && n < 48; n++, c = (u8)gcfg_read(vm, devfn, c + 1u, 1))
		if ((u8)gcfg_read(vm, devfn, c, 1) == id)
			return c;
	return 0;
}

static bool irr_has(const struct vm *vm, u32 v)
{
	return __atomic_load_n(&vm->vcpus[0].lapic.irr[v / 32], __ATOMIC_RELAXED) & BIT(v % 32);
}

/* 1 (again, for step 5): the second function's MSI through tern; its
 * vector, or -1. */
static int through_tern(struct vm *vm, struct passthru *p, u8 cap)
{
	u8 g = p->guest_devfn;

	gcfg_write(vm, g, 0x04, 2, 0x6);	/* memory and bus master */
	/* A logical destination no vCPU matches (vCPU 0's logical ID is 0:
	 * flat model, no bit set). */
	gmsi_set(vm, g, cap, MSI_ADDR | MSI_LOGICAL | 0x80u << 12, 0x61, true);
	console_printf(P "the guest's 00:%02x.0 MSI to a logical destination no vCPU takes: %s (vector %#x on core %u, IRTE %d)\n",
		       g >> 3, p->msi_vector < 0 ? "REFUSED" : p->msi_eli ? "DIRECT (wrong)" :
		       "through tern", p->msi_vector < 0 ? 0 : (u32)p->msi_vector, p->msi_cpu,
		       p->msi_irte);
	if (p->msi_vector < 0 || p->msi_eli || p->msi_cpu != CORE || p->msi_irte < 0)
		return -1;
	return p->msi_vector;
}

/* The move sends one interrupt on the new vector, for one that may have
 * gone to the old meanwhile: let it land before counting. */
static void settle_replay(struct passthru *p, u64 want)
{
	for (u64 start = rdtsc(); p->msi_host < want && rdtsc() - start < tsc_hz() / 2;)
		cpu_relax();
}

/* Steps 1-4: edu 1 direct, edu 2 through tern. */
static bool msi_part(struct vm *vm, volatile u32 *r1, volatile u32 *r2)
{
	struct passthru *p1 = vm->pt[0], *p2 = vm->pt[1];
	u8 g1 = p1->guest_devfn, g2 = p2->guest_devfn;
	u8 c1 = gcap(vm, g1, 0x05), c2 = gcap(vm, g2, 0x05);
	bool ok, got1, got2;
	int w;

	if (!c1 || !c2) {
		console_printf(P "the guest sees no MSI capability on its functions\n");
		return false;
	}
	w = through_tern(vm, p2, c2);
	if (w < 0)
		return false;
	/* 2. The first function's MSI to vCPU 0 with that vector: direct. */
	gcfg_write(vm, g1, 0x04, 2, 0x6);
	gmsi_set(vm, g1, c1, MSI_ADDR | 0u << 12, (u8)w, true);
	console_printf(P "the guest's 00:%02x.0 MSI to vCPU 0, vector %#x: %s (vector %#x on core %u, IRTE %d); the other's route moved to vector %#x (%llu moves)\n",
		       g1 >> 3, (u32)w, p1->msi_eli ? "direct" : "NOT direct", (u32)p1->msi_vector,
		       p1->msi_cpu, p1->msi_irte, (u32)p2->msi_vector,
		       (unsigned long long)p2->moves);
	ok = p1->msi_eli && p1->msi_vector == w && p1->msi_cpu == CORE && p1->msi_irte >= 0 &&
	     p2->msi_vector >= 0 && p2->msi_vector != w && p2->moves == 1;
	settle_replay(p2, 1);

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
		       (u32)w, CORE, !cpus[CORE]->vectors[w].owner ? "free again" : "STILL HELD");
	ok = ok && !cpus[CORE]->vectors[w].owner;
	gmsi_set(vm, g2, c2, 0, 0, false);
	return ok;
}

/* Step 5: the e1000e's MSI-X entry 0 direct, edu 2 through tern. */
static bool msix_part(struct vm *vm, volatile u32 *r3)
{
	struct passthru *p3 = vm->pt[0], *p2 = vm->pt[1];
	struct passthru_vec *v = &p3->msix_vec[0];
	u8 g3 = p3->guest_devfn, cap = gcap(vm, g3, 0x11), c2 = gcap(vm, p2->guest_devfn, 0x05);
	u64 e[4], before, start;
	u32 tbl, bir;
	int x;
	bool ok;

	if (!cap || !p3->msix_vec || !c2) {
		console_printf(P "the guest sees no usable MSI-X on its 00:%02x.0\n", g3 >> 3);
		return false;
	}
	x = through_tern(vm, p2, c2);
	if (x < 0)
		return false;
	tbl = gcfg_read(vm, g3, cap + 4u, 4);
	bir = tbl & 7;
	gcfg_write(vm, g3, 0x10 + 4 * bir, 4, G_MSIX_BAR);
	gcfg_write(vm, g3, 0x04, 2, 0x6);
	/* Entry 0: vCPU 0, vector x, unmasked; then MSI-X on. */
	e[0] = MSI_ADDR;
	e[1] = 0;
	e[2] = (u32)x;
	e[3] = 0;
	for (u32 i = 0; i < 4; i++)
		vdev_access(&vm->bus, NULL, VDEV_MMIO, G_MSIX_BAR + (tbl & ~7u) + 4 * i, 4, true,
			    &e[i]);
	gcfg_write(vm, g3, cap + 2u, 2, BIT(15));
	console_printf(P "the guest's 00:%02x.0 (e1000e) MSI-X entry 0 to vCPU 0, vector %#x: %s (vector %#x on core %u, IRTE %d); 00:%02x.0's route moved to vector %#x (%llu moves)\n",
		       g3 >> 3, (u32)x, v->eli ? "direct" : "NOT direct", (u32)v->vector, v->cpu,
		       v->irte, p2->guest_devfn >> 3, (u32)p2->msi_vector,
		       (unsigned long long)p2->moves);
	ok = v->eli && v->vector == x && v->cpu == CORE && v->irte >= 0 &&
	     p2->msi_vector >= 0 && p2->msi_vector != x && p2->moves == 1;
	settle_replay(p2, 1);
	/* The device raises its "other" cause, routed to entry 0. */
	before = vec_count((u32)x);
	r3[E1000_IVAR / 4] = E1000_IVAR_OTHER_VALID;
	r3[E1000_IMS / 4] = E1000_ICR_OTHER;
	r3[E1000_ICS / 4] = E1000_ICR_OTHER;
	for (start = rdtsc(); vec_count((u32)x) == before && rdtsc() - start < tsc_hz() / 2;)
		cpu_relax();
	r3[E1000_IMC / 4] = ~0u;
	(void)r3[E1000_ICR / 4];	/* read to clear */
	console_printf(P "00:%02x.0's MSI-X on core %u vector %#x: %s, the guest's IRR %s\n",
		       g3 >> 3, CORE, (u32)x, vec_count((u32)x) == before + 1 ? "came" : "did NOT come",
		       irr_has(vm, (u32)x) ? "has it" : "LACKS it");
	ok = ok && vec_count((u32)x) == before + 1 && irr_has(vm, (u32)x) && p3->msix_irqs == 1;
	console_printf(P "the VM's assigned functions as `vm stats` shows them:\n");
	passthru_show(vm, true);
	gcfg_write(vm, g3, cap + 2u, 2, 0);
	console_printf(P "the guest turns 00:%02x.0's MSI-X off: vector %#x on core %u %s\n",
		       g3 >> 3, (u32)x, CORE, !cpus[CORE]->vectors[x].owner ? "free again" : "STILL HELD");
	ok = ok && !cpus[CORE]->vectors[x].owner;
	gmsi_set(vm, p2->guest_devfn, c2, 0, 0, false);
	return ok;
}

/*
 * A VM with one vCPU that never runs (its virtual APIC, physical ID 0,
 * software-enabled, is what the routes look at; core 1 held for it) and
 * functions a and b assigned by the device units `vm start` runs; NULL
 * (said why) if it cannot be built.
 */
static struct vm *vm_build(const struct pci_dev *a, const struct pci_dev *b)
{
	const struct pci_dev *d[2] = { a, b };
	struct vm *vm = calloc(1, sizeof(*vm));
	char err[128] = "";

	if (!vm)
		return NULL;
	vm->jobs[0] = (struct core_job){ .kind = "eli selftest", .name = "eli-selftest" };
	if (core_claim(CORE, &vm->jobs[0], err, sizeof(err))) {
		console_printf(P "core %u: %s\n", CORE, err);
		free(vm);
		return NULL;
	}
	vm->index = CONFIG_MAX_VMS - 2;
	snprintf(vm->name, sizeof(vm->name), "eli-selftest");
	vm->cfg.memory = VM_RAM;
	vm->cfg.ncores = 1;
	vm->cfg.cores[0] = CORE;
	vm->cfg.ndevices = 2;
	for (u32 i = 0; i < 2; i++)
		vm->cfg.devices[i] = (u16)(d[i]->bus << 8 | d[i]->dev << 3 | d[i]->fn);
	vm->nvcpus = 1;
	vm->vcpus[0].vm = vm;
	vm->vcpus[0].cpu = CORE;
	vlapic_reset(&vm->vcpus[0].lapic, 0);
	/* What eli_vm_start settles with VMX (none here): on. */
	vm->eli.lock = (spinlock_t)SPINLOCK_INIT;
	vm->eli.setting = ELI_CFG_ON;
	if (gpa_map_create(&vm->mem, VM_RAM, NULL)) {
		console_printf(P "no memory for the VM's RAM\n");
		goto unclaim;
	}
	vdev_units_reset(vm);
	if (vdev_units_init(vm, err, sizeof(err))) {
		console_printf(P "the VM's devices: %s\n", err);
		gpa_map_destroy(&vm->mem);
		goto unclaim;
	}
	console_printf(P "a VM with one vCPU that never runs (core %u, eli = on): %02x:%02x.%u and %02x:%02x.%u assigned as the guest's 00:%02x.0 and 00:%02x.0\n",
		       CORE, a->bus, a->dev, a->fn, b->bus, b->dev, b->fn,
		       vm->pt[0]->guest_devfn >> 3, vm->pt[1]->guest_devfn >> 3);
	/* The host side of the devices' memory space, for raising MSIs. */
	for (u32 i = 0; i < 2; i++)
		pci_write16(d[i]->seg, d[i]->bus, d[i]->dev, d[i]->fn, 0x04,
			    pci_read16(d[i]->seg, d[i]->bus, d[i]->dev, d[i]->fn, 0x04) | 0x6);
	return vm;
unclaim:
	core_unclaim(&vm->jobs[0]);
	free(vm);
	return NULL;
}

static void vm_teardown(struct vm *vm)
{
	vdev_units_stop(vm);
	gpa_map_destroy(&vm->mem);
	core_unclaim(&vm->jobs[0]);
	free(vm);
}

int iommu_selftest_eli(void)
{
	const struct pci_dev *edu[2] = { NULL, NULL }, *nic = NULL;
	volatile u32 *r[3] = { NULL, NULL, NULL };
	struct vm *vm;
	bool ok;
	u32 n = 0;

	for (u32 i = 0; i < pci_count(); i++) {
		const struct pci_dev *d = pci_get(i);

		if (d->owner)
			continue;
		if (d->vendor == EDU_VENDOR && d->device == EDU_DEVICE && d->cap_msi && n < 2)
			edu[n++] = d;
		if (d->vendor == 0x8086 && d->device == E1000E_DEVICE && d->cap_msix && !nic)
			nic = d;
	}
	if (n < 2 || !vtd_nunits || cpu_count <= CORE) {
		console_printf(P "needs VT-d, two of QEMU's edu devices (-device edu) not assigned to a VM, and core %u\n",
			       CORE);
		return 1;
	}
	for (u32 i = 0; i < 3; i++) {
		const struct pci_dev *d = i < 2 ? edu[i] : nic;

		if (d && !(r[i] = ioremap(d->bars[0].base, PAGE_SIZE, MAP_W | MAP_UC)))
			return 1;
	}
	vm = vm_build(edu[0], edu[1]);
	if (!vm)
		return 1;
	ok = msi_part(vm, r[0], r[1]);
	vm_teardown(vm);
	if (ok && !nic) {
		console_printf(P "no free e1000e (-device e1000e, and net=off): MSI-X not tried\n");
	} else if (ok) {
		vm = vm_build(nic, edu[1]);
		ok = vm && msix_part(vm, r[2]);
		if (vm)
			vm_teardown(vm);
	}
	console_printf(P "%s\n", ok ? "PASS" : "FAILED");
	return ok ? 0 : 1;
}
