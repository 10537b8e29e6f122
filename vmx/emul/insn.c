// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "vmx/emul/insn.h"

static u64 mask(u32 bytes)
{
	return bytes >= 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1;
}

/* Length of a ModRM memory operand (ModRM, SIB, displacement) from b[0]. */
static int modrm_len(const u8 *b, u32 avail, bool addr16, bool *is_reg)
{
	u8 modrm = b[0], mod = modrm >> 6, rm = modrm & 7;
	int len = 1;

	*is_reg = mod == 3;
	if (mod == 3)
		return 1;
	if (addr16) {
		if (mod == 0 && rm == 6)
			return 3;
		return 1 + (mod == 1 ? 1 : mod == 2 ? 2 : 0);
	}
	if (rm == 4) {			/* SIB */
		if (avail < 2)
			return -1;
		len++;
		if (mod == 0 && (b[1] & 7) == 5)
			len += 4;
	} else if (mod == 0 && rm == 5) {
		len += 4;		/* disp32 or RIP-relative */
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	return len;
}

int insn_decode(const u8 *b, u32 avail, enum insn_mode mode, struct insn *out)
{
	bool opsize = false, addrsize = false, rex_w = false, rex_r = false, rex = false;
	bool rep = false;
	u8 seg = INSN_SEG_DS;
	u32 i = 0, osz, imm_len = 0;
	bool is_reg;
	u8 op;
	int ml;

	memset(out, 0, sizeof(*out));
	out->reg = -1;
	for (; i < avail && i < 15; i++) {
		u8 p = b[i];

		if (p == 0x66)
			opsize = true;
		else if (p == 0x67)
			addrsize = true;
		else if (p == 0xf3 || p == 0xf2)
			rep = true;
		else if (p == 0x26)
			seg = 0;
		else if (p == 0x2e)
			seg = 1;
		else if (p == 0x36)
			seg = 2;
		else if (p == 0x3e)
			seg = 3;
		else if (p == 0x64)
			seg = 4;
		else if (p == 0x65)
			seg = 5;
		else if (p == 0xf0)
			continue;
		else
			break;
	}
	if (mode == INSN_MODE_64 && i < avail && (b[i] & 0xf0) == 0x40) {
		rex = true;
		rex_w = b[i] & 8;
		rex_r = b[i] & 4;
		i++;
	}
	if (i >= avail)
		return -1;
	/* Operand size for the non-byte forms. */
	if (rex_w)
		osz = 8;
	else if (mode == INSN_MODE_16)
		osz = opsize ? 4 : 2;
	else
		osz = opsize ? 2 : 4;

	op = b[i++];
	if (op == 0x0f) {
		if (i >= avail)
			return -1;
		op = b[i++];
		if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
			return -1;
		out->kind = INSN_LOAD;
		out->mem_size = (op & 1) ? 2 : 1;
		out->reg_size = osz;
		out->sign_extend = op >= 0xbe;
		goto modrm;
	}
	if (rep && !(op >= 0xa4 && op <= 0xad))
		return -1;		/* REP only makes sense for strings */
	switch (op) {
	case 0xa4: case 0xa5: case 0xaa: case 0xab: case 0xac: case 0xad:
		out->kind = INSN_STRING;
		out->str_op = op <= 0xa5 ? INSN_MOVS : op <= 0xab ? INSN_STOS : INSN_LODS;
		out->mem_size = out->reg_size = (op & 1) ? osz : 1;
		out->reg = 0;		/* AL/AX/EAX/RAX for STOS and LODS */
		out->rep = rep;
		out->addr_size = mode == INSN_MODE_64 ? (addrsize ? 4 : 8) :
				 (mode == INSN_MODE_16) != addrsize ? 2 : 4;
		out->src_seg = seg;
		out->len = (u8)i;
		return 0;
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		out->kind = (op & 2) ? INSN_LOAD : INSN_STORE;
		out->mem_size = out->reg_size = (op & 1) ? osz : 1;
		goto modrm;
	case 0x84: case 0x85:
		out->kind = INSN_TEST;
		out->mem_size = out->reg_size = (op & 1) ? osz : 1;
		goto modrm;
	case 0xc6: case 0xc7:
		out->kind = INSN_STORE;
		out->mem_size = (op & 1) ? osz : 1;
		imm_len = (op & 1) ? (osz == 8 ? 4 : osz) : 1;
		goto modrm;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
		u32 moffs = mode == INSN_MODE_64 ? (addrsize ? 4 : 8) :
			    (mode == INSN_MODE_16) != addrsize ? 2 : 4;

		out->kind = (op & 2) ? INSN_STORE : INSN_LOAD;
		out->mem_size = out->reg_size = (op & 1) ? osz : 1;
		out->reg = 0;	/* AL/AX/EAX/RAX */
		if (i + moffs > avail)
			return -1;
		out->len = (u8)(i + moffs);
		return 0;
	}
	default:
		return -1;
	}
modrm:
	if (i >= avail)
		return -1;
	ml = modrm_len(b + i, avail - i,
		       mode == INSN_MODE_16 ? !addrsize : (mode == INSN_MODE_32 && addrsize),
		       &is_reg);
	if (ml < 0 || is_reg)
		return -1;	/* register operands need no emulation */
	if (op == 0xc6 || op == 0xc7) {
		if (((b[i] >> 3) & 7) != 0)
			return -1;	/* /0 only */
	} else {
		out->reg = (s8)(((b[i] >> 3) & 7) | (rex_r ? 8 : 0));
		if (out->mem_size == 1 && out->reg_size == 1 && !rex &&
		    out->reg >= 4 && out->reg <= 7) {
			out->high_byte = true;
			out->reg -= 4;
		}
	}
	i += ml;
	if (imm_len) {
		u64 v = 0;

		if (i + imm_len > avail)
			return -1;
		for (u32 k = 0; k < imm_len; k++)
			v |= (u64)b[i + k] << (8 * k);
		if (imm_len == 4 && out->mem_size == 8)	/* sign-extended imm32 */
			v = (u64)(s64)(s32)(u32)v;
		out->imm = v;
		i += imm_len;
	}
	if (i > 15)
		return -1;
	out->len = (u8)i;
	return 0;
}

u64 insn_load_result(const struct insn *in, u64 old, u64 mem, enum insn_mode mode)
{
	u64 v = mem & mask(in->mem_size);

	(void)mode;
	if (in->sign_extend)
		v = (u64)(in->mem_size == 1 ? (s64)(s8)v : (s64)(s16)v);
	v &= mask(in->reg_size);
	switch (in->reg_size) {
	case 1:
		if (in->high_byte)
			return (old & ~0xff00ULL) | (v << 8);
		return (old & ~0xffULL) | v;
	case 2:
		return (old & ~0xffffULL) | v;
	case 4:
		return v;	/* a 32-bit destination clears bits 63:32 */
	default:
		return v;
	}
}

u64 insn_store_value(const struct insn *in, u64 reg)
{
	if (in->reg < 0)
		return in->imm & mask(in->mem_size);
	if (in->high_byte)
		return (reg >> 8) & 0xff;
	return reg & mask(in->mem_size);
}
