/* SPDX-License-Identifier: GPL-2.0 */
/* VMX capability MSRs and their bits: Intel SDM vol. 3D, appendix A, and
 * vol. 3C 25.6 (execution controls), 25.7 (exit), 25.8 (entry). */
#ifndef TERN_VMX_VMX_MSR_H
#define TERN_VMX_VMX_MSR_H

#include "core/types.h"

#define MSR_IA32_VMX_BASIC		0x480
#define MSR_IA32_VMX_PINBASED_CTLS	0x481
#define MSR_IA32_VMX_PROCBASED_CTLS	0x482
#define MSR_IA32_VMX_EXIT_CTLS		0x483
#define MSR_IA32_VMX_ENTRY_CTLS		0x484
#define MSR_IA32_VMX_MISC		0x485
#define MSR_IA32_VMX_CR0_FIXED0		0x486
#define MSR_IA32_VMX_CR0_FIXED1		0x487
#define MSR_IA32_VMX_CR4_FIXED0		0x488
#define MSR_IA32_VMX_CR4_FIXED1		0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2	0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP	0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS	0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS	0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS	0x490

/* IA32_FEATURE_CONTROL (SDM 3C 24.7) */
#define FEATURE_CONTROL_LOCK		BIT(0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX	BIT(2)

/* IA32_VMX_BASIC (A.1) */
#define VMX_BASIC_REVISION(v)		((u32)(v) & 0x7fffffff)
#define VMX_BASIC_VMCS_SIZE(v)		((u32)((v) >> 32) & 0x1fff)
#define VMX_BASIC_TRUE_CTLS		BIT(55)

/* Pin-based controls (25.6.1) */
#define PIN_EXT_INT_EXITING		BIT(0)
#define PIN_NMI_EXITING			BIT(3)
#define PIN_VIRTUAL_NMIS		BIT(5)
#define PIN_PREEMPTION_TIMER		BIT(6)
#define PIN_POSTED_INTERRUPTS		BIT(7)

/* Primary processor-based controls (25.6.2, table 25-6) */
#define PROC_INTR_WINDOW_EXITING	BIT(2)
#define PROC_HLT_EXITING		BIT(7)
#define PROC_TPR_SHADOW			BIT(21)
#define PROC_IO_BITMAPS			BIT(25)
#define PROC_MONITOR_TRAP_FLAG		BIT(27)
#define PROC_MSR_BITMAPS		BIT(28)
#define PROC_SECONDARY_CONTROLS		BIT(31)

/* Secondary processor-based controls (25.6.2, table 25-7) */
#define PROC2_VIRT_APIC_ACCESSES	BIT(0)
#define PROC2_EPT			BIT(1)
#define PROC2_RDTSCP			BIT(3)
#define PROC2_VIRT_X2APIC		BIT(4)
#define PROC2_VPID			BIT(5)
#define PROC2_UNRESTRICTED_GUEST	BIT(7)
#define PROC2_APIC_REG_VIRT		BIT(8)
#define PROC2_INVPCID			BIT(12)
#define PROC2_VIRT_INTR_DELIVERY	BIT(9)
#define PROC2_VMCS_SHADOWING		BIT(14)
#define PROC2_PML			BIT(17)
#define PROC2_EPT_VE			BIT(18)
#define PROC2_TSC_SCALING		BIT(25)

/* Exit controls (25.7.1) */
#define EXIT_HOST_ADDR_SPACE_SIZE	BIT(9)
#define EXIT_ACK_INTERRUPT		BIT(15)
#define EXIT_SAVE_PAT			BIT(18)
#define EXIT_LOAD_PAT			BIT(19)
#define EXIT_SAVE_EFER			BIT(20)
#define EXIT_LOAD_EFER			BIT(21)
#define EXIT_SAVE_PREEMPTION_TIMER	BIT(22)

/* Entry controls (25.8.1) */
#define ENTRY_IA32E_MODE_GUEST		BIT(9)
#define ENTRY_LOAD_PAT			BIT(14)
#define ENTRY_LOAD_EFER			BIT(15)

/* IA32_VMX_MISC (A.6) */
#define VMX_MISC_PREEMPT_SHIFT(v)	((u32)(v) & 0x1f)
#define VMX_MISC_HLT_ACTIVITY		BIT(6)

/* IA32_VMX_EPT_VPID_CAP (A.10) */
#define EPT_CAP_EXEC_ONLY		BIT(0)
#define EPT_CAP_WALK_4			BIT(6)
#define EPT_CAP_UC			BIT(8)
#define EPT_CAP_WB			BIT(14)
#define EPT_CAP_2M			BIT(16)
#define EPT_CAP_1G			BIT(17)
#define EPT_CAP_INVEPT			BIT(20)
#define EPT_CAP_AD			BIT(21)
#define EPT_CAP_INVEPT_SINGLE		BIT(25)
#define EPT_CAP_INVEPT_ALL		BIT(26)
#define VPID_CAP_INVVPID		BIT(32)
#define VPID_CAP_INDIVIDUAL		BIT(40)
#define VPID_CAP_SINGLE			BIT(41)
#define VPID_CAP_ALL			BIT(42)

#endif
