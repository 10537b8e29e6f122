// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/*
 * The emulated VT-d unit's registers (vtd_regs_emul.h). Every command
 * completes within the access that issues it: the guest's polls of GSTS,
 * CCMD.ICC, IOTLB.IVT or a wait descriptor's status see completion at
 * once, as they may on hardware that is fast enough.
 */
#include <string.h>

#include "core/vdev/viommu/vtd_regs_emul.h"

#define DESC_BYTES	16	/* 128-bit descriptors (IQA.DW is 0) */

static u64 make_cap(void)
{
	return (6ULL << CAP_ND_SHIFT) |		/* 65536 domains, as q35's */
	       CAP_CM |
	       ((u64)(CAP_SAGAW_39 | CAP_SAGAW_48) << CAP_SAGAW_SHIFT) |
	       (47ULL << CAP_MGAW_SHIFT) |		/* 48-bit guest addresses */
	       ((u64)(VTDE_FRO / 16) << CAP_FRO_SHIFT) |
	       ((u64)(CAP_SLLPS_2M | CAP_SLLPS_1G) << CAP_SLLPS_SHIFT) |
	       CAP_PSI |
	       ((u64)(VTDE_NFR - 1) << CAP_NFR_SHIFT) |
	       ((u64)VTDE_MAMV << CAP_MAMV_SHIFT) |
	       CAP_DWD | CAP_DRD;
}

static u64 make_ecap(void)
{
	/* Coherent walks: tern reads the guest's tables through its own
	 * cached mapping, so the guest need not flush them. */
	return ECAP_C | ECAP_QI | ECAP_IR | ECAP_EIM | ECAP_PT |
	       ((u64)(VTDE_IRO / 16) << ECAP_IRO_SHIFT);
}

void vtde_init(struct vtde *e, const struct vtde_ops *ops, void *ctx)
{
	memset(e, 0, sizeof(*e));
	e->ops = ops;
	e->ctx = ctx;
	e->cap = make_cap();
	e->ecap = make_ecap();
	/* FECTL and IECTL come out of reset masked (11.4.9.2, 11.4.9.11). */
	e->fectl = FECTL_IM;
	e->iectl = IECTL_IM;
}

static void tell(struct vtde *e, const struct vtde_inv *inv)
{
	if (e->ops && e->ops->invalidate)
		e->ops->invalidate(e->ctx, inv);
}

static bool again(const struct vtde *e)
{
	return e->ops && e->ops->again && e->ops->again(e->ctx);
}

/* The queue stopped at a guest page not at hand: counted once a stop. */
static void stall(struct vtde *e)
{
	if (!e->stalled)
		e->st.stalls++;
	e->stalled = true;
}

/* A register command stopped at one (it stays in progress): counted the
 * first time, not when vtde_continue() finds it still waiting. */
static void cmd_stall(struct vtde *e)
{
	if (!e->retrying)
		e->st.stalls++;
}

/* A pointer or translation change; one that met a guest page not at hand
 * is told again at the next vtde_continue() (GSTS already says done: the
 * guest waits for no status of it). */
static void tell_kind(struct vtde *e, enum vtde_inv_kind k)
{
	struct vtde_inv inv = { .kind = k, .gran = VTDE_GRAN_GLOBAL,
				.retry = e->retrying && (e->redo & BIT(k)) };

	e->redo &= ~BIT(k);
	tell(e, &inv);
	if (again(e)) {
		e->redo |= BIT(k);
		cmd_stall(e);
	}
}

/* --- fault recording and the fault event (7.2, 7.3) --- */

bool vtde_ppf(const struct vtde *e)
{
	for (u32 i = 0; i < VTDE_NFR; i++)
		if (e->frcd[i][1] & FRCD_HI_F)
			return true;
	return false;
}

/* The status fields whose setting is an interrupt condition (11.4.9.2). */
static bool fsts_pending(const struct vtde *e)
{
	return vtde_ppf(e) || (e->fsts & (FSTS_PFO | FSTS_IQE | FSTS_ICE | FSTS_ITE));
}

/* FRI: the oldest record with F set, counting from where the next one
 * goes (records are filled round the ring). */
static u32 fri(const struct vtde *e)
{
	for (u32 n = 0; n < VTDE_NFR; n++) {
		u32 i = (e->fault_next + n) % VTDE_NFR;

		if (e->frcd[i][1] & FRCD_HI_F)
			return i;
	}
	return 0;
}

