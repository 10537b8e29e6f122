// SPDX-License-Identifier: GPL-2.0
#include "core/net/http.h"
void http_init(const struct net_options *o) { (void)o; }
void http_poll(void) {}
void http_show(void) {}
void http_metrics(struct prom *p) { (void)p; }
