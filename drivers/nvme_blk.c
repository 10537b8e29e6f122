// SPDX-License-Identifier: GPL-2.0
/*
 * tern's NVMe disks: each namespace of a controller no VM owns is a disk
 * of the block layer (nvme0n1, its partitions nvme0n1p1 ...).
 *
 * One I/O queue pair per controller, NVME_DEPTH commands in flight; a
 * command's ID is its slot, which holds the request and a page for its
 * PRP list. start() only places a command; the doorbell rings once for
 * all placed in a pass of blk_service(), from poll(), which the layer
 * calls right after starting them: one register write per batch, and
 * the controller sees the batch together. Reads, writes (FUA when asked) and flushes; completions by
 * MSI-X entry 1 on the management core, through an IRTE where VT-d
 * remaps interrupts; blk's poll takes them too when an interrupt is
 * late (or there is none). DMA goes through the host domain where VT-d
 * covers the controller: physical addresses, RAM only.
 *
 * A request that times out resets the controller (CC.EN cleared stops
 * all its DMA, NVMe 7.6.2); the requests still in flight then fail with
 * -EIO and the queues are built again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/spinlock.h"
#include "core/tsc.h"
#include "drivers/block/blk.h"
#include "drivers/nvme.h"
#include "drivers/pci.h"
#include "iommu/host_domain.h"
#include "iommu/vtd.h"
#include "irq/irq.h"
#include "irq/lapic.h"
#include "mm/kmem.h"
#include "mm/pmm.h"

#define NVME_DEPTH		32	/* commands in flight; IDs 0-31 */
#define NVME_IO_ENTRIES		64	/* queue entries: more than in flight */
#define NVME_IO_VECTOR		1	/* MSI-X entry of the I/O queue */
#define NVME_MAX_XFER		(2 * SZ_1M)	/* 512 list entries + the first page */
#define NVME_MAX_NS		4
#define NVME_MAX_CTRLS		4
#define NVME_LOST_IRQ_MS	200	/* poll takes a completion this late */
#define MSI_ADDR_BASE		0xfee00000U

struct nvme_ctrl;

struct nvme_ns {
	struct blk_dev blk;
	struct nvme_ctrl *c;
	u32 nsid;
};

struct nvme_slot {
	struct blk_req *r;
	u64 started;			/* TSC */
};

struct nvme_ctrl {
	char name[8];			/* nvme0 */
	struct pci_dev *pdev;
	struct nvme n;
	struct nvme_queue_mem qm;
	spinlock_t lock;
	bool up, lent;
	bool placed;			/* commands placed, doorbell not rung */
	u64 cids;			/* slots in use */
	u32 depth;
	struct nvme_slot slot[NVME_DEPTH];
	u64 lists_pa;			/* a PRP list page per slot */
	u64 ident_pa;
	struct nvme_id_ctrl id;
	u32 max_bytes;
	volatile u32 *msix;
	u32 nmsix;
	int vector, irte;
	u32 msi_addr, msi_data;
	bool translated;		/* in the host domain */
	u32 nns;
	struct nvme_ns *ns[NVME_MAX_NS];
	/* Counters */
	u64 irqs, by_irq, by_poll, stray, resets, refused;
	u32 most;			/* commands in flight at once, at most */
	u32 warned;
};

static struct nvme_ctrl *ctrls[NVME_MAX_CTRLS];
static u32 nctrls;

static const struct blk_dev_ops nvme_ops;

static u64 ms_ticks(u64 ms)
{
	return tsc_hz() / 1000 * ms;
}

/* Some command waited longer than an interrupt would take. Locked. */
static bool overdue(struct nvme_ctrl *c)
{
	u64 now = rdtsc();

	for (u32 i = 0; i < c->depth; i++)
		if (c->slot[i].r && now - c->slot[i].started > ms_ticks(NVME_LOST_IRQ_MS))
			return true;
	return false;
}

