// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/*
 * Emulating the stores (and loads) that hit one guest page, through
 * callbacks (vmx/emul/page_emul.h): the False Reads Preventer's
 * instruction side. Nothing is done before every check that can refuse
 * the instruction has passed, so a refusal changes no state.
 */
#include <string.h>

#include "vmx/emul/page_emul.h"

#define RFLAGS_DF_BIT	BIT(10)		/* SDM 1 3.4.3.2 */
#define CHUNK		256		/* bytes per callback for REP forms */

static const char *const status_names[] = {
	[PEMUL_DONE] = "done",
	[PEMUL_PAGE_END] = "stopped at the page's edge",
	[PEMUL_STOPPED] = "stopped by the memory callback",
	[PEMUL_DECODE] = "not a decodable instruction",
	[PEMUL_UNSUPPORTED] = "not an emulated store",
	[PEMUL_ADDRESS] = "16-bit addressing",
	[PEMUL_UNMAPPED] = "operand not mapped by the guest's paging",
	[PEMUL_OTHER_PAGE] = "operand on another page",
	[PEMUL_CROSSES] = "operand crosses the page",
};

const char *pemul_status_name(enum pemul_status s)
{
	return (u32)s < ARRAY_SIZE(status_names) ? status_names[s] : "?";
}

static u64 size_mask(u32 bytes)
{
	return bytes >= 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1;
}

/* Linear address of seg:off (64-bit mode: ES/CS/SS/DS bases are 0). */
static u64 linear(const struct pemul_regs *r, enum insn_mode mode, u8 seg, u64 off)
{
	if (mode == INSN_MODE_64)
		return (seg >= 4 ? r->seg_base[seg] : 0) + off;
	return (r->seg_base[seg] + off) & 0xffffffffULL;
}

static bool crosses(u64 la, u32 len)
{
	return ((la & (PAGE_SIZE - 1)) + len) > PAGE_SIZE;
}

/* LOCK on a MOV is #UD on the CPU: never emulated as a store. */
static bool has_lock(const u8 *b, u32 len)
{
	for (u32 i = 0; i < len; i++) {
		u8 p = b[i];

		if (p == 0xf0)
			return true;
		if (p != 0x66 && p != 0x67 && p != 0xf2 && p != 0xf3 && p != 0x26 &&
		    p != 0x2e && p != 0x36 && p != 0x3e && p != 0x64 && p != 0x65)
			return false;
	}
	return false;
}

struct run {
	const struct pemul_ops *ops;
	void *arg;
	u64 page;
	enum insn_mode mode;
	struct pemul_result *res;
};

static bool mem_write(struct run *x, u32 off, const void *buf, u32 len)
{
	u32 a = x->ops->write(x->arg, x->page + off, buf, len);

	x->res->acts |= a & ~PEMUL_MEM_STOP;
	if (a & PEMUL_MEM_STOP)
		return false;
	x->res->bytes += len;
	return true;
}

static bool mem_read(struct run *x, u64 gpa, void *buf, u32 len)
{
	u32 a = x->ops->read(x->arg, gpa, buf, len);

	x->res->acts |= a & ~PEMUL_MEM_STOP;
	return !(a & PEMUL_MEM_STOP);
}

/* Reads len bytes at linear la, each page through its own translation. */
static enum pemul_status read_linear(struct run *x, u64 la, void *buf, u32 len)
{
	u32 first = MIN(len, (u32)(PAGE_SIZE - (la & (PAGE_SIZE - 1))));
	u64 gpa;

	if (!x->ops->translate(x->arg, la, false, &gpa))
		return PEMUL_UNMAPPED;
	if (!mem_read(x, gpa, buf, first))
		return PEMUL_STOPPED;
	if (first == len)
		return PEMUL_DONE;
	if (!x->ops->translate(x->arg, la + first, false, &gpa))
		return PEMUL_UNMAPPED;
	return mem_read(x, gpa, (u8 *)buf + first, len - first) ? PEMUL_DONE : PEMUL_STOPPED;
}

