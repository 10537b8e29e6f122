// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics endpoint on lwIP's raw TCP API (http.h). One request a
 * connection, answered and closed ("Connection: close"). A request that
 * does not complete in HTTP_TIMEOUT_MS is dropped; with HTTP_MAX_CONNS
 * open, a new connection takes the place of the one that has waited
 * longest for its request (silent connections cannot keep scrapers out),
 * or is refused when all are being answered. A request longer than
 * HTTP_REQ_MAX gets its error status without tern reading the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/sys.h"
#include "lwip/tcp.h"

#include "core/console.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/net/http.h"
#include "core/net/http_parse.h"
#include "core/net/netopts.h"
#include "core/net/outbuf.h"
#include "core/shell/shell.h"

#define HTTP_MAX_CONNS		8
#define HTTP_TIMEOUT_MS		10000
#define HTTP_BODY_MAX		(4U << 20)

struct http_conn {
	struct tcp_pcb *pcb;
	char req[HTTP_REQ_MAX];
	size_t len;
	bool answered;
	u32 t0;
	struct outbuf out;
};

static struct tcp_pcb *listener;
static struct http_conn *conns[HTTP_MAX_CONNS];
static u16 port;
static u64 accepted, refused, timeouts, evicted;
static const int codes[] = { 200, 400, 404, 405, 408, 414, 431, 505 };
static u64 by_code[ARRAY_SIZE(codes)];

static void count(int status)
{
	for (u32 i = 0; i < ARRAY_SIZE(codes); i++)
		if (codes[i] == status)
			by_code[i]++;
}

static void conn_free(struct http_conn *c)
{
	for (u32 i = 0; i < HTTP_MAX_CONNS; i++)
		if (conns[i] == c)
			conns[i] = NULL;
	outbuf_free(&c->out);
	free(c);
}

static void conn_close(struct http_conn *c)
{
	struct tcp_pcb *pcb = c->pcb;

	if (pcb) {
		tcp_arg(pcb, NULL);
		tcp_recv(pcb, NULL);
		tcp_sent(pcb, NULL);
		tcp_err(pcb, NULL);
		tcp_poll(pcb, NULL, 0);
		if (tcp_close(pcb) != ERR_OK)
			tcp_abort(pcb);
	}
	conn_free(c);
}

/* As much as lwIP takes now; the rest on the next sent callback. */
static void push(struct http_conn *c)
{
	size_t n = MIN(outbuf_pending(&c->out), (size_t)tcp_sndbuf(c->pcb));

	n = MIN(n, (size_t)0xffff);
	if (n && tcp_write(c->pcb, c->out.data + c->out.off, (u16)n, TCP_WRITE_FLAG_COPY) == ERR_OK) {
		outbuf_consume(&c->out, n);
		tcp_output(c->pcb);
	}
	if (!outbuf_pending(&c->out))
		conn_close(c);
}

static void answer(struct http_conn *c, int status, bool head)
{
	struct outbuf body;
	char hdr[256];
	int n;

	c->answered = true;
	count(status);
	outbuf_init(&body, HTTP_BODY_MAX, false);
	if (status == 200) {
		char cmd[] = "metrics";

		/* The same text `metrics` prints, captured. */
		console_redirect(outbuf_sink, &body);
		shell_exec(cmd);
		console_redirect(NULL, NULL);
	} else {
		char msg[96];

		n = snprintf(msg, sizeof(msg), "%d %s\n", status, http_reason(status));
		outbuf_append(&body, msg, (size_t)n);
	}
	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		     status, http_reason(status),
		     status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8",
		     outbuf_pending(&body));
	outbuf_init(&c->out, HTTP_BODY_MAX + sizeof(hdr) + 256, false);
	outbuf_append(&c->out, hdr, (size_t)n);
	if (!head)
		outbuf_append(&c->out, body.data + body.off, outbuf_pending(&body));
	outbuf_free(&body);
	push(c);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct http_conn *c = arg;
	struct http_req r;
	int status;

	if (!p) {			/* the client closed */
		conn_close(c);
		return ERR_OK;
	}
	tcp_recved(pcb, p->tot_len);
	if (c->answered) {		/* more after the request: ignored */
		pbuf_free(p);
		return ERR_OK;
	}
	c->len += pbuf_copy_partial(p, c->req + c->len, (u16)MIN((size_t)p->tot_len,
								   sizeof(c->req) - c->len), 0);
	pbuf_free(p);
	status = http_parse(c->req, c->len, &r);
	if (status)
		answer(c, status, status == 200 && r.head);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb; (void)len;
	push(arg);
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	struct http_conn *c = arg;

	/* lwIP has freed the pcb already. */
	(void)err;
	if (c) {
		c->pcb = NULL;
		conn_free(c);
	}
}

