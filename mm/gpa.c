// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm/gpa.h"

#ifndef TERN_HOST_TEST
#include "mm/kmem.h"
#include "mm/pmm.h"

static u64 kernel_alloc(u64 pages, u64 align)
{
	u64 pa = align > PAGE_SIZE ? pmm_alloc_range(pages, align, SZ_1M, ~0ULL)
				   : pmm_alloc(pages);

	if (pa)
		memset(phys_to_virt(pa), 0, pages * PAGE_SIZE);
	return pa;
}

static void *kernel_p2v(u64 pa)
{
	return phys_to_virt(pa);
}

static const struct gpa_ops kernel_ops = { kernel_alloc, pmm_free, kernel_p2v };
#endif

#define RUN		SZ_2M
#define RUN_PAGES	(RUN / PAGE_SIZE)
#define RAM_PERM	(MAP_W | MAP_X)

void gpa_layout(u64 size, u64 *low, u64 *high)
{
	size = ALIGN_UP(size, PAGE_SIZE);
	*low = MIN(size, GPA_LOW_TOP);
	*high = size - *low;
}

bool gpa_is_ram(const struct gpa_map *g, u64 gpa, u64 len)
{
	if (gpa < g->low_size)
		return len <= g->low_size - gpa;
	if (gpa >= g->high_base && gpa - g->high_base < g->high_size)
		return len <= g->high_size - (gpa - g->high_base);
	return false;
}

/* Index of a RAM page in the state array. */
static u64 page_index(const struct gpa_map *g, u64 gpa)
{
	if (gpa < g->low_size)
		return gpa / PAGE_SIZE;
	return (g->low_size + (gpa - g->high_base)) / PAGE_SIZE;
}

/* The 2 MiB slot of a RAM address: low RAM's, then high RAM's (both
 * banks start 2 MiB-aligned), so a high base far up costs nothing. */
static u64 chunk(const struct gpa_map *g, u64 gpa)
{
	if (gpa < g->low_size)
		return gpa / RUN;
	return ALIGN_UP(g->low_size, RUN) / RUN + (gpa - g->high_base) / RUN;
}

/* Host physical address of a RAM byte. */
static u64 ram_hpa(const struct gpa_map *g, u64 gpa)
{
	u64 s = chunk(g, gpa), off = gpa % RUN;

	if (g->run[s])
		return g->run[s] + off;
	return g->frag[s][off / PAGE_SIZE] + (gpa & (PAGE_SIZE - 1));
}

/* Whether a RAM page has a frame (a sparse map's may not). */
static bool has_frame(const struct gpa_map *g, u64 gpa)
{
	u64 s = chunk(g, gpa);

	return g->run[s] || (g->frag[s] && g->frag[s][(gpa % RUN) / PAGE_SIZE]);
}

static u64 ept_table(void *ctx)
{
	const struct gpa_ops *ops = ctx;

	return ops->alloc(1, PAGE_SIZE);
}

static void free_tables(struct gpa_map *g, u64 table_pa, int level)
{
	u64 *t = g->ops->p2v(table_pa);

	for (int i = 0; level > 0 && i < 512; i++)
		if ((t[i] & EPT_RWX) && !(t[i] & EPT_LARGE))
			free_tables(g, t[i] & PTE_ADDR_MASK, level - 1);
	g->ops->free(table_pa, 1);
}

void gpa_map_destroy(struct gpa_map *g)
{
	struct gpa_map keep;

	for (u64 s = 0; g->run && s < g->nchunks; s++) {
		/* The identity range goes back in one piece, below. */
		if (g->run[s] && !(g->identity && s >= ALIGN_UP(g->low_size, RUN) / RUN))
			g->ops->free(g->run[s], RUN_PAGES);
		if (g->frag && g->frag[s]) {
			for (u64 p = 0; p < RUN_PAGES; p++)
				if (g->frag[s][p])
					g->ops->free(g->frag[s][p], 1);
			free(g->frag[s]);
		}
	}
	if (g->identity && g->high_size)
		g->ops->free(g->high_base, g->high_size / PAGE_SIZE);
	if (g->ept.root)
		free_tables(g, g->ept.root, 3);
	free(g->run);
	free(g->frag);
	free(g->state);
	/* The counters outlive the memory: a stopped VM still reports what
	 * happened to its map. */
	keep = *g;
	memset(g, 0, sizeof(*g));
	g->protect_calls = keep.protect_calls;
	g->flushes = keep.flushes;
	g->faults = keep.faults;
	g->faults_unhandled = keep.faults_unhandled;
	g->waits = keep.waits;
	g->wakes = keep.wakes;
	g->emulations = keep.emulations;
}

