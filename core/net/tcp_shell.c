// SPDX-License-Identifier: GPL-2.0
#include "core/net/tcp_shell.h"
void tcp_shell_init(const struct net_options *o) { (void)o; }
void tcp_shell_poll(void) {}
void tcp_shell_show(void) {}
void tcp_shell_metrics(struct prom *p) { (void)p; }
