// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "tests/unit/suites.h"
#include "vmx/emul/insn.h"

static struct insn in;

#define DEC(mode, ...) ({ static const u8 b_[] = { __VA_ARGS__ }; \
	insn_decode(b_, sizeof(b_), mode, &in); })

START_TEST(movs_32)
{
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x8b, 0x03), 0);	/* mov eax,[ebx] */
	ck_assert_uint_eq(in.len, 2);
	ck_assert_uint_eq(in.kind, INSN_LOAD);
	ck_assert_uint_eq(in.mem_size, 4);
	ck_assert_int_eq(in.reg, 0);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x89, 0x8b, 0x00, 0x10, 0x00, 0x00), 0);
	ck_assert_uint_eq(in.len, 6);		/* mov [ebx+0x1000],ecx */
	ck_assert_uint_eq(in.kind, INSN_STORE);
	ck_assert_int_eq(in.reg, 1);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x66, 0x8b, 0x44, 0x24, 0x08), 0);
	ck_assert_uint_eq(in.len, 5);		/* mov ax,[esp+8] */
	ck_assert_uint_eq(in.mem_size, 2);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x8a, 0x25, 0x00, 0x00, 0x00, 0xe0), 0);
	ck_assert_uint_eq(in.len, 6);		/* mov ah,[0xe0000000] */
	ck_assert(in.high_byte);
	ck_assert_int_eq(in.reg, 0);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xc7, 0x05, 0, 0, 0, 0xe0, 0x78, 0x56, 0x34, 0x12), 0);
	ck_assert_uint_eq(in.len, 10);		/* mov dword [0xe0000000],0x12345678 */
	ck_assert_uint_eq(in.imm, 0x12345678);
	ck_assert_int_eq(in.reg, -1);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xa1, 0, 0, 0, 0xe0), 0);
	ck_assert_uint_eq(in.len, 5);		/* mov eax,[moffs32] */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x0f, 0xb6, 0x06), 0);	/* movzx eax,byte [esi] */
	ck_assert_uint_eq(in.mem_size, 1);
	ck_assert_uint_eq(in.reg_size, 4);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x85, 0x07), 0);	/* test [edi],eax */
	ck_assert_uint_eq(in.kind, INSN_ALU);
	ck_assert_uint_eq(in.alu, INSN_TEST);
}
END_TEST

START_TEST(movs_64)
{
	ck_assert_int_eq(DEC(INSN_MODE_64, 0x48, 0x8b, 0x05, 1, 0, 0, 0), 0);
	ck_assert_uint_eq(in.len, 7);		/* mov rax,[rip+1] */
	ck_assert_uint_eq(in.mem_size, 8);
	ck_assert_int_eq(DEC(INSN_MODE_64, 0x44, 0x89, 0x07), 0);	/* mov [rdi],r8d */
	ck_assert_int_eq(in.reg, 8);
	ck_assert_uint_eq(in.mem_size, 4);
	ck_assert_int_eq(DEC(INSN_MODE_64, 0x40, 0x88, 0x37), 0);	/* mov [rdi],sil */
	ck_assert(!in.high_byte);
	ck_assert_int_eq(in.reg, 6);
	ck_assert_int_eq(DEC(INSN_MODE_64, 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff), 0);
	ck_assert_uint_eq(in.imm, ~0ULL);	/* mov qword [rax],-1 */
	ck_assert_int_eq(DEC(INSN_MODE_64, 0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8), 0);
	ck_assert_uint_eq(in.len, 10);		/* movabs rax,[moffs64] */
	ck_assert_int_eq(DEC(INSN_MODE_64, 0x48, 0x0f, 0xbf, 0x0a), 0);	/* movsx rcx,word [rdx] */
	ck_assert(in.sign_extend);
	ck_assert_uint_eq(in.reg_size, 8);
	ck_assert_int_eq(DEC(INSN_MODE_64, 0x65, 0x8b, 0x04, 0x25, 0, 0, 0, 0), 0);
	ck_assert_uint_eq(in.len, 8);		/* mov eax,gs:[0] (SIB, disp32) */
}
END_TEST

