// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/*
 * The False Reads Preventer's per-VM state (mm/swap/preventer.h): pages
 * under emulation, their buffers and byte bitmaps, the end conditions and
 * the merge. Every decision is here; the callers only act on the returned
 * PREV_ACT_* bits.
 */
#include <stdio.h>
#include <string.h>

#include "mm/swap/preventer.h"

static const char *const end_names[PREV_END_COUNT] = {
	[PREV_END_FULL] = "full",
	[PREV_END_READ] = "read",
	[PREV_END_NONSEQ] = "nonsequential",
	[PREV_END_TIMEOUT] = "timeout",
	[PREV_END_LIMIT] = "limit",
	[PREV_END_INSN] = "instruction",
	[PREV_END_HOST] = "host",
};

const char *prev_end_name(enum prev_end why)
{
	return (u32)why < PREV_END_COUNT ? end_names[why] : "?";
}

void prev_init(struct prev *p)
{
	memset(p, 0, sizeof(*p));
	p->set.enabled = true;
	p->set.max_pages = PREV_DEFAULT_PAGES;
	p->set.max_ns = PREV_DEFAULT_NS;
	p->set.sequential = true;
}

int prev_configure(struct prev *p, const struct prev_settings *s, char *err, size_t n)
{
	if (!s->max_pages || s->max_pages > PREV_MAX_SLOTS) {
		if (err && n)
			snprintf(err, n, "preventer: max pages %u is not in 1..%u",
				 s->max_pages, PREV_MAX_SLOTS);
		return -1;
	}
	p->set = *s;
	return 0;
}

struct prev_page *prev_find(struct prev *p, u64 gpa)
{
	gpa &= PAGE_MASK;
	if (!p->active)
		return NULL;
	for (u32 i = 0; i < PREV_MAX_SLOTS; i++)
		if (p->slot[i].state != PREV_FREE && p->slot[i].gpa == gpa)
			return &p->slot[i];
	return NULL;
}

u32 prev_start(struct prev *p, u64 gpa, u8 *buf, u64 now, struct prev_page **out)
{
	struct prev_page *pg = NULL;

	*out = NULL;
	if (!p->set.enabled || !buf || prev_find(p, gpa))
		return PREV_ACT_READ;
	if (p->active >= p->set.max_pages) {
		p->c.ended[PREV_END_LIMIT]++;
		return PREV_ACT_READ;
	}
	for (u32 i = 0; i < PREV_MAX_SLOTS && !pg; i++)
		if (p->slot[i].state == PREV_FREE)
			pg = &p->slot[i];
	if (!pg)
		return PREV_ACT_READ;	/* max_pages <= the cap: cannot happen */
	memset(pg, 0, sizeof(*pg));
	pg->gpa = gpa & PAGE_MASK;
	pg->state = PREV_EMULATING;
	pg->start_ns = now;
	pg->buf = buf;
	p->active++;
	p->c.started++;
	*out = pg;
	return 0;
}

/* Bits [off, off + len) of the bitmap set; returns how many were clear. */
static u32 map_set(u64 *map, u32 off, u32 len)
{
	u32 added = 0, end = off + len;

	while (off < end) {
		u32 w = off / 64, b = off % 64, k = MIN(64 - b, end - off);
		u64 m = (k == 64 ? ~0ULL : ((1ULL << k) - 1)) << b;

		added += (u32)__builtin_popcountll(m & ~map[w]);
		map[w] |= m;
		off += k;
	}
	return added;
}

bool prev_all_buffered(const struct prev_page *pg, u32 off, u32 len)
{
	u32 end = off + len;

	if (off > PAGE_SIZE || len > PAGE_SIZE - off)
		return false;
	while (off < end) {
		u32 w = off / 64, b = off % 64, k = MIN(64 - b, end - off);
		u64 m = (k == 64 ? ~0ULL : ((1ULL << k) - 1)) << b;

		if ((pg->map[w] & m) != m)
			return false;
		off += k;
	}
	return true;
}

