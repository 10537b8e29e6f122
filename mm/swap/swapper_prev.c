// SPDX-License-Identifier: GPL-2.0
/*
 * The False Reads Preventer in the swapper (swapper_prev.h says how).
 */
#include <stdio.h>
#include <string.h>

#include "core/console.h"
#include "core/tsc.h"
#include "core/vm/vm.h"
#include "mm/kmem.h"
#include "mm/pmm.h"
#include "mm/swap/preventer_fault.h"
#include "mm/swap/swapper_prev.h"
#include "mm/swap/swapper_priv.h"
#include "vmx/emul/guest_walk.h"

/* What the Preventer's calls act on: the swapper, and for a fault the
 * instruction's paging (NULL at a read's completion: nothing to walk). */
struct prev_ctx {
	struct swapper *sw;
	const struct gpa_insn *in;
};

static u64 page_of(const struct swapper *sw, u64 idx)
{
	return gpa_index_page(&sw->vm->mem, idx);
}

/* Guest RAM that has a frame now, read under the lock; a page on disk (or
 * under emulation) is not waited for: false. */
static bool read_resident(u64 gpa, void *buf, u32 len, void *arg)
{
	struct swapper *sw = arg;
	struct gpa_map *g = &sw->vm->mem;
	u64 page = gpa & PAGE_MASK, pa;

	if (!len || (gpa & (PAGE_SIZE - 1)) + len > PAGE_SIZE || !gpa_is_ram(g, page, PAGE_SIZE))
		return false;
	pa = gpa_page_has_frame(g, page) ? gpa_page_frame(g, page) : 0;
	if (!pa)
		return false;
	memcpy(buf, (u8 *)phys_to_virt(pa) + (gpa & (PAGE_SIZE - 1)), len);
	return true;
}

static u8 *op_alloc_frame(void *arg)
{
	struct prev_ctx *c = arg;
	u64 pa = pmm_alloc(1);

	if (!pa)
		return NULL;
	c->sw->prev_frames++;
	return phys_to_virt(pa);
}

static void op_free_frame(void *arg, u8 *frame)
{
	struct prev_ctx *c = arg;

	pmm_free(virt_to_phys(frame), 1);
	c->sw->prev_frames--;
}

/* The old content: the swapper's usual read of the page (its slot, or its
 * block of the disk image), for nobody in particular; the vCPUs that must
 * wait for it are added as waiters. Nothing if it is already out. */
static void op_start_read(void *arg, u64 gpa)
{
	struct prev_ctx *c = arg;
	struct swapper *sw = c->sw;
	u64 idx = gpa_page_index(&sw->vm->mem, gpa & PAGE_MASK);

	if (sw->s.pte[idx].state != SWP_SWAPPED)
		return;
	/* The last requests are the vCPUs' own faults': with none to
	 * spare, the read starts from swprev_poll (or when a vCPU must
	 * wait for the page, through its own fault). */
	if (sw->nfree <= CONFIG_MAX_VCPUS) {
		sw->prev_read_later++;
		return;
	}
	swapper_do_fault(sw, idx, SWAP_WAITER_TERN, SWAP_FOR_GUEST_WRITE);
}

static void superseded_add(struct swapper *sw, u64 idx)
{
	if (sw->nsuperseded < ARRAY_SIZE(sw->superseded))
		sw->superseded[sw->nsuperseded++] = idx;
}

static bool superseded_take(struct swapper *sw, u64 idx)
{
	for (u32 i = 0; i < sw->nsuperseded; i++) {
		if (sw->superseded[i] == idx) {
			sw->superseded[i] = sw->superseded[--sw->nsuperseded];
			return true;
		}
	}
	return false;
}

/* The page's content is new: its slot's and block's copies are old, and
 * the swapper's write protection (an associated page's) has no reason. */
static void now_written(struct swapper *sw, u64 idx)
{
	swap_mark_dirty(&sw->s, idx);
	if (sw->s.pte[idx].flags & SWPF_WP) {
		sw->s.pte[idx].flags &= (u8)~SWPF_WP;
		gpa_set_state(&sw->vm->mem, page_of(sw, idx), PAGE_SIZE, 0, GPA_PG_WP);
	}
}

/*
 * frame is the page now: filled whole with nothing read (SWAPPED), filled
 * whole while its read is out (READING: that read is thrown away when it
 * lands), or merged with the read that just landed (RESIDENT, from
 * swprev_read_landed).
 */
