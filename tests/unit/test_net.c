// SPDX-License-Identifier: GPL-2.0
/* The network's pure parts: boot options, the HTTP request parser, the
 * wrong-secret limiter, a connection's output buffer, the INTx storm
 * detector. */
#include <string.h>

#include "core/cmdline.h"
#include "core/net/http_parse.h"
#include "core/net/login_limit.h"
#include "core/net/netopts.h"
#include "core/net/outbuf.h"
#include "core/vm/config.h"
#include "drivers/net/intx_storm.h"
#include "tests/unit/suites.h"

static struct tern_options o;
static struct reports r;

static int parse(const char *s)
{
	memset(&r, 0, sizeof(r));
	cmdline_defaults(&o);
	return cmdline_parse(s, &o, collect_report, &r);
}

START_TEST(net_defaults)
{
	ck_assert_int_eq(parse(""), 0);
	ck_assert(o.net.dhcp && !o.net.have_static && !o.net.off && !o.net.nic[0]);
	ck_assert_uint_eq(o.net.shell_port, 2323);
	ck_assert_uint_eq(o.net.metrics_port, 9100);
	ck_assert_uint_eq(o.net.shell_timeout_s, 300);
	ck_assert_str_eq(o.net.secret, "");
}
END_TEST

START_TEST(net_good)
{
	ck_assert_int_eq(parse("ip=192.168.1.7/24,192.168.1.1 net=00:03.0 shell_port=23 "
			       "metrics_port=off shell_secret=hunter2hunter2 shell_timeout=60"), 0);
	ck_assert(!o.net.dhcp && o.net.have_static);
	ck_assert_uint_eq(o.net.addr, 0xc0a80107);
	ck_assert_uint_eq(o.net.gw, 0xc0a80101);
	ck_assert_uint_eq(o.net.prefix, 24);
	ck_assert_str_eq(o.net.nic, "00:03.0");
	ck_assert_uint_eq(o.net.shell_port, 23);
	ck_assert_uint_eq(o.net.metrics_port, 0);
	ck_assert_uint_eq(o.net.shell_timeout_s, 60);
	ck_assert_str_eq(o.net.secret, "hunter2hunter2");
	ck_assert_int_eq(parse("ip=dhcp,10.0.0.5/8 net=off"), 0);
	ck_assert(o.net.dhcp && o.net.have_static && o.net.off);
	ck_assert_uint_eq(o.net.addr, 0x0a000005);
	ck_assert_uint_eq(o.net.gw, 0);
}
END_TEST

START_TEST(net_bad)
{
	static const char *const bad[] = {
		"ip=1.2.3/24", "ip=1.2.3.4", "ip=1.2.3.4/33", "ip=256.1.1.1/8", "ip=1.2.3.4/24,gw",
		"ip=dhcp,", "ip=", "net=3", "net=00:20.0", "shell_port=0", "shell_port=65536",
		"metrics_port=http", "shell_timeout=1", "shell_secret=short", "ip",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(bad[i]) == 1, "%s accepted", bad[i]);
		ck_assert(o.net.dhcp && !o.net.have_static && !o.net.nic[0]);
		ck_assert_uint_eq(o.net.shell_port, 2323);
		ck_assert_uint_eq(o.net.metrics_port, 9100);
		ck_assert_str_eq(o.net.secret, "");
	}
	ck_assert_int_eq(parse("ip=1.2.3.4/24,1.2.3.4.5"), 1);
	ck_assert(reports_find(&r, "ip=1.2.3.4/24,1.2.3.4.5: expected dhcp"));
	ck_assert_int_eq(parse("shell_secret=short"), 1);
	ck_assert(reports_find(&r, "must be 8-63 characters"));
	ck_assert_int_eq(parse("bogus=1"), 1);
	ck_assert(reports_find(&r, "unknown option 'bogus'"));
}
END_TEST

static int req(const char *s, struct http_req *hr)
{
	return http_parse(s, strlen(s), hr);
}

