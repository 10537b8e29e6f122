// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "core/acpi/acpi.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/tsc.h"
#include "drivers/pci.h"
#include "iommu/vtd.h"
#include "irq/irq.h"
#include "irq/lapic.h"
#include "core/vdev/vioapic.h"
#include "mm/kmem.h"
#include "mm/pmm.h"

#define VTD_TIMEOUT_MS		1000
#define MSI_ADDR_BASE		0xfee00000U

struct vtd_unit vtd_units[VTD_MAX_UNITS];
u32 vtd_nunits;
struct vtd_domain *vtd_domains[VTD_MAX_DOMAINS];
u64 vtd_domains_made;
void (*vtd_fault_hook)(const struct vtd_fault *f);

static u32 rd32(struct vtd_unit *u, u32 off)
{
	return *(volatile u32 *)(u->regs + off);
}

static u64 rd64(struct vtd_unit *u, u32 off)
{
	return *(volatile u64 *)(u->regs + off);
}

static void wr32(struct vtd_unit *u, u32 off, u32 v)
{
	*(volatile u32 *)(u->regs + off) = v;
}

static void wr64(struct vtd_unit *u, u32 off, u64 v)
{
	*(volatile u64 *)(u->regs + off) = v;
}

static bool timed_out(u64 start)
{
	return rdtsc() - start > tsc_hz() / 1000 * VTD_TIMEOUT_MS;
}

/*
 * A global command (11.4.4): the status bits that are states (not
 * one-shot commands) are written back with the one bit changed, then the
 * status must follow.
 */
static bool gcmd(struct vtd_unit *u, u32 bit, bool on)
{
	u32 sts = rd32(u, VTD_GSTS) & ~GCMD_ONESHOT;
	u64 start = rdtsc();

	wr32(u, VTD_GCMD, on ? sts | bit : sts & ~bit);
	while (!!(rd32(u, VTD_GSTS) & bit) != on) {
		if (timed_out(start)) {
			snprintf(u->problem, sizeof(u->problem),
				 "global command %#x did not complete (status %#x)",
				 bit, rd32(u, VTD_GSTS));
			return false;
		}
		cpu_relax();
	}
	return true;
}

/* Queue descriptors and a wait descriptor behind them; wait for it. */
static bool qi_run(struct vtd_unit *u, const struct vtd_desc *d, u32 n)
{
	struct vtd_desc *q = phys_to_virt(u->queue_pa);
	volatile u32 *status = phys_to_virt(u->status_pa);
	u32 seq;
	u64 start, f;
	bool ok = true;

	f = spin_lock_irqsave(&u->lock);
	seq = ++u->wait_seq;
	for (u32 i = 0; i < n; i++) {
		q[u->qtail] = d[i];
		u->qtail = (u->qtail + 1) % VTD_QUEUE_ENTRIES;
	}
	q[u->qtail] = vtd_desc_wait(seq, u->status_pa);
	u->qtail = (u->qtail + 1) % VTD_QUEUE_ENTRIES;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr64(u, VTD_IQT, (u64)u->qtail << 4);
	u->waits++;
	start = rdtsc();
	while (*status != seq) {
		if (timed_out(start) || (rd32(u, VTD_FSTS) & (FSTS_IQE | FSTS_ITE))) {
			u32 fsts = rd32(u, VTD_FSTS);

			u->wait_timeouts++;
			pr_err("vt-d %#llx: invalidation queue stuck (head %llu, tail %u, fault status %#x): the unit does not answer",
			       (unsigned long long)u->base,
			       (unsigned long long)(rd64(u, VTD_IQH) >> 4), u->qtail, fsts);
			wr32(u, VTD_FSTS, fsts & FSTS_W1C);
			ok = false;
			break;
		}
		cpu_relax();
	}
	spin_unlock_irqrestore(&u->lock, f);
	return ok;
}

bool vtd_flush_all(struct vtd_unit *u)
{
	struct vtd_desc d[3] = { vtd_desc_cc_global(), vtd_desc_iotlb_global(true),
				 vtd_desc_iec_global() };
	u32 n = u->caps.ir ? 3 : 2;

	if (!qi_run(u, d, n))
		return false;
	u->cc_invals++;
	u->iotlb_invals++;
	if (u->caps.ir)
		u->iec_invals++;
	return true;
}

