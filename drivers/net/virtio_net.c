// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net (virtio 1.1, 5.1) over the modern PCI transport (4.1) for
 * tern's management network: one receive and one transmit split
 * virtqueue (2.6) of 256 descriptors, one 2 KiB buffer each (the 12-byte
 * header, then the frame), frames copied. No offloads, no mergeable
 * buffers, no control queue: nothing that changes what a frame is.
 *
 * The rings and buffers are tern's RAM; where VT-d covers the function
 * it is in the host domain (I/O address = physical), which is what
 * VIRTIO_F_ACCESS_PLATFORM asks of the driver. The receive queue raises
 * MSI-X entry 0 (through an IRTE where VT-d remaps interrupts) to wake
 * the management core; transmit completions are collected when sending.
 * Without MSI-X, or when the device will not map the entry, polled.
 *
 * What the device writes in the used rings is checked (virtio_drv.c): a
 * device that breaks its rings, or asks to be reset (DEVICE_NEEDS_RESET),
 * is marked failed (nic_fault), and the management loop resets it and
 * sets it up again (vnet_recover), with the same features, rings and
 * interrupt; frames in flight are lost, TCP retransmits them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/log.h"
#include "core/tsc.h"
#include "drivers/net/nic.h"
#include "drivers/net/virtio_drv.h"
#include "drivers/pci.h"
#include "iommu/vtd.h"
#include "mm/kmem.h"
#include "mm/pmm.h"

#define VNET_QSIZE	256		/* descriptors a queue, at most */
#define VNET_BUF	2048		/* header + frame; 5.1.6.3 asks >= 1526 */
#define VNET_RXQ	0		/* 5.1.2: receiveq1, transmitq1 */
#define VNET_TXQ	1
#define VNET_MAP_MAX	0x1000		/* of a structure tern maps */
#define VNET_RESET_MS	100
#define PCI_COMMAND_INTX_DISABLE BIT(10)	/* PCI 3.0, 6.2.2 */

_Static_assert(sizeof(struct virtio_net_hdr) == VIRTIO_NET_HDR_LEN, "virtio-net header");
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq descriptor");
_Static_assert(VNET_BUF >= VIRTIO_NET_HDR_LEN + NIC_FRAME_MAX, "buffer too small");

struct vnet_queue {
	struct vring vr;
	u16 index;
	u64 ring_pa, ring_pages;
	u8 *buf;			/* VNET_BUF per descriptor, descriptor i's at i */
	u64 buf_pa, buf_pages;
	volatile u16 *notify;
	u64 kicks;
};

struct vnet {
	struct virtio_pci_layout lay;
	volatile u8 *common, *notify, *dev;
	u32 dev_len, notify_len;
	u64 features;
	struct vnet_queue rx, tx;
	bool broken;
};

bool virtio_net_supported(const struct pci_dev *d)
{
	return d->vendor == VIRTIO_VENDOR &&
	       (d->device == VIRTIO_DEV_NET_MODERN || d->device == VIRTIO_DEV_NET_TRANSITIONAL);
}

/* ---- the common configuration (4.1.4.3) ---- */

static u8 cc_rd8(struct vnet *v, u32 off)
{
	return *(volatile u8 *)(v->common + off);
}

static u16 cc_rd16(struct vnet *v, u32 off)
{
	return *(volatile u16 *)(v->common + off);
}

static u32 cc_rd32(struct vnet *v, u32 off)
{
	return *(volatile u32 *)(v->common + off);
}

static void cc_wr8(struct vnet *v, u32 off, u8 val)
{
	*(volatile u8 *)(v->common + off) = val;
}

static void cc_wr16(struct vnet *v, u32 off, u16 val)
{
	*(volatile u16 *)(v->common + off) = val;
}

static void cc_wr32(struct vnet *v, u32 off, u32 val)
{
	*(volatile u32 *)(v->common + off) = val;
}

