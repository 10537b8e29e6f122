/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest devices as units: each registers itself with DEFINE_VDEV in a
 * linker section (like the shell's commands), with hooks the VM's
 * lifecycle calls in the units' order:
 *   reset - power-on state, before the VM's memory is made;
 *   init  - after the kernel is loaded: claim what the device needs and
 *           register its ranges on the VM's bus; may refuse the start;
 *   stop  - give back what init took (the VM stopped, or restarts).
 * And the VM's port and MMIO dispatch through the bus (core/vdev/bus.h).
 */
#ifndef TERN_CORE_VDEV_VDEV_H
#define TERN_CORE_VDEV_VDEV_H

#include <stddef.h>

#include "core/types.h"
#include "core/vdev/bus.h"

struct vm;

struct vdev_unit {
	const char *name;
	void (*reset)(struct vm *vm);
	int (*init)(struct vm *vm, char *err, size_t n);
	void (*stop)(struct vm *vm);
};

/* Orders: the platform (its PCI bus) before the devices on it. */
#define VDEV_ORDER_PLATFORM	0
#define VDEV_ORDER_DEVICE	1
#define VDEV_ORDER_ASSIGNED	2

/* The linker sorts the units by the section's suffix: the order. */
#define DEFINE_VDEV(id, order, ...)						\
	static const struct vdev_unit __vdev_unit_##id				\
	__attribute__((used, section(".tern_vdevs." #order), aligned(8))) =	\
		{ .name = #id, __VA_ARGS__ }

void vdev_units_reset(struct vm *vm);
/* Every unit's init; on a refusal the ones done are stopped again. */
int vdev_units_init(struct vm *vm, char *err, size_t n);
/* Idempotent: only what init took is given back. */
void vdev_units_stop(struct vm *vm);

/*
 * Register a range on the VM's bus; a clash or a full table is logged
 * with both names, and -1 returned.
 */
int vdev_add(struct vm *vm, enum vdev_space s, u64 base, u64 len, vdev_rw_fn rw, void *ctx,
	     u32 arg, const char *name);

/* A guest's port access (hit: the vCPU's cache, core/vdev/bus.h);
 * unclaimed ports read all-ones, writes dropped (counted). */
static inline u32 vdev_io_in(struct vdev_bus *bus, struct vdev_hit *hit, u64 *unclaimed,
			     u16 port, u32 size)
{
	u64 val;

	if (vdev_access(bus, hit, VDEV_PIO, port, size, false, &val))
		return (u32)val;
	(*unclaimed)++;
	return 0xffffffff;
}

static inline void vdev_io_out(struct vdev_bus *bus, struct vdev_hit *hit, u64 *unclaimed,
			       u16 port, u32 size, u32 val)
{
	u64 v = val;

	if (!vdev_access(bus, hit, VDEV_PIO, port, size, true, &v))
		(*unclaimed)++;
}
/* A guest's MMIO access off the xAPIC page; unbacked addresses read
 * all-ones, writes dropped (counted, the first few logged with rip). */
void vdev_mmio(struct vm *vm, struct vdev_hit *hit, u64 gpa, bool write, u32 size, u64 *val,
	       u64 rip);

#endif
