// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO instruction emulation: an access EPT does not map (the xAPIC page,
 * the platform's devices, assigned BARs' trapped pages, nothing) is decoded
 * from the guest's instruction bytes (vmx/emul/insn.c), performed one
 * access at a time by mmio_rw(), and completed as the CPU would have.
 */
#include <string.h>

#include "core/cpu.h"
#include "core/log.h"
#include "core/vdev/vdev.h"
#include "core/vdev/vlapic.h"
#include "core/vm/vm.h"
#include "vmx/emul/guest_walk.h"
#include "vmx/emul/insn.h"
#include "vmx/emul/mmio.h"
#include "vmx/emul/ram_emul.h"
#include "vmx/exit.h"
#include "vmx/guest_state.h"
#include "vmx/vcpu_request.h"

static bool read_guest(u64 gpa, void *buf, u32 len, void *ctx)
{
	/* Page by page, each faulted in if it is swapped out. */
	return gpa_copy_from(ctx, gpa, buf, len);
}

u32 emul_fetch_insn(struct vcpu *v, u8 *buf, enum insn_mode *mode)
{
	u64 cs_ar = vmread(VMCS_GUEST_ES_AR + 2 * SEG_CS);
	u64 la = vmread(VMCS_GUEST_ES_BASE + 2 * SEG_CS) + v->rip;
	enum guest_paging pg = guest_paging_mode(v->cr0, v->cr4, v->efer);
	u32 n = 0;

	*mode = (cs_ar & AR_L) && (v->efer & EFER_LMA) ? INSN_MODE_64 :
		(cs_ar & AR_DB) ? INSN_MODE_32 : INSN_MODE_16;
	/* One guest page walk per page the 15 bytes touch, not per byte. */
	while (n < 15) {
		u32 chunk = PAGE_SIZE - (u32)((la + n) & (PAGE_SIZE - 1));
		u64 gpa;

		if (chunk > 15 - n)
			chunk = 15 - n;
		if (guest_walk(pg, v->cr3, v->cr4 & CR4_PSE, la + n, read_guest,
			       &v->vm->mem, &gpa) ||
		    !read_guest(gpa, buf + n, chunk, &v->vm->mem))
			break;
		n += chunk;
	}
	return n;
}

/*
 * One access of size bytes to emulated guest-physical memory: the xAPIC
 * page or the device bus (declared here for the read-modify-write forms).
 */
static void mmio_rw(struct vcpu *v, u64 gpa, bool write, u32 size, u64 *val);

/*
 * ADD ... CMP, TEST, XCHG, CMPXCHG, BT*: read the operand, compute
 * (insn_alu, pure), write back what changed. A device sees one read and at
 * most one write, like the locked bus cycles of the real instruction.
 */
static void emulate_alu(struct vcpu *v, const struct insn *in, u64 gpa)
{
	struct insn_alu_io io = { .acc = v->regs.rax };
	u64 fl = vmread(VMCS_GUEST_RFLAGS);

	io.rflags = fl;
	io.src = in->reg < 0 ? in->imm : insn_store_value(in, gpr_get(v, in->reg));
	mmio_rw(v, gpa, false, in->mem_size, &io.mem);
	if (in->mem_size < 8)
		io.mem &= (1ULL << (8 * in->mem_size)) - 1;
	insn_alu(in, &io);
	if (io.write_mem)
		mmio_rw(v, gpa, true, in->mem_size, &io.mem_out);
	if (io.write_reg)
		gpr_set(v, in->reg, insn_reg_merge(gpr_get(v, in->reg), io.reg_out,
						   in->mem_size, in->high_byte));
	if (io.write_acc)
		v->regs.rax = insn_reg_merge(v->regs.rax, io.acc_out, in->mem_size, false);
	if (io.rflags != fl)
		vmwrite(VMCS_GUEST_RFLAGS, io.rflags);
}

/*
 * One access of size bytes to emulated guest-physical memory: the xAPIC
 * page (a fast path: the guest's most frequent MMIO), or the device bus.
 */
static void mmio_rw(struct vcpu *v, u64 gpa, bool write, u32 size, u64 *val)
{
	struct vm *vm = v->vm;

	if (gpa - v->apic_base < PAGE_SIZE && v->lapic.enabled &&
	    !v->lapic.x2apic) {
		u32 off = (u32)(gpa - v->apic_base) & ~0xfU;

		if (write)
			vlapic_write(&v->lapic, off, *val, guest_tsc(v));
		else if (!vlapic_read(&v->lapic, off, guest_tsc(v), val))
			*val = 0;
		if (v->lapic.ipi.valid || v->lapic.level_eoi >= 0)
			lapic_events(v);
		vm->lapic_mmio++;
		return;
	}
	vdev_mmio(vm, &v->mmio_hit, gpa, write, size, val, v->rip);
}

