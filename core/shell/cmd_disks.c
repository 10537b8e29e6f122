// SPDX-License-Identifier: GPL-2.0
/*
 * `disks`: tern's disks and partitions with their counters; `disk
 * selftest NAME`: a write/read/flush check on a scratch partition.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/console.h"
#include "core/cpu.h"
#include "core/shell/shell.h"
#include "core/tsc.h"
#include "drivers/block/blk.h"
#include "mm/kmem.h"
#include "mm/pmm.h"

/* The one label `disk selftest` overwrites: nobody's data by accident. */
#define SCRATCH_LABEL	"tern-scratch"

static void print_size(char *buf, size_t n, u64 bytes)
{
	if (bytes >= 10 * SZ_1G)
		snprintf(buf, n, "%llu GiB", (unsigned long long)(bytes >> 30));
	else if (bytes >= 10 * SZ_1M)
		snprintf(buf, n, "%llu MiB", (unsigned long long)(bytes >> 20));
	else
		snprintf(buf, n, "%llu KiB", (unsigned long long)(bytes >> 10));
}

static int cmd_disks(int argc, char **argv)
{
	(void)argc; (void)argv;
	if (!blk_ndevs) {
		console_printf("no disks\n");
		return 0;
	}
	for (u32 i = 0; i < blk_ndevs; i++) {
		struct blk_dev *d = blk_devs[i];
		char size[24], more[256];

		print_size(size, sizeof(size), d->nblocks * d->block_size);
		console_printf("%-8s '%s'  %s (%llu blocks of %u bytes)  user %s%s\n", d->name,
			       d->model, size, (unsigned long long)d->nblocks, d->block_size,
			       d->user ? d->user : "-", d->user ? (d->user_rw ? " (rw)" : " (ro)") : "");
		if (d->parent)
			console_printf("         partition %u of %s, blocks %llu-%llu, label '%s'\n",
				       d->partno, d->parent->name, (unsigned long long)d->start,
				       (unsigned long long)(d->start + d->nblocks - 1), d->label);
		else if (d->ops && d->ops->describe) {
			d->ops->describe(d, more, sizeof(more));
			console_printf("         %s\n", more);
		}
		if (d->fault)
			console_printf("         fault injected: %s\n",
				       d->fault == BLK_FAULT_HANG ? "requests go unanswered" :
				       "requests fail");
		if (!d->parent && d->why[0])
			console_printf("         partitions: %s\n", d->why);
		console_printf("         reads %llu (%llu bytes), writes %llu (%llu bytes), flushes %llu; errors %llu, timeouts %llu, in flight %u\n",
			       (unsigned long long)d->nops[BLK_READ],
			       (unsigned long long)d->bytes[BLK_READ],
			       (unsigned long long)d->nops[BLK_WRITE],
			       (unsigned long long)d->bytes[BLK_WRITE],
			       (unsigned long long)d->nops[BLK_FLUSH],
			       (unsigned long long)d->errors, (unsigned long long)d->timeouts,
			       __atomic_load_n(&d->in_flight, __ATOMIC_RELAXED));
		/* A line of its own (the one above keeps its format); a
		 * partition's requests are charged to its disk. */
		if (!d->parent)
			console_printf("         driver time (block layer and driver on the management core) %llu TSC ticks\n",
				       (unsigned long long)__atomic_load_n(&d->driver_tsc, __ATOMIC_RELAXED));
	}
	return 0;
}
SHELL_COMMAND(disks, "disks", "",
	      "tern's disks and partitions: model, size, user, counters", cmd_disks);

/* A byte of the pattern: position on the disk and this run's seed, so
 * stale data from an earlier run or another block never matches. */
static u8 pattern(u64 seed, u64 lba, u32 bs, u64 off)
{
	u64 x = seed ^ ((lba + off / bs) * 0x9e3779b97f4a7c15ULL) ^ (off % bs) * 0x100000001b3ULL;

	return (u8)(x >> 29 ^ x);
}

static void fill(u8 *p, u64 seed, u64 lba, u32 bs, u64 len)
{
	for (u64 i = 0; i < len; i++)
		p[i] = pattern(seed, lba, bs, i);
}

static u64 mismatch(const u8 *p, u64 seed, u64 lba, u32 bs, u64 len)
{
	for (u64 i = 0; i < len; i++)
		if (p[i] != pattern(seed, lba, bs, i))
			return i;
	return len;
}

