// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include "vmx/controls.h"
#include "vmx/vmx_msr.h"

u32 vmx_ctl_compute(u64 cap, u32 required, u32 optional, u32 *missing)
{
	u32 must1 = (u32)cap, may1 = (u32)(cap >> 32);

	*missing = required & ~may1;
	return (must1 | required | (optional & may1)) & may1;
}

#define FAIL_IF_MISSING(set)		\
	do {				\
		if (*missing) {		\
			*which = set;	\
			return -1;	\
		}			\
	} while (0)

int vmx_controls_compute(const struct vmx_msrs *m, const struct vm_features *f,
			 struct vmx_controls *c, u32 *missing, const char **which)
{
	u32 pin_req = PIN_NMI_EXITING | (f->no_ext_int_exiting ? 0 : PIN_EXT_INT_EXITING);
	u32 proc2_req = PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED_GUEST |
			(f->desc_table_exiting ? PROC2_DESC_TABLE_EXITING : 0);

	/* Virtual NMIs let tern see when the guest's NMI handler is done and
	 * ask for an NMI window; without them a pending NMI waits for the
	 * next exit. The preemption timer bounds guest mode. */
	c->pin = vmx_ctl_compute(m->pinbased, pin_req, PIN_VIRTUAL_NMIS | PIN_PREEMPTION_TIMER,
				 missing);
	/* A CPU that forces external-interrupt exiting on cannot run ELI. */
	if (f->no_ext_int_exiting && (c->pin & PIN_EXT_INT_EXITING))
		*missing = PIN_EXT_INT_EXITING;
	FAIL_IF_MISSING("pin-based");
	/* CR8 is the local APIC's TPR: without these, a 64-bit guest would
	 * set the core's own, which VM exits do not restore (tern's interrupts
	 * blocked on that core). */
	/* TSC offsetting: a guest's writes to IA32_TSC move its own clock. */
	c->proc = vmx_ctl_compute(m->procbased, PROC_HLT_EXITING | PROC_IO_BITMAPS |
				  PROC_MSR_BITMAPS | PROC_SECONDARY_CONTROLS |
				  PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING |
				  PROC_USE_TSC_OFFSETTING, 0, missing);
	/* Interrupt-window exiting is switched on when an injection waits:
	 * it must be allowed, not set. */
	if (!*missing && !(m->procbased >> 32 & PROC_INTR_WINDOW_EXITING))
		*missing = PROC_INTR_WINDOW_EXITING;
	FAIL_IF_MISSING("processor-based");
	/* Without RDTSCP and INVPCID enabled these are #UD in the guest;
	 * where the CPU lacks them, CPUID hides them (vmx/cpuid.h). */
	c->proc2 = vmx_ctl_compute(m->procbased2, proc2_req, PROC2_RDTSCP | PROC2_INVPCID, missing);
	FAIL_IF_MISSING("secondary processor-based");
	/* No acknowledge-on-exit: a host interrupt stays pending in the local
	 * APIC and is taken through tern's IDT right after the exit. */
	/* The guest's DR7 and DEBUGCTL go with it across exits (without,
	 * every exit would reset DR7 to 0x400 under the guest). */
	c->exit = vmx_ctl_compute(m->exit, EXIT_SAVE_DEBUG_CONTROLS | EXIT_HOST_ADDR_SPACE_SIZE |
				  EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER,
				  0, missing);
	FAIL_IF_MISSING("VM-exit");
	c->entry = vmx_ctl_compute(m->entry, ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_LOAD_PAT |
				   ENTRY_LOAD_EFER, 0, missing);
	FAIL_IF_MISSING("VM-entry");
	c->exception_bitmap = f->exception_bitmap;
	return 0;
}
