// SPDX-License-Identifier: GPL-2.0
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
	ck_assert_uint_eq(in.kind, INSN_TEST);
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
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x01, 0x03), -1);	/* add [ebx],eax */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x8b, 0xc3), -1);	/* mov eax,ebx: no memory */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xc7, 0x0d, 0, 0, 0), -1);	/* /1, and cut */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0x8b), -1);		/* cut short */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xf3, 0x8b, 0x03), -1);	/* rep mov: no */
	ck_assert_int_eq(DEC(INSN_MODE_32, 0xf3, 0xa6), -1);	/* repe cmpsb */
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
	suite_add_tcase(s, tc);
	return s;
}
