// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/vdev/msi.h"

bool msi_guest_message(u32 addr_lo, u32 addr_hi, u32 data, struct vlapic_ipi *msg)
{
	if ((addr_lo & 0xfff00000) != MSI_ADDR_BASE || addr_hi)
		return false;
	memset(msg, 0, sizeof(*msg));
	msg->valid = true;
	msg->mode = (u8)MSI_DATA_MODE(data);
	msg->vector = (u8)MSI_DATA_VECTOR(data);
	msg->logical = addr_lo & MSI_ADDR_LOGICAL;
	msg->dest = MSI_ADDR_DEST(addr_lo);
	msg->assert = true;
	return msg->mode == ICR_MODE_FIXED || msg->mode == ICR_MODE_LOWEST ||
	       msg->mode == ICR_MODE_NMI;
}
