/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a TCP connection has still to send: appended by the shell's and
 * the metrics' output, drained as lwIP's send buffer allows. Grows on
 * tern's heap up to a cap; past it output is cut and said to be.
 */
#ifndef TERN_CORE_NET_OUTBUF_H
#define TERN_CORE_NET_OUTBUF_H

#include "core/types.h"

struct outbuf {
	char *data;
	size_t len, off;	/* bytes held, bytes already sent */
	size_t cap, max;
	bool crlf;		/* "\n" becomes "\r\n" (terminals) */
	bool cut;		/* output was dropped at max */
	u64 dropped;
};

void outbuf_init(struct outbuf *o, size_t max, bool crlf);
void outbuf_append(struct outbuf *o, const char *s, size_t n);
/* The console-sink shape: arg is the struct outbuf. */
void outbuf_sink(const char *s, size_t n, void *arg);
size_t outbuf_pending(const struct outbuf *o);
/* Sent n more; all sent: emptied for reuse. */
void outbuf_consume(struct outbuf *o, size_t n);
void outbuf_free(struct outbuf *o);

#endif
