/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The register model of the emulated VT-d unit a guest sees (the vIOMMU,
 * Amit's thesis 2.3): one 4 KiB register page laid out as Intel's VT-d
 * specification (rev. 4.x) ch. 11 describes it, and the behaviour behind
 * each register: global command and status (11.4.4/11.4.5), the root table
 * pointer (11.4.6), register-based context-cache and IOTLB invalidation
 * (11.4.7, 11.4.8), primary fault recording with its fault event (7.2,
 * 11.4.9.1-11.4.9.4, 11.4.14), queued invalidation (6.5.2, 11.4.9.7-
 * 11.4.9.12) with its completion event, and the interrupt remapping table
 * pointer (11.4.9.13).
 *
 * Pure: no locks and no hardware. Guest memory (the invalidation queue,
 * wait-descriptor status writes), the interrupts it raises and the
 * invalidations it asks its owner to act on go through the callbacks of
 * struct vtd_emul_ops. The caller serializes calls on one unit.
 *
 * Whatever the guest writes, the model stays within the specification's
 * answers: a bad descriptor or queue tail is an invalidation queue error
 * (IQE), a fault that finds no free record is a fault overflow (PFO), a
 * register access of a size the spec does not allow is refused (the bus
 * then treats it as unclaimed). Nothing here can fail otherwise.
 *
 * Capabilities reported (11.4.2, 11.4.3): caching mode (CM=1: the guest
 * invalidates after making entries present too, which is how tern learns
 * of new mappings, 6.1), 39- and 48-bit guest address widths (3- and
 * 4-level second-level tables), 2 MiB and 1 GiB pages, page-selective
 * invalidation, queued invalidation, interrupt remapping with x2APIC
 * destinations (EIM), pass-through, coherent walks. Not offered: device
 * TLBs (ATS), scalable mode, nested and first-level translation, the
 * advanced fault log, protected memory regions, write-buffer flushing.
 */
#ifndef TERN_CORE_VDEV_VIOMMU_VTD_REGS_EMUL_H
#define TERN_CORE_VDEV_VIOMMU_VTD_REGS_EMUL_H

#include "core/types.h"
#include "iommu/vtd_regs.h"

/* Where q35 puts its VT-d unit (QEMU's intel-iommu), and the page's size. */
#define VTDE_BASE		0xfed90000ULL
#define VTDE_SIZE		0x1000

/* Registers vtd_regs.h does not name (11.4) */
#define VTD_IECTL		0x0a0	/* 32: invalidation event control */
#define VTD_IEDATA		0x0a4	/* 32 */
#define VTD_IEADDR		0x0a8	/* 32 */
#define VTD_IEUADDR		0x0ac	/* 32 */
#define VTD_IQERCD		0x0b0	/* 64: queue error record (reads 0) */

/* Where this unit puts its IOTLB and fault recording registers: the
 * offsets CAP.FRO and ECAP.IRO report (as q35's), and 8 fault records. */
#define VTDE_IRO		0x200	/* IVA_REG at IRO, IOTLB_REG at IRO + 8 */
#define VTDE_IVA		VTDE_IRO
#define VTDE_IOTLB		(VTDE_IRO + 8)
#define VTDE_FRO		0x220
#define VTDE_NFR		8
#define VTDE_MAMV		18	/* largest page-selective mask: 1 GiB */

/* VER_REG (11.4.1): major 1, minor 0 */
#define VTDE_VER		0x10

/* CAP_REG fields vtd_regs.h does not name (11.4.2) */
#define CAP_ND_SHIFT		0	/* domains: 2^(4 + 2 * ND) */
#define CAP_SAGAW_SHIFT		8
#define CAP_SAGAW_39		BIT(1)	/* 3-level tables */
#define CAP_SAGAW_48		BIT(2)	/* 4-level tables */
#define CAP_MGAW_SHIFT		16	/* MGAW - 1 */
#define CAP_FRO_SHIFT		24	/* FRO / 16 */
#define CAP_SLLPS_SHIFT		34
#define CAP_SLLPS_2M		BIT(0)
#define CAP_SLLPS_1G		BIT(1)
#define CAP_NFR_SHIFT		40	/* NFR - 1 */
#define CAP_MAMV_SHIFT		48
#define CAP_MAMV(c)		((u32)(((c) >> 48) & 0x3f))
#define CAP_DWD			BIT(54)	/* drains writes */
#define CAP_DRD			BIT(55)	/* drains reads */

/* ECAP_REG (11.4.3) */
#define ECAP_IRO_SHIFT		8	/* IRO / 16 */

/* GSTS_REG status bits (11.4.5): the same positions as their commands */
#define GSTS_TES		BIT(31)	/* translation enabled */
#define GSTS_RTPS		BIT(30)	/* root table pointer set */
#define GSTS_FLS		BIT(29)	/* fault log set */
#define GSTS_AFLS		BIT(28)
#define GSTS_WBFS		BIT(27)
#define GSTS_QIES		BIT(26)	/* queued invalidation enabled */
#define GSTS_IRES		BIT(25)	/* interrupt remapping enabled */
#define GSTS_IRTPS		BIT(24)	/* interrupt remap table pointer set */
#define GSTS_CFIS		BIT(23)	/* compatibility format allowed */

/* RTADDR_REG (11.4.6): table address 63:12, translation table mode 11:10
 * (00: legacy; scalable mode not offered) */
#define RTADDR_TTM(r)		(((r) >> 10) & 3)

/* CCMD_REG (11.4.7), 64-bit */
#define CCMD_ICC		BIT(63)	/* invalidate: set by software, cleared on completion */
#define CCMD_CIRG(c)		((u32)((c) >> 61) & 3)	/* requested granularity */
#define CCMD_CAIG_SHIFT		59	/* actual granularity */
#define CCMD_CAIG_MASK		(3ULL << 59)
#define CCMD_FM(c)		((u32)((c) >> 32) & 3)	/* function mask */
#define CCMD_SID(c)		((u16)((c) >> 16))
#define CCMD_DID(c)		((u16)(c))
/* Granularities of CCMD, the IOTLB register and the queued descriptors */
#define VTDE_GRAN_GLOBAL	1
#define VTDE_GRAN_DOMAIN	2
#define VTDE_GRAN_DEVICE	3	/* context: device; IOTLB: page */

/* IOTLB_REG (11.4.8.1) and IVA_REG (11.4.8.2) */
#define IOTLB_IVT		BIT(63)
#define IOTLB_IIRG(r)		((u32)((r) >> 60) & 3)
#define IOTLB_IAIG_SHIFT	57
#define IOTLB_IAIG_MASK		(3ULL << 57)
#define IOTLB_DID(r)		((u16)((r) >> 32))
#define IVA_AM(r)		((u32)(r) & 0x3f)
#define IVA_IH			BIT(6)
#define IVA_ADDR(r)		((r) & ~0xfffULL)

/* FSTS_REG bits vtd_regs.h does not name (11.4.9.1) */
#define FSTS_AFO		BIT(2)
#define FSTS_APF		BIT(3)
#define FSTS_FRI_SHIFT		8

/* IQH_REG / IQT_REG (11.4.9.7, 11.4.9.8): offset into the queue, 18:4 */
#define IQ_OFF_MASK		0x7fff0ULL
/* IQA_REG (11.4.9.9): base 63:12, descriptor width 11, queue size 2:0 */
#define IQA_DW			BIT(11)	/* 256-bit: scalable mode only, not offered */
#define IQA_QS(r)		((u32)(r) & 7)	/* 2^QS pages */
#define IQA_BASE(r)		((r) & ~0xfffULL)

/* ICS_REG (11.4.9.10), IECTL_REG (11.4.9.11) */
#define ICS_IWC			BIT(0)	/* invalidation wait completed */
#define IECTL_IM		BIT(31)
#define IECTL_IP		BIT(30)

/* IRTA_REG (11.4.9.13): base 63:12, EIME 11, size 3:0: 2^(S+1) entries */
#define IRTA_S(r)		((u32)(r) & 0xf)
#define IRTA_BASE(r)		((r) & ~0xfffULL)

/* Fault recording register (11.4.14): low qword FI (63:12: the page; for
 * interrupt remapping faults 63:48 the interrupt index); high qword F 63,
 * T 62 (1: read), reason 39:32, source-id 15:0. */
#define FRCD_LO_IIDX_SHIFT	48
#define FRCD_HI_FR_SHIFT	32

/* Queued invalidation descriptors, 128-bit (6.5.2). Low qword: type 3:0
 * (and 11:9, zero for these), granularity from bit 4. */
#define QD_TYPE(lo)		((u32)(lo) & 0xf)
#define QD_TYPE_HI(lo)		((u32)((lo) >> 9) & 7)
/* context-cache (6.5.2.1): G 5:4, DID 31:16, SID 47:32, FM 49:48 */
#define QD_CC_G(lo)		((u32)((lo) >> 4) & 3)
#define QD_CC_RSVD_LO		(0x7ULL << 6 | 0xfULL << 12 | ~0ULL << 50)
/* IOTLB (6.5.2.3): G 5:4, DW 6, DR 7, DID 31:16; hi: AM 5:0, IH 6, ADDR 63:12 */
#define QD_IOTLB_G(lo)		((u32)((lo) >> 4) & 3)
#define QD_IOTLB_RSVD_LO	(BIT(8) | 0xfULL << 12 | ~0ULL << 32)
#define QD_IOTLB_RSVD_HI	(0x1fULL << 7)
/* interrupt entry cache (6.5.2.7): G 4 (1: index-selective), IM 31:27, IIDX 47:32 */
#define QD_IEC_INDEX		BIT(4)
#define QD_IEC_IM(lo)		((u32)((lo) >> 27) & 0x1f)
#define QD_IEC_IIDX(lo)		((u16)((lo) >> 32))
#define QD_IEC_RSVD_LO		(0xfULL << 5 | 0x7fffULL << 12 | ~0ULL << 48)
/* invalidation wait (6.5.2.8): IF 4, SW 5, FN 6, PD 7, status data 63:32;
 * hi: status address 63:2 */
#define QD_WAIT_IF		BIT(4)
#define QD_WAIT_SW		BIT(5)
#define QD_WAIT_FN		BIT(6)
#define QD_WAIT_PD		BIT(7)	/* page-request drain: not offered */
#define QD_WAIT_RSVD_LO		(QD_WAIT_PD | BIT(8) | 0xfffffULL << 12)
#define QD_WAIT_RSVD_HI		3ULL
#define QD_DEV_TLB		0x3	/* device-TLB: ECAP.DT is 0 */

/* Fault reasons (appendix A, non-recoverable faults) */
enum vtd_fault_reason {
	VTD_FR_NONE = 0,
	VTD_FR_ROOT_NOT_PRESENT = 0x1,
	VTD_FR_CTX_NOT_PRESENT = 0x2,
	VTD_FR_CTX_INVALID = 0x3,	/* AW or TT the unit does not support */
	VTD_FR_ADDR_BEYOND_AW = 0x4,	/* above the context's guest address width */
	VTD_FR_WRITE = 0x5,		/* write to a page without W */
	VTD_FR_READ = 0x6,		/* read of a page without R */
	VTD_FR_PTE_ACCESS = 0x7,	/* a paging entry's table cannot be read */
	VTD_FR_ROOT_ACCESS = 0x8,	/* the root table cannot be read */
	VTD_FR_CTX_ACCESS = 0x9,	/* a context table cannot be read */
	VTD_FR_ROOT_RSVD = 0xa,
	VTD_FR_CTX_RSVD = 0xb,
	VTD_FR_PTE_RSVD = 0xc,
	VTD_FR_IR_RSVD = 0x20,		/* reserved bits in the interrupt request */
	VTD_FR_IR_INDEX = 0x21,		/* index beyond the table's size */
	VTD_FR_IR_NOT_PRESENT = 0x22,
	VTD_FR_IR_ACCESS = 0x23,	/* the table cannot be read */
	VTD_FR_IR_IRTE_RSVD = 0x24,
	VTD_FR_IR_COMPAT = 0x25,	/* compatibility format blocked */
	VTD_FR_IR_SID = 0x26,		/* source-id verification failed */
};

/* Why the queue stopped (IQE), for tern's own report: the unit reports
 * no IQERCD detail (IQEI 0, "not available", is always a valid answer). */
enum vtde_iqe_why {
	VTDE_IQE_NONE = 0,
	VTDE_IQE_TAIL,			/* IQT beyond the queue */
	VTDE_IQE_FETCH,			/* the descriptor's address is not RAM */
	VTDE_IQE_TYPE,			/* not a type this unit offers */
	VTDE_IQE_RESERVED,		/* a reserved field or value set */
	VTDE_IQE_AGAIN,			/* not an error: a page not at hand (ops->again) */
};

/* What the owner must drop from what it derived from guest tables. */
enum vtde_inv_kind {
	VTDE_INV_CONTEXT,		/* context entries (and so all below them) */
	VTDE_INV_IOTLB,			/* second-level translations */
	VTDE_INV_IEC,			/* interrupt remapping entries */
	VTDE_INV_ROOT,			/* a new root table pointer latched */
	VTDE_INV_TRANSLATION,		/* TE changed: translation on or off */
	VTDE_INV_IRT,			/* a new IRT pointer latched, or IRE/CFI changed */
};

struct vtde_inv {
	enum vtde_inv_kind kind;
	u32 gran;			/* VTDE_GRAN_*; IEC: 1 global, 3 index */
	u16 did, sid;			/* domain; device (context) */
	u8 fm;				/* context: function mask (6.5.2.1) */
	u8 am;				/* IOTLB page: 2^am pages; IEC: 2^im entries */
	bool ih;			/* IOTLB: only leaves changed */
	u64 addr;			/* IOTLB page: first address */
	u16 iidx;			/* IEC index */
	bool queued;			/* from the queue, not a register */
	bool retry;			/* told again (vtde_continue): the first
					 * telling's work is done already */
};

struct vtde_ops {
	/* Guest memory; false: not RAM (the access fails). */
	bool (*read)(void *ctx, u64 gpa, void *buf, u32 len);
	bool (*write)(void *ctx, u64 gpa, const void *buf, u32 len);
	/* Send the message in the given address/data registers (the fault
	 * event, the invalidation completion event) to the guest. */
	void (*msi)(void *ctx, u32 addr_lo, u32 addr_hi, u32 data);
	/* Act on an invalidation or a pointer change; may be NULL. */
	void (*invalidate)(void *ctx, const struct vtde_inv *inv);
	/* May be NULL: the last guest-memory access (read, write, or one
	 * invalidate made) failed only because the page is not at hand yet
	 * (vtdw_mem.again): the queue stops at that descriptor, with no
	 * error, and runs on from it at the next vtde_continue(); a register
	 * command stays in progress (ICC, IVT) until then. */
	bool (*again)(void *ctx);
};

struct vtde_stats {
	u64 reads, writes, bad_accesses;	/* register accesses */
	u64 cc_inv, iotlb_inv, iec_inv;		/* invalidations, any path */
	u64 waits, status_writes, status_writes_failed;
	u64 iqe;				/* queue errors raised */
	u64 faults, faults_overflowed;		/* recorded; dropped (PFO) */
	u64 fault_events, inv_events;		/* interrupts sent */
	u64 ignored_commands;			/* e.g. register invalidation with QI on */
	u64 stalls;				/* queue stopped for a page not at hand */
};

struct vtde {
	const struct vtde_ops *ops;
	void *ctx;
	u64 cap, ecap;
	u32 gsts;
	u64 rtaddr;			/* the register */
	u64 root;			/* latched by SRTP: what walks use */
	u64 ccmd;
	u32 fsts;			/* PFO, IQE, ICE, ITE (PPF, FRI computed) */
	u32 fectl, fedata, feaddr, feuaddr;
	u64 frcd[VTDE_NFR][2];
	u32 fault_next;			/* where the next fault is recorded */
	u64 iqh, iqt, iqa;
	u32 ics, iectl, iedata, ieaddr, ieuaddr;
	u64 irtaddr;			/* IRTA_REG */
	u64 irta;			/* latched by SIRTP */
	u64 iva, iotlb;
	enum vtde_iqe_why iqe_why;
	u32 queue_budget;		/* descriptors per run, 0: all (sidecore: bounded) */
	bool stalled;			/* the queue waits for a page (ops->again) */
	u32 redo;			/* BIT(vtde_inv_kind): told again (again) */
	bool retrying;			/* in vtde_continue(): stops not counted */
	struct vtde_stats st;
};

/* Power-on state (every register at its reset value, 11.4). */
void vtde_init(struct vtde *e, const struct vtde_ops *ops, void *ctx);
/*
 * A guest access at offset off of the register page: 4 bytes anywhere
 * 4-aligned, 8 bytes at 8-aligned 64-bit registers (10.2). false: a size
 * or alignment the spec does not allow (nothing done; reads give nothing).
 */
bool vtde_read(struct vtde *e, u32 off, u32 size, u64 *val);
bool vtde_write(struct vtde *e, u32 off, u32 size, u64 val);

/* Record a primary fault (7.2.1) and raise the fault event if it is a
 * new interrupt condition. addr: the page (DMA) or, for interrupt faults,
 * the interrupt index << 48 as 11.4.14 puts it. */
void vtde_fault(struct vtde *e, u16 sid, u8 reason, u64 addr, bool read);

/* Queries for the translation and interrupt paths. */
static inline bool vtde_translating(const struct vtde *e)
{
	return e->gsts & GSTS_TES;
}

static inline bool vtde_remapping(const struct vtde *e)
{
	return e->gsts & GSTS_IRES;
}

/* Whether work is left: descriptors in the queue (a bounded run stopped
 * short, or one stopped at a guest page not at hand), or a register
 * command (CCMD.ICC, IOTLB.IVT, a root pointer or TE change) stopped at
 * one; and do it: those commands again, then the queue on from IQH (at
 * most queue_budget more). */
bool vtde_pending(const struct vtde *e);
/* Whether that work waits for a guest page (the queue at a descriptor, or
 * a register command): worth waiting for the page before continuing. */
bool vtde_waiting(const struct vtde *e);
void vtde_continue(struct vtde *e);

/* PPF (11.4.9.1): any fault record with F set. */
bool vtde_ppf(const struct vtde *e);

#endif
