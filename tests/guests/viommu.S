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
 * Then DMA through the translation: the VM's virtio-blk (00:02.0, with
 * VIRTIO_F_ACCESS_PLATFORM) gets its rings and buffers at I/O addresses
 * the guest's second-level tables map; a read into a mapped buffer
 * succeeds, a read into an unmapped IOVA fails with IOERR and is recorded
 * in the fault registers (source 00:02.0, the IOVA's page) with the fault
 * event. Exit status 0 when all held.
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

#define FRCD		0x220		/* the first fault recording register */
#define GCMD_TE		(1 << 31)
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
	call	dma_test

	movl	$m_pass, %esi
	call	puts
	movb	$0, %al
	jmp	guest_exit

/*
 * DMA through the translation with the VM's virtio-blk (virtio 1.1 4.1).
 * I/O addresses: descriptors 0x10000, available ring 0x11000, used ring
 * 0x12000, request header and status 0x13000 (status at +0x10), a data
 * buffer 0x14000; 0x15000 is left unmapped.
 */
#define ECAM		0xb0010000		/* bus 0, device 2 */
#define VBAR		0xc0000000		/* where the guest puts BAR0 */
#define V_STATUS	(VBAR + 0x14)
#define IOVA_DESC	0x10000
#define IOVA_HDR	0x13000
#define IOVA_DATA	0x14000
#define IOVA_UNMAPPED	0x15000

/* One read request (type IN, sector 0, 4 KiB) as descriptors n..n+2 into
 * the buffer at I/O address %eax; made available and notified. */
	.text
submit:
	movl	%ecx, %edx
	shll	$4, %edx
	addl	$vq_desc, %edx
	movl	$IOVA_HDR, 0(%edx)		/* header: 16 bytes, device-read */
	movl	$0, 4(%edx)
	movl	$16, 8(%edx)
	movw	$1, 12(%edx)			/* NEXT */
	leal	1(%ecx), %ebx
	movw	%bx, 14(%edx)
	movl	%eax, 16(%edx)			/* data: 4 KiB, device-written */
	movl	$0, 20(%edx)
	movl	$4096, 24(%edx)
	movw	$3, 28(%edx)			/* NEXT | WRITE */
	incl	%ebx
	movw	%bx, 30(%edx)
	movl	$(IOVA_HDR + 0x10), 32(%edx)	/* status: 1 byte, device-written */
	movl	$0, 36(%edx)
	movl	$1, 40(%edx)
	movw	$2, 44(%edx)
	movw	$0, 46(%edx)
	movb	$0xff, vq_hdr + 0x10
	movzwl	vq_avail + 2, %ebx		/* ring[idx % 8] = head */
	movl	%ebx, %edx
	andl	$7, %edx
	movw	%cx, vq_avail + 4(,%edx,2)
	incl	%ebx
	movw	%bx, vq_avail + 2
	movw	$0, VBAR + 0x3000		/* notify queue 0 */
	/* The device answers once tern's disk has read the block (the
	 * management core's ATA request, which an emulator may take a good
	 * part of an emulated second for): the used index moved. The bound
	 * only keeps a device that never answers from hanging the test. */
	movl	$100000000, %ecx
1:	cmpw	%bx, vq_used + 2
	je	2f
	pause
	loop	1b
2:	ret

dma_test:
	/* Second-level tables (3 levels, 39 bits) mapping the five pages
	 * read-write; context entry for 00:02.0 in domain 1; root entry for
	 * bus 0. */
	movl	$(sl_l2 + 3), sl_l3
	movl	$(sl_l1 + 3), sl_l2
	movl	$(vq_desc + 3), sl_l1 + 8 * 0x10
	movl	$(vq_avail + 3), sl_l1 + 8 * 0x11
	movl	$(vq_used + 3), sl_l1 + 8 * 0x12
	movl	$(vq_hdr + 3), sl_l1 + 8 * 0x13
	movl	$(databuf + 3), sl_l1 + 8 * 0x14
	movl	$(sl_l3 + 1), ctxt + 16 * 0x10
	movl	$(1 | 1 << 8), ctxt + 16 * 0x10 + 8	/* AW 39-bit, DID 1 */
	movl	$(ctxt + 1), root
	/* Caching mode: made present, so invalidated (context and IOTLB,
	 * global), then a wait; then translation on. */
	movl	$0x11, queue + 80
	movl	$0x12, queue + 96
	movl	$0x25, queue + 112
	movl	$0x9abc, queue + 112 + 4
	movl	$status, queue + 112 + 8
	movl	$128, VTD + IQT
	cmpl	$0x9abc, status
	CHECK(e, m_wait)
	movl	$(GCMD_TE | GCMD_QIE), VTD + GCMD
	testl	$GCMD_TE, VTD + GSTS
	CHECK(nz, m_te)

	/* The function: BAR0, memory decoding and bus mastering. */
	cmpl	$0x10421af4, ECAM		/* virtio-blk, modern */
	CHECK(e, m_novblk)
	movl	$VBAR, ECAM + 0x10
	movl	$6, ECAM + 4
	/* Reset, ACKNOWLEDGE, DRIVER; VERSION_1 and ACCESS_PLATFORM. */
	movb	$0, V_STATUS
	movb	$1, V_STATUS
	movb	$3, V_STATUS
	movl	$0, VBAR + 0x08
	movl	$0, VBAR + 0x0c
	movl	$1, VBAR + 0x08
	movl	$3, VBAR + 0x0c
	movb	$0xb, V_STATUS
	testb	$8, V_STATUS
	CHECK(nz, m_features)
	/* Queue 0: 8 entries, no vector, at its I/O addresses. */
	movw	$0, VBAR + 0x16
	movw	$8, VBAR + 0x18
	movw	$0xffff, VBAR + 0x1a
	movl	$IOVA_DESC, VBAR + 0x20
	movl	$0, VBAR + 0x24
	movl	$(IOVA_DESC + 0x1000), VBAR + 0x28
	movl	$0, VBAR + 0x2c
	movl	$(IOVA_DESC + 0x2000), VBAR + 0x30
	movl	$0, VBAR + 0x34
	movw	$1, VBAR + 0x1c
	movb	$0xf, V_STATUS
	testb	$0x40, V_STATUS			/* NEEDS_RESET */
	CHECK(z, m_features)

	/* A read into the mapped buffer: done, status OK. */
	movl	$IOVA_DATA, %eax
	movl	$0, %ecx
	call	submit
	cmpw	$1, vq_used + 2
	CHECK(e, m_noans)
	cmpb	$0, vq_hdr + 0x10
	CHECK(e, m_mapped)
	movl	$m_dma_ok, %esi
	call	puts

	/* A read into an unmapped IOVA: IOERR; the fault recorded with the
	 * page, the source (00:02.0), a write (T = 0), and the event. */
	movl	$IOVA_UNMAPPED, %eax
	movl	$3, %ecx
	call	submit
	cmpw	$2, vq_used + 2
	CHECK(e, m_noans)
	cmpb	$1, vq_hdr + 0x10
	CHECK(e, m_unmapped)
	WAIT(fault_irqs, 2)			/* the first was IQE's */
	sti
	testl	$2, VTD + FSTS			/* PPF */
	CHECK(nz, m_fault_ppf)
	cmpl	$IOVA_UNMAPPED, VTD + FRCD
	CHECK(e, m_fault_addr)
	movl	VTD + FRCD + 8, %eax		/* source-id 15:0 (4-byte reads only) */
	andl	$0xffff, %eax
	cmpl	$0x10, %eax
	CHECK(e, m_fault_sid)
	movl	VTD + FRCD + 12, %eax
	testl	$0x80000000, %eax		/* F */
	CHECK(nz, m_fault_f)
	testl	$0x40000000, %eax		/* T: 0, a write */
	CHECK(z, m_fault_t)
	andl	$0xff, %eax
	CHECK(nz, m_fault_f)
	movl	$m_fault_ok, %esi
	call	puts
	/* Cleared (F is write-1-to-clear): PPF goes. */
	movl	$0x80000000, VTD + FRCD + 12
	testl	$2, VTD + FSTS
	CHECK(z, m_fault)
	ret

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
m_dma_ok:	.asciz	"guest: viommu: virtio-blk read through the translation: status OK\n"
m_fault_ok:	.asciz	"guest: viommu: DMA to an unmapped IOVA: IOERR, fault recorded (00:02.0, IOVA 0x15000, write), fault event\n"
m_pass:		.asciz	"guest: viommu: PASS\n"
m_te:		.asciz	"TE did not turn translation on"
m_novblk:	.asciz	"no virtio-blk at 00:02.0"
m_features:	.asciz	"virtio-blk refused VERSION_1 | ACCESS_PLATFORM or the queue"
m_noans:	.asciz	"virtio-blk did not answer the request"
m_mapped:	.asciz	"the read into a mapped buffer failed"
m_unmapped:	.asciz	"the read into an unmapped IOVA did not fail with IOERR"
m_fault:	.asciz	"clearing the fault record's F left PPF set"
m_fault_ppf:	.asciz	"the unmapped IOVA left no PPF"
m_fault_addr:	.asciz	"the fault record's address is not the unmapped IOVA's page"
m_fault_sid:	.asciz	"the fault record's source is not 00:02.0"
m_fault_f:	.asciz	"the fault record has no F or no reason"
m_fault_t:	.asciz	"the fault record says read (T = 1) for the device's write"
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
ctxt:		.skip	4096
sl_l3:		.skip	4096
sl_l2:		.skip	4096
sl_l1:		.skip	4096
vq_desc:	.skip	4096
vq_avail:	.skip	4096
vq_used:	.skip	4096
vq_hdr:		.skip	4096
databuf:	.skip	4096