/*
 * n bytes at guest linear address la, within one page: RAM directly
 * (unless the page's state protects it: then not emulated), the rest as
 * MMIO, in one access of n bytes when n is 1, 2, 4 or 8, else byte by
 * byte. false: not translatable, or protected.
 */
static bool piece_rw(struct vcpu *v, u64 la, bool write, u32 n, u8 *buf)
{
	struct gpa_map *g = &v->vm->mem;
	u64 gpa, val = 0;
	u8 *p;

	if (guest_walk(guest_paging_mode(v->cr0, v->cr4, v->efer), v->cr3, v->cr4 & CR4_PSE,
		       la, read_guest, g, &gpa))
		return false;
	if (!gpa_is_ram(g, gpa, n)) {
		if (n != 1 && n != 2 && n != 4 && n != 8) {
			for (u32 i = 0; i < n; i++)
				if (!piece_rw(v, la + i, write, 1, buf + i))
					return false;
			return true;
		}
		if (write)
			memcpy(&val, buf, n);
		mmio_rw(v, gpa, write, n, &val);
		if (!write)
			memcpy(buf, &val, n);
		return true;
	}
	/* Protected pages are not emulated; a swapped-out page (no-access
	 * for want of a frame, not protected) is faulted in and held. */
	if ((gpa_page_state(g, gpa) & GPA_PG_WP) ||
	    ((gpa_page_state(g, gpa) & GPA_PG_NOACCESS) && !g->sparse))
		return false;
	p = gpa_get_page(g, gpa, write ? GPA_GET_WRITE : 0, NULL);
	if (!p)
		return false;
	if (write)
		memcpy(p, buf, n);
	else
		memcpy(buf, p, n);
	gpa_put_page(g, gpa);
	return true;
}

/*
 * One element of a string instruction at guest linear address la. One
 * that crosses a page is two pieces, each translated on its own (each
 * page may be RAM or a device, as the CPU's split access finds them).
 */
static bool string_rw(struct vcpu *v, u64 la, bool write, u32 size, u64 *val)
{
	u32 first = PAGE_SIZE - (u32)(la & (PAGE_SIZE - 1));
	u8 *b = (u8 *)val;

	if (first >= size)
		return piece_rw(v, la, write, size, b);
	return piece_rw(v, la, write, first, b) &&
	       piece_rw(v, la + first, write, size - first, b + first);
}

#define STRING_BATCH	256	/* elements per exit; the rest re-executes */

/*
 * MOVS/STOS/LODS/CMPS/SCAS touching emulated memory (SDM 2B): element by
 * element, RSI/RDI stepping by DF, RCX counting with REP; REPE/REPNE end
 * CMPS/SCAS when ZF says so. A long REP stops after a batch with RIP
 * unchanged, so the guest re-executes it for the rest (and can take
 * interrupts in between, as on hardware).
 */
