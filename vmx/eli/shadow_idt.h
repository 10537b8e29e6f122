/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ELI's shadow IDT: the IDT a guest runs with while its assigned devices'
 * interrupts are delivered to it without an exit. It is the guest's own
 * IDT with every gate the guest must not receive from the hardware marked
 * not present: a host interrupt that arrives in guest mode is delivered
 * through such a gate, faults with #NP, and the #NP exits to tern.
 *
 * Present (copied as the guest wrote them): exceptions 0-31, so guest
 * faults go to the guest without an exit, and the device vectors, so its
 * devices' interrupts do. Every other vector, and every gate past the
 * guest's limit, is a not-present 64-bit interrupt gate (the guest's
 * offset kept): the CPU checks a gate's type before P, and only #NP, not
 * #GP, is in the exception bitmap.
 *
 * Gate layout: 64-bit mode, 16 bytes per gate (SDM 3A 6.14.1, "64-Bit
 * Mode IDT", figure 6-8; 6.11 "IDT Descriptors" for the fields). P is bit
 * 7 of byte 5, the type its low 4 bits: 0xe interrupt gate, 0xf trap gate,
 * the only gate types 64-bit mode accepts in the IDT.
 * Pure: the caller reads the guest's IDT into a buffer and owns the page.
 */
#ifndef TERN_VMX_ELI_SHADOW_IDT_H
#define TERN_VMX_ELI_SHADOW_IDT_H

#include "core/report.h"
#include "core/types.h"
#include "vmx/eli/vec_set.h"

#define IDT_GATE_SIZE		16
#define IDT_NR_GATES		256
#define SHADOW_IDT_SIZE		(IDT_NR_GATES * IDT_GATE_SIZE)	/* one page */
/* The limit tern loads with the shadow IDT: every gate, so no vector
 * faults with #GP on the limit instead of #NP on the gate. */
#define SHADOW_IDT_LIMIT	(SHADOW_IDT_SIZE - 1)

#define IDT_GATE_P		0x80	/* in byte 5 */
#define IDT_GATE_TYPE_MASK	0x0f
#define IDT_GATE_INTR64		0x0e
#define IDT_GATE_TRAP64		0x0f

/* Exceptions and the NMI: always the guest's (3A 6.3.1). */
#define IDT_NR_EXCEPTIONS	32

/* What a build or resync did. */
struct shadow_idt_result {
	struct vec_set present;	/* gates present in the shadow */
	struct vec_set refused;	/* device vectors left not present */
};

enum shadow_idt_err {
	SHADOW_IDT_OK = 0,
	SHADOW_IDT_TOO_LONG = -1,	/* guest limit beyond one page */
	SHADOW_IDT_SHORT = -2,		/* limit misses a device vector */
	SHADOW_IDT_BAD_RANGE = -3,	/* update outside the guest's IDT */
};

/* Byte 5 of gate v in an IDT image. */
static inline u8 idt_gate_attr(const u8 *idt, u8 v)
{
	return idt[v * IDT_GATE_SIZE + 5];
}

/*
 * Build the shadow of the guest IDT guest_idt (limit + 1 bytes, limit as
 * in the guest's IDTR) into shadow (SHADOW_IDT_SIZE bytes: a staging
 * page, never the live one, see shadow_idt_publish). Gates past
 * the guest's limit are hidden: the fault the guest expects there, #GP,
 * comes from replaying the event through its own IDT. Device vectors whose guest gate is not present or not an interrupt
 * or trap gate stay not present, each reported and listed in res->refused;
 * that is no error (the guest may fill the gate in later).
 * A limit above one page, or one that leaves a device vector out, is an
 * error: shadow is then all not present and the caller must not use ELI.
 */
int shadow_idt_build(u8 *shadow, const u8 *guest_idt, u32 limit,
		     const struct vec_set *device, struct shadow_idt_result *res,
		     report_fn fn, void *arg);

/*
 * The guest wrote len bytes at offset into its (write-protected) IDT;
 * guest_idt is its IDT after the write. Resync every gate the write
 * touched, as shadow_idt_build would. res is updated for those gates
 * only. Returns the number of gates resynced or SHADOW_IDT_BAD_RANGE for
 * a write outside [0, limit] (the caller then rebuilds or refuses).
 */
int shadow_idt_update(u8 *shadow, const u8 *guest_idt, u32 limit, u32 offset,
		      u32 len, const struct vec_set *device,
		      struct shadow_idt_result *res, report_fn fn, void *arg);

/*
 * Copy a shadow built aside (staged) into the one vCPUs are running on
 * (live, shared by the VM's vCPUs), gate by gate, so that a CPU taking an
 * interrupt through it meanwhile never reads an invalid gate: that is
 * #GP in the guest, which does not exit. A gate that changes is first made
 * not present with its type kept (an interrupt then is #NP, which tern
 * takes as a host interrupt), then its upper half written, then its lower
 * half with P. Only changed gates are written; each store is one aligned
 * 8-byte store (x86: seen whole and in order by other CPUs). Returns the
 * number of gates changed.
 */
unsigned int shadow_idt_publish(u8 *live, const u8 *staged);

#endif
