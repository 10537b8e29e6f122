// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/*
 * The Preventer at the swapper's fault handler (preventer_fault.h): start
 * an emulation on a write to a swapped-out page, emulate each faulting
 * instruction into the buffers (vmx/emul/page_emul.c), and act on what the
 * Preventer asks: map a whole page, start the read, make the vCPU wait.
 */
#include "mm/swap/preventer_fault.h"

struct fault_ctx {
	struct prev *p;
	const struct prev_fault_ops *ops;
	void *arg;
	struct prev_page *pg;	/* the faulting page's */
};

/* page_emul's memory: pages under emulation through the Preventer, the
 * rest of guest RAM through the swapper (reads only: page_emul writes
 * only the faulting page). */
static bool cb_translate(void *arg, u64 la, bool write, u64 *gpa)
{
	struct fault_ctx *c = arg;

	return c->ops->translate(c->arg, la, write, gpa);
}

static u32 with_stop(u32 act)
{
	return act | ((act & PREV_ACT_WAIT) ? PEMUL_MEM_STOP : 0);
}

static u32 cb_read(void *arg, u64 gpa, void *buf, u32 len)
{
	struct fault_ctx *c = arg;
	struct prev_page *pg = prev_find(c->p, gpa);
	u32 acts;

	if (!pg)
		goto ram;
	acts = prev_read(c->p, pg, (u32)(gpa & (PAGE_SIZE - 1)), len, buf);
	/* A MOVS source on another page under emulation: that page's read
	 * starts here; the wait ends the faulting page's emulation too, so
	 * the vCPU is woken by the faulting page's mapping and re-executes. */
	if (pg != c->pg && (acts & PREV_ACT_READ)) {
		c->ops->start_read(c->arg, pg->gpa);
		acts &= ~PREV_ACT_READ;
	}
	return with_stop(acts);
ram:
	return c->ops->read_ram(c->arg, gpa, buf, len) ? 0 : PEMUL_MEM_STOP;
}

static u32 cb_write(void *arg, u64 gpa, const void *buf, u32 len)
{
	struct fault_ctx *c = arg;
	struct prev_page *pg = prev_find(c->p, gpa);

	if (!pg)
		return PEMUL_MEM_STOP;
	return with_stop(prev_write(c->p, pg, (u32)(gpa & (PAGE_SIZE - 1)), len, buf));
}

static const struct pemul_ops fault_mem = { cb_translate, cb_read, cb_write };

/* Act on the Preventer's bits for the page at gpa. */
static enum prev_fault_result act(struct fault_ctx *c, struct prev_page *pg, u32 acts,
				  enum prev_fault_result ok)
{
	if (acts & PREV_ACT_MAP) {
		u8 *frame = pg->buf;
		u64 gpa = pg->gpa;

		prev_release(c->p, pg);
		c->ops->map_frame(c->arg, gpa, frame);
		return ok;	/* a read in flight is dropped at its completion */
	}
	if (acts & PREV_ACT_READ)
		c->ops->start_read(c->arg, pg->gpa);
	return (acts & PREV_ACT_WAIT) ? PREV_FAULT_WAIT : ok;
}

enum prev_fault_result prev_fault(struct prev *p, const struct prev_fault_ops *ops, void *arg,
				  u64 gpa, enum prev_access access, u64 now,
				  enum insn_mode mode, const u8 *insn, u32 insn_len,
				  struct pemul_regs *regs)
{
	struct fault_ctx c = { p, ops, arg, NULL };
	struct prev_page *pg = prev_find(p, gpa);
	struct pemul_result res;
	u32 acts;

	if (!pg) {
		u8 *frame;

		if (access != PREV_ACCESS_WRITE || !p->set.enabled)
			return PREV_FAULT_NONE;
		frame = ops->alloc_frame(arg);
		if (!frame)
			return PREV_FAULT_NONE;
		if (prev_start(p, gpa, frame, now, &pg)) {
			ops->free_frame(arg, frame);
			return PREV_FAULT_NONE;
		}
	}
	c.pg = pg;
	if (access == PREV_ACCESS_EXEC) {
		/* Code on the page: the bytes must be there. */
		acts = prev_end(p, pg, PREV_END_READ) | PREV_ACT_WAIT;
		return act(&c, pg, acts, PREV_FAULT_WAIT);
	}
	pemul_run(&fault_mem, &c, gpa & PAGE_MASK, mode, insn, insn_len, regs, &res);
	acts = res.acts;
	/*
	 * Stopped (a read of missing bytes here, which the Preventer ended as
	 * "read"; one on another page; a MOVS source the swapper could not
	 * give) or refused (nothing changed): this page comes in and the vCPU
	 * waits for it, then re-executes natively.
	 */
	if (res.status != PEMUL_DONE && res.status != PEMUL_PAGE_END)
		acts |= prev_end(p, pg, PREV_END_INSN) | PREV_ACT_WAIT;
	/* The time limit, once the instruction is done: one that filled the
	 * page needs no read however late it came. */
	if (!(acts & PREV_ACT_MAP))
		acts |= prev_check_time(p, pg, now);
	return act(&c, pg, acts, PREV_FAULT_RESUME);
}

bool prev_fault_read_done(struct prev *p, const struct prev_fault_ops *ops, void *arg,
			  u64 gpa, const u8 *old)
{
	struct prev_page *pg = prev_find(p, gpa);
	u8 *frame;

	if (!pg)
		return false;
	frame = pg->buf;
	prev_merge(p, pg, old);
	ops->map_frame(arg, gpa & PAGE_MASK, frame);
	return true;
}
