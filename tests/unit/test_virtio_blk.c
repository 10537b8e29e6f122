// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>

#include "core/vdev/virtio/virtio_blk.h"
#include "tests/unit/fake_guest.h"
#include "tests/unit/suites.h"

/* Host-physical = guest-physical + HPA_OFF in this fake. */
#define HPA_OFF		0x7000000000ULL
#define DISK_BLOCKS	256			/* of 512 bytes: 128 KiB */
#define DESC		0x100000ULL
#define AVAIL		0x101000ULL
#define USED		0x102000ULL
#define HDR		0x104000ULL
#define STATUS		0x105000ULL
#define DATA		0x140000ULL

static struct vblk *b;
static struct blk_dev disk;
static u8 disk_data[DISK_BLOCKS * 512];
static struct blk_req *submitted[16];
static int nsub;
static int pins[FG_SIZE / PAGE_SIZE];
static int msis, intx_level, intx_edges;

/* A vIOMMU of the caller's, when xlate_off is set: device address =
 * guest-physical + xlate_off, and the page at ro_iova is read-only. */
static u64 xlate_off, ro_iova;
static int pin_writes, pin_reads;

/* A page not at hand (an overcommitted VM's, being read back). */
static u64 again_page = ~0ULL;

static int t_pin(struct vblk *v, u64 addr, u32 flags, u64 *hpa, u64 *pinned)
{
	u64 gpa = addr - xlate_off;
	bool write = flags & VBLK_PIN_WRITE;

	ck_assert(!(addr & (PAGE_SIZE - 1)));
	if (gpa == again_page)
		return -EAGAIN;
	if (xlate_off && write && addr == ro_iova)
		return -EFAULT;
	if (gpa < FG_BASE || gpa >= FG_BASE + FG_SIZE)
		return -EFAULT;
	pins[(gpa - FG_BASE) / PAGE_SIZE]++;
	*hpa = gpa + HPA_OFF;
	*pinned = gpa;
	if (write)
		pin_writes++;
	else
		pin_reads++;
	return 0;
}

/* The queue's accessors: the fake RAM's, and with a translation on the
 * data's device addresses pass the buffer check, as the unit's accessors
 * let any address its vIOMMU may translate pass (the pin decides). */
static bool t_is_ram(void *ctx, u64 gpa, u64 len)
{
	if (xlate_off && gpa >= xlate_off + FG_BASE && gpa + len <= xlate_off + FG_BASE + FG_SIZE)
		return true;
	return fg_mem.is_ram(ctx, gpa, len);
}

static bool t_read(void *ctx, u64 gpa, void *buf, u32 len)
{
	if ((gpa & PAGE_MASK) == again_page) {
		b->vp.vq[0].again = true;
		return false;
	}
	return fg_mem.read(ctx, gpa, buf, len);
}

static bool t_write(void *ctx, u64 gpa, const void *buf, u32 len)
{
	return fg_mem.write(ctx, gpa, buf, len);
}

static const struct vq_mem_ops t_mem = { t_is_ram, t_read, t_write };

static void t_unpin(struct vblk *v, u64 gpa)
{
	ck_assert_int_gt(pins[(gpa - FG_BASE) / PAGE_SIZE]--, 0);
}

static void t_submit(struct vblk *v, struct blk_req *r)
{
	ck_assert_int_lt(nsub, 16);
	submitted[nsub++] = r;
}

static void t_msi(struct vblk *v, u32 lo, u32 hi, u32 data)
{
	msis++;
}

static void t_intx(struct vblk *v, bool level)
{
	intx_level = level;
	intx_edges += level;
}

static const struct vblk_ops ops = {
	.pin = t_pin, .unpin = t_unpin, .submit = t_submit, .msi = t_msi, .intx = t_intx,
};

/* The Swap Mapper's hooks: a write to a block waits while it is held. */
static u64 filled_page[8], filled_block[8], held_block = ~0ULL;
static int nfilled, settles;

static int t_settle(struct vblk *v, u64 block, u32 n)
{
	settles++;
	return held_block >= block && held_block < block + n ? -EAGAIN : 0;
}