/* Take every completion posted; finish their requests outside the lock. */
static void reap(struct nvme_ctrl *c, bool from_irq)
{
	struct blk_req *done[NVME_DEPTH];
	int status[NVME_DEPTH];
	struct nvme_cqe e;
	u32 nd = 0;
	u64 f = spin_lock_irqsave(&c->lock);

	if (!c->up || (!from_irq && c->vector >= 0 && !overdue(c))) {
		spin_unlock_irqrestore(&c->lock, f);
		return;
	}
	while (nd < NVME_DEPTH && nvme_reap_io(&c->n, &e)) {
		struct nvme_slot *s = e.cid < c->depth ? &c->slot[e.cid] : NULL;
		u16 st = nvme_cqe_status(&e);

		if (!s || !s->r) {
			c->stray++;		/* no command of ours has that ID */
			continue;
		}
		if (st)
			pr_warn("nvme: %s: %s of %u blocks at %llu failed: status %#x (%s)",
				s->r->dev->name, blk_op_name(s->r->op), s->r->count,
				(unsigned long long)s->r->dev_lba, st, nvme_status_name(st));
		done[nd] = s->r;
		status[nd++] = nvme_status_errno(st);
		s->r = NULL;
		nvme_cid_free(&c->cids, e.cid);
		if (from_irq)
			c->by_irq++;
		else
			c->by_poll++;
	}
	spin_unlock_irqrestore(&c->lock, f);
	for (u32 i = 0; i < nd; i++)
		blk_complete(done[i], status[i]);
}

static void nvme_irq(struct regs *regs, void *arg)
{
	struct nvme_ctrl *c = arg;
	u64 t0 = rdtsc();

	(void)regs;
	c->irqs++;
	reap(c, true);
	/* One interrupt for all namespaces: charged to the first. */
	if (c->nns)
		blk_charge_irq(&c->ns[0]->blk, t0);
}

static int nvme_start(struct blk_dev *d, struct blk_req *r)
{
	struct nvme_ns *ns = d->drv;
	struct nvme_ctrl *c = ns->c;
	const char *why = "";
	struct nvme_sqe cmd;
	int cid, n;
	u64 f;

	if (!c->pdev->owner || strcmp(c->pdev->owner, PCI_OWNER_TERN)) {
		/* Never expected: vm start refuses a function tern owns. */
		if (!c->warned++)
			pr_warn("nvme: %s: the controller is no longer tern's (%s): requests fail",
				d->name, c->pdev->owner ? c->pdev->owner : "no owner");
		return -EIO;
	}
	f = spin_lock_irqsave(&c->lock);
	if (c->lent) {
		spin_unlock_irqrestore(&c->lock, f);
		return -EBUSY;		/* back soon: the request waits */
	}
	if (!c->up) {
		spin_unlock_irqrestore(&c->lock, f);
		return -EIO;
	}
	cid = nvme_cid_alloc(&c->cids, c->depth);
	if (cid < 0) {
		spin_unlock_irqrestore(&c->lock, f);
		return -EBUSY;
	}
	if (r->op == BLK_FLUSH) {
		nvme_cmd_flush(&cmd, (u16)cid, ns->nsid);
	} else {
		u64 list_pa = c->lists_pa + (u64)cid * PAGE_SIZE;

		nvme_cmd_rw(&cmd, (u16)cid, r->op == BLK_WRITE, r->fua, ns->nsid, r->dev_lba,
			    r->count);
		/* Physical addresses: the host domain maps them 1:1. */
		n = nvme_prp_build(r->segs, r->nsegs, &cmd.prp1, &cmd.prp2,
				   phys_to_virt(list_pa), NVME_PRP_LIST_MAX, list_pa, &why);
		if (n < 0) {
			nvme_cid_free(&c->cids, (u32)cid);
			c->refused++;
			spin_unlock_irqrestore(&c->lock, f);
			pr_debug("nvme: %s: request refused: %s", d->name, why);
			return -EINVAL;
		}
	}
	c->slot[cid].r = r;
	c->slot[cid].started = rdtsc();
	nvme_place_io(&c->n, &cmd);
	c->placed = true;
	c->most = MAX(c->most, (u32)__builtin_popcountll(c->cids));
	spin_unlock_irqrestore(&c->lock, f);
	return 0;
}

static void nvme_poll(struct blk_dev *d)
{
	struct nvme_ns *ns = d->drv;
	struct nvme_ctrl *c = ns->c;
	u64 f = spin_lock_irqsave(&c->lock);

	if (c->placed && c->up)
		nvme_ring_io(&c->n);
	c->placed = false;
	spin_unlock_irqrestore(&c->lock, f);
	reap(c, false);
}

