// SPDX-License-Identifier: GPL-2.0
/*
 * What lwIP asks of its port under NO_SYS (lwIP's sys.h, arch.h): a
 * millisecond clock (tern's TSC), random numbers, diagnostics and
 * assertions.
 */
#include <stdarg.h>
#include <stdio.h>

#include "lwip/sys.h"

#include "core/log.h"
#include "core/panic.h"
#include "core/cpu.h"
#include "core/tsc.h"

u32_t sys_now(void)
{
	return (u32_t)(tsc_ns() / 1000000ULL);
}

/* Not cryptographic: DHCP transaction IDs, TCP initial sequence numbers
 * and ephemeral ports only need to differ between boots and connections.
 * The TSC's low bits through a 64-bit mix (splitmix64's finalizer). */
unsigned int tern_lwip_rand(void)
{
	static u64 state;
	u64 z;

	state += rdtsc() + 0x9e3779b97f4a7c15ULL;
	z = state;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (unsigned int)(z ^ (z >> 31));
}

void tern_lwip_diag(const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pr_debug("lwip: %s", buf);
}

void tern_lwip_assert(const char *msg, const char *file, int line)
{
	panic("lwip: assertion '%s' failed at %s:%d", msg, file, line);
}
