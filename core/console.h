/* SPDX-License-Identifier: GPL-2.0 */
/* The operator's console: today the serial port chosen on the command line. */
#ifndef TERN_CORE_CONSOLE_H
#define TERN_CORE_CONSOLE_H

#include "core/types.h"

void console_init(u16 port, u32 baud);
void console_lock(void);
void console_unlock(void);
/* Write with the console lock held; "\n" becomes "\r\n". */
void console_write_locked(const char *s, size_t n);
/* Lock, write, unlock: one call never interleaves with another CPU's. */
void console_write(const char *s, size_t n);
void console_printf(const char *fmt, ...) __printf(1, 2);
/* For exception dumps: take the lock if it comes free soon, else write anyway. */
void console_emergency_printf(const char *fmt, ...) __printf(1, 2);
/* Next input byte, or -1. */
int console_getc(void);
u16 console_port(void);
/*
 * Send the management core's console output to fn instead of the serial
 * port (a TCP shell session running a command, /metrics being served);
 * NULL restores the serial port. Other cores and the log keep the serial
 * port. While redirected, console_getc() on that core reads nothing.
 */
void console_redirect(void (*fn)(const char *s, size_t n, void *arg), void *arg);
u32 console_baud(void);

#endif
