// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* The INTx storm detector (see intx_storm.h): pure, time injected. */
#include "drivers/net/intx_storm.h"

void intx_storm_init(struct intx_storm *s, u32 limit, u64 window_ns)
{
	*s = (struct intx_storm){ .limit = limit ? limit : 1, .window_ns = window_ns };
}

bool intx_storm_feed(struct intx_storm *s, bool ours, u64 now_ns)
{
	if (ours) {
		s->run = 0;
		return false;
	}
	s->not_ours++;
	if (s->tripped)
		return false;
	/* A run that took longer than the window is slow noise: start over
	 * from this one. */
	if (!s->run || now_ns - s->run_start > s->window_ns) {
		s->run = 0;
		s->run_start = now_ns;
	}
	if (++s->run < s->limit)
		return false;
	s->tripped = true;
	return true;
}
