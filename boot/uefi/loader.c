// SPDX-License-Identifier: GPL-2.0
/*
 * tern.efi: the UEFI boot path. A gnu-efi application that carries tern.elf
 * inside it. It
 *  - loads every file of the ESP directory it was started from (but *.efi)
 *    as a boot module, so tern.cfg and guest images sit next to tern.efi;
 *  - takes the command line from its load options (UEFI shell arguments)
 *    or else from the file tern.cmdline in that directory;
 *  - places tern's high-half segments anywhere in RAM, builds the hand-over
 *    page tables of boot/bootinfo.h, exits boot services, converts the UEFI
 *    memory map and jumps to boot_entry64.
 * Everything tern keeps is allocated with an OS-defined memory type
 * (UEFI 2.9, 7.2 AllocatePages: 0x80000000..0xffffffff) so that the memory
 * map tells it apart from the loader's own, reusable, allocations.
 */
#include <efi.h>
#include <efilib.h>

#include "boot/bootinfo.h"
#include "boot/elf64.h"

#define TERN_MEMORY_TYPE	((EFI_MEMORY_TYPE)0x8000746e)	/* 'tn' */
#define PTE_P	0x1ULL
#define PTE_W	0x2ULL
#define PTE_PS	0x80ULL
#define PTE_NX	(1ULL << 63)
#define MAX_FILE_SIZE	(512ULL << 20)

extern unsigned char _binary_tern_elf_start[], _binary_tern_elf_end[];

static struct boot_info *bi;

static void fail(CHAR16 *what, EFI_STATUS st)
{
	Print(L"tern.efi: %s: %r\n", what, st);
	Print(L"tern.efi: cannot boot; returning to firmware\n");
}

static void *alloc_pages(UINTN pages, BOOLEAN below_4g)
{
	EFI_PHYSICAL_ADDRESS pa = below_4g ? 0xffffffffULL : ~0ULL;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->AllocatePages, 4,
			       below_4g ? AllocateMaxAddress : AllocateAnyPages,
			       TERN_MEMORY_TYPE, pages, &pa);
	if (EFI_ERROR(st))
		return NULL;
	ZeroMem((void *)pa, pages * EFI_PAGE_SIZE);
	return (void *)pa;
}

static void warn(const char *msg)
{
	UINTN n = strlena((CHAR8 *)bi->warnings);

	while (*msg && n + 1 < sizeof(bi->warnings))
		bi->warnings[n++] = *msg++;
	bi->warnings[n] = 0;
}

static void ascii_from_ucs2(char *dst, UINTN max, const CHAR16 *src, UINTN n)
{
	UINTN i;

	for (i = 0; i + 1 < max && i < n && src[i]; i++)
		dst[i] = src[i] < 0x80 ? (char)src[i] : '?';
	dst[i] = 0;
}

static BOOLEAN ends_with_efi(const CHAR16 *s)
{
	UINTN n = StrLen((CHAR16 *)s);

	return n >= 4 && s[n - 4] == '.' &&
	       (s[n - 3] | 0x20) == 'e' && (s[n - 2] | 0x20) == 'f' &&
	       (s[n - 1] | 0x20) == 'i';
}

/*
 * Load options are text only when started from the UEFI shell; a boot
 * manager entry may carry binary data. Accept printable UCS-2 only, and drop
 * the image name the shell puts first.
 */
static void cmdline_from_options(EFI_LOADED_IMAGE *li)
{
	CHAR16 *o = li->LoadOptions;
	UINTN n = li->LoadOptionsSize / sizeof(CHAR16), i;

	if (!o || !n)
		return;
	for (i = 0; i < n && o[i]; i++)
		if (o[i] < 0x20 || o[i] > 0x7e)
			return;
	n = i;
	i = 0;
	while (i < n && o[i] == ' ')
		i++;
	UINTN w = i;
	while (w < n && o[w] != ' ')
		w++;
	/* First word is our own file name when it ends in .efi. */
	if (w - i >= 4 && o[w - 4] == '.' && (o[w - 3] | 0x20) == 'e' &&
	    (o[w - 2] | 0x20) == 'f' && (o[w - 1] | 0x20) == 'i')
		i = w;
	while (i < n && o[i] == ' ')
		i++;
	ascii_from_ucs2(bi->cmdline, sizeof(bi->cmdline), o + i, n - i);
}