/* 64-bit fields as two 32-bit halves, low first (4.1.3.1 allows it). */
static void cc_wr64(struct vnet *v, u32 off, u64 val)
{
	cc_wr32(v, off, (u32)val);
	cc_wr32(v, off + 4, (u32)(val >> 32));
}

static bool has(const struct vnet *v, u32 bit)
{
	return v->features & BIT(bit);
}

static void kick(struct vnet_queue *q)
{
	if (vring_kick_needed(&q->vr)) {
		*q->notify = q->index;	/* 4.1.5.2: the queue's index */
		q->kicks++;
	}
}

static void broke(struct nic *n, const char *what)
{
	struct vnet *v = n->drv;

	if (v->broken)
		return;
	v->broken = true;
	nic_fault(n, what);
}

/* ---- the nic_ops ---- */

static bool vnet_send(struct nic *n, const void *frame, u32 len)
{
	struct vnet *v = n->drv;
	struct vnet_queue *q = &v->tx;
	enum vring_used_rc rc;
	u32 done;
	u16 id;
	int d;

	if (v->broken || len > VNET_BUF - VIRTIO_NET_HDR_LEN)
		return false;
	/* Buffers the device has sent are free again. */
	while ((rc = vring_used(&q->vr, &id, &done)) != VRING_EMPTY) {
		if (rc == VRING_BROKEN) {
			broke(n, "completed more frames than it was given");
			return false;
		}
		if (rc != VRING_BAD_ELEM)
			vring_release(&q->vr, id);
	}
	d = vring_take(&q->vr);
	if (d < 0)
		return false;
	/* The header stays zero (set up once): no offloads. */
	memcpy(q->buf + (size_t)d * VNET_BUF + VIRTIO_NET_HDR_LEN, frame, len);
	vring_post(&q->vr, (u16)d, q->buf_pa + (u64)d * VNET_BUF, VIRTIO_NET_HDR_LEN + len, false);
	vring_publish(&q->vr);
	kick(q);
	return true;
}

static void rx_repost(struct vnet_queue *q, u16 id)
{
	vring_post(&q->vr, id, q->buf_pa + (u64)id * VNET_BUF, VNET_BUF, true);
	vring_publish(&q->vr);
	kick(q);
}

static u32 vnet_recv(struct nic *n, void *buf)
{
	struct vnet *v = n->drv;
	struct vnet_queue *q = &v->rx;

	while (!v->broken) {
		enum vring_used_rc rc;
		u32 len, flen;
		u16 id;

		rc = vring_used(&q->vr, &id, &len);
		switch (rc) {
		case VRING_EMPTY:
			return 0;
		case VRING_BROKEN:
			broke(n, "received more frames than it had buffers for");
			return 0;
		case VRING_BAD_ELEM:
			n->rx_dropped++;
			continue;
		case VRING_BAD_LEN:
			n->rx_dropped++;
			rx_repost(q, id);
			continue;
		case VRING_GOT:
			break;
		}
		flen = len > VIRTIO_NET_HDR_LEN ? len - VIRTIO_NET_HDR_LEN : 0;
		if (!flen || flen > NIC_FRAME_MAX) {
			n->rx_dropped++;
			rx_repost(q, id);
			continue;
		}
		memcpy(buf, q->buf + (size_t)id * VNET_BUF + VIRTIO_NET_HDR_LEN, flen);
		rx_repost(q, id);
		return flen;
	}
	return 0;
}

static bool vnet_link_up(struct nic *n)
{
	struct vnet *v = n->drv;

	if (!v->broken && (cc_rd8(v, VCC_STATUS) & VIRTIO_ST_NEEDS_RESET))
		broke(n, "asks to be reset (DEVICE_NEEDS_RESET)");
	if (v->broken)
		return false;
	/* Without VIRTIO_NET_F_STATUS the link is taken to be up (5.1.4). */
	if (!has(v, VIRTIO_NET_F_STATUS))
		return true;
	return *(volatile u16 *)(v->dev + VNET_CFG_STATUS) & VIRTIO_NET_S_LINK_UP;
}

