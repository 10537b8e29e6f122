// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "core/cpu.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/spinlock.h"
#include "mm/kmem.h"
#include "mm/pmm.h"

extern char __kernel_start[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[], __data_end[];
extern char __kernel_end[];

static struct page_table kpt;
static spinlock_t kpt_lock = SPINLOCK_INIT;
static u64 kernel_phys;
static u64 ioremap_next = IOREMAP_BASE;
static u64 kstack_next = KSTACK_BASE;
static struct kmem_stats kst;

static u64 alloc_table(void *ctx)
{
	/* Below 4 GiB where possible: the root is loaded by 32-bit AP code. */
	u64 pa = pmm_alloc_range(1, PAGE_SIZE, SZ_1M, SZ_4G);

	(void)ctx;
	if (!pa)
		pa = pmm_alloc(1);
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

u64 virt_to_phys(const void *p)
{
	u64 va = (u64)p, pa;

	if (va >= (u64)__kernel_start && va < (u64)__kernel_end)
		return kernel_phys + (va - (u64)__kernel_start);
	if (va >= DIRECT_MAP_BASE && va < DIRECT_MAP_BASE + MEMMAP_PHYS_LIMIT)
		return va - DIRECT_MAP_BASE;
	if (kpt.root && pt_lookup(&kpt, va, &pa, NULL, NULL))
		return pa;
	return ~0ULL;
}

struct page_table *kmem_pt(void)
{
	return &kpt;
}

static void map_or_die(u64 va, u64 pa, u64 size, u32 flags, const char *what)
{
	int err = pt_map(&kpt, va, pa, size, flags);

	if (err)
		panic("kmem: mapping %s: %s", what, pt_strerror(err));
}

static bool direct_mapped_type(u32 t)
{
	return t == BOOT_MEM_USABLE || t == BOOT_MEM_ACPI_RECLAIM ||
	       t == BOOT_MEM_TERN || t == BOOT_MEM_ACPI_NVS;
}

void kmem_init(const struct boot_info *bi, const struct memmap *m)
{
	u32 a, b, c, d;
	u64 ts = (u64)__text_start, te = (u64)__text_end;
	u64 rs = (u64)__rodata_start, re = (u64)__rodata_end;
	u64 ds = (u64)__data_start, de = (u64)__data_end;

	kernel_phys = bi->kernel_phys;
	cpuid(0x80000001, &a, &b, &c, &d);
	kpt.allow_1g = d & BIT(26);
	kpt.has_nx = d & BIT(20);
	kpt.alloc_table = alloc_table;
	kpt.p2v = phys_to_virt;
	if (pt_init(&kpt))
		panic("kmem: no memory for the page-table root");

	/* The image, by section. */
	map_or_die(ts, kernel_phys + ts - (u64)__kernel_start, te - ts,
		   MAP_X | MAP_GLOBAL, "text");
	map_or_die(rs, kernel_phys + rs - (u64)__kernel_start, re - rs,
		   MAP_R | MAP_GLOBAL, "rodata");
	map_or_die(ds, kernel_phys + ds - (u64)__kernel_start, de - ds,
		   MAP_W | MAP_GLOBAL, "data");
	kst.image_text = te - ts;
	kst.image_rodata = re - rs;
	kst.image_data = de - ds;

	/* The direct map: legacy first MiB, then RAM-like ranges. */
	map_or_die(DIRECT_MAP_BASE, 0, SZ_1M, MAP_W, "low memory");
	kst.direct_bytes = SZ_1M;
	for (u32 i = 0; i < m->count; i++) {
		const struct boot_mem_range *r = &m->r[i];
		u64 s = ALIGN_DOWN(r->base, PAGE_SIZE);
		u64 e = ALIGN_UP(r->base + r->len, PAGE_SIZE);

		if (!direct_mapped_type(r->type))
			continue;
		s = MAX(s, SZ_1M);
		if (e <= s)
			continue;
		map_or_die(DIRECT_MAP_BASE + s, s, e - s, MAP_W, "direct map");
		kst.direct_bytes += e - s;
	}

	/* NX and supervisor write protection, then the switch. */
	if (kpt.has_nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr0(read_cr0() | CR0_WP);
	write_cr4(read_cr4() | CR4_PGE);
	write_cr3(kpt.root);
	kst.nx = kpt.has_nx;
	kst.wp = true;
	kst.large_1g = kpt.allow_1g;
}

int kmem_map(u64 va, u64 pa, u64 size, u32 flags)
{
	u64 f = spin_lock_irqsave(&kpt_lock);
	int err = pt_map(&kpt, va, pa, size, flags);

	spin_unlock_irqrestore(&kpt_lock, f);
	return err;
}

int kmem_unmap(u64 va, u64 size)
{
	u64 f = spin_lock_irqsave(&kpt_lock);
	int err = pt_unmap(&kpt, va, size);

	for (u64 p = va; p < va + size; p += PAGE_SIZE)
		invlpg(p);
	spin_unlock_irqrestore(&kpt_lock, f);
	return err;
}

void kmem_flush_all(void)
{
	/* Toggling PGE flushes global entries too (SDM 3A 4.10.4.1). */
	u64 cr4 = read_cr4();

	write_cr4(cr4 & ~CR4_PGE);
	write_cr4(cr4);
}

static u64 va_take(u64 *next, u64 limit, u64 size)
{
	u64 f = spin_lock_irqsave(&kpt_lock), va = 0;

	if (*next + size <= limit) {
		va = *next;
		*next += size;
	}
	spin_unlock_irqrestore(&kpt_lock, f);
	return va;
}

void *ioremap(u64 pa, u64 size, u32 flags)
{
	u64 base = ALIGN_DOWN(pa, PAGE_SIZE);
	u64 len = ALIGN_UP(pa + size, PAGE_SIZE) - base;
	u64 va = va_take(&ioremap_next, IOREMAP_BASE + IOREMAP_SIZE, len);

	if (!va || kmem_map(va, base, len, flags & ~MAP_X))
		return NULL;
	kst.ioremap_bytes += len;
	return (void *)(va + (pa - base));
}

void *kmem_map_firmware(u64 pa, u64 len)
{
	u64 end = pa + len, p;

	for (p = ALIGN_DOWN(pa, PAGE_SIZE); p < end; p += PAGE_SIZE)
		if (!pt_lookup(&kpt, DIRECT_MAP_BASE + p, NULL, NULL, NULL))
			break;
	if (p >= end)
		return phys_to_virt(pa);
	return ioremap(pa, len, MAP_R);
}

u64 kstack_alloc(u64 size)
{
	u64 pages = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
	u64 va = va_take(&kstack_next, KSTACK_BASE + KSTACK_SIZE,
			 (pages + 1) * PAGE_SIZE);

	if (!va)
		return 0;
	va += PAGE_SIZE;	/* the guard page stays unmapped */
	for (u64 i = 0; i < pages; i++) {
		u64 pa = pmm_alloc_zeroed_page();

		if (!pa || kmem_map(va + i * PAGE_SIZE, pa, PAGE_SIZE, MAP_W))
			return 0;
	}
	kst.stack_bytes += pages * PAGE_SIZE;
	return va + pages * PAGE_SIZE;
}

static spinlock_t heap_lock = SPINLOCK_INIT;
static u64 heap_brk = HEAP_BASE, heap_mapped = HEAP_BASE;

void *heap_sbrk(long incr)
{
	u64 f = spin_lock_irqsave(&heap_lock);
	u64 old = heap_brk, want = heap_brk + incr;
	void *ret = (void *)old;

	if (incr < 0 || want > HEAP_BASE + HEAP_MAX) {
		ret = (void *)-1;
		goto out;
	}
	while (heap_mapped < want) {
		u64 pa = pmm_alloc(1);

		if (!pa || kmem_map(heap_mapped, pa, PAGE_SIZE, MAP_W)) {
			if (pa)
				pmm_free(pa, 1);
			ret = (void *)-1;
			goto out;
		}
		heap_mapped += PAGE_SIZE;
	}
	heap_brk = want;
	kst.heap_bytes = heap_mapped - HEAP_BASE;
out:
	spin_unlock_irqrestore(&heap_lock, f);
	return ret;
}

void kmem_get_stats(struct kmem_stats *s)
{
	*s = kst;
	s->pt_pages = kpt.tables;
	s->pt_splits = kpt.splits;
}