/* Every 2 s (4 coarse ticks): a request that never completes is dropped. */
static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
	struct http_conn *c = arg;

	if (c && sys_now() - c->t0 > HTTP_TIMEOUT_MS) {
		timeouts++;
		if (!c->answered)
			count(408);
		tcp_arg(pcb, NULL);
		tcp_abort(pcb);
		conn_free(c);
		return ERR_ABRT;
	}
	return ERR_OK;
}

/* All connections open: the oldest still waiting for its request goes.
 * Its slot, or HTTP_MAX_CONNS when all are being answered. */
static u32 evict_waiting(u32 now)
{
	u32 slot = HTTP_MAX_CONNS;

	for (u32 i = 0; i < HTTP_MAX_CONNS; i++) {
		struct http_conn *c = conns[i];

		if (c && !c->answered &&
		    (slot == HTTP_MAX_CONNS || now - c->t0 > now - conns[slot]->t0))
			slot = i;
	}
	if (slot < HTTP_MAX_CONNS) {
		struct http_conn *c = conns[slot];

		evicted++;
		if (c->pcb) {
			tcp_arg(c->pcb, NULL);
			tcp_abort(c->pcb);
		}
		conn_free(c);
	}
	return slot;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct http_conn *c = NULL;
	u32 slot;

	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	for (slot = 0; slot < HTTP_MAX_CONNS && conns[slot]; slot++)
		;
	if (slot == HTTP_MAX_CONNS)
		slot = evict_waiting(sys_now());
	if (slot < HTTP_MAX_CONNS)
		c = calloc(1, sizeof(*c));
	if (!c) {
		refused++;
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	accepted++;
	conns[slot] = c;
	c->pcb = pcb;
	c->t0 = sys_now();
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_poll(pcb, on_poll, 4);
	return ERR_OK;
}

void http_init(const struct net_options *o)
{
	struct tcp_pcb *pcb;

	port = o->metrics_port;
	if (!port) {
		pr_info("net: HTTP metrics off (metrics_port=off)");
		return;
	}
	pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);
	if (!pcb || tcp_bind(pcb, IP_ANY_TYPE, port) != ERR_OK) {
		pr_warn("net: HTTP metrics: cannot listen on port %u", port);
		port = 0;
		return;
	}
	listener = tcp_listen_with_backlog(pcb, 4);
	if (!listener) {
		pr_warn("net: HTTP metrics: cannot listen on port %u", port);
		port = 0;
		return;
	}
	tcp_accept(listener, on_accept);
	pr_info("net: HTTP metrics on TCP port %u (GET /metrics)", port);
}

void http_poll(void)
{
}

void http_show(void)
{
	u32 open = 0;

	if (!port) {
		console_printf("HTTP metrics: off\n");
		return;
	}
	for (u32 i = 0; i < HTTP_MAX_CONNS; i++)
		open += conns[i] != NULL;
	console_printf("HTTP metrics on port %u: %llu connections (%u open), %llu refused (busy), %llu timed out, %llu dropped waiting for a request (room for newer); answers",
		       port, (unsigned long long)accepted, open, (unsigned long long)refused,
		       (unsigned long long)timeouts, (unsigned long long)evicted);
	for (u32 i = 0; i < ARRAY_SIZE(codes); i++)
		if (by_code[i])
			console_printf(" %d:%llu", codes[i], (unsigned long long)by_code[i]);
	console_printf("\n");
}

void http_metrics(struct prom *p)
{
	if (!port)
		return;
	prom_family(p, "tern_http_requests_total", "HTTP requests answered on the metrics port, by status",
		    PROM_COUNTER);
	for (u32 i = 0; i < ARRAY_SIZE(codes); i++) {
		char code[8];
		struct prom_label l = { "code", code };

		snprintf(code, sizeof(code), "%d", codes[i]);
		prom_u64(p, &l, 1, by_code[i]);
	}
	prom_family(p, "tern_http_evicted_total",
		    "HTTP connections still waiting for their request, dropped for a newer connection",
		    PROM_COUNTER);
	prom_u64(p, NULL, 0, evicted);
}
