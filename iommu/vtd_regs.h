/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel VT-d remapping hardware: register layout (VT-d spec rev. 4.x,
 * ch. 11), invalidation descriptors (6.5.2), root and context entries
 * (9.1, 9.3), fault records (11.4.14).
 */
#ifndef TERN_IOMMU_VTD_REGS_H
#define TERN_IOMMU_VTD_REGS_H

#include "core/types.h"

/* Registers (11.4) */
#define VTD_VER			0x000	/* 32 */
#define VTD_CAP			0x008	/* 64 */
#define VTD_ECAP		0x010	/* 64 */
#define VTD_GCMD		0x018	/* 32 */
#define VTD_GSTS		0x01c	/* 32 */
#define VTD_RTADDR		0x020	/* 64 */
#define VTD_CCMD		0x028	/* 64 */
#define VTD_FSTS		0x034	/* 32 */
#define VTD_FECTL		0x038	/* 32 */
#define VTD_FEDATA		0x03c	/* 32 */
#define VTD_FEADDR		0x040	/* 32 */
#define VTD_FEUADDR		0x044	/* 32 */
#define VTD_PMEN		0x064	/* 32 */
#define VTD_IQH			0x080	/* 64 */
#define VTD_IQT			0x088	/* 64 */
#define VTD_IQA			0x090	/* 64 */
#define VTD_ICS			0x09c	/* 32 */
#define VTD_IRTA		0x0b8	/* 64 */

/* CAP_REG (11.4.2) */
#define CAP_ND(c)		((u32)(c) & 7)			/* domains: 2^(4+2*ND) */
#define CAP_RWBF		BIT(4)
#define CAP_PLMR		BIT(5)
#define CAP_PHMR		BIT(6)
#define CAP_CM			BIT(7)				/* caching mode */
#define CAP_SAGAW(c)		(((c) >> 8) & 0x1f)		/* bit 1: 39-bit, 2: 48-bit */
#define CAP_MGAW(c)		((u32)(((c) >> 16) & 0x3f) + 1)
#define CAP_FRO(c)		((u32)(((c) >> 24) & 0x3ff) * 16)
#define CAP_SLLPS(c)		(((c) >> 34) & 0xf)		/* bit 0: 2 MiB, 1: 1 GiB */
#define CAP_PSI			BIT(39)
#define CAP_NFR(c)		((u32)(((c) >> 40) & 0xff) + 1)
#define CAP_PI			BIT(59)

/* ECAP_REG (11.4.3) */
#define ECAP_C			BIT(0)		/* page walks snoop */
#define ECAP_QI			BIT(1)
#define ECAP_DT			BIT(2)
#define ECAP_IR			BIT(3)
#define ECAP_EIM		BIT(4)		/* x2APIC interrupt remapping */
#define ECAP_PT			BIT(6)		/* pass-through */
#define ECAP_SC			BIT(7)		/* snoop control */
#define ECAP_IRO(e)		((u32)(((e) >> 8) & 0x3ff) * 16)
#define ECAP_SMTS		BIT(43)	/* scalable mode */

/* GCMD_REG / GSTS_REG (11.4.4, 11.4.5): one command at a time */
#define GCMD_TE			BIT(31)		/* translation enable */
#define GCMD_SRTP		BIT(30)		/* set root table pointer */
#define GCMD_SFL		BIT(29)
#define GCMD_EAFL		BIT(28)
#define GCMD_WBF		BIT(27)
#define GCMD_QIE		BIT(26)		/* queued invalidation enable */
#define GCMD_IRE		BIT(25)		/* interrupt remapping enable */
#define GCMD_SIRTP		BIT(24)		/* set interrupt remap table pointer */
#define GCMD_CFI		BIT(23)		/* compatibility format interrupts */
/* The one-shot commands: never written back as "keep this on". */
#define GCMD_ONESHOT		(GCMD_SRTP | GCMD_SFL | GCMD_WBF | GCMD_SIRTP)

/* FSTS_REG (11.4.9.1) */
#define FSTS_PFO		BIT(0)		/* primary fault overflow */
#define FSTS_PPF		BIT(1)		/* primary pending fault */
#define FSTS_IQE		BIT(4)		/* invalidation queue error */
#define FSTS_ICE		BIT(5)
#define FSTS_ITE		BIT(6)		/* invalidation time-out */
#define FSTS_FRI(s)		(((s) >> 8) & 0xff)
#define FSTS_W1C		(FSTS_PFO | FSTS_IQE | FSTS_ICE | FSTS_ITE | BIT(2) | BIT(3))

/* FECTL_REG (11.4.9.2) */
#define FECTL_IM		BIT(31)		/* fault interrupt masked */
#define FECTL_IP		BIT(30)

/* IQA_REG (11.4.9.9): base | descriptor width | queue size */
#define IQA_QS_4K		0		/* 2^0 pages: 256 descriptors */
#define VTD_QUEUE_ENTRIES	256

/* Invalidation descriptors, 128-bit (6.5.2) */
#define QI_CC			0x1		/* context-cache */
#define QI_IOTLB		0x2
#define QI_IEC			0x4		/* interrupt entry cache */
#define QI_WAIT			0x5
#define QI_GRAN_GLOBAL		(1ULL << 4)
#define QI_IOTLB_DR		BIT(6)		/* drain reads */
#define QI_IOTLB_DW		BIT(7)		/* drain writes */
#define QI_WAIT_SW		BIT(5)		/* status write */
#define QI_WAIT_FN		BIT(6)		/* fence */

/* Root entry (9.1) and context entry (9.3), legacy mode, 128-bit each */
#define ROOT_P			BIT(0)
#define CTX_P			BIT(0)
#define CTX_FPD			BIT(1)		/* fault processing disable */
#define CTX_TT_PT		(2ULL << 2)	/* translation type: pass-through */

/* IRTA_REG (11.4.9.13): table base | EIME | size (2^(S+1) entries) */
#define IRTA_EIME		BIT(11)		/* x2APIC destination IDs */
#define VTD_IRT_ENTRIES		256
#define IRTA_S_256		7

/* Interrupt remapping table entry, remapped format (9.10), 128-bit */
#define IRTE_P			BIT(0)
#define IRTE_FPD		BIT(1)
#define IRTE_DM_LOGICAL		BIT(2)
#define IRTE_RH			BIT(3)
#define IRTE_TM_LEVEL		BIT(4)
#define IRTE_VECTOR(v)		((u64)(v) << 16)
#define IRTE_DEST_X2APIC(d)	((u64)(d) << 32)		/* 32-bit ID */
#define IRTE_DEST_XAPIC(d)	((u64)((d) & 0xff) << 40)	/* 8-bit ID */
#define IRTE_HI_SID(s)		((u64)(s))
#define IRTE_HI_SVT_VERIFY	(1ULL << 18)	/* requester must be SID */

/* An MSI in remappable format (5.1.5.2): handle in address 19:5 and 2 */
#define MSI_ADDR_REMAP		BIT(4)
#define MSI_ADDR_SHV		BIT(3)

/* Fault recording register (11.4.14), as two 64-bit halves */
#define FRCD_HI_F		BIT(63)	/* fault; write 1 to clear */
#define FRCD_HI_T		BIT(62)	/* 1: read request, 0: write */
#define FRCD_HI_FR(h)		((u8)((h) >> 32))
#define FRCD_HI_SID(h)		((u16)(h))

#endif