START_TEST(mode_16)
{
	ck_assert_int_eq(DEC(INSN_MODE_16, 0x8b, 0x07), 0);	/* mov ax,[bx] */
	ck_assert_uint_eq(in.mem_size, 2);
	ck_assert_uint_eq(in.len, 2);
	ck_assert_int_eq(DEC(INSN_MODE_16, 0xa1, 0x34, 0x12), 0);	/* mov ax,[0x1234] */
	ck_assert_uint_eq(in.len, 3);
	ck_assert_int_eq(DEC(INSN_MODE_16, 0x8b, 0x06, 0x34, 0x12), 0);	/* mov ax,[0x1234] */
	ck_assert_uint_eq(in.len, 4);
}
END_TEST

START_TEST(refused)
{
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xd1, 0x23), -1);	/* shl dword [ebx],1 */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xf7, 0x13), -1);	/* not dword [ebx] */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x0f, 0xba, 0x1b, 1), -1);	/* group 8 /3 */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x01, 0xc3), -1);	/* add ebx,eax */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xf3, 0x01, 0x03), -1);	/* rep add: no */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x8b, 0xc3), -1);	/* mov eax,ebx: no memory */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xc7, 0x0d, 0, 0, 0), -1);	/* /1, and cut */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x8b), -1);		/* cut short */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xf3, 0x8b, 0x03), -1);	/* rep mov: no */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x0f, 0x0b), -1);	/* ud2 */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
			     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x8b, 0x05, 0, 0, 0, 0), -1);
}
END_TEST

START_TEST(strings)
{
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xf3, 0xa5), 0);	/* rep movsd */
	ck_assert_uint_eq(in.kind, INSN_STRING);
	ck_assert_uint_eq(in.str_op, INSN_MOVS);
	ck_assert(in.rep);
	ck_assert_uint_eq(in.mem_size, 4);
	ck_assert_uint_eq(in.addr_size, 4);
	ck_assert_uint_eq(in.src_seg, INSN_SEG_DS);
	ck_assert_uint_eq(in.len, 2);
	ck_assert_int_eq(DEC(INSN_MODE_64, 0xf3, 0x48, 0xab), 0);	/* rep stosq */
	ck_assert_uint_eq(in.str_op, INSN_STOS);
	ck_assert_uint_eq(in.mem_size, 8);
	ck_assert_uint_eq(in.addr_size, 8);
	ck_assert_uint_eq(in.len, 3);
	ck_assert_int_eq(DEC(INSN_MODE_64, 0xac), 0);		/* lodsb */
	ck_assert_uint_eq(in.str_op, INSN_LODS);
	ck_assert(!in.rep);
	ck_assert_uint_eq(in.mem_size, 1);
	ck_assert_int_eq(DEC(INSN_MODE_64, 0x67, 0xf3, 0xa4), 0);	/* addr32 rep movsb */
	ck_assert_uint_eq(in.addr_size, 4);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x2e, 0x66, 0xa5), 0);	/* movsw cs: */
	ck_assert_uint_eq(in.src_seg, 1);
	ck_assert_uint_eq(in.mem_size, 2);
	ck_assert_int_eq(DEC(INSN_MODE_16, 0xf3, 0xaa), 0);	/* rep stosb, 16-bit */
	ck_assert_uint_eq(in.addr_size, 2);
}
END_TEST

START_TEST(results)
{
	DEC(INSN_MODE_64, 0x8b, 0x03);		/* 32-bit load clears 63:32 */
	ck_assert_uint_eq(insn_load_result(&in, 0xdeadbeef00000000ULL, 0xffffffff,
					   INSN_MODE_64), 0xffffffffULL);
	DEC(INSN_MODE_32, 0x66, 0x8b, 0x03);	/* 16-bit keeps the rest */
	ck_assert_uint_eq(insn_load_result(&in, 0x12345678, 0xffff, INSN_MODE_32), 0x1234ffff);
	DEC(INSN_MODE_32, 0x8a, 0x23);		/* mov ah,[ebx] */
	ck_assert_uint_eq(insn_load_result(&in, 0x11223344, 0xab, INSN_MODE_32), 0x1122ab44);
	DEC(INSN_MODE_64, 0x48, 0x0f, 0xbe, 0x03);	/* movsx rax,byte */
	ck_assert_uint_eq(insn_load_result(&in, 0, 0x80, INSN_MODE_64), 0xffffffffffffff80ULL);
	DEC(INSN_MODE_32, 0x88, 0x3b);		/* mov [ebx],bh */
	ck_assert_uint_eq(insn_store_value(&in, 0xcafe), 0xca);
	DEC(INSN_MODE_32, 0xc6, 0x03, 0x5a);	/* mov byte [ebx],0x5a */
	ck_assert_uint_eq(insn_store_value(&in, 0), 0x5a);
}
END_TEST

