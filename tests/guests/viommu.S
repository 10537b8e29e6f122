/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vIOMMU test guest (viommu = samecore): programs the emulated VT-d unit
 * at 0xfed90000 as a driver does and checks what the VT-d spec says it
 * must see: the version and capabilities (caching mode, QI, IR), the root
 * table pointer latched by SRTP, queued invalidation with a wait
 * descriptor's status write, the completion interrupt held while IECTL
 * masks it and delivered when unmasked, an invalid descriptor stopping
 * the queue with IQE and IQH at it, the fault event interrupt, the queue
 * resuming once the guest fixed it and cleared IQE, the interrupt
 * remapping table pointer latched by SIRTP, and its DMAR in the XSDT.
 * Exit status 0 when all held.
 */
#include "guest.h"

#define APIC		0xfee00000
#define VTD		0xfed90000
#define VEC_INV		0x41
#define VEC_FAULT	0x42

#define VER		0x000
#define CAP		0x008
#define ECAP		0x010
#define GCMD		0x018
#define GSTS		0x01c
#define RTADDR		0x020
#define FSTS		0x034
#define FECTL		0x038
#define FEDATA		0x03c
#define FEADDR		0x040
#define IQH		0x080
#define IQT		0x088
#define IQA		0x090
#define ICS		0x09c
#define IECTL		0x0a0
#define IEDATA		0x0a4
#define IEADDR		0x0a8
#define IRTA		0x0b8

#define GCMD_SRTP	(1 << 30)
#define GCMD_QIE	(1 << 26)
#define GCMD_SIRTP	(1 << 24)

	.text
	.code32
	.globl	guest_main
guest_main:
	movl	$inv_isr, %eax
	movl	$VEC_INV, %ebx
	call	set_gate
	movl	$fault_isr, %eax
	movl	$VEC_FAULT, %ebx
	call	set_gate
	movl	$0x1ff, APIC + 0xf0		/* xAPIC on */

	/* The DMAR: in the XSDT the RSDP (at 0xe0000, where tern puts it)
	 * names, with the unit's address. */
	movl	0xe0000 + 24, %esi		/* XSDT */
	movl	4(%esi), %ecx
	subl	$36, %ecx
	shrl	$3, %ecx
	leal	36(%esi), %edi
1:	movl	(%edi), %ebx
	cmpl	$0x52414d44, (%ebx)		/* "DMAR" */
	je	2f
	addl	$8, %edi
	loop	1b
	movl	$m_nodmar, %esi
	jmp	guest_fail