static int emulate_string(struct vcpu *v, const struct insn *in)
{
	u64 amask = in->addr_size == 8 ? ~0ULL : (1ULL << (8 * in->addr_size)) - 1;
	u64 count = in->rep ? v->regs.rcx & amask : 1, n = 0;
	u64 src_base = vmread(VMCS_GUEST_ES_BASE + 2 * in->src_seg);
	u64 dst_base = vmread(VMCS_GUEST_ES_BASE + 2 * INSN_SEG_ES);
	s64 step = (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_DF) ? -(s64)in->mem_size : in->mem_size;
	u64 si = v->regs.rsi & amask, di = v->regs.rdi & amask;
	u64 vmask = in->mem_size == 8 ? ~0ULL : (1ULL << (8 * in->mem_size)) - 1;
	u64 fl = vmread(VMCS_GUEST_RFLAGS), fl0 = fl;
	bool done = false;

	while (count && n < STRING_BATCH && !done) {
		u64 val = 0, val2 = 0;
		bool ok = true;

		switch (in->str_op) {
		case INSN_MOVS:
			ok = string_rw(v, src_base + si, false, in->mem_size, &val) &&
			     string_rw(v, dst_base + di, true, in->mem_size, &val);
			break;
		case INSN_STOS:
			val = v->regs.rax & vmask;
			ok = string_rw(v, dst_base + di, true, in->mem_size, &val);
			break;
		case INSN_LODS:
			ok = string_rw(v, src_base + si, false, in->mem_size, &val);
			if (ok)
				v->regs.rax = in->mem_size == 4 ? val & vmask :
					      (v->regs.rax & ~vmask) | (val & vmask);
			break;
		case INSN_CMPS:		/* [rSI] - [rDI] */
			ok = string_rw(v, src_base + si, false, in->mem_size, &val) &&
			     string_rw(v, dst_base + di, false, in->mem_size, &val2);
			fl = insn_flags_sub(fl, val, val2, in->mem_size);
			break;
		case INSN_SCAS:		/* accumulator - [rDI] */
			ok = string_rw(v, dst_base + di, false, in->mem_size, &val2);
			fl = insn_flags_sub(fl, v->regs.rax & vmask, val2, in->mem_size);
			break;
		}
		if (!ok) {
			vm_note_stop(v->vm, "cannot emulate the string instruction at RIP %#llx (an operand crosses a page, is untranslatable, or protected)",
				     (unsigned long long)v->rip);
			return EXIT_STOP;
		}
		if (in->str_op != INSN_STOS && in->str_op != INSN_SCAS)
			si = (si + (u64)step) & amask;
		if (in->str_op != INSN_LODS)
			di = (di + (u64)step) & amask;
		count--;
		n++;
		/* REPE goes on while equal, REPNE while not. */
		if (in->rep && (in->str_op == INSN_CMPS || in->str_op == INSN_SCAS))
			done = !(fl & INSN_FL_ZF) != in->repne;
	}
	if (fl != fl0)
		vmwrite(VMCS_GUEST_RFLAGS, fl);
	/* Only the address-size part of each register moves. */
	v->regs.rsi = (v->regs.rsi & ~amask) | si;
	v->regs.rdi = (v->regs.rdi & ~amask) | di;
	if (in->rep)
		v->regs.rcx = (v->regs.rcx & ~amask) | (count & amask);
	v->stats.string_elements += n;
	if (!count || done)
		complete_instruction(v->rip + in->len);
	return EXIT_RESUME;
}

int vmx_emulate_string_io(struct vcpu *v, u64 q)
{
	struct vm *vm = v->vm;
	u32 size = IO_SIZE(q), port = IO_PORT(q), info = (u32)vmread(VMCS_EXIT_INSTR_INFO);
	u32 asz = 2U << IO_INFO_ADDR_SIZE(info);	/* 2, 4 or 8 bytes */
	u64 amask = asz == 8 ? ~0ULL : (1ULL << (8 * asz)) - 1;
	bool in = q & IO_IN, rep = q & IO_REP;
	/* INS writes ES:rDI; OUTS reads its segment (DS or an override). */
	u64 base = vmread(VMCS_GUEST_ES_BASE + 2 * (in ? INSN_SEG_ES : IO_INFO_SEG(info)));
	u64 count = rep ? v->regs.rcx & amask : 1, n = 0;
	s64 step = (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_DF) ? -(s64)size : (s64)size;
	u64 idx = (in ? v->regs.rdi : v->regs.rsi) & amask;

	vcpu_save_state(v);
	while (count && n < STRING_BATCH && !vcpu_stopping(v)) {
		u64 val = 0;
		bool ok;

		if (in) {
			val = vdev_io_in(&vm->bus, &v->io_hit, &vm->io_unclaimed, port, size);
			ok = string_rw(v, base + idx, true, size, &val);
		} else {
			ok = string_rw(v, base + idx, false, size, &val);
			if (ok)
				vdev_io_out(&vm->bus, &v->io_hit, &vm->io_unclaimed, port, size,
					    (u32)val);
		}
		if (!ok) {
			vm_note_stop(vm, "cannot emulate %s on port %#x at RIP %#llx: guest memory at linear %#llx is untranslatable or protected",
				     in ? "INS" : "OUTS", port, (unsigned long long)v->rip,
				     (unsigned long long)(base + idx));
			return EXIT_STOP;
		}
		idx = (idx + (u64)step) & amask;
		count--;
		n++;
	}
	if (in)
		v->regs.rdi = (v->regs.rdi & ~amask) | idx;
	else
		v->regs.rsi = (v->regs.rsi & ~amask) | idx;
	if (rep)
		v->regs.rcx = (v->regs.rcx & ~amask) | (count & amask);
	/* A long REP goes on where it stopped: RIP stays on it. */
	if (!count)
		skip_instruction();
	return vcpu_stopping(v) ? EXIT_STOP : EXIT_RESUME;
}

