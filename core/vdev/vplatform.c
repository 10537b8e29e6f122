// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/tsc.h"
#include "core/vm/vm.h"
#include "core/vdev/vdev.h"
#include "core/vdev/vplatform.h"
#include "core/vdev/viommu/viommu.h"
#include "vmx/eli/ipi.h"
#include "vmx/vcpu_request.h"
#include "drivers/cmos_rtc.h"

/* Guest time for the PIT and the PM timer: tern's clock, in their ticks. */
static u64 ticks_at(u64 hz)
{
	return (u64)((unsigned __int128)tsc_ns() * hz / 1000000000ULL);
}

void vplat_reset(struct vm *vm)
{
	struct vplatform *p = &vm->plat;

	p->lock = (spinlock_t)SPINLOCK_INIT;
	vioapic_reset(&p->ioapic);
	vpic_reset(&p->pic);
	vpit_reset(&p->pit);
	vuart_reset(&p->uart);
	vpci_reset(&p->pci);
	vpm_reset(&p->pm);
	vrtc_reset(&vm->rtc);
	p->uart_line = false;
	p->pit_irqs = 0;
	p->pit_timer_arms = 0;
	memset(p->eoi_fn, 0, sizeof(p->eoi_fn));
	memset(p->route_fn, 0, sizeof(p->route_fn));
}

void vplat_deliver(struct vm *vm, struct vcpu *from, const struct vlapic_ipi *msg, bool level)
{
	bool hit = false;

	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *t = &vm->vcpus[i];

		if (!vlapic_accepts(&t->lapic, msg, t == from))
			continue;
		hit = true;
		switch (msg->mode) {
		case ICR_MODE_FIXED:
		case ICR_MODE_LOWEST:
			/* ELI: between the VM's vCPUs, on the hardware with
			 * the guest's vector (vmx/eli/ipi.h). */
			if (from && t != from && !level && eli_ipi_send(from, t, (u8)msg->vector)) {
				vm->ipis_sent++;
				break;
			}
			vlapic_accept(&t->lapic, msg->vector, level);
			if (t == from) {
				t->lapic.self_ipis++;
				break;
			}
			if (from)
				vm->ipis_sent++;
			vcpu_post(t, VCPU_REQ_EVENT);
			break;
		case ICR_MODE_NMI:
			/* A CPU waiting for start-up ignores NMIs. */
			if (t->state == VCPU_WAIT_SIPI)
				break;
			vm->nmis_sent++;
			vcpu_post(t, VCPU_REQ_NMI);
			break;
		case ICR_MODE_INIT:
			/* A level de-assert does nothing (SDM 3A 11.6.1); a
			 * vCPU waiting for SIPI keeps waiting; INIT to itself
			 * is not emulated (counted). Else: reset and wait. */
			if (!msg->assert || t->state == VCPU_WAIT_SIPI)
				break;
			if (t == from) {
				vm->ipis_dropped++;
				break;
			}
			vm->ipis_sent++;
			vcpu_post_init(t);
			break;
		case ICR_MODE_STARTUP:
			/* To a vCPU waiting for it, or about to (an INIT it
			 * has not taken yet); the first one counts. */
			if ((t->state == VCPU_WAIT_SIPI || vcpu_requested(t, VCPU_REQ_INIT)) &&
			    !vcpu_requested(t, VCPU_REQ_SIPI)) {
				vm->ipis_sent++;
				vcpu_post_sipi(t, (u8)msg->vector);
			}
			break;
		}
		/* Lowest priority: the first that accepts (SDM 3A 11.6.2.4
		 * leaves the arbitration to the model). */
		if (msg->mode == ICR_MODE_LOWEST)
			break;
	}
	/* Real APICs drop a message nobody accepts; counted. */
	if (!hit)
		vm->ipis_unroutable++;
}

