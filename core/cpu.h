/* SPDX-License-Identifier: GPL-2.0 */
/* x86-64 instructions and register bits (Intel SDM vol. 3A, ch. 2 and 4). */
#ifndef TERN_CORE_CPU_H
#define TERN_CORE_CPU_H

#include "core/types.h"

/* CR0/CR4 (SDM 3A 2.5) */
#define CR0_PE		BIT(0)
#define CR0_MP		BIT(1)
#define CR0_EM		BIT(2)
#define CR0_TS		BIT(3)
#define CR0_ET		BIT(4)	/* reads as 1 on every CPU since the 486 */
#define CR0_NE		BIT(5)
#define CR0_WP		BIT(16)
#define CR0_AM		BIT(18)
#define CR0_NW		BIT(29)
#define CR0_CD		BIT(30)
#define CR0_PG		BIT(31)
/* The bits of CR0 that mean something (SDM 3A 2.5); writes to the others
 * are ignored, and any of 63:32 is #GP. */
#define CR0_DEFINED	(CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | \
			 CR0_AM | CR0_NW | CR0_CD | CR0_PG)
#define CR4_PSE		BIT(4)
#define CR4_PAE		BIT(5)
#define CR4_PGE		BIT(7)
#define CR4_OSFXSR	BIT(9)
#define CR4_OSXMMEXCPT	BIT(10)
#define CR4_VMXE	BIT(13)
#define CR4_SMXE	BIT(14)
#define CR4_PCIDE	BIT(17)
#define CR4_LA57	BIT(12)
#define CR4_PKE		BIT(22)
#define CR4_OSXSAVE	BIT(18)

/* MSRs (SDM vol. 4, table 2-2: architectural MSRs) */
#define MSR_IA32_TSC			0x10
#define MSR_IA32_TSC_ADJUST		0x3b
#define MSR_IA32_APIC_BASE		0x1b
#define  APIC_BASE_BSP			BIT(8)
#define  APIC_BASE_EXTD			BIT(10)
#define  APIC_BASE_EN			BIT(11)
#define  APIC_BASE_ADDR_MASK		(~0xfffULL)
#define MSR_IA32_SYSENTER_CS		0x174
#define MSR_IA32_SYSENTER_ESP		0x175
#define MSR_IA32_SYSENTER_EIP		0x176
#define MSR_IA32_FEATURE_CONTROL	0x3a
#define MSR_SPEC_CTRL			0x48	/* IA32_SPEC_CTRL */
#define MSR_PRED_CMD			0x49	/* IA32_PRED_CMD: write-only */
#define MSR_IA32_BIOS_SIGN_ID		0x8b	/* microcode revision */
#define MSR_IA32_ARCH_CAPABILITIES	0x10a	/* read-only (SDM 4, table 2-2) */
#define MSR_FLUSH_CMD			0x10b	/* IA32_FLUSH_CMD: write-only */
#define MSR_IA32_MISC_ENABLE		0x1a0
#define  MISC_ENABLE_FAST_STRINGS	BIT(0)
#define MSR_IA32_PAT			0x277
#define MSR_EFER			0xc0000080
#define  EFER_SCE			BIT(0)
#define  EFER_LME			BIT(8)
#define  EFER_LMA			BIT(10)
#define  EFER_NXE			BIT(11)
#define MSR_STAR			0xc0000081	/* SYSCALL segments */
#define MSR_LSTAR			0xc0000082	/* SYSCALL RIP, 64-bit */
#define MSR_CSTAR			0xc0000083	/* SYSCALL RIP, compat */
#define MSR_SFMASK			0xc0000084	/* SYSCALL RFLAGS mask */
#define MSR_FS_BASE			0xc0000100
#define MSR_GS_BASE			0xc0000101
#define MSR_KERNEL_GS_BASE		0xc0000102
#define MSR_TSC_AUX			0xc0000103	/* RDTSCP's ECX */

/* RFLAGS (SDM 1 3.4.3) */
#define RFLAGS_CF	BIT(0)
#define RFLAGS_FIXED	BIT(1)	/* always 1 */
#define RFLAGS_PF	BIT(2)
#define RFLAGS_ZF	BIT(6)
#define RFLAGS_SF	BIT(7)
#define RFLAGS_TF	BIT(8)
#define RFLAGS_IF	BIT(9)
#define RFLAGS_DF	BIT(10)
#define RFLAGS_OF	BIT(11)