static void vnet_describe(struct nic *n, char *buf, size_t len)
{
	struct vnet *v = n->drv;

	snprintf(buf, len, "virtio 1.x, %u rx and %u tx descriptors of %u bytes; rx used idx %u, tx in flight %u, kicks %llu/%llu; %s%s; bad used %llu%s",
		 v->rx.vr.size, v->tx.vr.size, VNET_BUF, v->rx.vr.used_idx,
		 vring_in_flight(&v->tx.vr), (unsigned long long)v->rx.kicks,
		 (unsigned long long)v->tx.kicks,
		 has(v, VIRTIO_F_ACCESS_PLATFORM) ? "ACCESS_PLATFORM" : "no ACCESS_PLATFORM",
		 has(v, VIRTIO_NET_F_STATUS) ? ", STATUS" : "",
		 (unsigned long long)(v->rx.vr.bad + v->tx.vr.bad), v->broken ? ", BROKEN" : "");
}


/* ---- probing ---- */

static u8 cfg_rd8(void *ctx, u16 off)
{
	struct pci_dev *d = ctx;

	return pci_read8(d->seg, d->bus, d->dev, d->fn, off);
}

static u32 cfg_rd32(void *ctx, u16 off)
{
	/* Capability fields are dword-aligned (4.1.4); read as bytes to be
	 * safe with any offset a device reports. */
	return (u32)cfg_rd8(ctx, off) | (u32)cfg_rd8(ctx, (u16)(off + 1)) << 8 |
	       (u32)cfg_rd8(ctx, (u16)(off + 2)) << 16 | (u32)cfg_rd8(ctx, (u16)(off + 3)) << 24;
}

static volatile u8 *map_region(struct pci_dev *d, const struct virtio_region *r, u32 *len)
{
	*len = MIN(r->length, (u32)VNET_MAP_MAX);
	return ioremap(d->bars[r->bar].base + r->offset, *len, MAP_W | MAP_UC);
}

/* 2.4.1: fields read as a whole only when the generation did not move. */
static void read_mac(struct vnet *v, u8 *mac)
{
	u8 before, after;
	int tries = 0;

	do {
		before = cc_rd8(v, VCC_GENERATION);
		for (int i = 0; i < 6; i++)
			mac[i] = v->dev[VNET_CFG_MAC + i];
		after = cc_rd8(v, VCC_GENERATION);
	} while (before != after && ++tries < 100);
}

static int reset(struct vnet *v)
{
	u64 start = tsc_ns();

	/* 4.1.4.3.2: after writing 0 the driver waits for 0 to be read. */
	cc_wr8(v, VCC_STATUS, 0);
	while (cc_rd8(v, VCC_STATUS)) {
		if (tsc_ns() - start > VNET_RESET_MS * 1000000ULL)
			return -1;
		tsc_delay_us(10);
	}
	return 0;
}

static void queue_free(struct vnet_queue *q)
{
	vring_destroy(&q->vr);
	if (q->ring_pa)
		pmm_free(q->ring_pa, q->ring_pages);
	if (q->buf_pa)
		pmm_free(q->buf_pa, q->buf_pages);
	q->ring_pa = q->buf_pa = 0;
}

