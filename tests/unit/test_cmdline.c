// SPDX-License-Identifier: GPL-2.0
#include "core/cmdline.h"
#include "core/log.h"
#include "tests/unit/suites.h"

static struct tern_options o;
static struct reports r;

static int parse(const char *s)
{
	memset(&r, 0, sizeof(r));
	cmdline_defaults(&o);
	return cmdline_parse(s, &o, collect_report, &r);
}

START_TEST(defaults)
{
	ck_assert_int_eq(parse(""), 0);
	ck_assert_uint_eq(o.console_port, 0x3f8);
	ck_assert_uint_eq(o.console_baud, 115200);
	ck_assert_int_eq(o.loglevel, LOG_INFO);
	ck_assert_uint_eq(o.maxcpus, 64);
	ck_assert_int_eq(cmdline_parse(NULL, &o, collect_report, &r), 0);
}
END_TEST

START_TEST(good_options)
{
	ck_assert_int_eq(parse("  console=com2,9600   loglevel=debug maxcpus=3 "), 0);
	ck_assert_uint_eq(o.console_port, 0x2f8);
	ck_assert_uint_eq(o.console_baud, 9600);
	ck_assert_int_eq(o.loglevel, LOG_DEBUG);
	ck_assert_uint_eq(o.maxcpus, 3);
	ck_assert_int_eq(parse("console=0x3e8 loglevel=0"), 0);
	ck_assert_uint_eq(o.console_port, 0x3e8);
	ck_assert_int_eq(o.loglevel, LOG_ERR);
}
END_TEST

START_TEST(bad_values_keep_defaults)
{
	ck_assert_int_eq(parse("console=com9,115200 maxcpus=0 maxcpus=65 loglevel=loud"), 4);
	ck_assert_uint_eq(o.console_port, 0x3f8);
	ck_assert_uint_eq(o.maxcpus, 64);
	ck_assert(reports_find(&r, "console=com9: not com1-com4"));
	ck_assert(reports_find(&r, "maxcpus=0: must be 1 to 64"));
	ck_assert(reports_find(&r, "maxcpus=65"));
	ck_assert(reports_find(&r, "loglevel=loud"));
	ck_assert_int_eq(parse("console=com1,7000"), 1);	/* not a divisor */
	ck_assert_uint_eq(o.console_baud, 115200);
	ck_assert_int_eq(parse("maxcpus=-1 maxcpus=2x"), 2);
}
END_TEST

START_TEST(unknown_and_valueless)
{
	ck_assert_int_eq(parse("quiet maxcpus foo=bar"), 3);
	ck_assert(reports_find(&r, "unknown option 'quiet' ignored"));
	ck_assert(reports_find(&r, "option 'maxcpus' needs a value"));
	ck_assert(reports_find(&r, "unknown option 'foo'"));
}
END_TEST

Suite *cmdline_suite(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, good_options);
	tcase_add_test(tc, bad_values_keep_defaults);
	tcase_add_test(tc, unknown_and_valueless);
	suite_add_tcase(s, tc);
	return s;
}
