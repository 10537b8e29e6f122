// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* The network's boot options (netopts.h): parsed, checked, defaulted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/netopts.h"
#include "core/vm/config.h"

void netopts_defaults(struct net_options *o)
{
	memset(o, 0, sizeof(*o));
	o->dhcp = true;
	o->shell_port = NET_DEFAULT_SHELL_PORT;
	o->metrics_port = NET_DEFAULT_METRICS_PORT;
	o->shell_timeout_s = NET_DEFAULT_TIMEOUT_S;
}

static bool parse_u32(const char *s, u32 lo, u32 hi, u32 *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end || v < lo || v > hi)
		return false;
	*out = (u32)v;
	return true;
}

bool netopts_parse_ip4(const char *s, u32 *out)
{
	u32 v = 0;

	for (int i = 0; i < 4; i++) {
		u32 part = 0;
		int digits = 0;

		while (*s >= '0' && *s <= '9') {
			part = part * 10 + (u32)(*s++ - '0');
			if (++digits > 3 || part > 255)
				return false;
		}
		if (!digits || (i < 3 && *s++ != '.'))
			return false;
		v = v << 8 | part;
	}
	if (*s)
		return false;
	*out = v;
	return true;
}

/* "ADDR/PREFIX[,GW]" */
static bool parse_static(const char *s, struct net_options *o)
{
	char buf[64], *slash, *comma;
	u32 addr, prefix, gw = 0;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return false;
	*slash++ = 0;
	comma = strchr(slash, ',');
	if (comma)
		*comma++ = 0;
	if (!netopts_parse_ip4(buf, &addr) || !parse_u32(slash, 1, 32, &prefix) ||
	    (comma && !netopts_parse_ip4(comma, &gw)))
		return false;
	o->addr = addr;
	o->prefix = (u8)prefix;
	o->gw = gw;
	o->have_static = true;
	return true;
}

static bool parse_ip(const char *val, struct net_options *o)
{
	struct net_options t = *o;

	t.have_static = false;
	if (!strcmp(val, "dhcp")) {
		t.dhcp = true;
	} else if (!strncmp(val, "dhcp,", 5)) {
		t.dhcp = true;
		if (!parse_static(val + 5, &t))
			return false;
	} else {
		t.dhcp = false;
		if (!parse_static(val, &t))
			return false;
	}
	*o = t;
	return true;
}

static bool parse_bdf(const char *s)
{
	u16 bdf;

	return config_parse_bdf(s, &bdf);
}

static bool parse_port(const char *val, u16 *port)
{
	u32 v;

	if (!strcmp(val, "off")) {
		*port = 0;
		return true;
	}
	if (!parse_u32(val, 1, 65535, &v))
		return false;
	*port = (u16)v;
	return true;
}

bool netopts_parse(const char *key, const char *val, struct net_options *o,
		   report_fn rep, void *arg, int *n)
{
	static const char *const keys[] = {
		"net", "ip", "shell_port", "shell_secret", "shell_timeout", "metrics_port",
	};
	bool known = false;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		known |= !strcmp(key, keys[i]);
	if (!known)
		return false;
	if (!val || !*val) {
		report(rep, arg, n, "cmdline: option '%s' needs a value", key);
		return true;
	}
	if (!strcmp(key, "net")) {
		if (!strcmp(val, "off")) {
			o->off = true;
		} else if (parse_bdf(val)) {
			o->off = false;
			snprintf(o->nic, sizeof(o->nic), "%s", val);
		} else {
			report(rep, arg, n, "cmdline: net=%s: expected a PCI function like 00:03.0, or off",
			       val);
		}
	} else if (!strcmp(key, "ip")) {
		if (!parse_ip(val, o))
			report(rep, arg, n, "cmdline: ip=%s: expected dhcp, ADDR/PREFIX[,GW] or dhcp,ADDR/PREFIX[,GW]; keeping %s",
			       val, o->dhcp ? "dhcp" : "the static address");
	} else if (!strcmp(key, "shell_port")) {
		if (!parse_port(val, &o->shell_port))
			report(rep, arg, n, "cmdline: shell_port=%s: expected 1-65535 or off; keeping %u",
			       val, o->shell_port);
	} else if (!strcmp(key, "metrics_port")) {
		if (!parse_port(val, &o->metrics_port))
			report(rep, arg, n, "cmdline: metrics_port=%s: expected 1-65535 or off; keeping %u",
			       val, o->metrics_port);
	} else if (!strcmp(key, "shell_timeout")) {
		if (!parse_u32(val, 5, 86400, &o->shell_timeout_s))
			report(rep, arg, n, "cmdline: shell_timeout=%s: expected 5-86400 seconds; keeping %u",
			       val, o->shell_timeout_s);
	} else if (strlen(val) >= NET_SECRET_MAX || strlen(val) < 8) {
		report(rep, arg, n, "cmdline: shell_secret: must be 8-%d characters; the TCP shell stays off unless tern.cfg sets one",
		       NET_SECRET_MAX - 1);
	} else {
		strcpy(o->secret, val);
	}
	return true;
}
