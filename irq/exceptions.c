// SPDX-License-Identifier: GPL-2.0
/*
 * Exceptions: a fault tern expected (an MSR probe) is fixed up; anything
 * else prints a register dump naming the core and stops that core. The
 * machine is never reset behind the operator's back.
 */
#include "core/console.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/percpu.h"
#include "irq/irq.h"

static const char *const names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD exception", "#VE virtualization exception",
	"#CP control protection",
};

const char *exception_name(u32 v)
{
	return v < 32 && names[v] ? names[v] : "reserved";
}

/* Fixups: an instruction that may fault and where to resume (rdmsr_safe). */
struct ex_fixup {
	u64 insn;
	u64 fixup;
};
extern const struct ex_fixup __ex_table_start[], __ex_table_end[];

int rdmsr_safe(u32 msr, u64 *val)
{
	u32 lo = 0, hi = 0;
	int err = 0;

	__asm__ __volatile__("1: rdmsr\n"
			     "2:\n"
			     ".pushsection .ex_table, \"a\"\n"
			     ".quad 1b, 3f\n"
			     ".popsection\n"
			     ".pushsection .text.fixup, \"ax\"\n"
			     "3: movl $1, %2\n"
			     "   jmp 2b\n"
			     ".popsection\n"
			     : "=a"(lo), "=d"(hi), "+r"(err) : "c"(msr));
	*val = err ? 0 : ((u64)hi << 32) | lo;
	return err ? -1 : 0;
}

static bool fixup(struct regs *r)
{
	for (const struct ex_fixup *f = __ex_table_start; f < __ex_table_end; f++) {
		if (f->insn == r->rip) {
			r->rip = f->fixup;
			return true;
		}
	}
	return false;
}

static void dump(struct regs *r)
{
	struct percpu *p = this_cpu();
	u64 *fp;

	console_emergency_printf(
		"\n*** tern: CPU%u (APIC %u) exception %llu: %s, error %#llx\n"
		"    RIP %016llx  CS %04llx  RFLAGS %016llx\n"
		"    RSP %016llx  SS %04llx\n"
		"    RAX %016llx  RBX %016llx  RCX %016llx\n"
		"    RDX %016llx  RSI %016llx  RDI %016llx\n"
		"    RBP %016llx  R8  %016llx  R9  %016llx\n"
		"    R10 %016llx  R11 %016llx  R12 %016llx\n"
		"    R13 %016llx  R14 %016llx  R15 %016llx\n"
		"    CR0 %016llx  CR2 %016llx  CR3 %016llx  CR4 %016llx\n",
		p ? p->index : 0, p ? p->apic_id : 0,
		(unsigned long long)r->vector, exception_name(r->vector),
		(unsigned long long)r->error,
		(unsigned long long)r->rip, (unsigned long long)r->cs,
		(unsigned long long)r->rflags, (unsigned long long)r->rsp,
		(unsigned long long)r->ss,
		(unsigned long long)r->rax, (unsigned long long)r->rbx,
		(unsigned long long)r->rcx, (unsigned long long)r->rdx,
		(unsigned long long)r->rsi, (unsigned long long)r->rdi,
		(unsigned long long)r->rbp, (unsigned long long)r->r8,
		(unsigned long long)r->r9, (unsigned long long)r->r10,
		(unsigned long long)r->r11, (unsigned long long)r->r12,
		(unsigned long long)r->r13, (unsigned long long)r->r14,
		(unsigned long long)r->r15,
		(unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
		(unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	/* Frame-pointer backtrace (tern keeps frame pointers), followed only
	 * while it stays inside this core's stack and goes up. */
	fp = (u64 *)r->rbp;
	console_emergency_printf("    call trace:");
	for (int i = 0; i < 16 && p; i++) {
		u64 f = (u64)fp;

		if ((f & 7) || f < p->stack_bottom || f + 16 > p->stack_top)
			break;
		console_emergency_printf(" %016llx", (unsigned long long)fp[1]);
		if (fp[0] <= f)
			break;
		fp = (u64 *)fp[0];
	}
	console_emergency_printf("\n");
}

void exception_handle(struct regs *r)
{
	struct percpu *p = this_cpu();

	if (r->vector == EXC_NMI) {
		/* Nothing sends NMIs yet; count them, they are harmless. */
		if (p)
			p->nmi_count++;
		return;
	}
	if (r->vector == EXC_GP && fixup(r))
		return;
	if (p)
		p->exception_count++;
	if (p && p->in_exception) {
		console_emergency_printf("\n*** tern: CPU%u: exception %llu while handling an exception; stopped\n",
					 p->index, (unsigned long long)r->vector);
		p->state = CPU_HALTED;
		cpu_halt_forever();
	}
	if (p)
		p->in_exception = true;
	dump(r);
	if (p && p->index == 0)
		console_emergency_printf("*** tern: the management core stopped; the shell is gone. Reset the machine.\n");
	else
		console_emergency_printf("*** tern: CPU%u stopped; tern goes on without it.\n",
					 p ? p->index : 0);
	if (p)
		p->state = CPU_HALTED;
	cpu_halt_forever();
}

void exception_selftest_ud(void)
{
	__asm__ __volatile__("ud2");
}
