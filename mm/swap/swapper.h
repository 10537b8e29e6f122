/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Overcommitted VMs (tern.cfg `resident =`, `swap =`, `swap_mode =`; issue
 * #11, VSwapper): tern's side of them. The bookkeeping is pure and
 * unit-tested (swap_area.h: slots of the shared partition; swap_vm.h: the
 * per-page state machine, CLOCK and watermarks). Not yet done: wiring it
 * into the GPA map (EPT A/D, the NOACCESS fault handler that parks the
 * vCPU, page-out and page-in through the block layer on the management
 * core), so an overcommitted VM is refused at `vm start`, saying so.
 *
 * The pieces the wiring joins, and what it must still solve:
 *  - RAM from gpa_map_create_sparse(), EPTP A/D on where vmx caps say
 *    ept_ad (without them every page would have to count as dirty and
 *    recently used: refuse, or write every victim);
 *  - a GPA_PG_NOACCESS handler calling swap_fault(): MAP_ZERO/MAP_BACK ->
 *    gpa_page_install/restore and RETRY; READ -> blk_submit() of the slot
 *    into a new frame and WAIT, the read's done() on the management core
 *    installing it and gpa_wake()-ing swap_read_done's waiters;
 *  - reclaim from mgmt_poll(): swap_reclaim_need(), swap_clock_pick() with
 *    gpa_page_test_clear_accessed, gpa_page_evict for each victim, one
 *    gpa_flush(), then swap_evict(): DROP -> gpa_page_release + pmm_free,
 *    WRITE -> blk_submit, freed in its done() (swap_write_done with
 *    gpa_page_dirty for a page mapped back meanwhile);
 *  - tern's own accesses to guest RAM (loaders, instruction emulation and
 *    its guest page walks, virtio-blk buffers, ELI's IDT reads) all go
 *    through gpa_to_hva(), which is NULL for a page without a frame: each
 *    must first fault the page in (swap_fault with SWAP_WAITER_TERN: a
 *    vCPU core waits for the read, the management core serves the block
 *    queue meanwhile) and keep it from being evicted while it holds the
 *    pointer (pinned, as virtio-blk does for DMA), and a page tern writes
 *    must count as dirty (the EPT D flag does not see tern's writes).
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