/* Back and map RAM [base, base+len) (2 MiB-aligned base). */
static int add_ram(struct gpa_map *g, u64 base, u64 len)
{
	for (u64 gpa = base; gpa < base + len; gpa += RUN) {
		u64 s = chunk(g, gpa), n = MIN(base + len - gpa, RUN), hpa;
		int err;

		/* Whole runs get a 2 MiB-aligned host run: large EPT pages. */
		hpa = n == RUN ? g->ops->alloc(RUN_PAGES, RUN) : 0;
		if (hpa) {
			g->run[s] = hpa;
			g->large_runs++;
			err = pt_map(&g->ept, gpa, hpa, RUN, RAM_PERM);
			if (err)
				return err;
			continue;
		}
		/* Fragmented host memory (or a partial run): page by page. */
		g->frag[s] = calloc(RUN_PAGES, sizeof(u64));
		if (!g->frag[s])
			return PT_ERR_NOMEM;
		for (u64 off = 0; off < n; off += PAGE_SIZE) {
			u64 p = g->ops->alloc(1, PAGE_SIZE);

			if (!p)
				return PT_ERR_NOMEM;
			g->frag[s][off / PAGE_SIZE] = p;
			g->small_pages++;
			err = pt_map(&g->ept, gpa + off, p, PAGE_SIZE, RAM_PERM);
			if (err)
				return err;
		}
	}
	return PT_OK;
}

/* The map's bookkeeping for RAM [0, low) and [high_base, +high). */
static int map_init(struct gpa_map *g, const struct gpa_ops *ops, u64 low, u64 high_base,
		    u64 high)
{
	memset(g, 0, sizeof(*g));
	g->lock = (spinlock_t)SPINLOCK_INIT;
	g->handlers_lock = (spinlock_t)SPINLOCK_INIT;
#ifndef TERN_HOST_TEST
	if (!ops)
		ops = &kernel_ops;
#endif
	g->ops = ops;
	g->ept.fmt = &pt_format_ept;
	g->ept.alloc_table = ept_table;
	g->ept.p2v = ops->p2v;
	g->ept.ctx = (void *)ops;
	g->ept.allow_1g = false;	/* runs are 2 MiB: no 1 GiB host pages */
	g->low_size = low;
	g->high_base = high_base;
	g->high_size = high;
	g->ram_size = low + high;
	g->nchunks = ALIGN_UP(low, RUN) / RUN + ALIGN_UP(high, RUN) / RUN;
	g->run = calloc(g->nchunks, sizeof(u64));
	g->frag = calloc(g->nchunks, sizeof(u64 *));
	g->state = calloc(g->ram_size / PAGE_SIZE, 1);
	if (!g->run || !g->frag || !g->state || pt_init(&g->ept))
		return PT_ERR_NOMEM;
	return PT_OK;
}

int gpa_map_create(struct gpa_map *g, u64 size, const struct gpa_ops *ops)
{
	u64 low, high;
	int err;

	gpa_layout(size, &low, &high);
	err = map_init(g, ops, low, GPA_HIGH_BASE, high);
	if (!err)
		err = add_ram(g, 0, g->low_size);
	if (!err && g->high_size)
		err = add_ram(g, GPA_HIGH_BASE, g->high_size);
	if (!err)
		return PT_OK;
	gpa_map_destroy(g);
	return err;
}

int gpa_map_create_identity(struct gpa_map *g, u64 size, const struct gpa_ops *ops)
{
	u64 high = ALIGN_UP(size, RUN) - GPA_IDENTITY_LOW, hpa;
	int err;

	if (size <= GPA_IDENTITY_LOW)
		return PT_ERR_RANGE;
#ifndef TERN_HOST_TEST
	if (!ops)
		ops = &kernel_ops;
#endif
	/* 2 MiB-aligned: EPT maps it with large pages. */
	hpa = ops->alloc(high / PAGE_SIZE, RUN);
	if (!hpa)
		return PT_ERR_NOMEM;
	if (hpa < GPA_IDENTITY_LOW || (hpa < GPA_HIGH_BASE && hpa + high > GPA_LOW_TOP)) {
		ops->free(hpa, high / PAGE_SIZE);
		return PT_ERR_RANGE;
	}
	err = map_init(g, ops, GPA_IDENTITY_LOW, hpa, high);
	g->identity = true;
	if (!err)
		err = add_ram(g, 0, g->low_size);
	for (u64 gpa = hpa; !err && gpa < hpa + high; gpa += RUN) {
		g->run[chunk(g, gpa)] = gpa;
		g->large_runs++;
		err = pt_map(&g->ept, gpa, gpa, RUN, RAM_PERM);
	}
	if (!err)
		return PT_OK;
	gpa_map_destroy(g);		/* the identity range too */
	return err;
}

