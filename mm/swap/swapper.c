// SPDX-License-Identifier: GPL-2.0
/* Overcommitted VMs: tern.cfg checks, `vm resident`, the run-time refusal. */
#include <stdio.h>
#include <string.h>

#include "core/console.h"
#include "core/log.h"
#include "core/vm/vm.h"
#include "drivers/block/blk.h"
#include "mm/swap/swap_area.h"
#include "mm/swap/swapper.h"

static bool overcommitted(const struct vm_config *c)
{
	return config_resident(c) < c->memory;
}

void swapper_check_vm(struct vm *vm)
{
	struct blk_dev *d;
	struct swap_dev probe;

	if (!vm->cfg.swap[0] || vm->state == VM_INVALID)
		return;
	d = blk_find(vm->cfg.swap);
	if (!d)
		snprintf(vm->problem, sizeof(vm->problem), "swap %s does not exist (see `disks`)",
			 vm->cfg.swap);
	else if (swap_dev_init(&probe, d->nblocks * d->block_size, d->block_size))
		snprintf(vm->problem, sizeof(vm->problem),
			 "swap %s cannot hold 4 KiB slots (%u-byte blocks, %llu KiB)", d->name,
			 d->block_size, (unsigned long long)(d->nblocks * d->block_size >> 10));
	else
		return;
	pr_warn("tern.cfg:%u: vm '%s' cannot run: %s", vm->cfg.swap_line, vm->name, vm->problem);
	vm->state = VM_INVALID;
}

int swapper_vm_start(struct vm *vm, char *err, size_t n)
{
	if (!overcommitted(&vm->cfg))
		return 0;
	snprintf(err, n, "resident %llu MiB < memory %llu MiB: overcommit is not implemented yet (swapping is not wired into the guest-physical map; see README)",
		 (unsigned long long)(config_resident(&vm->cfg) >> 20),
		 (unsigned long long)(vm->cfg.memory >> 20));
	return -1;
}

int swapper_set_resident(struct vm *vm, u64 size, char *err, size_t n)
{
	const char *why;

	if (!size || (size & (PAGE_SIZE - 1)) || size > vm->cfg.memory) {
		snprintf(err, n, "resident must be whole pages from 4K to the VM's memory (%llu MiB)",
			 (unsigned long long)(vm->cfg.memory >> 20));
		return -1;
	}
	if (size < vm->cfg.memory && !vm->cfg.swap[0]) {
		snprintf(err, n, "below memory the VM is overcommitted and needs 'swap =' in tern.cfg");
		return -1;
	}
	why = config_overcommit_refusal(&vm->cfg);
	if (size < vm->cfg.memory && why) {
		snprintf(err, n, "%s", why);
		return -1;
	}
	vm->cfg.resident = size == vm->cfg.memory ? 0 : size;
	return 0;
}

void swapper_list_line(const struct vm *vm)
{
	if (!vm->cfg.swap[0] && !overcommitted(&vm->cfg))
		return;
	console_printf("    resident %lluM of %lluM, swap %s, swap_mode %s%s\n",
		       (unsigned long long)(config_resident(&vm->cfg) >> 20),
		       (unsigned long long)(vm->cfg.memory >> 20),
		       vm->cfg.swap[0] ? vm->cfg.swap : "none",
		       config_swap_mode_name(vm->cfg.swap_mode),
		       overcommitted(&vm->cfg) ? " (overcommit not implemented yet: vm start refuses it)" : "");
}
