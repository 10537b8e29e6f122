/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Overcommitted VMs (tern.cfg `resident =`, `swap =`, `swap_mode =`; issue
 * #11, VSwapper): tern's side of them. The bookkeeping is pure and
 * unit-tested (swap_area.h: slots of the shared partition; swap_vm.h: the
 * per-page state machine, CLOCK and watermarks). Not yet done: wiring it
 * into the GPA map (EPT A/D, the NOACCESS fault handler that parks the
 * vCPU, page-out and page-in through the block layer on the management
 * core), so an overcommitted VM is refused at `vm start`, saying so.
 */
#ifndef TERN_MM_SWAP_SWAPPER_H
#define TERN_MM_SWAP_SWAPPER_H

#include "core/types.h"

struct vm;

/* At boot, after the disks are known: its swap partition exists and can
 * hold slots; else the VM cannot run (vm->problem). */
void swapper_check_vm(struct vm *vm);
/* At `vm start`: 0, or -1 with why in err (overcommit not wired yet). */
int swapper_vm_start(struct vm *vm, char *err, size_t n);
/* `vm resident NAME SIZE`: 0, or -1 with why in err. */
int swapper_set_resident(struct vm *vm, u64 size, char *err, size_t n);
/* `vm list`'s line for an overcommitted VM, or one with swap; nothing
 * for the others. */
void swapper_list_line(const struct vm *vm);

#endif