static void send(struct vtde *e, u32 lo, u32 hi, u32 data)
{
	if (e->ops && e->ops->msi)
		e->ops->msi(e->ctx, lo, hi, data);
}

/* An interrupt condition: the message now, or IP until the guest
 * unmasks (11.4.9.2). */
static void fault_event(struct vtde *e)
{
	if (e->fectl & FECTL_IM) {
		e->fectl |= FECTL_IP;
		return;
	}
	e->fectl &= ~FECTL_IP;
	e->st.fault_events++;
	send(e, e->feaddr, e->feuaddr, e->fedata);
}

/* After software cleared status: IP goes when nothing is left (11.4.9.2). */
static void fault_status_cleared(struct vtde *e)
{
	if (!fsts_pending(e))
		e->fectl &= ~FECTL_IP;
}

/* Set a status bit (IQE, ...): an interrupt condition only if no status
 * field was set before ("not treated as a new interrupt condition"). */
static void fsts_set(struct vtde *e, u32 bit)
{
	bool was = fsts_pending(e);

	e->fsts |= bit;
	if (!was)
		fault_event(e);
}

void vtde_fault(struct vtde *e, u16 sid, u8 reason, u64 addr, bool read)
{
	u64 *r = e->frcd[e->fault_next];
	bool was = fsts_pending(e);

	/* With PFO set nothing more is recorded; a full next record sets
	 * PFO and drops the fault (7.2.1). */
	if ((e->fsts & FSTS_PFO) || (r[1] & FRCD_HI_F)) {
		e->st.faults_overflowed++;
		if (!(e->fsts & FSTS_PFO))
			fsts_set(e, FSTS_PFO);
		return;
	}
	r[0] = addr & (reason >= VTD_FR_IR_RSVD ? 0xffffULL << FRCD_LO_IIDX_SHIFT : ~0xfffULL);
	r[1] = FRCD_HI_F | (read ? FRCD_HI_T : 0) | ((u64)reason << FRCD_HI_FR_SHIFT) | sid;
	e->fault_next = (e->fault_next + 1) % VTDE_NFR;
	e->st.faults++;
	if (!was)
		fault_event(e);
}

/* --- the invalidation completion event (6.5.2.8, 11.4.9.10/11) --- */

static void inv_event(struct vtde *e)
{
	if (e->ics & ICS_IWC)
		return;			/* not a new interrupt condition */
	e->ics |= ICS_IWC;
	if (e->iectl & IECTL_IM) {
		e->iectl |= IECTL_IP;
		return;
	}
	e->st.inv_events++;
	send(e, e->ieaddr, e->ieuaddr, e->iedata);
}

/* --- invalidations --- */

/* Context and IOTLB invalidations: false when the owner met a guest page
 * not at hand (again): not done, run the same again later. */
static bool cc_inval(struct vtde *e, u32 gran, u16 did, u16 sid, u8 fm, bool queued)
{
	struct vtde_inv inv = { .kind = VTDE_INV_CONTEXT, .gran = gran, .did = did,
				.sid = sid, .fm = fm, .queued = queued };

	tell(e, &inv);
	if (again(e))
		return false;
	e->st.cc_inv++;
	return true;
}

static bool iotlb_inval(struct vtde *e, u32 gran, u16 did, u64 addr, u8 am, bool ih,
			bool queued)
{
	struct vtde_inv inv = { .kind = VTDE_INV_IOTLB, .gran = gran, .did = did,
				.addr = addr & ~0xfffULL, .am = am, .ih = ih, .queued = queued };

	tell(e, &inv);
	if (again(e))
		return false;
	e->st.iotlb_inv++;
	return true;
}

/* CCMD_REG with ICC set (11.4.7): done at once; CAIG says how. A
 * reserved granularity (0) is ignored and reported as 0. */
static void ccmd_run(struct vtde *e)
{
	u32 g = CCMD_CIRG(e->ccmd);

	if (e->gsts & GSTS_QIES) {
		/* 6.5.2: no register-based invalidation while the queue is
		 * on; the request is dropped. */
		e->st.ignored_commands++;
		g = 0;
	} else if (g && !cc_inval(e, g, CCMD_DID(e->ccmd), CCMD_SID(e->ccmd),
				   (u8)CCMD_FM(e->ccmd), false)) {
		/* ICC stays set (in progress) until vtde_continue() is
		 * through: the guest polls it. */
		cmd_stall(e);
		return;
	}
	e->ccmd &= ~(CCMD_ICC | CCMD_CAIG_MASK);
	e->ccmd |= (u64)g << CCMD_CAIG_SHIFT;
}

