// SPDX-License-Identifier: GPL-2.0
#include "core/mgmt.h"
#include "core/net/net.h"
#include "core/vm/vm.h"
#include "drivers/block/blk.h"

void mgmt_poll(void)
{
	blk_service();
	vm_service();
	net_poll();
}
