// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <stdlib.h>

#include "core/report.h"
#include "mm/memmap.h"

const char *memmap_type_name(u32 type)
{
	switch (type) {
	case BOOT_MEM_USABLE:		return "usable";
	case BOOT_MEM_ACPI_RECLAIM:	return "acpi";
	case BOOT_MEM_TERN:		return "tern";
	case BOOT_MEM_ACPI_NVS:		return "acpi-nvs";
	case BOOT_MEM_RESERVED:		return "reserved";
	case BOOT_MEM_BAD:		return "bad";
	}
	return "?";
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Loader carve-outs (tern's image, modules) inside usable RAM are expected. */
static bool expected_overlap(u32 a, u32 b)
{
	return (a == BOOT_MEM_TERN && b == BOOT_MEM_USABLE) ||
	       (b == BOOT_MEM_TERN && a == BOOT_MEM_USABLE);
}

int memmap_normalize(struct memmap *out, const struct boot_mem_range *in,
		     u32 n, report_fn rep, void *arg)
{
	static u64 pts[2 * BOOT_MMAP_MAX * 2];
	static struct boot_mem_range v[2 * BOOT_MMAP_MAX];
	static u32 idx[2 * BOOT_MMAP_MAX];
	u32 nv = 0, np = 0;
	int problems = 0;

	out->count = 0;
	if (n > ARRAY_SIZE(v)) {
		report(rep, arg, &problems, "memmap: %u entries, only the first %zu used",
		    n, ARRAY_SIZE(v));
		n = ARRAY_SIZE(v);
	}
	for (u32 i = 0; i < n; i++) {
		struct boot_mem_range e = in[i];
		u64 end = e.base + e.len;

		if (!e.len) {
			report(rep, arg, &problems,
			    "memmap: entry %u [%#llx, +%#llx) is empty, ignored",
			    i, (unsigned long long)e.base, (unsigned long long)e.len);
			continue;
		}
		if (end < e.base || end > MEMMAP_PHYS_LIMIT) {
			report(rep, arg, &problems,
			    "memmap: entry %u [%#llx, +%#llx) lies beyond any physical address, ignored",
			    i, (unsigned long long)e.base, (unsigned long long)e.len);
			continue;
		}
		if (e.type < BOOT_MEM_USABLE || e.type > BOOT_MEM_TYPE_MAX) {
			report(rep, arg, &problems,
			    "memmap: entry %u [%#llx, +%#llx) has unknown type %u, treated as reserved",
			    i, (unsigned long long)e.base, (unsigned long long)e.len, e.type);
			e.type = BOOT_MEM_RESERVED;
		}
		for (u32 j = 0; j < nv; j++) {
			const struct boot_mem_range *o = &v[j];

			if (o->base < end && e.base < o->base + o->len &&
			    o->type != e.type && !expected_overlap(o->type, e.type))
				report(rep, arg, &problems,
				    "memmap: entry %u [%#llx, +%#llx) overlaps entry %u [%#llx, +%#llx) with another type; the stricter type wins",
				    i, (unsigned long long)e.base, (unsigned long long)e.len,
				    idx[j], (unsigned long long)o->base, (unsigned long long)o->len);
		}
		idx[nv] = i;
		v[nv++] = e;
		pts[np++] = e.base;
		pts[np++] = end;
	}
	qsort(pts, np, sizeof(pts[0]), cmp_u64);

	/* Each elementary interval takes the largest (strictest) covering type. */
	for (u32 k = 0; k + 1 < np; k++) {
		u64 a = pts[k], b = pts[k + 1];
		u32 type = 0;

		if (a == b)
			continue;
		for (u32 j = 0; j < nv; j++)
			if (v[j].base <= a && b <= v[j].base + v[j].len)
				type = MAX(type, v[j].type);
		if (!type)
			continue;	/* hole */
		if (out->count) {
			struct boot_mem_range *last = &out->r[out->count - 1];

			if (last->type == type && last->base + last->len == a) {
				last->len += b - a;
				continue;
			}
		}
		if (out->count >= MEMMAP_MAX)
			break;
		out->r[out->count].base = a;
		out->r[out->count].len = b - a;
		out->r[out->count].type = type;
		out->r[out->count].pad = 0;
		out->count++;
	}
	return problems;
}

u64 memmap_total(const struct memmap *m, u32 type)
{
	u64 t = 0;

	for (u32 i = 0; i < m->count; i++)
		if (m->r[i].type == type)
			t += m->r[i].len;
	return t;
}
