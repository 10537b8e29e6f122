// SPDX-License-Identifier: GPL-2.0
/*
 * The NVMe controller core: reset and enable, queue pairs, commands
 * placed and completions taken. Used by tern's disk driver (nvme_blk.c,
 * asynchronous, interrupts) and by the VT-d self-test (polled).
 */
#include <string.h>

#include "core/cpu.h"
#include "core/tsc.h"
#include "drivers/nvme.h"
#include "drivers/pci.h"
#include "mm/kmem.h"

_Static_assert(sizeof(struct nvme_sqe) == NVME_SQE_SIZE, "submission entry");
_Static_assert(sizeof(struct nvme_cqe) == NVME_CQE_SIZE, "completion entry");

static u32 rd32(struct nvme *n, u32 off)
{
	return *(volatile u32 *)(n->regs + off);
}

static void wr32(struct nvme *n, u32 off, u32 v)
{
	*(volatile u32 *)(n->regs + off) = v;
}

static u64 rd64(struct nvme *n, u32 off)
{
	return rd32(n, off) | (u64)rd32(n, off + 4) << 32;
}

static void wr64(struct nvme *n, u32 off, u64 v)
{
	wr32(n, off, (u32)v);
	wr32(n, off + 4, (u32)(v >> 32));
}

static void doorbell(struct nvme *n, u32 index, u32 v)
{
	wr32(n, NVME_REG_DOORBELLS + index * (4U << n->dstrd), v);
}

/* CSTS.RDY reaching want within the controller's CAP.TO (3.1.5: the
 * worst case for RDY to follow CC.EN either way). */
static bool wait_ready(struct nvme *n, bool want)
{
	u64 start = rdtsc(), limit = tsc_hz() / 1000 * n->timeout_ms;

	while (!!(rd32(n, NVME_REG_CSTS) & NVME_CSTS_RDY) != want) {
		if (want && (rd32(n, NVME_REG_CSTS) & NVME_CSTS_CFS))
			return false;
		if (rdtsc() - start > limit)
			return false;
		cpu_relax();
	}
	return true;
}

static void place(struct nvme *n, int q, const struct nvme_sqe *c)
{
	n->sq[q][n->sq_tail[q]] = *c;
	n->sq_tail[q] = (u16)((n->sq_tail[q] + 1) % n->entries[q]);
	n->commands++;
}

static void ring(struct nvme *n, int q)
{
	/* The entries in memory before the doorbell tells the controller. */
	__asm__ __volatile__("mfence" ::: "memory");
	doorbell(n, 2 * (u32)q, n->sq_tail[q]);
}

static void push(struct nvme *n, int q, const struct nvme_sqe *c)
{
	place(n, q, c);
	ring(n, q);
}

static bool take(struct nvme *n, int q, struct nvme_cqe *out)
{
	if (!nvme_cq_take(n->cq[q], n->entries[q], &n->cq_head[q], &n->phase[q], out))
		return false;
	doorbell(n, 2 * (u32)q + 1, n->cq_head[q]);
	if (nvme_cqe_status(out))
		n->errors++;
	return true;
}

int nvme_submit_sync(struct nvme *n, int q, struct nvme_sqe *c)
{
	u64 start = rdtsc(), limit = tsc_hz() / 1000 * n->timeout_ms;
	u16 cid = (u16)(c->cdw0 >> 16);
	struct nvme_cqe e;

	push(n, q, c);
	while (!take(n, q, &e)) {
		if (rdtsc() - start > limit)
			return -1;
		cpu_relax();
	}
	if (e.cid != cid)
		return -1;
	return nvme_cqe_status(&e);
}

void nvme_submit_io(struct nvme *n, const struct nvme_sqe *c)
{
	push(n, NVME_IOQ, c);
}

void nvme_place_io(struct nvme *n, const struct nvme_sqe *c)
{
	place(n, NVME_IOQ, c);
}

void nvme_ring_io(struct nvme *n)
{
	ring(n, NVME_IOQ);
}

bool nvme_reap_io(struct nvme *n, struct nvme_cqe *out)
{
	return take(n, NVME_IOQ, out);
}