START_TEST(http_requests)
{
	struct http_req hr;

	ck_assert_int_eq(req("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &hr), 200);
	ck_assert(!hr.head);
	ck_assert_int_eq(req("HEAD /metrics HTTP/1.0\r\n\r\n", &hr), 200);
	ck_assert(hr.head);
	ck_assert_int_eq(req("GET /metrics?x=1 HTTP/1.1\n\n", &hr), 200);
	ck_assert_int_eq(req("GET /metricsx HTTP/1.1\r\n\r\n", &hr), 404);
	ck_assert_int_eq(req("GET / HTTP/1.1\r\n\r\n", &hr), 404);
	ck_assert_int_eq(req("POST /metrics HTTP/1.1\r\n\r\n", &hr), 405);
	ck_assert_int_eq(req("GET /metrics HTTP/2.0\r\n\r\n", &hr), 505);
	ck_assert_int_eq(req("GET /metrics FTP/1.0\r\n\r\n", &hr), 400);
	ck_assert_int_eq(req("GARBAGE\r\n\r\n", &hr), 400);
	ck_assert_int_eq(req("GET  /metrics HTTP/1.1\r\n\r\n", &hr), 400);
	ck_assert_int_eq(req("G(T /metrics HTTP/1.1\r\n\r\n", &hr), 400);
	ck_assert_int_eq(req("GET metrics HTTP/1.1\r\n\r\n", &hr), 400);
	ck_assert_int_eq(req("\x01\x02\x03", &hr), 400);
	/* Not complete yet. */
	ck_assert_int_eq(req("GET /metrics HTTP/1.1\r\n", &hr), 0);
	ck_assert_int_eq(req("GET /met", &hr), 0);
	ck_assert_int_eq(req("", &hr), 0);
}
END_TEST

START_TEST(http_too_long)
{
	static char buf[HTTP_REQ_MAX];
	struct http_req hr;

	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "GET /", 5);
	ck_assert_int_eq(http_parse(buf, sizeof(buf), &hr), 414);
	memcpy(buf, "GET /metrics HTTP/1.1\r\nX: ", 26);
	ck_assert_int_eq(http_parse(buf, sizeof(buf), &hr), 431);
	ck_assert_str_eq(http_reason(414), "URI Too Long");
}
END_TEST

START_TEST(limiter)
{
	static struct login_limit l;

	ll_init(&l);
	ck_assert(ll_allowed(&l, 7, 0));
	ck_assert(!ll_fail(&l, 7, 1000));
	ck_assert(!ll_fail(&l, 7, 2000));
	ck_assert(ll_allowed(&l, 7, 2500));
	ck_assert(ll_allowed(&l, 8, 2500));		/* another address */
	ck_assert(ll_fail(&l, 7, 3000));		/* the third in a minute */
	ck_assert(!ll_allowed(&l, 7, 3001));
	ck_assert(!ll_allowed(&l, 7, 62999));
	ck_assert(ll_allowed(&l, 8, 3001));
	ck_assert_uint_eq(l.refusals, 2);
	ck_assert(ll_allowed(&l, 7, 63000));		/* a minute after */
	ck_assert(!ll_fail(&l, 7, 63001));		/* a clean slate */

	/* Spread over more than a minute: never three within one. */
	ll_init(&l);
	ck_assert(!ll_fail(&l, 1, 0));
	ck_assert(!ll_fail(&l, 1, 40000));
	ck_assert(!ll_fail(&l, 1, 70000));
	ck_assert(ll_allowed(&l, 1, 70001));
	ck_assert(ll_fail(&l, 1, 80000));		/* 40 s, 70 s, 80 s */

	/* A good secret forgets the failures. */
	ll_init(&l);
	ll_fail(&l, 2, 0);
	ll_fail(&l, 2, 1);
	ll_success(&l, 2);
	ck_assert(!ll_fail(&l, 2, 2));
}
END_TEST

START_TEST(limiter_flood)
{
	static struct login_limit l;

	/* More addresses than slots: the blocked one keeps its slot. */
	ll_init(&l);
	ll_fail(&l, 99, 0);
	ll_fail(&l, 99, 1);
	ck_assert(ll_fail(&l, 99, 2));
	for (u64 k = 0; k < 10 * LL_SLOTS; k++)
		ll_fail(&l, 1000 + k, 10 + k);
	ck_assert(!ll_allowed(&l, 99, 1000));
}
END_TEST

START_TEST(outbuf_basics)
{
	struct outbuf b;

	outbuf_init(&b, 64, true);
	outbuf_append(&b, "a\nb", 3);
	ck_assert_uint_eq(outbuf_pending(&b), 4);
	ck_assert(!memcmp(b.data, "a\r\nb", 4));
	outbuf_consume(&b, 2);
	ck_assert_uint_eq(outbuf_pending(&b), 2);
	outbuf_consume(&b, 2);
	ck_assert_uint_eq(outbuf_pending(&b), 0);
	/* Past the cap: cut, and a note says so. */
	for (int i = 0; i < 100; i++)
		outbuf_sink("0123456789", 10, &b);
	ck_assert(b.cut && b.dropped > 0);
	ck_assert(outbuf_pending(&b) <= 64);
	ck_assert(memmem(b.data, b.len, "[output cut", 11));
	outbuf_free(&b);
}
END_TEST

START_TEST(config_host)
{
	static struct config c;
	static const char good[] = "[host]\nshell_secret = s3cret-words  # a comment\n"
				   "[vm a]\ncores = 1\nmemory = 8M\nkernel = a.elf\n";
	static const char bad[] = "[host]\nshell_secret = short\nport = 1\n";

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(config_parse("t.cfg", good, strlen(good), &c, collect_report, &r), 0);
	ck_assert_str_eq(c.shell_secret, "s3cret-words");
	ck_assert_uint_eq(c.nvms, 1);
	ck_assert_int_eq(config_parse("t.cfg", bad, strlen(bad), &c, collect_report, &r), 2);
	ck_assert_str_eq(c.shell_secret, "");
	ck_assert(reports_find(&r, "t.cfg:2: shell_secret must be 8-63 characters"));
	ck_assert(reports_find(&r, "t.cfg:3: [host] has no 'port'"));
}
END_TEST


#define MS 1000000ULL

/* A stuck line: 1000 not-ours interrupts back to back trip it once. */
START_TEST(storm_trips)
{
	struct intx_storm st;
	u64 t = 5 * MS;

	intx_storm_init(&st, INTX_STORM_LIMIT, INTX_STORM_WINDOW_NS);
	for (int i = 0; i < INTX_STORM_LIMIT - 1; i++, t += 1000)
		ck_assert(!intx_storm_feed(&st, false, t));
	ck_assert(!st.tripped);
	ck_assert(intx_storm_feed(&st, false, t));
	ck_assert(st.tripped);
	/* Never again, and still counted. */
	for (int i = 0; i < 5000; i++)
		ck_assert(!intx_storm_feed(&st, false, t + (u64)i));
	ck_assert(!intx_storm_feed(&st, true, t));
	ck_assert_uint_eq(st.not_ours, INTX_STORM_LIMIT + 5000);
}
END_TEST

/* One of the NIC's own interrupts breaks a run. */
START_TEST(storm_ours_resets)
{
	struct intx_storm st;
	u64 t = 0;

	intx_storm_init(&st, INTX_STORM_LIMIT, INTX_STORM_WINDOW_NS);
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < INTX_STORM_LIMIT - 1; i++)
			ck_assert(!intx_storm_feed(&st, false, t++));
		ck_assert(!intx_storm_feed(&st, true, t++));
	}
	ck_assert(!st.tripped);
	ck_assert_uint_eq(st.not_ours, 10 * (INTX_STORM_LIMIT - 1));
	for (int i = 0; i < INTX_STORM_LIMIT - 1; i++)
		ck_assert(!intx_storm_feed(&st, false, t++));
	ck_assert(intx_storm_feed(&st, false, t));
}
END_TEST

