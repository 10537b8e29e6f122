// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/*
 * The pure half (descriptor decoding) is unit-tested; the exit handlers
 * below it are built only into tern (TERN_HOST_TEST hides them).
 */
#include <string.h>

#include "vmx/emul/desc_table.h"

void dt_decode_descriptor(const u8 *d, bool wide, struct dt_seg *s)
{
	u32 lo = d[0] | d[1] << 8 | (u32)(d[6] & 0xf) << 16;

	s->base = (u64)d[2] | (u64)d[3] << 8 | (u64)d[4] << 16 | (u64)d[7] << 24;
	if (wide)
		s->base |= (u64)(d[8] | d[9] << 8 | d[10] << 16 | (u32)d[11] << 24) << 32;
	/* G: the limit counts 4 KiB units, the low 12 bits all ones. */
	s->limit = (d[6] & 0x80) ? lo << 12 | 0xfff : lo;
	s->ar = d[5] | (u32)(d[6] & 0xf0) << 8;
}

#ifndef TERN_HOST_TEST
#include "core/vm/vm.h"
#include "vmx/eli/eli.h"
#include "vmx/emul/guest_mem.h"
#include "vmx/exit.h"
#include "vmx/guest_state.h"
#include "vmx/vmx_ops.h"

static bool long_mode(void)
{
	return (vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA) &&
	       (vmread(VMCS_GUEST_ES_AR + 2 * SEG_CS) & AR_L);
}

static u32 cpl(void)
{
	return (vmread(VMCS_GUEST_ES_AR + 2 * SEG_SS) >> 5) & 3;
}

/* The memory operand's linear address. */
static u64 operand(struct vcpu *v, u32 info, u64 qual)
{
	u64 off = dt_operand_offset(info, qual, gpr_get(v, DTI_BASE(info)),
				    gpr_get(v, DTI_INDEX(info)));
	u32 seg = DTI_SEG(info);

	/* 64-bit mode: only FS and GS have a base (SDM 3A 3.4.4). */
	if (long_mode() && seg != SEG_FS && seg != SEG_GS)
		return off;
	return vmread(VMCS_GUEST_ES_BASE + 2 * seg) + off;
}

/* #GP or #NP with a selector error code, RIP on the instruction. */
static void inject_fault(struct vcpu *v, u32 vec, u16 sel)
{
	vmwrite(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXC |
		INTR_INFO_DELIVER_CODE | vec);
	vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, sel & 0xfffc);
	if (vec == X86_VEC_GP)
		v->stats.gp_injected++;
}

/* The guest's memory operand was not reachable: the VM stops, named
 * (tern does not inject #PF for emulated operands, as for MMIO). */
static int bad_operand(struct vcpu *v, const char *what, u64 la)
{
	vcpu_save_state(v);
	vm_note_stop(v->vm, "%s: operand at %#llx not in the guest's RAM (RIP %#llx)", what,
		     (unsigned long long)la, (unsigned long long)v->rip);
	return EXIT_STOP;
}

int vmx_exit_gdtr_idtr(struct vcpu *v, u64 qual)
{
	u32 info = (u32)vmread(VMCS_EXIT_INSTR_INFO);
	u32 id = DTI_IDENTITY(info);
	bool wide = long_mode();
	u64 la = operand(v, info, qual), base;
	u8 m[10];
	u16 limit;
	u32 len = wide ? 10 : 6;

	v->stats.desc_table_exits++;
	if (id == DT_LGDT || id == DT_LIDT) {
		if (cpl()) {
			inject_fault(v, X86_VEC_GP, 0);
			return EXIT_RESUME;
		}
		if (!guest_linear_rw(v, la, m, len, false))
			return bad_operand(v, id == DT_LGDT ? "LGDT" : "LIDT", la);
		limit = (u16)(m[0] | m[1] << 8);
		base = 0;
		memcpy(&base, m + 2, wide ? 8 : 4);
		/* A 16-bit operand loads 24 bits of base (SDM 2A LGDT/LIDT). */
		if (!wide && !(info & DTI_OPSIZE_32))
			base &= 0xffffff;
		if (id == DT_LGDT) {
			vmwrite(VMCS_GUEST_GDTR_BASE, base);
			vmwrite(VMCS_GUEST_GDTR_LIMIT, limit);
		} else {
			eli_idtr_write(v, base, limit);
		}
	} else {
		if (id == DT_SGDT) {
			base = vmread(VMCS_GUEST_GDTR_BASE);
			limit = (u16)vmread(VMCS_GUEST_GDTR_LIMIT);
		} else {
			eli_idtr_read(v, &base, &limit);
		}
		m[0] = (u8)limit;
		m[1] = (u8)(limit >> 8);
		memcpy(m + 2, &base, 8);
		if (!guest_linear_rw(v, la, m, len, true))
			return bad_operand(v, id == DT_SGDT ? "SGDT" : "SIDT", la);
	}
	skip_instruction();
	return EXIT_RESUME;
}

