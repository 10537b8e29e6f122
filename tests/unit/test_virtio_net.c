// SPDX-License-Identifier: GPL-2.0
/* tern's virtio driver, pure parts: the capability walk, the features,
 * the split ring against a fake device that writes what it likes. */
#include <stdlib.h>
#include <string.h>

#include "drivers/net/virtio_drv.h"
#include "tests/unit/suites.h"

/* ---- a fake configuration space ---- */

/* Room past 0xff so a test can lay a capability over the end; the
 * function's space stops at 0xff. */
static u8 cfg[256 + 32];

static u8 rd8(void *ctx, u16 off)
{
	(void)ctx;
	return off < 256 ? cfg[off] : 0xff;
}

static u32 rd32(void *ctx, u16 off)
{
	u32 v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | rd8(ctx, (u16)(off + i));
	return v;
}

static void put32(u16 off, u32 v)
{
	for (int i = 0; i < 4; i++)
		cfg[off + i] = (u8)(v >> (8 * i));
}

/* A virtio capability at p, linked to next. */
static void cap(u8 p, u8 next, u8 type, u8 bar, u32 off, u32 len, u8 caplen)
{
	cfg[p] = VIRTIO_PCI_CAP_VNDR;
	cfg[p + 1] = next;
	cfg[p + 2] = caplen;
	cfg[p + 3] = type;
	cfg[p + 4] = bar;
	put32((u16)(p + 8), off);
	put32((u16)(p + 12), len);
}

static struct virtio_pci_view view(void)
{
	struct virtio_pci_view v = { rd8, rd32, NULL, { 0 } };

	v.bar_size[1] = 0x1000;		/* MSI-X's BAR in QEMU */
	v.bar_size[4] = 0x4000;
	return v;
}

/* QEMU's layout: MSI-X first, then common, ISR, device, notify in BAR 4. */
static void qemu_like(void)
{
	memset(cfg, 0, sizeof(cfg));
	cfg[0x98] = 0x11;		/* MSI-X */
	cfg[0x99] = 0x84;
	cap(0x84, 0x70, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x0000, 0x1000, 16);
	cap(0x70, 0x60, VIRTIO_PCI_CAP_ISR_CFG, 4, 0x1000, 0x1000, 16);
	cap(0x60, 0x4c, VIRTIO_PCI_CAP_DEVICE_CFG, 4, 0x2000, 0x1000, 16);
	cap(0x4c, 0x00, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000, 20);
	put32(0x4c + 16, 4);
}

START_TEST(caps_qemu)
{
	struct virtio_pci_view v = view();
	struct virtio_pci_layout l;
	const char *why = "";

	qemu_like();
	ck_assert_int_eq(virtio_pci_walk(&v, 0x98, &l, &why), 0);
	ck_assert(l.common.found && l.notify.found && l.isr.found && l.device.found);
	ck_assert_uint_eq(l.common.bar, 4);
	ck_assert_uint_eq(l.notify.offset, 0x3000);
	ck_assert_uint_eq(l.device.offset, 0x2000);
	ck_assert_uint_eq(l.notify_mult, 4);
	ck_assert_int_eq(virtio_notify_offset(&l, 0), 0x3000);
	ck_assert_int_eq(virtio_notify_offset(&l, 1), 0x3004);
	ck_assert_int_eq(virtio_notify_offset(&l, 1023), 0x3ffc);
	ck_assert_int_eq(virtio_notify_offset(&l, 1024), -1);
	/* Multiplier 0: every queue notifies at the same address. */
	l.notify_mult = 0;
	ck_assert_int_eq(virtio_notify_offset(&l, 0xffff), 0x3000);
}
END_TEST