static EFI_STATUS load_modules(EFI_LOADED_IMAGE *li)
{
	EFI_FILE_HANDLE root, dir;
	CHAR16 *path, *slash = NULL;
	EFI_STATUS st;
	UINT8 buf[SIZE_OF_EFI_FILE_INFO + 512];

	root = LibOpenRoot(li->DeviceHandle);
	if (!root)
		return EFI_NOT_FOUND;
	path = DevicePathToStr(li->FilePath);
	for (CHAR16 *p = path; p && *p; p++)
		if (*p == '\\' || *p == '/')
			slash = p;
	if (slash)
		slash[slash == path ? 1 : 0] = 0;
	st = uefi_call_wrapper(root->Open, 5, root, &dir,
			       slash ? path : L"\\", EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;

	for (;;) {
		EFI_FILE_INFO *fi = (EFI_FILE_INFO *)buf;
		UINTN size = sizeof(buf);
		EFI_FILE_HANDLE f;
		struct boot_module *m;
		void *data;

		st = uefi_call_wrapper(dir->Read, 3, dir, &size, buf);
		if (EFI_ERROR(st) || size == 0)
			break;
		if (fi->Attribute & EFI_FILE_DIRECTORY || ends_with_efi(fi->FileName) ||
		    fi->FileSize == 0)
			continue;
		if (fi->FileSize > MAX_FILE_SIZE) {
			warn("uefi: file over 512 MiB skipped; ");
			continue;
		}
		if (bi->module_count >= BOOT_MODULES_MAX) {
			char name[BOOT_NAME_MAX];

			/* Named: the one left out may be tern.cfg. */
			ascii_from_ucs2(name, sizeof(name), fi->FileName, 256);
			warn("uefi: file '");
			warn(name);
			warn("' not loaded: more than 64 modules; ");
			continue;
		}
		data = alloc_pages(EFI_SIZE_TO_PAGES(fi->FileSize), TRUE);
		if (!data) {
			warn("uefi: out of memory loading a file; ");
			continue;
		}
		st = uefi_call_wrapper(dir->Open, 5, dir, &f, fi->FileName,
				       EFI_FILE_MODE_READ, 0);
		if (EFI_ERROR(st))
			continue;
		size = fi->FileSize;
		st = uefi_call_wrapper(f->Read, 3, f, &size, data);
		uefi_call_wrapper(f->Close, 1, f);
		if (EFI_ERROR(st) || size != fi->FileSize) {
			warn("uefi: short read of a file; ");
			continue;
		}
		m = &bi->modules[bi->module_count++];
		m->phys = (UINT64)data;
		m->size = size;
		ascii_from_ucs2(m->name, sizeof(m->name), fi->FileName, 256);
		Print(L"tern.efi: loaded %s (%ld bytes)\n", fi->FileName, size);
	}
	uefi_call_wrapper(dir->Close, 1, dir);
	return EFI_SUCCESS;
}

/* The command line file is consumed, not passed on as a module. */
static void cmdline_from_file(void)
{
	for (UINT32 i = 0; i < bi->module_count; i++) {
		struct boot_module *m = &bi->modules[i];
		char *s = (char *)m->phys;
		UINTN n;

		if (strcmpa((CHAR8 *)m->name, (CHAR8 *)"tern.cmdline"))
			continue;
		if (!bi->cmdline[0]) {
			for (n = 0; n < m->size && n + 1 < sizeof(bi->cmdline) &&
			     s[n] != '\n' && s[n] != '\r'; n++)
				bi->cmdline[n] = s[n];
			bi->cmdline[n] = 0;
		}
		bi->modules[i] = bi->modules[--bi->module_count];
		return;
	}
}

static UINT64 *kernel_pt_walk(UINT64 *pml4, UINT64 va)
{
	UINT64 *t = pml4;

	for (int level = 3; level > 0; level--) {
		UINTN idx = (va >> (12 + 9 * level)) & 511;

		if (!(t[idx] & PTE_P)) {
			UINT64 *n = alloc_pages(1, TRUE);

			if (!n)
				return NULL;
			t[idx] = (UINT64)n | PTE_P | PTE_W;
		}
		t = (UINT64 *)(t[idx] & 0x000ffffffffff000ULL);
	}
	return &t[(va >> 12) & 511];
}

/* Place the high-half segments; returns the page table root or NULL. */
static UINT64 *load_kernel(UINT64 *entry)
{
	struct elf64_ehdr *eh = (void *)_binary_tern_elf_start;
	struct elf64_phdr *ph;
	UINT64 lo = ~0ULL, hi = 0, base;
	UINT64 *pml4, *pdpt, *pd;
	UINTN i;

	if (*(UINT32 *)eh->e_ident != ELF_MAGIC || eh->e_ident[4] != ELFCLASS64 ||
	    eh->e_machine != EM_X86_64) {
		Print(L"tern.efi: embedded image is not an x86-64 ELF\n");
		return NULL;
	}
	ph = (void *)(_binary_tern_elf_start + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_vaddr < KERNEL_VIRT_BASE)
			continue;	/* the multiboot2 stub is not ours */
		lo = MIN(lo, ph[i].p_vaddr & ~0xfffULL);
		hi = MAX(hi, ALIGN_UP(ph[i].p_vaddr + ph[i].p_memsz, 4096));
	}
	if (lo >= hi)
		return NULL;
	base = (UINT64)alloc_pages(EFI_SIZE_TO_PAGES(hi - lo), TRUE);
	if (!base)
		return NULL;
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_vaddr < KERNEL_VIRT_BASE)
			continue;
		CopyMem((void *)(base + ph[i].p_vaddr - lo),
			_binary_tern_elf_start + ph[i].p_offset, ph[i].p_filesz);
	}
	bi->kernel_phys = base;
	bi->kernel_size = hi - lo;
	*entry = eh->e_entry;

	/* Identity and direct map of [0, 4 GiB) with 2 MiB pages. */
	pml4 = alloc_pages(1, TRUE);
	pdpt = alloc_pages(1, TRUE);
	pd = alloc_pages(4, TRUE);
	if (!pml4 || !pdpt || !pd)
		return NULL;
	for (i = 0; i < 2048; i++)
		pd[i] = ((UINT64)i << 21) | PTE_P | PTE_W | PTE_PS;
	for (i = 0; i < 4; i++)
		pdpt[i] = (UINT64)&pd[i * 512] | PTE_P | PTE_W;
	pml4[0] = (UINT64)pdpt | PTE_P | PTE_W;
	pml4[256] = (UINT64)pdpt | PTE_P | PTE_W;

	for (UINT64 va = lo; va < hi; va += 4096) {
		UINT64 *pte = kernel_pt_walk(pml4, va);

		if (!pte)
			return NULL;
		*pte = (base + va - lo) | PTE_P | PTE_W;
	}
	return pml4;
}