/* Queues and interrupt as at probe: after a reset, or when lent back. */
static int ctrl_enable(struct nvme_ctrl *c, const char **why)
{
	if (c->vector >= 0) {
		pci_msix_entry(c->msix, NVME_IO_VECTOR, c->msi_addr, c->msi_data, false);
		pci_msix_enable(c->pdev, true);
	}
	if (nvme_init_depth(&c->n, c->pdev, &c->qm, NVME_IO_ENTRIES,
			    c->vector >= 0 ? NVME_IO_VECTOR : -1, why))
		return -1;
	c->depth = MIN((u32)NVME_DEPTH, (u32)c->n.entries[NVME_IOQ] - 1);
	return 0;
}

/*
 * A request timed out: reset the controller, so it DMAs into none of its
 * requests again; those still in flight fail; then the queues anew.
 */
static void nvme_abort(struct blk_dev *d, struct blk_req *r)
{
	struct nvme_ns *ns = d->drv;
	struct nvme_ctrl *c = ns->c;
	struct blk_req *failed[NVME_DEPTH];
	const char *why = "";
	u32 nf = 0;
	bool ours = false;
	u64 f = spin_lock_irqsave(&c->lock);

	for (u32 i = 0; i < c->depth; i++)
		if (c->slot[i].r == r)
			ours = true;
	if (!ours || !c->up) {
		spin_unlock_irqrestore(&c->lock, f);
		return;
	}
	c->up = false;			/* the interrupt handler keeps off */
	for (u32 i = 0; i < c->depth; i++) {
		if (c->slot[i].r && c->slot[i].r != r)
			failed[nf++] = c->slot[i].r;
		c->slot[i].r = NULL;
	}
	c->cids = 0;
	c->placed = false;
	c->resets++;
	spin_unlock_irqrestore(&c->lock, f);
	/* Management core, unlocked: the reset waits up to CAP.TO. */
	if (ctrl_enable(c, &why)) {
		pr_err("nvme: %s: reset after a time-out failed: %s; its disks fail", c->name, why);
		nvme_shutdown(&c->n);
	} else {
		pr_warn("nvme: %s: controller reset after a time-out; %u other requests failed",
			c->name, nf);
		f = spin_lock_irqsave(&c->lock);
		c->up = true;
		spin_unlock_irqrestore(&c->lock, f);
	}
	for (u32 i = 0; i < nf; i++)
		blk_complete(failed[i], -EIO);
}

static void nvme_describe(const struct blk_dev *d, char *buf, size_t n)
{
	const struct nvme_ns *ns = d->drv;
	const struct nvme_ctrl *c = ns->c;
	const struct pci_dev *p = c->pdev;
	char irq[48];

	if (c->vector < 0)
		snprintf(irq, sizeof(irq), "polled");
	else if (c->irte >= 0)
		snprintf(irq, sizeof(irq), "MSI-X through IRTE %d", c->irte);
	else
		snprintf(irq, sizeof(irq), "MSI-X");
	snprintf(buf, n, "%02x:%02x.%u ns %u, %u deep (%u at once), %u KiB max, %s, %s; %s: interrupts %llu, completions %llu by interrupt %llu by poll, resets %llu",
		 p->bus, p->dev, p->fn, ns->nsid, c->depth, c->most, c->max_bytes >> 10,
		 c->id.vwc ? "write cache" : "no write cache",
		 c->translated ? "DMA via host domain" : "DMA untranslated", irq,
		 (unsigned long long)c->irqs, (unsigned long long)c->by_irq,
		 (unsigned long long)c->by_poll, (unsigned long long)c->resets);
}

static const struct blk_dev_ops nvme_ops = {
	.start = nvme_start,
	.poll = nvme_poll,
	.abort = nvme_abort,
	.describe = nvme_describe,
};

/* ---- probing ---- */

/* MSI-X entry 1 to the management core: through an IRTE where the unit
 * remaps interrupts (compatibility format is blocked there), else a
 * plain message. No MSI-X, or no way to send it: polled. */
static void setup_irq(struct nvme_ctrl *c)
{
	struct pci_dev *p = c->pdev;
	u8 devfn = (u8)(p->dev << 3 | p->fn);
	u32 apic = cpus[0]->apic_id;
	bool remaps = false;

	c->vector = c->irte = -1;
	c->msix = pci_msix_map(p, &c->nmsix);
	if (!c->msix || c->nmsix <= NVME_IO_VECTOR)
		return;
	c->vector = irq_alloc_vector(0, nvme_irq, c, "nvme");
	if (c->vector < 0)
		return;
	for (u32 i = 0; i < vtd_nunits; i++)
		remaps |= vtd_units[i].ir_on;
	if (vtd_covers(p->bus, devfn) && remaps) {
		c->irte = vtd_msi_remap(p->bus, devfn, apic, (u8)c->vector, &c->msi_addr,
					&c->msi_data);
		if (c->irte >= 0)
			return;
	} else if (apic <= 0xff) {
		c->msi_addr = MSI_ADDR_BASE | apic << 12;	/* physical destination */
		c->msi_data = (u32)c->vector;			/* fixed, edge */
		return;
	}
	irq_free_vector(0, (u32)c->vector);
	c->vector = -1;
}