START_TEST(alu_forms)
{
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x01, 0x03), 0);	/* add [ebx],eax */
	ck_assert_uint_eq(in.kind, INSN_ALU);
	ck_assert_uint_eq(in.alu, INSN_ADD);
	ck_assert(!in.to_reg);
	ck_assert_int_eq(in.reg, 0);
	ck_assert_uint_eq(in.mem_size, 4);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x2b, 0x4b, 0x04), 0);	/* sub ecx,[ebx+4] */
	ck_assert_uint_eq(in.alu, INSN_SUB);
	ck_assert(in.to_reg);
	ck_assert_int_eq(in.reg, 1);
	ck_assert_uint_eq(in.len, 3);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x38, 0x27), 0);	/* cmp [edi],ah */
	ck_assert_uint_eq(in.alu, INSN_CMP);
	ck_assert(in.high_byte);
	ck_assert_uint_eq(in.mem_size, 1);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x83, 0x0f, 0xfe), 0);	/* or dword [edi],-2 */
	ck_assert_uint_eq(in.alu, INSN_OR);
	ck_assert_uint_eq(in.imm, 0xfffffffe);
	ck_assert_int_eq(in.reg, -1);
	ck_assert_int_eq(DEC(INSN_MODE_64, 0x48, 0x83, 0x27, 0xf0), 0);	/* and qword [rdi],-16 */
	ck_assert_uint_eq(in.imm, ~0xfULL);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x66, 0x81, 0x37, 0x34, 0x12), 0);	/* xor word [edi],0x1234 */
	ck_assert_uint_eq(in.alu, INSN_XOR);
	ck_assert_uint_eq(in.imm, 0x1234);
	ck_assert_uint_eq(in.len, 5);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x80, 0x7f, 0x08, 0x41), 0);	/* cmp byte [edi+8],0x41 */
	ck_assert_uint_eq(in.alu, INSN_CMP);
	ck_assert_uint_eq(in.imm, 0x41);
	ck_assert_uint_eq(in.len, 4);
	ck_assert_int_eq(DEC(INSN_MODE_64, 0x48, 0x81, 0x07, 0, 0, 0, 0x80), 0);	/* add qword [rdi],imm32 */
	ck_assert_uint_eq(in.imm, 0xffffffff80000000ULL);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xf7, 0x07, 0, 0, 0, 0x10), 0);	/* test dword [edi],imm */
	ck_assert_uint_eq(in.alu, INSN_TEST);
	ck_assert_uint_eq(in.imm, 0x10000000);
	ck_assert_uint_eq(in.len, 6);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xf6, 0x07, 0x81), 0);	/* test byte [edi],0x81 */
	ck_assert_uint_eq(in.imm, 0x81);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xf0, 0x87, 0x0f), 0);	/* lock xchg [edi],ecx */
	ck_assert_uint_eq(in.alu, INSN_XCHG);
	ck_assert_int_eq(in.reg, 1);
	ck_assert_int_eq(DEC(INSN_MODE_64, 0xf0, 0x4c, 0x0f, 0xb1, 0x07), 0);	/* lock cmpxchg [rdi],r8 */
	ck_assert_uint_eq(in.alu, INSN_CMPXCHG);
	ck_assert_int_eq(in.reg, 8);
	ck_assert_uint_eq(in.mem_size, 8);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x0f, 0xb0, 0x0f), 0);	/* cmpxchg [edi],cl */
	ck_assert_uint_eq(in.mem_size, 1);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x0f, 0xab, 0x0f), 0);	/* bts [edi],ecx */
	ck_assert_uint_eq(in.alu, INSN_BTS);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x0f, 0xa3, 0x0f), 0);
	ck_assert_uint_eq(in.alu, INSN_BT);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x0f, 0xb3, 0x0f), 0);
	ck_assert_uint_eq(in.alu, INSN_BTR);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x0f, 0xbb, 0x0f), 0);
	ck_assert_uint_eq(in.alu, INSN_BTC);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x0f, 0xba, 0x37, 5), 0);	/* btr dword [edi],5 */
	ck_assert_uint_eq(in.alu, INSN_BTR);
	ck_assert_uint_eq(in.imm, 5);
	ck_assert_int_eq(in.reg, -1);
	ck_assert_uint_eq(in.len, 4);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x0f, 0xba, 0x27, 31), 0);	/* bt dword [edi],31 */
	ck_assert_uint_eq(in.alu, INSN_BT);
}
END_TEST