u64 gpa_map_eptp(const struct gpa_map *g)
{
	/* WB, walk length 4 */
	return g->ept.root | (EPT_MT_WB) | (3 << 3) | (g->ad ? EPTP_AD : 0);
}

void gpa_set_ad(struct gpa_map *g, bool on)
{
	g->ad = on;
}

int gpa_map_create_sparse(struct gpa_map *g, u64 size, const struct gpa_ops *ops)
{
	u64 low, high;
	int err;

	gpa_layout(size, &low, &high);
	err = map_init(g, ops, low, GPA_HIGH_BASE, high);
	if (err) {
		gpa_map_destroy(g);
		return err;
	}
	g->sparse = true;
	for (u64 s = 0; s < g->nchunks; s++) {
		g->frag[s] = calloc(RUN_PAGES, sizeof(u64));
		if (!g->frag[s]) {
			gpa_map_destroy(g);
			return PT_ERR_NOMEM;
		}
	}
	memset(g->state, GPA_PG_NOACCESS, g->ram_size / PAGE_SIZE);
	return PT_OK;
}

/* A sparse map's RAM page: its frame slot, or NULL. */
static u64 *frame_slot(const struct gpa_map *g, u64 gpa)
{
	u64 s;

	if (!g->sparse || (gpa & (PAGE_SIZE - 1)) || !gpa_is_ram(g, gpa, PAGE_SIZE))
		return NULL;
	s = chunk(g, gpa);
	return g->frag[s] ? &g->frag[s][(gpa % RUN) / PAGE_SIZE] : NULL;
}

/* Map a page's frame afresh: a new entry has A and D clear. */
static int map_frame(struct gpa_map *g, u64 gpa, u64 hpa, u8 st)
{
	return pt_map(&g->ept, gpa, hpa, PAGE_SIZE,
		      ((st & GPA_PG_WP) ? MAP_X : RAM_PERM) | MAP_NO_LARGE);
}

int gpa_page_install(struct gpa_map *g, u64 gpa, u64 hpa)
{
	u64 *f = frame_slot(g, gpa), fl;
	int err = -1;

	if (!f || !hpa || (hpa & (PAGE_SIZE - 1)))
		return -1;
	fl = spin_lock_irqsave(&g->lock);
	if (!*f) {
		u64 i = page_index(g, gpa);

		*f = hpa;
		g->small_pages++;
		g->state[i] &= (u8)~GPA_PG_NOACCESS;
		err = map_frame(g, gpa, hpa, g->state[i]) ? -1 : 0;
	}
	spin_unlock_irqrestore(&g->lock, fl);
	return err;
}

int gpa_page_evict(struct gpa_map *g, u64 gpa, bool *dirty)
{
	u64 *f = frame_slot(g, gpa), *e, old = 0, fl;
	int err = -1;

	if (!f)
		return -1;
	fl = spin_lock_irqsave(&g->lock);
	if (*f && !(g->state[page_index(g, gpa)] & GPA_PG_PINNED)) {
		/* One exchange: the CPU sets D atomically in the entry, so
		 * what comes out is every write made through it. */
		e = pt_leaf(&g->ept, gpa);
		if (e)
			old = __atomic_exchange_n(e, 0, __ATOMIC_SEQ_CST);
		*dirty = (old & EPT_D) != 0;
		g->state[page_index(g, gpa)] |= GPA_PG_NOACCESS;
		g->stale = true;
		err = 0;
	}
	spin_unlock_irqrestore(&g->lock, fl);
	return err;
}

