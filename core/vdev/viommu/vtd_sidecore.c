// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* The shared register page of the sidecore vIOMMU (vtd_sidecore.h). */
#include "core/vdev/viommu/vtd_sidecore.h"

/* The guest's registers (11.4), as the page holds them. */
static const u16 rw32[] = {
	VTD_FECTL, VTD_FEDATA, VTD_FEADDR, VTD_FEUADDR,
	VTD_IECTL, VTD_IEDATA, VTD_IEADDR, VTD_IEUADDR,
};
static const u16 rw64[] = {
	VTD_RTADDR, VTD_CCMD, VTD_IQT, VTD_IQA, VTD_IRTA, VTDE_IVA, VTDE_IOTLB,
};
static const u16 ro32[] = { VTD_VER, VTD_GSTS, VTD_FSTS, VTD_ICS };
static const u16 ro64[] = { VTD_CAP, VTD_ECAP, VTD_IQH, VTD_IQERCD };

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static u32 load(const u32 *page, u32 off)
{
	return __atomic_load_n(&page[off / 4], __ATOMIC_ACQUIRE);
}

static void store(u32 *page, u32 off, u32 v)
{
	__atomic_store_n(&page[off / 4], v, __ATOMIC_RELEASE);
}

static u32 model(struct vtde *e, u32 off)
{
	u64 v = 0;

	vtde_read(e, off, 4, &v);
	return (u32)v;
}

/* What the page shows of a read-only dword: never a write-1-to-clear bit
 * set (those are seen only through a trap), nor PPF with them. */
static u32 shown(struct vtde *e, u32 off)
{
	u32 v = model(e, off);

	if (off == VTD_FSTS)
		return v & ~(FSTS_W1C | FSTS_PPF);
	if (off == VTD_ICS)
		return v & ~ICS_IWC;
	if (off >= VTDE_FRO && off < VTDE_FRO + VTDE_NFR * 16 && (off & 15) == 12)
		return v & ~BIT(31);		/* F */
	return v;
}

static void publish_ro(struct vtde *e, u32 *page)
{
	for (u32 i = 0; i < N(ro32); i++)
		store(page, ro32[i], shown(e, ro32[i]));
	for (u32 i = 0; i < N(ro64); i++) {
		store(page, ro64[i], shown(e, ro64[i]));
		store(page, ro64[i] + 4, shown(e, ro64[i] + 4));
	}
	for (u32 off = VTDE_FRO; off < VTDE_FRO + VTDE_NFR * 16; off += 4)
		store(page, off, shown(e, off));
}

/* A read-write dword back from the model, unless the guest wrote it since
 * it was read (then the next poll takes that write). */
static void put_back(struct vtds *s, struct vtde *e, u32 *page, u32 off)
{
	u32 rb = model(e, off), want = s->seen[off / 4];

	if (rb == want)
		return;
	if (__atomic_compare_exchange_n(&page[off / 4], &want, rb, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		s->seen[off / 4] = rb;
	else
		s->st.lost_writebacks++;
}

void vtds_publish_all(struct vtds *s, struct vtde *e, u32 *page)
{
	publish_ro(e, page);
	for (u32 i = 0; i < N(rw32); i++) {
		s->seen[rw32[i] / 4] = model(e, rw32[i]);
		store(page, rw32[i], s->seen[rw32[i] / 4]);
	}
	for (u32 i = 0; i < N(rw64); i++) {
		for (u32 h = 0; h < 8; h += 4) {
			s->seen[(rw64[i] + h) / 4] = model(e, rw64[i] + h);
			store(page, rw64[i] + h, s->seen[(rw64[i] + h) / 4]);
		}
	}
	store(page, VTD_GCMD, VTDS_GCMD_IDLE);
}

u32 vtds_poll(struct vtds *s, struct vtde *e, u32 *page)
{
	u32 found = 0, g;
	bool more = vtde_pending(e);

	s->st.polls++;
	/* Work left from an earlier poll first (the rest of a bounded queue
	 * run, a command stopped at a guest page on disk): the write-back
	 * below then shows what it did (an ICC or IVT cleared, IQH). */
	if (more)
		vtde_continue(e);
	for (u32 i = 0; i < N(rw32); i++) {
		u32 off = rw32[i], v = load(page, off);

		if (v == s->seen[off / 4])
			continue;
		s->seen[off / 4] = v;
		vtde_write(e, off, 4, v);
		found++;
	}
	for (u32 i = 0; i < N(rw64); i++) {
		u32 off = rw64[i], lo = load(page, off), hi = load(page, off + 4);

		if (lo == s->seen[off / 4] && hi == s->seen[off / 4 + 1])
			continue;
		s->seen[off / 4] = lo;
		s->seen[off / 4 + 1] = hi;
		vtde_write(e, off, 8, lo | (u64)hi << 32);
		found++;
	}
	/* A command after the values it acts on (a driver writes RTADDR,
	 * then SRTP); taken out of the page at once, so the next one shows
	 * even if it is the same value. */
	g = __atomic_exchange_n(&page[VTD_GCMD / 4], VTDS_GCMD_IDLE, __ATOMIC_ACQ_REL);
	if (g != VTDS_GCMD_IDLE) {
		vtde_write(e, VTD_GCMD, 4, g);
		s->st.commands++;
		found++;
		/* A tail written before the queue was on. */
		if (vtde_pending(e))
			vtde_continue(e);
	}
	/* What the writes changed, and what changed without them (a fault
	 * recorded by a DMA, a queue run on). */
	for (u32 i = 0; i < N(rw32); i++)
		put_back(s, e, page, rw32[i]);
	for (u32 i = 0; i < N(rw64); i++) {
		put_back(s, e, page, rw64[i]);
		put_back(s, e, page, rw64[i] + 4);
	}
	publish_ro(e, page);
	s->st.writes += found;
	return found + more;
}

bool vtds_dirty(const struct vtds *s, const u32 *page)
{
	if (load(page, VTD_GCMD) != VTDS_GCMD_IDLE)
		return true;
	for (u32 i = 0; i < N(rw32); i++)
		if (load(page, rw32[i]) != s->seen[rw32[i] / 4])
			return true;
	for (u32 i = 0; i < N(rw64); i++)
		if (load(page, rw64[i]) != s->seen[rw64[i] / 4] ||
		    load(page, rw64[i] + 4) != s->seen[rw64[i] / 4 + 1])
			return true;
	return false;
}

bool vtds_needs_trap(const struct vtde *e)
{
	return (e->fsts & FSTS_W1C) || (e->ics & ICS_IWC) || vtde_ppf(e);
}
