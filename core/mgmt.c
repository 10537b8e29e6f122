// SPDX-License-Identifier: GPL-2.0
#include "core/mgmt.h"
#include "core/net/net.h"
#include "core/vdev/viommu/viommu.h"
#include "core/vm/vm.h"
#include "drivers/block/blk.h"

void mgmt_poll(void)
{
	blk_service();
	vm_service();
	viommu_poll();
	net_poll();
}
