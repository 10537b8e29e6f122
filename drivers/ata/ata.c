// SPDX-License-Identifier: GPL-2.0
/*
 * ATA disks on PCI IDE controllers (Bochs's and QEMU's PIIX3, real
 * chipsets in IDE mode). One request in flight per channel. Reads and
 * writes go by bus-master DMA (READ/WRITE DMA EXT, the PRD table in
 * tern's memory) and complete by the channel's interrupt, routed through
 * the host I/O APIC to the management core; blk's poll is a safety net
 * for a lost interrupt. Without a bus master, or for memory the bus
 * master cannot reach (above 4 GiB), the request goes by polled PIO,
 * synchronously in start(). Behind VT-d the controller is in the host
 * domain (physical addresses, RAM only).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/acpi/acpi.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/spinlock.h"
#include "core/tsc.h"
#include "drivers/ata/ata.h"
#include "drivers/pci.h"
#include "iommu/host_domain.h"
#include "iommu/vtd.h"
#include "irq/ioapic.h"
#include "irq/irq.h"
#include "mm/kmem.h"
#include "mm/pmm.h"

#define ATA_PRD_MAX		(PAGE_SIZE / sizeof(struct ata_prd))
#define ATA_PROBE_MS		1000
#define ATA_PIO_MS		5000
#define ATA_LOST_IRQ_MS		200	/* poll completes a request this old */

struct ata_chan {
	u32 index;			/* 0 primary, 1 secondary */
	u16 cmd, ctl, bm;		/* ports; bm 0: no bus master */
	u8 isa_irq;
	u32 gsi;
	int vector;			/* -1: not routed, polled */
	spinlock_t lock;
	struct ata_prd *prd;
	u64 prd_pa;
	struct blk_req *cur;
	struct ata_drive *cur_drive;
	bool cur_dma;
	u64 started;			/* TSC */
	u64 irqs, lost_irqs, spurious;
	u32 warned;
	struct pci_dev *pdev;
};

struct ata_drive {
	struct blk_dev blk;
	struct ata_chan *ch;
	bool slave;
	struct ata_ident id;
};

static u32 ndisks;

static void ata_describe(const struct blk_dev *d, char *buf, size_t n);

static u64 ms_ticks(u64 ms)
{
	return tsc_hz() / 1000 * ms;
}

/* 400 ns for the status to be valid after a select or command (ATA-6
 * 9.7): four reads of the alternate status. */
static void ata_delay(struct ata_chan *ch)
{
	for (int i = 0; i < 4; i++)
		inb(ch->ctl);
}

/* Status once BSY is clear, or 0xff after ms. */
static u8 wait_not_busy(struct ata_chan *ch, u64 ms)
{
	u64 start = rdtsc(), limit = ms_ticks(ms);
	u8 st;

	while ((st = inb(ch->ctl)) & ATA_SR_BSY) {
		if (rdtsc() - start > limit)
			return 0xff;
		cpu_relax();
	}
	return st;
}

static void write_tf(struct ata_chan *ch, const struct ata_tf *tf)
{
	outb((u16)(ch->cmd + ATA_REG_DEVICE), tf->device);
	ata_delay(ch);
	if (tf->lba48) {
		/* The previous-content bytes first (ACS 4.x: 48-bit address). */
		outb((u16)(ch->cmd + ATA_REG_FEATURE), tf->hob_feature);
		outb((u16)(ch->cmd + ATA_REG_COUNT), tf->hob_count);
		outb((u16)(ch->cmd + ATA_REG_LBA_LO), tf->hob_lba_lo);
		outb((u16)(ch->cmd + ATA_REG_LBA_MID), tf->hob_lba_mid);
		outb((u16)(ch->cmd + ATA_REG_LBA_HI), tf->hob_lba_hi);
	}
	outb((u16)(ch->cmd + ATA_REG_FEATURE), tf->feature);
	outb((u16)(ch->cmd + ATA_REG_COUNT), tf->count);
	outb((u16)(ch->cmd + ATA_REG_LBA_LO), tf->lba_lo);
	outb((u16)(ch->cmd + ATA_REG_LBA_MID), tf->lba_mid);
	outb((u16)(ch->cmd + ATA_REG_LBA_HI), tf->lba_hi);
}

static void set_nien(struct ata_chan *ch, bool off)
{
	outb(ch->ctl, off ? ATA_DC_NIEN : 0);
}

/* ---- PIO, polled ---- */