static void op_map_frame(void *arg, u64 gpa, u8 *frame)
{
	struct prev_ctx *c = arg;
	struct swapper *sw = c->sw;
	struct gpa_map *g = &sw->vm->mem;
	u64 page = gpa & PAGE_MASK, idx = gpa_page_index(g, page), pa = virt_to_phys(frame);
	u8 st = sw->s.pte[idx].state;

	if (st == SWP_SWAPPED)
		swap_fill_whole(&sw->s, idx);
	else if (st == SWP_READING)
		superseded_add(sw, idx);
	sw->prev_frames--;
	if (gpa_page_install(g, page, pa)) {
		pmm_free(pa, 1);
		vm_note_stop(sw->vm, "swap: the Preventer could not map guest page %#llx",
			     (unsigned long long)page);
		return;
	}
	now_written(sw, idx);
	/* Parked on the read: the page is there now (a hint; they are
	 * woken again when the read lands). */
	if (st == SWP_READING)
		swapper_wake(sw, sw->s.pte[idx].waiters);
}

/*
 * A store the Preventer performs is the guest's: the entry that mapped it
 * gets the accessed and dirty flags the CPU would have set (SDM 3A 4.8;
 * whether it did before the EPT violation is the CPU's choice, 3C
 * 29.3.3.2), so the guest sees the page written (a shared file page's
 * writeback depends on it). Atomic: the guest's other CPUs walk the same
 * tables. Its page table has a frame: the walk just read it.
 */
static void mark_dirty(struct swapper *sw, const struct guest_leaf *leaf)
{
	struct gpa_map *g = &sw->vm->mem;
	u64 page = leaf->gpa & PAGE_MASK, pa, old, idx;
	void *e;

	if (!leaf->size || !gpa_is_ram(g, page, PAGE_SIZE) || !gpa_page_has_frame(g, page))
		return;
	pa = gpa_page_frame(g, page);
	if (!pa)
		return;
	idx = gpa_page_index(g, page);
	/* Chosen by the clock, its frame still held: taken back first (as a
	 * vCPU's touch would), so the write-out's copy counts as old. */
	if (sw->s.pte[idx].state == SWP_WRITING)
		swapper_do_fault(sw, idx, SWAP_WAITER_TERN, SWAP_FOR_TERN);
	e = (u8 *)phys_to_virt(pa) + (leaf->gpa & (PAGE_SIZE - 1));
	if (leaf->size == 4)
		old = __atomic_fetch_or((u32 *)e, (u32)(GUEST_PTE_A | GUEST_PTE_D), __ATOMIC_SEQ_CST);
	else
		old = __atomic_fetch_or((u64 *)e, (u64)(GUEST_PTE_A | GUEST_PTE_D), __ATOMIC_SEQ_CST);
	sw->prev_dirtied++;
	/* tern wrote the page table, which its EPT D flag never sees: its
	 * copy in swap (or one being written out now) is old. */
	if ((old & (GUEST_PTE_A | GUEST_PTE_D)) != (GUEST_PTE_A | GUEST_PTE_D))
		swap_mark_dirty(&sw->s, idx);
}

static bool op_translate(void *arg, u64 la, bool write, u64 *gpa)
{
	struct prev_ctx *c = arg;
	const struct gpa_insn *in = c->in;
	struct guest_leaf leaf;

	/* The guest's own paging let the faulting access through before EPT
	 * refused it; a MOVS source is only read. */
	if (!in || guest_walk_leaf((enum guest_paging)in->paging, in->cr3, in->pse, la,
				   read_resident, c->sw, gpa, &leaf))
		return false;
	if (write)
		mark_dirty(c->sw, &leaf);
	return true;
}

static bool op_read_ram(void *arg, u64 gpa, void *buf, u32 len)
{
	struct prev_ctx *c = arg;

	return read_resident(gpa, buf, len, c->sw);
}

static const struct prev_fault_ops swap_prev_ops = {
	.alloc_frame = op_alloc_frame,
	.free_frame = op_free_frame,
	.start_read = op_start_read,
	.map_frame = op_map_frame,
	.translate = op_translate,
	.read_ram = op_read_ram,
};

static enum gpa_fault swprev_emulate(struct gpa_map *g, u64 gpa, u32 access, u32 waiter,
				     struct gpa_insn *in, void *ctx)
{
	struct swapper *sw = ctx;
	struct prev_ctx c = { sw, in };
	u64 page = gpa & PAGE_MASK, idx = gpa_page_index(g, page), f;
	enum prev_access a = (access & GPA_ACCESS_EXEC) ? PREV_ACCESS_EXEC :
			     (access & GPA_ACCESS_WRITE) ? PREV_ACCESS_WRITE : PREV_ACCESS_READ;
	int rc = 0;