static UINT32 efi_to_boot_type(UINT32 t)
{
	switch (t) {
	case EfiConventionalMemory:
	case EfiBootServicesCode:
	case EfiBootServicesData:
	case EfiLoaderCode:
	case EfiLoaderData:
		return BOOT_MEM_USABLE;
	case EfiACPIReclaimMemory:
		return BOOT_MEM_ACPI_RECLAIM;
	case EfiACPIMemoryNVS:
		return BOOT_MEM_ACPI_NVS;
	case EfiUnusableMemory:
		return BOOT_MEM_BAD;
	case TERN_MEMORY_TYPE:
		return BOOT_MEM_TERN;
	default:
		return BOOT_MEM_RESERVED;
	}
}

/* No boot services from here on: pure conversion into the preallocated bi. */
static void convert_mmap(UINT8 *map, UINTN size, UINTN desc_size)
{
	for (UINTN off = 0; off + desc_size <= size; off += desc_size) {
		EFI_MEMORY_DESCRIPTOR *d = (void *)(map + off);
		UINT32 type = efi_to_boot_type(d->Type);
		UINT64 len = d->NumberOfPages * EFI_PAGE_SIZE;
		struct boot_mem_range *prev = bi->mmap_count ? &bi->mmap[bi->mmap_count - 1] : NULL;

		if (prev && prev->type == type && prev->base + prev->len == d->PhysicalStart) {
			prev->len += len;
			continue;
		}
		if (bi->mmap_count >= BOOT_MMAP_MAX) {
			warn("uefi: memory map too long, tail dropped; ");
			return;
		}
		bi->mmap[bi->mmap_count].base = d->PhysicalStart;
		bi->mmap[bi->mmap_count].len = len;
		bi->mmap[bi->mmap_count].type = type;
		bi->mmap_count++;
	}
}