int gpa_page_restore(struct gpa_map *g, u64 gpa)
{
	u64 *f = frame_slot(g, gpa), fl;
	int err = -1;

	if (!f)
		return -1;
	fl = spin_lock_irqsave(&g->lock);
	if (*f) {
		u64 i = page_index(g, gpa);

		g->state[i] &= (u8)~GPA_PG_NOACCESS;
		err = map_frame(g, gpa, *f, g->state[i]) ? -1 : 0;
	}
	spin_unlock_irqrestore(&g->lock, fl);
	return err;
}

u64 gpa_page_release(struct gpa_map *g, u64 gpa)
{
	u64 *f = frame_slot(g, gpa), hpa = 0, fl;

	if (!f)
		return 0;
	fl = spin_lock_irqsave(&g->lock);
	/* Only an evicted page: a mapped one would leave EPT pointing at a
	 * frame that is no longer the guest's. */
	if (*f && (g->state[page_index(g, gpa)] & GPA_PG_NOACCESS) && !pt_leaf(&g->ept, gpa)) {
		hpa = *f;
		*f = 0;
		g->small_pages--;
	}
	spin_unlock_irqrestore(&g->lock, fl);
	return hpa;
}

bool gpa_page_has_frame(const struct gpa_map *g, u64 gpa)
{
	return gpa_is_ram(g, gpa, 1) && has_frame(g, gpa);
}

bool gpa_page_test_clear_accessed(struct gpa_map *g, u64 gpa)
{
	u64 *e = gpa_is_ram(g, gpa, 1) ? pt_leaf(&g->ept, gpa & ~(u64)(PAGE_SIZE - 1)) : NULL;

	return e && (__atomic_fetch_and(e, ~EPT_A, __ATOMIC_SEQ_CST) & EPT_A);
}

bool gpa_page_dirty(struct gpa_map *g, u64 gpa)
{
	u64 *e = gpa_is_ram(g, gpa, 1) ? pt_leaf(&g->ept, gpa & ~(u64)(PAGE_SIZE - 1)) : NULL;

	return e && (__atomic_load_n(e, __ATOMIC_SEQ_CST) & EPT_D);
}

void *gpa_to_hva(struct gpa_map *g, u64 gpa)
{
	if (!gpa_is_ram(g, gpa, 1) || !has_frame(g, gpa))
		return NULL;
	return g->ops->p2v(ram_hpa(g, gpa));
}

u64 gpa_page_frame(const struct gpa_map *g, u64 gpa)
{
	if (!gpa_is_ram(g, gpa, 1) || !has_frame(g, gpa))
		return 0;
	return ram_hpa(g, gpa) & ~(u64)(PAGE_SIZE - 1);
}

u64 gpa_page_index(const struct gpa_map *g, u64 gpa)
{
	return page_index(g, gpa);
}

u64 gpa_index_page(const struct gpa_map *g, u64 idx)
{
	u64 low = g->low_size / PAGE_SIZE;

	return idx < low ? idx * PAGE_SIZE : g->high_base + (idx - low) * PAGE_SIZE;
}

void gpa_set_access(struct gpa_map *g, const struct gpa_access_ops *ops, void *ctx)
{
	g->access_ctx = ctx;
	g->access = ops;
}

void *gpa_get_page(struct gpa_map *g, u64 gpa, u32 flags, int *err)
{
	u64 page = gpa & ~(u64)(PAGE_SIZE - 1);
	int e = 0;
	void *p;

	if (!gpa_is_ram(g, gpa, 1)) {
		if (err)
			*err = -EFAULT;
		return NULL;
	}
	/* A dense map's frames never move: nothing to hold. */
	if (!g->sparse || !g->access)
		return gpa_to_hva(g, gpa);
	e = g->access->get(g, page, flags, g->access_ctx);
	if (e) {
		if (err)
			*err = e;
		return NULL;
	}
	p = gpa_to_hva(g, gpa);
	if (!p) {
		/* get() said held, yet no frame: its bug, refused here. */
		g->access->put(g, page, g->access_ctx);
		if (err)
			*err = -EIO;
	}
	return p;
}

void gpa_put_page(struct gpa_map *g, u64 gpa)
{
	if (g->sparse && g->access && gpa_is_ram(g, gpa, 1))
		g->access->put(g, gpa & ~(u64)(PAGE_SIZE - 1), g->access_ctx);
}