void vtd_poll_faults(struct vtd_unit *u)
{
	u32 fsts = rd32(u, VTD_FSTS), idx;

	if (!(fsts & FSTS_PPF) && !(fsts & FSTS_PFO))
		return;
	idx = FSTS_FRI(fsts);
	for (u32 n = 0; n < u->caps.nfr; n++, idx = (idx + 1) % u->caps.nfr) {
		u32 off = u->caps.fro + idx * 16;
		struct vtd_fault flt;

		if (!vtd_fault_decode(rd64(u, off), rd64(u, off + 8), &flt))
			break;
		u->faults++;
		u->recent[u->nrecent++ % VTD_RECENT_FAULTS] = flt;
		pr_err("vt-d %#llx: DMA fault: device %02x:%02x.%u %s %#llx: reason %#x (%s)",
		       (unsigned long long)u->base, flt.sid >> 8, (flt.sid >> 3) & 0x1f,
		       flt.sid & 7, flt.read ? "read of" : "write to",
		       (unsigned long long)flt.addr, flt.reason, vtd_fault_reason(flt.reason));
		/* Clear the record: F is write-1-to-clear (bit 127). */
		wr32(u, off + 12, (u32)(FRCD_HI_F >> 32));
		if (vtd_fault_hook)
			vtd_fault_hook(&flt);
	}
	if (fsts & FSTS_PFO)
		pr_err("vt-d %#llx: fault records overflowed; some faults were lost",
		       (unsigned long long)u->base);
	wr32(u, VTD_FSTS, fsts & FSTS_W1C);
}

static void fault_irq(struct regs *r, void *arg)
{
	(void)r;
	vtd_poll_faults(arg);
}

/* The fault event interrupt (11.4.9.2): an MSI to core 0. */
static void setup_fault_irq(struct vtd_unit *u)
{
	int vec = irq_alloc_vector(0, fault_irq, u, "vt-d fault");

	if (vec < 0) {
		pr_warn("vt-d %#llx: no vector for fault events; faults are polled",
			(unsigned long long)u->base);
		return;
	}
	u->fault_vector = vec;
	wr32(u, VTD_FEDATA, (u32)vec);
	wr32(u, VTD_FEADDR, MSI_ADDR_BASE | (cpus[0]->apic_id << 12));
	wr32(u, VTD_FEUADDR, 0);
	wr32(u, VTD_FECTL, 0);			/* unmasked */
}

/*
 * Interrupt remapping (5.1): an empty table (every remappable interrupt
 * blocked until an entry is written), IDs in the format tern's local
 * APICs use, compatibility-format interrupts blocked (CFI stays 0).
 */
static bool setup_ir(struct vtd_unit *u)
{
	struct vtd_desc iec = vtd_desc_iec_global();

	if (lapic_x2apic() && !u->caps.eim) {
		pr_warn("vt-d %#llx: x2APIC IDs cannot be remapped by this unit (no EIM): interrupt remapping off",
			(unsigned long long)u->base);
		return true;
	}
	u->ir_x2apic = lapic_x2apic();
	u->irt_pa = pmm_alloc_zeroed_page();
	if (!u->irt_pa) {
		snprintf(u->problem, sizeof(u->problem), "out of memory");
		return false;
	}
	wr64(u, VTD_IRTA, u->irt_pa | (u->ir_x2apic ? IRTA_EIME : 0) | IRTA_S_256);
	if (!gcmd(u, GCMD_SIRTP, true) || !qi_run(u, &iec, 1) || !gcmd(u, GCMD_IRE, true))
		return false;
	u->iec_invals++;
	u->ir_on = true;
	return true;
}

