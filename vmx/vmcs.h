/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMCS field encodings (Intel SDM vol. 3D, appendix B), exit reasons
 * (appendix C) and the bits of exit information tern reads (vol. 3C 28.2).
 */
#ifndef TERN_VMX_VMCS_H
#define TERN_VMX_VMCS_H

#include "core/types.h"

/* 16-bit */
#define VMCS_VPID			0x0000
#define VMCS_GUEST_ES_SEL		0x0800
#define VMCS_GUEST_CS_SEL		0x0802
#define VMCS_GUEST_SS_SEL		0x0804
#define VMCS_GUEST_DS_SEL		0x0806
#define VMCS_GUEST_FS_SEL		0x0808
#define VMCS_GUEST_GS_SEL		0x080a
#define VMCS_GUEST_LDTR_SEL		0x080c
#define VMCS_GUEST_TR_SEL		0x080e
#define VMCS_HOST_ES_SEL		0x0c00
#define VMCS_HOST_CS_SEL		0x0c02
#define VMCS_HOST_SS_SEL		0x0c04
#define VMCS_HOST_DS_SEL		0x0c06
#define VMCS_HOST_FS_SEL		0x0c08
#define VMCS_HOST_GS_SEL		0x0c0a
#define VMCS_HOST_TR_SEL		0x0c0c

/* 64-bit */
#define VMCS_IO_BITMAP_A		0x2000
#define VMCS_IO_BITMAP_B		0x2002
#define VMCS_MSR_BITMAP			0x2004
#define VMCS_TSC_OFFSET			0x2010
#define VMCS_EPT_POINTER		0x201a
#define VMCS_GUEST_PHYS_ADDR		0x2400
#define VMCS_LINK_POINTER		0x2800
#define VMCS_GUEST_IA32_DEBUGCTL	0x2802
#define VMCS_GUEST_IA32_PAT		0x2804
#define VMCS_GUEST_IA32_EFER		0x2806
#define VMCS_HOST_IA32_PAT		0x2c00
#define VMCS_HOST_IA32_EFER		0x2c02

/* 32-bit */
#define VMCS_PIN_CONTROLS		0x4000
#define VMCS_PROC_CONTROLS		0x4002
#define VMCS_EXCEPTION_BITMAP		0x4004
#define VMCS_CR3_TARGET_COUNT		0x400a
#define VMCS_EXIT_CONTROLS		0x400c
#define VMCS_EXIT_MSR_STORE_COUNT	0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT	0x4010
#define VMCS_ENTRY_CONTROLS		0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT	0x4014
#define VMCS_ENTRY_INTR_INFO		0x4016
#define VMCS_ENTRY_EXCEPTION_ERROR	0x4018
#define VMCS_ENTRY_INSTR_LEN		0x401a
#define VMCS_PROC2_CONTROLS		0x401e
#define VMCS_INSTR_ERROR		0x4400
#define VMCS_EXIT_REASON		0x4402
#define VMCS_EXIT_INTR_INFO		0x4404
#define VMCS_EXIT_INTR_ERROR		0x4406
#define VMCS_IDT_VECTORING_INFO		0x4408
#define VMCS_IDT_VECTORING_ERROR	0x440a
#define VMCS_EXIT_INSTR_LEN		0x440c
#define VMCS_EXIT_INSTR_INFO		0x440e
#define VMCS_GUEST_ES_LIMIT		0x4800	/* ES..TR limits: +2 each */
#define VMCS_GUEST_GDTR_LIMIT		0x4810
#define VMCS_GUEST_IDTR_LIMIT		0x4812
#define VMCS_GUEST_ES_AR		0x4814	/* ES..TR access rights: +2 each */
#define VMCS_GUEST_INTERRUPTIBILITY	0x4824
/* Guest interruptibility state bits (SDM 3C 25.4.2, table 25-3) */
#define INTR_BLOCK_STI			BIT(0)
#define INTR_BLOCK_MOV_SS		BIT(1)
#define INTR_BLOCK_SMI			BIT(2)
#define INTR_BLOCK_NMI			BIT(3)
#define VMCS_GUEST_ACTIVITY		0x4826
#define VMCS_GUEST_SYSENTER_CS		0x482a
#define VMCS_PREEMPTION_TIMER		0x482e
#define VMCS_HOST_SYSENTER_CS		0x4c00

