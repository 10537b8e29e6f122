// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/le.h"
#include "core/vdev/virtio/virtio_pci.h"

#define CAP_ID_VNDR		0x09
#define CAP_ID_MSIX		0x11
#define MSIX_CTRL_ENABLE	BIT(15)
#define MSIX_CTRL_MASKALL	BIT(14)
#define PCI_STATUS_CAP_LIST	BIT(4)
#define PCI_STATUS_INTX		BIT(3)

static void cap(u8 *t, u8 at, u8 next, u8 len, u8 type, u32 off, u32 length)
{
	t[at] = CAP_ID_VNDR;
	t[at + 1] = next;
	t[at + 2] = len;
	t[at + VIRTIO_PCI_CAP_CFG_TYPE] = type;
	t[at + VIRTIO_PCI_CAP_BAR] = VP_BAR;
	put32(t + at + VIRTIO_PCI_CAP_OFFSET, off);
	put32(t + at + VIRTIO_PCI_CAP_LENGTH, length);
}

static void reset_state(struct virtio_pci *vp)
{
	vp->guest_features = 0;
	vp->dfselect = vp->gfselect = 0;
	vp->msix_config = VIRTIO_MSI_NO_VECTOR;
	vp->status = 0;
	vp->isr = 0;
	vp->queue_select = 0;
	vp->msix_pending = 0;
	vp->reset_pending = false;
	for (u32 i = 0; i < VP_QUEUES_MAX; i++)
		vq_reset(&vp->vq[i], i < vp->nqueues ? vp->queue_max : 0);
}

void virtio_pci_init(struct virtio_pci *vp, u8 *t, u64 *bar_sizes)
{
	memset(t, 0, 256);
	put16(t + 0x00, VIRTIO_PCI_VENDOR);
	put16(t + 0x02, (u16)(VIRTIO_PCI_DEVICE_BASE + vp->type));
	put16(t + 0x06, PCI_STATUS_CAP_LIST);
	t[0x08] = VIRTIO_PCI_REVISION;
	t[0x0b] = 0x01;			/* mass storage (SCSI, as QEMU's) */
	put16(t + 0x2c, VIRTIO_PCI_VENDOR);
	put16(t + 0x2e, VIRTIO_PCI_SUBSYS);
	t[0x34] = VP_CAP_COMMON;
	t[0x3d] = vp->has_intx ? 1 : 0;	/* INTA */
	/* BAR0: 32-bit memory, not prefetchable (its registers have side
	 * effects); template bits 0. */
	for (int i = 0; i < VPA_BARS; i++)
		bar_sizes[i] = 0;
	bar_sizes[VP_BAR] = VP_BAR_SIZE;
	cap(t, VP_CAP_COMMON, VP_CAP_NOTIFY, VIRTIO_PCI_CAP_LEN, VIRTIO_PCI_CAP_COMMON_CFG,
	    VP_COMMON_OFF, VPC_SIZE);
	cap(t, VP_CAP_NOTIFY, VP_CAP_ISR, VIRTIO_PCI_NOTIFY_CAP_LEN, VIRTIO_PCI_CAP_NOTIFY_CFG,
	    VP_NOTIFY_OFF, VP_NOTIFY_MULT * vp->nqueues);
	put32(t + VP_CAP_NOTIFY + VIRTIO_PCI_CAP_MULT, VP_NOTIFY_MULT);
	cap(t, VP_CAP_ISR, VP_CAP_DEVICE, VIRTIO_PCI_CAP_LEN, VIRTIO_PCI_CAP_ISR_CFG, VP_ISR_OFF, 4);
	cap(t, VP_CAP_DEVICE, VP_CAP_MSIX, VIRTIO_PCI_CAP_LEN, VIRTIO_PCI_CAP_DEVICE_CFG,
	    VP_DEVICE_OFF, VP_DEVICE_LEN);
	/* MSI-X (PCI 3.0 6.8.2): table size - 1, table and PBA in BAR0. */
	t[VP_CAP_MSIX] = CAP_ID_MSIX;
	t[VP_CAP_MSIX + 1] = 0;
	put16(t + VP_CAP_MSIX + 2, (u16)(vp->nvec - 1));
	put32(t + VP_CAP_MSIX + 4, VP_MSIX_TABLE_OFF | VP_BAR);
	put32(t + VP_CAP_MSIX + 8, VP_MSIX_PBA_OFF | VP_BAR);

	for (u32 i = 0; i < VP_MSIX_MAX; i++)
		vp->msix[i] = (struct vp_msix_entry){ .ctrl = VP_MSIX_CTRL_MASKED };
	vp->line = false;
	vp->notifies = vp->msi_sent = vp->msi_masked = vp->intx_raised = 0;
	vp->isr_reads = vp->resets = vp->needs_reset = vp->bad_accesses = 0;
	vp->last_problem = NULL;
	reset_state(vp);
}

