// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm/swap/swap_vm.h"

_Static_assert(sizeof(struct swap_pte) == 8, "swap_pte is 8 bytes a page");

/*
 * Watermarks from the limit: the high one a 32nd of it (4 MiB of a 128 MiB
 * VM: enough for the management core to stay ahead of a vCPU touching new
 * pages between two of its polls), at least 4 frames, at most half; the
 * low one half the high, so reclaim comes in batches, not page by page.
 */
static void set_watermarks(struct swap_vm *s)
{
	u64 h = MAX(s->limit / 32, 4ULL);

	s->wm_high = MIN(h, s->limit / 2);
	s->wm_low = s->wm_high / 2;
}

int swap_vm_init(struct swap_vm *s, u64 npages, u64 limit, struct swap_area *area)
{
	memset(s, 0, sizeof(*s));
	if (!npages || !limit || limit > npages || (!area && limit < npages))
		return -1;
	s->pte = calloc(npages, sizeof(*s->pte));
	if (!s->pte)
		return -1;
	for (u64 i = 0; i < npages; i++)
		s->pte[i].slot = SWAP_NO_SLOT;
	s->npages = npages;
	s->limit = limit;
	s->area = area;
	s->age_period_ns = SWAP_AGE_PERIOD_NS;
	set_watermarks(s);
	return 0;
}

void swap_vm_destroy(struct swap_vm *s)
{
	for (u64 i = 0; s->pte && s->area && i < s->npages; i++)
		if (s->pte[i].slot != SWAP_NO_SLOT)
			swap_slot_free(s->area, s->pte[i].slot);
	free(s->pte);
	s->pte = NULL;
	s->npages = 0;
}

int swap_set_limit(struct swap_vm *s, u64 limit)
{
	if (!limit || limit > s->npages || (!s->area && limit < s->npages))
		return -1;
	s->limit = limit;
	set_watermarks(s);
	if (s->frames > limit)
		s->reclaiming = true;
	return 0;
}

void swap_count(const struct swap_vm *s, u64 count[5])
{
	memset(count, 0, 5 * sizeof(u64));
	for (u64 i = 0; i < s->npages; i++)
		count[s->pte[i].state < 5 ? s->pte[i].state : 0]++;
}

const char *swap_state_name(u8 state)
{
	static const char *const names[] = { "zero", "resident", "writing", "swapped", "reading" };

	return state < ARRAY_SIZE(names) ? names[state] : "?";
}

static u8 waiter_bit(u32 waiter)
{
	return waiter < 8 ? (u8)BIT(waiter) : 0;
}

/*
 * A frame for a page that has none. Without one a vCPU waits for reclaim,
 * unless nothing can be reclaimed and nothing is on its way out: then it
 * gets one past the limit, as tern itself always does. false: wait.
 */
static bool take_frame(struct swap_vm *s, u32 waiter)
{
	if (s->frames >= s->limit) {
		if (waiter != SWAP_WAITER_TERN && !(s->stuck && !s->writing)) {
			s->frame_waiters |= waiter_bit(waiter);
			s->waits_frame++;
			return false;
		}
		s->over_limit++;
	}
	s->frames++;
	return true;
}

enum swap_act swap_fault(struct swap_vm *s, u64 idx, u32 waiter, u32 *slot)
{
	struct swap_pte *p;
	bool tern = waiter == SWAP_WAITER_TERN;

