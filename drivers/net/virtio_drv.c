// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* virtio's driver side without hardware access (virtio_drv.h). */
#include <stdlib.h>
#include <string.h>

#include "drivers/net/virtio_drv.h"

/* The PCI capability list lives in 0x40-0xff; more entries than fit
 * there means the list loops. */
#define CAP_WALK_MAX	48

/*
 * Barriers for memory the device reads and writes (x86: stores are seen
 * in order and loads are not reordered with loads, so the fences only
 * keep the compiler and weakly-ordered stores honest; the full one is
 * the store-then-load case, publishing before reading the device's
 * flags). Good for a hardware device too (VIRTIO_F_ORDER_PLATFORM).
 */
#define vr_wmb()	__asm__ __volatile__("sfence" ::: "memory")
#define vr_rmb()	__asm__ __volatile__("lfence" ::: "memory")
#define vr_mb()		__asm__ __volatile__("mfence" ::: "memory")

static bool region_ok(const struct virtio_pci_view *v, u8 bar, u32 off, u32 len)
{
	/* 4.1.4: BAR values 0x6-0xff are reserved; a structure must lie
	 * inside its BAR (u64: offset + length cannot wrap). */
	return bar < 6 && v->bar_size[bar] && len && (u64)off + len <= v->bar_size[bar];
}

int virtio_pci_walk(const struct virtio_pci_view *v, u8 cap_ptr, struct virtio_pci_layout *out,
		    const char **why)
{
	u8 p = cap_ptr & 0xfc;

	memset(out, 0, sizeof(*out));
	for (int n = 0; p >= 0x40 && n < CAP_WALK_MAX;
	     n++, p = v->read8(v->ctx, (u16)(p + VPCI_CAP_NEXT)) & 0xfc) {
		struct virtio_region r, *slot;
		u8 len, type;

		if (v->read8(v->ctx, p) != VIRTIO_PCI_CAP_VNDR)
			continue;
		len = v->read8(v->ctx, (u16)(p + VPCI_CAP_LEN));
		type = v->read8(v->ctx, (u16)(p + VPCI_CAP_CFG_TYPE));
		/* A capability running past config space is not believed. */
		if (len < VPCI_CAP_SIZE || p + len > 0x100)
			continue;
		switch (type) {
		case VIRTIO_PCI_CAP_COMMON_CFG: slot = &out->common; break;
		case VIRTIO_PCI_CAP_NOTIFY_CFG: slot = &out->notify; break;
		case VIRTIO_PCI_CAP_ISR_CFG: slot = &out->isr; break;
		case VIRTIO_PCI_CAP_DEVICE_CFG: slot = &out->device; break;
		default: continue;	/* PCI config access, shared memory, vendor */
		}
		if (slot->found)
			continue;	/* the first usable one wins (4.1.4) */
		r.bar = v->read8(v->ctx, (u16)(p + VPCI_CAP_BAR));
		r.offset = v->read32(v->ctx, (u16)(p + VPCI_CAP_OFFSET));
		r.length = v->read32(v->ctx, (u16)(p + VPCI_CAP_LENGTH));
		r.found = true;
		if (!region_ok(v, r.bar, r.offset, r.length))
			continue;
		if (type == VIRTIO_PCI_CAP_COMMON_CFG && r.length < VCC_MIN_LEN)
			continue;
		if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
			if (len < VPCI_NOTIFY_CAP_SIZE || r.length < 2)
				continue;
			out->notify_mult = v->read32(v->ctx, (u16)(p + VPCI_NOTIFY_MULT));
		}
		*slot = r;
	}
	if (!out->common.found) {
		*why = "no usable virtio common configuration (legacy-only virtio?)";
		return -1;
	}
	if (!out->notify.found) {
		*why = "no usable virtio notify structure";
		return -1;
	}
	return 0;
}

s64 virtio_notify_offset(const struct virtio_pci_layout *l, u16 queue_notify_off)
{
	u64 at = (u64)queue_notify_off * l->notify_mult;

	/* 4.1.4.4: cap.length >= queue_notify_off * multiplier + 2. */
	if (at + 2 > l->notify.length)
		return -1;
	return (s64)(l->notify.offset + at);
}

u64 virtio_net_choose_features(u64 offered, u32 device_cfg_len, const char **why)
{
	u64 want = BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_ACCESS_PLATFORM) |
		   BIT(VIRTIO_F_ORDER_PLATFORM);

	if (!(offered & BIT(VIRTIO_F_VERSION_1))) {
		/* Before 1.0 the layout and endianness were different
		 * (transitional devices offer VERSION_1 on the modern side). */
		*why = "the device does not offer VIRTIO_F_VERSION_1";
		return 0;
	}
	if (device_cfg_len >= VNET_CFG_MAC + 6)
		want |= BIT(VIRTIO_NET_F_MAC);
	if (device_cfg_len >= VNET_CFG_STATUS + 2)
		want |= BIT(VIRTIO_NET_F_STATUS);
	return offered & want;
}

/* ---- split virtqueue ---- */

