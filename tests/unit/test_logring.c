// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "core/logring.h"
#include "tests/unit/suites.h"

static char seen[64][64];
static int nseen;

static void grab(const char *t, u32 n, void *arg)
{
	(void)arg;
	if (nseen < 64)
		snprintf(seen[nseen], sizeof(seen[0]), "%.*s", (int)n, t);
	nseen++;
}

START_TEST(append_and_read_in_order)
{
	char buf[256];
	struct logring r;

	logring_init(&r, buf, sizeof(buf));
	logring_append(&r, "one", 3);
	logring_append(&r, "two", 3);
	logring_append(&r, "", 0);		/* empty: ignored */
	nseen = 0;
	logring_for_each(&r, grab, NULL);
	ck_assert_int_eq(nseen, 2);
	ck_assert_str_eq(seen[0], "one");
	ck_assert_str_eq(seen[1], "two");
}
END_TEST

START_TEST(wraps_and_evicts_whole_records)
{
	char buf[64], line[32];
	struct logring r;

	logring_init(&r, buf, sizeof(buf));
	for (int i = 0; i < 40; i++) {
		int n = snprintf(line, sizeof(line), "record %02d", i);

		logring_append(&r, line, n);
	}
	nseen = 0;
	logring_for_each(&r, grab, NULL);
	/* 11 bytes per record in 64: the newest 5 survive, intact. */
	ck_assert_int_eq(nseen, 5);
	ck_assert_str_eq(seen[0], "record 35");
	ck_assert_str_eq(seen[4], "record 39");
	ck_assert_uint_eq(r.written, 40);
	ck_assert_uint_eq(r.dropped, 35);
	ck_assert_uint_le(r.used, r.size);
}
END_TEST

START_TEST(oversized_record_is_cut)
{
	char buf[4096], big[2000];
	struct logring r;

	memset(big, 'x', sizeof(big));
	logring_init(&r, buf, sizeof(buf));
	logring_append(&r, big, sizeof(big));
	ck_assert_uint_eq(r.used, 2 + LOGRING_MAX_RECORD);
	char small[16];

	logring_init(&r, small, sizeof(small));
	logring_append(&r, big, 100);		/* bigger than the ring */
	ck_assert_uint_eq(r.used, sizeof(small));
	ck_assert_uint_eq(r.records, 1);
}
END_TEST

Suite *logring_suite(void)
{
	Suite *s = suite_create("logring");
	TCase *tc = tcase_create("ring");

	tcase_add_test(tc, append_and_read_in_order);
	tcase_add_test(tc, wraps_and_evicts_whole_records);
	tcase_add_test(tc, oversized_record_is_cut);
	suite_add_tcase(s, tc);
	return s;
}