static void t_filled(struct vblk *v, u64 pinned, u64 block)
{
	ck_assert_int_lt(nfilled, 8);
	filled_page[nfilled] = pinned;
	filled_block[nfilled++] = block;
}

static const struct vblk_ops mapper_ops = {
	.pin = t_pin, .unpin = t_unpin, .submit = t_submit, .msi = t_msi, .intx = t_intx,
	.settle = t_settle, .filled = t_filled,
};

static int pinned(void)
{
	int n = 0;

	for (u32 i = 0; i < FG_SIZE / PAGE_SIZE; i++)
		n += pins[i];
	return n;
}

/* The fake disk does r: data between its blocks and the segments. */
static void host_complete(struct blk_req *r, int status)
{
	u64 at = r->lba * disk.block_size;

	if (!status && r->op != BLK_FLUSH) {
		for (u32 i = 0; i < r->nsegs; i++) {
			u8 *g = fg(r->segs[i].pa - HPA_OFF);

			if (r->op == BLK_READ)
				memcpy(g, disk_data + at, r->segs[i].len);
			else
				memcpy(disk_data + at, g, r->segs[i].len);
			at += r->segs[i].len;
		}
		ck_assert_uint_eq(at, (r->lba + r->count) * disk.block_size);
	}
	r->status = status;
	vblk_host_done(r);
}

static u32 bar_read(u64 off, u32 size)
{
	u64 v = 0;

	ck_assert(virtio_pci_bar_rw(&b->vp, off, size, false, &v));
	return (u32)v;
}

static void bar_write(u64 off, u32 size, u64 v)
{
	ck_assert(virtio_pci_bar_rw(&b->vp, off, size, true, &v));
}

/* A device for a disk of block size bs, read-only or not, set up the way
 * Linux's virtio_pci_modern and virtio_blk drivers do it. */
