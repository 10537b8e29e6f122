// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* The TCP shell's bad-secret limiter (login_limit.h). */
#include <string.h>

#include "core/net/login_limit.h"

void ll_init(struct login_limit *l)
{
	memset(l, 0, sizeof(*l));
}

static struct ll_slot *find(struct login_limit *l, u64 key)
{
	for (u32 i = 0; i < LL_SLOTS; i++)
		if (l->slot[i].used && l->slot[i].key == key)
			return &l->slot[i];
	return NULL;
}

static u64 last_fail(const struct ll_slot *s)
{
	return s->nfails ? s->fails[s->nfails - 1] : 0;
}

bool ll_allowed(struct login_limit *l, u64 key, u64 now_ms)
{
	struct ll_slot *s = find(l, key);

	if (!s || !s->blocked_until)
		return true;
	if (now_ms >= s->blocked_until) {
		/* The minute is over: a clean slate. */
		s->blocked_until = 0;
		s->nfails = 0;
		return true;
	}
	l->refusals++;
	return false;
}

bool ll_fail(struct login_limit *l, u64 key, u64 now_ms)
{
	struct ll_slot *s = find(l, key);
	u32 keep = 0;

	l->failures++;
	if (!s) {
		/* A free slot, else the one whose last failure is oldest and
		 * that is not blocked (a blocked one only if all are). */
		for (u32 i = 0; i < LL_SLOTS && !s; i++)
			if (!l->slot[i].used)
				s = &l->slot[i];
		for (u32 i = 0; i < LL_SLOTS && !s; i++) {
			struct ll_slot *c = &l->slot[i];

			if (c->blocked_until > now_ms)
				continue;
			if (!s || last_fail(c) < last_fail(s))
				s = c;
		}
		for (u32 i = 0; i < LL_SLOTS && !s; i++)
			if (!s || l->slot[i].blocked_until < s->blocked_until)
				s = &l->slot[i];
		memset(s, 0, sizeof(*s));
		s->used = true;
		s->key = key;
	}
	/* Failures older than the window no longer count. */
	for (u32 i = 0; i < s->nfails; i++)
		if (now_ms - s->fails[i] < LL_WINDOW_MS)
			s->fails[keep++] = s->fails[i];
	s->nfails = keep;
	if (s->nfails == LL_MAX_FAILS) {
		memmove(s->fails, s->fails + 1, (LL_MAX_FAILS - 1) * sizeof(s->fails[0]));
		s->nfails--;
	}
	s->fails[s->nfails++] = now_ms;
	if (s->nfails == LL_MAX_FAILS) {
		s->blocked_until = now_ms + LL_WINDOW_MS;
		return true;
	}
	return false;
}

void ll_success(struct login_limit *l, u64 key)
{
	struct ll_slot *s = find(l, key);

	if (s)
		memset(s, 0, sizeof(*s));
}