static void problem(struct virtio_pci *vp, const char *why)
{
	vp->bad_accesses++;
	vp->last_problem = why;
}

/* --- interrupts --- */

static bool msix_on(const struct virtio_pci *vp)
{
	return vp->emul.cfg.msix_ctrl & MSIX_CTRL_ENABLE;
}

/* INTx follows the ISR (4.1.4.5): asserted while a bit is set, unless
 * MSI-X is on or the guest disabled INTx; the status register's
 * Interrupt Status shows the ISR either way. */
static void update_line(struct virtio_pci *vp)
{
	bool level = vp->isr && vp->has_intx && !msix_on(vp) &&
		     !(vp->emul.cfg.command & PCI_CMD_INTX_DISABLE);
	u8 *st = vp->emul.cfg.phys + PCI_STATUS;

	*st = (u8)((*st & ~PCI_STATUS_INTX) | (vp->isr ? PCI_STATUS_INTX : 0));
	if (level == vp->line)
		return;
	vp->line = level;
	if (level)
		vp->intx_raised++;
	vp->ops->intx(vp, level);
}

static void msix_send(struct virtio_pci *vp, u32 v)
{
	const struct vp_msix_entry *e = &vp->msix[v];

	vp->msix_pending &= ~(u32)BIT(v);
	vp->msi_sent++;
	vp->ops->msi(vp, e->addr_lo, e->addr_hi, e->data);
}

static void msix_raise(struct virtio_pci *vp, u16 v)
{
	if (v == VIRTIO_MSI_NO_VECTOR || v >= vp->nvec)
		return;			/* the driver asked for none */
	if ((vp->emul.cfg.msix_ctrl & MSIX_CTRL_MASKALL) || (vp->msix[v].ctrl & VP_MSIX_CTRL_MASKED)) {
		vp->msix_pending |= (u32)BIT(v);
		vp->msi_masked++;
		return;
	}
	msix_send(vp, v);
}

/* Pending vectors no longer masked go out (PCI 3.0 6.8.2.9). */
static void msix_flush(struct virtio_pci *vp)
{
	if (!msix_on(vp) || (vp->emul.cfg.msix_ctrl & MSIX_CTRL_MASKALL))
		return;
	for (u32 v = 0; v < vp->nvec; v++)
		if ((vp->msix_pending & BIT(v)) && !(vp->msix[v].ctrl & VP_MSIX_CTRL_MASKED))
			msix_send(vp, v);
}

void virtio_pci_notify_queue(struct virtio_pci *vp, u16 q)
{
	if (q >= vp->nqueues)
		return;
	if (msix_on(vp)) {
		msix_raise(vp, vp->vq[q].msix_vector);
		return;
	}
	vp->isr |= VIRTIO_ISR_QUEUE;
	update_line(vp);
}

void virtio_pci_notify_config(struct virtio_pci *vp)
{
	vp->isr |= VIRTIO_ISR_CONFIG;
	if (msix_on(vp))
		msix_raise(vp, vp->msix_config);
	else
		update_line(vp);
}

