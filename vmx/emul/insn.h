/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding the guest instructions that touch memory tern emulates (MMIO,
 * unbacked guest-physical memory; later the swapper's write buffer). Only
 * the forms guests use on device memory (SDM 2A ch. 2, 2A/2B by mnemonic):
 *   88/89/8A/8B MOV r/m,r and r,r/m;  C6/C7 MOV r/m,imm;  A0-A3 MOV moffs;
 *   0F B6/B7 MOVZX;  0F BE/BF MOVSX;
 *   00-3B ADD/OR/ADC/SBB/AND/SUB/XOR/CMP m,r and r,m;  80/81/83 the same
 *   m,imm;  84/85 TEST m,r;  F6/F7 /0 TEST m,imm;  86/87 XCHG m,r;
 *   0F B0/B1 CMPXCHG m,r;  0F A3/AB/B3/BB BT/BTS/BTR/BTC m,r;  0F BA /4-7
 *   the same m,imm8;  0F C3 MOVNTI m32/m64,r (a store: the kernel's
 *   non-temporal copies);
 *   A4/A5 MOVS, AA/AB STOS, AC/AD LODS, A6/A7 CMPS, AE/AF SCAS, with or
 *   without REP/REPE/REPNE (2B ch. 4)
 * with 66/67/REX/segment/LOCK prefixes. Anything else is refused.
 * The memory operand's parts are kept, so its effective address can be
 * computed (insn_ea) where the faulting address alone cannot say where an
 * operand starts (the False Reads Preventer, mm/swap/preventer.h).
 * The read-modify-write forms are computed by insn_alu(), flags included
 * as the CPU sets them (SDM 1 3.4.3 and each instruction's page).
 */
#ifndef TERN_VMX_EMUL_INSN_H
#define TERN_VMX_EMUL_INSN_H

#include "core/types.h"

enum insn_mode { INSN_MODE_16 = 2, INSN_MODE_32 = 4, INSN_MODE_64 = 8 };

enum insn_kind {
	INSN_LOAD,		/* memory -> register */
	INSN_STORE,		/* register or immediate -> memory */
	INSN_ALU,		/* read, compute (insn_alu), maybe write: see alu */
	INSN_STRING,		/* MOVS/STOS/LODS/CMPS/SCAS: see str_op */
};

/* The first eight in the order of the opcodes' bits 5:3 and group 1's /n. */
enum insn_alu_op {
	INSN_ADD, INSN_OR, INSN_ADC, INSN_SBB, INSN_AND, INSN_SUB, INSN_XOR, INSN_CMP,
	INSN_TEST, INSN_XCHG, INSN_CMPXCHG, INSN_BT, INSN_BTS, INSN_BTR, INSN_BTC,
};

enum insn_str_op { INSN_MOVS = 1, INSN_STOS, INSN_LODS, INSN_CMPS, INSN_SCAS };

/* RFLAGS' arithmetic flags (SDM 1 3.4.3.1) */
#define INSN_FL_CF	BIT(0)
#define INSN_FL_PF	BIT(2)
#define INSN_FL_AF	BIT(4)
#define INSN_FL_ZF	BIT(6)
#define INSN_FL_SF	BIT(7)
#define INSN_FL_OF	BIT(11)
#define INSN_FL_ARITH	(INSN_FL_CF | INSN_FL_PF | INSN_FL_AF | INSN_FL_ZF | \
			 INSN_FL_SF | INSN_FL_OF)

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
	u64 imm;		/* stores and ALU forms with an immediate */
	u8 alu;			/* enum insn_alu_op */
	bool to_reg;		/* ALU r,m: the register is the destination */
	/* String instructions */
	u8 str_op;		/* enum insn_str_op */
	bool rep;		/* F3 or F2 prefix: RCX elements */
	bool repne;		/* F2: CMPS/SCAS go on while ZF = 0 (F3: ZF = 1) */
	u8 addr_size;		/* bytes of RSI/RDI/RCX used: 2, 4 or 8 */
	u8 src_seg;		/* MOVS/LODS source segment (DS or override) */
	/* The memory operand (SDM 2A 2.1.5, 2.2.1): every form but strings */
	u8 seg;			/* its segment: override, else DS, SS for rBP/rSP bases */
	u8 modrm, sib;
	bool has_sib;
	bool rip_rel;		/* 64-bit mode, mod 0 rm 5: disp from the next RIP */
	bool moffs_form;	/* A0-A3: the address is disp (zero-extended) */
	u8 rex_b, rex_x;	/* 0 or 8: added to base and index numbers */
	s64 disp;		/* sign-extended displacement, or the moffs */
};

/* Decode from up to `avail` bytes. Returns 0, or -1 when the instruction is
 * not one of the forms above (or is cut short). */
int insn_decode(const u8 *b, u32 avail, enum insn_mode mode, struct insn *out);

/*
 * The effective address of the memory operand of a non-string form, from
 * the registers (RAX..R15) and the address of the next instruction (for
 * RIP-relative operands), truncated to the address size; the segment base
 * is not added. Returns 0, or -1 for 16-bit addressing (not computed: no
 * user needs it) and for string forms (their operands are rSI/rDI).
 */
int insn_ea(const struct insn *in, const u64 gpr[16], u64 next_rip, u64 *ea);

/* The value a load leaves in the full 64-bit register, given its old value
 * and the value read from memory (width, zero/sign extension, and the
 * 32-bit rule that clears bits 63:32). */
u64 insn_load_result(const struct insn *in, u64 old, u64 mem, enum insn_mode mode);

/* The value a store writes to memory (mem_size bytes), from the register. */
u64 insn_store_value(const struct insn *in, u64 reg);

/* A register of size bytes (AH..BH: high) written with val, as the CPU does. */
u64 insn_reg_merge(u64 old, u64 val, u32 size, bool high);

/*
 * One INSN_ALU instruction, given the memory operand, the register or
 * immediate operand (as insn_store_value() gives it), the accumulator (for
 * CMPXCHG) and RFLAGS. Says what to write back: memory, the register, the
 * accumulator (each size-masked values), and the new RFLAGS.
 */
struct insn_alu_io {
	u64 mem, src, acc, rflags;		/* in (rflags: in and out) */
	u64 mem_out, reg_out, acc_out;		/* out, when the flag says */
	bool write_mem, write_reg, write_acc;
};
void insn_alu(const struct insn *in, struct insn_alu_io *io);

/* The flags of dst - src on size bytes (CMP, SUB, CMPS, SCAS) into rflags. */
u64 insn_flags_sub(u64 rflags, u64 dst, u64 src, u32 size);

#endif
