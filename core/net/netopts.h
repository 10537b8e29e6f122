/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network's boot options (README, "Boot options"):
 *   net=BB:DD.F | off          the management NIC (default: the first
 *                              supported one no VM takes)
 *   ip=dhcp | ADDR/PREFIX[,GW] | dhcp,ADDR/PREFIX[,GW]
 *                              IPv4: DHCP (default), static, or DHCP with
 *                              a static fallback when no lease comes
 *   shell_port=N | off         the TCP shell (default 2323)
 *   shell_secret=TEXT          its shared secret (or tern.cfg [host])
 *   shell_timeout=SECONDS      idle sessions closed (default 300)
 *   metrics_port=N | off       HTTP /metrics (default 9100)
 */
#ifndef TERN_CORE_NET_NETOPTS_H
#define TERN_CORE_NET_NETOPTS_H

#include "core/report.h"

#define NET_SECRET_MAX		64
#define NET_DEFAULT_SHELL_PORT	2323
#define NET_DEFAULT_METRICS_PORT 9100
#define NET_DEFAULT_TIMEOUT_S	300

struct net_options {
	bool off;			/* net=off */
	char nic[16];			/* "BB:DD.F", or empty */
	bool dhcp;
	bool have_static;
	u32 addr, gw;			/* host order */
	u8 prefix;
	u16 shell_port;			/* 0: off */
	u16 metrics_port;		/* 0: off */
	u32 shell_timeout_s;
	char secret[NET_SECRET_MAX];
};

void netopts_defaults(struct net_options *o);
/*
 * One boot option key=value (val NULL when there was no '='): false when
 * the key is not a network option; otherwise it is handled, a bad value
 * reported (counted in *n) and the default kept.
 */
bool netopts_parse(const char *key, const char *val, struct net_options *o,
		   report_fn rep, void *arg, int *n);
/* "10.0.2.15" -> host order; false when not a dotted quad. */
bool netopts_parse_ip4(const char *s, u32 *out);

#endif