/* Walk a request's segments 16 bits at a time (segments are even). */
struct seg_cursor {
	const struct blk_seg *s;
	u32 i, off;
};

static u16 *cursor_next(struct seg_cursor *c)
{
	u16 *p;

	if (c->off == c->s[c->i].len) {
		c->i++;
		c->off = 0;
	}
	p = (u16 *)((u8 *)phys_to_virt(c->s[c->i].pa) + c->off);
	c->off += 2;
	return p;
}

static int pio_rw(struct ata_drive *dr, struct blk_req *r)
{
	struct ata_chan *ch = dr->ch;
	bool write = r->op == BLK_WRITE;
	struct seg_cursor c = { r->segs, 0, 0 };
	struct ata_tf tf;
	u8 st;

	for (u32 i = 0; i < r->nsegs; i++)
		if (r->segs[i].len & 1)
			return -EINVAL;
	if (ata_tf_rw(&tf, write, false, dr->id.lba48, dr->slave, r->dev_lba, r->count))
		return -EINVAL;
	write_tf(ch, &tf);
	outb((u16)(ch->cmd + ATA_REG_COMMAND), tf.command);
	for (u32 s = 0; s < r->count; s++) {
		ata_delay(ch);
		st = wait_not_busy(ch, ATA_PIO_MS);
		if (st == 0xff)
			return -ETIMEDOUT;
		if ((st & (ATA_SR_ERR | ATA_SR_DF)) || !(st & ATA_SR_DRQ))
			return -EIO;
		for (u32 w = 0; w < dr->blk.block_size / 2; w++) {
			u16 *p = cursor_next(&c);

			if (write)
				outw((u16)(ch->cmd + ATA_REG_DATA), *p);
			else
				*p = inw((u16)(ch->cmd + ATA_REG_DATA));
		}
	}
	ata_delay(ch);
	st = wait_not_busy(ch, ATA_PIO_MS);
	inb((u16)(ch->cmd + ATA_REG_STATUS));		/* acknowledge */
	if (st == 0xff)
		return -ETIMEDOUT;
	return (st & (ATA_SR_ERR | ATA_SR_DF)) ? -EIO : 0;
}

static int pio_flush(struct ata_drive *dr)
{
	struct ata_chan *ch = dr->ch;
	struct ata_tf tf;
	u8 st;

	ata_tf_flush(&tf, &dr->id, dr->slave);
	write_tf(ch, &tf);
	outb((u16)(ch->cmd + ATA_REG_COMMAND), tf.command);
	ata_delay(ch);
	st = wait_not_busy(ch, ATA_PIO_MS);
	inb((u16)(ch->cmd + ATA_REG_STATUS));
	if (st == 0xff)
		return -ETIMEDOUT;
	return (st & (ATA_SR_ERR | ATA_SR_DF)) ? -EIO : 0;
}

/* The whole request, now, with the channel's interrupt off. */
static int pio_request(struct ata_drive *dr, struct blk_req *r)
{
	int rc;

	set_nien(dr->ch, true);
	rc = r->op == BLK_FLUSH ? pio_flush(dr) : pio_rw(dr, r);
	set_nien(dr->ch, dr->ch->vector < 0);
	return rc;
}

/* ---- DMA and interrupts ---- */

/*
 * Finish the channel's request if the device is done: from the interrupt
 * handler, or from poll when the interrupt is late. Caller holds ch->lock.
 * The request to complete, or NULL.
 */
static struct blk_req *chan_finish(struct ata_chan *ch, bool from_irq, int *status)
{
	struct blk_req *r = ch->cur;
	u8 bms = 0, st;