/* EMULATING -> READING: the old content must now be read. */
static u32 end_emulation(struct prev *p, struct prev_page *pg, enum prev_end why)
{
	if (pg->state != PREV_EMULATING)
		return 0;
	pg->state = PREV_READING;
	pg->end = (u8)why;
	p->c.ended[why]++;
	return PREV_ACT_READ;
}

u32 prev_end(struct prev *p, struct prev_page *pg, enum prev_end why)
{
	if (why == PREV_END_FULL || why == PREV_END_LIMIT || (u32)why >= PREV_END_COUNT)
		why = PREV_END_HOST;	/* those two are this file's to decide */
	return end_emulation(p, pg, why);
}

u32 prev_check_time(struct prev *p, struct prev_page *pg, u64 now)
{
	if (pg->state == PREV_EMULATING && p->set.max_ns && now - pg->start_ns >= p->set.max_ns)
		return end_emulation(p, pg, PREV_END_TIMEOUT);
	return 0;
}

u32 prev_write(struct prev *p, struct prev_page *pg, u32 off, u32 len, const void *data)
{
	bool emulating = pg->state == PREV_EMULATING, first = !pg->filled;
	enum prev_end why = PREV_END_COUNT;

	if (pg->state == PREV_FREE || !len || off >= PAGE_SIZE || len > PAGE_SIZE - off)
		return end_emulation(p, pg, PREV_END_INSN) | PREV_ACT_WAIT;
	/* One run [lo, hi): a write must touch or adjoin it. */
	if (emulating && !first && p->set.sequential && (off > pg->hi || off + len < pg->lo))
		why = PREV_END_NONSEQ;
	memcpy(pg->buf + off, data, len);
	pg->filled += map_set(pg->map, off, len);
	p->c.bytes_emulated += len;
	if (emulating) {
		pg->lo = first ? off : MIN(pg->lo, off);
		pg->hi = first ? off + len : MAX(pg->hi, off + len);
	}
	/* Whole: whatever else this write did, no read is needed. */
	if (pg->filled == PAGE_SIZE) {
		if (emulating) {
			pg->state = PREV_READING;	/* held until released */
			pg->end = PREV_END_FULL;
			p->c.ended[PREV_END_FULL]++;
			p->c.false_reads_avoided++;
		} else {
			p->c.full_while_reading++;
		}
		return PREV_ACT_MAP;
	}
	return why < PREV_END_COUNT ? end_emulation(p, pg, why) : 0;
}

u32 prev_read(struct prev *p, struct prev_page *pg, u32 off, u32 len, void *out)
{
	u32 act;

	if (pg->state != PREV_FREE && prev_all_buffered(pg, off, len)) {
		memcpy(out, pg->buf + off, len);
		p->c.reads_served++;
		return 0;
	}
	act = end_emulation(p, pg, PREV_END_READ) | PREV_ACT_WAIT;
	p->c.waits++;
	return act;
}

void prev_release(struct prev *p, struct prev_page *pg)
{
	if (pg->state == PREV_FREE)
		return;
	pg->state = PREV_FREE;
	pg->buf = NULL;
	p->active--;
}

u8 *prev_drop(struct prev *p, struct prev_page *pg)
{
	u8 *buf = pg->buf;

	if (pg->state == PREV_FREE)
		return NULL;
	end_emulation(p, pg, PREV_END_HOST);
	p->c.dropped++;
	prev_release(p, pg);
	return buf;
}

void prev_merge(struct prev *p, struct prev_page *pg, const u8 *old)
{
	if (pg->state == PREV_FREE)
		return;
	if (old && pg->filled < PAGE_SIZE) {
		for (u32 w = 0; w < PAGE_SIZE / 64; w++) {
			u64 m = pg->map[w];
			u32 base = w * 64;

			if (m == ~0ULL)
				continue;
			if (!m) {
				memcpy(pg->buf + base, old + base, 64);
				continue;
			}
			for (u32 b = 0; b < 64; b++)
				if (!(m & BIT(b)))
					pg->buf[base + b] = old[base + b];
		}
	}
	p->c.merges++;
	prev_release(p, pg);
}