	if (idx >= s->npages)
		return SWAP_ACT_STOP;
	p = &s->pte[idx];
	switch (p->state) {
	case SWP_RESIDENT:
		/* Mapped already: the translation was stale. */
		return SWAP_ACT_RETRY;
	case SWP_WRITING:
		/* The frame is still ours: give it back to the guest now
		 * rather than wait for the write; the write's outcome decides
		 * only whether the slot copy is worth keeping. */
		if (!(p->flags & SWPF_CANCELLED))
			s->cancels++;
		p->flags |= SWPF_CANCELLED;
		return SWAP_ACT_MAP_BACK;
	case SWP_READING:
		/* A vCPU wants a page read ahead: the prefetch paid off. */
		if ((p->flags & SWPF_PREFETCHED) && !tern) {
			p->flags &= (u8)~SWPF_PREFETCHED;
			s->prefetch_used++;
		}
		p->waiters |= waiter_bit(waiter);
		s->waits_read++;
		return SWAP_ACT_WAIT;
	case SWP_ZERO:
	case SWP_SWAPPED:
		break;
	default:
		return SWAP_ACT_STOP;
	}
	if (!take_frame(s, waiter))
		return SWAP_ACT_WAIT;
	if (p->state == SWP_ZERO) {
		p->state = SWP_RESIDENT;
		p->flags = 0;
		s->in_zero++;
		return SWAP_ACT_MAP_ZERO;
	}
	p->state = SWP_READING;
	p->waiters |= waiter_bit(waiter);
	s->reading++;
	s->waits_read++;
	/* Dropped under the Mapper: its content is its block on disk. */
	if (p->flags & SWPF_IMAGE) {
		*slot = swap_assoc_block(s->assoc, idx);
		return SWAP_ACT_READ_IMAGE;
	}
	*slot = p->slot;
	return SWAP_ACT_READ;
}

/* Page idx (SWAPPED) gets a frame whose content replaces its own whole:
 * resident, with no read; the slot's copy and the block's are old. */
static void take_whole(struct swap_vm *s, struct swap_pte *p, u64 idx)
{
	take_frame(s, SWAP_WAITER_TERN);
	if (p->flags & SWPF_IMAGE) {
		swap_assoc_clear(s->assoc, idx);
		s->assoc_broken++;
	}
	p->state = SWP_RESIDENT;
	/* The protection stays for the guest's first write to lift. */
	p->flags &= SWPF_WP;
}

enum swap_act swap_fault_overwrite(struct swap_vm *s, u64 idx, u32 *slot)
{
	struct swap_pte *p;

	if (idx >= s->npages)
		return SWAP_ACT_STOP;
	p = &s->pte[idx];
	if (p->state != SWP_SWAPPED)
		return swap_fault(s, idx, SWAP_WAITER_TERN, slot);
	if (!s->assoc) {
		/* Baseline: the old content comes back only to be overwritten. */
		s->stale_reads++;
		return swap_fault(s, idx, SWAP_WAITER_TERN, slot);
	}
	take_whole(s, p, idx);
	s->stale_avoided++;
	return SWAP_ACT_MAP_ZERO;
}

bool swap_fill_whole(struct swap_vm *s, u64 idx)
{
	struct swap_pte *p = idx < s->npages ? &s->pte[idx] : NULL;

	if (!p || p->state != SWP_SWAPPED)
		return false;
	take_whole(s, p, idx);
	return true;
}

u32 swap_prefetch(struct swap_vm *s, u64 idx, u32 blk, u64 *out, u32 max)
{
	u32 n = 0;

	if (!s->assoc || blk == SWAP_NO_BLOCK)
		return 0;
	while (n < max && s->frames < s->limit && blk + n + 1 != SWAP_NO_BLOCK) {
		u32 b = blk + n + 1, j;

		for (j = swap_assoc_first(s->assoc, b); j != SWAP_ASSOC_END;
		     j = swap_assoc_next(s->assoc, j))
			if (j != idx && s->pte[j].state == SWP_SWAPPED &&
			    (s->pte[j].flags & SWPF_IMAGE))
				break;
		/* A gap ends the run: one request reads consecutive blocks. */
		if (j == SWAP_ASSOC_END)
			break;
		s->pte[j].state = SWP_READING;
		s->pte[j].flags |= SWPF_PREFETCHED;
		s->frames++;
		s->reading++;
		s->prefetched++;
		out[n++] = j;
	}
	return n;
}

void swap_read_cancel(struct swap_vm *s, u64 idx)
{
	struct swap_pte *p = idx < s->npages ? &s->pte[idx] : NULL;

	if (!p || p->state != SWP_READING)
		return;
	p->state = SWP_SWAPPED;
	/* A read ahead that is not made is not counted as one. */
	if (p->flags & SWPF_PREFETCHED)
		s->prefetched--;
	p->flags &= (u8)~SWPF_PREFETCHED;
	p->waiters = 0;
	s->reading--;
	s->frames--;
}