/* Deliver every pin in the mask (lock held). */
static void ioapic_fire(struct vm *vm, u32 pins)
{
	struct vplatform *p = &vm->plat;

	while (pins) {
		u32 pin = (u32)__builtin_ctz(pins);
		struct vlapic_ipi msg;
		bool level;

		pins &= pins - 1;
		if (viommu_ir_on(vm)) {
			/* The guest's vIOMMU remaps: the pin's request goes
			 * through it with the I/O APIC's source-id (VT-d
			 * 5.1.5.1), in either format; blocked requests are
			 * its faults. */
			u32 addr, data;

			vioapic_request(&p->ioapic, pin, &addr, &data);
			if (viommu_irq(vm, VIOAPIC_SID, addr, 0, data, false, &msg, &level))
				vplat_deliver(vm, NULL, &msg, level);
			continue;
		}
		if (vioapic_message(&p->ioapic, pin, &msg, &level))
			vplat_deliver(vm, NULL, &msg, level);
	}
}

/* An ISA line: the 8259 sees it, and the I/O APIC on its pin (lock held). */
static void isa_line(struct vm *vm, u32 irq, bool asserted)
{
	struct vplatform *p = &vm->plat;
	u32 pin = irq == 0 ? VPLAT_PIT_PIN : irq;

	vpic_set_line(&p->pic, irq, asserted);
	if (vioapic_set_line(&p->ioapic, pin, asserted))
		ioapic_fire(vm, BIT(pin));
}

/* COM1's line follows its interrupt state after every access (lock held). */
static void uart_sync(struct vm *vm)
{
	struct vplatform *p = &vm->plat;
	bool line = vuart_irq(&p->uart);

	if (line != p->uart_line) {
		p->uart_line = line;
		isa_line(vm, VPLAT_COM1_IRQ, line);
	}
}

/*
 * An EOI for vector reaches the I/O APIC: broadcast by a local APIC, or
 * written to its EOI register (directed EOI; Linux's way with interrupt
 * remapping, where the entry's vector is its own tag, VT-d 5.1.5.1).
 * Held lines whose interrupt this completes drop first, so the I/O APIC
 * does not deliver them again by itself; their owners are told after the
 * lock (held_notify). Lock held; returns the pins to tell.
 */
static u32 ioapic_eoi(struct vm *vm, u8 vector)
{
	struct vplatform *p = &vm->plat;
	u32 notify = 0;

	for (u32 pin = 0; pin < VIOAPIC_PINS; pin++) {
		u64 e = p->ioapic.rte[pin];

		if (p->eoi_fn[pin] && (e & RTE_LEVEL) && (e & RTE_REMOTE_IRR) &&
		    RTE_VECTOR(e) == vector) {
			vioapic_set_line(&p->ioapic, pin, false);
			notify |= BIT(pin);
		}
	}
	ioapic_fire(vm, vioapic_eoi(&p->ioapic, vector));
	return notify;
}

static void held_notify(struct vplatform *p, u32 notify)
{
	while (notify) {
		u32 pin = (u32)__builtin_ctz(notify);

		notify &= notify - 1;
		p->eoi_fn[pin](p->eoi_ctx[pin]);
	}
}

void vplat_lapic_eoi(struct vm *vm, u8 vector)
{
	struct vplatform *p = &vm->plat;
	u64 f = spin_lock_irqsave(&p->lock);
	u32 notify = ioapic_eoi(vm, vector);

	spin_unlock_irqrestore(&p->lock, f);
	held_notify(p, notify);
}

u64 vplat_lock(struct vm *vm)
{
	return spin_lock_irqsave(&vm->plat.lock);
}

void vplat_unlock(struct vm *vm, u64 flags)
{
	spin_unlock_irqrestore(&vm->plat.lock, flags);
}

void vplat_set_irq_locked(struct vm *vm, u32 irq, bool asserted)
{
	if (irq < 16)
		isa_line(vm, irq, asserted);
	else if (irq < VIOAPIC_PINS && vioapic_set_line(&vm->plat.ioapic, irq, asserted))
		ioapic_fire(vm, BIT(irq));
}