#define ST_PAGES	24		/* 96 KiB each way */
#define ST_BIG		(80 * 1024)	/* more than one PRD's 64 KiB */

static void deep_done(struct blk_req *r)
{
	__atomic_fetch_sub((u32 *)r->ctx, 1, __ATOMIC_RELEASE);
}

/*
 * The blocks written read back as one request per page, all submitted
 * before any is served: a driver that queues (NVMe) has them in flight
 * together; one that does not takes them in turn. 0, or -1 (said why).
 */
static int deep_reads(struct blk_dev *d, u64 rpa, u64 seed)
{
	u32 bs = d->block_size, n = ST_BIG / PAGE_SIZE, per = PAGE_SIZE / bs, left = n;
	struct blk_req *reqs = calloc(n, sizeof(*reqs));
	u8 *r = phys_to_virt(rpa);
	u64 at;
	int rc = -1;

	if (!reqs) {
		console_printf("disk selftest: out of memory\n");
		return -1;
	}
	memset(r, 0xee, ST_BIG);
	for (u32 i = 0; i < n; i++) {
		reqs[i].op = BLK_READ;
		reqs[i].lba = (u64)i * per;
		reqs[i].count = per;
		reqs[i].nsegs = 1;
		reqs[i].segs[0] = (struct blk_seg){ rpa + (u64)i * PAGE_SIZE, PAGE_SIZE };
		reqs[i].done = deep_done;
		reqs[i].ctx = &left;
		blk_submit(d, &reqs[i]);
	}
	while (__atomic_load_n(&left, __ATOMIC_ACQUIRE)) {
		blk_service();
		cpu_relax();
	}
	for (u32 i = 0; i < n; i++)
		if (reqs[i].status) {
			console_printf("disk selftest %s: read %u of %u submitted together failed (%d)\n",
				       d->name, i, n, reqs[i].status);
			goto out;
		}
	at = mismatch(r, seed, 0, bs, ST_BIG);
	if (at != ST_BIG) {
		console_printf("disk selftest %s: data read by %u requests at once differs at byte %llu\n",
			       d->name, n, (unsigned long long)at);
		goto out;
	}
	console_printf("disk selftest %s: read back again as %u requests of 4 KiB submitted together: data equal\n",
		       d->name, n);
	rc = 0;
out:
	free(reqs);
	return rc;
}

static int selftest(struct blk_dev *d, bool deep)
{
	u32 bs = d->block_size, big = ST_BIG / bs;
	u64 wpa = pmm_alloc(ST_PAGES), rpa = pmm_alloc(ST_PAGES);
	u64 seed = rdtsc(), t0 = rdtsc(), at;
	u8 *w, *r;
	struct blk_seg ws[2], rs[1], one;
	int rc = 1, st;

	if (!wpa || !rpa) {
		console_printf("disk selftest: out of memory\n");
		goto out;
	}
	if (d->nblocks < big + 1) {
		console_printf("disk selftest: %s is too small (%u blocks needed)\n", d->name, big + 1);
		goto out;
	}
	w = phys_to_virt(wpa);
	r = phys_to_virt(rpa);
	/* Written from two segments (20 KiB, then 60 KiB a page further on),
	 * read back into one segment of other pages. */
	ws[0] = (struct blk_seg){ wpa, 20 * 1024 };
	ws[1] = (struct blk_seg){ wpa + 24 * 1024, ST_BIG - 20 * 1024 };
	fill(w, seed, 0, bs, ws[0].len);
	fill(w + 24 * 1024, seed, 20 * 1024 / bs, bs, ws[1].len);
	memset(r, 0xee, ST_PAGES * PAGE_SIZE);
	st = blk_io_sync(d, BLK_WRITE, 0, big, ws, 2);
	if (st) {
		console_printf("disk selftest %s: write of %u blocks failed (%d)\n", d->name, big, st);
		goto out;
	}
	/* A single block, after them. */
	one = (struct blk_seg){ wpa + 88 * 1024, bs };
	fill(w + 88 * 1024, seed, big, bs, bs);
	st = blk_io_sync(d, BLK_WRITE, big, 1, &one, 1);
	if (st) {
		console_printf("disk selftest %s: write of block %u failed (%d)\n", d->name, big, st);
		goto out;
	}
	rs[0] = (struct blk_seg){ rpa, ST_BIG };
	st = blk_io_sync(d, BLK_READ, 0, big, rs, 1);
	if (st) {
		console_printf("disk selftest %s: read of %u blocks failed (%d)\n", d->name, big, st);
		goto out;
	}
	one = (struct blk_seg){ rpa + 88 * 1024, bs };
	st = blk_io_sync(d, BLK_READ, big, 1, &one, 1);
	if (st) {
		console_printf("disk selftest %s: read of block %u failed (%d)\n", d->name, big, st);
		goto out;
	}
	at = mismatch(r, seed, 0, bs, ST_BIG);
	if (at == ST_BIG && mismatch(r + 88 * 1024, seed, big, bs, bs) != bs)
		at = (u64)big * bs;
	if (at != ST_BIG) {
		console_printf("disk selftest %s: data differs at byte %llu (block %llu)\n", d->name,
			       (unsigned long long)at, (unsigned long long)(at / bs));
		goto out;
	}
	st = blk_io_sync(d, BLK_FLUSH, 0, 0, NULL, 0);
	if (st) {
		console_printf("disk selftest %s: flush failed (%d)\n", d->name, st);
		goto out;
	}
	/* The layer refuses what would leave the partition. */
	one = (struct blk_seg){ rpa, bs };
	st = blk_io_sync(d, BLK_READ, d->nblocks, 1, &one, 1);
	if (st != -EINVAL) {
		console_printf("disk selftest %s: a read past the end gave %d, not -EINVAL\n", d->name, st);
		goto out;
	}
	if (deep && deep_reads(d, rpa, seed))
		goto out;
	console_printf("disk selftest %s: pass: wrote %u blocks (%u bytes, 2 segments) and 1 block, read them back into other pages, data equal, flushed; a read past the end refused (%llu ms)\n",
		       d->name, big, ST_BIG, (unsigned long long)(tsc_to_ns(rdtsc() - t0) / 1000000));
	rc = 0;
out:
	if (wpa)
		pmm_free(wpa, ST_PAGES);
	if (rpa)
		pmm_free(rpa, ST_PAGES);
	return rc;
}

