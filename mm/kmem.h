/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern's own address space. Layout:
 *   DIRECT_MAP_BASE  + pa   RAM, ACPI and tern's boot data: RW, NX, WB
 *   IOREMAP_BASE ...        MMIO: uncached (or cached, read-only, for
 *                           firmware tables outside RAM), NX
 *   KSTACK_BASE ...         per-CPU stacks, each under an unmapped guard page
 *   HEAP_BASE ...           newlib's heap (sbrk), RW, NX
 *   KERNEL_VIRT_BASE + ...  the image: text RX, rodata R, data/bss RW+NX
 * No mapping is writable and executable.
 */
#ifndef TERN_MM_KMEM_H
#define TERN_MM_KMEM_H

#include "boot/bootinfo.h"
#include "mm/memmap.h"
#include "mm/paging.h"

#define IOREMAP_BASE	0xffffc00000000000ULL
#define IOREMAP_SIZE	(64ULL << 30)
#define KSTACK_BASE	0xffffc80000000000ULL
#define KSTACK_SIZE	(4ULL << 30)
#define HEAP_BASE	0xffffd00000000000ULL
#define HEAP_MAX	(16ULL << 30)

static inline void *phys_to_virt(u64 pa)
{
	return (void *)(DIRECT_MAP_BASE + pa);
}

u64 virt_to_phys(const void *va);

/* Build and switch to tern's page tables. */
void kmem_init(const struct boot_info *bi, const struct memmap *m);
struct page_table *kmem_pt(void);
/* Map MMIO (MAP_UC) or firmware data (MAP_R); returns NULL on failure. */
void *ioremap(u64 pa, u64 size, u32 flags);
/* Direct-map address when [pa, pa+len) is direct-mapped, else ioremap it. */
void *kmem_map_firmware(u64 pa, u64 len);
/* A stack of `size` bytes under a guard page; returns its top. */
u64 kstack_alloc(u64 size);
int kmem_map(u64 va, u64 pa, u64 size, u32 flags);
int kmem_unmap(u64 va, u64 size);
void kmem_flush_all(void);

struct kmem_stats {
	u64 direct_bytes;
	u64 ioremap_bytes;
	u64 stack_bytes;
	u64 heap_bytes;
	u64 pt_pages;
	u64 pt_splits;
	u64 image_text, image_rodata, image_data;
	bool nx, wp, large_1g;
};
void kmem_get_stats(struct kmem_stats *s);

/* newlib's sbrk backend. */
void *heap_sbrk(long incr);

#endif
