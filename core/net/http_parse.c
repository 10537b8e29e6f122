// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* HTTP/1.x request-line parsing for the metrics endpoint (http_parse.h). */
#include <string.h>

#include "core/net/http_parse.h"

/* RFC 9110 5.6.2 tchar */
static bool tchar(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *find(const char *buf, size_t len, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(buf + i, s, n))
			return buf + i;
	return NULL;
}

int http_parse(const char *buf, size_t len, struct http_req *r)
{
	const char *eol = memchr(buf, '\n', len), *end, *p, *sp1, *sp2, *line_end;
	size_t mlen, tlen, vlen;

	memset(r, 0, sizeof(*r));
	/* Bytes a request line cannot hold fail early, before its end. */
	for (size_t i = 0; i < (eol ? (size_t)(eol - buf) : len); i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\r')
			return 400;
	if (!eol)
		return len >= HTTP_REQ_MAX ? 414 : 0;
	end = find(buf, len, "\r\n\r\n");
	if (!end)
		end = find(buf, len, "\n\n");
	if (!end)
		return len >= HTTP_REQ_MAX ? 431 : 0;
	line_end = eol > buf && eol[-1] == '\r' ? eol - 1 : eol;
	sp1 = memchr(buf, ' ', (size_t)(line_end - buf));
	if (!sp1)
		return 400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1));
	if (!sp2)
		return 400;
	mlen = (size_t)(sp1 - buf);
	tlen = (size_t)(sp2 - sp1 - 1);
	if (!mlen || !tlen)
		return 400;
	for (p = buf; p < sp1; p++)
		if (!tchar(*p))
			return 400;
	for (p = sp1 + 1; p < sp2; p++)
		if (*p == ' ' || (unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			return 400;
	vlen = (size_t)(line_end - sp2 - 1);
	if (vlen != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) || sp2[8] < '0' || sp2[8] > '9')
		return vlen > 5 && !memcmp(sp2 + 1, "HTTP/", 5) ? 505 : 400;
	memcpy(r->method, buf, mlen < sizeof(r->method) ? mlen : sizeof(r->method) - 1);
	if (mlen == 3 && !memcmp(buf, "GET", 3)) {
		r->head = false;
	} else if (mlen == 4 && !memcmp(buf, "HEAD", 4)) {
		r->head = true;
	} else {
		return 405;
	}
	if (sp1[1] != '/')
		return 400;
	/* The query string, if any, is not ours to interpret. */
	if ((tlen == 8 || (tlen > 8 && sp1[9] == '?')) && !memcmp(sp1 + 1, "/metrics", 8))
		return 200;
	return 404;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}
