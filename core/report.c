// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <stdarg.h>
#include <stdio.h>

#include "core/report.h"

void report(report_fn fn, void *arg, int *count, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fn)
		fn(msg, arg);
	if (count)
		(*count)++;
}
