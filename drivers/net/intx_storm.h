/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Telling a stuck shared INTx line from the NIC's own interrupts. A level
 * line that another function holds asserted fires again at every EOI;
 * the handler reads the NIC's cause register, finds nothing, and the
 * management core would spend its time there. A run of `limit` interrupts
 * that were not the NIC's, all within `window_ns` of the first, is a
 * storm: the driver masks the line for good and polls. Interrupts that
 * were not the NIC's but came slowly (a spurious one now and then) never
 * add up to one.
 */
#ifndef TERN_DRIVERS_NET_INTX_STORM_H
#define TERN_DRIVERS_NET_INTX_STORM_H

#include "core/types.h"

#define INTX_STORM_LIMIT	1000
#define INTX_STORM_WINDOW_NS	1000000000ULL	/* 1 s: a stuck line fires ~10^5/s and more */

struct intx_storm {
	u32 limit;
	u64 window_ns;
	u32 run;		/* not the NIC's, in a row, since run_start */
	u64 run_start;		/* when the run's first one came (ns) */
	u64 not_ours;		/* all of them */
	bool tripped;		/* a storm was seen: the line is masked */
};

void intx_storm_init(struct intx_storm *s, u32 limit, u64 window_ns);
/* One interrupt at now_ns, the NIC's own (ours) or not. True exactly once:
 * on the interrupt that completes a storm. */
bool intx_storm_feed(struct intx_storm *s, bool ours, u64 now_ns);

#endif