/* 4.1.5.1.3: one queue, its memory, its notify address and its vector. */
static int queue_setup(struct nic *n, struct vnet_queue *q, u16 index, const char **why)
{
	struct vnet *v = n->drv;
	size_t aoff, uoff;
	u16 max, size = VNET_QSIZE;
	s64 noff;

	q->index = index;
	cc_wr16(v, VCC_Q_SELECT, index);
	max = cc_rd16(v, VCC_Q_SIZE);
	if (!max || cc_rd16(v, VCC_Q_ENABLE)) {
		*why = "a queue is unavailable or already enabled after reset";
		return -1;
	}
	/* Split rings are a power of two long (2.6). */
	while (size > max)
		size >>= 1;
	noff = virtio_notify_offset(&v->lay, cc_rd16(v, VCC_Q_NOTIFY_OFF));
	if (noff < 0 || (u64)(noff - v->lay.notify.offset) + 2 > v->notify_len) {
		*why = "a queue's notify address is outside the notify structure";
		return -1;
	}
	q->notify = (volatile u16 *)(v->notify + (noff - v->lay.notify.offset));
	/* A recovery keeps the memory (the device was reset: it no longer
	 * uses it) and starts the ring afresh, at the size it had. */
	if (q->ring_pa && q->vr.size && q->vr.size <= max)
		size = q->vr.size;
	vring_bytes(size, &aoff, &uoff);
	if (!q->ring_pa) {
		q->ring_pages = ALIGN_UP(vring_bytes(size, &aoff, &uoff), PAGE_SIZE) / PAGE_SIZE;
		q->buf_pages = ALIGN_UP((u64)size * VNET_BUF, PAGE_SIZE) / PAGE_SIZE;
		q->ring_pa = pmm_alloc(q->ring_pages);
		q->buf_pa = pmm_alloc(q->buf_pages);
	} else if (size != q->vr.size) {
		*why = "a queue is shorter than before the reset";
		return -1;
	}
	vring_destroy(&q->vr);
	if (!q->ring_pa || !q->buf_pa || vring_init(&q->vr, phys_to_virt(q->ring_pa), size)) {
		*why = "out of memory for the queues";
		return -1;
	}
	q->buf = phys_to_virt(q->buf_pa);
	memset(q->buf, 0, q->buf_pages * PAGE_SIZE);	/* transmit headers stay zero */
	cc_wr16(v, VCC_Q_SIZE, size);
	cc_wr64(v, VCC_Q_DESC, q->ring_pa);
	cc_wr64(v, VCC_Q_DRIVER, q->ring_pa + aoff);
	cc_wr64(v, VCC_Q_DEVICE, q->ring_pa + uoff);
	/* Only receiving wakes the management core: transmit buffers are
	 * taken back when the next frame goes out. */
	if (index == VNET_RXQ && n->vector >= 0) {
		cc_wr16(v, VCC_Q_MSIX, 0);
		/* 4.1.5.1.2: a mapping the device cannot make reads back as
		 * NO_VECTOR. */
		if (cc_rd16(v, VCC_Q_MSIX) != 0) {
			pr_info("net: %s: the device would not map its receive queue to MSI-X: polled",
				n->name);
			cc_wr16(v, VCC_Q_MSIX, VIRTIO_MSI_NO_VECTOR);
			nic_free_irq(n);
		}
	} else {
		cc_wr16(v, VCC_Q_MSIX, VIRTIO_MSI_NO_VECTOR);
		vring_no_interrupts(&q->vr, true);
	}
	cc_wr16(v, VCC_Q_ENABLE, 1);
	return 0;
}

/*
 * 3.1.1: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK. The first
 * time tern chooses the features; after a recovery's reset the device
 * must take the same ones again.
 */