void swap_associate(struct swap_vm *s, u64 idx, u32 blk)
{
	struct swap_pte *p = idx < s->npages ? &s->pte[idx] : NULL;

	if (!p || !s->assoc || p->state != SWP_RESIDENT || blk == SWAP_NO_BLOCK)
		return;
	swap_assoc_set(s->assoc, idx, blk);
	p->flags |= SWPF_IMAGE | SWPF_FILLED;
	s->assoc_made++;
}

void swap_mark_filled(struct swap_vm *s, u64 idx)
{
	if (idx < s->npages)
		s->pte[idx].flags |= SWPF_FILLED;
}

bool swap_break(struct swap_vm *s, u64 idx)
{
	struct swap_pte *p = idx < s->npages ? &s->pte[idx] : NULL;
	bool wp;

	if (!p)
		return false;
	if (p->flags & SWPF_IMAGE) {
		swap_assoc_clear(s->assoc, idx);
		s->assoc_broken++;
	}
	if (p->flags & SWPF_PREFETCHED)
		s->prefetch_used++;
	wp = p->flags & SWPF_WP;
	p->flags &= (u8)~(SWPF_IMAGE | SWPF_FILLED | SWPF_PREFETCHED | SWPF_WP);
	return wp;
}

int swap_settle(struct swap_vm *s, u32 blk, u64 *out, u32 max, u32 *nread)
{
	bool again = false;
	u32 j, next;

	*nread = 0;
	if (!s->assoc)
		return 0;
	for (j = swap_assoc_first(s->assoc, blk); j != SWAP_ASSOC_END; j = next) {
		struct swap_pte *p = &s->pte[j];

		next = swap_assoc_next(s->assoc, j);
		switch (p->state) {
		case SWP_RESIDENT:
		case SWP_WRITING:
			/* Its frame has the old content: it goes on as an
			 * ordinary page (written to swap if reclaimed). */
			swap_assoc_clear(s->assoc, j);
			p->flags &= (u8)~(SWPF_IMAGE | SWPF_FILLED);
			s->assoc_broken++;
			s->settled++;
			break;
		case SWP_SWAPPED:
			/* Only the disk has it: read it back before the
			 * write replaces it. */
			if (*nread < max) {
				take_frame(s, SWAP_WAITER_TERN);
				p->state = SWP_READING;
				s->reading++;
				s->settle_reads++;
				out[(*nread)++] = j;
			}
			again = true;
			break;
		default:
			/* A read of the old block in flight: let it land. */
			again = true;
			break;
		}
	}
	return again ? -EAGAIN : 0;
}

u32 swap_clock_pick(struct swap_vm *s, const struct swap_clock_ops *ops, void *ctx,
		    u64 *out, u32 max)
{
	u32 n = 0;

	/* Two revolutions: the first may only clear accessed bits. */
	for (u64 steps = 0; n < max && steps < 2 * s->npages; steps++) {
		u64 i = s->hand;
		struct swap_pte *p = &s->pte[i];

		s->hand = i + 1 < s->npages ? i + 1 : 0;
		s->scanned++;
		if (p->state != SWP_RESIDENT)
			continue;
		if (ops->pinned(ctx, i)) {
			s->skipped_pinned++;
			continue;
		}
		if (ops->test_clear_accessed(ctx, i)) {
			s->a_cleared++;
			if (p->flags & SWPF_PREFETCHED) {
				p->flags &= (u8)~SWPF_PREFETCHED;
				s->prefetch_used++;
			}
			continue;
		}
		p->state = SWP_WRITING;
		p->flags &= (u8)~(SWPF_CANCELLED | SWPF_WRITE_ISSUED);
		s->writing++;
		out[n++] = i;
	}
	s->stuck = n == 0;
	return n;
}

enum swap_act swap_evict(struct swap_vm *s, u64 idx, bool dirty, u32 *slot)
{
	struct swap_pte *p = idx < s->npages ? &s->pte[idx] : NULL;

