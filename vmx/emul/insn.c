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

/*
 * Keep a ModRM memory operand's parts for insn_ea() (SDM 2A 2.1.5): the
 * SIB byte, the displacement, and the default segment (SS when the base
 * is rBP or rSP, as the CPU picks it; 3.7.4 of SDM 1), unless overridden.
 * The length was checked by modrm_len().
 */
static void parse_modrm(const u8 *b, struct insn *out, enum insn_mode mode,
			bool addrsize, u8 seg, bool seg_override)
{
	u8 mod = b[0] >> 6, rm = b[0] & 7, base = rm;
	u32 at = 1;

	out->modrm = b[0];
	out->addr_size = mode == INSN_MODE_64 ? (addrsize ? 4 : 8) :
			 (mode == INSN_MODE_16) != addrsize ? 2 : 4;
	out->seg = seg;
	if (out->addr_size == 2)
		return;			/* 16-bit forms: insn_ea() says no */
	if (mod == 0 && rm == 5)
		out->rip_rel = mode == INSN_MODE_64;
	if (rm == 4) {
		out->has_sib = true;
		out->sib = b[at++];
		base = out->sib & 7;
	}
	if (mod == 1) {
		out->disp = (s8)b[at];
	} else if (mod == 2 || (mod == 0 && base == 5)) {
		u32 d = (u32)b[at] | (u32)b[at + 1] << 8 | (u32)b[at + 2] << 16 |
			(u32)b[at + 3] << 24;

		out->disp = (s32)d;
	}
	/* rBP or rSP as the base register (not disp32 alone): SS. */
	if (!seg_override && !out->rex_b && (base == 4 || (base == 5 && mod != 0)))
		out->seg = 2;
}

