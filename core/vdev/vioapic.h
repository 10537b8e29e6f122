/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's I/O APIC (Intel 82093AA datasheet, as QEMU's q35 shows it):
 * 24 pins at 0xfec00000, reached through IOREGSEL (0x00) and IOWIN (0x10);
 * version 0x20 adds the EOI register (0x40). Pure: callers hold the VM's
 * interrupt lock, and deliver the messages this computes to the vCPUs.
 *
 * Lines carry the logical "asserted" state; polarity is recorded for the
 * guest but tern's device models never drive an electrical level.
 */
#ifndef TERN_CORE_VDEV_VIOAPIC_H
#define TERN_CORE_VDEV_VIOAPIC_H

#include "core/types.h"
#include "core/vdev/vlapic.h"

#define VIOAPIC_BASE		0xfec00000ULL
#define VIOAPIC_SIZE		0x1000
#define VIOAPIC_PINS		24
#define VIOAPIC_VERSION		0x20

/* Memory-mapped registers */
#define IOAPIC_REGSEL		0x00
#define IOAPIC_WINDOW		0x10
#define IOAPIC_EOI		0x40

/* Indirect registers */
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDIR	0x10	/* 2 per pin: low, high */

/* Redirection table entry (datasheet 3.2.4) */
#define RTE_VECTOR(e)		((u8)(e))
#define RTE_MODE(e)		(((e) >> 8) & 7)	/* ICR_MODE_* */
#define RTE_LOGICAL		BIT(11)
#define RTE_PENDING		BIT(12)	/* delivery status, read-only */
#define RTE_ACTIVE_LOW		BIT(13)
#define RTE_REMOTE_IRR		BIT(14)	/* read-only */
#define RTE_LEVEL		BIT(15)
#define RTE_MASKED		BIT(16)
#define RTE_DEST(e)		((u32)((e) >> 56))
#define RTE_RO_BITS		(RTE_PENDING | RTE_REMOTE_IRR)

/*
 * Remappable format (VT-d spec 5.1.5.1), for a guest whose vIOMMU has
 * interrupt remapping on: bit 48 set, the interrupt index's bits 14:0 in
 * 63:49 and bit 15 in bit 11 (where compatibility format has the
 * destination mode). The I/O APIC sends the entry as an interrupt
 * request with the same bits where an MSI address has them (5.1.5.2:
 * 63:48 to address 19:4, bit 11 to address bit 2; SHV clear, so the
 * data's subhandle is not used); vector, trigger mode and delivery mode
 * go in the data as in compatibility format. The vector stays the one
 * the I/O APIC matches EOIs against (broadcast or its EOI register).
 */
#define RTE_IR_FORMAT		BIT(48)
#define RTE_IR_INDEX(e)		((u16)((((e) >> 49) & 0x7fff) | (((e) >> 11) & 1) << 15))

/* The DMAR names the I/O APIC at this source-id (bus 0xff, 00.0, as q35
 * does): what its interrupt requests carry to the remapping unit. */
#define VIOAPIC_SID		0xff00

struct vioapic {
	u32 id;
	u32 regsel;
	u64 rte[VIOAPIC_PINS];
	u32 asserted;			/* line state, one bit per pin */
	/* Counters */
	u64 delivered[VIOAPIC_PINS];
	u64 lost_masked;		/* edges while masked */
	u64 unsupported;		/* SMI/INIT/ExtINT pins that fired */
	u64 eois;			/* level EOIs that cleared a remote IRR */
};

void vioapic_reset(struct vioapic *io);
u32 vioapic_read(struct vioapic *io, u32 off);
/* Returns pins that must deliver now (an unmasked asserted level line). */
u32 vioapic_write(struct vioapic *io, u32 off, u32 val);
/* A device changes a line; returns whether that pin must deliver now. */
bool vioapic_set_line(struct vioapic *io, u32 pin, bool asserted);
/*
 * The message a delivering pin sends (marks a level pin remote-IRR, counts
 * it). level: the vCPU must set the vector's TMR bit, so its EOI comes back.
 * false: a delivery mode tern does not model (counted, nothing sent).
 */
bool vioapic_message(struct vioapic *io, u32 pin, struct vlapic_ipi *msg, bool *level);
/*
 * The same delivery as the interrupt request the I/O APIC puts on the bus
 * for the interrupt remapping unit (5.1.5.1): the MSI-format address and
 * data, from either format of entry (the unit decides what it accepts).
 * Marks a level pin remote-IRR and counts it, as vioapic_message does.
 */
void vioapic_request(struct vioapic *io, u32 pin, u32 *addr_lo, u32 *data);
/* A local APIC EOI of a level vector; returns pins that deliver again. */
u32 vioapic_eoi(struct vioapic *io, u8 vector);

#endif