/* IOTLB_REG with IVT set (11.4.8.1); a page mask beyond MAMV is done as
 * domain-selective, which IAIG reports (hardware may widen the scope). */
static void iotlb_run(struct vtde *e)
{
	u32 g = IOTLB_IIRG(e->iotlb);

	if (e->gsts & GSTS_QIES) {
		e->st.ignored_commands++;
		g = 0;
	} else if (g) {
		if (g == VTDE_GRAN_DEVICE && IVA_AM(e->iva) > VTDE_MAMV)
			g = VTDE_GRAN_DOMAIN;
		if (!iotlb_inval(e, g, IOTLB_DID(e->iotlb), IVA_ADDR(e->iva), (u8)IVA_AM(e->iva),
				 e->iva & IVA_IH, false)) {
			cmd_stall(e);	/* IVT stays set, as ICC above */
			return;
		}
	}
	e->iotlb &= ~(IOTLB_IVT | IOTLB_IAIG_MASK);
	e->iotlb |= (u64)g << IOTLB_IAIG_SHIFT;
}

/* --- the invalidation queue (6.5.2) --- */

static u64 queue_bytes(const struct vtde *e)
{
	return PAGE_SIZE << IQA_QS(e->iqa);
}

static void iqe(struct vtde *e, enum vtde_iqe_why why)
{
	e->iqe_why = why;
	e->st.iqe++;
	fsts_set(e, FSTS_IQE);
}

/* One descriptor; false: an error that stops the queue at it (or
 * VTDE_IQE_AGAIN: it runs again once its page is at hand). */
static bool run_desc(struct vtde *e, u64 lo, u64 hi, enum vtde_iqe_why *why)
{
	u32 type = QD_TYPE(lo);

	*why = VTDE_IQE_RESERVED;
	if (QD_TYPE_HI(lo)) {
		*why = VTDE_IQE_TYPE;	/* the scalable-mode types */
		return false;
	}
	switch (type) {
	case QI_CC: {
		u32 g = QD_CC_G(lo);

		if (!g || (lo & QD_CC_RSVD_LO) || hi)
			return false;
		if (!cc_inval(e, g, (u16)(lo >> 16), (u16)(lo >> 32), (u8)((lo >> 48) & 3), true)) {
			*why = VTDE_IQE_AGAIN;
			return false;
		}
		return true;
	}
	case QI_IOTLB: {
		u32 g = QD_IOTLB_G(lo);

		if (!g || (lo & QD_IOTLB_RSVD_LO) || (hi & QD_IOTLB_RSVD_HI))
			return false;
		if (g == VTDE_GRAN_DEVICE && (hi & 0x3f) > VTDE_MAMV)
			return false;
		if (!iotlb_inval(e, g, (u16)(lo >> 16), hi & ~0xfffULL, (u8)(hi & 0x3f),
				 hi & BIT(6), true)) {
			*why = VTDE_IQE_AGAIN;
			return false;
		}
		return true;
	}
	case QI_IEC: {
		struct vtde_inv inv = { .kind = VTDE_INV_IEC, .queued = true };

		if ((lo & QD_IEC_RSVD_LO) || hi)
			return false;
		inv.gran = lo & QD_IEC_INDEX ? VTDE_GRAN_DEVICE : VTDE_GRAN_GLOBAL;
		inv.iidx = QD_IEC_IIDX(lo);
		inv.am = (u8)QD_IEC_IM(lo);
		tell(e, &inv);
		if (again(e)) {
			/* Entries the owner reloads (overcommit) are on disk. */
			*why = VTDE_IQE_AGAIN;
			return false;
		}
		e->st.iec_inv++;
		return true;
	}
	case QI_WAIT: {
		if ((lo & QD_WAIT_RSVD_LO) || (hi & QD_WAIT_RSVD_HI))
			return false;
		/* Everything before it is done (each descriptor completes
		 * as it is read), so fence and drains hold trivially.
		 * Counted when done (a status page on disk runs it again). */
		if (lo & QD_WAIT_SW) {
			u32 data = (u32)(lo >> 32);

			if (e->ops && e->ops->write && e->ops->write(e->ctx, hi, &data, 4)) {
				e->st.status_writes++;
			} else if (again(e)) {
				*why = VTDE_IQE_AGAIN;
				return false;
			} else {
				e->st.status_writes_failed++;	/* a DMA to nowhere */
			}
		}
		e->st.waits++;
		if (lo & QD_WAIT_IF)
			inv_event(e);
		return true;
	}
	default:
		/* 0, device-TLB (ECAP.DT is 0), and the scalable-mode
		 * types 6-15: not this unit's. */
		*why = VTDE_IQE_TYPE;
		return false;
	}
}