void vplat_set_irq(struct vm *vm, u32 irq, bool asserted)
{
	u64 f = vplat_lock(vm);

	vplat_set_irq_locked(vm, irq, asserted);
	vplat_unlock(vm, f);
}

void vplat_set_route_notify(struct vm *vm, u32 irq, void (*fn)(void *ctx, u64 rte))
{
	struct vplatform *p = &vm->plat;
	u64 f = spin_lock_irqsave(&p->lock);

	p->route_fn[irq == 0 ? VPLAT_PIT_PIN : irq] = fn;
	spin_unlock_irqrestore(&p->lock, f);
}

void vplat_routes_changed_locked(struct vm *vm)
{
	struct vplatform *p = &vm->plat;

	for (u32 pin = 0; pin < VIOAPIC_PINS; pin++)
		if (p->route_fn[pin])
			p->route_fn[pin](p->eoi_ctx[pin], p->ioapic.rte[pin]);
}

void vplat_set_eoi_notify(struct vm *vm, u32 irq, void (*fn)(void *ctx), void *ctx)
{
	struct vplatform *p = &vm->plat;
	u32 pin = irq == 0 ? VPLAT_PIT_PIN : irq;
	u64 f = spin_lock_irqsave(&p->lock);

	p->eoi_fn[pin] = fn;
	p->eoi_ctx[pin] = ctx;
	spin_unlock_irqrestore(&p->lock, f);
}

bool vplat_console_input(struct vm *vm, u8 c)
{
	struct vplatform *p = &vm->plat;
	u64 f = spin_lock_irqsave(&p->lock);
	bool ok = vuart_receive(&p->uart, c);

	uart_sync(vm);
	spin_unlock_irqrestore(&p->lock, f);
	return ok;
}

/*
 * Whether anyone can see channel 0's interrupts: the I/O APIC's pin 2
 * unmasked, or IRQ 0 unmasked in the master 8259 (lock held). Else no host
 * timer is armed for them; vplat_poll() still runs at every exit of the
 * first vCPU, so the edges (and the 8259's IRR) catch up, and OUT2 in port
 * 0x61 is computed when read.
 */
static bool pit_observed(const struct vplatform *p)
{
	return !(p->ioapic.rte[VPLAT_PIT_PIN] & RTE_MASKED) || !(p->pic.chip[0].imr & 1);
}

/* The PIT became visible (lock held): the first vCPU arms its timer. */
static void pit_check_observed(struct vm *vm, bool was)
{
	if (!was && pit_observed(&vm->plat) && vpit_armed(&vm->plat.pit))
		vcpu_post(&vm->vcpus[0], VCPU_REQ_EVENT);
}

static void pit_timer_fn(struct timer *t, void *arg)
{
	/* Waking the core is the point: the run loop polls the PIT. */
	(void)t; (void)arg;
}

void vplat_poll(struct vm *vm)
{
	struct vplatform *p = &vm->plat;
	u64 f, next, now;
	bool observed;
	u32 n;

	if (!vpit_armed(&p->pit))
		return;
	f = spin_lock_irqsave(&p->lock);
	now = ticks_at(VPIT_HZ);
	n = vpit_poll(&p->pit, now, &next);
	if (n) {
		/* One edge for any number of periods (they coalesce). */
		isa_line(vm, 0, true);
		isa_line(vm, 0, false);
		p->pit_irqs++;
	}
	observed = pit_observed(p);
	spin_unlock_irqrestore(&p->lock, f);
	/* Re-armed when the PIT was reprogrammed to fire sooner. */
	if (!next || !observed || (p->pit_timer.armed && p->pit_timer_at <= next))
		return;
	timer_cancel(&p->pit_timer);
	p->pit_timer_at = next;
	p->pit_timer_arms++;
	timer_arm(&p->pit_timer,
		  (u64)((unsigned __int128)(next - now) * 1000000000ULL / VPIT_HZ) + 1,
		  pit_timer_fn, vm);
}

/* --- the devices on the bus (core/vdev/bus.h); ctx is the VM --- */

