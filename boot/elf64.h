/* SPDX-License-Identifier: GPL-2.0 */
/* ELF-64 Object File Format, version 1.5: the parts a loader needs. */
#ifndef TERN_BOOT_ELF64_H
#define TERN_BOOT_ELF64_H

#define ELF_MAGIC	0x464c457f	/* "\x7fELF", little endian */
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define ET_EXEC		2
#define EM_X86_64	62
#define PT_LOAD		1

struct elf64_ehdr {
	unsigned char e_ident[16];
	unsigned short e_type;
	unsigned short e_machine;
	unsigned int e_version;
	unsigned long long e_entry;
	unsigned long long e_phoff;
	unsigned long long e_shoff;
	unsigned int e_flags;
	unsigned short e_ehsize;
	unsigned short e_phentsize;
	unsigned short e_phnum;
	unsigned short e_shentsize;
	unsigned short e_shnum;
	unsigned short e_shstrndx;
};

struct elf64_phdr {
	unsigned int p_type;
	unsigned int p_flags;
	unsigned long long p_offset;
	unsigned long long p_vaddr;
	unsigned long long p_paddr;
	unsigned long long p_filesz;
	unsigned long long p_memsz;
	unsigned long long p_align;
};

#endif