static int negotiate(struct vnet *v, const char **why)
{
	u8 st = VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER;
	u64 offered, want;

	if (reset(v)) {
		*why = "reset did not complete";
		return -1;
	}
	cc_wr8(v, VCC_STATUS, VIRTIO_ST_ACKNOWLEDGE);
	cc_wr8(v, VCC_STATUS, st);
	cc_wr32(v, VCC_DFSELECT, 0);
	offered = cc_rd32(v, VCC_DF);
	cc_wr32(v, VCC_DFSELECT, 1);
	offered |= (u64)cc_rd32(v, VCC_DF) << 32;
	if (v->features) {
		want = v->features;
		if ((offered & want) != want) {
			*why = "after the reset the device no longer offers the features tern took";
			return -1;
		}
	} else {
		want = virtio_net_choose_features(offered, v->dev ? v->dev_len : 0, why);
		if (!want)
			return -1;
	}
	v->features = want;
	cc_wr32(v, VCC_GFSELECT, 0);
	cc_wr32(v, VCC_GF, (u32)want);
	cc_wr32(v, VCC_GFSELECT, 1);
	cc_wr32(v, VCC_GF, (u32)(want >> 32));
	cc_wr8(v, VCC_STATUS, st | VIRTIO_ST_FEATURES_OK);
	if (!(cc_rd8(v, VCC_STATUS) & VIRTIO_ST_FEATURES_OK)) {
		*why = "the device refused the features tern takes";
		return -1;
	}
	if (cc_rd16(v, VCC_NUM_QUEUES) < 2) {
		*why = "fewer than two queues";
		return -1;
	}
	return 0;
}

/* The queues, the receive buffers posted, DRIVER_OK (5.1.5). */
static int start_queues(struct nic *n, struct vnet *v, const char **why)
{
	/* Configuration changes get no interrupt: the link is polled. */
	cc_wr16(v, VCC_MSIX_CONFIG, VIRTIO_MSI_NO_VECTOR);
	if (queue_setup(n, &v->rx, VNET_RXQ, why) || queue_setup(n, &v->tx, VNET_TXQ, why))
		return -1;
	if (n->vector < 0)
		vring_no_interrupts(&v->rx.vr, true);	/* polled: nothing to wake */
	for (int id; (id = vring_take(&v->rx.vr)) >= 0;)
		vring_post(&v->rx.vr, (u16)id, v->rx.buf_pa + (u64)id * VNET_BUF, VNET_BUF, true);
	vring_publish(&v->rx.vr);
	cc_wr8(v, VCC_STATUS, cc_rd8(v, VCC_STATUS) | VIRTIO_ST_DRIVER_OK);
	if (cc_rd8(v, VCC_STATUS) & (VIRTIO_ST_NEEDS_RESET | VIRTIO_ST_FAILED)) {
		*why = "the device failed at DRIVER_OK";
		return -1;
	}
	*v->rx.notify = VNET_RXQ;
	return 0;
}

/* nic_ops.recover: reset the failed device and set it up again. */
static int vnet_recover(struct nic *n, const char **why)
{
	struct vnet *v = n->drv;

	if (negotiate(v, why) || start_queues(n, v, why)) {
		/* Left reset: nothing of tern's memory in use by it. */
		reset(v);
		return -1;
	}
	v->broken = false;
	return 0;
}

/*
 * nic_ops.inject_fault (`net selftest reset`): a transmit descriptor of
 * zero bytes, which virtio 1.1 2.6.4.1 forbids; a device that checks
 * (QEMU's does) sets DEVICE_NEEDS_RESET, as it would for its own faults.
 */
static int vnet_inject_fault(struct nic *n, const char **why)
{
	struct vnet *v = n->drv;
	struct vnet_queue *q = &v->tx;
	int d;

	if (v->broken) {
		*why = "the device has failed already";
		return -1;
	}
	d = vring_take(&q->vr);
	if (d < 0) {
		*why = "no free transmit descriptor";
		return -1;
	}
	/* vring_post refuses a zero length (rightly): posted whole, then cut. */
	vring_post(&q->vr, (u16)d, q->buf_pa + (u64)d * VNET_BUF, VIRTIO_NET_HDR_LEN, false);
	q->vr.desc[d].len = 0;
	vring_publish(&q->vr);
	*q->notify = q->index;
	q->kicks++;
	return 0;
}

static const struct nic_ops vnet_ops = {
	.send = vnet_send,
	.recv = vnet_recv,
	.link_up = vnet_link_up,
	.describe = vnet_describe,
	.recover = vnet_recover,
	.inject_fault = vnet_inject_fault,
};

