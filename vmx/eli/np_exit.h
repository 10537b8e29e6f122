/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ELI: an #NP exit under the shadow IDT is either a host interrupt that hit
 * a hidden gate, a guest event that did, or a true guest #NP. Told apart
 * from the exit and IDT-vectoring information (SDM 3C "Information for VM
 * Exits Due to Vectored Events" and "Information for VM Exits During Event
 * Delivery") and the #NP error code (3A 6.13). Pure: the caller reads the
 * VMCS. (Vector matching, the guest's device vector claimed on its core:
 * irq/vectors.c.)
 */
#ifndef TERN_VMX_ELI_NP_EXIT_H
#define TERN_VMX_ELI_NP_EXIT_H

#include "core/types.h"

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