static int identify(struct nvme_ctrl *c, u8 cns, u32 nsid)
{
	struct nvme_sqe cmd;

	nvme_cmd_identify(&cmd, ++c->n.cid, cns, nsid, c->ident_pa);
	return nvme_submit_sync(&c->n, NVME_ADMINQ, &cmd);
}

static void add_ns(struct nvme_ctrl *c, u32 nsid)
{
	struct nvme_id_ns id;
	struct nvme_ns *ns;

	if (c->nns == NVME_MAX_NS || identify(c, NVME_CNS_NS, nsid))
		return;
	nvme_id_ns_parse(phys_to_virt(c->ident_pa), &id);
	if (id.why) {
		pr_info("nvme: %s namespace %u not used: %s", c->name, nsid, id.why);
		return;
	}
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return;
	ns->c = c;
	ns->nsid = nsid;
	snprintf(ns->blk.name, sizeof(ns->blk.name), "%sn%u", c->name, nsid);
	snprintf(ns->blk.model, sizeof(ns->blk.model), "%s", c->id.model);
	ns->blk.nblocks = id.nsze;
	ns->blk.block_size = id.block_size;
	ns->blk.ops = &nvme_ops;
	ns->blk.drv = ns;
	ns->blk.max_blocks = c->max_bytes / id.block_size;
	c->ns[c->nns++] = ns;
	pr_info("nvme: %s: %llu blocks of %u bytes (%llu MiB)", ns->blk.name,
		(unsigned long long)id.nsze, id.block_size,
		(unsigned long long)(id.nsze * id.block_size >> 20));
	blk_register(&ns->blk);
}

static void give_up(struct nvme_ctrl *c)
{
	nvme_shutdown(&c->n);
	if (c->vector >= 0) {
		pci_msix_entry(c->msix, NVME_IO_VECTOR, 0, 0, true);
		pci_msix_enable(c->pdev, false);
		if (c->irte >= 0)
			vtd_msi_unmap(c->pdev->bus, (u8)(c->pdev->dev << 3 | c->pdev->fn), c->irte);
		irq_free_vector(0, (u32)c->vector);
	}
	if (c->translated)
		host_domain_detach(c->pdev);
	c->pdev->owner = NULL;
}