/* Natural width */
#define VMCS_CR0_MASK			0x6000
#define VMCS_CR4_MASK			0x6002
#define VMCS_CR0_SHADOW			0x6004
#define VMCS_CR4_SHADOW			0x6006
#define VMCS_EXIT_QUALIFICATION		0x6400
#define VMCS_GUEST_LINEAR_ADDR		0x640a
#define VMCS_GUEST_CR0			0x6800
#define VMCS_GUEST_CR3			0x6802
#define VMCS_GUEST_CR4			0x6804
#define VMCS_GUEST_ES_BASE		0x6806	/* ES..TR bases: +2 each */
#define VMCS_GUEST_GDTR_BASE		0x6816
#define VMCS_GUEST_IDTR_BASE		0x6818
#define VMCS_GUEST_DR7			0x681a
#define VMCS_GUEST_RSP			0x681c
#define VMCS_GUEST_RIP			0x681e
#define VMCS_GUEST_RFLAGS		0x6820
#define VMCS_GUEST_PENDING_DBG		0x6822
#define  PENDING_DBG_BS			BIT(14)	/* single-step trap pending (24.4.2) */
#define VMCS_GUEST_SYSENTER_ESP		0x6824
#define VMCS_GUEST_SYSENTER_EIP		0x6826
#define VMCS_HOST_CR0			0x6c00
#define VMCS_HOST_CR3			0x6c02
#define VMCS_HOST_CR4			0x6c04
#define VMCS_HOST_FS_BASE		0x6c06
#define VMCS_HOST_GS_BASE		0x6c08
#define VMCS_HOST_TR_BASE		0x6c0a
#define VMCS_HOST_GDTR_BASE		0x6c0c
#define VMCS_HOST_IDTR_BASE		0x6c0e
#define VMCS_HOST_SYSENTER_ESP		0x6c10
#define VMCS_HOST_SYSENTER_EIP		0x6c12
#define VMCS_HOST_RSP			0x6c14
#define VMCS_HOST_RIP			0x6c16

/* Segment order of the guest segment field groups */
enum vmcs_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

/* Access rights (SDM 3C 25.4.1, table 25-2) */
#define AR_TYPE_CODE_RX_ACC	0xb
#define AR_TYPE_DATA_RW_ACC	0x3
#define AR_TYPE_TSS_BUSY	0xb
#define AR_TYPE_LDT		0x2
#define AR_S			BIT(4)
#define AR_P			BIT(7)
#define AR_L			BIT(13)
#define AR_DB			BIT(14)
#define AR_G			BIT(15)
#define AR_UNUSABLE		BIT(16)

