/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bad shell secrets per source address: the third within a minute and the
 * address is refused for a minute from then. A fixed table (a flood of
 * addresses reuses the slot whose last failure is oldest), no allocation.
 */
#ifndef TERN_CORE_NET_LOGIN_LIMIT_H
#define TERN_CORE_NET_LOGIN_LIMIT_H

#include "core/types.h"

#define LL_SLOTS	32
#define LL_MAX_FAILS	3
#define LL_WINDOW_MS	60000ULL

struct ll_slot {
	u64 key;
	u64 fails[LL_MAX_FAILS];	/* times of the latest failures, ms */
	u32 nfails;			/* stored, at most LL_MAX_FAILS */
	u64 blocked_until;		/* ms; 0 when not blocked */
	bool used;
};

struct login_limit {
	struct ll_slot slot[LL_SLOTS];
	u64 failures, refusals;
};

void ll_init(struct login_limit *l);
/* May this address try now? Counts a refusal when not. */
bool ll_allowed(struct login_limit *l, u64 key, u64 now_ms);
/* A bad secret: true when this one gets the address refused. */
bool ll_fail(struct login_limit *l, u64 key, u64 now_ms);
/* A good secret: the address starts afresh. */
void ll_success(struct login_limit *l, u64 key);

#endif