	if (!r)
		return NULL;
	if (ch->bm)
		bms = inb((u16)(ch->bm + ATA_BM_STATUS));
	st = inb(ch->ctl);
	if (st & ATA_SR_BSY)
		return NULL;
	/* A transfer is over when the device raised its interrupt (the bus
	 * master latches it), or on a bus error. Active may still be set:
	 * the PRDs may describe more than the device moved (BM IDE 3.2). */
	if (ch->cur_dma && !(bms & (ATA_BM_ST_INTR | ATA_BM_ST_ERROR)))
		return NULL;
	if (!from_irq && ch->vector >= 0 && rdtsc() - ch->started < ms_ticks(ATA_LOST_IRQ_MS))
		return NULL;		/* the interrupt is the way; poll only backs it up */
	if (!from_irq && ch->vector >= 0)
		ch->lost_irqs++;
	st = inb((u16)(ch->cmd + ATA_REG_STATUS));	/* clears INTRQ */
	if (ch->bm) {
		outb((u16)(ch->bm + ATA_BM_CMD), 0);
		outb((u16)(ch->bm + ATA_BM_STATUS), ATA_BM_ST_INTR | ATA_BM_ST_ERROR);
	}
	*status = ((st & (ATA_SR_ERR | ATA_SR_DF)) || (bms & ATA_BM_ST_ERROR)) ? -EIO : 0;
	if (*status)
		pr_warn("ata: %s: %s failed: status %#x error %#x bus master %#x",
			ch->cur_drive->blk.name, blk_op_name(r->op), st,
			inb((u16)(ch->cmd + ATA_REG_ERROR)), bms);
	ch->cur = NULL;
	return r;
}

static void chan_check(struct ata_chan *ch, bool from_irq)
{
	struct blk_req *r;
	int status = 0;
	u64 f = spin_lock_irqsave(&ch->lock);

	r = chan_finish(ch, from_irq, &status);
	if (!r && from_irq) {
		/* Nothing of ours: acknowledge the device anyway. */
		ch->spurious++;
		inb((u16)(ch->cmd + ATA_REG_STATUS));
		if (ch->bm)
			outb((u16)(ch->bm + ATA_BM_STATUS), ATA_BM_ST_INTR);
	}
	spin_unlock_irqrestore(&ch->lock, f);
	if (r)
		blk_complete(r, status);
}

static void ata_irq(struct regs *regs, void *arg)
{
	struct ata_chan *ch = arg;
	struct ata_drive *dr = ch->cur_drive;	/* whose request it ends */
	u64 t0 = rdtsc();

	ch->irqs++;
	chan_check(ch, true);
	if (dr)
		blk_charge_irq(&dr->blk, t0);
}

static int ata_start(struct blk_dev *d, struct blk_req *r)
{
	struct ata_drive *dr = d->drv;
	struct ata_chan *ch = dr->ch;
	const char *why = "no bus master";
	struct ata_tf tf;
	int n = -1, rc;
	u64 f = spin_lock_irqsave(&ch->lock);

	if (ch->cur) {
		spin_unlock_irqrestore(&ch->lock, f);
		return -EBUSY;
	}
	if (!ch->pdev->owner || strcmp(ch->pdev->owner, PCI_OWNER_TERN)) {
		/* Never expected: vm start refuses a function tern owns. */
		spin_unlock_irqrestore(&ch->lock, f);
		if (!ch->warned++)
			pr_warn("ata: %s: the controller is no longer tern's (%s): requests fail",
				d->name, ch->pdev->owner ? ch->pdev->owner : "no owner");
		return -EIO;
	}
	if (r->op != BLK_FLUSH && ch->bm && ch->vector >= 0)
		n = ata_prd_fill(ch->prd, ATA_PRD_MAX, r->segs, r->nsegs, &why);
	if (r->op != BLK_FLUSH && n < 0) {
		/* PIO: no bus master, or memory it cannot reach. */
		spin_unlock_irqrestore(&ch->lock, f);
		pr_debug("ata: %s: PIO for this request: %s", d->name, why);
		rc = pio_request(dr, r);
		blk_complete(r, rc);
		return 0;
	}
	if (r->op == BLK_FLUSH) {
		if (!dr->id.flush) {
			spin_unlock_irqrestore(&ch->lock, f);
			blk_complete(r, 0);		/* no cache to flush */
			return 0;
		}
		if (ch->vector < 0) {
			spin_unlock_irqrestore(&ch->lock, f);
			blk_complete(r, pio_request(dr, r));
			return 0;
		}
		ata_tf_flush(&tf, &dr->id, dr->slave);
	} else if (ata_tf_rw(&tf, r->op == BLK_WRITE, true, dr->id.lba48, dr->slave,
			     r->dev_lba, r->count)) {
		spin_unlock_irqrestore(&ch->lock, f);
		return -EINVAL;
	}
	ch->cur = r;
	ch->cur_drive = dr;
	ch->cur_dma = r->op != BLK_FLUSH;
	ch->started = rdtsc();
	if (ch->cur_dma) {
		u8 dir = r->op == BLK_READ ? ATA_BM_CMD_TO_MEMORY : 0;

		outb((u16)(ch->bm + ATA_BM_CMD), 0);
		outl((u16)(ch->bm + ATA_BM_PRDT), (u32)ch->prd_pa);
		outb((u16)(ch->bm + ATA_BM_STATUS), ATA_BM_ST_INTR | ATA_BM_ST_ERROR);
		outb((u16)(ch->bm + ATA_BM_CMD), dir);
		write_tf(ch, &tf);
		outb((u16)(ch->cmd + ATA_REG_COMMAND), tf.command);
		outb((u16)(ch->bm + ATA_BM_CMD), dir | ATA_BM_CMD_START);
	} else {
		if (ch->bm)
			outb((u16)(ch->bm + ATA_BM_STATUS), ATA_BM_ST_INTR | ATA_BM_ST_ERROR);
		write_tf(ch, &tf);
		outb((u16)(ch->cmd + ATA_REG_COMMAND), tf.command);
	}
	spin_unlock_irqrestore(&ch->lock, f);
	return 0;
}

