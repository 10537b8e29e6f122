// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>

#include "core/console.h"
#include "core/log.h"
#include "core/logring.h"
#include "core/percpu.h"
#include "core/spinlock.h"
#include "core/tsc.h"

static char ring_buf[64 * 1024];
static struct logring ring;
static spinlock_t log_lock = SPINLOCK_INIT;
static int console_level = LOG_INFO;

static const char *const level_tag[] = { "ERR ", "WARN ", "", "" };

void log_init(void)
{
	logring_init(&ring, ring_buf, sizeof(ring_buf));
}

void log_set_console_level(int level)
{
	console_level = level;
}

void log_printf(int level, const char *fmt, ...)
{
	char line[LOGRING_MAX_RECORD];
	u64 ns = tsc_ns(), f;
	va_list ap;
	int n, m;

	if (level < LOG_ERR)
		level = LOG_ERR;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	n = snprintf(line, sizeof(line), "[%5llu.%06llu] cpu%u: %s",
		     (unsigned long long)(ns / 1000000000ULL),
		     (unsigned long long)(ns / 1000ULL % 1000000ULL),
		     this_cpu_index(), level_tag[level]);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	n = MIN((int)sizeof(line) - 1, n + MAX(m, 0));
	if (n > 0 && line[n - 1] == '\n')
		n--;

	f = spin_lock_irqsave(&log_lock);
	logring_append(&ring, line, n);
	if (level <= console_level) {
		console_lock();
		console_write_locked(line, n);
		console_write_locked("\n", 1);
		console_unlock();
	}
	spin_unlock_irqrestore(&log_lock, f);
}

static void dump_one(const char *text, u32 len, void *arg)
{
	(void)arg;
	console_write_locked(text, len);
	console_write_locked("\n", 1);
}

void log_dump(void)
{
	u64 f = spin_lock_irqsave(&log_lock);

	console_lock();
	logring_for_each(&ring, dump_one, NULL);
	console_unlock();
	spin_unlock_irqrestore(&log_lock, f);
}

u64 log_records_written(void)
{
	return ring.written;
}

u64 log_records_dropped(void)
{
	return ring.dropped;
}