START_TEST(caps_skip_unusable)
{
	struct virtio_pci_view v = view();
	struct virtio_pci_layout l;
	const char *why = "";

	/* A common structure in a reserved BAR, then one past its BAR, then
	 * a short capability, then the usable one: the usable one is taken. */
	memset(cfg, 0, sizeof(cfg));
	cap(0x40, 0x54, VIRTIO_PCI_CAP_COMMON_CFG, 7, 0, 0x100, 16);
	cap(0x54, 0x68, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x3f00, 0x200, 16);
	cap(0x68, 0x7c, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x100, 12);
	cap(0x7c, 0x90, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x100, 0x38, 16);
	cap(0x90, 0xa4, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x200, 0x100, 16);
	/* A notify capability too short for its multiplier, then a good one;
	 * a notify structure in the BAR that is not memory (size 0). */
	cap(0xa4, 0xb8, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000, 16);
	cap(0xb8, 0xcc, VIRTIO_PCI_CAP_NOTIFY_CFG, 2, 0x3000, 0x1000, 20);
	cap(0xcc, 0x00, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000, 20);
	put32(0xcc + 16, 2);
	ck_assert_int_eq(virtio_pci_walk(&v, 0x40, &l, &why), 0);
	ck_assert_uint_eq(l.common.offset, 0x100);
	ck_assert_uint_eq(l.notify_mult, 2);
	ck_assert(!l.isr.found && !l.device.found);

	/* A common structure shorter than 1.0's. */
	memset(cfg, 0, sizeof(cfg));
	cap(0x40, 0x50, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x30, 16);
	cap(0x50, 0x00, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000, 20);
	ck_assert_int_eq(virtio_pci_walk(&v, 0x40, &l, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "common"));

	/* An offset + length that wraps 32 bits. */
	memset(cfg, 0, sizeof(cfg));
	cap(0x40, 0x50, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0xffffff00, 0x200, 16);
	cap(0x50, 0x00, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000, 20);
	ck_assert_int_eq(virtio_pci_walk(&v, 0x40, &l, &why), -1);
}
END_TEST

START_TEST(caps_bad_lists)
{
	struct virtio_pci_view v = view();
	struct virtio_pci_layout l;
	const char *why = "";

	/* A list that loops: the walk ends. */
	qemu_like();
	cfg[0x4d] = 0x84;
	ck_assert_int_eq(virtio_pci_walk(&v, 0x98, &l, &why), 0);
	/* No notify structure. */
	qemu_like();
	cfg[0x61] = 0;
	ck_assert_int_eq(virtio_pci_walk(&v, 0x98, &l, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "notify"));
	/* A capability running past config space; a pointer into the header. */
	memset(cfg, 0, sizeof(cfg));
	cap(0xf8, 0x00, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x100, 16);
	ck_assert_int_eq(virtio_pci_walk(&v, 0xf8, &l, &why), -1);
	ck_assert_int_eq(virtio_pci_walk(&v, 0x10, &l, &why), -1);
	ck_assert_int_eq(virtio_pci_walk(&v, 0, &l, &why), -1);
}
END_TEST

START_TEST(features)
{
	const char *why = "";
	u64 all = ~0ULL;

	ck_assert_uint_eq(virtio_net_choose_features(all & ~BIT(VIRTIO_F_VERSION_1), 64, &why), 0);
	ck_assert_ptr_nonnull(strstr(why, "VERSION_1"));
	ck_assert_uint_eq(virtio_net_choose_features(all, 64, &why),
			  BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_ACCESS_PLATFORM) |
			  BIT(VIRTIO_F_ORDER_PLATFORM) | BIT(VIRTIO_NET_F_MAC) |
			  BIT(VIRTIO_NET_F_STATUS));
	/* Only what is offered; MAC and STATUS only with room for them. */
	ck_assert_uint_eq(virtio_net_choose_features(BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_MAC), 64, &why),
			  BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_MAC));
	ck_assert_uint_eq(virtio_net_choose_features(all, 7, &why),
			  BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_ACCESS_PLATFORM) |
			  BIT(VIRTIO_F_ORDER_PLATFORM) | BIT(VIRTIO_NET_F_MAC));
	ck_assert_uint_eq(virtio_net_choose_features(all, 0, &why),
			  BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_ACCESS_PLATFORM) |
			  BIT(VIRTIO_F_ORDER_PLATFORM));
}
END_TEST

/* ---- the ring ---- */

static void *ring_mem(u16 size)
{
	size_t n = vring_bytes(size, NULL, NULL);
	void *m = aligned_alloc(4096, ALIGN_UP(n, 4096));

	memset(m, 0xa5, ALIGN_UP(n, 4096));	/* init must clear it */
	return m;
}

