/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A set of the 256 interrupt vectors, one bit each: the shape the local
 * APIC gives its IRR and ISR (SDM 3A 11.8.4), and the shape ELI needs for
 * "the vectors of this VM's assigned devices".
 */
#ifndef TERN_VMX_ELI_VEC_SET_H
#define TERN_VMX_ELI_VEC_SET_H

#include "core/types.h"

struct vec_set {
	u64 w[4];
};

static inline void vec_set_add(struct vec_set *s, u8 v)
{
	s->w[v >> 6] |= BIT(v & 63);
}

static inline void vec_set_del(struct vec_set *s, u8 v)
{
	s->w[v >> 6] &= ~BIT(v & 63);
}

static inline bool vec_set_has(const struct vec_set *s, u8 v)
{
	return s->w[v >> 6] & BIT(v & 63);
}

static inline bool vec_set_empty(const struct vec_set *s)
{
	return !(s->w[0] | s->w[1] | s->w[2] | s->w[3]);
}

/* Highest vector in the set, -1 if empty: the one the APIC ranks first. */
static inline int vec_set_highest(const struct vec_set *s)
{
	for (int i = 3; i >= 0; i--)
		if (s->w[i])
			return i * 64 + 63 - __builtin_clzll(s->w[i]);
	return -1;
}

/* Interrupt priority class: the upper four bits of the vector (3A 11.8.3). */
static inline u8 vec_class(u8 v)
{
	return v >> 4;
}

#endif