int nvme_init_depth(struct nvme *n, struct pci_dev *d, const struct nvme_queue_mem *m,
		    u16 io_entries, int io_vector, const char **why)
{
	struct nvme_sqe c;
	volatile u8 *regs = n->regs;
	u64 cap;

	memset(n, 0, sizeof(*n));
	n->pdev = d;
	if (d->bars[0].type != PCI_BAR_MEM64_SPACE && d->bars[0].type != PCI_BAR_MEM32) {
		*why = "BAR0 is not memory";
		return -1;
	}
	/* Mapped once per controller: a reset maps nothing anew. */
	n->regs = regs ? regs : ioremap(d->bars[0].base, MIN(d->bars[0].size, (u64)(16 * SZ_1K)),
					MAP_W | MAP_UC);
	if (!n->regs) {
		*why = "cannot map BAR0";
		return -1;
	}
	pci_write16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND,
		    pci_read16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND) |
		    PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	cap = n->cap = rd64(n, NVME_REG_CAP);
	n->dstrd = NVME_CAP_DSTRD(cap);
	n->timeout_ms = MAX(NVME_CAP_TO(cap), 1U) * 500;
	if (!NVME_CAP_CSS_NVM(cap) || NVME_CAP_MPSMIN(cap) > 0 ||
	    NVME_CAP_MQES(cap) + 1 < NVME_QUEUE_ENTRIES) {
		*why = "controller without the NVM command set, 4 KiB pages or 8-entry queues";
		return -1;
	}
	io_entries = (u16)MIN((u32)io_entries, NVME_CAP_MQES(cap) + 1);
	io_entries = (u16)MIN((u32)io_entries, (u32)(PAGE_SIZE / NVME_SQE_SIZE));
	/* Reset (7.6.2): CC.EN cleared, and the controller must say it
	 * stopped before its queues are touched. */
	wr32(n, NVME_REG_CC, 0);
	if (!wait_ready(n, false)) {
		*why = "controller did not stop (CSTS.RDY stayed set)";
		return -1;
	}
	for (int i = 0; i < 4; i++)
		memset(phys_to_virt(m->pa[i]), 0, PAGE_SIZE);
	n->sq[NVME_ADMINQ] = phys_to_virt(m->pa[0]);
	n->cq[NVME_ADMINQ] = phys_to_virt(m->pa[1]);
	n->sq[NVME_IOQ] = phys_to_virt(m->pa[2]);
	n->cq[NVME_IOQ] = phys_to_virt(m->pa[3]);
	n->entries[NVME_ADMINQ] = NVME_QUEUE_ENTRIES;
	n->entries[NVME_IOQ] = io_entries;
	n->phase[NVME_ADMINQ] = n->phase[NVME_IOQ] = true;	/* the first pass posts 1 */
	wr32(n, NVME_REG_INTMS, ~0U);		/* no pin interrupts (MSI-X ignores INTMS) */
	wr32(n, NVME_REG_AQA, (NVME_QUEUE_ENTRIES - 1) << 16 | (NVME_QUEUE_ENTRIES - 1));
	wr64(n, NVME_REG_ASQ, m->dma[0]);
	wr64(n, NVME_REG_ACQ, m->dma[1]);
	/* 4 KiB pages (MPS 0), NVM command set (CSS 0), round robin. */
	wr32(n, NVME_REG_CC, NVME_CC_EN | NVME_CC_IOSQES(6) | NVME_CC_IOCQES(4));
	if (!wait_ready(n, true)) {
		*why = (rd32(n, NVME_REG_CSTS) & NVME_CSTS_CFS) ?
		       "controller fatal status while enabling (queue memory unreachable?)" :
		       "controller did not become ready";
		return -1;
	}
	nvme_cmd_create_cq(&c, ++n->cid, 1, io_entries, m->dma[3], io_vector);
	if (nvme_submit_sync(n, NVME_ADMINQ, &c)) {
		*why = "Create I/O Completion Queue failed";
		return -1;
	}
	nvme_cmd_create_sq(&c, ++n->cid, 1, io_entries, m->dma[2], 1);
	if (nvme_submit_sync(n, NVME_ADMINQ, &c)) {
		*why = "Create I/O Submission Queue failed";
		return -1;
	}
	return 0;
}

int nvme_init(struct nvme *n, struct pci_dev *d, const struct nvme_queue_mem *m, int io_vector,
	      const char **why)
{
	n->regs = NULL;
	return nvme_init_depth(n, d, m, NVME_QUEUE_ENTRIES, io_vector, why);
}

int nvme_read(struct nvme *n, u32 nsid, u64 lba, u16 blocks, u64 dma)
{
	struct nvme_sqe c;

	nvme_cmd_read(&c, ++n->cid, nsid, lba, blocks, dma);
	return nvme_submit_sync(n, NVME_IOQ, &c);
}

void nvme_shutdown(struct nvme *n)
{
	struct pci_dev *d = n->pdev;

	if (!n->regs)
		return;
	wr32(n, NVME_REG_CC, 0);
	wait_ready(n, false);
	pci_write16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND,
		    pci_read16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND) & ~PCI_COMMAND_MASTER);
}
