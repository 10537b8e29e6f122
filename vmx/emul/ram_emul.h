/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vCPU's side of an instruction the GPA map's emulator performs on
 * guest RAM (GPA_FAULT_EMULATE, mm/gpa.h): today the False Reads
 * Preventer's writes into a page that is on disk (mm/swap/swapper_prev.c).
 */
#ifndef TERN_VMX_EMUL_RAM_EMUL_H
#define TERN_VMX_EMUL_RAM_EMUL_H

#include "core/types.h"

struct vcpu;

/* After gpa_fault() said EMULATE for gpa (access: the qualification's
 * read/write/fetch bits). EXIT_RESUME or EXIT_STOP. */
int vmx_emulate_ram(struct vcpu *v, u64 gpa, u32 access);

#endif
