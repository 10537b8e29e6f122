/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Overcommitted VMs (tern.cfg `resident =`, `swap =`, `swap_mode =`; issue
 * #11, VSwapper): tern's side of them. The bookkeeping is pure and
 * unit-tested (swap_area.h: slots of the shared partition; swap_vm.h: the
 * per-page state machine, CLOCK and watermarks; swap_mapper.h: the Swap
 * Mapper's page <-> disk block table); swapper.c wires it into the GPA map
 * as below. swap_mode = mapper runs the Swap Mapper (thesis §4.5.1) on the
 * VM's virtio disk; vswapper adds the False Reads Preventer (§4.5.2,
 * mm/swap/swapper_prev.h). Not faulted in, so refused
 * with overcommit at `vm start`: the vIOMMU's table reads (and ELI's IDT
 * reads, which need assigned devices, which overcommit refuses without a
 * vIOMMU).
 *
 * The Swap Mapper: a page the VM's virtio-blk device fills whole from a
 * 4 KiB block is write-protected in EPT (before the data lands, and
 * associated only once every vCPU dropped its cached rights) and
 * associated with the block. Reclaim drops it without a swap write; its
 * next fault reads the block back from the VM's own disk, with the pages
 * of the following associated blocks in the same request (prefetch). The
 * guest's first write to it (a WP fault) or tern's (gpa_get_page WRITE)
 * breaks the association; a guest write request to a block first lets go
 * of the pages holding it (reading back one only on disk: the request
 * waits). A disk read that overwrites a page on disk or dropped whole
 * needs no read of its old content (GPA_GET_OVERWRITE).
 *
 * How the pieces join:
 *  - RAM from gpa_map_create_sparse(), EPTP A/D on (vm start refuses a
 *    core whose VMX capabilities lack ept_ad: without them every page
 *    would count as recently used and dirty);
 *  - a GPA_PG_NOACCESS handler calling swap_fault(): MAP_ZERO/MAP_BACK ->
 *    gpa_page_install/restore and RETRY; READ -> blk_submit() of the slot
 *    into a new frame and WAIT (the vCPU parks), the read's done() on the
 *    management core installing it and gpa_wake()-ing swap_read_done's
 *    waiters;
 *  - reclaim from vm_service() (mgmt_poll): swap_reclaim_need(),
 *    swap_clock_pick() with gpa_page_test_clear_accessed, gpa_page_evict
 *    for each victim, one gpa_flush() (parked vCPUs included), then
 *    swap_evict(): DROP -> gpa_page_release + pmm_free, WRITE ->
 *    blk_submit, freed in its done() (swap_write_done with gpa_page_dirty
 *    for a page mapped back meanwhile);
 *  - tern's own accesses to guest RAM go through gpa_get_page() and
 *    gpa_put_page() (mm/gpa.h), which in a sparse map call the swapper:
 *    swap_fault with SWAP_WAITER_TERN (a vCPU core waits for the read with
 *    interrupts on, the management core serves the block queue meanwhile),
 *    a hold per page the clock passes by until put, and swap_mark_dirty
 *    for a write (the EPT D flag does not see tern's writes). Instruction
 *    emulation with its guest page walks and the loaders use it; virtio-blk
 *    and the vIOMMU do not yet (refused, above); ELI's IDT reads need
 *    assigned devices.
 */
#ifndef TERN_MM_SWAP_SWAPPER_H
#define TERN_MM_SWAP_SWAPPER_H

#include "core/types.h"

struct vm;

/* At boot, after the disks are known: its swap partition exists and can
 * hold slots; else the VM cannot run (vm->problem). */
void swapper_check_vm(struct vm *vm);
bool swapper_overcommitted(const struct vm *vm);
/* It runs overcommitted now (`vm resident` applies at once). */
bool swapper_live(const struct vm *vm);
/* At `vm start`, before anything is made: 0, or -1 with why in err (no
 * EPT A/D on a core, what cannot be faulted in yet, the partition taken). */
int swapper_vm_start(struct vm *vm, char *err, size_t n);
/* After the VM's sparse map is made (nothing for a dense one): its area,
 * the fault handler, tern's accessor, EPT A/D. 0, or -1 with why. */
int swapper_vm_attach(struct vm *vm, char *err, size_t n);
/* Before the map goes: waits (serving the block queue; management core)
 * for the requests out, gives the area back. Counters stay for stats. */
void swapper_vm_release(struct vm *vm);
/* Management core, often: reclaim for the running VMs. */
void swapper_poll(void);
/* `vm resident NAME SIZE`: 0, or -1 with why in err. */
int swapper_set_resident(struct vm *vm, u64 size, char *err, size_t n);
/* `vm list`'s line for an overcommitted VM, or one with swap; nothing
 * for the others. */
void swapper_list_line(const struct vm *vm);
/* `vm stats` lines, `vm mem`'s line (nothing for a VM that never swapped). */
void swapper_show(const struct vm *vm);
void swapper_mem_line(const struct vm *vm);

/*
 * The Swap Mapper's hooks for the VM's virtio-blk device (nothing for a
 * VM not overcommitted; under baseline the protection only tells silent
 * writes: a page still as the disk filled it when it is written out):
 *  fill_begin: a read request's data page the disk will write whole, or
 *              a write request's page the disk will take whole:
 *              write-protected in EPT before the device touches it;
 *  fill_submit: the request goes to the disk: every vCPU is told to drop
 *              cached rights (once per request). false: one may not have
 *              yet, and a write through its old writable translation
 *              while the disk reads the page would leave the page unlike
 *              the block it is then associated with: the caller holds the
 *              request (and any after it) until fill_ready;
 *  fill_ready: every vCPU has dropped the rights fill_submit took away;
 *  fill_done:  done: it is 4 KiB block `block` of the VM's disk (a write
 *              is on the disk first: its block is associated again): the
 *              page is associated with it — if every vCPU has dropped its
 *              cached rights since fill_begin (a write through an old
 *              writable translation would otherwise go unseen); else it
 *              is only counted as filled;
 *  disk_write: before a write of blocks [block, block+n): pages still
 *              holding their old content let go (one only in the image is
 *              read back first: -EAGAIN, retry later). 0: go ahead.
 */
void swapper_fill_begin(struct vm *vm, u64 page);
bool swapper_fill_submit(struct vm *vm);
bool swapper_fill_ready(struct vm *vm);
void swapper_fill_done(struct vm *vm, u64 page, u64 block);
int swapper_disk_write(struct vm *vm, u64 block, u32 n);

/* metrics: tern_swap_out_total, tern_swap_in_total, tern_vm_resident_bytes,
 * tern_swap_stale_reads_avoided_total, tern_swap_false_reads_avoided_total */
struct swapper_counts {
	u64 out_written, out_dropped;
	u64 in_swap, in_image, in_zero;
	u64 resident_bytes;		/* frames held now (0 when stopped) */
	u64 silent_writes, silent_avoided;
	u64 stale_reads, stale_avoided;
	u64 false_reads_avoided;	/* the Preventer's: pages written whole, no read */
	u64 prefetched, prefetch_used;
	bool mapper;			/* the Swap Mapper ran */
	bool prevent;			/* the False Reads Preventer ran */
	u64 prev_ended[7];		/* its emulations by how they ended
					 * (PREV_END_*, prev_end_name) */
	u64 reads_for[3];		/* reads started, by whom (SWAP_FOR_*) */
};

/*
 * Why a page's read back was started. A false read (a page read back only
 * for the guest to overwrite it whole) is always one for a guest write: the
 * guest's first access to it stored to it. So those reads bound the false
 * reads from above, in any swap_mode.
 */
enum swap_read_for {
	SWAP_FOR_GUEST_WRITE,	/* a store to the page (the Preventer's, too) */
	SWAP_FOR_GUEST_READ,	/* a load, a fetch, a page walk, a read-modify-write */
	SWAP_FOR_TERN,		/* tern's access: DMA, an emulated device, a settle */
	SWAP_FOR_COUNT
};
const char *swap_read_for_name(enum swap_read_for why);
/* false: the VM never ran overcommitted (c zeroed). */
bool swapper_counts(const struct vm *vm, struct swapper_counts *c);

#endif
