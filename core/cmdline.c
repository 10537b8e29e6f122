// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmdline.h"
#include "core/log.h"
#include "core/report.h"

static const struct {
	const char *name;
	u16 port;
} com_ports[] = {
	{ "com1", 0x3f8 }, { "com2", 0x2f8 }, { "com3", 0x3e8 }, { "com4", 0x2e8 },
};

static const char *const level_names[] = { "err", "warn", "info", "debug" };

void cmdline_defaults(struct tern_options *o)
{
	o->console_port = 0x3f8;
	o->console_baud = 115200;
	o->loglevel = LOG_INFO;
	o->maxcpus = 64;
	netopts_defaults(&o->net);
}

/* Whole-string unsigned number (decimal or 0x hex) within [lo, hi]. */
static bool parse_num(const char *s, unsigned long lo, unsigned long hi,
		      unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-')
		return false;
	v = strtoul(s, &end, 0);
	if (*end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static void opt_console(char *val, struct tern_options *o,
			report_fn rep, void *arg, int *n)
{
	char *comma = strchr(val, ',');
	unsigned long v;
	bool found = false;

	if (comma)
		*comma++ = 0;
	for (size_t i = 0; i < ARRAY_SIZE(com_ports); i++) {
		if (!strcmp(val, com_ports[i].name)) {
			o->console_port = com_ports[i].port;
			found = true;
		}
	}
	if (!found) {
		if (parse_num(val, 1, 0xfff8, &v))
			o->console_port = (u16)v;
		else
			report(rep, arg, n, "cmdline: console=%s: not com1-com4 or an I/O port; keeping %#x",
			    val, o->console_port);
	}
	if (comma) {
		if (parse_num(comma, 50, 115200, &v) && 115200 % v == 0)
			o->console_baud = (u32)v;
		else
			report(rep, arg, n, "cmdline: console baud '%s' is not a divisor of 115200; keeping %u",
			    comma, o->console_baud);
	}
}

int cmdline_parse(const char *s, struct tern_options *o,
		  report_fn rep, void *arg)
{
	char buf[512], *save = NULL, *tok;
	int n = 0;

	if (!s)
		return 0;
	if (strlen(s) >= sizeof(buf))
		report(rep, arg, &n, "cmdline: longer than %zu characters; the rest is ignored",
		    sizeof(buf) - 1);
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		char *val = strchr(tok, '=');
		unsigned long v;

		if (val)
			*val++ = 0;
		if (!strcmp(tok, "console") && val) {
			opt_console(val, o, rep, arg, &n);
		} else if (!strcmp(tok, "loglevel") && val) {
			bool ok = false;

			for (int i = 0; i < 4; i++) {
				if (!strcmp(val, level_names[i])) {
					o->loglevel = i;
					ok = true;
				}
			}
			if (!ok && parse_num(val, 0, 3, &v)) {
				o->loglevel = (int)v;
				ok = true;
			}
			if (!ok)
				report(rep, arg, &n, "cmdline: loglevel=%s: use err, warn, info, debug or 0-3",
				    val);
		} else if (!strcmp(tok, "maxcpus") && val) {
			if (parse_num(val, 1, 64, &v))
				o->maxcpus = (u32)v;
			else
				report(rep, arg, &n, "cmdline: maxcpus=%s: must be 1 to 64", val);
		} else if (netopts_parse(tok, val, &o->net, rep, arg, &n)) {
			/* the network's: core/net/netopts.c */
		} else if (!strcmp(tok, "console") || !strcmp(tok, "loglevel") ||
			   !strcmp(tok, "maxcpus")) {
			report(rep, arg, &n, "cmdline: option '%s' needs a value", tok);
		} else {
			report(rep, arg, &n, "cmdline: unknown option '%s' ignored (known: console, loglevel, maxcpus, net, ip, shell_port, shell_secret, shell_timeout, metrics_port)",
			    tok);
		}
	}
	return n;
}