int insn_decode(const u8 *b, u32 avail, enum insn_mode mode, struct insn *out)
{
	bool opsize = false, addrsize = false, rex_w = false, rex_r = false, rex = false;
	bool seg_override = false;
	bool rep = false, repne = false, group = false, sext_imm = false;
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
		else if (p == 0xf3 || p == 0xf2) {
			rep = true;
			repne = p == 0xf2;	/* the last one counts */
		}
		else if (p == 0x26 || p == 0x2e || p == 0x36 || p == 0x3e) {
			seg = (p >> 3) & 3;	/* ES, CS, SS, DS */
			seg_override = true;
		} else if (p == 0x64 || p == 0x65) {
			seg = p - 0x60;		/* FS, GS */
			seg_override = true;
		}
		else if (p == 0xf0)
			continue;
		else
			break;
	}
	if (mode == INSN_MODE_64 && i < avail && (b[i] & 0xf0) == 0x40) {
		rex = true;
		rex_w = b[i] & 8;
		rex_r = b[i] & 4;
		out->rex_x = (b[i] & 2) ? 8 : 0;
		out->rex_b = (b[i] & 1) ? 8 : 0;
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
		if (rep)
			return -1;
		switch (op) {
		case 0xb6: case 0xb7: case 0xbe: case 0xbf:
			out->kind = INSN_LOAD;
			out->mem_size = (op & 1) ? 2 : 1;
			out->reg_size = osz;
			out->sign_extend = op >= 0xbe;
			goto modrm;
		case 0xb0: case 0xb1:
			out->kind = INSN_ALU;
			out->alu = INSN_CMPXCHG;
			out->mem_size = out->reg_size = (op & 1) ? osz : 1;
			goto modrm;
		case 0xa3: case 0xab: case 0xb3: case 0xbb:
			out->kind = INSN_ALU;
			out->alu = INSN_BT + ((op >> 3) & 3);	/* BT, BTS, BTR, BTC */
			out->mem_size = out->reg_size = osz;
			goto modrm;
		case 0xc3:		/* MOVNTI m,r: 32 or 64 bits only */
			if (opsize)
				return -1;
			out->kind = INSN_STORE;
			out->mem_size = out->reg_size = rex_w ? 8 : 4;
			goto modrm;
		case 0xba:		/* group 8: /4-/7 BT, BTS, BTR, BTC m,imm8 */
			if (i >= avail || ((b[i] >> 3) & 7) < 4)
				return -1;
			out->kind = INSN_ALU;
			out->alu = INSN_BT + ((b[i] >> 3) & 3);
			out->mem_size = osz;
			imm_len = 1;
			group = true;
			goto modrm;
		}
		return -1;
	}
	if (rep && !(op >= 0xa4 && op <= 0xaf))
		return -1;		/* REP only makes sense for strings */
	switch (op) {
	case 0xa4: case 0xa5: case 0xa6: case 0xa7: case 0xaa: case 0xab:
	case 0xac: case 0xad: case 0xae: case 0xaf: {
		/* By (op - 0xa4) / 2; A8/A9 (TEST AL/EAX,imm) never get here. */
		static const u8 ops[] = { INSN_MOVS, INSN_CMPS, 0, INSN_STOS, INSN_LODS,
					  INSN_SCAS };

		out->kind = INSN_STRING;
		out->str_op = ops[(op - 0xa4) / 2];
		out->mem_size = out->reg_size = (op & 1) ? osz : 1;
		out->reg = 0;		/* AL/AX/EAX/RAX for STOS, LODS, SCAS */
		out->rep = rep;
		out->repne = repne;
		out->addr_size = mode == INSN_MODE_64 ? (addrsize ? 4 : 8) :
				 (mode == INSN_MODE_16) != addrsize ? 2 : 4;
		out->src_seg = seg;
		out->len = (u8)i;
		return 0;
	}
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		out->kind = (op & 2) ? INSN_LOAD : INSN_STORE;
		out->mem_size = out->reg_size = (op & 1) ? osz : 1;
		goto modrm;
	case 0x80: case 0x81: case 0x83:	/* group 1: /n m,imm */
		out->kind = INSN_ALU;
		out->mem_size = (op == 0x80) ? 1 : osz;
		imm_len = op == 0x81 ? (osz == 8 ? 4 : osz) : 1;
		sext_imm = true;
		group = true;
		if (i >= avail)
			return -1;
		out->alu = (b[i] >> 3) & 7;
		goto modrm;
	case 0xf6: case 0xf7:			/* group 3: /0 TEST m,imm only */
		if (i >= avail || ((b[i] >> 3) & 7) != 0)
			return -1;
		out->kind = INSN_ALU;
		out->alu = INSN_TEST;
		out->mem_size = (op & 1) ? osz : 1;
		imm_len = (op & 1) ? (osz == 8 ? 4 : osz) : 1;
		sext_imm = true;
		group = true;
		goto modrm;
	case 0x84: case 0x85: case 0x86: case 0x87:
		out->kind = INSN_ALU;
		out->alu = op <= 0x85 ? INSN_TEST : INSN_XCHG;
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
		out->moffs_form = true;
		out->seg = seg;
		out->addr_size = (u8)moffs;
		for (u32 k = 0; k < moffs; k++)
			out->disp |= (s64)((u64)b[i + k] << (8 * k));
		out->len = (u8)(i + moffs);
		return 0;
	}
	default:
		/* 00-3B: ADD OR ADC SBB AND SUB XOR CMP, m,r (bit 1 clear)
		 * and r,m (bit 1 set). After the MOVs: they are the hot ones. */
		if (op >= 0x40 || (op & 7) >= 4)
			return -1;
		out->kind = INSN_ALU;
		out->alu = op >> 3;
		out->to_reg = op & 2;
		out->mem_size = out->reg_size = (op & 1) ? osz : 1;
		goto modrm;
	}
