/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lwIP's port header for tern (lwIP's arch.h says what may be defined):
 * newlib's headers for the types, tern's log for diagnostics, a panic for
 * a failed assertion (lwIP's own invariants, not bad input: lwIP checks
 * input without asserting).
 */
#ifndef TERN_LWIP_ARCH_CC_H
#define TERN_LWIP_ARCH_CC_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <stdlib.h>
#include <limits.h>
#include <sys/types.h>

/* newlib's ssize_t (a long): lwIP must not define its own as int. */
#ifndef SSIZE_MAX
#define SSIZE_MAX	LONG_MAX
#endif

#define BYTE_ORDER		LITTLE_ENDIAN
#define LWIP_NO_INTTYPES_H	0
#define LWIP_NO_CTYPE_H		0

void tern_lwip_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tern_lwip_assert(const char *msg, const char *file, int line) __attribute__((noreturn));

#define LWIP_PLATFORM_DIAG(x)	do { tern_lwip_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x)	tern_lwip_assert((x), __FILE__, __LINE__)

#endif