START_TEST(cmps_scas)
{
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xf3, 0xa6), 0);	/* repe cmpsb */
	ck_assert_uint_eq(in.str_op, INSN_CMPS);
	ck_assert(in.rep && !in.repne);
	ck_assert_int_eq(DEC(INSN_MODE_64, 0xf2, 0x48, 0xaf), 0);	/* repne scasq */
	ck_assert_uint_eq(in.str_op, INSN_SCAS);
	ck_assert(in.rep && in.repne);
	ck_assert_uint_eq(in.mem_size, 8);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xa7), 0);		/* cmpsd */
	ck_assert_uint_eq(in.str_op, INSN_CMPS);
	ck_assert(!in.rep);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xae), 0);		/* scasb */
	ck_assert_uint_eq(in.str_op, INSN_SCAS);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xad), 0);
	ck_assert_uint_eq(in.str_op, INSN_LODS);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xab), 0);
	ck_assert_uint_eq(in.str_op, INSN_STOS);
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xa8, 0x01), -1);	/* test al,1 */
}
END_TEST

/*
 * The flags insn_alu() computes against the host CPU's own, for each
 * arithmetic form, size and a spread of operands (carries, overflows,
 * half-carries, zero, sign, parity).
 */
static u64 host(int op, u32 size, u64 d, u64 s, u64 fin, u64 *fout)
{
#define SIZES(name)								\
	switch (size) {								\
	case 1: { u8 d8 = (u8)d, s8 = (u8)s; u64 dd = d8;			\
		__asm__ volatile("push %[f]; popfq; " name "b %[s], %b[d]; pushfq; pop %[f]" \
				 : [d] "+q"(dd), [f] "+r"(fin) : [s] "q"(s8) : "cc"); \
		*fout = fin; return dd & 0xff; }					\
	case 2: { u16 s16 = (u16)s; u64 dd = d;					\
		__asm__ volatile("push %[f]; popfq; " name "w %[s], %w[d]; pushfq; pop %[f]" \
				 : [d] "+r"(dd), [f] "+r"(fin) : [s] "r"(s16) : "cc"); \
		*fout = fin; return dd & 0xffff; }				\
	case 4: { u32 s32 = (u32)s; u64 dd = d;					\
		__asm__ volatile("push %[f]; popfq; " name "l %[s], %k[d]; pushfq; pop %[f]" \
				 : [d] "+r"(dd), [f] "+r"(fin) : [s] "r"(s32) : "cc"); \
		*fout = fin; return dd & 0xffffffff; }				\
	default: { u64 dd = d;							\
		__asm__ volatile("push %[f]; popfq; " name "q %[s], %[d]; pushfq; pop %[f]" \
				 : [d] "+r"(dd), [f] "+r"(fin) : [s] "r"(s) : "cc"); \
		*fout = fin; return dd; }					\
	}
	switch (op) {
	case INSN_ADD: SIZES("add")
	case INSN_ADC: SIZES("adc")
	case INSN_SUB: SIZES("sub")
	case INSN_SBB: SIZES("sbb")
	case INSN_AND: SIZES("and")
	case INSN_OR: SIZES("or")
	case INSN_XOR: SIZES("xor")
	}
	*fout = 0;
	return 0;
#undef SIZES
}