modrm:
	if (i >= avail)
		return -1;
	ml = modrm_len(b + i, avail - i,
		       mode == INSN_MODE_16 ? !addrsize : (mode == INSN_MODE_32 && addrsize),
		       &is_reg);
	if (ml < 0 || is_reg)
		return -1;	/* register operands need no emulation */
	if (i + (u32)ml > avail)
		return -1;
	parse_modrm(b + i, out, mode, addrsize, seg, seg_override);
	if (op == 0xc6 || op == 0xc7) {
		if ((b[i] >> 3) & 7)
			return -1;	/* /0 only */
	} else if (!group) {
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
		else if (sext_imm && imm_len == 1)	/* 83: imm8 to the size */
			v = (u64)(s64)(s8)(u8)v & mask(out->mem_size);
		out->imm = v;
		i += imm_len;
	}
	if (i > 15)
		return -1;
	out->len = (u8)i;
	return 0;
}

u64 insn_reg_merge(u64 old, u64 val, u32 size, bool high)
{
	u64 v = val & mask(size);

	switch (size) {
	case 1:
		if (high)
			return (old & ~0xff00ULL) | (v << 8);
		return (old & ~0xffULL) | v;
	case 2:
		return (old & ~0xffffULL) | v;
	default:
		return v;	/* a 32-bit destination clears bits 63:32 */
	}
}

u64 insn_load_result(const struct insn *in, u64 old, u64 mem, enum insn_mode mode)
{
	u64 v = mem & mask(in->mem_size);

	(void)mode;
	if (in->sign_extend)
		v = (u64)(in->mem_size == 1 ? (s64)(s8)v : (s64)(s16)v);
	return insn_reg_merge(old, v, in->reg_size, in->high_byte);
}

/* ZF, SF and PF of a size-byte result (PF: even parity of its low byte). */
static u64 flags_szp(u64 res, u32 size)
{
	u64 f = 0;

	res &= mask(size);
	if (!res)
		f |= INSN_FL_ZF;
	if ((res >> (8 * size - 1)) & 1)
		f |= INSN_FL_SF;
	if (!__builtin_parity((u32)(res & 0xff)))
		f |= INSN_FL_PF;
	return f;
}

/* dst + src + carry: the sum, and its flags in *f. */
static u64 alu_add(u64 d, u64 s, u64 cin, u32 size, u64 *f)
{
	u64 m = mask(size), r = (d + s + cin) & m, top = 8 * size - 1;

	d &= m;
	s &= m;
	*f = flags_szp(r, size);
	if (r < d || (cin && r == d))		/* carry out of the top bit */
		*f |= INSN_FL_CF;
	if ((((d ^ r) & (s ^ r)) >> top) & 1)	/* both operands' sign differ */
		*f |= INSN_FL_OF;
	if ((d ^ s ^ r) & 0x10)			/* carry out of bit 3 */
		*f |= INSN_FL_AF;
	return r;
}

/* dst - src - borrow: the difference, and its flags in *f. */
static u64 alu_sub(u64 d, u64 s, u64 bin, u32 size, u64 *f)
{
	u64 m = mask(size), r, top = 8 * size - 1;

	d &= m;
	s &= m;
	r = (d - s - bin) & m;
	*f = flags_szp(r, size);
	if (s > d || (bin && s == d))		/* borrow into the top bit */
		*f |= INSN_FL_CF;
	if ((((d ^ s) & (d ^ r)) >> top) & 1)
		*f |= INSN_FL_OF;
	if ((d ^ s ^ r) & 0x10)
		*f |= INSN_FL_AF;
	return r;
}

u64 insn_flags_sub(u64 rflags, u64 dst, u64 src, u32 size)
{
	u64 f;

	alu_sub(dst, src, 0, size, &f);
	return (rflags & ~(u64)INSN_FL_ARITH) | f;
}

