// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "mm/gpa.h"
#include "mm/kmem.h"
#include "mm/pmm.h"

#define RUN	SZ_2M

static u64 ept_table(void *ctx)
{
	(void)ctx;
	return pmm_alloc_zeroed_page();
}

static void free_tables(u64 table_pa, int level)
{
	u64 *t = phys_to_virt(table_pa);

	for (int i = 0; level > 0 && i < 512; i++)
		if ((t[i] & EPT_RWX) && !(t[i] & EPT_LARGE))
			free_tables(t[i] & PTE_ADDR_MASK, level - 1);
	pmm_free(table_pa, 1);
}

void gpa_map_destroy(struct gpa_map *g)
{
	for (u64 i = 0; g->chunks && i < g->nchunks; i++) {
		u64 left = g->ram_size - i * RUN;
		u64 pages = MIN(left, RUN) / PAGE_SIZE;

		if (!g->chunks[i])
			continue;
		if (g->chunks[i] & 1) {
			/* 4 KiB fallback pages: find them through EPT. */
			for (u64 p = 0; p < pages; p++) {
				u64 hpa;

				if (pt_lookup(&g->ept, i * RUN + p * PAGE_SIZE, &hpa, NULL, NULL))
					pmm_free(hpa, 1);
			}
		} else {
			pmm_free(g->chunks[i], pages);
		}
	}
	if (g->ept.root)
		free_tables(g->ept.root, 3);
	free(g->chunks);
	memset(g, 0, sizeof(*g));
}

int gpa_map_create(struct gpa_map *g, u64 size)
{
	int err;

	memset(g, 0, sizeof(*g));
	g->ept.fmt = &pt_format_ept;
	g->ept.alloc_table = ept_table;
	g->ept.p2v = phys_to_virt;
	g->ept.allow_1g = false;	/* runs are 2 MiB: no 1 GiB host pages */
	g->ram_size = ALIGN_UP(size, PAGE_SIZE);
	g->nchunks = ALIGN_UP(g->ram_size, RUN) / RUN;
	g->chunks = calloc(g->nchunks, sizeof(u64));
	if (!g->chunks || pt_init(&g->ept))
		goto nomem;
	for (u64 i = 0; i < g->nchunks; i++) {
		u64 gpa = i * RUN, len = MIN(g->ram_size - gpa, RUN);
		u64 hpa = pmm_alloc_range(len / PAGE_SIZE, RUN, SZ_1M, ~0ULL);

		if (hpa) {
			memset(phys_to_virt(hpa), 0, len);
			g->chunks[i] = hpa;
			err = pt_map(&g->ept, gpa, hpa, len, MAP_W | MAP_X);
			if (err)
				goto fail;
			g->large_runs += len == RUN;
			continue;
		}
		/* Fragmented host memory: page by page. */
		g->chunks[i] = 1;
		for (u64 off = 0; off < len; off += PAGE_SIZE) {
			u64 p = pmm_alloc_zeroed_page();

			if (!p)
				goto nomem;
			err = pt_map(&g->ept, gpa + off, p, PAGE_SIZE, MAP_W | MAP_X);
			if (err) {
				pmm_free(p, 1);
				goto fail;
			}
			g->small_pages++;
		}
	}
	return PT_OK;
nomem:
	err = PT_ERR_NOMEM;
fail:
	gpa_map_destroy(g);
	return err;
}

u64 gpa_map_eptp(const struct gpa_map *g)
{
	return g->ept.root | (EPT_MT_WB) | (3 << 3);	/* WB, walk length 4 */
}

bool gpa_is_ram(const struct gpa_map *g, u64 gpa, u64 len)
{
	return gpa < g->ram_size && len <= g->ram_size - gpa;
}

void *gpa_to_hva(struct gpa_map *g, u64 gpa)
{
	u64 hpa;

	if (!gpa_is_ram(g, gpa, 1) || !pt_lookup(&g->ept, gpa, &hpa, NULL, NULL))
		return NULL;
	return phys_to_virt(hpa);
}

bool gpa_copy_to(struct gpa_map *g, u64 gpa, const void *src, u64 len)
{
	const u8 *s = src;

	if (!gpa_is_ram(g, gpa, len))
		return false;
	while (len) {
		u64 n = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));

		memcpy(gpa_to_hva(g, gpa), s, n);
		gpa += n;
		s += n;
		len -= n;
	}
	return true;
}
