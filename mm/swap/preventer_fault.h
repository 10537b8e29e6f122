/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The False Reads Preventer at the swapper's fault handler: one call per
 * EPT violation on a page that is swapped out or under emulation, and one
 * when the page's old content has been read. Pure: what it needs of the
 * swapper (frames, the read, mapping, guest memory) comes through
 * struct prev_fault_ops, so it is unit-tested with a fake swapper. Not
 * called by the swapper yet (see mm/swap/preventer.h and README).
 *
 * The swapper's handler, for a violation at gpa with the vCPU's state:
 *	if (page swapped out, or prev_find(&vm->prev, gpa)):
 *		fetch up to 15 instruction bytes at RIP; copy GPRs, RIP, RFLAGS
 *		and segment bases into struct pemul_regs;
 *		switch (prev_fault(...)):
 *		PREV_FAULT_NONE:   the usual page-in (read, the vCPU waits);
 *		PREV_FAULT_RESUME: write the registers back, complete the
 *				   instruction (interrupt shadow, single step) as
 *				   MMIO emulation does, resume;
 *		PREV_FAULT_WAIT:   write the registers back (a REP may have
 *				   advanced), park the vCPU until the page is
 *				   mapped; it then re-executes natively.
 * The read's completion calls prev_fault_read_done(), which merges and
 * maps; the swapper then frees the frame read into and wakes the waiters.
 */
#ifndef TERN_MM_SWAP_PREVENTER_FAULT_H
#define TERN_MM_SWAP_PREVENTER_FAULT_H

#include "core/types.h"
#include "mm/swap/preventer.h"
#include "vmx/emul/page_emul.h"

/* What the swapper does for the Preventer. arg: the swapper's (the VM). */
struct prev_fault_ops {
	/* A frame for a page's buffer (PAGE_SIZE bytes tern can write), or
	 * NULL; it becomes the guest's frame when mapped. */
	u8 *(*alloc_frame)(void *arg);
	void (*free_frame)(void *arg, u8 *frame);
	/* Start reading gpa's old content (swap slot or image); its
	 * completion calls prev_fault_read_done(). Once per page. */
	void (*start_read)(void *arg, u64 gpa);
	/* Map frame as gpa's page (EPT present again). */
	void (*map_frame)(void *arg, u64 gpa, u8 *frame);
	/* Guest linear -> guest-physical (the guest's page walk). */
	bool (*translate)(void *arg, u64 la, bool write, u64 *gpa);
	/* len bytes of guest RAM at gpa (within a page) that is not under
	 * emulation; false: not readable now (swapped out too, not RAM). */
	bool (*read_ram)(void *arg, u64 gpa, void *buf, u32 len);
};

enum prev_access { PREV_ACCESS_READ, PREV_ACCESS_WRITE, PREV_ACCESS_EXEC };

enum prev_fault_result {
	PREV_FAULT_NONE,	/* not the Preventer's: the swapper's usual path */
	PREV_FAULT_RESUME,	/* emulated: registers updated, RIP past it (or a
				 * REP stopped at the page's edge: RIP on it) */
	PREV_FAULT_WAIT,	/* the vCPU waits for the page to be mapped */
};

/*
 * An EPT violation at gpa (access: what the CPU did) on a page that has no
 * frame, or is under emulation, at time now (ns), by the instruction
 * insn[0..insn_len) in mode with the registers regs (updated in place).
 * A write to a swapped-out page starts an emulation (unless the Preventer
 * is off or full: PREV_FAULT_NONE, nothing kept); a read or an instruction
 * fetch of such a page is the usual path's. On a page under emulation
 * every access is emulated or waits. Frames, reads and mappings happen
 * through ops as the returned actions require.
 */
enum prev_fault_result prev_fault(struct prev *p, const struct prev_fault_ops *ops, void *arg,
				  u64 gpa, enum prev_access access, u64 now,
				  enum insn_mode mode, const u8 *insn, u32 insn_len,
				  struct pemul_regs *regs);

/*
 * The old content of gpa's page arrived in old (PAGE_SIZE bytes): merged
 * under the buffered bytes and mapped; true. false: no emulation holds the
 * page (it filled and was mapped meanwhile): old is stale, drop it. Either
 * way the caller frees old's frame and wakes the page's waiters.
 */
bool prev_fault_read_done(struct prev *p, const struct prev_fault_ops *ops, void *arg,
			  u64 gpa, const u8 *old);

#endif