static bool bring_up(struct vtd_unit *u)
{
	u32 ver, span;

	u->regs = ioremap(u->base, PAGE_SIZE, MAP_W | MAP_UC);
	if (!u->regs) {
		snprintf(u->problem, sizeof(u->problem), "cannot map its registers");
		return false;
	}
	ver = rd32(u, VTD_VER);
	u->cap = rd64(u, VTD_CAP);
	u->ecap = rd64(u, VTD_ECAP);
	if (ver == 0xffffffff || u->cap == ~0ULL || !u->cap) {
		snprintf(u->problem, sizeof(u->problem),
			 "registers do not answer (version %#x, capabilities %#llx)",
			 ver, (unsigned long long)u->cap);
		return false;
	}
	vtd_caps_decode(ver, u->cap, u->ecap, &u->caps);
	/* The fault and IOTLB registers may lie beyond the first page. */
	span = MAX(u->caps.fro + u->caps.nfr * 16, u->caps.iro + 16);
	if (span > PAGE_SIZE) {
		u->regs = ioremap(u->base, ALIGN_UP(span, PAGE_SIZE), MAP_W | MAP_UC);
		if (!u->regs) {
			snprintf(u->problem, sizeof(u->problem), "cannot map its registers");
			return false;
		}
	}
	if (!u->caps.qi) {
		snprintf(u->problem, sizeof(u->problem), "no queued invalidation");
		return false;
	}
	/* Start from a known state: firmware may have left it translating. */
	if ((rd32(u, VTD_GSTS) & GCMD_TE) && !gcmd(u, GCMD_TE, false))
		return false;
	vtd_poll_faults(u);

	/* An empty root table: no device's DMA gets through. */
	u->root_pa = pmm_alloc_zeroed_page();
	u->queue_pa = pmm_alloc_zeroed_page();
	u->status_pa = pmm_alloc_zeroed_page();
	if (!u->root_pa || !u->queue_pa || !u->status_pa) {
		snprintf(u->problem, sizeof(u->problem), "out of memory");
		return false;
	}
	wr64(u, VTD_RTADDR, u->root_pa);	/* legacy mode: TTM = 0 */
	if (!gcmd(u, GCMD_SRTP, true))
		return false;
	if (rd32(u, VTD_GSTS) & GCMD_QIE)
		gcmd(u, GCMD_QIE, false);
	u->qtail = 0;
	wr64(u, VTD_IQT, 0);
	wr64(u, VTD_IQA, u->queue_pa | IQA_QS_4K);	/* 128-bit descriptors */
	if (!gcmd(u, GCMD_QIE, true))
		return false;
	if (!vtd_flush_all(u)) {
		snprintf(u->problem, sizeof(u->problem), "invalidation queue does not answer");
		return false;
	}
	setup_fault_irq(u);
	if (u->caps.ir && !setup_ir(u))
		return false;
	if (!gcmd(u, GCMD_TE, true))
		return false;
	return true;
}

/* Page walks of a unit without ECAP.C do not snoop: write tables back. */
static void sync_tables(void)
{
	for (u32 i = 0; i < vtd_nunits; i++)
		if (vtd_units[i].up && !vtd_units[i].caps.coherent) {
			__asm__ __volatile__("wbinvd" ::: "memory");
			return;
		}
}

static u64 sl_table(void *ctx)
{
	(void)ctx;
	return pmm_alloc_zeroed_page();
}

int vtd_domain_init(struct vtd_domain *d, u16 id)
{
	u32 agaw = 48;

	memset(d, 0, sizeof(*d));
	/* The walk every unit can take: 39 bits if any lacks 48; large
	 * pages only if all have them. */
	d->large = true;
	for (u32 i = 0; i < vtd_nunits; i++) {
		if (!vtd_units[i].up)
			continue;
		if (vtd_agaw(&vtd_units[i].caps) < agaw)
			agaw = vtd_agaw(&vtd_units[i].caps);
		d->large &= vtd_units[i].caps.large_2m;
	}
	if (!agaw || !vtd_nunits)
		return -1;
	d->id = id;
	d->agaw = agaw;
	d->sl.fmt = &pt_format_vtd;
	d->sl.alloc_table = sl_table;
	d->sl.p2v = phys_to_virt;
	d->sl.allow_1g = false;
	if (pt_init(&d->sl))
		return -1;
	for (u32 i = 0; i < VTD_MAX_DOMAINS; i++)
		if (!vtd_domains[i]) {
			vtd_domains[i] = d;
			break;
		}
	vtd_domains_made++;
	if (agaw == 39) {
		/* A 3-level walk starts at what PML4[0] points to: the
		 * builder's 4-level table, limited to the first 512 GiB. */
		u64 *pml4 = phys_to_virt(d->sl.root);

		d->l3_root = pmm_alloc_zeroed_page();
		if (!d->l3_root)
			return -1;
		pml4[0] = d->l3_root | VTD_SL_R | VTD_SL_W;
	}
	return 0;
}