/* The device completes descriptor id with len bytes written. */
static void dev_done(struct vring *vr, u32 id, u32 len)
{
	u16 i = vr->used->idx;

	vr->used->ring[i & (vr->size - 1)].id = id;
	vr->used->ring[i & (vr->size - 1)].len = len;
	vr->used->idx = (u16)(i + 1);
}

START_TEST(ring_layout)
{
	size_t a, u;
	struct vring vr;
	void *m;

	ck_assert_uint_eq(vring_bytes(256, &a, &u), 4096 + 4 + 512 + 2 + 2 + 4 + 2048 + 2);
	ck_assert_uint_eq(a, 4096);
	ck_assert_uint_eq(u, 4096 + 520);
	ck_assert(IS_ALIGNED(u, VIRTQ_USED_ALIGN));
	vring_bytes(3 + 1, &a, &u);
	ck_assert(IS_ALIGNED(u, VIRTQ_USED_ALIGN));
	m = ring_mem(256);
	ck_assert_int_eq(vring_init(&vr, m, 0), -1);
	ck_assert_int_eq(vring_init(&vr, m, 6), -1);
	ck_assert_int_eq(vring_init(&vr, m, 256), 0);
	ck_assert_uint_eq(vr.avail->idx, 0);
	ck_assert_uint_eq(vr.used->idx, 0);
	ck_assert_uint_eq(vr.nfree, 256);
	vring_destroy(&vr);
	free(m);
}
END_TEST

START_TEST(ring_post_and_complete)
{
	struct vring vr;
	void *m = ring_mem(8);
	u16 id;
	u32 len;

	ck_assert_int_eq(vring_init(&vr, m, 8), 0);
	for (int i = 0; i < 8; i++) {
		ck_assert_int_eq(vring_take(&vr), i);
		ck_assert(vring_post(&vr, (u16)i, 0x100000 + i * 2048, 2048, true));
	}
	ck_assert_int_eq(vring_take(&vr), -1);
	ck_assert_uint_eq(vr.avail->idx, 0);	/* not yet published */
	vring_publish(&vr);
	ck_assert_uint_eq(vr.avail->idx, 8);
	ck_assert_uint_eq(vr.desc[3].addr, 0x100000 + 3 * 2048);
	ck_assert_uint_eq(vr.desc[3].flags, VIRTQ_DESC_F_WRITE);
	ck_assert_uint_eq(vr.avail->ring[5], 5);
	ck_assert_uint_eq(vring_in_flight(&vr), 8);

	ck_assert_int_eq(vring_used(&vr, &id, &len), VRING_EMPTY);
	/* Out of order, as a device may. */
	dev_done(&vr, 6, 60);
	dev_done(&vr, 2, 1526);
	ck_assert_int_eq(vring_used(&vr, &id, &len), VRING_GOT);
	ck_assert_uint_eq(id, 6);
	ck_assert_uint_eq(len, 60);
	ck_assert_int_eq(vring_used(&vr, &id, &len), VRING_GOT);
	ck_assert_uint_eq(id, 2);
	ck_assert_int_eq(vring_used(&vr, &id, &len), VRING_EMPTY);
	ck_assert_uint_eq(vring_in_flight(&vr), 6);
	/* Re-posted where the available ring goes on. */
	ck_assert(vring_post(&vr, 6, 0x100000 + 6 * 2048, 2048, true));
	vring_publish(&vr);
	ck_assert_uint_eq(vr.avail->ring[0], 6);
	ck_assert_uint_eq(vr.avail->idx, 9);
	/* Posting what is not held is refused. */
	ck_assert(!vring_post(&vr, 6, 0, 1, true));
	ck_assert(!vring_post(&vr, 8, 0, 1, true));
	ck_assert(!vring_post(&vr, 2, 0, 0, true));
	/* Released: free again, taken next. */
	vring_release(&vr, 2);
	vring_release(&vr, 2);
	ck_assert_uint_eq(vr.nfree, 1);
	ck_assert_int_eq(vring_take(&vr), 2);
	vring_destroy(&vr);
	free(m);
}
END_TEST

