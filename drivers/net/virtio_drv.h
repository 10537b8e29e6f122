/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure parts of tern's virtio driver (drivers/net/virtio_net.c): the
 * walk of the virtio PCI capabilities, the choice of features, and the
 * driver's side of a split virtqueue. Host-tested.
 *
 * The device is not trusted more than it has to be: what it writes in the
 * used ring (ids, lengths, the index) is checked before it is believed, so
 * a confused or hostile device costs tern its network, never memory
 * outside the buffers it was given or a stuck management core.
 */
#ifndef TERN_DRIVERS_NET_VIRTIO_DRV_H
#define TERN_DRIVERS_NET_VIRTIO_DRV_H

#include "core/types.h"
#include "drivers/net/virtio_net_regs.h"

/* ---- capabilities (4.1.4) ---- */

/* Where one virtio structure is: a memory BAR, an offset and a length. */
struct virtio_region {
	bool found;
	u8 bar;
	u32 offset, length;
};

struct virtio_pci_layout {
	struct virtio_region common, notify, isr, device;
	u32 notify_mult;		/* notify_off_multiplier (4.1.4.4) */
};

/* The function as the walk needs it: its configuration space and BARs
 * (size 0: absent or not a memory BAR; structures there are unusable). */
struct virtio_pci_view {
	u8 (*read8)(void *ctx, u16 off);
	u32 (*read32)(void *ctx, u16 off);
	void *ctx;
	u64 bar_size[6];
};

/*
 * Walk the capability list from cap_ptr (PCI 0x34) and take the first
 * usable instance of each structure (4.1.4: a reserved BAR, a structure
 * outside its BAR or a short capability is skipped, not fatal). 0 with
 * the common and notify structures found; -1 and why otherwise.
 */
int virtio_pci_walk(const struct virtio_pci_view *v, u8 cap_ptr, struct virtio_pci_layout *out,
		    const char **why);

/* The notify address's offset in its BAR for a queue (4.1.4.4), or -1
 * when the 2-byte write would fall outside the notify structure. */
s64 virtio_notify_offset(const struct virtio_pci_layout *l, u16 queue_notify_off);

/*
 * The features tern accepts of those offered (5.1.3, 6): VERSION_1 is
 * required; ACCESS_PLATFORM and ORDER_PLATFORM are taken when offered
 * (the spec asks it; tern's DMA addresses are valid either way, the host
 * domain maps RAM 1:1); MAC and STATUS when the device configuration is
 * long enough to hold them. 0 and why when the device cannot be driven.
 */
u64 virtio_net_choose_features(u64 offered, u32 device_cfg_len, const char **why);

/* ---- split virtqueue, driver side (2.6) ---- */

enum vring_used_rc {
	VRING_EMPTY = 0,
	VRING_GOT = 1,
	VRING_BAD_LEN = -1,		/* id is the caller's again, but the length is
					 * more than was posted: drop what it holds */
	VRING_BAD_ELEM = -2,		/* an id the device does not hold: skipped */
	VRING_BROKEN = -3,		/* more done than posted: stop using the queue */
};

/* Who holds a descriptor. */
enum vring_desc_state { VRD_FREE, VRD_HELD, VRD_POSTED };

struct vring {
	u16 size;			/* a power of two */
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	u16 avail_idx;			/* next available slot (published in avail->idx) */
	u16 used_idx;			/* next used entry to read */
	u16 nfree, nposted;
	u16 *free;			/* stack of free descriptors */
	u8 *state;			/* enum vring_desc_state, per descriptor */
	u32 *posted;			/* length given to the device */
	u64 bad;			/* used entries rejected */
};

/* Bytes one queue of `size` needs, and where its available and used rings
 * start from the descriptor table (each aligned as 2.6 asks). */
size_t vring_bytes(u16 size, size_t *avail_off, size_t *used_off);
/* mem: vring_bytes(size) bytes, zeroed here. -1: not a power of two in
 * [1, 32768], or no memory for the bookkeeping. */
int vring_init(struct vring *vr, void *mem, u16 size);
void vring_destroy(struct vring *vr);
/* A free descriptor, now the caller's (held); -1 when none is free. */
int vring_take(struct vring *vr);
/* A held descriptor back to the free ones. */
void vring_release(struct vring *vr, u16 id);
/* Hand a held descriptor (taken, or returned by vring_used) to the
 * device: one buffer, len > 0. Seen by the device after publish. false:
 * id is not held (a driver bug; nothing is posted). */
bool vring_post(struct vring *vr, u16 id, u64 addr, u32 len, bool device_writes);
/* Make the posted buffers visible (the available index, after them). */
void vring_publish(struct vring *vr);
/* After publish: whether the device asked to be notified (2.6.10). */
bool vring_kick_needed(struct vring *vr);
/* Ask the device not to interrupt for this queue (2.6.7, a hint). */
void vring_no_interrupts(struct vring *vr, bool off);
/*
 * The next buffer the device is done with: its descriptor (now the
 * caller's) and the bytes written, never more than were posted.
 */
enum vring_used_rc vring_used(struct vring *vr, u16 *id, u32 *len);
/* Descriptors the device holds. */
static inline u16 vring_in_flight(const struct vring *vr)
{
	return vr->nposted;
}

#endif