int gpa_copy(struct gpa_map *g, u64 gpa, void *buf, u64 len, bool write, u32 flags, u64 *where)
{
	u8 *b = buf;

	if (!gpa_is_ram(g, gpa, len))
		return -EFAULT;
	while (len) {
		u64 n = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
		int err = -EFAULT;
		u8 *h = gpa_get_page(g, gpa, flags | (write ? GPA_GET_WRITE : 0), &err);

		if (!h) {
			if (where)
				*where = gpa & ~(u64)(PAGE_SIZE - 1);
			return err;
		}
		if (write)
			memcpy(h, b, n);
		else
			memcpy(b, h, n);
		gpa_put_page(g, gpa);
		gpa += n;
		b += n;
		len -= n;
	}
	return 0;
}

/* len bytes between tern's buffer and guest RAM, page by page, each held
 * while it is copied (waiting for a page on disk). */
static bool copy_ram(struct gpa_map *g, u64 gpa, u8 *buf, u64 len, bool write)
{
	return !gpa_copy(g, gpa, buf, len, write, 0, NULL);
}

bool gpa_copy_to(struct gpa_map *g, u64 gpa, const void *src, u64 len)
{
	return copy_ram(g, gpa, (u8 *)src, len, true);
}

bool gpa_copy_from(struct gpa_map *g, u64 gpa, void *dst, u64 len)
{
	return copy_ram(g, gpa, dst, len, false);
}

static bool overlaps_ram(const struct gpa_map *g, u64 gpa, u64 size)
{
	u64 end = gpa + size;

	return (gpa < g->low_size) ||
	       (g->high_size && end > g->high_base && gpa < g->high_base + g->high_size);
}

int gpa_map_mmio(struct gpa_map *g, u64 gpa, u64 hpa, u64 size, bool uncached)
{
	if (!size || (gpa | hpa | size) & (PAGE_SIZE - 1) || overlaps_ram(g, gpa, size))
		return PT_ERR_ALIGN;
	return pt_map(&g->ept, gpa, hpa, size, MAP_W | (uncached ? MAP_UC : 0));
}

int gpa_map_host_page_ro(struct gpa_map *g, u64 gpa, u64 hpa)
{
	if ((gpa | hpa) & (PAGE_SIZE - 1) || overlaps_ram(g, gpa, PAGE_SIZE))
		return PT_ERR_ALIGN;
	return pt_map(&g->ept, gpa, hpa, PAGE_SIZE, MAP_R | MAP_NO_LARGE);
}

int gpa_unmap_mmio(struct gpa_map *g, u64 gpa, u64 size)
{
	int err;

	if (!size || (gpa | size) & (PAGE_SIZE - 1) || overlaps_ram(g, gpa, size))
		return PT_ERR_ALIGN;
	err = pt_unmap(&g->ept, gpa, size);
	g->stale = true;
	return err;
}

static u32 pte_perm(u64 pte)
{
	return ((pte & EPT_W) ? MAP_W : 0) | ((pte & EPT_X) ? MAP_X : 0);
}

bool gpa_lookup(struct gpa_map *g, u64 gpa, u64 *hpa, u32 *perm)
{
	u64 pte, pa;

	if (!pt_lookup(&g->ept, gpa, &pa, &pte, NULL))
		return false;
	if (hpa)
		*hpa = pa;
	if (perm)
		*perm = pte_perm(pte);
	return true;
}

int gpa_walk(struct gpa_map *g, u64 gpa, u64 size,
	     int (*fn)(u64 gpa, u64 hpa, u64 len, u32 perm, void *ctx), void *ctx)
{
	u64 end = gpa + size, run_gpa = 0, run_hpa = 0, run_len = 0;
	u32 run_perm = 0;
	int rc;

	gpa &= ~(u64)(PAGE_SIZE - 1);
	while (gpa < end) {
		u64 pa, pte, psize, n;

		if (!pt_lookup(&g->ept, gpa, &pa, &pte, &psize)) {
			gpa += PAGE_SIZE;
			continue;
		}
		/* The rest of this page (large pages: to their end). */
		n = MIN(psize - (gpa & (psize - 1)), end - gpa);
		if (run_len && run_gpa + run_len == gpa && run_hpa + run_len == pa &&
		    run_perm == pte_perm(pte)) {
			run_len += n;
		} else {
			if (run_len && (rc = fn(run_gpa, run_hpa, run_len, run_perm, ctx)))
				return rc;
			run_gpa = gpa;
			run_hpa = pa;
			run_len = n;
			run_perm = pte_perm(pte);
		}
		gpa += n;
	}
	return run_len ? fn(run_gpa, run_hpa, run_len, run_perm, ctx) : 0;
}