START_TEST(ring_device_lies)
{
	struct vring vr;
	void *m = ring_mem(8);
	u16 id;
	u32 len;

	ck_assert_int_eq(vring_init(&vr, m, 8), 0);
	for (int i = 0; i < 4; i++) {
		vring_take(&vr);
		vring_post(&vr, (u16)i, 0x1000 * (u64)i, 100, true);
	}
	vring_publish(&vr);
	/* An id past the table, then one never posted, then one twice. */
	dev_done(&vr, 9, 10);
	dev_done(&vr, 5, 10);
	dev_done(&vr, 1, 10);
	dev_done(&vr, 1, 10);
	ck_assert_int_eq(vring_used(&vr, &id, &len), VRING_BAD_ELEM);
	ck_assert_int_eq(vring_used(&vr, &id, &len), VRING_BAD_ELEM);
	ck_assert_int_eq(vring_used(&vr, &id, &len), VRING_GOT);
	ck_assert_uint_eq(id, 1);
	ck_assert_int_eq(vring_used(&vr, &id, &len), VRING_BAD_ELEM);
	ck_assert_uint_eq(vr.bad, 3);
	/* More written than posted: the descriptor comes back, no length. */
	dev_done(&vr, 3, 101);
	ck_assert_int_eq(vring_used(&vr, &id, &len), VRING_BAD_LEN);
	ck_assert_uint_eq(id, 3);
	ck_assert_uint_eq(len, 0);
	ck_assert(vring_post(&vr, 3, 0x3000, 100, true));
	/* An index far ahead of what was posted: broken, and stays so. */
	vr.used->idx = (u16)(vr.used->idx + 100);
	ck_assert_int_eq(vring_used(&vr, &id, &len), VRING_BROKEN);
	ck_assert_int_eq(vring_used(&vr, &id, &len), VRING_BROKEN);
	vring_destroy(&vr);
	free(m);
}
END_TEST

START_TEST(ring_wraps)
{
	struct vring vr;
	void *m = ring_mem(4);
	u16 id;
	u32 len;
	u32 done = 0;

	/* The 16-bit indices go round many times, transmit-style. */
	ck_assert_int_eq(vring_init(&vr, m, 4), 0);
	for (u32 n = 0; n < 200000; n++) {
		int d = vring_take(&vr);

		if (d < 0) {
			while (vring_used(&vr, &id, &len) == VRING_GOT) {
				ck_assert_uint_eq(len, 0);
				vring_release(&vr, id);
				done++;
			}
			d = vring_take(&vr);
		}
		ck_assert_int_ge(d, 0);
		ck_assert(vring_post(&vr, (u16)d, 0x1000, 60, false));
		vring_publish(&vr);
		ck_assert_uint_eq(vr.avail->idx, (u16)(n + 1));
		if (n % 3 == 0) {
			/* the device takes everything available */
			while ((u16)(vr.used->idx) != vr.avail->idx) {
				u16 slot = vr.used->idx & 3;

				dev_done(&vr, vr.avail->ring[slot], 0);
			}
		}
	}
	ck_assert_uint_gt(done, 190000);
	ck_assert_uint_eq(vr.bad, 0);
	vring_destroy(&vr);
	free(m);
}
END_TEST

START_TEST(ring_flags)
{
	struct vring vr;
	void *m = ring_mem(4);

	ck_assert_int_eq(vring_init(&vr, m, 4), 0);
	ck_assert(vring_kick_needed(&vr));
	vr.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	ck_assert(!vring_kick_needed(&vr));
	vring_no_interrupts(&vr, true);
	ck_assert_uint_eq(vr.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	vring_no_interrupts(&vr, false);
	ck_assert_uint_eq(vr.avail->flags, 0);
	vring_destroy(&vr);
	free(m);
}
END_TEST

Suite *virtio_net_suite(void)
{
	Suite *s = suite_create("virtio_net");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, caps_qemu);
	tcase_add_test(tc, caps_skip_unusable);
	tcase_add_test(tc, caps_bad_lists);
	tcase_add_test(tc, features);
	tcase_add_test(tc, ring_layout);
	tcase_add_test(tc, ring_post_and_complete);
	tcase_add_test(tc, ring_device_lies);
	tcase_add_test(tc, ring_wraps);
	tcase_add_test(tc, ring_flags);
	/* ring_wraps runs 200,000 descriptors through the ring (the 16-bit
	 * indices wrap three times): about 3 s under ASan and UBSan, past
	 * Check's 4 s default on a loaded machine. */
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
