// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include "vmx/vmcs.h"

static const char *const names[EXIT_REASON_MAX] = {
	[EXIT_EXCEPTION_NMI] = "exception/NMI",	[EXIT_EXTERNAL_INT] = "external-int",
	[EXIT_TRIPLE_FAULT] = "triple-fault",	[EXIT_INIT] = "INIT",
	[EXIT_SIPI] = "SIPI",			[EXIT_INTR_WINDOW] = "intr-window",
	[EXIT_NMI_WINDOW] = "NMI-window",	[EXIT_TASK_SWITCH] = "task-switch",
	[EXIT_CPUID] = "CPUID",			[EXIT_GETSEC] = "GETSEC",
	[EXIT_HLT] = "HLT",			[EXIT_INVD] = "INVD",
	[EXIT_INVLPG] = "INVLPG",		[EXIT_RDPMC] = "RDPMC",
	[EXIT_RDTSC] = "RDTSC",			[EXIT_VMCALL] = "VMCALL",
	[EXIT_VMCLEAR] = "VMCLEAR",		[EXIT_VMLAUNCH] = "VMLAUNCH",
	[EXIT_VMPTRLD] = "VMPTRLD",		[EXIT_VMPTRST] = "VMPTRST",
	[EXIT_VMREAD] = "VMREAD",		[EXIT_VMRESUME] = "VMRESUME",
	[EXIT_VMWRITE] = "VMWRITE",		[EXIT_VMXOFF] = "VMXOFF",
	[EXIT_VMXON] = "VMXON",
	[EXIT_CR_ACCESS] = "CR-access",		[EXIT_DR_ACCESS] = "DR-access",
	[EXIT_IO] = "I/O",			[EXIT_RDMSR] = "RDMSR",
	[EXIT_WRMSR] = "WRMSR",			[EXIT_ENTRY_BAD_GUEST] = "entry-bad-guest",
	[EXIT_ENTRY_BAD_MSR] = "entry-bad-msr",	[EXIT_MWAIT] = "MWAIT",
	[EXIT_MTF] = "MTF",			[EXIT_MONITOR] = "MONITOR",
	[EXIT_PAUSE] = "PAUSE",			[EXIT_ENTRY_MCE] = "entry-MCE",
	[EXIT_APIC_ACCESS] = "APIC-access",	[EXIT_GDTR_IDTR] = "GDTR/IDTR",
	[EXIT_LDTR_TR] = "LDTR/TR",		[EXIT_EPT_VIOLATION] = "EPT-violation",
	[EXIT_EPT_MISCONFIG] = "EPT-misconfig",	[EXIT_INVEPT] = "INVEPT",
	[EXIT_RDTSCP] = "RDTSCP",		[EXIT_PREEMPTION_TIMER] = "preemption-timer",
	[EXIT_INVVPID] = "INVVPID",		[EXIT_WBINVD] = "WBINVD",
	[EXIT_XSETBV] = "XSETBV",		[EXIT_VMFUNC] = "VMFUNC",
};

const char *vmx_exit_name(u32 reason)
{
	reason &= 0xffff;
	if (reason < EXIT_REASON_MAX && names[reason])
		return names[reason];
	return "other";
}
