/* SPDX-License-Identifier: GPL-2.0 */
/* Macros the test guests share (32-bit code; tests/guests/lib.S). */
#ifndef TERN_TESTS_GUESTS_GUEST_H
#define TERN_TESTS_GUESTS_GUEST_H

/* On the condition, go on; otherwise fail with msg (guest_fail). */
#define CHECK(cond, msg) j##cond 1f; movl $msg, %esi; jmp guest_fail; 1:

/* Sleep until var >= val; STI;HLT leaves no gap for a lost wake-up. */
#define WAIT(var, val) \
	cli; \
8:	cmpl	$val, var; \
	jae	9f; \
	sti; \
	hlt; \
	cli; \
	jmp	8b; \
9:

/* I/O APIC register idx := val (IOAPIC: its base, defined by the guest) */
#define IOAPIC_WR(idx, val) movl $idx, IOAPIC; movl $val, IOAPIC + 0x10

#endif
