/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Boot command-line options (README, "Boot options"):
 *   console=com1|com2|com3|com4|0xPORT[,BAUD]   default com1,115200
 *   loglevel=err|warn|info|debug|0-3             console verbosity
 *   maxcpus=N                                    CPUs to bring up, 1-64
 *   net=, ip=, shell_port=, shell_secret=, shell_timeout=, metrics_port=
 *                                                the network (core/net/netopts.h)
 * Anything else is reported and ignored; a bad value keeps the default.
 */
#ifndef TERN_CORE_CMDLINE_H
#define TERN_CORE_CMDLINE_H

#include "core/net/netopts.h"
#include "core/report.h"

struct tern_options {
	u16 console_port;
	u32 console_baud;
	int loglevel;
	u32 maxcpus;
	struct net_options net;
};

void cmdline_defaults(struct tern_options *o);
/* Returns the number of problems reported. */
int cmdline_parse(const char *s, struct tern_options *o,
		  report_fn rep, void *arg);

#endif