/* LLDT and LTR: the descriptor from the GDT into the VMCS (SDM 2A LLDT,
 * LTR); LTR marks the TSS busy in the GDT as the CPU does. */
static int load_system(struct vcpu *v, u32 id, u16 sel)
{
	bool wide = long_mode();
	u32 seg = id == DT_LLDT ? SEG_LDTR : SEG_TR;
	u64 gdt = vmread(VMCS_GUEST_GDTR_BASE), at = gdt + (sel & ~7U);
	u32 size = wide ? 16 : 8, type;
	struct dt_seg s;
	u8 d[16];

	if (!(sel & ~3U)) {
		if (id == DT_LTR) {
			inject_fault(v, X86_VEC_GP, 0);
			return EXIT_RESUME;
		}
		/* A null selector leaves LDTR unusable. */
		vmwrite(VMCS_GUEST_ES_SEL + 2 * seg, 0);
		vmwrite(VMCS_GUEST_ES_AR + 2 * seg, AR_UNUSABLE);
		skip_instruction();
		return EXIT_RESUME;
	}
	if ((sel & 4) || (sel | 7) > vmread(VMCS_GUEST_GDTR_LIMIT)) {
		inject_fault(v, X86_VEC_GP, sel);
		return EXIT_RESUME;
	}
	if (!guest_linear_rw(v, at, d, size, false))
		return bad_operand(v, id == DT_LLDT ? "LLDT" : "LTR", at);
	dt_decode_descriptor(d, wide, &s);
	type = s.ar & 0xf;
	if ((s.ar & AR_S) ||
	    (id == DT_LLDT ? type != DESC_TYPE_LDT :
	     type != DESC_TYPE_TSS_AVAIL && (wide || type != DESC_TYPE_TSS16_AVAIL))) {
		inject_fault(v, X86_VEC_GP, sel);
		return EXIT_RESUME;
	}
	if (!(s.ar & AR_P)) {
		inject_fault(v, X86_VEC_NP, sel);
		return EXIT_RESUME;
	}
	if (id == DT_LTR) {
		d[5] |= DESC_TYPE_TSS_BUSY_BIT;
		if (!guest_linear_rw(v, at + 5, &d[5], 1, true))
			return bad_operand(v, "LTR", at);
		s.ar |= DESC_TYPE_TSS_BUSY_BIT;
	}
	vmwrite(VMCS_GUEST_ES_SEL + 2 * seg, sel);
	vmwrite(VMCS_GUEST_ES_BASE + 2 * seg, s.base);
	vmwrite(VMCS_GUEST_ES_LIMIT + 2 * seg, s.limit);
	vmwrite(VMCS_GUEST_ES_AR + 2 * seg, s.ar);
	skip_instruction();
	return EXIT_RESUME;
}

int vmx_exit_ldtr_tr(struct vcpu *v, u64 qual)
{
	u32 info = (u32)vmread(VMCS_EXIT_INSTR_INFO);
	u32 id = DTI_IDENTITY(info);
	u64 la = 0;
	u16 sel;

	v->stats.desc_table_exits++;
	if (!(info & DTI_REG_OPERAND))
		la = operand(v, info, qual);
	if (id == DT_LLDT || id == DT_LTR) {
		if (cpl()) {
			inject_fault(v, X86_VEC_GP, 0);
			return EXIT_RESUME;
		}
		if (info & DTI_REG_OPERAND)
			sel = (u16)gpr_get(v, DTI_REG1(info));
		else if (!guest_linear_rw(v, la, &sel, 2, false))
			return bad_operand(v, id == DT_LLDT ? "LLDT" : "LTR", la);
		return load_system(v, id, sel);
	}
	sel = (u16)vmread(VMCS_GUEST_ES_SEL + 2 * (id == DT_SLDT ? SEG_LDTR : SEG_TR));
	if (info & DTI_REG_OPERAND) {
		/* To a register: zero-extended (SDM 2A SLDT/STR, 32/64-bit
		 * operands; a 16-bit one keeps the upper bits, rare enough
		 * that tern zero-extends it too). */
		gpr_set(v, DTI_REG1(info), sel);
	} else if (!guest_linear_rw(v, la, &sel, 2, true)) {
		return bad_operand(v, id == DT_SLDT ? "SLDT" : "STR", la);
	}
	skip_instruction();
	return EXIT_RESUME;
}
#endif
