// SPDX-License-Identifier: GPL-2.0
#include "core/vdev/msi.h"
#include "tests/unit/fake_guest.h"
#include "tests/unit/suites.h"

u8 fg_ram[FG_SIZE];

const struct vq_mem_ops fg_mem = { fg_is_ram, fg_read, fg_write };

#define QSIZE		8
#define DESC		0x100000ULL
#define AVAIL		0x101000ULL
#define USED		0x102000ULL
#define IND		0x103000ULL
#define BUF		0x110000ULL

static struct virtq q;

static void setup(void)
{
	memset(fg_ram, 0, sizeof(fg_ram));
	memset(&q, 0, sizeof(q));
	q.mem = &fg_mem;
	vq_reset(&q, QSIZE);
	q.desc = DESC;
	q.avail = AVAIL;
	q.used = USED;
	ck_assert_int_eq(vq_enable(&q), VQ_OK);
}

/* Make head available as entry idx (and the index idx + 1). */
static void offer(u16 idx, u16 head)
{
	put16(fg(AVAIL + 4 + 2 * (idx % QSIZE)), head);
	put16(fg(AVAIL + 2), (u16)(idx + 1));
}

START_TEST(chain_in_order)
{
	struct vq_chain c;
	u8 b[16];

	setup();
	ck_assert_int_eq(vq_pop(&q, &c), 0);		/* nothing yet */
	fg_desc(DESC, 3, BUF, 16, VIRTQ_DESC_F_NEXT, 5);
	fg_desc(DESC, 5, BUF + 0x1000, 0x2000, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);
	fg_desc(DESC, 0, BUF + 0x4000, 1, VIRTQ_DESC_F_WRITE, 0);
	memcpy(fg(BUF), "0123456789abcdef", 16);
	offer(0, 3);
	ck_assert(vq_has_work(&q));
	ck_assert_int_eq(vq_pop(&q, &c), 1);
	ck_assert_uint_eq(c.head, 3);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_uint_eq(c.nread, 1);
	ck_assert_uint_eq(c.read_len, 16);
	ck_assert_uint_eq(c.write_len, 0x2001);
	ck_assert_int_eq(vq_chain_read(&q, &c, 4, b, 8), VQ_OK);
	ck_assert(!memcmp(b, "456789ab", 8));
	/* Reading past the readable part, or the device writing where it may
	 * only read: refused, nothing copied. */
	ck_assert_int_eq(vq_chain_read(&q, &c, 10, b, 8), VQ_ERR_ACCESS);
	ck_assert_int_eq(vq_chain_write(&q, &c, 0x2000, "xy", 2), VQ_ERR_ACCESS);
	/* A write across the two writable buffers. */
	ck_assert_int_eq(vq_chain_write(&q, &c, 0x1fff, "ST", 2), VQ_OK);
	ck_assert_uint_eq(*fg(BUF + 0x1000 + 0x1fff), 'S');
	ck_assert_uint_eq(*fg(BUF + 0x4000), 'T');
	ck_assert(!memcmp(fg(BUF), "0123456789abcdef", 16));
	ck_assert_int_eq(vq_push(&q, c.head, 0x2001), VQ_OK);
	ck_assert_uint_eq(rd16(fg(USED + 2)), 1);
	ck_assert_uint_eq(rd32(fg(USED + 4)), 3);
	ck_assert_uint_eq(rd32(fg(USED + 8)), 0x2001);
	ck_assert_int_eq(vq_pop(&q, &c), 0);
	ck_assert(vq_want_interrupt(&q));
	put16(fg(AVAIL), VIRTQ_AVAIL_F_NO_INTERRUPT);
	ck_assert(!vq_want_interrupt(&q));
}
END_TEST