static void free_sl(u64 table, int level)
{
	u64 *t = phys_to_virt(table);

	for (int i = 0; level > 0 && i < 512; i++)
		if ((t[i] & (VTD_SL_R | VTD_SL_W)) && !(t[i] & PTE_PS))
			free_sl(t[i] & PTE_ADDR_MASK, level - 1);
	pmm_free(table, 1);
}

void vtd_domain_free(struct vtd_domain *d)
{
	for (u32 i = 0; i < VTD_MAX_DOMAINS; i++)
		if (vtd_domains[i] == d)
			vtd_domains[i] = NULL;
	if (d->sl.root)
		free_sl(d->sl.root, 3);
	memset(d, 0, sizeof(*d));
}

/* The tables only; the caller makes the units see them (publish). */
static int sl_map(struct vtd_domain *d, u64 iova, u64 pa, u64 size, u32 perm)
{
	u32 flags = d->large ? 0 : MAP_NO_LARGE;
	int err;

	if (iova + size > (1ULL << d->agaw))
		return PT_ERR_ALIGN;
	if (perm & VTD_MAP_WRITE)
		flags |= MAP_W;
	if (!(perm & VTD_MAP_READ))
		flags |= MAP_NO_READ;	/* refused by pt_map without MAP_W */
	err = pt_map(&d->sl, iova, pa, size, flags);
	if (!err) {
		d->mapped += size;
		d->maps++;
	}
	return err;
}

/* New entries written: where walks do not snoop, write them back; a unit
 * in caching mode (a virtual one, as under KVM) may cache not-present
 * entries too (VT-d 6.1), so tell it. */
static void publish(void)
{
	sync_tables();
	for (u32 i = 0; i < vtd_nunits; i++)
		if (vtd_units[i].up && vtd_units[i].caps.caching_mode && vtd_units[i].attached)
			vtd_flush_all(&vtd_units[i]);
}

int vtd_domain_map(struct vtd_domain *d, u64 iova, u64 pa, u64 size, u32 perm)
{
	int err = sl_map(d, iova, pa, size, perm);

	if (!err)
		publish();
	return err;
}

static int mirror_extent(u64 gpa, u64 hpa, u64 len, u32 perm, void *ctx)
{
	(void)perm;	/* DMA may write what the guest's EPT view protects */
	return sl_map(ctx, gpa, hpa, len, VTD_MAP_RW);
}

int vtd_domain_mirror(struct vtd_domain *d, struct gpa_map *g)
{
	int err;

	/* Pin first: from now on no page of RAM can be made no-access. */
	if (gpa_set_state(g, 0, g->low_size, GPA_PG_PINNED, 0) ||
	    (g->high_size && gpa_set_state(g, g->high_base, g->high_size, GPA_PG_PINNED, 0)))
		return -1;
	err = gpa_walk(g, 0, g->low_size, mirror_extent, d);
	if (!err && g->high_size)
		err = gpa_walk(g, g->high_base, g->high_size, mirror_extent, d);
	publish();		/* once for every extent */
	return err;
}

int vtd_domain_unmap(struct vtd_domain *d, u64 iova, u64 size)
{
	int err = pt_unmap(&d->sl, iova, size);

	d->unmaps++;
	d->mapped -= MIN(d->mapped, size);
	sync_tables();
	/* Whatever a device cached must go before the pages are reused. */
	for (u32 i = 0; i < vtd_nunits; i++)
		if (vtd_units[i].up && vtd_units[i].attached)
			vtd_flush_all(&vtd_units[i]);
	return err;
}

int vtd_domain_clear(struct vtd_domain *d, u64 iova, u64 size)
{
	int err = pt_unmap(&d->sl, iova, size);

	d->unmaps++;
	d->mapped -= MIN(d->mapped, size);
	sync_tables();
	return err;
}

