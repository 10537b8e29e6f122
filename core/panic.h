/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TERN_CORE_PANIC_H
#define TERN_CORE_PANIC_H

#include "core/types.h"

/* Print the reason, stop every other core, halt. For broken invariants only:
 * bad input is reported and survived, never a panic. */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

#endif