static void find_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;

	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

		if (!CompareGuid(&t->VendorGuid, &acpi20)) {
			bi->acpi_rsdp = (UINT64)t->VendorTable;
			return;
		}
		if (!CompareGuid(&t->VendorGuid, &acpi10))
			bi->acpi_rsdp = (UINT64)t->VendorTable;
	}
}

static void find_framebuffer(void)
{
	EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;

	if (EFI_ERROR(LibLocateProtocol(&gop_guid, (void **)&gop)) || !gop->Mode)
		return;
	bi->fb.phys = gop->Mode->FrameBufferBase;
	bi->fb.width = gop->Mode->Info->HorizontalResolution;
	bi->fb.height = gop->Mode->Info->VerticalResolution;
	bi->fb.pitch = gop->Mode->Info->PixelsPerScanLine * 4;
	bi->fb.bpp = 32;
	bi->fb.present = 1;
}

static void __attribute__((noreturn)) jump(UINT64 *pml4, UINT64 entry)
{
	__asm__ __volatile__("mov %0, %%cr3\n\t"
			     "jmp *%1"
			     :: "r"(pml4), "r"(entry),
				"D"(DIRECT_MAP_BASE + (UINT64)bi)
			     : "memory");
	__builtin_unreachable();
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st;
	UINT64 *pml4, entry = 0;
	UINTN map_size = 0, map_key, desc_size, map_cap;
	UINT32 desc_ver;
	UINT8 *map;

	InitializeLib(image, systab);
	Print(L"tern.efi: UEFI %d.%d, %s\n", ST->Hdr.Revision >> 16,
	      ST->Hdr.Revision & 0xffff, ST->FirmwareVendor);

	if ((UINT64)&efi_main >= SZ_4G || (UINT64)&st >= SZ_4G) {
		fail(L"loader runs above 4 GiB, outside the hand-over identity map",
		     EFI_UNSUPPORTED);
		return EFI_UNSUPPORTED;
	}
	bi = alloc_pages(EFI_SIZE_TO_PAGES(sizeof(*bi)), TRUE);
	if (!bi) {
		fail(L"allocating boot info", EFI_OUT_OF_RESOURCES);
		return EFI_OUT_OF_RESOURCES;
	}
	bi->magic = BOOT_INFO_MAGIC;
	bi->loader = BOOT_LOADER_UEFI;
	CopyMem(bi->loader_name, "uefi", 5);

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
			       (void **)&li);
	if (EFI_ERROR(st)) {
		fail(L"loaded image protocol", st);
		return st;
	}
	cmdline_from_options(li);
	st = load_modules(li);
	if (EFI_ERROR(st))
		warn("uefi: could not read the ESP directory; ");
	cmdline_from_file();
	find_rsdp();
	find_framebuffer();

	pml4 = load_kernel(&entry);
	if (!pml4) {
		fail(L"loading the tern image", EFI_LOAD_ERROR);
		return EFI_LOAD_ERROR;
	}

	/* Room for the map plus what allocating it adds. */
	uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, NULL, &map_key,
			  &desc_size, &desc_ver);
	map_cap = map_size + 16 * desc_size;
	st = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, map_cap,
			       (void **)&map);
	if (EFI_ERROR(st)) {
		fail(L"allocating the memory map", st);
		return st;
	}
	Print(L"tern.efi: starting tern, cmdline '%a'\n", bi->cmdline);
	for (int tries = 0; tries < 8; tries++) {
		map_size = map_cap;
		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size,
				       (EFI_MEMORY_DESCRIPTOR *)map, &map_key,
				       &desc_size, &desc_ver);
		if (EFI_ERROR(st))
			break;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, map_key);
		if (!EFI_ERROR(st))
			break;
	}
	if (EFI_ERROR(st)) {
		fail(L"ExitBootServices", st);
		return st;
	}
	convert_mmap(map, map_size, desc_size);
	jump(pml4, entry);
}