u8 gpa_page_state(const struct gpa_map *g, u64 gpa)
{
	return gpa_is_ram(g, gpa, 1) ? g->state[page_index(g, gpa)] : 0;
}

/* EPT for one RAM page as its state says. */
static int apply(struct gpa_map *g, u64 gpa, u8 st)
{
	if ((st & GPA_PG_NOACCESS) || !has_frame(g, gpa))
		return pt_unmap(&g->ept, gpa, PAGE_SIZE);
	return pt_map(&g->ept, gpa, ram_hpa(g, gpa), PAGE_SIZE,
		      (st & GPA_PG_WP) ? MAP_X : RAM_PERM);
}

int gpa_set_state(struct gpa_map *g, u64 gpa, u64 size, u8 set, u8 clear)
{
	u64 first, n, f;
	int err = 0;

	if ((gpa | size) & (PAGE_SIZE - 1) || !gpa_is_ram(g, gpa, size))
		return -1;
	first = page_index(g, gpa);
	n = size / PAGE_SIZE;
	f = spin_lock_irqsave(&g->lock);
	/* All or nothing: a pinned page is never taken away. */
	for (u64 i = 0; i < n; i++) {
		u8 st = (u8)((g->state[first + i] | set) & ~clear);

		if ((st & GPA_PG_NOACCESS) && (st & GPA_PG_PINNED)) {
			err = -1;
			goto out;
		}
	}
	g->protect_calls++;
	for (u64 i = 0; i < n; i++) {
		u8 old = g->state[first + i], st = (u8)((old | set) & ~clear);

		g->state[first + i] = st;
		if ((old & GPA_PG_PROTECTION) == (st & GPA_PG_PROTECTION))
			continue;
		err = apply(g, gpa + i * PAGE_SIZE, st);
		if (err)
			goto out;
		/* Rights taken away must leave every vCPU's TLB; rights
		 * given need nothing (an EPT violation drops the stale
		 * entry, SDM 3C 29.4.3.1). */
		if (st & ~old & GPA_PG_PROTECTION)
			g->stale = true;
	}
out:
	spin_unlock_irqrestore(&g->lock, f);
	return err;
}

void gpa_set_flush(struct gpa_map *g, void (*fn)(struct gpa_map *, void *), void *ctx)
{
	g->flush_fn = fn;
	g->flush_ctx = ctx;
}

int gpa_add_fault_handler(struct gpa_map *g, struct gpa_fault_handler *h)
{
	struct gpa_fault_handler **p;
	u64 f;
	int err = 0;

	/* One bit each: a fault asks a handler about the bit it owns. */
	if (!h->fn || (h->state_bit != GPA_PG_WP && h->state_bit != GPA_PG_NOACCESS))
		return -1;
	f = spin_lock_irqsave(&g->handlers_lock);
	for (p = &g->handlers; *p; p = &(*p)->next)
		if (*p == h)
			err = -1;		/* twice would make a loop */
	if (!err) {
		h->next = NULL;
		*p = h;
	}
	spin_unlock_irqrestore(&g->handlers_lock, f);
	return err;
}

void gpa_remove_fault_handler(struct gpa_map *g, struct gpa_fault_handler *h)
{
	u64 f = spin_lock_irqsave(&g->handlers_lock);

	for (struct gpa_fault_handler **p = &g->handlers; *p; p = &(*p)->next) {
		if (*p == h) {
			*p = h->next;
			h->next = NULL;
			break;
		}
	}
	spin_unlock_irqrestore(&g->handlers_lock, f);
}

void gpa_set_waker(struct gpa_map *g, void (*fn)(struct gpa_map *g, u32 waiter, void *ctx),
		   void *ctx)
{
	g->wake_fn = fn;
	g->wake_ctx = ctx;
}

void gpa_wake(struct gpa_map *g, u32 waiter)
{
	__atomic_fetch_add(&g->wakes, 1, __ATOMIC_RELAXED);
	if (g->wake_fn)
		g->wake_fn(g, waiter, g->wake_ctx);
}

enum gpa_fault gpa_fault(struct gpa_map *g, u64 gpa, u32 access, u32 waiter)
{
	enum gpa_fault r = GPA_FAULT_STOP;
	u8 st, violated;
	u64 f;

