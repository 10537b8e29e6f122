/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PC around a VM's vCPUs, laid out like QEMU's q35: the I/O APIC
 * (0xfec00000), the 8259 pair, the 8254 PIT, COM1 with IRQ 4, PCI bus 0
 * (0xcf8/0xcfc and ECAM at 0xb0000000) with the host bridge, and the
 * ACPI PM registers of the FADT (PM1a event/control, PM timer) at ICH9's
 * PMBASE 0x600. It routes device lines (ISA IRQ n is I/O APIC pin n, IRQ 0
 * pin 2 as the MADT says) and delivers APIC messages, IPIs included, to
 * the VM's own vCPUs. One lock per VM serializes the devices; any core
 * may raise a line (the shell types into COM1 from core 0).
 */
#ifndef TERN_CORE_VDEV_VPLATFORM_H
#define TERN_CORE_VDEV_VPLATFORM_H

#include "core/spinlock.h"
#include "core/timer.h"
#include "core/types.h"
#include "core/vdev/vioapic.h"
#include "core/vdev/vlapic.h"
#include "core/vdev/vpic.h"
#include "core/vdev/pci/vpci.h"
#include "core/vdev/vpit.h"
#include "core/vdev/vpm.h"
#include "core/vdev/vuart.h"

#define PORT_COM1		0x3f8
#define VPLAT_SCI_IRQ		9
#define VPLAT_COM1_IRQ		4
#define VPLAT_PIT_PIN		2	/* ISA IRQ 0 on I/O APIC pin 2 */

struct vm;
struct vcpu;

struct vplatform {
	spinlock_t lock;
	struct vioapic ioapic;
	struct vpic pic;
	struct vpit pit;
	struct vuart uart;
	struct vpci pci;
	struct vpm pm;
	bool uart_line;
	struct timer pit_timer;		/* on the first vCPU's core */
	u64 pit_timer_at;		/* the PIT tick it is armed for */
	u64 pit_irqs;
	u64 pit_timer_arms;		/* host timers armed for the PIT */
	/* Lines held until the guest's EOI (assigned INTx) */
	void (*eoi_fn[VIOAPIC_PINS])(void *ctx);
	void *eoi_ctx[VIOAPIC_PINS];
	/* Told of the guest's redirection entry for the pin when it writes
	 * it (ELI delivers an assigned INTx straight to the vector). */
	void (*route_fn[VIOAPIC_PINS])(void *ctx, u64 rte);
};

/* A device unit (core/vdev/vdev.h): its ports and MMIO ranges on the
 * VM's bus, the CMOS clock's and the PM block's included. */
void vplat_reset(struct vm *vm);
/*
 * An APIC message (IPI or I/O APIC) to every vCPU of the VM that accepts
 * it; from: the sending vCPU, or NULL. level: the vector's EOI must come
 * back through vplat_lapic_eoi().
 */
void vplat_deliver(struct vm *vm, struct vcpu *from, const struct vlapic_ipi *msg, bool level);
void vplat_lapic_eoi(struct vm *vm, u8 vector);
/* The platform's lock, for devices that keep state with it (assigned
 * functions: their config space is reached under it). */
u64 vplat_lock(struct vm *vm);
void vplat_unlock(struct vm *vm, u64 flags);
void vplat_set_irq_locked(struct vm *vm, u32 irq, bool asserted);
/* A device line: ISA IRQ n (0 is the PIT's; the 8259 sees it too), or
 * from 16 a PCI GSI (I/O APIC only). Any core, interrupt handlers too. */
void vplat_set_irq(struct vm *vm, u32 irq, bool asserted);
/*
 * A line someone else's device holds (an assigned function's INTx): when
 * the guest EOIs the level interrupt it delivered, the line drops and
 * fn(ctx) is told, to raise it again if the device still asserts it.
 */
void vplat_set_eoi_notify(struct vm *vm, u32 irq, void (*fn)(void *ctx), void *ctx);
/* The same line's redirection entry, each time the guest writes it
 * (called with the platform lock held, the entry as written). The
 * context is eoi_notify's. */
void vplat_set_route_notify(struct vm *vm, u32 irq, void (*fn)(void *ctx, u64 rte));
/* The routes behind redirection entries changed without a write to them
 * (the guest's vIOMMU invalidated its interrupt-remapping entries): the
 * route notifiers look again. Platform lock held. */
void vplat_routes_changed_locked(struct vm *vm);
/* The first vCPU's core, before each entry and while halted. */
void vplat_poll(struct vm *vm);
/* The operator typed c at `vm console`; false: the guest's FIFO is full. */
bool vplat_console_input(struct vm *vm, u8 c);

#endif
