// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <stdlib.h>
#include <string.h>

#include "mm/swap/swap_mapper.h"

static u32 hash(const struct swap_assoc *a, u32 blk)
{
	/* Sequential blocks spread over consecutive buckets. */
	return blk & (a->nbuckets - 1);
}

int swap_assoc_init(struct swap_assoc *a, u64 npages)
{
	u32 nb = 1;

	memset(a, 0, sizeof(*a));
	if (!npages || npages >= SWAP_ASSOC_END)
		return -1;
	while (nb < npages / 4)
		nb <<= 1;
	a->blk = malloc(npages * sizeof(u32));
	a->next = malloc(npages * sizeof(u32));
	a->bucket = malloc(nb * sizeof(u32));
	if (!a->blk || !a->next || !a->bucket) {
		swap_assoc_destroy(a);
		return -1;
	}
	memset(a->blk, 0xff, npages * sizeof(u32));
	memset(a->next, 0xff, npages * sizeof(u32));
	memset(a->bucket, 0xff, nb * sizeof(u32));
	a->nbuckets = nb;
	a->npages = (u32)npages;
	return 0;
}

void swap_assoc_destroy(struct swap_assoc *a)
{
	free(a->blk);
	free(a->next);
	free(a->bucket);
	memset(a, 0, sizeof(*a));
}

u64 swap_assoc_bytes(const struct swap_assoc *a)
{
	return (u64)a->npages * 2 * sizeof(u32) + (u64)a->nbuckets * sizeof(u32);
}

u32 swap_assoc_block(const struct swap_assoc *a, u64 idx)
{
	return a->blk && idx < a->npages ? a->blk[idx] : SWAP_NO_BLOCK;
}

void swap_assoc_clear(struct swap_assoc *a, u64 idx)
{
	u32 *link;

	if (!a->blk || idx >= a->npages || a->blk[idx] == SWAP_NO_BLOCK)
		return;
	/* Unlink it from its bucket's chain. */
	for (link = &a->bucket[hash(a, a->blk[idx])]; *link != SWAP_ASSOC_END;
	     link = &a->next[*link]) {
		if (*link == idx) {
			*link = a->next[idx];
			break;
		}
	}
	a->next[idx] = SWAP_ASSOC_END;
	a->blk[idx] = SWAP_NO_BLOCK;
	a->count--;
}

void swap_assoc_set(struct swap_assoc *a, u64 idx, u32 blk)
{
	u32 *head;

	if (!a->blk || idx >= a->npages || blk == SWAP_NO_BLOCK)
		return;
	if (a->blk[idx] == blk)
		return;
	swap_assoc_clear(a, idx);
	head = &a->bucket[hash(a, blk)];
	a->blk[idx] = blk;
	a->next[idx] = *head;
	*head = (u32)idx;
	a->count++;
}

static u32 scan(const struct swap_assoc *a, u32 i, u32 blk)
{
	while (i != SWAP_ASSOC_END && a->blk[i] != blk)
		i = a->next[i];
	return i;
}

u32 swap_assoc_first(const struct swap_assoc *a, u32 blk)
{
	if (!a->blk || blk == SWAP_NO_BLOCK)
		return SWAP_ASSOC_END;
	return scan(a, a->bucket[hash(a, blk)], blk);
}

u32 swap_assoc_next(const struct swap_assoc *a, u32 idx)
{
	if (!a->blk || idx >= a->npages || a->blk[idx] == SWAP_NO_BLOCK)
		return SWAP_ASSOC_END;
	return scan(a, a->next[idx], a->blk[idx]);
}
