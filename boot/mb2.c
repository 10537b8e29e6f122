// SPDX-License-Identifier: GPL-2.0
/*
 * Multiboot2 boot information -> struct boot_info (Multiboot2 spec 3.6).
 * Runs on the hand-over page tables, before the core has a console: what
 * goes wrong is written to bi->warnings and logged by the core.
 */
#include "boot/bootinfo.h"
#include "boot/multiboot2.h"
#include <string.h>

static struct boot_info mb2_bi;

extern char __kernel_start[], __kernel_end[];
extern char boot_end[];

static void *phys(u64 pa)
{
	return (void *)(DIRECT_MAP_BASE + pa);
}

static void warn(struct boot_info *bi, const char *msg)
{
	strlcat(bi->warnings, msg, sizeof(bi->warnings));
}

static void add_range(struct boot_info *bi, u64 base, u64 len, u32 type)
{
	if (bi->mmap_count >= BOOT_MMAP_MAX) {
		warn(bi, "mb2: memory map too long, tail dropped; ");
		return;
	}
	bi->mmap[bi->mmap_count].base = base;
	bi->mmap[bi->mmap_count].len = len;
	bi->mmap[bi->mmap_count].type = type;
	bi->mmap_count++;
}

static u32 mb2_mem_type(u32 t)
{
	switch (t) {
	case MB2_MEM_AVAILABLE:		return BOOT_MEM_USABLE;
	case MB2_MEM_ACPI_RECLAIMABLE:	return BOOT_MEM_ACPI_RECLAIM;
	case MB2_MEM_NVS:		return BOOT_MEM_ACPI_NVS;
	case MB2_MEM_BADRAM:		return BOOT_MEM_BAD;
	default:			return BOOT_MEM_RESERVED;
	}
}

static void parse_mmap(struct boot_info *bi, struct mb2_tag_mmap *t)
{
	u8 *p = (u8 *)t->entries, *end = (u8 *)t + t->size;

	if (t->entry_size < sizeof(struct mb2_mmap_entry)) {
		warn(bi, "mb2: bad memory map entry size; ");
		return;
	}
	for (; p + t->entry_size <= end; p += t->entry_size) {
		struct mb2_mmap_entry *e = (void *)p;

		add_range(bi, e->addr, e->len, mb2_mem_type(e->type));
	}
}

void mb2_main(u32 mbi_pa) __noreturn;
void mb2_main(u32 mbi_pa)
{
	struct boot_info *bi = &mb2_bi;
	struct mb2_info *mbi = phys(mbi_pa);
	u8 *p = (u8 *)(mbi + 1), *end = (u8 *)mbi + mbi->total_size;

	bi->magic = BOOT_INFO_MAGIC;
	bi->loader = BOOT_LOADER_MULTIBOOT2;
	strlcpy(bi->loader_name, "multiboot2", sizeof(bi->loader_name));
	bi->kernel_phys = (u64)__kernel_start - KERNEL_VIRT_BASE;
	bi->kernel_size = (u64)(__kernel_end - __kernel_start);

	while (p + sizeof(struct mb2_tag) <= end) {
		struct mb2_tag *tag = (void *)p;

		if (tag->type == MB2_TAG_END || tag->size < 8)
			break;
		switch (tag->type) {
		case MB2_TAG_CMDLINE:
			strlcpy(bi->cmdline, ((struct mb2_tag_string *)tag)->string,
				sizeof(bi->cmdline));
			break;
		case MB2_TAG_LOADER_NAME: {
			const char *n = ((struct mb2_tag_string *)tag)->string;

			strlcpy(bi->loader_name, "multiboot2: ", sizeof(bi->loader_name));
			strlcat(bi->loader_name, n, sizeof(bi->loader_name));
			break;
		}
		case MB2_TAG_MODULE: {
			struct mb2_tag_module *m = (void *)tag;
			struct boot_module *bm;

			if (bi->module_count >= BOOT_MODULES_MAX) {
				/* Named: the one dropped may be tern.cfg. */
				warn(bi, "mb2: module '");
				warn(bi, m->cmdline);
				warn(bi, "' dropped: more than 64 modules; ");
				break;
			}
			if (m->mod_end < m->mod_start) {
				warn(bi, "mb2: module with end before start dropped; ");
				break;
			}
			bm = &bi->modules[bi->module_count++];
			bm->phys = m->mod_start;
			bm->size = m->mod_end - m->mod_start;
			strlcpy(bm->name, m->cmdline, sizeof(bm->name));
			break;
		}
		case MB2_TAG_MMAP:
			parse_mmap(bi, (void *)tag);
			break;
		case MB2_TAG_FRAMEBUFFER: {
			struct mb2_tag_framebuffer *f = (void *)tag;

			bi->fb.phys = f->addr;
			bi->fb.width = f->width;
			bi->fb.height = f->height;
			bi->fb.pitch = f->pitch;
			bi->fb.bpp = f->bpp;
			bi->fb.present = 1;
			break;
		}
		case MB2_TAG_ACPI_NEW:
			/* The copy GRUB hands us lives in the MBI, which the
			 * core may reuse; RSDP tags beat scanning only if the
			 * table's own address is known, so keep the copy's
			 * address in the module-free low MBI and let the core
			 * validate it. */
			bi->acpi_rsdp = mbi_pa + (u64)((u8 *)((struct mb2_tag_acpi *)tag)->rsdp - (u8 *)mbi);
			break;
		case MB2_TAG_ACPI_OLD:
			if (!bi->acpi_rsdp)
				bi->acpi_rsdp = mbi_pa + (u64)((u8 *)((struct mb2_tag_acpi *)tag)->rsdp - (u8 *)mbi);
			break;
		}
		p += ALIGN_UP(tag->size, 8);
	}
	if (!bi->mmap_count)
		warn(bi, "mb2: loader gave no memory map; ");

	/* What must survive: the MBI (RSDP copy), the image, the modules. */
	add_range(bi, mbi_pa, mbi->total_size, BOOT_MEM_TERN);
	add_range(bi, 0x100000, (u64)boot_end - 0x100000, BOOT_MEM_TERN);
	add_range(bi, bi->kernel_phys, bi->kernel_size, BOOT_MEM_TERN);
	for (u32 i = 0; i < bi->module_count; i++)
		add_range(bi, bi->modules[i].phys, bi->modules[i].size, BOOT_MEM_TERN);

	tern_main(bi);
}