static void ata_poll(struct blk_dev *d)
{
	struct ata_drive *dr = d->drv;

	chan_check(dr->ch, false);
}

/* Software reset of the channel (ATA-6 9.2): the device stops, the bus
 * master with it; the request is forgotten. */
static void ata_abort(struct blk_dev *d, struct blk_req *r)
{
	struct ata_drive *dr = d->drv;
	struct ata_chan *ch = dr->ch;
	u64 f = spin_lock_irqsave(&ch->lock);

	if (ch->cur == r) {
		if (ch->bm)
			outb((u16)(ch->bm + ATA_BM_CMD), 0);
		outb(ch->ctl, ATA_DC_SRST | ATA_DC_NIEN);
		tsc_delay_us(10);
		outb(ch->ctl, ATA_DC_NIEN);
		tsc_delay_us(2000);
		wait_not_busy(ch, 1000);
		set_nien(ch, ch->vector < 0);
		ch->cur = NULL;
		pr_warn("ata: %s: channel %u reset after a time-out", d->name, ch->index);
	}
	spin_unlock_irqrestore(&ch->lock, f);
}

static const struct blk_dev_ops ata_ops = {
	.start = ata_start,
	.poll = ata_poll,
	.abort = ata_abort,
	.describe = ata_describe,
};

/* ---- probing ---- */

/* IDENTIFY DEVICE at one position: 1 a disk (id filled), 0 nothing
 * usable (why says what was there). Interrupts off (nIEN). */
static int identify(struct ata_chan *ch, bool slave, struct ata_ident *id, const char **why)
{
	u16 *w = malloc(512);
	u8 st, mid, hi;
	int rc = 0;

	if (!w) {
		*why = "no memory";
		return 0;
	}
	outb((u16)(ch->cmd + ATA_REG_DEVICE), ATA_DEV_OBS | (slave ? ATA_DEV_SLAVE : 0));
	ata_delay(ch);
	st = inb((u16)(ch->cmd + ATA_REG_STATUS));
	if (st == 0xff || st == 0x7f || !st) {
		*why = "nothing attached";	/* a floating bus, or no device */
		goto out;
	}
	outb((u16)(ch->cmd + ATA_REG_FEATURE), 0);
	outb((u16)(ch->cmd + ATA_REG_COUNT), 0);
	outb((u16)(ch->cmd + ATA_REG_LBA_LO), 0);
	outb((u16)(ch->cmd + ATA_REG_LBA_MID), 0);
	outb((u16)(ch->cmd + ATA_REG_LBA_HI), 0);
	outb((u16)(ch->cmd + ATA_REG_COMMAND), ATA_CMD_IDENTIFY);
	ata_delay(ch);
	st = wait_not_busy(ch, ATA_PROBE_MS);
	if (st == 0xff || !st) {
		*why = "no answer to IDENTIFY DEVICE";
		goto out;
	}
	if (st & ATA_SR_ERR) {
		mid = inb((u16)(ch->cmd + ATA_REG_LBA_MID));
		hi = inb((u16)(ch->cmd + ATA_REG_LBA_HI));
		inb((u16)(ch->cmd + ATA_REG_STATUS));
		*why = ((mid == ATA_SIG_ATAPI_MID && hi == ATA_SIG_ATAPI_HI) ||
			(mid == ATA_SIG_SATAPI_MID && hi == ATA_SIG_SATAPI_HI)) ?
		       "a packet device (ATAPI), not used" : "IDENTIFY DEVICE aborted";
		goto out;
	}
	if (!(st & ATA_SR_DRQ)) {
		*why = "IDENTIFY DEVICE without data";
		goto out;
	}
	for (int i = 0; i < 256; i++)
		w[i] = inw((u16)(ch->cmd + ATA_REG_DATA));
	inb((u16)(ch->cmd + ATA_REG_STATUS));
	ata_identify_parse(w, id);
	if (id->atapi) {
		*why = "a packet device (ATAPI), not used";
		goto out;
	}
	if (!id->lba || !id->sectors) {
		*why = "no LBA addressing (CHS only), not used";
		goto out;
	}
	if (id->sector_size != 512 && id->sector_size != 4096) {
		*why = "an unusual logical sector size, not used";
		goto out;
	}
	rc = 1;
out:
	free(w);
	return rc;
}

