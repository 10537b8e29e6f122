/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The log ring: whole records only. Appending evicts the oldest records
 * until the new one fits, so a reader never sees half a line. Locking is
 * the caller's (core/log.c); this part is pure and host unit-tested.
 */
#ifndef TERN_CORE_LOGRING_H
#define TERN_CORE_LOGRING_H

#include "core/types.h"

#define LOGRING_MAX_RECORD	1024

struct logring {
	char *buf;
	u32 size;		/* bytes in buf */
	u32 head;		/* where the next record goes */
	u32 tail;		/* oldest record */
	u32 used;		/* bytes in use */
	u64 records;		/* records held */
	u64 written;		/* records ever appended */
	u64 dropped;		/* records evicted */
};

void logring_init(struct logring *r, char *buf, u32 size);
/* Append one record (len > 0); longer than LOGRING_MAX_RECORD is cut. */
void logring_append(struct logring *r, const char *text, u32 len);
/* Call fn on each record, oldest first. */
void logring_for_each(const struct logring *r,
		      void (*fn)(const char *text, u32 len, void *arg), void *arg);

#endif
