// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* A connection's pending output (outbuf.h). */
#include <stdlib.h>
#include <string.h>

#include "core/net/outbuf.h"

#define OUTBUF_NOTE	"\n[output cut: the connection is not reading it]\n"

void outbuf_init(struct outbuf *o, size_t max, bool crlf)
{
	memset(o, 0, sizeof(*o));
	o->max = max;
	o->crlf = crlf;
}

static bool room(struct outbuf *o, size_t n)
{
	size_t want = o->len + n, cap = o->cap ? o->cap : 1024;
	char *d;

	if (want <= o->cap)
		return true;
	/* Sent bytes at the front are reclaimed before growing. */
	if (o->off) {
		memmove(o->data, o->data + o->off, o->len - o->off);
		o->len -= o->off;
		o->off = 0;
		want = o->len + n;
		if (want <= o->cap)
			return true;
	}
	if (want > o->max)
		return false;
	while (cap < want)
		cap *= 2;
	if (cap > o->max)
		cap = o->max;
	/* Not realloc: newlib 3.3.0's nano-malloc realloc copies the new
	 * size out of the old block, reading past it, and past the heap's
	 * mapped end (a page fault) when the block is the heap's last. */
	d = malloc(cap);
	if (!d)
		return false;
	if (o->data)
		memcpy(d, o->data, o->len);
	free(o->data);
	o->data = d;
	o->cap = cap;
	return true;
}

#define NOTE_LEN	(sizeof(OUTBUF_NOTE) - 1)

static void put(struct outbuf *o, const char *s, size_t n)
{
	if (o->cut || !n)
		return;
	/* Every write leaves room for the note, so the note always fits. */
	if (!room(o, n + NOTE_LEN)) {
		o->dropped += n;
		o->cut = true;
		if (room(o, NOTE_LEN)) {
			memcpy(o->data + o->len, OUTBUF_NOTE, NOTE_LEN);
			o->len += NOTE_LEN;
		}
		return;
	}
	memcpy(o->data + o->len, s, n);
	o->len += n;
}

void outbuf_append(struct outbuf *o, const char *s, size_t n)
{
	size_t start = 0;

	if (!o->crlf) {
		put(o, s, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		put(o, s + start, i - start);
		put(o, "\r\n", 2);
		start = i + 1;
	}
	put(o, s + start, n - start);
}

void outbuf_sink(const char *s, size_t n, void *arg)
{
	outbuf_append(arg, s, n);
}

size_t outbuf_pending(const struct outbuf *o)
{
	return o->len - o->off;
}

void outbuf_consume(struct outbuf *o, size_t n)
{
	o->off += n;
	if (o->off >= o->len) {
		o->off = o->len = 0;
		o->cut = false;
	}
}

void outbuf_free(struct outbuf *o)
{
	free(o->data);
	memset(o, 0, sizeof(*o));
}