void virtio_pci_set_needs_reset(struct virtio_pci *vp, const char *why)
{
	problem(vp, why);
	if (vp->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	vp->needs_reset++;
	vp->status |= VIRTIO_STATUS_NEEDS_RESET;
	/* Only a driver that got as far as DRIVER_OK listens (2.1.2). */
	if (vp->status & VIRTIO_STATUS_DRIVER_OK)
		virtio_pci_notify_config(vp);
}

void virtio_pci_config_changed(struct virtio_pci *vp)
{
	msix_flush(vp);
	update_line(vp);
}

bool virtio_pci_live(const struct virtio_pci *vp)
{
	return (vp->status & VIRTIO_STATUS_DRIVER_OK) && !vp->reset_pending &&
	       !(vp->status & VIRTIO_STATUS_NEEDS_RESET);
}

/* --- reset --- */

static void finish_reset(struct virtio_pci *vp)
{
	reset_state(vp);
	vp->resets++;
	update_line(vp);
	vp->ops->reset(vp);
}

void virtio_pci_idle(struct virtio_pci *vp)
{
	if (vp->reset_pending)
		finish_reset(vp);
}

/* device_status 0: the queues stop at once; the rest once nothing is in
 * flight, so completions never write rings the driver is re-making. */
static void begin_reset(struct virtio_pci *vp)
{
	for (u32 i = 0; i < vp->nqueues; i++)
		vp->vq[i].ready = false;
	if (vp->ops->busy && vp->ops->busy(vp)) {
		vp->reset_pending = true;
		return;
	}
	finish_reset(vp);
}

/* --- common configuration --- */

static struct virtq *selected(struct virtio_pci *vp)
{
	return vp->queue_select < vp->nqueues ? &vp->vq[vp->queue_select] : NULL;
}

static void common_image(struct virtio_pci *vp, u8 *c)
{
	struct virtq *q = selected(vp);

	memset(c, 0, VPC_SIZE);
	put32(c + VPC_DFSELECT, vp->dfselect);
	put32(c + VPC_DF, vp->dfselect < 2 ? (u32)(vp->features >> (32 * vp->dfselect)) : 0);
	put32(c + VPC_GFSELECT, vp->gfselect);
	put32(c + VPC_GF, vp->gfselect < 2 ? (u32)(vp->guest_features >> (32 * vp->gfselect)) : 0);
	put16(c + VPC_MSIX_CONFIG, vp->msix_config);
	put16(c + VPC_NUM_QUEUES, vp->nqueues);
	c[VPC_STATUS] = vp->status;
	c[VPC_GENERATION] = vp->generation;
	put16(c + VPC_Q_SELECT, vp->queue_select);
	if (!q)
		return;			/* size 0: no such queue */
	put16(c + VPC_Q_SIZE, q->size);
	put16(c + VPC_Q_MSIX, q->msix_vector);
	put16(c + VPC_Q_ENABLE, q->ready);
	put16(c + VPC_Q_NOTIFY_OFF, vp->queue_select);
	put64(c + VPC_Q_DESC, q->desc);
	put64(c + VPC_Q_DRIVER, q->avail);
	put64(c + VPC_Q_DEVICE, q->used);
}

/* The field an access falls in: its offset and size; 0 if it straddles
 * two. The 64-bit addresses take 32-bit halves (Linux writes them so). */
static u32 field_of(u32 off, u32 size, u32 *start)
{
	static const u8 sizes[VPC_SIZE / 2] = {
		[VPC_DFSELECT / 2] = 4, [VPC_DF / 2] = 4, [VPC_GFSELECT / 2] = 4, [VPC_GF / 2] = 4,
		[VPC_MSIX_CONFIG / 2] = 2, [VPC_NUM_QUEUES / 2] = 2, [VPC_STATUS / 2] = 2,
		[VPC_Q_SELECT / 2] = 2, [VPC_Q_SIZE / 2] = 2, [VPC_Q_MSIX / 2] = 2,
		[VPC_Q_ENABLE / 2] = 2, [VPC_Q_NOTIFY_OFF / 2] = 2, [VPC_Q_DESC / 2] = 8,
		[VPC_Q_DRIVER / 2] = 8, [VPC_Q_DEVICE / 2] = 8, [VPC_Q_NOTIFY_DATA / 2] = 2,
		[VPC_Q_RESET / 2] = 2,
	};
	u32 s = 0, fs = 0;

	for (u32 f = 0; f < VPC_SIZE; f += fs) {
		fs = sizes[f / 2] ? sizes[f / 2] : 2;
		if (off >= f && off < f + fs) {
			s = f;
			break;
		}
	}
	/* device_status and config_generation are two bytes of one word. */
	if (s == VPC_STATUS) {
		*start = off;
		return off + size <= VPC_STATUS + 2 ? (size == 1 ? 1 : 0) : 0;
	}
	fs = sizes[s / 2] ? sizes[s / 2] : 2;
	if (off + size > s + fs)
		return 0;
	*start = s;
	return fs;
}

static bool features_ok(const struct virtio_pci *vp)
{
	return !(vp->guest_features & ~vp->features) &&
	       (vp->guest_features & BIT(VIRTIO_F_VERSION_1));
}

static void write_status(struct virtio_pci *vp, u8 v)
{
	if (!v) {
		begin_reset(vp);
		return;
	}
	if (vp->reset_pending) {
		problem(vp, "device_status written during a reset");
		return;
	}
	/* FEATURES_OK stays clear when the driver asked for what the device
	 * does not offer, or not for VERSION_1 (3.1.1, 6.1). */
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(vp->status & VIRTIO_STATUS_FEATURES_OK) &&
	    !features_ok(vp)) {
		problem(vp, "FEATURES_OK refused: features not offered, or no VERSION_1");
		v &= (u8)~VIRTIO_STATUS_FEATURES_OK;
	}
	/* Bits go only by a reset; NEEDS_RESET is the device's. */
	vp->status = (u8)((vp->status | v) & ~VIRTIO_STATUS_NEEDS_RESET) |
		     (vp->status & VIRTIO_STATUS_NEEDS_RESET);
}