/* `disk fault NAME hang|error|off`: what a disk that stops answering or
 * fails does to its users (a guest gets I/O errors; tern goes on). */
static int fault(int argc, char **argv)
{
	static const char *const names[] = { "off", "hang", "error" };
	struct blk_dev *d = argc == 4 ? blk_find(argv[2]) : NULL;
	u32 f;

	for (f = 0; argc == 4 && f < ARRAY_SIZE(names) && strcmp(argv[3], names[f]); f++)
		;
	if (argc != 4 || f == ARRAY_SIZE(names) || !d || d->parent) {
		console_printf("usage: disk fault DISK hang|error|off (a whole disk; see disks)\n");
		return 1;
	}
	d->fault = (u8)f;
	console_printf("disk %s: %s\n", d->name,
		       f == BLK_FAULT_HANG ? "requests now go unanswered (they time out after 5 s)" :
		       f == BLK_FAULT_ERROR ? "requests now fail at once (I/O error)" :
		       "answering again");
	return 0;
}

static int cmd_disk(int argc, char **argv)
{
	struct blk_dev *d;

	bool deep = argc == 4 && !strcmp(argv[3], "deep");

	if (argc > 1 && !strcmp(argv[1], "fault"))
		return fault(argc, argv);
	if ((argc != 3 && !deep) || strcmp(argv[1], "selftest")) {
		console_printf("usage: disk selftest NAME [deep] | disk fault DISK hang|error|off\n");
		return 1;
	}
	d = blk_find(argv[2]);
	if (!d) {
		console_printf("disk selftest: no disk %s (see disks)\n", argv[2]);
		return 1;
	}
	/* Destructive: only where the operator said it may be. */
	if (!d->parent || strcmp(d->label, SCRATCH_LABEL)) {
		console_printf("disk selftest: refused: %s is not a partition labelled '%s' (the test overwrites it)\n",
			       d->name, SCRATCH_LABEL);
		return 1;
	}
	if (d->user) {
		console_printf("disk selftest: refused: %s is in use by %s\n", d->name, d->user);
		return 1;
	}
	return selftest(d, deep);
}
SHELL_COMMAND(disk, "disk", "selftest NAME [deep] | fault DISK hang|error|off",
	      "write, read back and flush a partition labelled tern-scratch (destructive; deep: also reads it back as many requests at once); inject a fault into a disk",
	      cmd_disk);