/* DR7 at reset: bit 10 always reads 1 (SDM 3B 18.2.4) */
#define DR7_RESET	0x400
#define DR6_RESET	0xffff0ff0UL	/* SDM 3B 17.2.3: the value at power-up */

/* Exception vectors (SDM 3A 6.3.1, table 6-1) */
#define X86_VEC_NMI	2
#define X86_VEC_UD	6	/* invalid opcode */
#define X86_VEC_GP	13	/* general protection: pushes an error code */
#define X86_VEC_NP	11	/* segment not present: error code */

static inline void cpuid_count(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ __volatile__("cpuid"
			     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			     : "a"(leaf), "c"(sub));
}

static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	cpuid_count(leaf, 0, a, b, c, d);
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ __volatile__("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
			     : "memory");
}

/* RDMSR that survives a #GP (an MSR the CPU lacks); see irq/exceptions.c. */
int rdmsr_safe(u32 msr, u64 *val);

#define DEFINE_CR(n)							\
static inline u64 read_cr##n(void)					\
{									\
	u64 v;								\
	__asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v));		\
	return v;							\
}									\
static inline void write_cr##n(u64 v)					\
{									\
	__asm__ __volatile__("mov %0, %%cr" #n :: "r"(v) : "memory");	\
}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline void outb(u16 port, u8 v)
{
	__asm__ __volatile__("outb %0, %1" :: "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(u16 port, u16 v)
{
	__asm__ __volatile__("outw %0, %1" :: "a"(v), "Nd"(port));
}

static inline u16 inw(u16 port)
{
	u16 v;

	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(u16 port, u32 v)
{
	__asm__ __volatile__("outl %0, %1" :: "a"(v), "Nd"(port));
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

#ifdef TERN_HOST_TEST
/* Host unit tests run in user mode: no CLI/STI there. */
static inline void irq_disable(void) { }
static inline void irq_enable(void) { }
static inline u64 irq_save(void) { return 0; }
static inline void irq_restore(u64 f) { (void)f; }
#else
static inline void irq_disable(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}

static inline void irq_enable(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

static inline u64 irq_save(void)
{
	u64 f;

	__asm__ __volatile__("pushfq; popq %0; cli" : "=r"(f) :: "memory");
	return f;
}

static inline void irq_restore(u64 f)
{
	if (f & RFLAGS_IF)
		irq_enable();
}
#endif

/* Wait for an interrupt with interrupts enabled, atomically (sti; hlt). */
static inline void cpu_idle_wait(void)
{
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}

/*
 * MONITOR/MWAIT (SDM 2B, "MONITOR" and "MWAIT"; 3A 9.10.4):
 * CPUID.01H:ECX[3] has the pair; CPUID.05H:ECX[0] says MWAIT's
 * extensions are enumerated, ECX[1] that an interrupt ends MWAIT even
 * with IF = 0 when ECX[0] of MWAIT asks for it (MWAIT_INT_BREAK).
 */
#define CPUID1_ECX_MONITOR	BIT(3)
#define CPUID5_ECX_EMX		BIT(0)
#define CPUID5_ECX_IBE		BIT(1)
#define MWAIT_INT_BREAK		BIT(0)

/* Arms the monitor on the line holding p (a write-back mapping). */
static inline void cpu_monitor(const volatile void *p)
{
	__asm__ __volatile__("monitor" :: "a"(p), "c"(0), "d"(0) : "memory");
}

/* C1 (hint 0) until the line is written or an interrupt is pending. */
static inline void cpu_mwait_int_break(void)
{
	__asm__ __volatile__("mwait" :: "a"(0), "c"(MWAIT_INT_BREAK) : "memory");
}

/* Lets an interrupt pending while IF = 0 be taken, then off again (the
 * instruction after STI still runs with interrupts held: the NOP). */
static inline void cpu_take_interrupts(void)
{
	__asm__ __volatile__("sti; nop; cli" ::: "memory");
}

static inline void __noreturn cpu_halt_forever(void)
{
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

static inline void invlpg(u64 va)
{
	__asm__ __volatile__("invlpg (%0)" :: "r"(va) : "memory");
}

static inline void io_delay(void)
{
	outb(0x80, 0);
}

#endif
