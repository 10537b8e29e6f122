// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "mm/pmm.h"
#include "core/spinlock.h"

static struct pmm_region regions[PMM_MAX_REGIONS];
static u32 nregions;
static struct pmm_stats stats;
static spinlock_t pmm_lock = SPINLOCK_INIT;
static pmm_p2v_t p2v;

static bool test_bit(const u64 *bm, u64 i)
{
	return bm[i / 64] & BIT(i % 64);
}

static void set_bit(u64 *bm, u64 i)
{
	bm[i / 64] |= BIT(i % 64);
}

static void clear_bit(u64 *bm, u64 i)
{
	bm[i / 64] &= ~BIT(i % 64);
}

int pmm_init(const struct memmap *m, pmm_p2v_t fn)
{
	u64 need = 0, bm_pa = 0;
	u8 *bm;

	memset(regions, 0, sizeof(regions));
	memset(&stats, 0, sizeof(stats));
	nregions = 0;
	p2v = fn;
	for (u32 i = 0; i < m->count && nregions < PMM_MAX_REGIONS; i++) {
		const struct boot_mem_range *r = &m->r[i];
		u64 a = ALIGN_UP(r->base, PAGE_SIZE);
		u64 b = ALIGN_DOWN(r->base + r->len, PAGE_SIZE);

		if (r->type != BOOT_MEM_USABLE || b <= a)
			continue;
		regions[nregions].base = a;
		regions[nregions].pages = (b - a) / PAGE_SIZE;
		need += ALIGN_UP(regions[nregions].pages, 64) / 8;
		nregions++;
	}
	need = ALIGN_UP(need, PAGE_SIZE);

	/* The bitmaps live at the start of the first region above 1 MiB that
	 * holds them all, and then reserve their own pages. */
	for (u32 i = 0; i < nregions; i++) {
		u64 a = MAX(regions[i].base, PMM_DEFAULT_MIN);
		u64 end = regions[i].base + regions[i].pages * PAGE_SIZE;

		if (a + need <= end) {
			bm_pa = a;
			break;
		}
	}
	if (!bm_pa || !nregions)
		return -1;
	bm = p2v(bm_pa);
	memset(bm, 0, need);
	stats.bitmap_bytes = need;
	for (u32 i = 0; i < nregions; i++) {
		regions[i].bitmap = (u64 *)bm;
		bm += ALIGN_UP(regions[i].pages, 64) / 8;
		regions[i].free = regions[i].pages;
		stats.total_pages += regions[i].pages;
	}
	stats.free_pages = stats.total_pages;
	stats.regions = nregions;
	pmm_reserve(bm_pa, need);
	/* Page 0 is never handed out: 0 means "no page". */
	pmm_reserve(0, PAGE_SIZE);
	return 0;
}

static struct pmm_region *region_of(u64 pa)
{
	for (u32 i = 0; i < nregions; i++)
		if (pa >= regions[i].base &&
		    pa < regions[i].base + regions[i].pages * PAGE_SIZE)
			return &regions[i];
	return NULL;
}

void pmm_reserve(u64 pa, u64 len)
{
	u64 end = ALIGN_UP(pa + len, PAGE_SIZE);
	u64 f = spin_lock_irqsave(&pmm_lock);

	for (u64 p = ALIGN_DOWN(pa, PAGE_SIZE); p < end; p += PAGE_SIZE) {
		struct pmm_region *r = region_of(p);
		u64 i;

		if (!r)
			continue;
		i = (p - r->base) / PAGE_SIZE;
		if (!test_bit(r->bitmap, i)) {
			set_bit(r->bitmap, i);
			r->free--;
			stats.free_pages--;
		}
	}
	spin_unlock_irqrestore(&pmm_lock, f);
}

/* First fit from the hint, then from the start of the region. */
static u64 region_alloc(struct pmm_region *r, u64 pages, u64 align, u64 min, u64 max)
{
	u64 rend = r->base + r->pages * PAGE_SIZE;
	u64 lo = MAX(r->base, min), hi = MIN(rend, max);

	if (r->free < pages || lo >= hi || hi - lo < pages * PAGE_SIZE)
		return 0;
	for (int pass = 0; pass < 2; pass++) {
		u64 start = pass ? lo : MAX(lo, r->base + r->hint * PAGE_SIZE);
		u64 pa = ALIGN_UP(start, align);

		while (pa + pages * PAGE_SIZE <= hi) {
			u64 i = (pa - r->base) / PAGE_SIZE, n;

			for (n = 0; n < pages; n++)
				if (test_bit(r->bitmap, i + n))
					break;
			if (n == pages) {
				for (n = 0; n < pages; n++)
					set_bit(r->bitmap, i + n);
				r->free -= pages;
				r->hint = i + pages;
				return pa;
			}
			pa = ALIGN_UP(r->base + (i + n + 1) * PAGE_SIZE, align);
		}
	}
	return 0;
}

u64 pmm_alloc_range(u64 pages, u64 align, u64 min, u64 max)
{
	u64 pa = 0, f;

	if (!pages)
		return 0;
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	f = spin_lock_irqsave(&pmm_lock);
	for (u32 i = 0; i < nregions && !pa; i++)
		pa = region_alloc(&regions[i], pages, align, min, max);
	if (pa) {
		stats.free_pages -= pages;
		stats.allocs++;
	} else {
		stats.failed_allocs++;
	}
	spin_unlock_irqrestore(&pmm_lock, f);
	return pa;
}

u64 pmm_alloc(u64 pages)
{
	return pmm_alloc_range(pages, PAGE_SIZE, PMM_DEFAULT_MIN, ~0ULL);
}

u64 pmm_alloc_zeroed_page(void)
{
	u64 pa = pmm_alloc(1);

	if (pa)
		memset(p2v(pa), 0, PAGE_SIZE);
	return pa;
}

void pmm_free(u64 pa, u64 pages)
{
	u64 f = spin_lock_irqsave(&pmm_lock);

	for (u64 n = 0; n < pages; n++, pa += PAGE_SIZE) {
		struct pmm_region *r = region_of(pa);
		u64 i;

		if (!r || !IS_ALIGNED(pa, PAGE_SIZE)) {
			stats.bad_frees++;
			continue;
		}
		i = (pa - r->base) / PAGE_SIZE;
		if (!test_bit(r->bitmap, i)) {
			stats.bad_frees++;
			continue;
		}
		clear_bit(r->bitmap, i);
		r->free++;
		stats.free_pages++;
		if (i < r->hint)
			r->hint = i;
	}
	stats.frees++;
	spin_unlock_irqrestore(&pmm_lock, f);
}

bool pmm_is_free(u64 pa)
{
	struct pmm_region *r = region_of(pa);

	return r && !test_bit(r->bitmap, (pa - r->base) / PAGE_SIZE);
}

void pmm_get_stats(struct pmm_stats *s)
{
	u64 f = spin_lock_irqsave(&pmm_lock);

	*s = stats;
	spin_unlock_irqrestore(&pmm_lock, f);
}

u32 pmm_region_count(void)
{
	return nregions;
}

const struct pmm_region *pmm_region(u32 i)
{
	return i < nregions ? &regions[i] : NULL;
}
