// SPDX-License-Identifier: GPL-2.0
#include "core/log.h"
#include "core/vdev/vdev.h"
#include "core/vm/vm.h"

extern const struct vdev_unit __vdevs_start[], __vdevs_end[];

#define for_each_unit(u) for (const struct vdev_unit *u = __vdevs_start; u < __vdevs_end; u++)

void vdev_units_reset(struct vm *vm)
{
	vdev_bus_clear(&vm->bus);
	for_each_unit(u)
		if (u->reset)
			u->reset(vm);
}

int vdev_units_init(struct vm *vm, char *err, size_t n)
{
	for_each_unit(u) {
		if (!u->init || !u->init(vm, err, n))
			continue;
		/* Undo the ones before it, in reverse. */
		while (u-- > __vdevs_start)
			if (u->stop)
				u->stop(vm);
		return -1;
	}
	vm->units_live = true;
	return 0;
}

void vdev_units_stop(struct vm *vm)
{
	if (!vm->units_live)
		return;
	vm->units_live = false;
	for (const struct vdev_unit *u = __vdevs_end; u-- > __vdevs_start;)
		if (u->stop)
			u->stop(vm);
}

int vdev_add(struct vm *vm, enum vdev_space s, u64 base, u64 len, vdev_rw_fn rw, void *ctx,
	     u32 arg, const char *name)
{
	const char *clash;

	if (!vdev_register(&vm->bus, s, base, len, rw, ctx, arg, name, &clash))
		return 0;
	pr_err("vm %s: %s at %s %#llx-%#llx %s%s", vm->name, name,
	       s == VDEV_PIO ? "ports" : "guest-physical", (unsigned long long)base,
	       (unsigned long long)(base + len - 1),
	       clash ? "overlaps " : "not registered: the device bus is full",
	       clash ? clash : "");
	return -1;
}

#define UNBACKED_LOG_LIMIT	8

/*
 * Guest-physical memory that is neither RAM nor a device: as on a PC bus
 * with nothing there, reads return all-ones and writes are dropped.
 */
void vdev_mmio(struct vm *vm, struct vdev_hit *hit, u64 gpa, bool write, u32 size, u64 *val,
	       u64 rip)
{
	if (vdev_access(&vm->bus, hit, VDEV_MMIO, gpa, size, write, val))
		return;
	if (write)
		vm->unbacked_writes++;
	else
		vm->unbacked_reads++;
	if (!write)
		*val = ~0ULL;
	if (vm->unbacked_reads + vm->unbacked_writes <= UNBACKED_LOG_LIMIT)
		pr_warn("vm %s: %s %u bytes at unbacked guest-physical %#llx (RIP %#llx): %s%s",
			vm->name, write ? "write of" : "read of", size,
			(unsigned long long)gpa, (unsigned long long)rip,
			write ? "dropped" : "all ones",
			vm->unbacked_reads + vm->unbacked_writes == UNBACKED_LOG_LIMIT ?
			" (further ones only counted)" : "");
}
