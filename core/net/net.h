/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern on the network: lwIP (NO_SYS, raw API) on the management core,
 * over the one management NIC (drivers/net/nic.h), polled from
 * mgmt_poll(). IPv4 by DHCP or static (netopts.h), IPv6 link-local.
 * Nothing here runs on a guest's core or in an interrupt handler.
 */
#ifndef TERN_CORE_NET_NET_H
#define TERN_CORE_NET_NET_H

#include "core/types.h"

struct prom;
struct net_options;

/* At boot, after the VMs are defined (their NICs are theirs). */
void net_init(const struct net_options *o);
/* On the management core: receive, lwIP's timers, the services. */
void net_poll(void);
bool net_running(void);
/* `net` */
void net_show(void);
/* The network's families in `metrics`. */
void net_metrics(struct prom *p);
/* The current IPv4 address as text ("none" without one). */
const char *net_addr4(char *buf, size_t n);

#endif