static u16 vector_or_none(const struct virtio_pci *vp, u16 v)
{
	/* A vector past the table reads back as NO_VECTOR: that is how the
	 * driver learns it could not have it (4.1.4.3.2). */
	return v < vp->nvec ? v : VIRTIO_MSI_NO_VECTOR;
}

static void common_write(struct virtio_pci *vp, u32 f, u64 v)
{
	struct virtq *q = selected(vp);
	int rc;

	switch (f) {
	case VPC_DFSELECT:
		vp->dfselect = (u32)v;
		return;
	case VPC_GFSELECT:
		vp->gfselect = (u32)v;
		return;
	case VPC_GF:
		if (vp->status & VIRTIO_STATUS_FEATURES_OK) {
			problem(vp, "driver features written after FEATURES_OK");
			return;
		}
		if (vp->gfselect < 2)
			vp->guest_features = (vp->guest_features &
					      ~(0xffffffffULL << (32 * vp->gfselect))) |
					     (v & 0xffffffffULL) << (32 * vp->gfselect);
		return;
	case VPC_MSIX_CONFIG:
		vp->msix_config = vector_or_none(vp, (u16)v);
		return;
	case VPC_STATUS:
		write_status(vp, (u8)v);
		return;
	case VPC_Q_SELECT:
		vp->queue_select = (u16)v;
		return;
	case VPC_DF:
	case VPC_NUM_QUEUES:
	case VPC_GENERATION:
	case VPC_Q_NOTIFY_OFF:
	case VPC_Q_NOTIFY_DATA:
	case VPC_Q_RESET:
		problem(vp, "write to a read-only common configuration register");
		return;
	}
	if (!q) {
		problem(vp, "queue register of a queue that does not exist");
		return;
	}
	if (f == VPC_Q_MSIX) {
		q->msix_vector = vector_or_none(vp, (u16)v);
		return;
	}
	if (q->ready) {
		/* Size and addresses are fixed while the queue runs; 0 to
		 * queue_enable is a 1.2 ring reset tern does not offer. */
		problem(vp, "queue register written while the queue is enabled");
		return;
	}
	switch (f) {
	case VPC_Q_SIZE:
		if (!v || (v & (v - 1)) || v > vp->queue_max)
			problem(vp, "queue size not a power of two up to the maximum");
		else
			q->size = (u16)v;
		return;
	case VPC_Q_ENABLE:
		if (v != 1)
			return;
		rc = vq_enable(q);
		if (rc)
			virtio_pci_set_needs_reset(vp, vq_strerror(rc));
		return;
	case VPC_Q_DESC:
		q->desc = v;
		return;
	case VPC_Q_DRIVER:
		q->avail = v;
		return;
	case VPC_Q_DEVICE:
		q->used = v;
		return;
	}
	problem(vp, "write to a read-only common configuration register");
}

static bool common_rw(struct virtio_pci *vp, u32 off, u32 size, bool write, u64 *val)
{
	u8 img[VPC_SIZE];
	u32 start, fs = field_of(off, size, &start);

	if (!fs) {
		problem(vp, "common configuration access across fields");
		if (!write)
			*val = 0;
		return true;
	}
	common_image(vp, img);
	if (!write) {
		u64 v = 0;

		for (u32 i = 0; i < size; i++)
			v |= (u64)img[off + i] << (8 * i);
		*val = v;
		return true;
	}
	/* Merge a partial write into the field's current value. */
	for (u32 i = 0; i < size; i++)
		img[off + i] = (u8)(*val >> (8 * i));
	common_write(vp, start, fs == 1 ? img[start] : fs == 2 ? rd16(img + start) :
			  fs == 4 ? rd32(img + start) : rd64(img + start));
	return true;
}

