/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The metrics endpoint: HTTP/1.x on metrics_port (default 9100), GET
 * /metrics answered with `metrics`' output (Prometheus text 0.0.4),
 * anything else an error status; one request a connection.
 */
#ifndef TERN_CORE_NET_HTTP_H
#define TERN_CORE_NET_HTTP_H

struct net_options;
struct prom;

void http_init(const struct net_options *o);
void http_poll(void);
void http_show(void);
void http_metrics(struct prom *p);

#endif