bool vtd_domain_invalidate(struct vtd_domain *d, u64 iova, int am, bool *page_selective)
{
	bool ok = true, psi = d && am >= 0;

	for (u32 i = 0; i < vtd_nunits; i++)
		if (vtd_units[i].up && vtd_units[i].attached &&
		    (!vtd_units[i].caps.psi || (u32)am > vtd_units[i].caps.mamv))
			psi = false;
	for (u32 i = 0; i < vtd_nunits; i++) {
		struct vtd_unit *u = &vtd_units[i];
		struct vtd_desc desc = !d ? vtd_desc_iotlb_global(true) :
				       psi ? vtd_desc_iotlb_page(d->id, iova, (u32)am, true) :
					     vtd_desc_iotlb_domain(d->id, true);

		if (!u->up || !u->attached)
			continue;
		if (qi_run(u, &desc, 1))
			u->iotlb_invals++;
		else
			ok = false;
	}
	*page_selective = psi;
	return ok;
}

/* The unit whose scope names the device, else the segment's catch-all. */
static struct vtd_unit *unit_for(u8 bus, u8 devfn)
{
	const struct dmar_info *di = &acpi.dmar;
	struct vtd_unit *all = NULL;

	for (u32 i = 0; i < vtd_nunits && i < di->nunits; i++) {
		const struct dmar_unit *du = &di->units[i];

		if (!vtd_units[i].up || du->segment)
			continue;
		if (du->flags & DRHD_FLAG_INCLUDE_ALL)
			all = &vtd_units[i];
		if (dmar_scopes_name(du->scopes, du->nscopes, bus, devfn))
			return &vtd_units[i];
	}
	return all;
}

bool vtd_covers(u8 bus, u8 devfn)
{
	return unit_for(bus, devfn) != NULL;
}

bool vtd_has_rmrr(u8 bus, u8 devfn)
{
	u32 i = 0;

	return dmar_rmrr_next(&acpi.dmar, bus, devfn, &i) != NULL;
}

/* Firmware's DMA ranges for the device (RMRRs, VT-d 8.4), identity-mapped
 * in its domain before the device gets it, so that DMA never sees a gap. */
static int map_rmrrs(struct vtd_domain *d, u8 bus, u8 devfn)
{
	const struct dmar_rmrr *r;
	u32 i = 0;

	while ((r = dmar_rmrr_next(&acpi.dmar, bus, devfn, &i))) {
		u64 base = ALIGN_DOWN(r->base, PAGE_SIZE), end = ALIGN_UP(r->limit + 1, PAGE_SIZE);

		if (vtd_domain_map(d, base, base, end - base, VTD_MAP_RW))
			return -1;
		pr_info("vt-d: RMRR [%#llx, %#llx] identity-mapped in domain %u for %02x:%02x.%u",
			(unsigned long long)r->base, (unsigned long long)r->limit, d->id, bus,
			devfn >> 3, devfn & 7);
	}
	return 0;
}

/* The device's context entry (allocating its bus's context table). */
static u64 *context_entry(struct vtd_unit *u, u8 bus, u8 devfn, bool create)
{
	u64 *root = phys_to_virt(u->root_pa);
	u64 ctx;

	if (!(root[bus * 2] & ROOT_P)) {
		if (!create)
			return NULL;
		ctx = pmm_alloc_zeroed_page();
		if (!ctx)
			return NULL;
		root[bus * 2 + 1] = 0;
		root[bus * 2] = ctx | ROOT_P;
	}
	return (u64 *)phys_to_virt(root[bus * 2] & PTE_ADDR_MASK) + devfn * 2;
}

int vtd_attach(struct vtd_domain *d, u8 bus, u8 devfn)
{
	struct vtd_unit *u = unit_for(bus, devfn);
	u64 *ce;

	if (!u)
		return -1;
	ce = context_entry(u, bus, devfn, true);
	if (!ce || (ce[0] & CTX_P))
		return -1;		/* no memory, or it has a domain already */
	if (map_rmrrs(d, bus, devfn))
		return -1;
	/* High half first, present bit last (9.3): AW 1 = 39, 2 = 48 bits. */
	ce[1] = (d->agaw == 48 ? 2 : 1) | ((u64)d->id << 8);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ce[0] = (d->agaw == 48 ? d->sl.root : d->l3_root) | CTX_P;	/* TT 0: translate */
	sync_tables();
	u->attached++;
	d->devices++;
	return vtd_flush_all(u) ? 0 : -1;
}

