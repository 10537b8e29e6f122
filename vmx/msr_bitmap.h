/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX MSR bitmap (SDM 3C 25.6.9): one 4 KiB page, four 1 KiB maps
 * (read 0-0x1fff, read 0xc0000000-0xc0001fff, then the same for writes);
 * a set bit makes the access exit. Anything outside both ranges always
 * exits.
 */
#ifndef TERN_VMX_MSR_BITMAP_H
#define TERN_VMX_MSR_BITMAP_H

#include "core/types.h"

void msr_bitmap_exit_all(u8 *bitmap);
/* false for an MSR outside the two ranges (it always exits). */
bool msr_bitmap_allow(u8 *bitmap, u32 msr, bool read, bool write);
bool msr_bitmap_exits(const u8 *bitmap, u32 msr, bool write);
/* Writes of msr exit (or not): ELI opens and closes the x2APIC EOI. */
bool msr_bitmap_set_write_exit(u8 *bitmap, u32 msr, bool exits);
/* Reads of msr exit (or not): ELI opens the x2APIC TMR in direct mode. */
bool msr_bitmap_set_read_exit(u8 *bitmap, u32 msr, bool exits);

#endif
