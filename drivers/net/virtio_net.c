// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net (virtio 1.x, 5.1) for tern's management network: not
 * implemented yet. A virtio-net function is recognised so that `net=`
 * naming one says so instead of "not a supported NIC"; it is never used.
 */
#include "drivers/net/nic.h"
#include "drivers/pci.h"

bool virtio_net_supported(const struct pci_dev *d)
{
	/* 1af4:1041 modern, 1af4:1000 transitional (virtio 1.x, 4.1.2.1). */
	return d->vendor == 0x1af4 && (d->device == 0x1041 || d->device == 0x1000);
}

int virtio_net_probe(struct pci_dev *d, struct nic *n, const char **why)
{
	(void)d; (void)n;
	*why = "virtio-net is not supported yet (use an e1000 or e1000e)";
	return -1;
}