void vtd_detach(u8 bus, u8 devfn)
{
	struct vtd_unit *u = unit_for(bus, devfn);
	u64 *ce = u ? context_entry(u, bus, devfn, false) : NULL;
	u16 did;

	if (!ce || !(ce[0] & CTX_P))
		return;
	did = (u16)(ce[1] >> 8);
	for (u32 i = 0; i < VTD_MAX_DOMAINS; i++)
		if (vtd_domains[i] && vtd_domains[i]->id == did && vtd_domains[i]->devices)
			vtd_domains[i]->devices--;
	ce[0] = 0;
	ce[1] = 0;
	sync_tables();
	u->attached--;
	vtd_flush_all(u);
}

/* An unused IRTE index on the unit, or -1 when the table is full. */
static int irte_alloc(struct vtd_unit *u)
{
	int idx = -1;
	u64 f = spin_lock_irqsave(&u->lock);

	for (u32 i = 0; i < VTD_IRT_ENTRIES && idx < 0; i++)
		if (!(u->irte_used[i / 64] & BIT(i % 64))) {
			u->irte_used[i / 64] |= BIT(i % 64);
			u->irtes++;
			idx = (int)i;
		}
	spin_unlock_irqrestore(&u->lock, f);
	return idx;
}

/* Write (or, with e zero, clear) an IRTE and invalidate its cached copy. */
static void irte_set(struct vtd_unit *u, int idx, struct vtd_desc e)
{
	struct vtd_desc *irt = phys_to_virt(u->irt_pa), inv = vtd_desc_iec_index((u16)idx);

	/* Present bit last when writing, first when clearing. */
	if (e.lo) {
		irt[idx].hi = e.hi;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		irt[idx].lo = e.lo;
	} else {
		irt[idx].lo = 0;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		irt[idx].hi = 0;
	}
	sync_tables();
	if (qi_run(u, &inv, 1))
		u->iec_invals++;
}

static void irte_free(struct vtd_unit *u, int idx)
{
	u64 f;

	if (idx < 0 || idx >= VTD_IRT_ENTRIES)
		return;
	irte_set(u, idx, (struct vtd_desc){ 0, 0 });
	f = spin_lock_irqsave(&u->lock);
	u->irte_used[idx / 64] &= ~BIT(idx % 64);
	u->irtes--;
	spin_unlock_irqrestore(&u->lock, f);
}

int vtd_msi_remap(u8 bus, u8 devfn, u32 apic_id, u8 vector, u32 *addr, u32 *data)
{
	struct vtd_unit *u = unit_for(bus, devfn);
	int idx;

	if (!u || !u->ir_on || (idx = irte_alloc(u)) < 0)
		return -1;
	irte_set(u, idx, vtd_irte(apic_id, vector, u->ir_x2apic, (u16)(bus << 8 | devfn)));
	*addr = vtd_msi_addr((u16)idx);
	*data = 0;
	return idx;
}

int vtd_msi_retarget(u8 bus, u8 devfn, int index, u32 apic_id, u8 vector)
{
	struct vtd_unit *u = unit_for(bus, devfn);

	if (!u || !u->ir_on || index < 0 || index >= VTD_IRT_ENTRIES)
		return -1;
	irte_set(u, index, vtd_irte(apic_id, vector, u->ir_x2apic, (u16)(bus << 8 | devfn)));
	return 0;
}

void vtd_msi_unmap(u8 bus, u8 devfn, int index)
{
	struct vtd_unit *u = unit_for(bus, devfn);

	if (u && u->ir_on)
		irte_free(u, index);
}

/* The unit whose scope names the I/O APIC, and the APIC's source-id. */
static struct vtd_unit *unit_for_ioapic(u8 ioapic_id, u16 *sid)
{
	const struct dmar_info *di = &acpi.dmar;