size_t vring_bytes(u16 size, size_t *avail_off, size_t *used_off)
{
	size_t a = (size_t)size * sizeof(struct virtq_desc);
	size_t u = ALIGN_UP(a + sizeof(struct virtq_avail) + 2 * (size_t)size + 2, VIRTQ_USED_ALIGN);

	/* The avail ring's used_event and the used ring's avail_event (2
	 * bytes each) are counted though VIRTIO_F_EVENT_IDX is never taken:
	 * a device may still touch them. */
	if (avail_off)
		*avail_off = a;
	if (used_off)
		*used_off = u;
	return u + sizeof(struct virtq_used) + sizeof(struct virtq_used_elem) * (size_t)size + 2;
}

int vring_init(struct vring *vr, void *mem, u16 size)
{
	size_t a, u, total;

	memset(vr, 0, sizeof(*vr));
	if (!size || (size & (size - 1)))
		return -1;
	total = vring_bytes(size, &a, &u);
	vr->free = calloc(size, sizeof(*vr->free));
	vr->state = calloc(size, sizeof(*vr->state));
	vr->posted = calloc(size, sizeof(*vr->posted));
	if (!vr->free || !vr->state || !vr->posted) {
		vring_destroy(vr);
		return -1;
	}
	memset(mem, 0, total);
	vr->size = size;
	vr->desc = mem;
	vr->avail = (void *)((u8 *)mem + a);
	vr->used = (void *)((u8 *)mem + u);
	/* Taken lowest first: buffer i goes with descriptor i at start-up. */
	for (u32 i = 0; i < size; i++)
		vr->free[i] = (u16)(size - 1 - i);
	vr->nfree = size;
	return 0;
}

void vring_destroy(struct vring *vr)
{
	free(vr->free);
	free(vr->state);
	free(vr->posted);
	memset(vr, 0, sizeof(*vr));
}

int vring_take(struct vring *vr)
{
	u16 id;

	if (!vr->nfree)
		return -1;
	id = vr->free[--vr->nfree];
	vr->state[id] = VRD_HELD;
	return id;
}

void vring_release(struct vring *vr, u16 id)
{
	if (id >= vr->size || vr->state[id] != VRD_HELD)
		return;
	vr->state[id] = VRD_FREE;
	vr->free[vr->nfree++] = id;
}

bool vring_post(struct vring *vr, u16 id, u64 addr, u32 len, bool device_writes)
{
	volatile struct virtq_desc *d;

	if (id >= vr->size || vr->state[id] != VRD_HELD || !len)
		return false;
	d = &vr->desc[id];
	d->addr = addr;
	d->len = len;
	d->flags = device_writes ? VIRTQ_DESC_F_WRITE : 0;
	d->next = 0;
	vr->avail->ring[vr->avail_idx & (vr->size - 1)] = id;
	vr->avail_idx++;
	vr->state[id] = VRD_POSTED;
	vr->posted[id] = len;
	vr->nposted++;
	return true;
}

void vring_publish(struct vring *vr)
{
	/* 2.6.13.3: the ring entries before the index that covers them. */
	vr_wmb();
	WRITE_ONCE(vr->avail->idx, vr->avail_idx);
}

bool vring_kick_needed(struct vring *vr)
{
	/* The index store must be visible before the device's flag is read,
	 * else both sides may decide the other will act (2.6.13.4). */
	vr_mb();
	return !(READ_ONCE(vr->used->flags) & VIRTQ_USED_F_NO_NOTIFY);
}

void vring_no_interrupts(struct vring *vr, bool off)
{
	u16 f = READ_ONCE(vr->avail->flags);

	WRITE_ONCE(vr->avail->flags, off ? (u16)(f | VIRTQ_AVAIL_F_NO_INTERRUPT) :
				   (u16)(f & ~VIRTQ_AVAIL_F_NO_INTERRUPT));
}

enum vring_used_rc vring_used(struct vring *vr, u16 *id, u32 *len)
{
	u16 idx = READ_ONCE(vr->used->idx), pending = (u16)(idx - vr->used_idx);
	volatile struct virtq_used_elem *e;
	u32 i, l;

	if (!pending)
		return VRING_EMPTY;
	/* The device cannot have finished more than it was given: an index
	 * beyond that is corrupt, and nothing after it can be trusted. */
	if (pending > vr->nposted) {
		vr->bad++;
		return VRING_BROKEN;
	}
	/* The entry is read only after the index that covers it (2.6.14). */
	vr_rmb();
	e = &vr->used->ring[vr->used_idx & (vr->size - 1)];
	i = e->id;
	l = e->len;
	vr->used_idx++;
	if (i >= vr->size || vr->state[i] != VRD_POSTED) {
		vr->bad++;
		return VRING_BAD_ELEM;
	}
	vr->state[i] = VRD_HELD;
	vr->nposted--;
	*id = (u16)i;
	if (l > vr->posted[i]) {
		vr->bad++;
		*len = 0;
		return VRING_BAD_LEN;
	}
	*len = l;
	return VRING_GOT;
}