	f = spin_lock_irqsave(&sw->lock);
	/* Mapped, read or filled since the fault: run the access again. */
	if (!sw->live || !swprev_wants(sw, idx, access)) {
		spin_unlock_irqrestore(&sw->lock, f);
		return GPA_FAULT_RETRY;
	}
	switch (prev_fault(&sw->prev, &swap_prev_ops, &c, page, a, tsc_to_ns(rdtsc()),
			   (enum insn_mode)in->mode, in->bytes, in->len, in->regs)) {
	case PREV_FAULT_RESUME:
		sw->prev_emulated++;
		break;
	case PREV_FAULT_WAIT:
		/* Its read is out (or it was mapped meanwhile): as any
		 * vCPU on a page being read, a waiter until it lands. */
		sw->prev_waits++;
		sw->prev_exec += a == PREV_ACCESS_EXEC;
		rc = swapper_do_fault(sw, idx, waiter, SWAP_FOR_GUEST_WRITE);
		break;
	case PREV_FAULT_NONE:
		/* Not started (the limit, no frame): the usual read. */
		sw->prev_declined++;
		rc = swapper_do_fault(sw, idx, waiter, SWAP_FOR_GUEST_WRITE);
		break;
	}
	spin_unlock_irqrestore(&sw->lock, f);
	return rc == 0 ? GPA_FAULT_RETRY : rc > 0 ? GPA_FAULT_WAIT : GPA_FAULT_STOP;
}

bool swprev_wants(struct swapper *sw, u64 idx, u32 access)
{
	u64 page;

	if (!sw->prevent)
		return false;
	page = page_of(sw, idx);
	if (prev_find(&sw->prev, page))
		return true;
	/* A write, and only that (a read-modify-write needs the old bytes),
	 * by the instruction to its operand (not the CPU setting A/D flags
	 * in a page table), to a page whose content is on disk. Each page
	 * under emulation may end superseded (filled while its read is out):
	 * a new one starts only while the list of those has room for all. */
	return swap_access_stores(access) && sw->s.pte[idx].state == SWP_SWAPPED && sw->prev.set.enabled &&
	       sw->nsuperseded + sw->prev.active < ARRAY_SIZE(sw->superseded);
}

bool swprev_holds(struct swapper *sw, u64 idx)
{
	return sw->prevent && prev_find(&sw->prev, page_of(sw, idx));
}

void swprev_overwrite(struct swapper *sw, u64 idx)
{
	struct prev_ctx c = { sw, NULL };
	struct prev_page *pg;
	u8 *buf;

	if (!sw->prevent)
		return;
	pg = prev_find(&sw->prev, page_of(sw, idx));
	/* A read out for it lands first and is merged (swap_fault_overwrite
	 * waits for a page being read): only a page still on disk goes. */
	if (!pg || sw->s.pte[idx].state != SWP_SWAPPED)
		return;
	buf = prev_drop(&sw->prev, pg);
	if (buf)
		op_free_frame(&c, buf);
}

void swprev_host_needs(struct swapper *sw, u64 idx)
{
	struct prev_ctx c = { sw, NULL };
	struct prev_page *pg;

	if (!sw->prevent)
		return;
	pg = prev_find(&sw->prev, page_of(sw, idx));
	if (pg && (prev_end(&sw->prev, pg, PREV_END_HOST) & PREV_ACT_READ))
		op_start_read(&c, pg->gpa);
}

bool swprev_read_landed(struct swapper *sw, u64 idx, u64 pa, bool ok, u8 *wake)
{
	struct prev_ctx c = { sw, NULL };
	u64 page = page_of(sw, idx);
	struct prev_page *pg;
	bool sup;

	*wake = 0;
	if (!sw->prevent)
		return false;
	sup = superseded_take(sw, idx);
	pg = sup ? NULL : prev_find(&sw->prev, page);
	if (!sup && !pg)
		return false;
	if (sup) {
		/* The buffer had every byte and is mapped: what was read
		 * (or failed to be) does not matter. */
		swap_read_superseded(&sw->s, idx, wake);
		now_written(sw, idx);
		return true;
	}
	if (swap_read_done(&sw->s, idx, ok, wake) != SWAP_ACT_MAP) {
		vm_note_stop(sw->vm, "swap: the old content of guest page %#llx could not be read to merge with the writes buffered for it: its content is lost",
			     (unsigned long long)page);
		return true;
	}
	/* Read on someone else's account (tern's, a settle, a read-ahead)
	 * while the guest was still writing into the buffer. */
	if (pg->state == PREV_EMULATING)
		prev_end(&sw->prev, pg, PREV_END_HOST);
	prev_fault_read_done(&sw->prev, &swap_prev_ops, &c, page, phys_to_virt(pa));
	(void)pa;
	return true;
}