/* Fetch and run from IQH to IQT while the queue is on and not in error;
 * at most queue_budget descriptors (0: no bound) per call. */
static void queue_run(struct vtde *e)
{
	u64 size = queue_bytes(e);
	u32 n = 0;

	if (!(e->gsts & GSTS_QIES) || (e->fsts & FSTS_IQE))
		return;
	if (e->iqt >= size) {
		iqe(e, VTDE_IQE_TAIL);
		return;
	}
	while (e->iqh != e->iqt) {
		u64 d[2];
		enum vtde_iqe_why why;

		if (e->queue_budget && n++ >= e->queue_budget)
			return;

		if (e->iqh >= size)
			e->iqh = 0;	/* a queue shrunk under its head */
		if (!e->ops || !e->ops->read ||
		    !e->ops->read(e->ctx, IQA_BASE(e->iqa) + e->iqh, d, DESC_BYTES)) {
			if (again(e))
				goto stall;
			iqe(e, VTDE_IQE_FETCH);
			return;
		}
		/* IQH stays at a bad descriptor: the guest finds it there
		 * (6.5.2.10). */
		if (!run_desc(e, d[0], d[1], &why)) {
			if (why == VTDE_IQE_AGAIN)
				goto stall;
			iqe(e, why);
			return;
		}
		e->iqh = (e->iqh + DESC_BYTES) % size;
		e->stalled = false;
	}
	return;
stall:
	/* IQH stays at the descriptor: to the guest, a slow unit (it polls
	 * its wait descriptor's status). Descriptors run again are
	 * idempotent: invalidations, and a status write not yet made. */
	stall(e);
}

/* Register commands left in progress at a guest page not at hand. */
static bool regs_pending(const struct vtde *e)
{
	return e->redo || (e->ccmd & CCMD_ICC) || (e->iotlb & IOTLB_IVT);
}

bool vtde_pending(const struct vtde *e)
{
	return regs_pending(e) ||
	       ((e->gsts & GSTS_QIES) && !(e->fsts & FSTS_IQE) && e->iqh != e->iqt);
}

bool vtde_waiting(const struct vtde *e)
{
	return e->stalled || regs_pending(e);
}

void vtde_continue(struct vtde *e)
{
	e->retrying = true;
	for (u32 k = 0; e->redo && k < 32; k++)
		if (e->redo & BIT(k))
			tell_kind(e, (enum vtde_inv_kind)k);
	if (e->ccmd & CCMD_ICC)
		ccmd_run(e);
	if (e->iotlb & IOTLB_IVT)
		iotlb_run(e);
	e->retrying = false;
	queue_run(e);
}

/* --- global command (11.4.4) --- */

static void gcmd_write(struct vtde *e, u32 v)
{
	u32 old = e->gsts;

	/* Queued invalidation on or off; off resets the head (11.4.9.7). */
	if ((v & GCMD_QIE) && !(old & GSTS_QIES)) {
		e->gsts |= GSTS_QIES;
	} else if (!(v & GCMD_QIE) && (old & GSTS_QIES)) {
		e->gsts &= ~GSTS_QIES;
		e->iqh = 0;
		e->stalled = false;	/* nothing of the queue waits now */
	}
	if (v & GCMD_SRTP) {
		e->root = e->rtaddr;
		e->gsts |= GSTS_RTPS;
		tell_kind(e, VTDE_INV_ROOT);
	}
	if (v & GCMD_SIRTP) {
		e->irta = e->irtaddr;
		e->gsts |= GSTS_IRTPS;
		tell_kind(e, VTDE_INV_IRT);
	}
	if (!!(v & GCMD_TE) != !!(old & GSTS_TES)) {
		e->gsts ^= GSTS_TES;
		tell_kind(e, VTDE_INV_TRANSLATION);
	}
	if (!!(v & GCMD_IRE) != !!(old & GSTS_IRES)) {
		e->gsts ^= GSTS_IRES;
		tell_kind(e, VTDE_INV_IRT);
	}
	if (!!(v & GCMD_CFI) != !!(old & GSTS_CFIS)) {
		e->gsts ^= GSTS_CFIS;
		tell_kind(e, VTDE_INV_IRT);
	}
	/* SFL, EAFL (no advanced fault log, CAP.AFL 0) and WBF (CAP.RWBF
	 * 0) are not offered: ignored. The fault index restarts when both
	 * remapping functions go off (7.2.1). */
	if ((old & (GSTS_TES | GSTS_IRES)) && !(e->gsts & (GSTS_TES | GSTS_IRES)))
		e->fault_next = 0;
	if ((e->gsts & GSTS_QIES) && !(old & GSTS_QIES))
		queue_run(e);
}