static void route_irq(struct ata_chan *ch, u8 line, bool pci)
{
	struct host_ioapic *io;
	bool level, low;
	u32 pin;
	int irte;

	ch->vector = -1;
	ch->gsi = acpi_irq_to_gsi(&acpi, line, pci, &level, &low);
	io = ioapic_for_gsi(ch->gsi, &pin);
	if (!io) {
		pr_warn("ata: channel %u: no I/O APIC has GSI %u: polled", ch->index, ch->gsi);
		return;
	}
	ch->vector = irq_alloc_vector(0, ata_irq, ch, "ata");
	if (ch->vector < 0) {
		pr_warn("ata: channel %u: no free vector: polled", ch->index);
		return;
	}
	ioapic_write_rte(ch->gsi, vtd_ioapic_rte(io->id, cpus[0]->apic_id, (u8)ch->vector, level,
						 low, &irte));
}

static void add_disk(struct ata_chan *ch, bool slave, const struct ata_ident *id)
{
	struct ata_drive *dr = calloc(1, sizeof(*dr));

	if (!dr)
		return;
	dr->ch = ch;
	dr->slave = slave;
	dr->id = *id;
	snprintf(dr->blk.name, sizeof(dr->blk.name), "ata%u", ndisks++);
	snprintf(dr->blk.model, sizeof(dr->blk.model), "%s", id->model);
	dr->blk.nblocks = id->sectors;
	dr->blk.block_size = id->sector_size;
	dr->blk.ops = &ata_ops;
	dr->blk.drv = dr;
	dr->blk.max_blocks = id->lba48 ? 8192 : ATA_LBA28_MAX_COUNT;	/* 4 MiB: fits the PRD page */
	pr_info("ata: %s: '%s', %llu sectors of %u bytes (%llu MiB), %s, %s, %s channel %s, %s",
		dr->blk.name, id->model, (unsigned long long)id->sectors, id->sector_size,
		(unsigned long long)(id->sectors * id->sector_size >> 20),
		id->lba48 ? "LBA48" : "LBA28", ch->bm ? "bus-master DMA" : "PIO",
		ch->index ? "secondary" : "primary", slave ? "slave" : "master",
		ch->vector >= 0 ? "interrupts" : "polled");
	blk_register(&dr->blk);
}

/* Both positions identified with the channel's interrupt off; then it
 * goes on, before the disks register and their partitions are read. */
static void probe_channel(struct ata_chan *ch)
{
	struct ata_ident id[2];
	bool found[2];

	set_nien(ch, true);
	for (int slave = 0; slave < 2; slave++) {
		const char *why = "";

		found[slave] = identify(ch, slave, &id[slave], &why);
		if (!found[slave])
			pr_info("ata: channel %u %s (%#x): %s", ch->index, slave ? "slave" : "master",
				ch->cmd, why);
	}
	set_nien(ch, ch->vector < 0);
	for (int slave = 0; slave < 2; slave++)
		if (found[slave])
			add_disk(ch, slave, &id[slave]);
}

