// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/*
 * The block layer's rules for a request, apart from the queues: what a
 * valid request is, and where a partition's blocks are on its disk.
 */
#include <errno.h>
#include <string.h>

#include "drivers/block/blk.h"

const char *blk_op_name(enum blk_op op)
{
	switch (op) {
	case BLK_READ:	return "read";
	case BLK_WRITE:	return "write";
	case BLK_FLUSH:	return "flush";
	default:	return "?";
	}
}

int blk_req_check(const struct blk_dev *d, const struct blk_req *r, const char **why)
{
	const struct blk_dev *root;
	u64 bytes = 0;

	if ((u32)r->op >= BLK_OPS) {
		*why = "unknown operation";
		return -EINVAL;
	}
	if (r->op == BLK_FLUSH) {
		/* A flush carries no data and names no blocks. */
		if (r->count || r->nsegs) {
			*why = "a flush with blocks or segments";
			return -EINVAL;
		}
		return 0;
	}
	if (!r->count) {
		*why = "no blocks";
		return -EINVAL;
	}
	/* lba + count without overflowing: count <= nblocks first. */
	if (r->count > d->nblocks || r->lba > d->nblocks - r->count) {
		*why = "past the end of the device";
		return -EINVAL;
	}
	for (root = d; root->parent; root = root->parent)
		;
	if (root->max_blocks && r->count > root->max_blocks) {
		*why = "more blocks than the driver takes at once";
		return -EINVAL;
	}
	if (!r->nsegs || r->nsegs > BLK_SEGS_MAX) {
		*why = "no segments, or too many";
		return -EINVAL;
	}
	for (u32 i = 0; i < r->nsegs; i++) {
		if (!r->segs[i].len) {
			*why = "an empty segment";
			return -EINVAL;
		}
		bytes += r->segs[i].len;
	}
	if (bytes != (u64)r->count * d->block_size) {
		*why = "segments do not add up to the blocks";
		return -EINVAL;
	}
	return 0;
}

struct blk_dev *blk_req_map(struct blk_dev *d, u64 lba, u64 *dev_lba)
{
	/* Partitions nest only one deep today; the loop costs nothing. */
	while (d->parent) {
		lba += d->start;
		d = d->parent;
	}
	*dev_lba = lba;
	return d;
}

struct blk_dev *blk_lookup(struct blk_dev *const *devs, u32 n, const char *name)
{
	bool by_label = !strncmp(name, "label=", 6);

	for (u32 i = 0; i < n; i++) {
		if (by_label ? devs[i]->parent && devs[i]->label[0] &&
			       !strcmp(devs[i]->label, name + 6) :
			       !strcmp(devs[i]->name, name))
			return devs[i];
	}
	return NULL;
}
