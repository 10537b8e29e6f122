// SPDX-License-Identifier: GPL-2.0
/* `net`: the management NIC, its addresses and link, lwIP's counters. */
#include "core/net/net.h"
#include "core/shell/shell.h"

static int cmd_net(int argc, char **argv)
{
	(void)argc; (void)argv;
	net_show();
	return 0;
}
SHELL_COMMAND(net, "net", "", "tern's network: interface, addresses, link, lwIP statistics, TCP services",
	      cmd_net);