static void probe(struct pci_dev *p)
{
	struct nvme_ctrl *c;
	const char *why = "";
	u32 nsids[NVME_MAX_NS], nfound = 0;
	int rc;

	if (p->owner) {
		pr_info("nvme: %02x:%02x.%u is assigned to VM %s: not used by tern", p->bus, p->dev,
			p->fn, p->owner);
		return;
	}
	if (nctrls == NVME_MAX_CTRLS)
		return;
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->lock = (spinlock_t)SPINLOCK_INIT;
	c->pdev = p;
	snprintf(c->name, sizeof(c->name), "nvme%u", nctrls);
	for (int i = 0; i < 4; i++) {
		c->qm.pa[i] = pmm_alloc_zeroed_page();
		c->qm.dma[i] = c->qm.pa[i];		/* identity: the host domain */
	}
	c->lists_pa = pmm_alloc(NVME_DEPTH);
	c->ident_pa = pmm_alloc_zeroed_page();
	if (!c->qm.pa[0] || !c->qm.pa[1] || !c->qm.pa[2] || !c->qm.pa[3] || !c->lists_pa ||
	    !c->ident_pa) {
		pr_warn("nvme: %02x:%02x.%u: out of memory", p->bus, p->dev, p->fn);
		return;
	}
	/* Into the host domain before it may master the bus. */
	rc = host_domain_attach(p, c->name);
	if (rc < 0) {
		pr_warn("nvme: %02x:%02x.%u is behind VT-d but cannot join the host domain: not used",
			p->bus, p->dev, p->fn);
		return;
	}
	c->translated = rc == 0;
	/* tern's disks: never also a VM's (vm start refuses it by owner). */
	p->owner = PCI_OWNER_TERN;
	setup_irq(c);
	if (ctrl_enable(c, &why)) {
		pr_warn("nvme: %02x:%02x.%u: %s: not used", p->bus, p->dev, p->fn, why);
		give_up(c);
		return;
	}
	if (identify(c, NVME_CNS_CTRL, 0)) {
		pr_warn("nvme: %02x:%02x.%u: IDENTIFY controller failed: not used", p->bus, p->dev,
			p->fn);
		give_up(c);
		return;
	}
	nvme_id_ctrl_parse(phys_to_virt(c->ident_pa), &c->id);
	/* MDTS counts CAP.MPSMIN pages (4 KiB here); 0 is no limit. */
	c->max_bytes = c->id.mdts && c->id.mdts < 10 ? (4096U << c->id.mdts) : NVME_MAX_XFER;
	c->max_bytes = MIN(c->max_bytes, (u32)NVME_MAX_XFER);
	c->up = true;
	ctrls[nctrls++] = c;
	pr_info("nvme: %s at %02x:%02x.%u: '%s' serial '%s', %u namespaces, %u KiB a transfer, %s; %u commands in flight, %s%s; DMA %s",
		c->name, p->bus, p->dev, p->fn, c->id.model, c->id.serial, c->id.nn,
		c->max_bytes >> 10, c->id.vwc ? "volatile write cache" : "no write cache",
		c->depth, c->vector < 0 ? "polled" : "MSI-X",
		c->irte >= 0 ? " through interrupt remapping" : "",
		c->translated ? "through the host domain" : "untranslated (no VT-d)");
	/* The active namespaces (CNS 02h, NVMe 1.1); older ones: 1 to NN. */
	if (!identify(c, NVME_CNS_ACTIVE_NS, 0)) {
		const u32 *l = phys_to_virt(c->ident_pa);

		for (u32 i = 0; i < NVME_MAX_NS && l[i]; i++)
			nsids[nfound++] = l[i];
	} else {
		for (u32 i = 1; i <= c->id.nn && i <= NVME_MAX_NS; i++)
			nsids[nfound++] = i;
	}
	for (u32 i = 0; i < nfound; i++)
		add_ns(c, nsids[i]);
}

void nvme_blk_init(void)
{
	for (u32 i = 0; i < pci_count(); i++) {
		struct pci_dev *p = pci_get(i);

		if (p->class == 0x01 && p->subclass == 0x08 && p->prog_if == 0x02)
			probe(p);
	}
}

static struct nvme_ctrl *ctrl_of(struct pci_dev *d)
{
	for (u32 i = 0; i < nctrls; i++)
		if (ctrls[i]->pdev == d)
			return ctrls[i];
	return NULL;
}

int nvme_blk_lend(struct pci_dev *d)
{
	struct nvme_ctrl *c = ctrl_of(d);
	u64 f;

	if (!c)
		return -ENODEV;
	f = spin_lock_irqsave(&c->lock);
	if (c->cids || c->lent) {
		spin_unlock_irqrestore(&c->lock, f);
		return -EBUSY;
	}
	c->lent = true;
	c->up = false;
	spin_unlock_irqrestore(&c->lock, f);
	nvme_shutdown(&c->n);
	if (c->vector >= 0) {
		pci_msix_entry(c->msix, NVME_IO_VECTOR, 0, 0, true);
		pci_msix_enable(d, false);
	}
	if (c->translated)
		host_domain_detach(d);
	pr_info("nvme: %s lent out: disabled, out of the host domain", c->name);
	return 0;
}

void nvme_blk_return(struct pci_dev *d)
{
	struct nvme_ctrl *c = ctrl_of(d);
	const char *why = "";
	bool ok;
	u64 f;

	if (!c || !c->lent)
		return;
	ok = !c->translated || host_domain_attach(d, c->name) == 0;
	if (!ok)
		why = "cannot rejoin the host domain";
	else if (ctrl_enable(c, &why))
		ok = false;
	if (!ok) {
		pr_err("nvme: %s given back but not usable: %s; its disks fail", c->name, why);
		nvme_shutdown(&c->n);
	}
	f = spin_lock_irqsave(&c->lock);
	c->lent = false;
	c->up = ok;
	spin_unlock_irqrestore(&c->lock, f);
	if (ok)
		pr_info("nvme: %s back: queues rebuilt, in the host domain again", c->name);
}
