// SPDX-License-Identifier: GPL-2.0
/* Per-CPU structures, GDT and TSS (SDM 3A 3.4.5, 7.7). */
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/panic.h"
#include "core/percpu.h"
#include "mm/kmem.h"
#include "mm/pmm.h"

struct percpu *cpus[MAX_CPUS];
u32 cpu_count;

#define STACK_SIZE	(32 * 1024)
#define IST_SIZE	(8 * 1024)

const char *cpu_state_name(u32 s)
{
	switch (s) {
	case CPU_ABSENT:	return "absent";
	case CPU_STARTING:	return "starting";
	case CPU_ONLINE:	return "online";
	case CPU_FAILED:	return "failed";
	case CPU_HALTED:	return "halted";
	case CPU_DISABLED:	return "disabled";
	}
	return "?";
}

const char *cpu_role_name(u32 r)
{
	switch (r) {
	case ROLE_MANAGEMENT:	return "management";
	case ROLE_SPARE:	return "spare";
	case ROLE_GUEST:	return "guest";
	case ROLE_SIDECORE:	return "sidecore";
	}
	return "?";
}

/*
 * The boot CPU's structure is static: it must catch exceptions before
 * there is a page allocator or a heap.
 */
static struct percpu bsp_percpu;
static u8 bsp_idt[PAGE_SIZE] __aligned(PAGE_SIZE);
static u8 bsp_ist[3][IST_SIZE] __aligned(16);
extern char boot_stack[], boot_stack_top[];

struct percpu *percpu_bsp_early(void)
{
	struct percpu *p = &bsp_percpu;

	p->self = p;
	p->index = 0;
	p->idt = bsp_idt;
	p->stack_top = (u64)boot_stack_top;
	p->stack_bottom = (u64)boot_stack;
	p->tss.rsp[0] = p->stack_top;
	for (int i = 0; i < 3; i++)
		p->tss.ist[i] = (u64)bsp_ist[i] + IST_SIZE;
	p->tss.iomap_base = sizeof(struct tss64);
	p->state = CPU_ONLINE;
	p->role = ROLE_MANAGEMENT;
	idt_init_cpu(p->idt);
	percpu_load(p);
	cpus[0] = p;
	cpu_count = 1;
	return p;
}

struct percpu *percpu_alloc(u32 index, u32 apic_id)
{
	struct percpu *p = calloc(1, sizeof(*p));
	u64 idt_pa = pmm_alloc_zeroed_page();

	if (!p || !idt_pa)
		panic("percpu: out of memory for CPU%u", index);
	p->self = p;
	p->index = index;
	p->apic_id = apic_id;
	p->idt = phys_to_virt(idt_pa);
	p->stack_top = kstack_alloc(STACK_SIZE);
	p->stack_bottom = p->stack_top - STACK_SIZE;
	p->tss.ist[IST_DF - 1] = kstack_alloc(IST_SIZE);
	p->tss.ist[IST_NMI - 1] = kstack_alloc(IST_SIZE);
	p->tss.ist[IST_MC - 1] = kstack_alloc(IST_SIZE);
	if (!p->stack_top || !p->tss.ist[0] || !p->tss.ist[1] || !p->tss.ist[2])
		panic("percpu: out of memory for CPU%u stacks", index);
	p->tss.rsp[0] = p->stack_top;
	p->tss.iomap_base = sizeof(struct tss64);	/* no I/O bitmap */
	idt_init_cpu(p->idt);
	return p;
}

void percpu_load(struct percpu *p)
{
	u64 tss = (u64)&p->tss;
	struct {
		u16 limit;
		u64 base;
	} __packed gdtr = { sizeof(p->gdt) - 1, (u64)p->gdt };

	p->gdt[0] = 0;
	p->gdt[1] = 0x00af9a000000ffffULL;	/* 64-bit code, DPL0 */
	p->gdt[2] = 0x00cf92000000ffffULL;	/* data */
	/* 64-bit TSS descriptor: limit, base 31:0, type 9, present. */
	p->gdt[3] = (sizeof(struct tss64) - 1) | ((tss & 0xffffff) << 16) |
		    (0x89ULL << 40) | (((tss >> 24) & 0xff) << 56);
	p->gdt[4] = tss >> 32;

	__asm__ __volatile__(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl %2, %%eax\n\t"
		"movl %%eax, %%ds\n\t"
		"movl %%eax, %%es\n\t"
		"movl %%eax, %%ss\n\t"
		"xorl %%eax, %%eax\n\t"
		"movl %%eax, %%fs\n\t"
		"movl %%eax, %%gs\n\t"
		:: "m"(gdtr), "i"(GDT_CODE), "i"(GDT_DATA) : "rax", "memory");
	__asm__ __volatile__("ltr %w0" :: "r"(GDT_TSS));
	/* tern uses no SSE/AVX state (built -mgeneral-regs-only): with these
	 * off, a stray vector instruction is a loud #UD, and guest FPU state
	 * never needs saving around tern's own code. Firmware may have set
	 * them. */
	write_cr4(read_cr4() & ~(CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE));
	wrmsr(MSR_GS_BASE, (u64)p);
	idt_load(p->idt);
}