static bool com1_rw(const struct vdev_region *r, u64 port, u32 size, bool write, u64 *val)
{
	struct vm *vm = r->ctx;
	struct vplatform *p = &vm->plat;
	u64 f;
	u8 tx;

	if (size != 1)
		return false;
	f = spin_lock_irqsave(&p->lock);
	if (!write)
		*val = vuart_read(&p->uart, (u32)(port - PORT_COM1));
	else if (vuart_write(&p->uart, (u32)(port - PORT_COM1), (u8)*val, &tx))
		vm_console_put(vm, (char)tx);
	uart_sync(vm);
	spin_unlock_irqrestore(&p->lock, f);
	return true;
}

static bool pit_rw(const struct vdev_region *r, u64 port, u32 size, bool write, u64 *val)
{
	struct vm *vm = r->ctx;
	struct vplatform *p = &vm->plat;
	u64 f = spin_lock_irqsave(&p->lock);

	if (write)
		vpit_write(&p->pit, (u16)port, (u8)*val, ticks_at(VPIT_HZ));
	else
		*val = vpit_read(&p->pit, (u16)port, ticks_at(VPIT_HZ));
	spin_unlock_irqrestore(&p->lock, f);
	/* The first vCPU keeps the PIT's time: have it look again. */
	if (write)
		vcpu_post(&vm->vcpus[0], VCPU_REQ_EVENT);
	return true;
}

static bool pic_rw(const struct vdev_region *r, u64 port, u32 size, bool write, u64 *val)
{
	struct vplatform *p = &((struct vm *)r->ctx)->plat;
	u64 f;

	if (size != 1)
		return false;
	f = spin_lock_irqsave(&p->lock);
	if (write) {
		bool was = pit_observed(p);

		vpic_write(&p->pic, (u16)port, (u8)*val);
		pit_check_observed(r->ctx, was);
	} else {
		*val = vpic_read(&p->pic, (u16)port);
	}
	spin_unlock_irqrestore(&p->lock, f);
	return true;
}

/* PCI configuration mechanism #1: the address port and the data ports. */
static bool pci_cfg_rw(const struct vdev_region *r, u64 port, u32 size, bool write, u64 *val)
{
	struct vplatform *p = &((struct vm *)r->ctx)->plat;
	u64 f = spin_lock_irqsave(&p->lock);
	u32 v = (u32)*val;
	bool claimed;

	if (write) {
		claimed = vpci_io_write(&p->pci, (u16)port, size, v);
	} else {
		claimed = vpci_io_read(&p->pci, (u16)port, size, &v);
		*val = v;
	}
	spin_unlock_irqrestore(&p->lock, f);
	return claimed;
}

static bool pm_rw(const struct vdev_region *r, u64 port, u32 size, bool write, u64 *val)
{
	struct vm *vm = r->ctx;
	struct vplatform *p = &vm->plat;
	enum vpm_event ev;
	u64 f;

	if (!write) {
		*val = vpm_read(&p->pm, (u16)port, ticks_at(VPM_TMR_HZ));
		return true;
	}
	f = spin_lock_irqsave(&p->lock);
	ev = vpm_write(&p->pm, (u16)port, (u32)*val);
	spin_unlock_irqrestore(&p->lock, f);
	if (ev == VPM_POWER_OFF)
		vm_note_stop(vm, "guest powered off (ACPI S5)");
	else if (ev == VPM_SLEEP_UNSUPPORTED)
		pr_warn("vm %s: sleep state type %u requested; only S5 is emulated",
			vm->name, PM1_CNT_SLP_TYP((u32)*val));
	return true;
}

static bool rtc_rw(const struct vdev_region *r, u64 port, u32 size, bool write, u64 *val)
{
	struct vm *vm = r->ctx;

	if (size != 1)
		return false;
	if (write)
		vrtc_write(&vm->rtc, (u16)port, (u8)*val);
	else
		*val = vrtc_read(&vm->rtc, (u16)port, rtc_now_ns());
	return true;
}

