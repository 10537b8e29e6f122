// SPDX-License-Identifier: GPL-2.0
#include "core/acpi/acpi.h"
#include "core/log.h"
#include "core/spinlock.h"
#include "core/vdev/vioapic.h"
#include "irq/ioapic.h"
#include "mm/kmem.h"

struct host_ioapic host_ioapics[HOST_IOAPIC_MAX];
u32 host_nioapics;

/* IOREGSEL then IOWIN: one sequence at a time, whichever core (a guest's
 * core masks its device's pin while another unmasks it at the EOI). */
static spinlock_t ioapic_lock = SPINLOCK_INIT;

static u32 rd(struct host_ioapic *io, u32 reg)
{
	io->regs[IOAPIC_REGSEL / 4] = reg;
	return io->regs[IOAPIC_WINDOW / 4];
}

static void wr(struct host_ioapic *io, u32 reg, u32 v)
{
	io->regs[IOAPIC_REGSEL / 4] = reg;
	io->regs[IOAPIC_WINDOW / 4] = v;
}

void ioapic_init(void)
{
	for (u32 i = 0; i < acpi.nioapics && host_nioapics < HOST_IOAPIC_MAX; i++) {
		struct host_ioapic *io = &host_ioapics[host_nioapics];
		u32 ver;

		io->id = acpi.ioapics[i].id;
		io->gsi_base = acpi.ioapics[i].gsi_base;
		io->phys = acpi.ioapics[i].addr;
		io->regs = ioremap(io->phys, PAGE_SIZE, MAP_W | MAP_UC);
		if (!io->regs) {
			pr_err("ioapic %u: cannot map %#llx", io->id, (unsigned long long)io->phys);
			continue;
		}
		ver = rd(io, IOAPIC_REG_VERSION);
		if (ver == 0xffffffff) {
			pr_err("ioapic %u at %#llx does not answer", io->id, (unsigned long long)io->phys);
			continue;
		}
		io->version = ver & 0xff;
		io->npins = ((ver >> 16) & 0xff) + 1;
		/* Nothing reaches tern until it routes a pin itself. */
		for (u32 p = 0; p < io->npins; p++)
			wr(io, IOAPIC_REG_REDIR + 2 * p, RTE_MASKED);
		host_nioapics++;
		pr_info("ioapic %u at %#llx: version %#x, GSI %u-%u, all masked", io->id,
			(unsigned long long)io->phys, io->version, io->gsi_base,
			io->gsi_base + io->npins - 1);
	}
}

struct host_ioapic *ioapic_for_gsi(u32 gsi, u32 *pin)
{
	for (u32 i = 0; i < host_nioapics; i++) {
		struct host_ioapic *io = &host_ioapics[i];

		if (gsi >= io->gsi_base && gsi < io->gsi_base + io->npins) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

int ioapic_write_rte(u32 gsi, u64 rte)
{
	u32 pin;
	struct host_ioapic *io = ioapic_for_gsi(gsi, &pin);

	u64 f;

	if (!io)
		return -1;
	f = spin_lock_irqsave(&ioapic_lock);
	/* Masked while half-written. */
	wr(io, IOAPIC_REG_REDIR + 2 * pin, RTE_MASKED);
	wr(io, IOAPIC_REG_REDIR + 2 * pin + 1, (u32)(rte >> 32));
	wr(io, IOAPIC_REG_REDIR + 2 * pin, (u32)rte);
	spin_unlock_irqrestore(&ioapic_lock, f);
	return 0;
}

u64 ioapic_read_rte(u32 gsi)
{
	u32 pin;
	struct host_ioapic *io = ioapic_for_gsi(gsi, &pin);

	u64 f, rte;

	if (!io)
		return RTE_MASKED;
	f = spin_lock_irqsave(&ioapic_lock);
	rte = rd(io, IOAPIC_REG_REDIR + 2 * pin) |
	      (u64)rd(io, IOAPIC_REG_REDIR + 2 * pin + 1) << 32;
	spin_unlock_irqrestore(&ioapic_lock, f);
	return rte;
}

void ioapic_mask(u32 gsi, bool mask)
{
	u32 pin, lo;
	struct host_ioapic *io = ioapic_for_gsi(gsi, &pin);
	u64 f;

	if (!io)
		return;
	/* The low half alone: the mask bit is there, and a pin is never
	 * half-written this way. */
	f = spin_lock_irqsave(&ioapic_lock);
	lo = rd(io, IOAPIC_REG_REDIR + 2 * pin);
	wr(io, IOAPIC_REG_REDIR + 2 * pin, mask ? lo | RTE_MASKED : lo & ~RTE_MASKED);
	spin_unlock_irqrestore(&ioapic_lock, f);
}
