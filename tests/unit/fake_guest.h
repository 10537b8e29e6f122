/* SPDX-License-Identifier: GPL-2.0 */
/* A fake guest RAM for the virtio tests: [FG_BASE, FG_BASE + FG_SIZE). */
#ifndef TERN_TESTS_UNIT_FAKE_GUEST_H
#define TERN_TESTS_UNIT_FAKE_GUEST_H

#include <string.h>

#include "core/le.h"
#include "core/vdev/virtio/virtqueue.h"

#define FG_BASE		0x100000ULL
#define FG_SIZE		0x100000ULL

extern u8 fg_ram[FG_SIZE];
extern const struct vq_mem_ops fg_mem;

static inline u8 *fg(u64 gpa)
{
	return fg_ram + (gpa - FG_BASE);
}

/* The fake RAM as guest memory (fg_mem's and the vIOMMU tests'
 * callbacks): false outside it, as a bus error would be. */
static inline bool fg_is_ram(void *ctx, u64 gpa, u64 len)
{
	(void)ctx;
	return gpa >= FG_BASE && len <= FG_SIZE && gpa - FG_BASE <= FG_SIZE - len;
}

static inline bool fg_read(void *ctx, u64 gpa, void *buf, u32 len)
{
	if (!fg_is_ram(ctx, gpa, len))
		return false;
	memcpy(buf, fg(gpa), len);
	return true;
}

static inline bool fg_write(void *ctx, u64 gpa, const void *buf, u32 len)
{
	if (!fg_is_ram(ctx, gpa, len))
		return false;
	memcpy(fg(gpa), buf, len);
	return true;
}

/* Descriptor i of the table at gpa. */
static inline void fg_desc(u64 table, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	u8 *d = fg(table + 16ULL * i);

	put64(d, addr);
	put32(d + 8, len);
	put16(d + 12, flags);
	put16(d + 14, next);
}

#endif
