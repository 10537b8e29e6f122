// SPDX-License-Identifier: GPL-2.0
/*
 * The ports a PC answers outside its devices: reset (the reset control
 * register at 0xcf9 and the 8042's pulse command), the isa-debug-exit
 * port test guests end with, and the POST and I/O-delay ports Linux
 * writes to wait.
 */
#include <stdio.h>

#include "core/vdev/vdev.h"
#include "core/vm/vm.h"

#define PORT_EXIT	0xf4		/* QEMU isa-debug-exit compatible */
#define PORT_KBC_CMD	0x64		/* 8042: command 0xfe pulses reset */
#define PORT_RST_CNT	0xcf9		/* reset control: bit 2 resets */
#define PORT_POST	0x80		/* POST codes; Linux's I/O delay */
#define PORT_DELAY	0xed		/* the alternative I/O delay port */

#define KBC_CMD_PULSE_RESET	0xfe
#define RST_CNT_RESET		BIT(2)

/* Only the byte write that resets is claimed; the rest is unclaimed, as
 * nothing else of the 8042 or the reset register is emulated. */
static bool reset_rw(const struct vdev_region *r, u64 port, u32 size, bool write, u64 *val)
{
	struct vm *vm = r->ctx;

	if (!write || size != 1)
		return false;
	if (port == PORT_RST_CNT ? !(*val & RST_CNT_RESET) : (u8)*val != KBC_CMD_PULSE_RESET)
		return false;
	vm->reset_requested = true;
	vm_note_stop(vm, "guest reset through port %#x", (u32)port);
	return true;
}

static bool exit_rw(const struct vdev_region *r, u64 port, u32 size, bool write, u64 *val)
{
	struct vm *vm = r->ctx;

	if (!write)
		return false;
	vm->has_exit_status = true;
	vm->exit_status = (u32)*val;
	vm_note_stop(vm, "guest wrote %#x to the exit port", vm->exit_status);
	return true;
}

/* POST codes and the I/O delay: written, never read back. */
static bool post_rw(const struct vdev_region *r, u64 port, u32 size, bool write, u64 *val)
{
	if (!write)
		*val = 0xff;
	return true;
}

static int ports_init(struct vm *vm, char *err, size_t n)
{
	if (vdev_add(vm, VDEV_PIO, PORT_KBC_CMD, 1, reset_rw, vm, 0, "8042 reset") ||
	    vdev_add(vm, VDEV_PIO, PORT_POST, 1, post_rw, vm, 0, "POST port") ||
	    vdev_add(vm, VDEV_PIO, PORT_DELAY, 1, post_rw, vm, 0, "I/O delay port") ||
	    vdev_add(vm, VDEV_PIO, PORT_EXIT, 1, exit_rw, vm, 0, "exit port") ||
	    vdev_add(vm, VDEV_PIO, PORT_RST_CNT, 1, reset_rw, vm, 0, "reset control")) {
		snprintf(err, n, "the reset, exit and POST ports cannot be placed");
		return -1;
	}
	return 0;
}

DEFINE_VDEV(ports, 1, .init = ports_init);