	if (!gpa_is_ram(g, gpa, 1))
		return GPA_FAULT_NOT_RAM;
	/* The state under the handlers' lock: a vCPU that faulted on the
	 * same page as another sees what that one's handler left. */
	f = spin_lock_irqsave(&g->handlers_lock);
	st = g->state[page_index(g, gpa)];
	violated = st & GPA_PG_NOACCESS;
	if ((st & GPA_PG_WP) && (access & GPA_ACCESS_WRITE))
		violated |= GPA_PG_WP;
	/* Not protected for this access: a translation from before the
	 * page was given its rights back; the violation dropped it. */
	if (!violated) {
		spin_unlock_irqrestore(&g->handlers_lock, f);
		return GPA_FAULT_RETRY;
	}
	g->faults++;
	for (struct gpa_fault_handler *h = g->handlers; h; h = h->next) {
		if (!(h->state_bit & violated))
			continue;
		r = h->fn(g, gpa, access, waiter, h->ctx);
		if (r != GPA_FAULT_PASS)
			break;
	}
	/*
	 * Nobody's now: the rights may have come back after the state was
	 * read (changes happen under the map's lock, not this one: a read
	 * landing on another core while this vCPU ran on). Run it again.
	 */
	if (r == GPA_FAULT_PASS) {
		st = __atomic_load_n(&g->state[page_index(g, gpa)], __ATOMIC_ACQUIRE);
		if (!(st & GPA_PG_NOACCESS) &&
		    !((st & GPA_PG_WP) && (access & GPA_ACCESS_WRITE)))
			r = GPA_FAULT_RETRY;
	}
	if (r == GPA_FAULT_WAIT)
		g->waits++;
	/* Nobody's, refused, or an answer a handler may not give. */
	if (r == GPA_FAULT_EMULATE && !g->emulate_fn)
		r = GPA_FAULT_STOP;
	if (r != GPA_FAULT_RETRY && r != GPA_FAULT_WAIT && r != GPA_FAULT_EMULATE) {
		g->faults_unhandled++;
		r = GPA_FAULT_STOP;
	}
	spin_unlock_irqrestore(&g->handlers_lock, f);
	return r;
}

void gpa_set_emulator(struct gpa_map *g, gpa_emulate_fn fn, void *ctx)
{
	g->emulate_ctx = ctx;
	__atomic_store_n(&g->emulate_fn, fn, __ATOMIC_RELEASE);
}

enum gpa_fault gpa_emulate(struct gpa_map *g, u64 gpa, u32 access, u32 waiter,
			   struct gpa_insn *in)
{
	gpa_emulate_fn fn = __atomic_load_n(&g->emulate_fn, __ATOMIC_ACQUIRE);
	enum gpa_fault r;

	if (!fn || !gpa_is_ram(g, gpa, 1))
		return GPA_FAULT_RETRY;
	g->emulations++;
	r = fn(g, gpa, access, waiter, in, g->emulate_ctx);
	if (r == GPA_FAULT_WAIT)
		g->waits++;
	if (r != GPA_FAULT_RETRY && r != GPA_FAULT_WAIT) {
		g->faults_unhandled++;
		r = GPA_FAULT_STOP;
	}
	return r;
}

void gpa_flush(struct gpa_map *g)
{
	u64 f = spin_lock_irqsave(&g->lock), asked;

	/*
	 * Nothing new since a flush every vCPU completed. Otherwise this
	 * caller is about to reuse what it unmapped (a frame, say), so a
	 * flush that is only asked — a vCPU in guest mode takes it at its
	 * next exit — or that another core is still waiting for does not
	 * cover it: one more, waited for.
	 */
	if (!g->stale && g->flush_done == g->flush_asked) {
		spin_unlock_irqrestore(&g->lock, f);
		return;
	}
	g->stale = false;
	asked = ++g->flush_asked;
	g->flushes++;
	spin_unlock_irqrestore(&g->lock, f);
	if (g->flush_fn)
		g->flush_fn(g, g->flush_ctx);
	f = spin_lock_irqsave(&g->lock);
	if (asked > g->flush_done)
		g->flush_done = asked;
	spin_unlock_irqrestore(&g->lock, f);
}

void gpa_flush_async(struct gpa_map *g)
{
	u64 f = spin_lock_irqsave(&g->lock);

	if (g->stale) {
		g->stale = false;
		g->flush_asked++;
		g->flushes++;
	}
	spin_unlock_irqrestore(&g->lock, f);
}
