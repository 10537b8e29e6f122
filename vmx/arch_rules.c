// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include "core/cpu.h"
#include "vmx/arch_rules.h"

bool cr0_write_ok(const struct cr_ctx *c, u64 val, u64 *eff)
{
	if (val >> 32)
		return false;
	if ((val & CR0_PG) && !(val & CR0_PE))
		return false;
	if ((val & CR0_NW) && !(val & CR0_CD))
		return false;
	/* Paging on with EFER.LME enters IA-32e mode: only with PAE, and
	 * not from a code segment already marked 64-bit. */
	if ((val & CR0_PG) && !(c->cr0 & CR0_PG) && (c->efer & EFER_LME) &&
	    (!(c->cr4 & CR4_PAE) || c->cs_long))
		return false;
	/* Leaving IA-32e mode is done from compatibility mode only. */
	if (!(val & CR0_PG) && (c->cr0 & CR0_PG) && c->cs_long)
		return false;
	if (!(val & CR0_PG) && (c->cr4 & CR4_PCIDE))
		return false;
	*eff = (val & CR0_DEFINED) | CR0_ET;
	return true;
}

bool cr4_write_ok(const struct cr_ctx *c, u64 val)
{
	if (val & ~c->cr4_allowed)
		return false;
	if (c->long_mode && !(val & CR4_PAE))
		return false;
	/* LA57 only changes with paging off (it selects the walk). */
	if (c->long_mode && ((val ^ c->cr4) & CR4_LA57))
		return false;
	/* PCIDE: in IA-32e mode, with PCID 0 current. */
	if ((val & CR4_PCIDE) && !(c->cr4 & CR4_PCIDE) &&
	    (!c->long_mode || (c->cr3 & 0xfff)))
		return false;
	return true;
}

bool cr3_write_ok(const struct cr_ctx *c, u64 val)
{
	if (!c->long_mode)
		return true;		/* 32-bit CR3: every bit is the guest's */
	if (c->cr4 & CR4_PCIDE)
		val &= ~BIT(63);
	return c->maxphyaddr >= 64 || !(val >> c->maxphyaddr);
}

bool efer_write_ok(const struct cr_ctx *c, u64 val, bool nx, u64 *eff)
{
	u64 allowed = EFER_SCE | EFER_LME | EFER_LMA | (nx ? EFER_NXE : 0);

	if (val & ~allowed)
		return false;
	/* LME is fixed while paging is on. */
	if ((c->cr0 & CR0_PG) && ((val ^ c->efer) & EFER_LME))
		return false;
	*eff = (val & ~EFER_LMA) | (c->efer & EFER_LMA);
	return true;
}

bool pat_write_ok(u64 val)
{
	for (int i = 0; i < 8; i++) {
		u8 t = (u8)(val >> (8 * i));

		/* UC, WC, WT, WP, WB, UC-: 0, 1, 4, 5, 6, 7. */
		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}
