/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ELI vector matching. A guest's device interrupt must use the same vector
 * in the guest, in tern and on the device: the hardware delivers it through
 * the shadow IDT by vector, and the vector is its priority. So when the
 * guest programs a device vector that a tern user holds on that core, the
 * tern user moves. One table per physical core.
 *
 * And the other way: an #NP exit under the shadow IDT is either a host
 * interrupt that hit a hidden gate, a guest event that did, or a true guest
 * #NP. Told apart from the exit and IDT-vectoring information (SDM 3C
 * "Information for VM Exits Due to Vectored Events" and "Information for
 * VM Exits During Event Delivery") and the #NP error code (3A 6.13).
 * Pure: the caller reads the VMCS and moves the interrupts.
 */
#ifndef TERN_VMX_ELI_VECTORS_H
#define TERN_VMX_ELI_VECTORS_H

#include "core/types.h"
#include "vmx/eli/vec_set.h"

enum eli_vec_owner {
	ELI_VEC_FREE = 0,
	ELI_VEC_RESERVED,	/* exceptions, tern's fixed vectors */
	ELI_VEC_HOST,		/* a tern device user */
	ELI_VEC_GUEST,		/* a device vector of the guest on this core */
};

struct eli_vectors {
	u8 owner[256];		/* enum eli_vec_owner */
	u8 guest_refs[256];	/* guest interrupts sharing the vector */
	u8 host_first, host_last;	/* where tern users may be moved to */
};

enum eli_vec_err {
	ELI_VEC_OK = 0,
	ELI_VEC_REFUSED = -1,	/* reserved for the CPU or tern */
	ELI_VEC_NO_ROOM = -2,	/* no free vector to move tern's user to */
	ELI_VEC_NOT_OURS = -3,	/* removing what is not held */
};

/* A tern user to move before the guest gets the vector. */
struct eli_vec_move {
	bool needed;
	u8 from, to;
};

/*
 * Vectors 0-31 are always reserved; reserved adds tern's fixed ones.
 * Host users are moved within [host_first, host_last].
 */
void eli_vectors_init(struct eli_vectors *t, const struct vec_set *reserved,
		      u8 host_first, u8 host_last);
/* Record that a tern user holds vector v (what irq_alloc_vector handed out). */
int eli_vectors_host_claim(struct eli_vectors *t, u8 v);
void eli_vectors_host_release(struct eli_vectors *t, u8 v);
/*
 * The guest programs vector v for a device interrupt on this core. On
 * success, if mv->needed, tern's user of v must be moved to mv->to before
 * the device is programmed (the table already says so). The same vector
 * may be programmed more than once (shared or repeated MSI vectors).
 */
int eli_vectors_guest_add(struct eli_vectors *t, u8 v, struct eli_vec_move *mv);
int eli_vectors_guest_remove(struct eli_vectors *t, u8 v);
/* The guest's device vectors, for the shadow IDT. */
void eli_vectors_guest_set(const struct eli_vectors *t, struct vec_set *out);

enum eli_np_cause {
	ELI_NP_NOT_NP,		/* the exit is not an #NP exception */
	ELI_NP_HOST_INTR,	/* external interrupt on a hidden gate: tern's,
				 * unless the table says the guest's (its gate
				 * was refused): then inject it */
	ELI_NP_GUEST_EVENT,	/* a guest event on a hidden gate: replay it
				 * through the guest's own IDT */
	ELI_NP_GUEST_FAULT,	/* a true guest #NP: reflect it */
};

/*
 * exit_info, exit_err: the exit interruption information and error code;
 * vectoring: the IDT-vectoring information. *vector: for HOST_INTR and
 * GUEST_EVENT, the vector of the event that was being delivered.
 */
enum eli_np_cause eli_np_classify(u32 exit_info, u32 exit_err, u32 vectoring, u8 *vector);

#endif
