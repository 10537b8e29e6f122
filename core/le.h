/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Little-endian fields in byte buffers (ACPI tables, boot headers, PCI
 * config space, ELF): read and written byte by byte, so alignment and the
 * compiler's aliasing rules never matter.
 */
#ifndef TERN_CORE_LE_H
#define TERN_CORE_LE_H

#include "core/types.h"

static inline u16 rd16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static inline u32 rd32(const u8 *p)
{
	return rd16(p) | (u32)rd16(p + 2) << 16;
}

static inline u64 rd64(const u8 *p)
{
	return rd32(p) | (u64)rd32(p + 4) << 32;
}

static inline void put16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static inline void put32(u8 *p, u32 v)
{
	put16(p, (u16)v);
	put16(p + 2, (u16)(v >> 16));
}

static inline void put64(u8 *p, u64 v)
{
	put32(p, (u32)v);
	put32(p + 4, (u32)(v >> 32));
}

#endif
