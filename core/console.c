// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>

#include "core/console.h"
#include "core/percpu.h"
#include "core/spinlock.h"
#include "drivers/uart16550.h"

static spinlock_t con_lock = SPINLOCK_INIT;
static struct uart con_uart;
static void (*redirect_fn)(const char *s, size_t n, void *arg);
static void *redirect_arg;

void console_redirect(void (*fn)(const char *s, size_t n, void *arg), void *arg)
{
	redirect_arg = arg;
	redirect_fn = fn;
}

/* Only the management core's own output follows a redirect. */
static bool redirected(void)
{
	return redirect_fn && this_cpu_index() == 0;
}

void console_init(u16 port, u32 baud)
{
	uart_init(&con_uart, port, baud);
}

u16 console_port(void)
{
	return con_uart.port;
}

u32 console_baud(void)
{
	return con_uart.baud;
}

void console_lock(void)
{
	spin_lock(&con_lock);
}

void console_unlock(void)
{
	spin_unlock(&con_lock);
}

void console_write_locked(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(&con_uart, '\r');
		uart_putc(&con_uart, s[i]);
	}
}

void console_write(const char *s, size_t n)
{
	u64 f;

	if (redirected()) {
		redirect_fn(s, n, redirect_arg);
		return;
	}
	f = irq_save();
	spin_lock(&con_lock);
	console_write_locked(s, n);
	spin_unlock(&con_lock);
	irq_restore(f);
}

void console_printf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, MIN((size_t)MAX(n, 0), sizeof(buf) - 1));
}

void console_emergency_printf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	bool locked = false;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* The crashing CPU may hold the lock itself: wait a bounded time. */
	for (int i = 0; i < 1000000 && !locked; i++) {
		locked = spin_trylock(&con_lock);
		if (!locked)
			cpu_relax();
	}
	console_write_locked(buf, MIN((size_t)MAX(n, 0), sizeof(buf) - 1));
	if (locked)
		spin_unlock(&con_lock);
}

int console_getc(void)
{
	if (redirected())
		return -1;
	return uart_getc(&con_uart);
}
