// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "vmx/eli/shadow_idt.h"

/* A gate the CPU reads only if all 16 bytes lie within the limit (3A 6.10). */
static bool gate_in_limit(u32 limit, unsigned int v)
{
	return (v + 1) * IDT_GATE_SIZE - 1 <= limit;
}

/* Whether the device vector v's guest gate can take a hardware interrupt. */
static bool device_gate_ok(const u8 *guest_idt, u8 v, report_fn fn, void *arg)
{
	u8 attr = idt_gate_attr(guest_idt, v);
	u8 type = attr & IDT_GATE_TYPE_MASK;

	if (!(attr & IDT_GATE_P)) {
		report(fn, arg, NULL, "eli: device vector %#x: guest gate not present", v);
		return false;
	}
	if (type != IDT_GATE_INTR64 && type != IDT_GATE_TRAP64) {
		report(fn, arg, NULL, "eli: device vector %#x: guest gate type %#x is not an interrupt or trap gate",
		       v, type);
		return false;
	}
	return true;
}

/*
 * A hidden gate: not present, and of a valid type. The CPU checks the type
 * before P (SDM 3A 6.12.1.1; 2B INT n pseudocode): an empty or malformed
 * gate would raise #GP, which does not exit, where tern needs the #NP.
 */
static void hide(u8 *g)
{
	g[5] = (u8)((g[5] & ~(IDT_GATE_P | IDT_GATE_TYPE_MASK)) | IDT_GATE_INTR64);
}

/* Shadow gate v from the guest's; the result is recorded in res. */
static void sync_gate(u8 *shadow, const u8 *guest_idt, u32 limit, u8 v,
		      const struct vec_set *device, struct shadow_idt_result *res,
		      report_fn fn, void *arg)
{
	u8 *g = shadow + v * IDT_GATE_SIZE;
	bool present;

	vec_set_del(&res->present, v);
	vec_set_del(&res->refused, v);
	if (!gate_in_limit(limit, v)) {
		memset(g, 0, IDT_GATE_SIZE);
		hide(g);
		return;
	}
	memcpy(g, guest_idt + v * IDT_GATE_SIZE, IDT_GATE_SIZE);
	if (v < IDT_NR_EXCEPTIONS) {
		/* Faults are the guest's as it set them up, broken or not:
		 * a bad gate faults the same way as on bare metal. */
		present = g[5] & IDT_GATE_P;
	} else if (vec_set_has(device, v)) {
		present = device_gate_ok(guest_idt, v, fn, arg);
		if (!present)
			vec_set_add(&res->refused, v);
	} else {
		present = false;
	}
	if (present)
		vec_set_add(&res->present, v);
	else if (v < IDT_NR_EXCEPTIONS)
		g[5] &= ~IDT_GATE_P;
	else
		hide(g);
}

int shadow_idt_build(u8 *shadow, const u8 *guest_idt, u32 limit,
		     const struct vec_set *device, struct shadow_idt_result *res,
		     report_fn fn, void *arg)
{
	int top = vec_set_highest(device);

	memset(shadow, 0, SHADOW_IDT_SIZE);
	memset(res, 0, sizeof(*res));
	if (limit > SHADOW_IDT_LIMIT) {
		report(fn, arg, NULL, "eli: guest IDT limit %#x is longer than a page", limit);
		return SHADOW_IDT_TOO_LONG;
	}
	/* A device interrupt past the limit would #GP in the guest on bare
	 * metal too, but it would not be its device's vector then: the guest
	 * programmed a vector it cannot take, so ELI is not for it. */
	if (top >= 0 && !gate_in_limit(limit, top)) {
		report(fn, arg, NULL, "eli: guest IDT limit %#x does not cover device vector %#x",
		       limit, top);
		return SHADOW_IDT_SHORT;
	}
	for (unsigned int v = 0; v < IDT_NR_GATES; v++)
		sync_gate(shadow, guest_idt, limit, v, device, res, fn, arg);
	return SHADOW_IDT_OK;
}

int shadow_idt_update(u8 *shadow, const u8 *guest_idt, u32 limit, u32 offset,
		      u32 len, const struct vec_set *device,
		      struct shadow_idt_result *res, report_fn fn, void *arg)
{
	unsigned int first, last;

	/* u64: offset + len must not wrap into range. */
	if (!len || limit > SHADOW_IDT_LIMIT || (u64)offset + len - 1 > limit)
		return SHADOW_IDT_BAD_RANGE;
	first = offset / IDT_GATE_SIZE;
	last = (offset + len - 1) / IDT_GATE_SIZE;
	for (unsigned int v = first; v <= last; v++)
		sync_gate(shadow, guest_idt, limit, v, device, res, fn, arg);
	return last - first + 1;
}

unsigned int shadow_idt_publish(u8 *live, const u8 *staged)
{
	const u64 p = (u64)IDT_GATE_P << 40;	/* byte 5 of the lower half */
	unsigned int changed = 0;

	for (unsigned int v = 0; v < IDT_NR_GATES; v++) {
		volatile u64 *l = (volatile u64 *)(live + v * IDT_GATE_SIZE);
		u64 lo, hi;

		memcpy(&lo, staged + v * IDT_GATE_SIZE, 8);
		memcpy(&hi, staged + v * IDT_GATE_SIZE + 8, 8);
		if (l[0] == lo && l[1] == hi)
			continue;
		changed++;
		if (l[1] != hi) {
			/* Not present first: no CPU can use a gate whose
			 * halves disagree (the offset's upper bits). */
			l[0] = l[0] & ~p;
			__asm__ __volatile__("" ::: "memory");
			l[1] = hi;
			__asm__ __volatile__("" ::: "memory");
		}
		/* The lower half holds P, type and the offset's low bits:
		 * one store from one valid gate to the next. */
		l[0] = lo;
	}
	return changed;
}
