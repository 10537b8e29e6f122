/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The False Reads Preventer wired into the swapper (swap_mode vswapper;
 * thesis §4.5.2). The bookkeeping is mm/swap/preventer.c, the per-fault
 * decisions mm/swap/preventer_fault.c, the instructions
 * vmx/emul/page_emul.c; this file is what they ask of the swapper and the
 * GPA map:
 *  - the swapper's NOACCESS handler answers GPA_FAULT_EMULATE for a write
 *    (and nothing but a write) to a page on disk, and for any access to a
 *    page under emulation; the vCPU's side (vmx/emul/ram_emul.c) hands the
 *    instruction to swprev_emulate() through gpa_emulate();
 *  - a buffer is a frame of tern's, outside the VM's resident limit until
 *    it is mapped as the page (at most `preventer_pages` of them);
 *  - a page filled whole is mapped with no read (swap_fill_whole);
 *  - otherwise its old content is read through the swapper's usual read
 *    (slot or disk image) and, when it lands, merged under the buffered
 *    bytes and the buffer mapped (swprev_read_landed); the vCPUs that had
 *    to wait are woken as for any read;
 *  - tern itself needing the page (a device's DMA, an emulated access, a
 *    guest write request to the block it holds) ends the emulation and
 *    waits for the merge like any read;
 *  - the time limit is checked after each emulated instruction and from
 *    the management core (swprev_poll).
 * All under the swapper's lock. The emulator reads guest page tables and
 * MOVS sources only from pages with a frame (never waiting for a disk
 * read under the lock): a walk that needs a page on disk ends the
 * emulation, and the vCPU waits and runs the instruction natively.
 */
#ifndef TERN_MM_SWAP_SWAPPER_PREV_H
#define TERN_MM_SWAP_SWAPPER_PREV_H

#include "core/types.h"

struct swapper;
struct vm_config;

/* At attach: on for swap_mode vswapper with the VM's settings. */
void swprev_attach(struct swapper *sw, const struct vm_config *c);
/* At release, the VM stopped: the buffers not mapped go back. */
void swprev_release(struct swapper *sw);
/* The NOACCESS handler's question (locked): EMULATE this access to
 * page idx? (access: GPA_ACCESS_* bits) */
bool swprev_wants(struct swapper *sw, u64 idx, u32 access);
/* tern needs page idx's content (locked): an emulation on it ends and its
 * read starts (if not already out). */
void swprev_host_needs(struct swapper *sw, u64 idx);
/*
 * tern is about to replace page idx whole (locked; a disk read into it,
 * swap_fault_overwrite): writes buffered for a page still on disk are
 * older than that and are dropped, so the page is not mapped with them
 * pending (they would be merged over a later content of the page).
 */
void swprev_overwrite(struct swapper *sw, u64 idx);
/* Writes are buffered for page idx (locked): it must not be mapped by any
 * way but the Preventer's own (a bug if it were: they would be lost). */
bool swprev_holds(struct swapper *sw, u64 idx);
/*
 * A read of page idx into frame pa landed, ok or not (locked). true: it
 * was the Preventer's page (merged and mapped, or superseded by a full
 * buffer): *wake says whom to wake, and the caller frees pa. false: the
 * usual completion's.
 */
bool swprev_read_landed(struct swapper *sw, u64 idx, u64 pa, bool ok, u8 *wake);
/* Management core: emulations past their time start their reads. */
void swprev_poll(struct swapper *sw);
/* `vm stats`' line. */
void swprev_show(const struct swapper *sw);

#endif