static void make_mac(struct pci_dev *d, u8 *mac)
{
	u64 t = rdtsc();

	/* 5.1.5: without VIRTIO_NET_F_MAC the driver picks one: locally
	 * administered, unicast, from the function's address and the TSC. */
	mac[0] = 0x02;
	mac[1] = 0x74;			/* 't' */
	mac[2] = d->bus;
	mac[3] = (u8)(d->dev << 3 | d->fn);
	mac[4] = (u8)(t >> 8);
	mac[5] = (u8)t;
}

static int vnet_init(struct pci_dev *d, struct nic *n, struct vnet *v, const char **why)
{
	struct virtio_pci_view view = { cfg_rd8, cfg_rd32, d, { 0 } };
	u8 cap_ptr;
	u16 cmd;

	if (!(pci_read16(d->seg, d->bus, d->dev, d->fn, PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
		*why = "no capability list (legacy-only virtio?)";
		return -1;
	}
	for (int i = 0; i < 6; i++)
		if (d->bars[i].type == PCI_BAR_MEM32 || d->bars[i].type == PCI_BAR_MEM64_SPACE)
			view.bar_size[i] = d->bars[i].base ? d->bars[i].size : 0;
	cap_ptr = pci_read8(d->seg, d->bus, d->dev, d->fn, PCI_CAP_PTR);
	if (virtio_pci_walk(&view, cap_ptr, &v->lay, why))
		return -1;
	v->common = map_region(d, &v->lay.common, &(u32){ 0 });
	v->notify = map_region(d, &v->lay.notify, &v->notify_len);
	if (v->lay.device.found)
		v->dev = map_region(d, &v->lay.device, &v->dev_len);
	if (!v->common || !v->notify || (v->lay.device.found && !v->dev)) {
		*why = "cannot map its virtio structures";
		return -1;
	}
	/* Memory decoding before the first access; bus mastering only
	 * once the function is in the host domain (below). INTx never: a
	 * polled device's line would otherwise stay asserted, unacknowledged,
	 * on a pin another function may share. */
	cmd = (u16)(pci_read16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND) | PCI_COMMAND_INTX_DISABLE);
	pci_write16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY);

	if (negotiate(v, why))
		goto failed;
	if (has(v, VIRTIO_NET_F_MAC))
		read_mac(v, n->mac);
	else
		make_mac(d, n->mac);

	if (nic_dma_attach(n)) {
		*why = "behind VT-d but cannot join the host domain";
		goto failed;
	}
	/* 6: without ACCESS_PLATFORM the device reaches memory as the CPU
	 * does, past VT-d (an emulator's device does); the host domain's
	 * 1:1 map keeps the addresses right either way. */
	n->dma_may_bypass = n->translated && !has(v, VIRTIO_F_ACCESS_PLATFORM);
	pci_write16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND,
		    cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);

	/* MSI-X before the vectors are written (4.1.5.1.2 maps events only
	 * with MSI-X enabled); configuration changes get none: the link is
	 * polled. */
	nic_setup_irq(n, true, 0);
	if (start_queues(n, v, why))
		goto failed;
	return 0;

failed:
	/* The device forgets the rings before they are freed (3.3); no
	 * bus mastering either way. */
	reset(v);
	cc_wr8(v, VCC_STATUS, VIRTIO_ST_FAILED);
	pci_write16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY);
	nic_free_irq(n);
	queue_free(&v->rx);
	queue_free(&v->tx);
	return -1;
}

int virtio_net_probe(struct pci_dev *d, struct nic *n, const char **why)
{
	struct vnet *v = calloc(1, sizeof(*v));

	if (!v) {
		*why = "out of memory";
		return -1;
	}
	n->drv = v;
	n->ops = &vnet_ops;
	n->model = "virtio-net";
	if (vnet_init(d, n, v, why)) {
		n->drv = NULL;
		free(v);
		return -1;
	}
	return 0;
}