	if (!p || p->state != SWP_WRITING || (p->flags & SWPF_WRITE_ISSUED))
		return SWAP_ACT_NONE;
	/* Written before the entry went: the slot's copy is old. */
	if (dirty)
		p->flags &= (u8)~SWPF_SLOT_VALID;
	if (p->flags & SWPF_CANCELLED) {
		/* A fault mapped it back between the pick and now. */
		p->state = SWP_RESIDENT;
		p->flags &= (u8)~(SWPF_CANCELLED | SWPF_TERN_DIRTY);
		s->writing--;
		return SWAP_ACT_NONE;
	}
	/* Read ahead and never touched: it goes as it came. */
	p->flags &= (u8)~SWPF_PREFETCHED;
	if (p->flags & SWPF_IMAGE) {
		/* Associated: the guest cannot have written it since (it is
		 * write-protected, a write breaks the association), whatever
		 * D says from before the disk read filled it. Its block has
		 * it: no swap write (a silent write avoided). */
		p->state = SWP_SWAPPED;
		s->writing--;
		s->frames--;
		s->out_dropped++;
		s->dropped_image++;
		return SWAP_ACT_DROP;
	}
	if ((p->flags & SWPF_SLOT_VALID) && p->slot == SWAP_NO_SLOT) {
		/* Never expected: no slot to hold it. Written, counted. */
		p->flags &= (u8)~SWPF_SLOT_VALID;
		s->inconsistent++;
	}
	if (p->flags & SWPF_SLOT_VALID) {
		/* Clean and already in swap: no write (no silent write). */
		p->state = SWP_SWAPPED;
		s->writing--;
		s->frames--;
		s->out_dropped++;
		return SWAP_ACT_DROP;
	}
	/* A dirty page keeps the slot it had: rewritten in place. */
	if (p->slot == SWAP_NO_SLOT && s->area)
		p->slot = swap_slot_alloc(s->area);
	if (p->slot == SWAP_NO_SLOT) {
		s->area_full++;
		p->state = SWP_RESIDENT;
		s->writing--;
		return SWAP_ACT_MAP_BACK;
	}
	/* Disk content the guest never wrote, written to swap anyway: clean,
	 * or still write-protected since the fill (a D flag from before the
	 * fill, the kernel zeroing the page it allocated, does not count). */
	if ((p->flags & SWPF_FILLED) && (!dirty || (p->flags & SWPF_WP)))
		s->silent_writes++;
	p->flags &= (u8)~SWPF_FILLED;
	p->flags |= SWPF_WRITE_ISSUED;
	*slot = p->slot;
	return SWAP_ACT_WRITE;
}

enum swap_act swap_write_done(struct swap_vm *s, u64 idx, bool ok, bool dirtied)
{
	struct swap_pte *p = idx < s->npages ? &s->pte[idx] : NULL;

	if (!p || p->state != SWP_WRITING || !(p->flags & SWPF_WRITE_ISSUED))
		return SWAP_ACT_NONE;
	s->writing--;
	p->flags &= (u8)~SWPF_WRITE_ISSUED;
	if (!ok)
		s->write_errors++;
	if (p->flags & SWPF_CANCELLED) {
		/* Back in the guest's hands since the fault: the copy is good
		 * only if the guest has not written since. */
		p->state = SWP_RESIDENT;
		if (p->flags & SWPF_TERN_DIRTY)
			dirtied = true;
		p->flags &= (u8)~(SWPF_CANCELLED | SWPF_TERN_DIRTY);
		if (ok && !dirtied && p->slot != SWAP_NO_SLOT)
			p->flags |= SWPF_SLOT_VALID;
		else
			p->flags &= (u8)~SWPF_SLOT_VALID;
		return SWAP_ACT_NONE;
	}
	if (!ok) {
		/* The content is only in the frame: keep it. */
		p->state = SWP_RESIDENT;
		p->flags &= (u8)~SWPF_SLOT_VALID;
		return SWAP_ACT_MAP_BACK;
	}
	p->state = SWP_SWAPPED;
	p->flags |= SWPF_SLOT_VALID;
	s->frames--;
	s->out_written++;
	return SWAP_ACT_FREE_FRAME;
}