/* The offset in the page of an access of len bytes at la, or a status. */
static enum pemul_status page_offset(struct run *x, u64 la, u32 len, bool write, u32 *off)
{
	u64 gpa;

	if (crosses(la, len))
		return PEMUL_CROSSES;
	if (!x->ops->translate(x->arg, la, write, &gpa))
		return PEMUL_UNMAPPED;
	if ((gpa & PAGE_MASK) != x->page)
		return PEMUL_OTHER_PAGE;
	*off = (u32)(gpa & (PAGE_SIZE - 1));
	return PEMUL_DONE;
}

/* MOV/MOVNTI stores and MOV loads: one operand at its effective address. */
static enum pemul_status one_operand(struct run *x, const struct insn *in,
				     struct pemul_regs *r)
{
	u64 ea, la, val;
	enum pemul_status st;
	u32 off;

	if (insn_ea(in, r->gpr, r->rip + in->len, &ea))
		return PEMUL_ADDRESS;
	la = linear(r, x->mode, in->seg, ea);
	st = page_offset(x, la, in->mem_size, in->kind == INSN_STORE, &off);
	if (st != PEMUL_DONE)
		return st;
	if (in->kind == INSN_STORE) {
		u8 b[8];

		val = insn_store_value(in, in->reg < 0 ? 0 : r->gpr[in->reg]);
		for (u32 i = 0; i < in->mem_size; i++)
			b[i] = (u8)(val >> (8 * i));
		if (!mem_write(x, off, b, in->mem_size))
			return PEMUL_STOPPED;
	} else {
		u8 b[8] = { 0 };

		if (!mem_read(x, x->page + off, b, in->mem_size))
			return PEMUL_STOPPED;
		val = 0;
		for (u32 i = 0; i < in->mem_size; i++)
			val |= (u64)b[i] << (8 * i);
		r->gpr[in->reg] = insn_load_result(in, r->gpr[in->reg], val, x->mode);
	}
	x->res->elements = 1;
	r->rip += in->len;
	return PEMUL_DONE;
}

/*
 * How many elements of size s from offset off fit in the page going up
 * (DF = 0) or down (DF = 1), and before the index register wraps at its
 * address size (a segment base off a page boundary makes that differ).
 */
static u64 elements_in_page(u32 off, u32 s, bool down, u64 idx, u64 amask)
{
	u64 fit = down ? off / s + 1 : (PAGE_SIZE - off) / s;

	if (amask != ~0ULL) {
		u64 wrap = down ? idx / s + 1 : (amask - idx + 1) / s;

		fit = MIN(fit, wrap);
	}
	return fit;
}

/*
 * STOS, MOVS. n elements of s bytes go to the page from offset off
 * (the first element's) in direction down; MOVS reads them from linear
 * sla on. Returns how many were done before a callback stopped it.
 */
static u64 do_stos(struct run *x, u64 val, u32 s, u32 off, bool down, u64 n)
{
	u8 pat[CHUNK];
	u64 done = 0;

	for (u32 i = 0; i < CHUNK; i++)
		pat[i] = (u8)(val >> (8 * (i % s)));
	while (done < n) {
		u64 k = MIN(n - done, (u64)(CHUNK / s));
		/* Down: the chunk ends at the current element's end. */
		u32 start = down ? off + s - (u32)(k * s) : off;

		if (!mem_write(x, start, pat, (u32)(k * s)))
			break;
		done += k;
		off = down ? start - s : off + (u32)(k * s);
	}
	return done;
}

static u64 do_movs(struct run *x, u64 sla, u32 s, u32 off, bool down, u64 n,
		   enum pemul_status *st)
{
	u8 buf[CHUNK];
	u64 done = 0;

