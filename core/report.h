/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How parsers of untrusted input (memory maps, ACPI, DMAR, the command
 * line) tell their caller what they refused: one message per problem to a
 * callback, and a count. The kernel logs them; unit tests collect them.
 */
#ifndef TERN_CORE_REPORT_H
#define TERN_CORE_REPORT_H

#include "core/types.h"

typedef void (*report_fn)(const char *msg, void *arg);

/* Format a message, hand it to fn (if any) and bump *count (if any). */
void report(report_fn fn, void *arg, int *count, const char *fmt, ...) __printf(4, 5);

#endif