/*
 * EPT violation: a RAM page whose state took rights away (mm/gpa.h), or an
 * access to guest-physical space that is not RAM, decoded and emulated.
 */
int vmx_exit_ept_violation(struct vcpu *v, u64 q)
{
	struct vm *vm = v->vm;
	u64 gpa = vmread(VMCS_GUEST_PHYS_ADDR), val = 0;
	enum insn_mode mode;
	struct insn in;
	u32 access = (u32)q & (GPA_ACCESS_READ | GPA_ACCESS_WRITE | GPA_ACCESS_EXEC), n;
	u8 bytes[15];

	/* Only an access to the instruction's own operand may be emulated:
	 * not the CPU's page walk, nor its stack pushes while delivering an
	 * event (the instruction at RIP is not the writer then). */
	if ((q & (EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_FINAL)) !=
	    (EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_FINAL) ||
	    (vmread(VMCS_IDT_VECTORING_INFO) & INTR_INFO_VALID))
		access |= GPA_ACCESS_NOT_OPERAND;
	vcpu_save_state(v);
	/* RAM: a page whose state took rights away (mm/gpa.h). */
	switch (gpa_fault(&vm->mem, gpa, access, v->id)) {
	case GPA_FAULT_RETRY:
		return EXIT_RESUME;
	case GPA_FAULT_EMULATE:
		/* A write to a page on disk, performed into a buffer
		 * (the False Reads Preventer, mm/swap/swapper_prev.c). */
		return vmx_emulate_ram(v, gpa, access);
	case GPA_FAULT_WAIT:
		/* The access runs again once the handler's work is done and
		 * gpa_wake() posts VCPU_REQ_WAKE; till then the core sleeps. */
		v->state = VCPU_PARKED;
		return EXIT_RESUME;
	case GPA_FAULT_PASS:		/* handlers' only: never returned */
	case GPA_FAULT_STOP:
		vm_note_stop(vm, "EPT violation at %#llx (qualification %#llx, page state %#x) nobody resolved",
			     (unsigned long long)gpa, (unsigned long long)q,
			     gpa_page_state(&vm->mem, gpa));
		return EXIT_STOP;
	case GPA_FAULT_NOT_RAM:
		break;
	}
	/*
	 * The CPU's own page walk touched this address: the guest keeps a
	 * paging structure outside RAM. The instruction's operand is
	 * elsewhere, so emulating the instruction here would hand the
	 * operand to whatever device lives at the paging entry's address.
	 * Hardware would read the device (or all-ones) as page-table entries,
	 * which no guest means to do: the VM stops, named.
	 */
	if ((q & (EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_FINAL)) == EPT_QUAL_GLA_VALID) {
		vm_note_stop(vm, "guest page walk for linear %#llx %s a paging entry at guest-physical %#llx, which is not RAM (RIP %#llx)",
			     (unsigned long long)vmread(VMCS_GUEST_LINEAR_ADDR),
			     (q & EPT_QUAL_WRITE) ? "wrote" : "read",
			     (unsigned long long)gpa, (unsigned long long)v->rip);
		return EXIT_STOP;
	}
	if (q & GPA_ACCESS_EXEC) {
		vm_note_stop(vm, "executing unbacked guest-physical %#llx", (unsigned long long)gpa);
		return EXIT_STOP;
	}
	n = emul_fetch_insn(v, bytes, &mode);
	if (insn_decode(bytes, n, mode, &in)) {
		vm_note_stop(vm, "cannot emulate the access to %#llx at RIP %#llx (bytes %02x %02x %02x %02x)",
			     (unsigned long long)gpa, (unsigned long long)v->rip,
			     n > 0 ? bytes[0] : 0, n > 1 ? bytes[1] : 0,
			     n > 2 ? bytes[2] : 0, n > 3 ? bytes[3] : 0);
		return EXIT_STOP;
	}
	if (in.kind == INSN_STORE) {
		val = insn_store_value(&in, gpr_get(v, in.reg));
		mmio_rw(v, gpa, true, in.mem_size, &val);
	} else if (in.kind == INSN_LOAD) {
		mmio_rw(v, gpa, false, in.mem_size, &val);
		gpr_set(v, in.reg, insn_load_result(&in, gpr_get(v, in.reg), val, mode));
	} else if (in.kind == INSN_ALU) {
		emulate_alu(v, &in, gpa);
	} else {
		return emulate_string(v, &in);
	}
	complete_instruction(v->rip + in.len);
	return EXIT_RESUME;
}
