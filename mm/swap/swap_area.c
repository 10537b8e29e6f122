// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <stdlib.h>
#include <string.h>

#include "mm/swap/swap_area.h"

int swap_dev_init(struct swap_dev *d, u64 bytes, u32 block_size)
{
	memset(d, 0, sizeof(*d));
	if (!block_size || block_size > SWAP_SLOT_SIZE || SWAP_SLOT_SIZE % block_size)
		return -1;
	/* Slots are numbered in 32 bits: 16 TiB of swap is plenty. */
	bytes = MIN(bytes, (u64)(SWAP_NO_SLOT - 1) * SWAP_SLOT_SIZE);
	d->nslots = (u32)(bytes / SWAP_SLOT_SIZE);
	d->block_size = block_size;
	return d->nslots ? 0 : -1;
}

/*
 * The free run starting at or after `from`: the gap up to the next live
 * area's base. Areas are few (one per VM), so a scan beats keeping them
 * sorted.
 */
static u32 next_gap(const struct swap_dev *d, u32 from, u32 *len)
{
	for (;;) {
		u32 end = d->nslots;
		bool moved = false;

		if (from >= d->nslots) {
			*len = 0;
			return from;
		}
		for (int i = 0; i < SWAP_AREAS_MAX; i++) {
			const struct swap_area *a = &d->areas[i];

			if (!a->live)
				continue;
			if (from >= a->base && from < a->base + a->nslots) {
				from = a->base + a->nslots;	/* inside one: skip it */
				moved = true;
				break;
			}
			if (a->base > from && a->base < end)
				end = a->base;
		}
		if (!moved) {
			*len = end - from;
			return from;
		}
	}
}

u32 swap_dev_free(const struct swap_dev *d, u32 *longest)
{
	u32 total = 0, best = 0, at = 0, len;

	while (at < d->nslots) {
		at = next_gap(d, at, &len);
		total += len;
		best = MAX(best, len);
		at += len ? len : 1;
	}
	if (longest)
		*longest = best;
	return total;
}

struct swap_area *swap_area_carve(struct swap_dev *d, const char *owner, u32 want, u32 min)
{
	struct swap_area *a = NULL;
	u32 at = 0, len, best_at = 0, best = 0;

	for (int i = 0; i < SWAP_AREAS_MAX && !a; i++)
		if (!d->areas[i].live)
			a = &d->areas[i];
	if (!a || !want || min > want)
		return NULL;
	while (at < d->nslots) {
		at = next_gap(d, at, &len);
		if (len >= want) {
			best_at = at;
			best = want;
			break;
		}
		if (len > best) {
			best_at = at;
			best = len;
		}
		at += len ? len : 1;
	}
	if (!best || best < min)
		return NULL;
	memset(a, 0, sizeof(*a));
	a->bitmap = calloc((best + 63) / 64, sizeof(u64));
	if (!a->bitmap)
		return NULL;
	a->base = best_at;
	a->nslots = best;
	strncpy(a->owner, owner ? owner : "", SWAP_OWNER_MAX - 1);
	a->live = true;
	return a;
}

void swap_area_release(struct swap_dev *d, struct swap_area *a)
{
	(void)d;
	if (!a || !a->live)
		return;
	free(a->bitmap);
	a->bitmap = NULL;
	a->live = false;
	a->used = 0;
}

u32 swap_slot_alloc(struct swap_area *a)
{
	u32 words = (a->nslots + 63) / 64;

	if (a->used >= a->nslots) {
		a->full++;
		return SWAP_NO_SLOT;
	}
	/* Next fit: from the cursor's word round to it again. */
	for (u32 n = 0; n <= words; n++) {
		u32 w = (a->cursor / 64 + n) % words;
		u64 free_bits = ~a->bitmap[w];

		/* The cursor's own word: only bits at or after it, on the
		 * first pass, so consecutive allocations stay ascending. */
		if (n == 0)
			free_bits &= ~0ULL << (a->cursor % 64);
		while (free_bits) {
			u32 b = (u32)__builtin_ctzll(free_bits), s = w * 64 + b;

			if (s >= a->nslots)
				break;
			a->bitmap[w] |= BIT(b);
			a->used++;
			a->allocs++;
			a->cursor = s + 1 < a->nslots ? s + 1 : 0;
			return s;
		}
	}
	a->full++;			/* used says otherwise: never, but safe */
	return SWAP_NO_SLOT;
}

void swap_slot_free(struct swap_area *a, u32 slot)
{
	if (slot >= a->nslots || !(a->bitmap[slot / 64] & BIT(slot % 64)))
		return;			/* a double free would corrupt `used` */
	a->bitmap[slot / 64] &= ~BIT(slot % 64);
	a->used--;
	a->frees++;
}

bool swap_slot_used(const struct swap_area *a, u32 slot)
{
	return slot < a->nslots && (a->bitmap[slot / 64] & BIT(slot % 64));
}

u32 swap_slot_blocks(const struct swap_dev *d)
{
	return SWAP_SLOT_SIZE / d->block_size;
}

u64 swap_slot_lba(const struct swap_dev *d, const struct swap_area *a, u32 slot)
{
	return ((u64)a->base + slot) * swap_slot_blocks(d);
}