/* --- register access --- */

/* The 64-bit registers, where 4-byte halves may also be written. */
static u64 *reg64(struct vtde *e, u32 off)
{
	switch (off) {
	case VTD_RTADDR:	return &e->rtaddr;
	case VTD_CCMD:		return &e->ccmd;
	case VTD_IQH:		return &e->iqh;
	case VTD_IQT:		return &e->iqt;
	case VTD_IQA:		return &e->iqa;
	case VTD_IRTA:		return &e->irtaddr;
	case VTDE_IVA:		return &e->iva;
	case VTDE_IOTLB:	return &e->iotlb;
	}
	return NULL;
}

static u64 read64(struct vtde *e, u32 off, bool *ok)
{
	*ok = true;
	switch (off) {
	case VTD_CAP:		return e->cap;
	case VTD_ECAP:		return e->ecap;
	case VTD_IQERCD:	return 0;
	}
	if (off >= VTDE_FRO && off < VTDE_FRO + VTDE_NFR * 16)
		return e->frcd[(off - VTDE_FRO) / 16][(off / 8) & 1];
	{
		u64 *r = reg64(e, off);

		if (r)
			return *r;
	}
	*ok = false;
	return 0;
}

static u32 read32(struct vtde *e, u32 off)
{
	switch (off) {
	case VTD_VER:		return VTDE_VER;
	case VTD_GCMD:		return 0;		/* write-only */
	case VTD_GSTS:		return e->gsts;
	case VTD_FSTS:
		return e->fsts | (vtde_ppf(e) ? FSTS_PPF | fri(e) << FSTS_FRI_SHIFT : 0);
	case VTD_FECTL:		return e->fectl;
	case VTD_FEDATA:	return e->fedata;
	case VTD_FEADDR:	return e->feaddr;
	case VTD_FEUADDR:	return e->feuaddr;
	case VTD_ICS:		return e->ics;
	case VTD_IECTL:		return e->iectl;
	case VTD_IEDATA:	return e->iedata;
	case VTD_IEADDR:	return e->ieaddr;
	case VTD_IEUADDR:	return e->ieuaddr;
	}
	{
		bool ok;
		u64 v = read64(e, off & ~7U, &ok);

		return ok ? (u32)(v >> (off & 4 ? 32 : 0)) : 0;	/* reserved: 0 */
	}
}

bool vtde_read(struct vtde *e, u32 off, u32 size, u64 *val)
{
	bool ok;

	if (off >= VTDE_SIZE || (size != 4 && size != 8) || (off & (size - 1)))
		goto bad;
	e->st.reads++;
	if (size == 4) {
		*val = read32(e, off);
		return true;
	}
	*val = read64(e, off, &ok);
	if (ok)
		return true;
	/* An 8-byte read of a pair of 32-bit registers (GCMD/GSTS,
	 * FSTS/FECTL, ...): both, as two reads would give. */
	*val = read32(e, off) | (u64)read32(e, off + 4) << 32;
	return true;
bad:
	e->st.bad_accesses++;
	return false;
}

/* Writable bits of the 64-bit registers (the rest read-only or reserved). */
static u64 mask64(u32 off)
{
	switch (off) {
	case VTD_RTADDR:	return ~0xfffULL;	/* TTM 11:10: legacy only */
	case VTD_CCMD:		return ~CCMD_CAIG_MASK & ~(0x1ffffffULL << 34);
	case VTD_IQT:		return IQ_OFF_MASK;
	case VTD_IQA:		return ~0xff8ULL & ~IQA_DW;
	case VTD_IRTA:		return ~0x7f0ULL;
	case VTDE_IVA:		return ~0xf80ULL;
	case VTDE_IOTLB:	return IOTLB_IVT | (3ULL << 60) | (3ULL << 48) | (0xffffULL << 32);
	}
	return 0;				/* IQH: read-only */
}