void swprev_poll(struct swapper *sw)
{
	struct prev_ctx c = { sw, NULL };
	u64 now, f;

	if (!sw->prevent || !__atomic_load_n(&sw->prev.active, __ATOMIC_RELAXED))
		return;
	now = tsc_to_ns(rdtsc());
	f = spin_lock_irqsave(&sw->lock);
	for (u32 i = 0; sw->live && i < PREV_MAX_SLOTS; i++) {
		struct prev_page *pg = &sw->prev.slot[i];

		if (pg->state == PREV_EMULATING &&
		    (prev_check_time(&sw->prev, pg, now) & PREV_ACT_READ))
			op_start_read(&c, pg->gpa);
		/* A read put off for want of requests. */
		else if (pg->state == PREV_READING)
			op_start_read(&c, pg->gpa);
	}
	spin_unlock_irqrestore(&sw->lock, f);
}

void swprev_attach(struct swapper *sw, const struct vm_config *cfg)
{
	struct prev_settings set;
	char err[96];

	sw->nsuperseded = 0;
	sw->prev_frames = 0;
	prev_init(&sw->prev);
	sw->prevent = sw->mapper && cfg->swap_mode == CONFIG_SWAP_VSWAPPER;
	if (!sw->prevent)
		return;
	set = sw->prev.set;
	if (cfg->prev_pages)
		set.max_pages = cfg->prev_pages;
	if (cfg->prev_time_us)
		set.max_ns = (u64)cfg->prev_time_us * 1000;
	if (cfg->prev_sequential)
		set.sequential = cfg->prev_sequential == CONFIG_PREV_SEQ_ON;
	/* tern.cfg checked the ranges; the defaults stand if not. */
	prev_configure(&sw->prev, &set, err, sizeof(err));
	gpa_set_emulator(&sw->vm->mem, swprev_emulate, sw);
}

void swprev_release(struct swapper *sw)
{
	if (!sw->prevent)
		return;
	gpa_set_emulator(&sw->vm->mem, NULL, NULL);
	for (u32 i = 0; i < PREV_MAX_SLOTS; i++) {
		struct prev_page *pg = &sw->prev.slot[i];

		if (pg->state != PREV_FREE && pg->buf) {
			pmm_free(virt_to_phys(pg->buf), 1);
			sw->prev_frames--;
		}
		pg->state = PREV_FREE;
	}
	sw->prev.active = 0;
	sw->nsuperseded = 0;
}

void swprev_show(const struct swapper *sw)
{
	const struct prev_counts *pc = &sw->prev.c;

	if (!sw->prevent) {
		console_printf("  False Reads Preventer: off (swap_mode %s)\n",
			       config_swap_mode_name(sw->vm->cfg.swap_mode));
		return;
	}
	console_printf("  False Reads Preventer (%u pages, %llu us, %s): %llu emulations, %llu false reads avoided (%llu more filled after their read was asked); under emulation now %u; instructions emulated %llu, bytes %llu, reads served %llu, vCPU waits %llu (%llu instruction fetches), not started %llu, reads put off %llu; guest page table entries marked dirty %llu\n",
		       sw->prev.set.max_pages, (unsigned long long)(sw->prev.set.max_ns / 1000),
		       sw->prev.set.sequential ? "sequential" : "any order",
		       (unsigned long long)pc->started, (unsigned long long)pc->false_reads_avoided,
		       (unsigned long long)pc->full_while_reading, sw->prev.active,
		       (unsigned long long)sw->prev_emulated, (unsigned long long)pc->bytes_emulated,
		       (unsigned long long)pc->reads_served, (unsigned long long)sw->prev_waits,
		       (unsigned long long)sw->prev_exec, (unsigned long long)sw->prev_declined,
		       (unsigned long long)sw->prev_read_later, (unsigned long long)sw->prev_dirtied);
	console_printf("    ended: full %llu, read of missing bytes %llu, not sequential %llu, time %llu, limit (not started) %llu, instruction %llu, tern's need %llu; merges %llu; dropped (tern wrote the page whole) %llu\n",
		       (unsigned long long)pc->ended[PREV_END_FULL],
		       (unsigned long long)pc->ended[PREV_END_READ],
		       (unsigned long long)pc->ended[PREV_END_NONSEQ],
		       (unsigned long long)pc->ended[PREV_END_TIMEOUT],
		       (unsigned long long)pc->ended[PREV_END_LIMIT],
		       (unsigned long long)pc->ended[PREV_END_INSN],
		       (unsigned long long)pc->ended[PREV_END_HOST], (unsigned long long)pc->merges,
		       (unsigned long long)pc->dropped);
}
