/* SPDX-License-Identifier: GPL-2.0 */
/* What start-up leaves for the rest of tern (the shell reads it). */
#ifndef TERN_CORE_MAIN_H
#define TERN_CORE_MAIN_H

#include <stdarg.h>

#include "boot/bootinfo.h"
#include "core/cmdline.h"
#include "mm/memmap.h"

#ifndef TERN_VERSION
#define TERN_VERSION "0.1.0"
#endif

extern struct boot_info *boot_info;
extern struct memmap memmap;
extern struct tern_options options;
extern u64 boot_ready_ns;

#endif