static bool ecam_rw(const struct vdev_region *r, u64 gpa, u32 size, bool write, u64 *val)
{
	struct vplatform *p = &((struct vm *)r->ctx)->plat;
	u32 off = (u32)(gpa - VPCI_ECAM_BASE);
	u64 f = spin_lock_irqsave(&p->lock);

	if (write)
		vpci_ecam_write(&p->pci, off, size, (u32)*val);
	else
		*val = vpci_ecam_read(&p->pci, off, size);
	spin_unlock_irqrestore(&p->lock, f);
	return true;
}

static bool ioapic_rw(const struct vdev_region *r, u64 gpa, u32 size, bool write, u64 *val)
{
	struct vm *vm = r->ctx;
	struct vplatform *p = &vm->plat;
	/* Registers are 32 bits wide at 16-byte strides. */
	u32 off = (u32)(gpa - VIOAPIC_BASE) & ~3U, notify = 0;
	u64 f = spin_lock_irqsave(&p->lock);

	if (write && off == IOAPIC_EOI) {
		notify = ioapic_eoi(vm, (u8)*val);
	} else if (write) {
		bool was = pit_observed(p);

		u32 reg = p->ioapic.regsel, pin = (reg - IOAPIC_REG_REDIR) / 2;

		ioapic_fire(vm, vioapic_write(&p->ioapic, off, (u32)*val));
		pit_check_observed(vm, was);
		if (off == IOAPIC_WINDOW && reg >= IOAPIC_REG_REDIR && pin < VIOAPIC_PINS &&
		    p->route_fn[pin])
			p->route_fn[pin](p->eoi_ctx[pin], p->ioapic.rte[pin]);
	} else {
		*val = vioapic_read(&p->ioapic, off);
	}
	spin_unlock_irqrestore(&p->lock, f);
	held_notify(p, notify);
	return true;
}

static const struct {
	enum vdev_space space;
	u64 base, len;
	vdev_rw_fn rw;
	const char *name;
} plat_ranges[] = {
	{ VDEV_PIO, VPIC_MASTER, 2, pic_rw, "8259 master" },
	{ VDEV_PIO, VPIT_PORT_CH0, VPIT_PORT_CMD - VPIT_PORT_CH0 + 1, pit_rw, "8254 PIT" },
	{ VDEV_PIO, VPIT_PORT_61, 1, pit_rw, "port 0x61 (PIT gate 2)" },
	{ VDEV_PIO, VRTC_PORT_INDEX, 2, rtc_rw, "CMOS clock" },
	{ VDEV_PIO, VPIC_SLAVE, 2, pic_rw, "8259 slave" },
	{ VDEV_PIO, PORT_COM1, 8, com1_rw, "COM1" },
	{ VDEV_PIO, VPIC_ELCR, 2, pic_rw, "8259 ELCR" },
	{ VDEV_PIO, VPM_BASE, VPM_LEN, pm_rw, "ACPI PM block" },
	{ VDEV_PIO, VPCI_PORT_ADDR, 1, pci_cfg_rw, "PCI config address" },
	{ VDEV_PIO, VPCI_PORT_DATA, 4, pci_cfg_rw, "PCI config data" },
	{ VDEV_MMIO, VPCI_ECAM_BASE, VPCI_ECAM_SIZE, ecam_rw, "PCI ECAM" },
	{ VDEV_MMIO, VIOAPIC_BASE, VIOAPIC_SIZE, ioapic_rw, "I/O APIC" },
};

static int vplat_init(struct vm *vm, char *err, size_t n)
{
	for (u32 i = 0; i < ARRAY_SIZE(plat_ranges); i++)
		if (vdev_add(vm, plat_ranges[i].space, plat_ranges[i].base, plat_ranges[i].len,
			     plat_ranges[i].rw, vm, 0, plat_ranges[i].name)) {
			snprintf(err, n, "the platform's %s cannot be placed", plat_ranges[i].name);
			return -1;
		}
	return 0;
}

DEFINE_VDEV(platform, 0, .reset = vplat_reset, .init = vplat_init);
