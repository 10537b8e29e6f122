/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Requests to a vCPU. Other cores never write a vCPU's state: they post a
 * request bit (and its payload, for a start-up IPI) and kick the vCPU's
 * core; the vCPU takes the requests on its own core before it next enters
 * the guest, or while it halts. One word, so the run loop's hot path
 * checks all of them with a single load.
 */
#ifndef TERN_VMX_VCPU_REQUEST_H
#define TERN_VMX_VCPU_REQUEST_H

#include "vmx/vcpu.h"

enum vcpu_request {
	VCPU_REQ_STOP = 0,	/* leave the run loop (stays set) */
	VCPU_REQ_INIT,		/* an INIT IPI: reset, wait for a start-up IPI */
	VCPU_REQ_SIPI,		/* a start-up IPI; its vector in req_sipi_vector */
	VCPU_REQ_NMI,		/* an NMI to inject (taken when injected) */
	VCPU_REQ_EVENT,		/* its virtual APIC or the platform has news */
	VCPU_REQ_FLUSH,		/* EPT rights were taken away: INVEPT first */
	VCPU_REQ_WAKE,		/* the work a parked EPT fault waited for is done */
};

static inline void vcpu_post(struct vcpu *v, enum vcpu_request r)
{
	__atomic_fetch_or(&v->requests, BIT(r), __ATOMIC_RELEASE);
	vcpu_kick(v);
}

/* Stop for good; a vCPU that has not started sees it when it does. */
static inline void vcpu_post_stop(struct vcpu *v)
{
	__atomic_fetch_or(&v->requests, BIT(VCPU_REQ_STOP), __ATOMIC_RELEASE);
	if (v->state != VCPU_IDLE)
		vcpu_kick(v);
}

/* A start-up IPI: the vector travels with the request. */
static inline void vcpu_post_sipi(struct vcpu *v, u8 vector)
{
	v->req_sipi_vector = vector;
	vcpu_post(v, VCPU_REQ_SIPI);
}

/* An INIT voids a start-up IPI not yet taken (SDM 3A 9.4.4: INIT, then
 * SIPI, in that order). */
static inline void vcpu_post_init(struct vcpu *v)
{
	__atomic_fetch_and(&v->requests, ~BIT(VCPU_REQ_SIPI), __ATOMIC_RELAXED);
	vcpu_post(v, VCPU_REQ_INIT);
}

static inline bool vcpu_requested(const struct vcpu *v, enum vcpu_request r)
{
	return __atomic_load_n(&v->requests, __ATOMIC_ACQUIRE) & BIT(r);
}

static inline bool vcpu_stopping(const struct vcpu *v)
{
	return vcpu_requested(v, VCPU_REQ_STOP);
}

/* On the vCPU's core: clear r and say whether it was set. A plain load
 * first: the locked operation only when there is something to take. */
static inline bool vcpu_take(struct vcpu *v, enum vcpu_request r)
{
	return vcpu_requested(v, r) &&
	       (__atomic_fetch_and(&v->requests, ~BIT(r), __ATOMIC_ACQ_REL) & BIT(r));
}

#endif
