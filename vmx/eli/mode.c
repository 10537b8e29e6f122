// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "vmx/eli/mode.h"

void eli_mode_init(struct eli_mode_state *s)
{
	memset(s, 0, sizeof(*s));
	s->mode = ELI_DIRECT;
}

static u32 to_injection(struct eli_mode_state *s)
{
	if (s->mode == ELI_INJECTION)
		return 0;
	s->mode = ELI_INJECTION;
	s->entries++;
	return ELI_ACT_TO_INJECTION;
}

/* Leave INJECTION once nothing in service or waiting is tern's. */
static u32 maybe_direct(struct eli_mode_state *s)
{
	if (s->mode == ELI_DIRECT || !vec_set_empty(&s->isr) || !vec_set_empty(&s->waiting))
		return 0;
	s->mode = ELI_DIRECT;
	s->exits++;
	return ELI_ACT_TO_DIRECT;
}

static int highest_in_service(const struct eli_mode_state *s, const struct vec_set *assigned_isr)
{
	int virt = vec_set_highest(&s->isr);
	int phys = assigned_isr ? vec_set_highest(assigned_isr) : -1;

	return MAX(virt, phys);
}

struct eli_action eli_mode_virtual_intr(struct eli_mode_state *s, u8 v,
					const struct vec_set *assigned_isr)
{
	struct eli_action a = { .vector = v };
	int top = highest_in_service(s, assigned_isr);

	if (top >= 0 && vec_class(v) <= vec_class(top)) {
		if (!vec_set_has(&s->waiting, v))
			s->deferred++;
		vec_set_add(&s->waiting, v);
		a.flags = ELI_ACT_WAIT | to_injection(s);
		return a;
	}
	vec_set_del(&s->waiting, v);
	vec_set_add(&s->isr, v);
	a.flags = ELI_ACT_INJECT | to_injection(s);
	return a;
}

struct eli_action eli_mode_eoi(struct eli_mode_state *s, const struct vec_set *assigned_isr)
{
	struct eli_action a = { 0 };
	int virt = vec_set_highest(&s->isr);
	int phys = assigned_isr ? vec_set_highest(assigned_isr) : -1;

	if (s->mode == ELI_DIRECT || (phys > virt)) {
		/* The hardware's own: pass the write on. */
		a.flags = ELI_ACT_PHYS_EOI;
		a.count = 1;
		a.vector = phys < 0 ? 0 : phys;
	} else if (virt >= 0) {
		vec_set_del(&s->isr, virt);
		a.flags = ELI_ACT_VIRT_EOI;
		a.vector = virt;
	}
	/* Nothing in service: an EOI the APIC ignores (11.8.5). */
	if (s->mode == ELI_INJECTION && !vec_set_empty(&s->waiting))
		a.flags |= ELI_ACT_RETRY;
	a.flags |= maybe_direct(s);
	return a;
}

struct eli_action eli_mode_reclaim(struct eli_mode_state *s, const struct vec_set *assigned_isr)
{
	struct eli_action a = { 0 };

	for (unsigned int v = 0; v < 256; v++) {
		if (!vec_set_has(assigned_isr, v))
			continue;
		vec_set_add(&s->isr, v);
		a.count++;
	}
	if (!a.count)
		return a;
	s->reclaimed += a.count;
	a.flags = ELI_ACT_PHYS_EOI | to_injection(s);
	return a;
}

struct eli_action eli_mode_force_direct(struct eli_mode_state *s, bool discard)
{
	struct eli_action a = { 0 };

	if (s->mode == ELI_DIRECT)
		return a;
	if (!vec_set_empty(&s->isr)) {
		if (!discard) {
			a.flags = ELI_ACT_REFUSED;
			return a;
		}
		for (unsigned int v = 0; v < 256; v++)
			if (vec_set_has(&s->isr, v))
				s->discarded++;
		memset(&s->isr, 0, sizeof(s->isr));
		a.flags |= ELI_ACT_VIRT_EOI;	/* all of them: vector unused */
	}
	/* Waiting vectors stay pending in the virtual APIC; the next offer
	 * of one decides the mode again. */
	memset(&s->waiting, 0, sizeof(s->waiting));
	s->forced++;
	a.flags |= maybe_direct(s);
	return a;
}
