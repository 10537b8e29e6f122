// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/le.h"
#include "core/vdev/pci/vmsix.h"

bool vmsix_init(struct vmsix *x, const u8 *cfg, u8 cap, struct vmsix_entry *storage,
		const u64 *bar_sizes)
{
	u32 table = rd32(cfg + cap + MSIX_TABLE), pba = rd32(cfg + cap + MSIX_PBA);

	memset(x, 0, sizeof(*x));
	x->nvec = (u16)MSIX_CTRL_SIZE(rd16(cfg + cap + MSIX_CTRL));
	x->table_bar = (u8)MSIX_BIR(table);
	x->table_off = MSIX_OFFSET(table);
	x->pba_bar = (u8)MSIX_BIR(pba);
	x->pba_off = MSIX_OFFSET(pba);
	x->e = storage;
	if (x->table_bar > 5 || x->pba_bar > 5 ||
	    (u64)x->table_off + (u64)x->nvec * MSIX_ENTRY_SIZE > bar_sizes[x->table_bar])
		return false;
	for (u32 i = 0; i < x->nvec; i++) {
		memset(&x->e[i], 0, sizeof(x->e[i]));
		x->e[i].ctrl = MSIX_ENTRY_MASKED;
	}
	return true;
}

void vmsix_table_pages(const struct vmsix *x, u64 *start, u64 *end)
{
	*start = ALIGN_DOWN((u64)x->table_off, PAGE_SIZE);
	*end = ALIGN_UP((u64)x->table_off + (u64)x->nvec * MSIX_ENTRY_SIZE, PAGE_SIZE);
}

bool vmsix_in_table(const struct vmsix *x, int bar, u64 off, u32 len)
{
	return bar == x->table_bar && off >= x->table_off &&
	       off + len <= (u64)x->table_off + (u64)x->nvec * MSIX_ENTRY_SIZE;
}

static u32 *field(const struct vmsix *x, u64 off)
{
	const struct vmsix_entry *e = &x->e[off / MSIX_ENTRY_SIZE];

	switch (off % MSIX_ENTRY_SIZE) {
	case MSIX_ENTRY_ADDR_LO:	return (u32 *)&e->addr_lo;
	case MSIX_ENTRY_ADDR_HI:	return (u32 *)&e->addr_hi;
	case MSIX_ENTRY_DATA:		return (u32 *)&e->data;
	default:			return (u32 *)&e->ctrl;
	}
}

static bool access_ok(const struct vmsix *x, u64 off, u32 size)
{
	return (size == 4 || size == 8) && !(off & (size - 1)) &&
	       off + size <= (u64)x->nvec * MSIX_ENTRY_SIZE;
}

u64 vmsix_read(const struct vmsix *x, u64 off, u32 size)
{
	u64 v;

	if (!access_ok(x, off, size))
		return ~0ULL;
	v = *field(x, off);
	if (size == 8)
		v |= (u64)*field(x, off + 4) << 32;
	return v;
}

int vmsix_write(struct vmsix *x, u64 off, u32 size, u64 val)
{
	u32 *f;

	if (!access_ok(x, off, size))
		return -1;
	for (u32 i = 0; i < size; i += 4, val >>= 32) {
		f = field(x, off + i);
		/* Vector control: only the mask bit is defined (the rest
		 * reserved, read as 0); the address is dword-aligned. */
		if ((off + i) % MSIX_ENTRY_SIZE == MSIX_ENTRY_CTRL)
			*f = (u32)val & MSIX_ENTRY_MASKED;
		else if ((off + i) % MSIX_ENTRY_SIZE == MSIX_ENTRY_ADDR_LO)
			*f = (u32)val & ~3U;
		else
			*f = (u32)val;
	}
	return (int)(off / MSIX_ENTRY_SIZE);
}