void swap_mark_dirty(struct swap_vm *s, u64 idx)
{
	struct swap_pte *p = idx < s->npages ? &s->pte[idx] : NULL;

	if (!p)
		return;
	/* Its block no longer has its content (the protection stays for
	 * the guest's first write to lift). */
	if (p->flags & SWPF_IMAGE) {
		swap_assoc_clear(s->assoc, idx);
		s->assoc_broken++;
	}
	p->flags &= (u8)~(SWPF_SLOT_VALID | SWPF_FILLED | SWPF_IMAGE);
	/* The write in flight may have copied the page before tern wrote. */
	if (p->state == SWP_WRITING)
		p->flags |= SWPF_TERN_DIRTY;
}

enum swap_act swap_read_done(struct swap_vm *s, u64 idx, bool ok, u8 *wake)
{
	struct swap_pte *p = idx < s->npages ? &s->pte[idx] : NULL;

	*wake = 0;
	if (!p || p->state != SWP_READING)
		return SWAP_ACT_NONE;
	s->reading--;
	*wake = p->waiters;
	p->waiters = 0;
	if (!ok) {
		s->read_errors++;
		if (p->flags & SWPF_PREFETCHED) {
			/* Only read ahead: it stays in the image. */
			p->state = SWP_SWAPPED;
			p->flags &= (u8)~SWPF_PREFETCHED;
			s->frames--;
			return SWAP_ACT_FREE_FRAME;
		}
		return SWAP_ACT_STOP;
	}
	p->state = SWP_RESIDENT;
	if (p->flags & SWPF_IMAGE) {
		/* From the disk image, still associated (and protected). */
		s->in_image++;
		return SWAP_ACT_MAP;
	}
	/* Mapped with D clear: if the guest only reads it, the next
	 * reclaim drops it without a write. */
	if (p->slot == SWAP_NO_SLOT)
		s->inconsistent++;
	else
		p->flags |= SWPF_SLOT_VALID;
	s->in_swap++;
	return SWAP_ACT_MAP;
}

void swap_read_superseded(struct swap_vm *s, u64 idx, u8 *wake)
{
	struct swap_pte *p = idx < s->npages ? &s->pte[idx] : NULL;

	*wake = 0;
	if (!p || p->state != SWP_READING)
		return;
	s->reading--;
	*wake = p->waiters;
	p->waiters = 0;
	if (p->flags & SWPF_IMAGE)
		s->in_image++;
	else
		s->in_swap++;
	/* Whatever the read brought (or failed to): the guest wrote every
	 * byte since. A failed prefetch must not send it back to SWAPPED. */
	p->state = SWP_RESIDENT;
	p->flags &= (u8)~SWPF_PREFETCHED;
	swap_mark_dirty(s, idx);
}

u8 swap_take_frame_waiters(struct swap_vm *s)
{
	u8 w = s->frame_waiters;

	s->frame_waiters = 0;
	return w;
}

u64 swap_reclaim_need(struct swap_vm *s)
{
	s64 avail, hi, lo;
	u64 absent;

	if (!s->area)
		return 0;
	/* Free frames, counting those on their way out as free. */
	avail = (s64)s->limit - (s64)s->frames + (s64)s->writing;
	/* No point keeping more free than pages could still want one. */
	absent = s->npages - s->frames;
	hi = (s64)MIN(s->wm_high, absent);
	lo = (s64)MIN(s->wm_low, absent);
	if (!s->reclaiming && (avail < lo || s->frame_waiters))
		s->reclaiming = true;
	if (!s->reclaiming)
		return 0;
	if (avail >= hi) {
		if (!s->frame_waiters) {
			s->reclaiming = false;
			return 0;
		}
		return 1;
	}
	return (u64)(hi - avail);
}

bool swap_flush_due(struct swap_vm *s, u64 now_ns)
{
	if (!s->a_cleared || now_ns - s->last_flush_ns < s->age_period_ns)
		return false;
	s->a_cleared = 0;
	s->last_flush_ns = now_ns;
	return true;
}