START_TEST(flags_against_cpu)
{
	static const u64 vals[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x0f, 0x10, 0x7fff, 0x8000,
				    0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
				    0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL,
				    0x123456789abcdef0ULL, 0x0fedcba987654321ULL };
	static const int ops[] = { INSN_ADD, INSN_ADC, INSN_SUB, INSN_SBB, INSN_AND,
				   INSN_OR, INSN_XOR };
	static const u32 sizes[] = { 1, 2, 4, 8 };
	struct insn a;
	u32 n = 0;

	memset(&a, 0, sizeof(a));
	a.kind = INSN_ALU;
	for (u32 o = 0; o < ARRAY_SIZE(ops); o++)
		for (u32 z = 0; z < 4; z++)
			for (u32 i = 0; i < ARRAY_SIZE(vals); i++)
				for (u32 j = 0; j < ARRAY_SIZE(vals); j++)
					for (u64 cf = 0; cf < 2; cf++) {
		u64 m = sizes[z] == 8 ? ~0ULL : (1ULL << (8 * sizes[z])) - 1;
		u64 fin = 0x202 | cf, fout = 0, want, mask = INSN_FL_ARITH;
		struct insn_alu_io io = { .mem = vals[i] & m, .src = vals[j] & m,
					  .rflags = fin };

		if (ops[o] == INSN_AND || ops[o] == INSN_OR || ops[o] == INSN_XOR)
			mask &= ~(u64)INSN_FL_AF;	/* undefined */
		a.alu = (u8)ops[o];
		a.mem_size = (u8)sizes[z];
		want = host(ops[o], sizes[z], vals[i] & m, vals[j] & m, fin, &fout);
		insn_alu(&a, &io);
		ck_assert(io.write_mem);
		ck_assert_msg(io.mem_out == want, "op %d size %u %#llx %#llx: %#llx, CPU %#llx",
			      ops[o], sizes[z], (unsigned long long)vals[i],
			      (unsigned long long)vals[j], (unsigned long long)io.mem_out,
			      (unsigned long long)want);
		ck_assert_msg((io.rflags & mask) == (fout & mask),
			      "op %d size %u %#llx %#llx cf %llu: flags %#llx, CPU %#llx", ops[o],
			      sizes[z], (unsigned long long)vals[i], (unsigned long long)vals[j],
			      (unsigned long long)cf, (unsigned long long)io.rflags,
			      (unsigned long long)fout);
		n++;
	}
	ck_assert_uint_gt(n, 1000);
}
END_TEST