static void setup_dev(u32 bs, bool ro, bool msix)
{
	u8 tmpl[256];
	u64 sizes[VPA_BARS], f;
	const char *why;

	memset(fg_ram, 0, sizeof(fg_ram));
	memset(pins, 0, sizeof(pins));
	xlate_off = ro_iova = 0;
	again_page = held_block = ~0ULL;
	nfilled = settles = 0;
	pin_writes = pin_reads = 0;
	nsub = msis = intx_level = intx_edges = 0;
	for (u32 i = 0; i < sizeof(disk_data); i++)
		disk_data[i] = (u8)(i * 7 + i / 512);
	memset(&disk, 0, sizeof(disk));
	strcpy(disk.name, "ata0p2");
	disk.block_size = bs;
	disk.nblocks = DISK_BLOCKS * 512 / bs;
	free(b);
	b = calloc(1, sizeof(*b));
	b->ops = &ops;
	ck_assert_int_eq(vblk_init(b, &disk, ro, true, "tern-ata0p2", &t_mem, NULL, tmpl, sizes,
				   &why), 0);
	vpa_init(&b->vp.emul.cfg, tmpl, sizes);
	b->vp.emul.ctx = &b->vp;
	ck_assert_uint_eq(rd16(tmpl + 2), 0x1042);
	ck_assert_uint_eq(tmpl[8], 1);
	ck_assert_uint_eq(sizes[0], VP_BAR_SIZE);
	ck_assert_uint_eq(b->vp.emul.cfg.msix_cap, VP_CAP_MSIX);

	/* Status protocol (3.1.1) and feature negotiation. */
	ck_assert_uint_eq(bar_read(VPC_STATUS, 1), 0);
	bar_write(VPC_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	bar_write(VPC_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	bar_write(VPC_DFSELECT, 4, 0);
	f = bar_read(VPC_DF, 4);
	bar_write(VPC_DFSELECT, 4, 1);
	f |= (u64)bar_read(VPC_DF, 4) << 32;
	ck_assert(f & BIT(VIRTIO_F_VERSION_1));
	ck_assert(f & BIT(VIRTIO_F_ACCESS_PLATFORM));
	ck_assert(f & BIT(VIRTIO_BLK_F_BLK_SIZE));
	ck_assert(f & BIT(VIRTIO_BLK_F_FLUSH));
	ck_assert(!(f & BIT(VIRTIO_F_EVENT_IDX)));
	ck_assert_uint_eq(!!(f & BIT(VIRTIO_BLK_F_RO)), ro);
	bar_write(VPC_GFSELECT, 4, 0);
	bar_write(VPC_GF, 4, (u32)f);
	bar_write(VPC_GFSELECT, 4, 1);
	bar_write(VPC_GF, 4, f >> 32);
	bar_write(VPC_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		  VIRTIO_STATUS_FEATURES_OK);
	ck_assert(bar_read(VPC_STATUS, 1) & VIRTIO_STATUS_FEATURES_OK);
	if (msix) {
		b->vp.emul.cfg.msix_ctrl = 0x8000;
		virtio_pci_config_changed(&b->vp);
		bar_write(VPC_MSIX_CONFIG, 2, 0);
		ck_assert_uint_eq(bar_read(VPC_MSIX_CONFIG, 2), 0);
		/* Entries unmasked with a message. */
		for (u32 v = 0; v < VBLK_NVEC; v++) {
			bar_write(VP_MSIX_TABLE_OFF + 16 * v, 4, 0xfee00000);
			bar_write(VP_MSIX_TABLE_OFF + 16 * v + 8, 4, 0x40 + v);
			bar_write(VP_MSIX_TABLE_OFF + 16 * v + 12, 4, 0);
		}
	}
	/* The queue (4.1.5.1.3). */
	bar_write(VPC_Q_SELECT, 2, 0);
	ck_assert_uint_eq(bar_read(VPC_Q_SIZE, 2), VBLK_QUEUE_SIZE);
	ck_assert_uint_eq(bar_read(VPC_Q_ENABLE, 2), 0);
	bar_write(VPC_Q_SIZE, 2, 16);
	bar_write(VPC_Q_DESC, 4, (u32)DESC);
	bar_write(VPC_Q_DESC + 4, 4, 0);
	bar_write(VPC_Q_DRIVER, 4, (u32)AVAIL);
	bar_write(VPC_Q_DRIVER + 4, 4, 0);
	bar_write(VPC_Q_DEVICE, 4, (u32)USED);
	bar_write(VPC_Q_DEVICE + 4, 4, 0);
	if (msix) {
		bar_write(VPC_Q_MSIX, 2, 1);
		ck_assert_uint_eq(bar_read(VPC_Q_MSIX, 2), 1);
	}
	ck_assert_uint_eq(bar_read(VPC_Q_NOTIFY_OFF, 2), 0);
	bar_write(VPC_Q_ENABLE, 2, 1);
	ck_assert_uint_eq(bar_read(VPC_Q_ENABLE, 2), 1);
	bar_write(VPC_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		  VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	ck_assert(virtio_pci_live(&b->vp));
}

static u16 avail_idx;

/* A request: header at HDR (type, sector), data buffers, status at STATUS
 * (slot s: its own header/status, descriptors 4s..4s+3). */
static void request(u32 s, u32 type, u64 sector, u64 data, u32 len, bool dev_writes)
{
	u16 d = (u16)(4 * s);
	u64 hdr = HDR + 32 * s, st = STATUS + s;

	put32(fg(hdr), type);
	put32(fg(hdr + 4), 0);
	put64(fg(hdr + 8), sector);
	*fg(st) = 0xff;
	fg_desc(DESC, d, hdr, 16, VIRTQ_DESC_F_NEXT, (u16)(d + (len ? 1 : 2)));
	if (len)
		fg_desc(DESC, d + 1, data, len, VIRTQ_DESC_F_NEXT | (dev_writes ? VIRTQ_DESC_F_WRITE : 0),
			(u16)(d + 2));
	fg_desc(DESC, d + 2, st, 1, VIRTQ_DESC_F_WRITE, 0);
	put16(fg(AVAIL + 4 + 2 * (avail_idx % 16)), d);
	avail_idx++;
	put16(fg(AVAIL + 2), avail_idx);
}

static void kick(void)
{
	bar_write(VP_NOTIFY_OFF, 2, 0);
}

static u16 used_idx(void)
{
	return rd16(fg(USED + 2));
}

static void begin(u32 bs, bool ro, bool msix)
{
	avail_idx = 0;
	setup_dev(bs, ro, msix);
}

START_TEST(config_space)
{
	begin(512, false, false);
	ck_assert_uint_eq(bar_read(VP_DEVICE_OFF + VBLK_CFG_CAPACITY, 4), DISK_BLOCKS);
	ck_assert_uint_eq(bar_read(VP_DEVICE_OFF + VBLK_CFG_CAPACITY + 4, 4), 0);
	ck_assert_uint_eq(bar_read(VP_DEVICE_OFF + VBLK_CFG_BLK_SIZE, 4), 4096);
	ck_assert_uint_eq(bar_read(VP_DEVICE_OFF + VBLK_CFG_SEG_MAX, 4), BLK_SEGS_MAX / 2);
	ck_assert_uint_eq(bar_read(VP_DEVICE_OFF + VBLK_CFG_SIZE_MAX, 4), 4096);
	ck_assert_uint_eq(bar_read(VPC_NUM_QUEUES, 2), 1);
}
END_TEST

START_TEST(read_data_checked)
{
	u64 data = DATA + 0x800;		/* unaligned: 3 guest pages */

	begin(512, false, false);
	request(0, VIRTIO_BLK_T_IN, 16, data, 8192, true);
	kick();
	ck_assert_int_eq(nsub, 1);
	ck_assert_int_eq(submitted[0]->op, BLK_READ);
	ck_assert_uint_eq(submitted[0]->lba, 16);
	ck_assert_uint_eq(submitted[0]->count, 16);
	ck_assert_uint_eq(submitted[0]->nsegs, 3);	/* one per guest page */
	ck_assert_uint_eq(submitted[0]->segs[0].pa, data + HPA_OFF);
	ck_assert_uint_eq(submitted[0]->segs[0].len, 0x800);
	ck_assert_uint_eq(submitted[0]->segs[1].pa, DATA + 0x1000 + HPA_OFF);
	ck_assert_uint_eq(submitted[0]->segs[1].len, 0x1000);
	ck_assert_uint_eq(submitted[0]->segs[2].len, 0x800);
	ck_assert_int_eq(pinned(), 3);
	ck_assert_uint_eq(used_idx(), 0);		/* not before the host is done */
	host_complete(submitted[0], 0);
	ck_assert(!memcmp(fg(data), disk_data + 16 * 512, 8192));
	ck_assert_uint_eq(*fg(STATUS), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(used_idx(), 1);
	ck_assert_uint_eq(rd32(fg(USED + 8)), 8193);	/* data and status written */
	ck_assert_int_eq(pinned(), 0);
	ck_assert_int_eq(intx_level, 1);		/* INTx until the ISR is read */
	ck_assert_uint_eq(bar_read(VP_ISR_OFF, 1), VIRTIO_ISR_QUEUE);
	ck_assert_int_eq(intx_level, 0);
	ck_assert_uint_eq(bar_read(VP_ISR_OFF, 1), 0);
	ck_assert_uint_eq(b->requests[VBLK_IN], 1);
	ck_assert_uint_eq(b->bytes_read, 8192);
	ck_assert_uint_eq(b->vp.notifies, 1);
}
END_TEST

START_TEST(write_4k_host_blocks)
{
	begin(4096, false, true);
	memset(fg(DATA), 0x5a, 4096);
	request(0, VIRTIO_BLK_T_OUT, 24, DATA, 4096, false);
	kick();
	ck_assert_int_eq(nsub, 1);
	ck_assert_int_eq(submitted[0]->op, BLK_WRITE);
	ck_assert_uint_eq(submitted[0]->lba, 3);	/* sector 24 is 4 KiB block 3 */
	ck_assert_uint_eq(submitted[0]->count, 1);
	host_complete(submitted[0], 0);
	for (u32 i = 0; i < 4096; i++)
		ck_assert_uint_eq(disk_data[3 * 4096 + i], 0x5a);
	ck_assert_uint_eq(*fg(STATUS), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(rd32(fg(USED + 8)), 1);	/* only the status written */
	ck_assert_int_eq(msis, 1);			/* MSI-X, not INTx */
	ck_assert_int_eq(intx_edges, 0);
	ck_assert_uint_eq(b->bytes_written, 4096);
}
END_TEST

START_TEST(flush_after_host_flush)
{
	begin(512, false, false);
	request(0, VIRTIO_BLK_T_OUT, 0, DATA, 4096, false);
	request(1, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	kick();
	ck_assert_int_eq(nsub, 2);
	ck_assert_int_eq(submitted[1]->op, BLK_FLUSH);
	host_complete(submitted[0], 0);
	ck_assert_uint_eq(used_idx(), 1);
	ck_assert_uint_eq(*fg(STATUS + 1), 0xff);	/* the flush is not answered yet */
	host_complete(submitted[1], 0);
	ck_assert_uint_eq(used_idx(), 2);
	ck_assert_uint_eq(*fg(STATUS + 1), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(b->requests[VBLK_FLUSH], 1);
	ck_assert_uint_eq(b->host_ops, 2);
}
END_TEST

/* Answered IOERR without a host request. */
static void refused(u32 type, u64 sector, u32 len)
{
	u16 before = used_idx();

	request(0, type, sector, DATA, len, type == VIRTIO_BLK_T_IN);
	kick();
	ck_assert_int_eq(nsub, 0);
	ck_assert_uint_eq(used_idx(), (u16)(before + 1));
	ck_assert_uint_eq(*fg(STATUS), VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(pinned(), 0);
}

START_TEST(past_the_end)
{
	begin(512, false, false);
	refused(VIRTIO_BLK_T_IN, DISK_BLOCKS, 4096);
	refused(VIRTIO_BLK_T_OUT, DISK_BLOCKS - 8, 8192);
	refused(VIRTIO_BLK_T_IN, ~0ULL - 7, 4096);		/* wraps */
	ck_assert_uint_eq(b->refused, 3);
	request(0, VIRTIO_BLK_T_IN, DISK_BLOCKS - 8, DATA, 4096, true);	/* the last block */
	kick();
	ck_assert_int_eq(nsub, 1);
}
END_TEST

START_TEST(read_only)
{
	begin(512, true, false);
	refused(VIRTIO_BLK_T_OUT, 0, 4096);
	request(0, VIRTIO_BLK_T_IN, 0, DATA, 4096, true);
	kick();
	ck_assert_int_eq(nsub, 1);
}
END_TEST

START_TEST(misaligned)
{
	begin(512, false, false);
	refused(VIRTIO_BLK_T_IN, 1, 4096);
	refused(VIRTIO_BLK_T_OUT, 8, 512);
	ck_assert_uint_eq(b->ioerr, 2);
}
END_TEST

START_TEST(host_error_and_timeout)
{
	begin(512, false, false);
	request(0, VIRTIO_BLK_T_IN, 0, DATA, 4096, true);
	request(1, VIRTIO_BLK_T_OUT, 8, DATA + 0x1000, 4096, false);
	kick();
	ck_assert_int_eq(nsub, 2);
	host_complete(submitted[0], -EIO);
	host_complete(submitted[1], -ETIMEDOUT);
	ck_assert_uint_eq(*fg(STATUS), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(*fg(STATUS + 1), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(b->host_errors, 2);
	ck_assert_uint_eq(b->host_timeouts, 1);
	ck_assert_int_eq(pinned(), 0);
}
END_TEST

START_TEST(get_id_and_unsupported)
{
	begin(512, false, false);
	request(0, VIRTIO_BLK_T_GET_ID, 0, DATA, VIRTIO_BLK_ID_BYTES, true);
	request(1, 11 /* DISCARD, not offered */, 0, DATA + 0x100, 16, false);
	kick();
	ck_assert_int_eq(nsub, 0);
	ck_assert_str_eq((char *)fg(DATA), "tern-ata0p2");
	ck_assert_uint_eq(*fg(STATUS), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(*fg(STATUS + 1), VIRTIO_BLK_S_UNSUPP);
	ck_assert_uint_eq(used_idx(), 2);
}
END_TEST

/* An overcommitted VM's pages not at hand: the request (or the pop) is
 * deferred with nothing left pinned or submitted, later ones wait behind
 * it, and vblk_retry takes it again once the page is there; counted once.
 * A write waits while a page still holds its block's old content; a read
 * reports the pages it filled whole with their blocks, the status byte's
 * page pinned too. */
START_TEST(deferred_until_at_hand)
{
	begin(512, false, false);
	b->ops = &mapper_ops;
	b->pin_status = true;
	/* The data's second page is on disk. */
	again_page = DATA + 0x1000;
	request(0, VIRTIO_BLK_T_IN, 16, DATA, 8192, true);
	request(1, VIRTIO_BLK_T_IN, 0, DATA + 0x4000, 4096, true);
	kick();
	ck_assert_int_eq(nsub, 0);
	ck_assert_int_eq(pinned(), 0);
	ck_assert(vblk_wants_retry(b));
	ck_assert_uint_eq(b->requests[VBLK_IN], 0);
	vblk_retry(b);				/* still not there */
	ck_assert_int_eq(nsub, 0);
	ck_assert_uint_eq(b->deferrals, 2);
	again_page = ~0ULL;
	vblk_retry(b);
	ck_assert(!vblk_wants_retry(b));
	ck_assert_int_eq(nsub, 2);
	ck_assert_uint_eq(submitted[0]->lba, 16);	/* in order */
	ck_assert_uint_eq(b->requests[VBLK_IN], 2);
	ck_assert_int_eq(pinned(), 2 + 1 + 1 + 1);	/* data and status pages */
	host_complete(submitted[0], 0);
	ck_assert(!memcmp(fg(DATA), disk_data + 16 * 512, 8192));
	ck_assert_int_eq(nfilled, 2);
	ck_assert_uint_eq(filled_page[0], DATA);
	ck_assert_uint_eq(filled_block[0], 2);		/* sector 16 */
	ck_assert_uint_eq(filled_block[1], 3);
	host_complete(submitted[1], 0);
	ck_assert_int_eq(pinned(), 0);
	ck_assert_uint_eq(used_idx(), 2);
	/* The header itself not at hand: the pop's reads are deferred. */
	again_page = HDR;
	request(2, VIRTIO_BLK_T_IN, 0, DATA, 4096, true);
	kick();
	ck_assert_int_eq(nsub, 2);
	ck_assert(vblk_wants_retry(b));
	ck_assert(!b->vp.vq[0].broken);
	again_page = ~0ULL;
	vblk_retry(b);
	ck_assert_int_eq(nsub, 3);
	host_complete(submitted[2], 0);
	/* A write to block 5 while a page holds it: held back. */
	held_block = 5;
	request(3, VIRTIO_BLK_T_OUT, 40, DATA, 4096, false);
	kick();
	ck_assert_int_eq(nsub, 3);
	held_block = ~0ULL;
	vblk_retry(b);
	ck_assert_int_eq(nsub, 4);
	ck_assert_int_eq(submitted[3]->op, BLK_WRITE);
	host_complete(submitted[3], 0);
	/* The written page holds block 5 now (sector 40), reported once the
	 * write is done. */
	ck_assert_int_eq(nfilled, 5);
	ck_assert_uint_eq(filled_page[4], DATA);
	ck_assert_uint_eq(filled_block[4], 5);
	ck_assert_uint_eq(b->requests[VBLK_OUT], 1);
	ck_assert_int_eq(pinned(), 0);
	ck_assert_uint_eq(used_idx(), 4);
}
END_TEST

START_TEST(shared_page_pins_counted)
{
	begin(512, false, false);
	request(0, VIRTIO_BLK_T_IN, 0, DATA + 0x800, 4096, true);
	request(1, VIRTIO_BLK_T_IN, 8, DATA + 0x1800, 4096, true);
	kick();
	ck_assert_int_eq(nsub, 2);
	ck_assert_int_eq(pins[(DATA + 0x1000 - FG_BASE) / PAGE_SIZE], 2);
	host_complete(submitted[0], 0);
	ck_assert_int_eq(pins[(DATA + 0x1000 - FG_BASE) / PAGE_SIZE], 1);	/* still the other's */
	host_complete(submitted[1], 0);
	ck_assert_int_eq(pinned(), 0);
}
END_TEST

/* Through a translation: the data's device addresses become other guest
 * pages, the direction reaches the pin (a read request's data is
 * written), unpins get the pinned page back, and a refused page (a
 * write to a read-only mapping) fails the request alone with IOERR. */
START_TEST(translated_pins)
{
	const u64 off = 0x40000000ULL;

	begin(512, false, false);
	memcpy(disk_data + 8 * 512, "translated", 10);
	xlate_off = off;
	/* Only the data goes through the caller's pin: rings and header are
	 * the fake memory's (its accessors stand for the translation). */
	request(0, VIRTIO_BLK_T_IN, 8, off + DATA, 4096, true);
	kick();
	ck_assert_int_eq(nsub, 1);
	ck_assert_int_eq(pin_writes, 1);
	ck_assert_int_eq(pins[(DATA - FG_BASE) / PAGE_SIZE], 1);
	ck_assert_uint_eq(submitted[0]->segs[0].pa, DATA + HPA_OFF);
	host_complete(submitted[0], 0);
	ck_assert_int_eq(pinned(), 0);
	ck_assert(!memcmp(fg(DATA), "translated", 10));
	ck_assert_uint_eq(*fg(STATUS), VIRTIO_BLK_S_OK);
	/* A write request reads its data: read permission is enough. */
	request(1, VIRTIO_BLK_T_OUT, 16, off + DATA, 4096, false);
	kick();
	ck_assert_int_eq(nsub, 2);
	ck_assert_int_eq(pin_reads, 1);
	host_complete(submitted[1], 0);
	ck_assert_uint_eq(*fg(STATUS + 1), VIRTIO_BLK_S_OK);
	/* A read into a read-only page: refused, IOERR, nothing left pinned,
	 * the queue goes on. */
	ro_iova = off + DATA + 0x1000;
	request(2, VIRTIO_BLK_T_IN, 0, off + DATA + 0x800, 4096, true);
	kick();
	ck_assert_int_eq(nsub, 2);
	ck_assert_uint_eq(*fg(STATUS + 2), VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(pinned(), 0);
	ck_assert_uint_eq(b->refused, 1);
	ck_assert_uint_eq(used_idx(), 3);
	ck_assert(!(b->vp.status & VIRTIO_STATUS_NEEDS_RESET));
}
END_TEST

START_TEST(reset_waits_for_host)
{
	begin(512, false, false);
	request(0, VIRTIO_BLK_T_IN, 0, DATA, 4096, true);
	kick();
	bar_write(VPC_STATUS, 1, 0);
	ck_assert_uint_ne(bar_read(VPC_STATUS, 1), 0);	/* not done while DMA may land */
	host_complete(submitted[0], 0);
	ck_assert_uint_eq(bar_read(VPC_STATUS, 1), 0);
	ck_assert_uint_eq(used_idx(), 0);		/* the old ring is not written */
	ck_assert_int_eq(pinned(), 0);
	ck_assert_uint_eq(bar_read(VPC_Q_ENABLE, 2), 0);
	ck_assert_uint_eq(b->vp.resets, 1);
}
END_TEST

START_TEST(malformed_chain_needs_reset)
{
	begin(512, false, true);
	fg_desc(DESC, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 0);	/* loops on itself */
	put16(fg(AVAIL + 4), 0);
	put16(fg(AVAIL + 2), 1);
	kick();
	ck_assert(bar_read(VPC_STATUS, 1) & VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_int_eq(msis, 1);			/* the config vector */
	ck_assert_int_eq(nsub, 0);
}
END_TEST

START_TEST(transport_rules)
{
	begin(512, false, true);
	/* Vectors past the table read back as none (4.1.4.3.2). */
	bar_write(VPC_MSIX_CONFIG, 2, 7);
	ck_assert_uint_eq(bar_read(VPC_MSIX_CONFIG, 2), VIRTIO_MSI_NO_VECTOR);
	/* A masked vector holds the interrupt as a pending bit. */
	bar_write(VP_MSIX_TABLE_OFF + 16 + 12, 4, 1);
	request(0, VIRTIO_BLK_T_GET_ID, 0, DATA, 20, true);
	kick();
	ck_assert_int_eq(msis, 0);
	ck_assert_uint_eq(bar_read(VP_MSIX_PBA_OFF, 4), 2);
	bar_write(VP_MSIX_TABLE_OFF + 16 + 12, 4, 0);
	ck_assert_int_eq(msis, 1);
	ck_assert_uint_eq(bar_read(VP_MSIX_PBA_OFF, 4), 0);
	/* The queue's registers are fixed while it runs. */
	bar_write(VPC_Q_SIZE, 2, 8);
	ck_assert_uint_eq(bar_read(VPC_Q_SIZE, 2), 16);
	/* A reset, then features without VERSION_1: FEATURES_OK refused. */
	bar_write(VPC_STATUS, 1, 0);
	ck_assert_uint_eq(bar_read(VPC_STATUS, 1), 0);
	bar_write(VPC_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	bar_write(VPC_GFSELECT, 4, 0);
	bar_write(VPC_GF, 4, BIT(VIRTIO_BLK_F_FLUSH));
	bar_write(VPC_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		  VIRTIO_STATUS_FEATURES_OK);
	ck_assert(!(bar_read(VPC_STATUS, 1) & VIRTIO_STATUS_FEATURES_OK));
	/* A queue that does not exist has size 0. */
	bar_write(VPC_Q_SELECT, 2, 1);
	ck_assert_uint_eq(bar_read(VPC_Q_SIZE, 2), 0);
}
END_TEST

START_TEST(intx_disabled_by_guest)
{
	begin(512, false, false);
	b->vp.emul.cfg.command |= PCI_CMD_INTX_DISABLE;
	virtio_pci_config_changed(&b->vp);
	request(0, VIRTIO_BLK_T_GET_ID, 0, DATA, 20, true);
	kick();
	ck_assert_int_eq(intx_level, 0);
	ck_assert(b->vp.emul.cfg.phys[PCI_STATUS] & BIT(3));	/* Interrupt Status shows it */
	b->vp.emul.cfg.command &= (u16)~PCI_CMD_INTX_DISABLE;
	virtio_pci_config_changed(&b->vp);
	ck_assert_int_eq(intx_level, 1);
}
END_TEST

Suite *virtio_blk_suite(void)
{
	Suite *s = suite_create("virtio_blk");
	TCase *tc = tcase_create("requests");

	tcase_add_test(tc, config_space);
	tcase_add_test(tc, read_data_checked);
	tcase_add_test(tc, write_4k_host_blocks);
	tcase_add_test(tc, flush_after_host_flush);
	tcase_add_test(tc, past_the_end);
	tcase_add_test(tc, read_only);
	tcase_add_test(tc, misaligned);
	tcase_add_test(tc, host_error_and_timeout);
	tcase_add_test(tc, get_id_and_unsupported);
	tcase_add_test(tc, shared_page_pins_counted);
	tcase_add_test(tc, deferred_until_at_hand);
	tcase_add_test(tc, translated_pins);
	tcase_add_test(tc, reset_waits_for_host);
	tcase_add_test(tc, malformed_chain_needs_reset);
	tcase_add_test(tc, transport_rules);
	tcase_add_test(tc, intx_disabled_by_guest);
	suite_add_tcase(s, tc);
	return s;
}