/* --- the BAR --- */

static bool msix_rw(struct virtio_pci *vp, u32 off, u32 size, bool write, u64 *val)
{
	if (off >= VP_MSIX_PBA_OFF) {
		/* Pending bits: read-only (6.8.2.10). */
		if (!write)
			*val = off == VP_MSIX_PBA_OFF ? (size == 8 ? vp->msix_pending :
							 (u32)vp->msix_pending) : 0;
		return true;
	}
	off -= VP_MSIX_TABLE_OFF;
	if (off >= (u32)vp->nvec * VP_MSIX_ENTRY_SIZE || (size != 4 && size != 8) || (off & (size - 1))) {
		if (!write)
			*val = 0;
		return true;
	}
	for (u32 k = 0; k < size; k += 4) {
		struct vp_msix_entry *e = &vp->msix[(off + k) / VP_MSIX_ENTRY_SIZE];
		u32 w = ((off + k) % VP_MSIX_ENTRY_SIZE) / 4;
		u32 *reg = w == 0 ? &e->addr_lo : w == 1 ? &e->addr_hi : w == 2 ? &e->data : &e->ctrl;

		if (!write) {
			if (!k)
				*val = 0;
			*val |= (u64)*reg << (8 * k);
		} else {
			*reg = (u32)(*val >> (8 * k));
		}
	}
	if (write) {
		/* Vector control keeps only its mask bit. */
		vp->msix[off / VP_MSIX_ENTRY_SIZE].ctrl &= VP_MSIX_CTRL_MASKED;
		msix_flush(vp);
	}
	return true;
}

bool virtio_pci_bar_rw(struct virtio_pci *vp, u64 off, u32 size, bool write, u64 *val)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	if (off < VP_COMMON_OFF + VPC_SIZE)
		return common_rw(vp, (u32)off, size, write, val);
	if (off >= VP_ISR_OFF && off < VP_ISR_OFF + 4) {
		if (write)
			return true;
		/* Reading clears it and drops the line (4.1.4.5.1). */
		*val = off == VP_ISR_OFF ? vp->isr : 0;
		if (off == VP_ISR_OFF) {
			vp->isr_reads++;
			vp->isr = 0;
			update_line(vp);
		}
		return true;
	}
	if (off >= VP_DEVICE_OFF && off < VP_DEVICE_OFF + VP_DEVICE_LEN) {
		u32 o = (u32)(off - VP_DEVICE_OFF);

		if (size == 8 || o + size > VP_DEVICE_LEN) {
			if (!write)
				*val = 0;
			return true;
		}
		if (!write)
			*val = vp->ops->cfg_read(vp, o, size);
		else if (vp->ops->cfg_write)
			vp->ops->cfg_write(vp, o, size, (u32)*val);
		return true;
	}
	if (off >= VP_NOTIFY_OFF && off < VP_NOTIFY_OFF + (u64)VP_NOTIFY_MULT * vp->nqueues) {
		/* The value is the queue's index (4.1.5.2, no notification
		 * data); its address says the same. */
		u16 q = (u16)((off - VP_NOTIFY_OFF) / VP_NOTIFY_MULT);

		if (!write) {
			*val = 0;
			return true;
		}
		vp->notifies++;
		if (q < vp->nqueues && vp->vq[q].ready && !vp->reset_pending &&
		    !(vp->status & VIRTIO_STATUS_NEEDS_RESET))
			vp->ops->notify(vp, q);
		return true;
	}
	if (off >= VP_MSIX_TABLE_OFF && off < VP_BAR_SIZE)
		return msix_rw(vp, (u32)off, size, write, val);
	if (!write)
		*val = 0;			/* reserved: reads 0, writes dropped */
	return true;
}

static bool emul_bar_rw(struct vpci_emul *e, int bar, u64 off, u32 size, bool write, u64 *val)
{
	return bar == VP_BAR && virtio_pci_bar_rw(e->ctx, off, size, write, val);
}

static void emul_config_changed(struct vpci_emul *e, u32 changed)
{
	virtio_pci_config_changed(e->ctx);
}

const struct vpci_emul_ops virtio_pci_emul_ops = {
	.bar_rw = emul_bar_rw,
	.config_changed = emul_config_changed,
};
