/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's virtio-blk device unit (`disk = NAME[,ro]` in tern.cfg): one disk
 * per VM, on the guest's PCI bus at the first slot after the assigned
 * functions (00:02.0 without any; INTA through the _PRT for slots 2-5).
 */
#ifndef TERN_CORE_VDEV_VIRTIO_VIRTIO_BLK_UNIT_H
#define TERN_CORE_VDEV_VIRTIO_VIRTIO_BLK_UNIT_H

#include "core/vdev/virtio/virtio_blk.h"

struct vm;
struct vblk_vm;

/* `vm stats`: the device's lines, if the VM has a disk. */
void vblk_show(struct vm *vm);
/* The device (counters), or NULL: for metrics. */
const struct vblk *vblk_of(const struct vm *vm);
/* Management core, often: a VM's requests held back for pages that were
 * not at hand (an overcommitted VM's, being read back), tried again. */
void vblk_unit_poll(struct vm *vm);

/* Host operations per 100 guest requests (IN, OUT, FLUSH). */
static inline u64 vblk_ops_per_100(const struct vblk *b)
{
	u64 n = b->requests[VBLK_IN] + b->requests[VBLK_OUT] + b->requests[VBLK_FLUSH];

	return n ? b->host_ops * 100 / n : 0;
}

#endif
