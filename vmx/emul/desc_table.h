/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LGDT, LIDT, SGDT, SIDT, LLDT, LTR, SLDT and STR, emulated when they exit
 * (descriptor-table exiting, SDM 3C 26.6.2 / table 26-7). ELI needs the
 * exits: the guest's IDTR is tern's while the shadow IDT is live, so LIDT
 * must not reach the CPU and SIDT must answer with the guest's own. The
 * one control makes all eight exit, so all eight are here.
 *
 * Operands come from the VM-exit instruction-information field (SDM 3C
 * 28.2.5, tables 28-10 "for LIDT, LGDT, SIDT, SGDT" and 28-11 "for LLDT,
 * LTR, SLDT, STR") and the displacement in the exit qualification.
 * Descriptor layouts: SDM 3A 3.4.5 (segment descriptors), 7.2.3 (TSS
 * descriptor in 64-bit mode, 16 bytes), 3.5.2 (LDT descriptor).
 */
#ifndef TERN_VMX_EMUL_DESC_TABLE_H
#define TERN_VMX_EMUL_DESC_TABLE_H

#include "core/types.h"

/* Instruction information, both tables */
#define DTI_SCALE(i)		((i) & 3)
#define DTI_REG1(i)		(((i) >> 3) & 15)	/* LDTR/TR: register operand */
#define DTI_ADDR_SIZE(i)	(((i) >> 7) & 7)	/* 0: 16, 1: 32, 2: 64 bits */
#define DTI_REG_OPERAND		BIT(10)			/* LDTR/TR only */
#define DTI_OPSIZE_32		BIT(11)			/* GDTR/IDTR only */
#define DTI_SEG(i)		(((i) >> 15) & 7)
#define DTI_INDEX(i)		(((i) >> 18) & 15)
#define DTI_INDEX_INVALID	BIT(22)
#define DTI_BASE(i)		(((i) >> 23) & 15)
#define DTI_BASE_INVALID	BIT(27)
#define DTI_IDENTITY(i)		(((i) >> 28) & 3)

/* Identities: exit 46 (GDTR/IDTR) */
#define DT_SGDT			0
#define DT_SIDT			1
#define DT_LGDT			2
#define DT_LIDT			3
/* Exit 47 (LDTR/TR) */
#define DT_SLDT			0
#define DT_STR			1
#define DT_LLDT			2
#define DT_LTR			3

/* System descriptor types (SDM 3A 3.5, table 3-2) */
#define DESC_TYPE_LDT		0x2
#define DESC_TYPE_TSS16_AVAIL	0x1
#define DESC_TYPE_TSS_AVAIL	0x9
#define DESC_TYPE_TSS_BUSY_BIT	0x2

/*
 * The operand's offset within its segment: base + index * scale +
 * displacement, in the instruction's address size. Pure.
 */
static inline u64 dt_operand_offset(u32 info, u64 disp, u64 base, u64 index)
{
	u64 off = disp;

	if (!(info & DTI_BASE_INVALID))
		off += base;
	if (!(info & DTI_INDEX_INVALID))
		off += index << DTI_SCALE(info);
	switch (DTI_ADDR_SIZE(info)) {
	case 0:
		return off & 0xffff;
	case 1:
		return off & 0xffffffff;
	default:
		return off;
	}
}

/*
 * A segment descriptor (8 bytes; a system descriptor in IA-32e mode adds
 * the upper base in bytes 8-11) as the VMCS holds it: base, limit scaled
 * by G, and the access rights (SDM 3C 24.4.1, table 24-2: type, S, DPL, P
 * in 7:0, AVL, L, D/B, G in 15:12). Pure.
 */
struct dt_seg {
	u64 base;
	u32 limit;
	u32 ar;
};

void dt_decode_descriptor(const u8 *d, bool wide, struct dt_seg *s);

struct vcpu;
int vmx_exit_gdtr_idtr(struct vcpu *v, u64 qual);
int vmx_exit_ldtr_tr(struct vcpu *v, u64 qual);

#endif