static void after64(struct vtde *e, u32 off, bool high_half)
{
	switch (off) {
	case VTD_CCMD:
		if (high_half && (e->ccmd & CCMD_ICC))
			ccmd_run(e);
		break;
	case VTDE_IOTLB:
		if (high_half && (e->iotlb & IOTLB_IVT))
			iotlb_run(e);
		break;
	case VTD_IQT:
		queue_run(e);
		break;
	}
}

static void write32(struct vtde *e, u32 off, u32 v)
{
	switch (off) {
	case VTD_GCMD:
		gcmd_write(e, v);
		return;
	case VTD_FSTS:
		/* PFO, IQE, ICE, ITE: write 1 to clear; clearing IQE lets
		 * the queue go on from IQH (6.5.2.10). */
		e->fsts &= ~(v & (FSTS_PFO | FSTS_IQE | FSTS_ICE | FSTS_ITE));
		if (v & FSTS_IQE)
			e->iqe_why = VTDE_IQE_NONE;
		fault_status_cleared(e);
		if (v & FSTS_IQE)
			queue_run(e);
		return;
	case VTD_FECTL:
		e->fectl = (e->fectl & ~FECTL_IM) | (v & FECTL_IM);
		if (!(e->fectl & FECTL_IM) && (e->fectl & FECTL_IP))
			fault_event(e);
		return;
	case VTD_FEDATA:	e->fedata = v; return;
	case VTD_FEADDR:	e->feaddr = v & ~3U; return;
	case VTD_FEUADDR:	e->feuaddr = v; return;
	case VTD_ICS:
		e->ics &= ~(v & ICS_IWC);
		if (!(e->ics & ICS_IWC))
			e->iectl &= ~IECTL_IP;
		return;
	case VTD_IECTL:
		e->iectl = (e->iectl & ~IECTL_IM) | (v & IECTL_IM);
		if (!(e->iectl & IECTL_IM) && (e->iectl & IECTL_IP)) {
			e->iectl &= ~IECTL_IP;
			e->st.inv_events++;
			send(e, e->ieaddr, e->ieuaddr, e->iedata);
		}
		return;
	case VTD_IEDATA:	e->iedata = v; return;
	case VTD_IEADDR:	e->ieaddr = v & ~3U; return;
	case VTD_IEUADDR:	e->ieuaddr = v; return;
	}
	if (off >= VTDE_FRO && off < VTDE_FRO + VTDE_NFR * 16) {
		/* F (bit 127: bit 31 of the record's last dword) is write
		 * 1 to clear; the rest is read-only. */
		u64 *r = e->frcd[(off - VTDE_FRO) / 16];

		if ((off & 15) == 12 && (v & BIT(31))) {
			r[1] &= ~FRCD_HI_F;
			fault_status_cleared(e);
		}
		return;
	}
	{
		u64 *r = reg64(e, off & ~7U), m = mask64(off & ~7U);
		u32 sh = off & 4 ? 32 : 0;

		if (!r)
			return;			/* read-only or reserved */
		*r = (*r & ~(m & (0xffffffffULL << sh))) | ((u64)v << sh & m);
		after64(e, off & ~7U, sh);
	}
}

bool vtde_write(struct vtde *e, u32 off, u32 size, u64 val)
{
	if (off >= VTDE_SIZE || (size != 4 && size != 8) || (off & (size - 1))) {
		e->st.bad_accesses++;
		return false;
	}
	e->st.writes++;
	if (size == 4) {
		write32(e, off, (u32)val);
		return true;
	}
	{
		u64 *r = reg64(e, off);

		if (r) {
			u64 m = mask64(off);

			*r = (*r & ~m) | (val & m);
			after64(e, off, true);
			return true;
		}
	}
	if (off >= VTDE_FRO && off < VTDE_FRO + VTDE_NFR * 16) {
		write32(e, off + 4, (u32)(val >> 32));
		return true;
	}
	/* Two 32-bit registers side by side (FEADDR/FEUADDR, ...). */
	write32(e, off, (u32)val);
	write32(e, off + 4, (u32)(val >> 32));
	return true;
}