/* Slow stray interrupts (one every 2 ms: 1000 of them take 2 s) never
 * make a storm; the same count inside the window does. */
START_TEST(storm_window)
{
	struct intx_storm st;
	u64 t = 0;

	intx_storm_init(&st, INTX_STORM_LIMIT, INTX_STORM_WINDOW_NS);
	for (int i = 0; i < 10 * INTX_STORM_LIMIT; i++, t += 2 * MS)
		ck_assert(!intx_storm_feed(&st, false, t));
	ck_assert(!st.tripped);
	/* Exactly at the window's edge still counts as inside it. */
	intx_storm_init(&st, 3, 10 * MS);
	ck_assert(!intx_storm_feed(&st, false, 100 * MS));
	ck_assert(!intx_storm_feed(&st, false, 105 * MS));
	ck_assert(intx_storm_feed(&st, false, 110 * MS));
	/* One past it starts a new run from there. */
	intx_storm_init(&st, 3, 10 * MS);
	ck_assert(!intx_storm_feed(&st, false, 100 * MS));
	ck_assert(!intx_storm_feed(&st, false, 105 * MS));
	ck_assert(!intx_storm_feed(&st, false, 110 * MS + 1));
	ck_assert(!intx_storm_feed(&st, false, 111 * MS));
	ck_assert(intx_storm_feed(&st, false, 112 * MS));
	/* A limit of 0 is taken as 1. */
	intx_storm_init(&st, 0, MS);
	ck_assert(intx_storm_feed(&st, false, 0));
}
END_TEST

Suite *net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, net_defaults);
	tcase_add_test(tc, net_good);
	tcase_add_test(tc, net_bad);
	tcase_add_test(tc, http_requests);
	tcase_add_test(tc, http_too_long);
	tcase_add_test(tc, limiter);
	tcase_add_test(tc, limiter_flood);
	tcase_add_test(tc, outbuf_basics);
	tcase_add_test(tc, config_host);
	tcase_add_test(tc, storm_trips);
	tcase_add_test(tc, storm_ours_resets);
	tcase_add_test(tc, storm_window);
	suite_add_tcase(s, tc);
	return s;
}
