// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include "vmx/xsave.h"

#ifndef TERN_HOST_TEST
#include "core/cpu.h"
#endif

bool xcr0_valid(u64 val, u64 supported)
{
	u64 avx512 = val & XFEATURE_AVX512;

	if (val & ~supported)
		return false;
	if (!(val & XFEATURE_X87))
		return false;
	if ((val & XFEATURE_AVX) && !(val & XFEATURE_SSE))
		return false;
	if (avx512 && (avx512 != XFEATURE_AVX512 || !(val & XFEATURE_AVX)))
		return false;
	if (!!(val & XFEATURE_BNDREGS) != !!(val & XFEATURE_BNDCSR))
		return false;
	return true;
}

#ifndef TERN_HOST_TEST
/* An XSAVE area whose header says "every component at init" (XSTATE_BV
 * = 0); MXCSR at its reset value, since XRSTOR loads it for SSE/AVX. */
static u8 init_area[1024] __aligned(64) = {
	[24] = 0x80, [25] = 0x1f,		/* MXCSR = 0x1f80 */
};

u64 xsave_guest_mask(void)
{
	static u64 mask;
	static bool known;
	u32 a, b, c, d;

	/* The same on every core; asked on every CPUID exit. */
	if (known)
		return mask;
	cpuid(1, &a, &b, &c, &d);
	if (c & BIT(26)) {			/* XSAVE */
		cpuid_count(0xd, 0, &a, &b, &c, &d);
		mask = (((u64)d << 32) | a) & XFEATURE_GUEST;
	}
	known = true;
	return mask;
}

void xsetbv(u32 index, u64 val)
{
	__asm__ __volatile__("xsetbv" : : "c"(index), "a"((u32)val), "d"((u32)(val >> 32)));
}

void xsave_reset(void)
{
	u64 mask = xsave_guest_mask();

	if (!mask)
		return;
	write_cr4(read_cr4() | CR4_OSXSAVE);
	/* Enable every component so XRSTOR can initialize all of them. */
	xsetbv(0, mask);
	__asm__ __volatile__("xrstor %0" : : "m"(init_area), "a"((u32)mask),
			     "d"((u32)(mask >> 32)) : "memory");
	xsetbv(0, XFEATURE_X87);
}
#endif