static void probe_controller(struct pci_dev *p)
{
	u16 cmd = pci_read16(p->seg, p->bus, p->dev, p->fn, PCI_COMMAND);
	u8 devfn = (u8)(p->dev << 3 | p->fn);
	bool bm = (p->prog_if & ATA_PI_BUSMASTER) && p->bars[4].type == PCI_BAR_IO_SPACE &&
		  p->bars[4].base;

	if (p->owner) {
		pr_info("ata: %02x:%02x.%u is assigned to VM %s: not used by tern", p->bus, p->dev,
			p->fn, p->owner);
		return;
	}
	/* DMA from a device VT-d covers is blocked unless it has a domain:
	 * the host domain's, or PIO if it cannot have that. */
	if (bm && vtd_covers(p->bus, devfn)) {
		if (host_domain_attach(p, "ata") < 0) {
			pr_info("ata: %02x:%02x.%u is behind VT-d, not in the host domain: PIO, no bus-master DMA",
				p->bus, p->dev, p->fn);
			bm = false;
		} else {
			pr_info("ata: %02x:%02x.%u is behind VT-d: bus-master DMA through the host domain",
				p->bus, p->dev, p->fn);
		}
	}
	/* tern's disks: never also a VM's (vm start refuses it by owner). */
	p->owner = PCI_OWNER_TERN;
	pci_write16(p->seg, p->bus, p->dev, p->fn, PCI_COMMAND,
		    cmd | PCI_COMMAND_IO | (bm ? PCI_COMMAND_MASTER : 0));
	for (u32 c = 0; c < 2; c++) {
		bool native = p->prog_if & (c ? ATA_PI_NATIVE1 : ATA_PI_NATIVE0);
		struct ata_chan *ch = calloc(1, sizeof(*ch));

		if (!ch)
			return;
		ch->index = c;
		ch->pdev = p;
		ch->vector = -1;
		if (native) {
			const struct pci_bar *b = &p->bars[2 * c], *k = &p->bars[2 * c + 1];

			if (b->type != PCI_BAR_IO_SPACE || k->type != PCI_BAR_IO_SPACE) {
				pr_warn("ata: %02x:%02x.%u channel %u: native mode without I/O BARs",
					p->bus, p->dev, p->fn, c);
				free(ch);
				continue;
			}
			ch->cmd = (u16)b->base;
			ch->ctl = (u16)(k->base + ATA_NATIVE_CTL_OFF);
			ch->isa_irq = p->irq_line;
		} else {
			ch->cmd = c ? ATA_LEGACY_CMD1 : ATA_LEGACY_CMD0;
			ch->ctl = c ? ATA_LEGACY_CTL1 : ATA_LEGACY_CTL0;
			ch->isa_irq = c ? ATA_LEGACY_IRQ1 : ATA_LEGACY_IRQ0;
		}
		if (bm) {
			ch->prd_pa = pmm_alloc_range(1, PAGE_SIZE, 0, SZ_4G);
			if (ch->prd_pa) {
				ch->bm = (u16)(p->bars[4].base + c * ATA_BM_CHAN_STRIDE);
				ch->prd = phys_to_virt(ch->prd_pa);
			}
		}
		set_nien(ch, true);
		/* Interrupts only with a bus master: PIO is polled anyway. */
		if (ch->bm && (!native || p->irq_line))
			route_irq(ch, ch->isa_irq, native);
		pr_info("ata: %02x:%02x.%u channel %u: %s ports %#x/%#x, %s, IRQ %u -> GSI %u%s",
			p->bus, p->dev, p->fn, c, native ? "native" : "legacy", ch->cmd, ch->ctl,
			ch->bm ? "bus master" : "no bus master", ch->isa_irq, ch->gsi,
			ch->vector >= 0 ? "" : " (not routed: polled)");
		probe_channel(ch);
	}
}

void ata_init(void)
{
	for (u32 i = 0; i < pci_count(); i++) {
		struct pci_dev *p = pci_get(i);

		if (p->class == 0x01 && p->subclass == 0x01)
			probe_controller(p);
	}
}

static void ata_describe(const struct blk_dev *d, char *buf, size_t n)
{
	const struct ata_drive *dr = d->drv;
	const struct ata_chan *ch = dr->ch;

	snprintf(buf, n, "%02x:%02x.%u channel %u %s, %s, %s, %s; interrupts %llu (GSI %u%s), lost %llu, spurious %llu",
		 ch->pdev->bus, ch->pdev->dev, ch->pdev->fn, ch->index,
		 dr->slave ? "slave" : "master", dr->id.lba48 ? "LBA48" : "LBA28",
		 ch->bm ? "bus-master DMA" : "PIO", dr->id.flush_ext ? "FLUSH CACHE EXT" :
		 dr->id.flush ? "FLUSH CACHE" : "no cache flush",
		 (unsigned long long)ch->irqs, ch->gsi, ch->vector >= 0 ? "" : ", not routed",
		 (unsigned long long)ch->lost_irqs, (unsigned long long)ch->spurious);
}