2:	cmpl	$VTD, 48 + 8(%ebx)		/* the DRHD's register base */
	CHECK(e, m_nodmar)

	/* Version 1.0; CAP: caching mode; ECAP: QI and IR. */
	cmpl	$0x10, VTD + VER
	CHECK(e, m_ver)
	testl	$0x80, VTD + CAP
	CHECK(nz, m_cap)
	movl	VTD + ECAP, %eax
	andl	$0xa, %eax
	cmpl	$0xa, %eax
	CHECK(e, m_cap)
	movl	$m_caps, %esi
	call	puts

	/* Root table pointer: latched by SRTP, RTPS set. */
	movl	$root, VTD + RTADDR
	movl	$0, VTD + RTADDR + 4
	movl	$GCMD_SRTP, VTD + GCMD
	testl	$(1 << 30), VTD + GSTS
	CHECK(nz, m_rtps)
	cmpl	$root, VTD + RTADDR
	CHECK(e, m_rtps)

	/* The queue: 256 descriptors at queue, on. */
	movl	$0, VTD + IQT
	movl	$queue, VTD + IQA
	movl	$0, VTD + IQA + 4
	movl	$GCMD_QIE, VTD + GCMD
	testl	$(1 << 26), VTD + GSTS
	CHECK(nz, m_qie)
	/* 0: context-cache global; 1: wait, status write 0x1234. */
	movl	$0x11, queue
	movl	$0x25, queue + 16			/* wait | SW */
	movl	$0x1234, queue + 16 + 4
	movl	$status, queue + 16 + 8
	movl	$32, VTD + IQT
	cmpl	$0x1234, status
	CHECK(e, m_wait)
	cmpl	$32, VTD + IQH
	CHECK(e, m_wait)
	movl	$m_waited, %esi
	call	puts

	/* 2: wait with IF: IWC, IP while IECTL masks it (its reset state). */
	movl	$0x15, queue + 32			/* wait | IF */
	movl	$48, VTD + IQT
	testl	$1, VTD + ICS
	CHECK(nz, m_iwc)
	testl	$(1 << 30), VTD + IECTL
	CHECK(nz, m_iwc)
	cmpl	$0, inv_irqs
	CHECK(e, m_iwc)
	/* Unmasked: the held completion interrupt arrives. */
	movl	$VEC_INV, VTD + IEDATA
	movl	$0xfee00000, VTD + IEADDR
	sti
	movl	$0, VTD + IECTL
	WAIT(inv_irqs, 1)
	sti
	movl	$1, VTD + ICS				/* IWC: write 1 to clear */
	cmpl	$0, VTD + ICS
	CHECK(e, m_iwc)
	movl	$m_completion, %esi
	call	puts

	/* 3: type 7, not a descriptor this unit has: IQE, IQH stays at
	 * it, the following wait is not run, the fault event fires. */
	movl	$VEC_FAULT, VTD + FEDATA
	movl	$0xfee00000, VTD + FEADDR
	movl	$0, VTD + FECTL
	movl	$7, queue + 48
	movl	$0x25, queue + 64
	movl	$0x5678, queue + 64 + 4
	movl	$status, queue + 64 + 8
	movl	$80, VTD + IQT
	WAIT(fault_irqs, 1)
	sti
	testl	$0x10, VTD + FSTS
	CHECK(nz, m_iqe)
	cmpl	$48, VTD + IQH
	CHECK(e, m_iqe)
	cmpl	$0x1234, status
	CHECK(e, m_iqe)
	movl	$m_iqe_ok, %esi
	call	puts
	/* Fixed (a wait in its place) and IQE cleared: the queue goes on. */
	movl	$0x5, queue + 48
	movl	$0x10, VTD + FSTS
	testl	$0x10, VTD + FSTS
	CHECK(z, m_resume)
	cmpl	$80, VTD + IQH
	CHECK(e, m_resume)
	cmpl	$0x5678, status
	CHECK(e, m_resume)
	movl	$m_resumed, %esi
	call	puts

	/* Interrupt remapping table pointer: 256 entries at irt. */
	movl	$(irt + 7), VTD + IRTA
	movl	$0, VTD + IRTA + 4
	movl	$(GCMD_QIE | GCMD_SIRTP), VTD + GCMD
	movl	VTD + GSTS, %eax
	andl	$((1 << 24) | (1 << 26)), %eax
	cmpl	$((1 << 24) | (1 << 26)), %eax
	CHECK(e, m_irtp)
	movl	$m_irtp_ok, %esi
	call	puts

	movl	$m_pass, %esi
	call	puts
	movb	$0, %al
	jmp	guest_exit

inv_isr:
	incl	inv_irqs
	movl	$0, APIC + 0xb0
	iret

fault_isr:
	incl	fault_irqs
	movl	$0, APIC + 0xb0
	iret

	.section .rodata
m_caps:		.asciz	"guest: viommu: VT-d 1.0 in the DMAR, caching mode, QI and IR\n"
m_waited:	.asciz	"guest: viommu: root table pointer set; queued wait wrote its status\n"
m_completion:	.asciz	"guest: viommu: completion interrupt held while masked, delivered when unmasked\n"
m_iqe_ok:	.asciz	"guest: viommu: bad descriptor: IQE, head kept, fault event\n"
m_resumed:	.asciz	"guest: viommu: queue resumed after IQE cleared\n"
m_irtp_ok:	.asciz	"guest: viommu: interrupt remapping table pointer set\n"
m_pass:		.asciz	"guest: viommu: PASS\n"
m_nodmar:	.asciz	"no DMAR naming the unit at 0xfed90000"
m_ver:		.asciz	"VER is not 1.0"
m_cap:		.asciz	"CAP/ECAP lack caching mode, QI or IR"
m_rtps:		.asciz	"SRTP did not latch the root table pointer"
m_qie:		.asciz	"QIE did not enable the queue"
m_wait:		.asciz	"the wait descriptor wrote no status or IQH did not move"
m_iwc:		.asciz	"wait with IF: IWC/IP/interrupt wrong"
m_iqe:		.asciz	"a bad descriptor did not stop the queue with IQE"
m_resume:	.asciz	"the queue did not resume after IQE was cleared"
m_irtp:		.asciz	"SIRTP did not latch"

	.data
	.align 4
inv_irqs:	.long	0
fault_irqs:	.long	0
status:		.long	0

	.bss
	.align 4096
root:		.skip	4096
queue:		.skip	4096
irt:		.skip	4096