/* Exit reasons (appendix C) */
#define EXIT_EXCEPTION_NMI	0
#define EXIT_EXTERNAL_INT	1
#define EXIT_TRIPLE_FAULT	2
#define EXIT_INIT		3
#define EXIT_SIPI		4
#define EXIT_INTR_WINDOW	7
#define EXIT_NMI_WINDOW		8
#define EXIT_TASK_SWITCH	9
#define EXIT_CPUID		10
#define EXIT_GETSEC		11
#define EXIT_HLT		12
#define EXIT_INVD		13
#define EXIT_INVLPG		14
#define EXIT_RDPMC		15
#define EXIT_RDTSC		16
#define EXIT_VMCALL		18
#define EXIT_VMCLEAR		19
#define EXIT_VMLAUNCH		20
#define EXIT_VMPTRLD		21
#define EXIT_VMPTRST		22
#define EXIT_VMREAD		23
#define EXIT_VMRESUME		24
#define EXIT_VMWRITE		25
#define EXIT_VMXOFF		26
#define EXIT_VMXON		27
#define EXIT_CR_ACCESS		28
#define EXIT_DR_ACCESS		29
#define EXIT_IO			30
#define EXIT_RDMSR		31
#define EXIT_WRMSR		32
#define EXIT_ENTRY_BAD_GUEST	33
#define EXIT_ENTRY_BAD_MSR	34
#define EXIT_MWAIT		36
#define EXIT_MTF		37
#define EXIT_MONITOR		39
#define EXIT_PAUSE		40
#define EXIT_ENTRY_MCE		41
#define EXIT_APIC_ACCESS	44
#define EXIT_GDTR_IDTR		46
#define EXIT_LDTR_TR		47
#define EXIT_EPT_VIOLATION	48
#define EXIT_EPT_MISCONFIG	49
#define EXIT_INVEPT		50
#define EXIT_RDTSCP		51
#define EXIT_PREEMPTION_TIMER	52
#define EXIT_INVVPID		53
#define EXIT_WBINVD		54
#define EXIT_XSETBV		55
#define EXIT_VMFUNC		59
#define EXIT_REASON_MAX		70
#define EXIT_REASON_BASIC(r)	((r) & 0xffff)	/* basic reason: bits 15:0 */
#define EXIT_REASON_ENTRY_FAIL	BIT(31)

/* Control-register access qualification (table 28-3) */
#define CR_QUAL_CR(q)		((u32)(q) & 15)		/* bits 3:0: CR number */
#define CR_QUAL_TYPE(q)		(((u32)(q) >> 4) & 3)	/* bits 5:4: access type */
#define CR_QUAL_REG(q)		(((u32)(q) >> 8) & 15)	/* bits 11:8: the GPR */
#define CR_ACCESS_MOV_TO	0
#define CR_ACCESS_MOV_FROM	1
#define CR_ACCESS_CLTS		2
#define CR_ACCESS_LMSW		3

/* I/O exit qualification (table 28-5) */
#define IO_SIZE(q)		(((q) & 7) + 1)
#define IO_IN			BIT(3)
#define IO_STRING		BIT(4)
#define IO_REP			BIT(5)
#define IO_PORT(q)		(((q) >> 16) & 0xffff)

/*
 * EPT-violation qualification (SDM 3C 28.2.1, table 28-7). Bits 2:0 are the
 * access (GPA_ACCESS_* in mm/gpa.h use the same positions). Bit 7: the
 * guest-linear-address field is valid; then bit 8 tells whether the access
 * was the linear address's own (set) or a paging-structure entry read or
 * written while translating it (clear).
 */
#define EPT_QUAL_READ		BIT(0)
#define EPT_QUAL_WRITE		BIT(1)
#define EPT_QUAL_EXEC		BIT(2)
#define EPT_QUAL_GLA_VALID	BIT(7)
#define EPT_QUAL_GLA_FINAL	BIT(8)

/* I/O instruction information for INS/OUTS (SDM 3C 28.2.5, table 28-9) */
#define IO_INFO_ADDR_SIZE(i)	(((u32)(i) >> 7) & 7)	/* 0: 16, 1: 32, 2: 64 bits */
#define IO_INFO_SEG(i)		(((u32)(i) >> 15) & 7)	/* ES, CS, SS, DS, FS, GS */

/* Interruption information (VM entry and exit, table 25-17) */
#define INTR_INFO_VALID		BIT(31)
#define INTR_INFO_DELIVER_CODE	BIT(11)
#define INTR_INFO_TYPE_MASK	(7 << 8)
/* IDT-vectoring information bit 12 is undefined (28.2.4) and reserved in
 * the entry field: cleared when an event is delivered again. */
#define INTR_INFO_UNDEFINED_12	BIT(12)
#define INTR_TYPE_EXT		(0 << 8)
#define INTR_TYPE_NMI		(2 << 8)
#define INTR_TYPE_HW_EXC	(3 << 8)

const char *vmx_exit_name(u32 reason);

#endif
