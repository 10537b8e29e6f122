// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "vmx/msr_bitmap.h"

static int slot(u32 msr, bool write, u32 *byte, u8 *bit)
{
	u32 base;

	if (msr <= 0x1fff)
		base = 0;
	else if (msr >= 0xc0000000 && msr <= 0xc0001fff)
		base = 1024;
	else
		return -1;
	*byte = (write ? 2048 : 0) + base + (msr & 0x1fff) / 8;
	*bit = 1 << (msr & 7);
	return 0;
}

void msr_bitmap_exit_all(u8 *bitmap)
{
	memset(bitmap, 0xff, PAGE_SIZE);
}

bool msr_bitmap_allow(u8 *bitmap, u32 msr, bool read, bool write)
{
	u32 byte;
	u8 bit;

	if (slot(msr, false, &byte, &bit))
		return false;
	if (read)
		bitmap[byte] &= ~bit;
	if (write) {
		slot(msr, true, &byte, &bit);
		bitmap[byte] &= ~bit;
	}
	return true;
}

bool msr_bitmap_exits(const u8 *bitmap, u32 msr, bool write)
{
	u32 byte;
	u8 bit;

	if (slot(msr, write, &byte, &bit))
		return true;
	return bitmap[byte] & bit;
}

static bool set_exit(u8 *bitmap, u32 msr, bool write, bool exits)
{
	u32 byte;
	u8 bit;

	if (slot(msr, write, &byte, &bit))
		return false;
	if (exits)
		bitmap[byte] |= bit;
	else
		bitmap[byte] &= ~bit;
	return true;
}

bool msr_bitmap_set_write_exit(u8 *bitmap, u32 msr, bool exits)
{
	return set_exit(bitmap, msr, true, exits);
}

bool msr_bitmap_set_read_exit(u8 *bitmap, u32 msr, bool exits)
{
	return set_exit(bitmap, msr, false, exits);
}