START_TEST(alu_results)
{
	struct insn_alu_io io;

	/* sub ecx,[mem]: the register is the destination. */
	DEC(INSN_MODE_32, 0x2b, 0x0f);
	io = (struct insn_alu_io){ .mem = 5, .src = 3, .rflags = 2 };
	insn_alu(&in, &io);
	ck_assert(io.write_reg && !io.write_mem);
	ck_assert_uint_eq(io.reg_out, 0xfffffffe);
	ck_assert(io.rflags & INSN_FL_CF);
	ck_assert(io.rflags & INSN_FL_SF);
	/* cmp [mem],ecx: nothing written. */
	DEC(INSN_MODE_32, 0x39, 0x0f);
	io = (struct insn_alu_io){ .mem = 7, .src = 7, .rflags = 2 };
	insn_alu(&in, &io);
	ck_assert(!io.write_reg && !io.write_mem);
	ck_assert(io.rflags & INSN_FL_ZF);
	/* test: flags only. */
	DEC(INSN_MODE_32, 0xf7, 0x07, 0, 0, 0, 0x80);
	io = (struct insn_alu_io){ .mem = 0x80000001, .src = in.imm, .rflags = 0x8d7 };
	insn_alu(&in, &io);
	ck_assert(!io.write_mem);
	ck_assert_uint_eq(io.rflags & INSN_FL_ARITH, INSN_FL_SF | INSN_FL_PF);
	/* xchg: both ways, flags untouched. */
	DEC(INSN_MODE_32, 0x87, 0x0f);
	io = (struct insn_alu_io){ .mem = 1, .src = 2, .rflags = 0x8d7 };
	insn_alu(&in, &io);
	ck_assert(io.write_mem && io.write_reg);
	ck_assert_uint_eq(io.mem_out, 2);
	ck_assert_uint_eq(io.reg_out, 1);
	ck_assert_uint_eq(io.rflags, 0x8d7);
	/* cmpxchg: equal stores the source; else the accumulator loads. */
	DEC(INSN_MODE_32, 0x0f, 0xb1, 0x0f);
	io = (struct insn_alu_io){ .mem = 9, .src = 4, .acc = 9, .rflags = 2 };
	insn_alu(&in, &io);
	ck_assert(io.write_mem && !io.write_acc);
	ck_assert_uint_eq(io.mem_out, 4);
	ck_assert(io.rflags & INSN_FL_ZF);
	io = (struct insn_alu_io){ .mem = 9, .src = 4, .acc = 8, .rflags = 2 };
	insn_alu(&in, &io);
	ck_assert(io.write_mem && io.write_acc);
	ck_assert_uint_eq(io.mem_out, 9);	/* written back as it was */
	ck_assert_uint_eq(io.acc_out, 9);
	ck_assert(!(io.rflags & INSN_FL_ZF));
	ck_assert(io.rflags & INSN_FL_CF);	/* 8 - 9 borrows */
	/* bts/btr/btc/bt: CF is the old bit; the offset modulo the size. */
	DEC(INSN_MODE_32, 0x0f, 0xab, 0x0f);
	io = (struct insn_alu_io){ .mem = 0, .src = 37, .rflags = 0x8d6 };
	insn_alu(&in, &io);
	ck_assert_uint_eq(io.mem_out, 1U << 5);
	ck_assert_uint_eq(io.rflags, 0x8d6);	/* CF clear, the rest kept */
	DEC(INSN_MODE_32, 0x0f, 0xba, 0x37, 4);	/* btr [edi],4 */
	io = (struct insn_alu_io){ .mem = 0x30, .src = in.imm, .rflags = 2 };
	insn_alu(&in, &io);
	ck_assert_uint_eq(io.mem_out, 0x20);
	ck_assert(io.rflags & INSN_FL_CF);
	DEC(INSN_MODE_32, 0x0f, 0xbb, 0x0f);	/* btc */
	io = (struct insn_alu_io){ .mem = 0x1, .src = 0, .rflags = 2 };
	insn_alu(&in, &io);
	ck_assert_uint_eq(io.mem_out, 0);
	DEC(INSN_MODE_32, 0x0f, 0xa3, 0x0f);	/* bt: no write */
	io = (struct insn_alu_io){ .mem = 0x80000000, .src = 31, .rflags = 2 };
	insn_alu(&in, &io);
	ck_assert(!io.write_mem);
	ck_assert(io.rflags & INSN_FL_CF);
	/* The register merge: AH, AX, EAX (zero-extends), RAX. */
	ck_assert_uint_eq(insn_reg_merge(0x1111222233334444ULL, 0xab, 1, true), 0x111122223333ab44ULL);
	ck_assert_uint_eq(insn_reg_merge(0x1111222233334444ULL, 0xabcd, 2, false), 0x111122223333abcdULL);
	ck_assert_uint_eq(insn_reg_merge(0x1111222233334444ULL, 0xabcd, 4, false), 0xabcdULL);
	/* CMPS/SCAS flags. */
	ck_assert_uint_eq(insn_flags_sub(0x8d7, 3, 3, 1) & INSN_FL_ARITH, INSN_FL_ZF | INSN_FL_PF);
	ck_assert_uint_eq(insn_flags_sub(2, 0, 1, 2) & INSN_FL_ARITH,
			  INSN_FL_CF | INSN_FL_SF | INSN_FL_PF | INSN_FL_AF);
}
END_TEST

Suite *insn_suite(void)
{
	Suite *s = suite_create("insn");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, movs_32);
	tcase_add_test(tc, movs_64);
	tcase_add_test(tc, mode_16);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, strings);
	tcase_add_test(tc, results);
	tcase_add_test(tc, alu_forms);
	tcase_add_test(tc, cmps_scas);
	tcase_add_test(tc, flags_against_cpu);
	tcase_add_test(tc, alu_results);
	suite_add_tcase(s, tc);
	return s;
}