void insn_alu(const struct insn *in, struct insn_alu_io *io)
{
	u32 size = in->mem_size;
	u64 m = mask(size), cf = io->rflags & INSN_FL_CF;
	/* r,m forms: the register is the destination, memory the source. */
	u64 d = in->to_reg ? io->src : io->mem, s = in->to_reg ? io->mem : io->src;
	u64 r = 0, f = 0, bit;

	io->write_mem = io->write_reg = io->write_acc = false;
	switch (in->alu) {
	case INSN_ADD: case INSN_ADC:
		r = alu_add(d, s, in->alu == INSN_ADC ? cf : 0, size, &f);
		break;
	case INSN_SUB: case INSN_SBB: case INSN_CMP:
		r = alu_sub(d, s, in->alu == INSN_SBB ? cf : 0, size, &f);
		break;
	case INSN_AND: case INSN_TEST:
		r = d & s & m;
		f = flags_szp(r, size);		/* CF = OF = 0; AF undefined: 0 */
		break;
	case INSN_OR:
		r = (d | s) & m;
		f = flags_szp(r, size);
		break;
	case INSN_XOR:
		r = (d ^ s) & m;
		f = flags_szp(r, size);
		break;
	case INSN_XCHG:			/* no flags */
		io->mem_out = io->src & m;
		io->reg_out = io->mem & m;
		io->write_mem = io->write_reg = true;
		return;
	case INSN_CMPXCHG:
		/* Flags of accumulator - destination. The destination gets a
		 * write either way: its own value back when they differ (the
		 * CPU's locked read-modify-write, SDM 2A CMPXCHG). */
		alu_sub(io->acc, io->mem, 0, size, &f);
		io->rflags = (io->rflags & ~(u64)INSN_FL_ARITH) | f;
		io->write_mem = true;
		if (f & INSN_FL_ZF) {
			io->mem_out = io->src & m;
		} else {
			io->mem_out = io->mem & m;
			io->acc_out = io->mem & m;
			io->write_acc = true;
		}
		return;
	case INSN_BT: case INSN_BTS: case INSN_BTR: case INSN_BTC:
		/* The bit offset modulo the operand size: for a register
		 * offset the CPU already moved the access to the element
		 * holding the bit (SDM 2A BT), which is the faulting address.
		 * CF only; OF, SF, AF, PF are undefined (left alone) and ZF
		 * is unaffected. */
		bit = io->src & (8 * size - 1);
		io->rflags = (io->rflags & ~(u64)INSN_FL_CF) | ((io->mem >> bit) & 1);
		if (in->alu == INSN_BT)
			return;
		io->mem_out = in->alu == INSN_BTS ? io->mem | BIT(bit) :
			      in->alu == INSN_BTR ? io->mem & ~BIT(bit) : io->mem ^ BIT(bit);
		io->mem_out &= m;
		io->write_mem = true;
		return;
	}
	io->rflags = (io->rflags & ~(u64)INSN_FL_ARITH) | f;
	if (in->alu == INSN_CMP || in->alu == INSN_TEST)
		return;
	if (in->to_reg) {
		io->reg_out = r;
		io->write_reg = true;
	} else {
		io->mem_out = r;
		io->write_mem = true;
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

int insn_ea(const struct insn *in, const u64 gpr[16], u64 next_rip, u64 *ea)
{
	u64 amask = in->addr_size == 8 ? ~0ULL : (1ULL << (8 * in->addr_size)) - 1;
	u8 mod = in->modrm >> 6, rm = in->modrm & 7;
	u64 a;

	if (in->kind == INSN_STRING || in->addr_size == 2)
		return -1;
	if (in->moffs_form) {
		*ea = (u64)in->disp & amask;
		return 0;
	}
	if (!in->has_sib && mod == 0 && rm == 5) {
		/* disp32: RIP-relative in 64-bit mode, absolute otherwise */
		*ea = ((in->rip_rel ? next_rip : 0) + (u64)in->disp) & amask;
		return 0;
	}
	a = (u64)in->disp;
	if (in->has_sib) {
		u8 base = in->sib & 7, index = ((in->sib >> 3) & 7) | in->rex_x;

		if (index != 4)		/* rSP as index: none */
			a += gpr[index] << (in->sib >> 6);
		if (!(mod == 0 && base == 5))
			a += gpr[base | in->rex_b];
	} else {
		a += gpr[rm | in->rex_b];
	}
	*ea = a & amask;
	return 0;
}
