/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The metrics endpoint's request parsing (RFC 9112 section 3, the request
 * line; headers are skipped, not interpreted): the status to answer once
 * the request is complete, or too long, or cannot be a request.
 */
#ifndef TERN_CORE_NET_HTTP_PARSE_H
#define TERN_CORE_NET_HTTP_PARSE_H

#include "core/types.h"

#define HTTP_REQ_MAX	8192	/* request line and headers */

struct http_req {
	char method[8];
	bool head;		/* HEAD: the headers of GET, no body */
};

/*
 * buf holds the first len bytes received (len <= HTTP_REQ_MAX). Returns 0
 * while more is needed; else the status: 200 (GET or HEAD /metrics), 404
 * (another path), 405 (another method), 400 (malformed), 414 (request line
 * longer than the buffer), 431 (headers longer), 505 (not HTTP/1.x).
 */
int http_parse(const char *buf, size_t len, struct http_req *r);
const char *http_reason(int status);

#endif
