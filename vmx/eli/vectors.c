// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "irq/irq.h"
#include "vmx/eli/vectors.h"
#include "vmx/vmcs.h"

void eli_vectors_init(struct eli_vectors *t, const struct vec_set *reserved,
		      u8 host_first, u8 host_last)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int v = 0; v < 256; v++)
		if (v < VEC_EXCEPTIONS_END || (reserved && vec_set_has(reserved, v)))
			t->owner[v] = ELI_VEC_RESERVED;
	t->host_first = host_first;
	t->host_last = host_last;
}

int eli_vectors_host_claim(struct eli_vectors *t, u8 v)
{
	if (t->owner[v] != ELI_VEC_FREE)
		return ELI_VEC_REFUSED;
	t->owner[v] = ELI_VEC_HOST;
	return ELI_VEC_OK;
}

void eli_vectors_host_release(struct eli_vectors *t, u8 v)
{
	if (t->owner[v] == ELI_VEC_HOST)
		t->owner[v] = ELI_VEC_FREE;
}

/*
 * A free vector for tern's user of v. The vector is the user's priority:
 * keep its class if the range has room there, else take the highest free
 * one (tern's interrupts should not fall below the guest's by accident).
 */
static int pick_host_vector(const struct eli_vectors *t, u8 v)
{
	unsigned int lo = t->host_first, hi = t->host_last;

	for (unsigned int c = vec_class(v) << 4; c < (vec_class(v) << 4) + 16u; c++)
		if (c >= lo && c <= hi && t->owner[c] == ELI_VEC_FREE)
			return c;
	for (unsigned int c = hi + 1; c-- > lo;)
		if (t->owner[c] == ELI_VEC_FREE)
			return c;
	return -1;
}

int eli_vectors_guest_add(struct eli_vectors *t, u8 v, struct eli_vec_move *mv)
{
	int to;

	mv->needed = false;
	switch (t->owner[v]) {
	case ELI_VEC_RESERVED:
		return ELI_VEC_REFUSED;
	case ELI_VEC_GUEST:
		if (t->guest_refs[v] == 0xff)
			return ELI_VEC_NO_ROOM;
		t->guest_refs[v]++;
		return ELI_VEC_OK;
	case ELI_VEC_HOST:
		to = pick_host_vector(t, v);
		if (to < 0)
			return ELI_VEC_NO_ROOM;
		t->owner[to] = ELI_VEC_HOST;
		mv->needed = true;
		mv->from = v;
		mv->to = to;
		break;
	}
	t->owner[v] = ELI_VEC_GUEST;
	t->guest_refs[v] = 1;
	return ELI_VEC_OK;
}

int eli_vectors_guest_remove(struct eli_vectors *t, u8 v)
{
	if (t->owner[v] != ELI_VEC_GUEST)
		return ELI_VEC_NOT_OURS;
	if (--t->guest_refs[v] == 0)
		t->owner[v] = ELI_VEC_FREE;
	return ELI_VEC_OK;
}

void eli_vectors_guest_set(const struct eli_vectors *t, struct vec_set *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int v = 0; v < 256; v++)
		if (t->owner[v] == ELI_VEC_GUEST)
			vec_set_add(out, v);
}

/* #NP error code (3A 6.13): bit 1 says the index is an IDT vector. */
#define ERR_IDT		BIT(1)
#define ERR_INDEX(e)	(((e) >> 3) & 0x1fff)

enum eli_np_cause eli_np_classify(u32 exit_info, u32 exit_err, u32 vectoring, u8 *vector)
{
	u32 type;

	if (!(exit_info & INTR_INFO_VALID) ||
	    (exit_info & INTR_INFO_TYPE_MASK) != INTR_TYPE_HW_EXC ||
	    (u8)exit_info != EXC_NP || !(exit_info & INTR_INFO_DELIVER_CODE))
		return ELI_NP_NOT_NP;
	/* Not while delivering an event: a segment load, say. */
	if (!(vectoring & INTR_INFO_VALID))
		return ELI_NP_GUEST_FAULT;
	/* While delivering, but not on the gate of that event: the gate was
	 * present and its code segment was not. The guest's own fault. */
	if (!(exit_err & ERR_IDT) || ERR_INDEX(exit_err) != (u8)vectoring)
		return ELI_NP_GUEST_FAULT;
	*vector = vectoring;
	type = vectoring & INTR_INFO_TYPE_MASK;
	if (type == INTR_TYPE_EXT)
		return ELI_NP_HOST_INTR;
	/* INT n, INT3, INTO, a hardware exception past a short guest limit. */
	return ELI_NP_GUEST_EVENT;
}
