/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern's log: every CPU writes whole lines into one ring (and to the
 * console, at or above the console level), never interleaved.
 */
#ifndef TERN_CORE_LOG_H
#define TERN_CORE_LOG_H

#include "core/types.h"

enum log_level {
	LOG_ERR = 0,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

void log_init(void);
void log_set_console_level(int level);
void log_printf(int level, const char *fmt, ...) __printf(2, 3);
/* Print the ring to the console (the `log` command). */
void log_dump(void);
u64 log_records_written(void);
u64 log_records_dropped(void);

#define pr_err(...)	log_printf(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	log_printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...)	log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	log_printf(LOG_DEBUG, __VA_ARGS__)

#endif