	for (u32 i = 0; i < vtd_nunits && i < di->nunits; i++)
		for (u32 s = 0; s < di->units[i].nscopes; s++) {
			const struct dmar_scope *sc = &di->units[i].scopes[s];

			if (sc->type == DMAR_SCOPE_IOAPIC && sc->enum_id == ioapic_id &&
			    vtd_units[i].ir_on) {
				*sid = (u16)(sc->bus << 8 | sc->dev << 3 | sc->fn);
				return &vtd_units[i];
			}
		}
	return NULL;
}

u64 vtd_ioapic_rte(u8 ioapic_id, u32 apic_id, u8 vector, bool level, bool active_low,
		   int *index)
{
	u64 pol = (active_low ? RTE_ACTIVE_LOW : 0) | (level ? RTE_LEVEL : 0);
	struct vtd_unit *u;
	struct vtd_desc e;
	u16 sid;
	int idx;

	*index = -1;
	u = unit_for_ioapic(ioapic_id, &sid);
	if (!u)		/* compatibility format: physical destination */
		return vector | pol | (u64)(apic_id & 0xff) << 56;
	idx = irte_alloc(u);
	if (idx < 0)
		return RTE_MASKED;
	e = vtd_irte(apic_id, vector, u->ir_x2apic, sid);
	if (level)
		e.lo |= IRTE_TM_LEVEL;
	irte_set(u, idx, e);
	*index = idx;
	/* The vector stays in 7:0 so the EOI of a level interrupt finds it. */
	return vector | pol | BIT(48) | (u64)(idx & 0x7fff) << 49 | (u64)((idx >> 15) & 1) << 11;
}

void vtd_ioapic_unmap(u8 ioapic_id, int index)
{
	u16 sid;
	struct vtd_unit *u = unit_for_ioapic(ioapic_id, &sid);

	if (u)
		irte_free(u, index);
}

static bool on_bus(u8 bus, u8 devfn)
{
	return pci_find(bus, devfn >> 3, devfn & 7) != NULL;
}

static void warn_report(const char *msg, void *arg)
{
	(void)arg;
	pr_warn("%s", msg);
}

void vtd_init(void)
{
	const struct dmar_info *d = &acpi.dmar;

	if (!acpi.has_dmar) {
		pr_info("vt-d: no DMAR table: no IOMMU (device assignment needs iommu = off-unsafe)");
		return;
	}
	dmar_check_scopes(d, on_bus, warn_report, NULL);
	/* Firmware's own DMA (USB keyboards under SMM, integrated graphics)
	 * uses the RMRRs: identity-mapped in a domain of tern's when one of
	 * their devices gets one; no VM gets such a device (its GPAs would
	 * collide with the ranges). Until then their DMA is blocked too. */
	for (u32 i = 0; i < d->nrmrr; i++)
		pr_info("vt-d: RMRR [%#llx, %#llx] for %u device(s): identity-mapped when they get a domain of tern's; not assignable to VMs",
			(unsigned long long)d->rmrr[i].base, (unsigned long long)d->rmrr[i].limit,
			d->rmrr[i].nscopes);
	for (u32 i = 0; i < d->nunits && vtd_nunits < VTD_MAX_UNITS; i++) {
		struct vtd_unit *u = &vtd_units[vtd_nunits++];

		memset(u, 0, sizeof(*u));
		u->lock = (spinlock_t)SPINLOCK_INIT;
		u->base = d->units[i].reg_base;
		u->fault_vector = -1;
		u->up = bring_up(u);
		if (!u->up) {
			pr_err("vt-d %#llx: not used: %s", (unsigned long long)u->base, u->problem);
			continue;
		}
		pr_info("vt-d %#llx: VT-d %u.%u, %u-bit, %u domains, %s%s%s; translating, all DMA blocked",
			(unsigned long long)u->base, u->caps.ver_major, u->caps.ver_minor,
			vtd_agaw(&u->caps), u->caps.domains, u->caps.qi ? "QI" : "",
			u->caps.ir ? ", IR" : "", u->caps.eim ? ", EIM" : "");
	}
}