	*st = PEMUL_DONE;
	while (done < n) {
		u64 k = 1, sgpa;

		/* Up, from another page: as many as stay in the source's page
		 * in one read and one write. The same page, or down: element
		 * by element, as the CPU defines overlapping copies. */
		if (!down && !crosses(sla, s) && x->ops->translate(x->arg, sla, false, &sgpa) &&
		    (sgpa & PAGE_MASK) != x->page) {
			k = MIN(n - done, (u64)(CHUNK / s));
			k = MIN(k, (u64)((PAGE_SIZE - (sla & (PAGE_SIZE - 1))) / s));
		}
		*st = read_linear(x, sla, buf, (u32)(k * s));
		if (*st != PEMUL_DONE || !mem_write(x, off, buf, (u32)(k * s))) {
			if (*st == PEMUL_DONE)
				*st = PEMUL_STOPPED;
			break;
		}
		done += k;
		if (down) {
			sla -= s;
			off -= s;	/* never below 0: n was bounded by the page */
		} else {
			sla += k * s;
			off += (u32)(k * s);
		}
		if (x->mode != INSN_MODE_64)
			sla &= 0xffffffffULL;
	}
	return done;
}

static enum pemul_status string_op(struct run *x, const struct insn *in,
				   struct pemul_regs *r)
{
	u64 amask = size_mask(in->addr_size);
	u32 s = in->mem_size, off;
	bool down = r->rflags & RFLAGS_DF_BIT;
	u64 count = in->rep ? r->gpr[1] & amask : 1;
	u64 di = r->gpr[7] & amask, si = r->gpr[6] & amask, n, done;
	s64 step = down ? -(s64)s : (s64)s;
	enum pemul_status st = PEMUL_DONE;

	if (in->str_op != INSN_STOS && in->str_op != INSN_MOVS)
		return PEMUL_UNSUPPORTED;
	if (!count) {
		r->rip += in->len;	/* REP with RCX = 0: nothing happens */
		return PEMUL_DONE;
	}
	st = page_offset(x, linear(r, x->mode, INSN_SEG_ES, di), s, true, &off);
	if (st != PEMUL_DONE)
		return st;
	n = MIN(count, elements_in_page(off, s, down, di, amask));
	if (in->str_op == INSN_STOS) {
		done = do_stos(x, r->gpr[0] & size_mask(s), s, off, down, n);
		if (done < n)
			st = PEMUL_STOPPED;
	} else {
		done = do_movs(x, linear(r, x->mode, in->src_seg, si), s, off, down, n, &st);
		if (st == PEMUL_UNMAPPED && !done)
			return st;
		if (st != PEMUL_DONE)
			st = PEMUL_STOPPED;
	}
	/* Only the address-size part of each register moves. */
	r->gpr[7] = (r->gpr[7] & ~amask) | ((di + (u64)step * done) & amask);
	if (in->str_op == INSN_MOVS)
		r->gpr[6] = (r->gpr[6] & ~amask) | ((si + (u64)step * done) & amask);
	if (in->rep)
		r->gpr[1] = (r->gpr[1] & ~amask) | ((count - done) & amask);
	x->res->elements = done;
	if (st != PEMUL_DONE)
		return st;
	if (done == count) {
		r->rip += in->len;
		return PEMUL_DONE;
	}
	return PEMUL_PAGE_END;
}

void pemul_run(const struct pemul_ops *ops, void *arg, u64 page_gpa, enum insn_mode mode,
	       const u8 *bytes, u32 n, struct pemul_regs *r, struct pemul_result *res)
{
	struct run x = { ops, arg, page_gpa & PAGE_MASK, mode, res };
	struct insn in;

	memset(res, 0, sizeof(*res));
	if (insn_decode(bytes, n, mode, &in)) {
		res->status = PEMUL_DECODE;
		return;
	}
	if (has_lock(bytes, in.len)) {
		res->status = PEMUL_UNSUPPORTED;
		return;
	}
	switch (in.kind) {
	case INSN_STORE:
	case INSN_LOAD:
		res->status = one_operand(&x, &in, r);
		break;
	case INSN_STRING:
		res->status = string_op(&x, &in, r);
		break;
	default:
		res->status = PEMUL_UNSUPPORTED;
		break;
	}
}
