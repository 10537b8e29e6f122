/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding the guest instructions that touch memory tern emulates (MMIO,
 * unbacked guest-physical memory; later the swapper's write buffer). Only
 * the forms guests use on device memory (SDM 2A ch. 2, 2B MOV/MOVZX/MOVSX):
 *   88/89/8A/8B MOV r/m,r and r,r/m;  C6/C7 MOV r/m,imm;  A0-A3 MOV moffs;
 *   0F B6/B7 MOVZX;  0F BE/BF MOVSX;  84/85 TEST r/m,r (read only)
 *   A4/A5 MOVS, AA/AB STOS, AC/AD LODS, with or without REP (2B ch. 4)
 * with 66/67/REX/segment/LOCK prefixes. Anything else is refused.
 */
#ifndef TERN_VMX_EMUL_INSN_H
#define TERN_VMX_EMUL_INSN_H

#include "core/types.h"

enum insn_mode { INSN_MODE_16 = 2, INSN_MODE_32 = 4, INSN_MODE_64 = 8 };

enum insn_kind {
	INSN_LOAD,		/* memory -> register */
	INSN_STORE,		/* register or immediate -> memory */
	INSN_TEST,		/* memory read, flags only: tern reads, skips */
	INSN_STRING,		/* MOVS/STOS/LODS: see str_op */
};

enum insn_str_op { INSN_MOVS = 1, INSN_STOS, INSN_LODS };

/* Segment registers in VMCS order (ES, CS, SS, DS, FS, GS). */
#define INSN_SEG_ES	0
#define INSN_SEG_DS	3

struct insn {
	u8 len;			/* bytes, prefixes included */
	u8 kind;		/* enum insn_kind */
	u8 mem_size;		/* bytes accessed in memory */
	u8 reg_size;		/* bytes written to the register (loads) */
	s8 reg;			/* GPR number (0=RAX .. 15=R15), -1: immediate */
	bool high_byte;		/* AH/CH/DH/BH (no REX, reg 4-7, 8-bit) */
	bool sign_extend;	/* MOVSX */
	u64 imm;		/* for stores of an immediate */
	/* String instructions */
	u8 str_op;		/* enum insn_str_op */
	bool rep;		/* F3 (or F2) prefix: RCX elements */
	u8 addr_size;		/* bytes of RSI/RDI/RCX used: 2, 4 or 8 */
	u8 src_seg;		/* MOVS/LODS source segment (DS or override) */
};

/* Decode from up to `avail` bytes. Returns 0, or -1 when the instruction is
 * not one of the forms above (or is cut short). */
int insn_decode(const u8 *b, u32 avail, enum insn_mode mode, struct insn *out);

/* The value a load leaves in the full 64-bit register, given its old value
 * and the value read from memory (width, zero/sign extension, and the
 * 32-bit rule that clears bits 63:32). */
u64 insn_load_result(const struct insn *in, u64 old, u64 mem, enum insn_mode mode);

/* The value a store writes to memory (mem_size bytes), from the register. */
u64 insn_store_value(const struct insn *in, u64 reg);

#endif
