// SPDX-License-Identifier: GPL-2.0
/* `net`: the management NIC, its addresses and link, lwIP's counters;
 * `net selftest storm|reset`: the INTx storm fallback and the recovery of
 * a failed device, exercised. */
#include <string.h>

#include "core/console.h"
#include "core/net/net.h"
#include "core/shell/shell.h"
#include "drivers/net/nic.h"

static int cmd_net(int argc, char **argv)
{
	struct nic *n = nic_get();

	if (argc == 1) {
		net_show();
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "selftest") && !strcmp(argv[2], "storm")) {
		if (!n) {
			console_printf("net selftest storm: refused: no management NIC\n");
			return 1;
		}
		return nic_storm_selftest(n);
	}
	if (argc == 3 && !strcmp(argv[1], "selftest") && !strcmp(argv[2], "reset")) {
		if (!n) {
			console_printf("net selftest reset: refused: no management NIC\n");
			return 1;
		}
		return nic_reset_selftest(n);
	}
	console_printf("usage: net [selftest storm|reset]\n");
	return 1;
}
SHELL_COMMAND(net, "net", "[selftest storm|reset]",
	      "tern's network: interface, addresses, link, lwIP statistics, TCP services; "
	      "selftest storm: interrupts that are not the NIC's until its INTx line is masked (then polled); "
	      "selftest reset: make a virtio-net device fail, to be reset and brought back",
	      cmd_net);