START_TEST(indirect_table)
{
	struct vq_chain c;

	setup();
	fg_desc(DESC, 1, IND, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	fg_desc(IND, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 2);
	fg_desc(IND, 2, BUF + 0x100, 512, VIRTQ_DESC_F_NEXT, 1);
	fg_desc(IND, 1, BUF + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	offer(0, 1);
	ck_assert_int_eq(vq_pop(&q, &c), 1);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_uint_eq(c.read_len, 16 + 512);
	ck_assert_uint_eq(c.write_len, 1);
	ck_assert_uint_eq(c.buf[1].addr, BUF + 0x100);
}
END_TEST

/* One malformed chain at head 0: the pop's error, and the queue broken. */
static void expect_bad(int err)
{
	struct vq_chain c;

	offer(0, 0);
	ck_assert_int_eq(vq_pop(&q, &c), err);
	ck_assert(q.broken);
	ck_assert_int_eq(vq_pop(&q, &c), err);		/* stays broken */
	ck_assert_uint_eq(q.errors, 1);
}

START_TEST(loop_in_table)
{
	setup();
	fg_desc(DESC, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	fg_desc(DESC, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	expect_bad(VQ_ERR_LOOP);
}
END_TEST

START_TEST(loop_in_indirect)
{
	setup();
	fg_desc(DESC, 0, IND, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	fg_desc(IND, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	fg_desc(IND, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	expect_bad(VQ_ERR_LOOP);
}
END_TEST

START_TEST(next_past_table)
{
	setup();
	fg_desc(DESC, 0, BUF, 16, VIRTQ_DESC_F_NEXT, QSIZE);
	expect_bad(VQ_ERR_HEAD);
}
END_TEST

START_TEST(head_past_table)
{
	struct vq_chain c;

	setup();
	offer(0, QSIZE + 1);
	ck_assert_int_eq(vq_pop(&q, &c), VQ_ERR_HEAD);
}
END_TEST

START_TEST(next_past_indirect_table)
{
	setup();
	fg_desc(DESC, 0, IND, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	fg_desc(IND, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 2);
	expect_bad(VQ_ERR_HEAD);
}
END_TEST

START_TEST(buffer_outside_ram)
{
	setup();
	fg_desc(DESC, 0, FG_BASE + FG_SIZE - 8, 16, 0, 0);	/* straddles the end */
	expect_bad(VQ_ERR_ADDR);
}
END_TEST

START_TEST(buffer_wraps)
{
	setup();
	fg_desc(DESC, 0, ~0ULL - 4, 16, 0, 0);
	expect_bad(VQ_ERR_ADDR);
}
END_TEST

START_TEST(indirect_table_outside_ram)
{
	setup();
	fg_desc(DESC, 0, 0x1000, 32, VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad(VQ_ERR_ADDR);
}
END_TEST

START_TEST(length_over_limit)
{
	setup();
	q.max_chain_len = 4096;
	fg_desc(DESC, 0, BUF, 4000, VIRTQ_DESC_F_NEXT, 1);
	fg_desc(DESC, 1, BUF, 97, VIRTQ_DESC_F_WRITE, 0);
	expect_bad(VQ_ERR_LEN);
}
END_TEST

START_TEST(indirect_with_next)
{
	setup();
	fg_desc(DESC, 0, IND, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	fg_desc(IND, 0, BUF, 16, 0, 0);
	expect_bad(VQ_ERR_INDIRECT);
}
END_TEST

START_TEST(indirect_nested)
{
	setup();
	fg_desc(DESC, 0, IND, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	fg_desc(IND, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	fg_desc(IND, 1, IND + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad(VQ_ERR_INDIRECT);
}
END_TEST

START_TEST(indirect_bad_sizes)
{
	setup();
	fg_desc(DESC, 0, IND, 24, VIRTQ_DESC_F_INDIRECT, 0);	/* not whole descriptors */
	expect_bad(VQ_ERR_INDIRECT);
	setup();
	fg_desc(DESC, 0, IND, 16 * (QSIZE + 1), VIRTQ_DESC_F_INDIRECT, 0);	/* over the queue size */
	expect_bad(VQ_ERR_INDIRECT);
	setup();
	fg_desc(DESC, 0, IND, 0, VIRTQ_DESC_F_INDIRECT, 0);
	expect_bad(VQ_ERR_INDIRECT);
}
END_TEST

START_TEST(readable_after_writable)
{
	setup();
	fg_desc(DESC, 0, BUF, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	fg_desc(DESC, 1, BUF, 16, 0, 0);
	expect_bad(VQ_ERR_ORDER);
}
END_TEST

START_TEST(avail_index_jump)
{
	struct vq_chain c;

	setup();
	fg_desc(DESC, 0, BUF, 16, 0, 0);
	put16(fg(AVAIL + 2), QSIZE + 1);
	ck_assert_int_eq(vq_pop(&q, &c), VQ_ERR_AVAIL_IDX);
	ck_assert(q.broken);
	/* Exactly the queue size ahead is legal. */
	setup();
	fg_desc(DESC, 0, BUF, 16, 0, 0);
	put16(fg(AVAIL + 2), QSIZE);
	ck_assert_int_eq(vq_pop(&q, &c), 1);
}
END_TEST

START_TEST(too_many_buffers)
{
	struct vq_chain c;

	setup();
	vq_reset(&q, 128);
	q.desc = DESC;
	q.avail = AVAIL;
	q.used = USED;
	ck_assert_int_eq(vq_enable(&q), VQ_OK);
	for (u16 i = 0; i < VQ_CHAIN_MAX + 1; i++)
		fg_desc(DESC, i, BUF, 1, i < VQ_CHAIN_MAX ? VIRTQ_DESC_F_NEXT : 0, (u16)(i + 1));
	put16(fg(AVAIL + 4), 0);
	put16(fg(AVAIL + 2), 1);
	ck_assert_int_eq(vq_pop(&q, &c), VQ_ERR_TOO_MANY);
}
END_TEST

START_TEST(enable_checks)
{
	memset(&q, 0, sizeof(q));
	q.mem = &fg_mem;
	vq_reset(&q, 6);				/* not a power of two */
	q.desc = DESC;
	q.avail = AVAIL;
	q.used = USED;
	ck_assert_int_eq(vq_enable(&q), VQ_ERR_LEN);
	q.size = 8;
	q.desc = DESC + 8;				/* misaligned */
	ck_assert_int_eq(vq_enable(&q), VQ_ERR_ADDR);
	q.desc = 0x1000;				/* not RAM */
	ck_assert_int_eq(vq_enable(&q), VQ_ERR_ADDR);
	q.desc = DESC;
	q.used = FG_BASE + FG_SIZE - 16;		/* runs off RAM */
	ck_assert_int_eq(vq_enable(&q), VQ_ERR_ADDR);
	ck_assert(!q.ready);
	q.used = USED;
	ck_assert_int_eq(vq_enable(&q), VQ_OK);
	ck_assert(q.ready);
}
END_TEST

START_TEST(msi_messages)
{
	struct vlapic_ipi m;

	ck_assert(msi_guest_message(0xfee01004, 0, 0x0131, &m));
	ck_assert_uint_eq(m.vector, 0x31);
	ck_assert_uint_eq(m.dest, 1);
	ck_assert(m.logical);
	ck_assert_uint_eq(m.mode, ICR_MODE_LOWEST);
	ck_assert(!msi_guest_message(0xfed00000, 0, 0x31, &m));	/* not the APIC window */
	ck_assert(!msi_guest_message(0xfee00000, 1, 0x31, &m));	/* high half */
	ck_assert(!msi_guest_message(0xfee00000, 0, 0x231, &m));	/* SMI */
	ck_assert(!msi_guest_message(0xfee00000, 0, 0x731, &m));	/* ExtINT */
}
END_TEST

Suite *virtqueue_suite(void)
{
	Suite *s = suite_create("virtqueue");
	TCase *tc = tcase_create("split");

	tcase_add_test(tc, chain_in_order);
	tcase_add_test(tc, indirect_table);
	tcase_add_test(tc, loop_in_table);
	tcase_add_test(tc, loop_in_indirect);
	tcase_add_test(tc, next_past_table);
	tcase_add_test(tc, head_past_table);
	tcase_add_test(tc, next_past_indirect_table);
	tcase_add_test(tc, buffer_outside_ram);
	tcase_add_test(tc, buffer_wraps);
	tcase_add_test(tc, indirect_table_outside_ram);
	tcase_add_test(tc, length_over_limit);
	tcase_add_test(tc, indirect_with_next);
	tcase_add_test(tc, indirect_nested);
	tcase_add_test(tc, indirect_bad_sizes);
	tcase_add_test(tc, readable_after_writable);
	tcase_add_test(tc, avail_index_jump);
	tcase_add_test(tc, too_many_buffers);
	tcase_add_test(tc, enable_checks);
	tcase_add_test(tc, msi_messages);
	suite_add_tcase(s, tc);
	return s;
}
