/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Emulating the instructions that write one guest page, for the False
 * Reads Preventer (mm/swap/preventer.h): the stores kernels use to clear
 * and copy pages, performed through callbacks so the page's bytes can go
 * to a buffer instead of guest RAM. Decoding is insn.c's.
 *
 * Emulated (Linux's arch/x86/lib clear_page_64.S, copy_page_64.S,
 * memset_64.S and the compiler's own stores):
 *   MOV m,r (88/89), MOV m,imm (C6/C7), MOV moffs,AL/rAX (A2/A3),
 *   MOVNTI m,r (0F C3): clear_page_orig's and copy_page_regs' unrolled
 *   movq, memset_orig's movq/movb;
 *   STOS and MOVS of any element size, with or without REP (F3 or F2),
 *   either direction: clear_page_rep (rep stosq), clear_page_erms and
 *   memset (rep stosb), copy_page (rep movsq), memcpy (rep movsb); the
 *   MOVS source is any guest memory the read callback can give;
 *   loads from the page (MOV r,m, MOVZX, MOVSX, MOV AL/rAX,moffs), which
 *   the Preventer serves when the bytes are buffered.
 * Everything else (read-modify-write forms, XCHG, CMPXCHG, LODS, CMPS,
 * SCAS, LOCK-prefixed, 16-bit addressing, operands crossing the page) is
 * refused with a named status and changes nothing.
 *
 * A REP runs in one call over every element that lies in the page: to
 * RCX = 0 (RIP past the instruction) or to the page's edge, where it stops
 * with RCX, RDI and RSI counting the elements done and RIP on the
 * instruction, as an interrupted REP leaves them (SDM 2B REP), so the
 * guest re-executes it for the rest. Segment bases are added as the CPU
 * does (64-bit mode: FS and GS only); segment limits are not checked.
 */
#ifndef TERN_VMX_EMUL_PAGE_EMUL_H
#define TERN_VMX_EMUL_PAGE_EMUL_H

#include "core/types.h"
#include "vmx/emul/insn.h"

struct pemul_regs {
	u64 gpr[16];		/* RAX..R15 */
	u64 rip;
	u64 rflags;		/* DF is read, nothing is written */
	u64 seg_base[6];	/* ES, CS, SS, DS, FS, GS */
};

/* A memory callback's own bits pass through to pemul_result.acts; this
 * one says the access did not happen (the instruction stops before it). */
#define PEMUL_MEM_STOP	BIT(31)

struct pemul_ops {
	/* Guest linear -> guest-physical through the guest's paging; false:
	 * not mapped. write: the access is a write. */
	bool (*translate)(void *arg, u64 la, bool write, u64 *gpa);
	/* len bytes at gpa, never crossing a 4 KiB page. */
	u32 (*read)(void *arg, u64 gpa, void *buf, u32 len);
	u32 (*write)(void *arg, u64 gpa, const void *buf, u32 len);
};

enum pemul_status {
	PEMUL_DONE,		/* the instruction completed; RIP advanced */
	PEMUL_PAGE_END,		/* a REP stopped at the page's edge; RIP kept */
	PEMUL_STOPPED,		/* a callback said PEMUL_MEM_STOP; RIP kept */
	PEMUL_DECODE,		/* not an instruction insn.c decodes, or cut short */
	PEMUL_UNSUPPORTED,	/* decoded, not one of the forms above */
	PEMUL_ADDRESS,		/* its address is not computed (16-bit addressing) */
	PEMUL_UNMAPPED,		/* an operand's linear address does not translate */
	PEMUL_OTHER_PAGE,	/* the operand on this page is not the one written */
	PEMUL_CROSSES,		/* an operand crosses the page's edge */
};

struct pemul_result {
	enum pemul_status status;
	u32 acts;		/* the callbacks' bits, ORed */
	u64 elements;		/* elements (or 1 store/load) done */
	u32 bytes;		/* bytes written to the page */
};

/*
 * Emulates the instruction in bytes[0..n) (fetched at r->rip) in mode, whose
 * memory operand is in the page at page_gpa (4 KiB aligned): its writes
 * there go to ops->write. Updates r as the CPU would for what was done.
 * Statuses from PEMUL_DECODE on leave r untouched.
 */
void pemul_run(const struct pemul_ops *ops, void *arg, u64 page_gpa, enum insn_mode mode,
	       const u8 *bytes, u32 n, struct pemul_regs *r, struct pemul_result *res);

const char *pemul_status_name(enum pemul_status s);

#endif
