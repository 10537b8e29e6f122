// SPDX-License-Identifier: GPL-2.0
#include "drivers/net/nic.h"
#include "drivers/pci.h"

bool virtio_net_supported(const struct pci_dev *d)
{
	return false;
}

int virtio_net_probe(struct pci_dev *d, struct nic *n, const char **why)
{
	*why = "virtio-net is not supported yet";
	return -1;
}
