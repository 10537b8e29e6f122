// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "core/cpu.h"
#include "core/tsc.h"
#include "drivers/nvme.h"
#include "drivers/pci.h"
#include "mm/kmem.h"

_Static_assert(sizeof(struct nvme_sqe) == NVME_SQE_SIZE, "submission entry");
_Static_assert(sizeof(struct nvme_cqe) == NVME_CQE_SIZE, "completion entry");

enum { ADMIN = 0, IO = 1 };

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

/* CSTS.RDY reaching want within the controller's CAP.TO. */
static bool wait_ready(struct nvme *n, bool want)
{
	u64 start = rdtsc(), limit = tsc_hz() / 1000 * n->timeout_ms;

	while (!!(rd32(n, NVME_REG_CSTS) & NVME_CSTS_RDY) != want) {
		if (rd32(n, NVME_REG_CSTS) & NVME_CSTS_CFS)
			return false;
		if (rdtsc() - start > limit)
			return false;
		cpu_relax();
	}
	return true;
}

/* Submit on queue q and poll its completion queue: the status, or -1. */
static int submit(struct nvme *n, int q, struct nvme_sqe *c)
{
	volatile struct nvme_cqe *e;
	u64 start = rdtsc(), limit = tsc_hz() / 1000 * n->timeout_ms;
	u16 cid = (u16)(c->cdw0 >> 16);

	n->sq[q][n->sq_tail[q]] = *c;
	n->sq_tail[q] = (n->sq_tail[q] + 1) % NVME_QUEUE_ENTRIES;
	__asm__ __volatile__("mfence" ::: "memory");	/* entry before doorbell */
	doorbell(n, 2 * (u32)q, n->sq_tail[q]);
	n->commands++;
	for (;;) {
		e = &n->cq[q][n->cq_head[q]];
		if (nvme_cqe_phase((const struct nvme_cqe *)e) == n->phase[q])
			break;
		if (rdtsc() - start > limit)
			return -1;
		cpu_relax();
	}
	__asm__ __volatile__("" ::: "memory");
	n->cq_head[q] = (n->cq_head[q] + 1) % NVME_QUEUE_ENTRIES;
	if (!n->cq_head[q])
		n->phase[q] = !n->phase[q];
	doorbell(n, 2 * (u32)q + 1, n->cq_head[q]);
	if (e->cid != cid)
		return -1;
	if (nvme_cqe_status((const struct nvme_cqe *)e))
		n->errors++;
	return nvme_cqe_status((const struct nvme_cqe *)e);
}

int nvme_init(struct nvme *n, struct pci_dev *d, const struct nvme_queue_mem *m, int io_vector,
	      const char **why)
{
	struct nvme_sqe c;
	u64 cap;

	memset(n, 0, sizeof(*n));
	n->pdev = d;
	if (d->bars[0].type != PCI_BAR_MEM64_SPACE && d->bars[0].type != PCI_BAR_MEM32) {
		*why = "BAR0 is not memory";
		return -1;
	}
	n->regs = ioremap(d->bars[0].base, MIN(d->bars[0].size, (u64)(16 * SZ_1K)), MAP_W | MAP_UC);
	if (!n->regs) {
		*why = "cannot map BAR0";
		return -1;
	}
	pci_write16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND,
		    pci_read16(d->seg, d->bus, d->dev, d->fn, PCI_COMMAND) |
		    PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	cap = rd64(n, NVME_REG_CAP);
	n->dstrd = NVME_CAP_DSTRD(cap);
	n->timeout_ms = MAX(NVME_CAP_TO(cap), 1U) * 500;
	if (!NVME_CAP_CSS_NVM(cap) || NVME_CAP_MPSMIN(cap) > 0 ||
	    NVME_CAP_MQES(cap) + 1 < NVME_QUEUE_ENTRIES) {
		*why = "controller without the NVM command set, 4 KiB pages or 8-entry queues";
		return -1;
	}
	wr32(n, NVME_REG_CC, 0);
	if (!wait_ready(n, false)) {
		*why = "controller did not stop (CSTS.RDY stayed set)";
		return -1;
	}
	for (int i = 0; i < 4; i++)
		memset(phys_to_virt(m->pa[i]), 0, PAGE_SIZE);
	n->sq[ADMIN] = phys_to_virt(m->pa[0]);
	n->cq[ADMIN] = phys_to_virt(m->pa[1]);
	n->sq[IO] = phys_to_virt(m->pa[2]);
	n->cq[IO] = phys_to_virt(m->pa[3]);
	n->phase[ADMIN] = n->phase[IO] = true;	/* the first pass posts phase 1 */
	wr32(n, NVME_REG_INTMS, ~0U);		/* polled: no pin interrupts */
	wr32(n, NVME_REG_AQA, (NVME_QUEUE_ENTRIES - 1) << 16 | (NVME_QUEUE_ENTRIES - 1));
	wr64(n, NVME_REG_ASQ, m->dma[0]);
	wr64(n, NVME_REG_ACQ, m->dma[1]);
	wr32(n, NVME_REG_CC, NVME_CC_EN | NVME_CC_IOSQES(6) | NVME_CC_IOCQES(4));
	if (!wait_ready(n, true)) {
		*why = (rd32(n, NVME_REG_CSTS) & NVME_CSTS_CFS) ?
		       "controller fatal status while enabling (queue memory unreachable?)" :
		       "controller did not become ready";
		return -1;
	}
	nvme_cmd_create_cq(&c, ++n->cid, 1, NVME_QUEUE_ENTRIES, m->dma[3], io_vector);
	if (submit(n, ADMIN, &c)) {
		*why = "Create I/O Completion Queue failed";
		return -1;
	}
	nvme_cmd_create_sq(&c, ++n->cid, 1, NVME_QUEUE_ENTRIES, m->dma[2], 1);
	if (submit(n, ADMIN, &c)) {
		*why = "Create I/O Submission Queue failed";
		return -1;
	}
	return 0;
}

int nvme_read(struct nvme *n, u32 nsid, u64 lba, u16 blocks, u64 dma)
{
	struct nvme_sqe c;

	nvme_cmd_read(&c, ++n->cid, nsid, lba, blocks, dma);
	return submit(n, IO, &c);
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
