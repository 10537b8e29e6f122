// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/logring.h"

/* Record layout in the ring: 2-byte length (little endian) then the text. */
#define HDR	2

void logring_init(struct logring *r, char *buf, u32 size)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->size = size;
}

static void put(struct logring *r, u32 at, const char *src, u32 n)
{
	u32 first = MIN(n, r->size - at);

	memcpy(r->buf + at, src, first);
	memcpy(r->buf, src + first, n - first);
}

static void get(const struct logring *r, u32 at, char *dst, u32 n)
{
	u32 first = MIN(n, r->size - at);

	memcpy(dst, r->buf + at, first);
	memcpy(dst + first, r->buf, n - first);
}

static u32 rec_len(const struct logring *r, u32 at)
{
	u8 h[HDR];

	get(r, at, (char *)h, HDR);
	return h[0] | (h[1] << 8);
}

static void evict_oldest(struct logring *r)
{
	u32 n = HDR + rec_len(r, r->tail);

	r->tail = (r->tail + n) % r->size;
	r->used -= n;
	r->records--;
	r->dropped++;
}

void logring_append(struct logring *r, const char *text, u32 len)
{
	u8 h[HDR];

	if (!len)
		return;
	len = MIN(len, LOGRING_MAX_RECORD);
	if (len + HDR > r->size)
		len = r->size - HDR;
	while (r->used + HDR + len > r->size)
		evict_oldest(r);
	h[0] = len & 0xff;
	h[1] = len >> 8;
	put(r, r->head, (const char *)h, HDR);
	put(r, (r->head + HDR) % r->size, text, len);
	r->head = (r->head + HDR + len) % r->size;
	r->used += HDR + len;
	r->records++;
	r->written++;
}

void logring_for_each(const struct logring *r,
		      void (*fn)(const char *text, u32 len, void *arg), void *arg)
{
	char tmp[LOGRING_MAX_RECORD];
	u32 at = r->tail;

	for (u64 i = 0; i < r->records; i++) {
		u32 n = rec_len(r, at);

		get(r, (at + HDR) % r->size, tmp, n);
		fn(tmp, n, arg);
		at = (at + HDR + n) % r->size;
	}
}
