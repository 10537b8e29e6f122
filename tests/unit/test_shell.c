// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "core/shell/shell.h"
#include "tests/unit/suites.h"

static int nop(int argc, char **argv) { (void)argc; (void)argv; return 0; }

static const struct shell_cmd cmds[] = {
	{ "help", "", "", nop }, { "cpus", "", "", nop }, { "mem", "", "", nop },
	{ "acpi", "", "", nop }, { "pci", "", "", nop }, { "poweroff", "", "", nop },
	{ "reboot", "", "", nop }, { "version", "", "", nop },
};
#define N ARRAY_SIZE(cmds)

START_TEST(tokenize)
{
	char line[] = "  vm start   \"my vm\" x ";
	char *argv[8];

	ck_assert_int_eq(shell_tokenize(line, argv, 8), 4);
	ck_assert_str_eq(argv[0], "vm");
	ck_assert_str_eq(argv[2], "my vm");
	ck_assert_str_eq(argv[3], "x");

	char open[] = "echo \"unterminated";
	ck_assert_int_eq(shell_tokenize(open, argv, 8), -1);
	char many[] = "a b c d e f g h i";
	ck_assert_int_eq(shell_tokenize(many, argv, 8), -1);
	char empty[] = "   ";
	ck_assert_int_eq(shell_tokenize(empty, argv, 8), 0);
}
END_TEST

START_TEST(nearest)
{
	ck_assert_int_eq(shell_distance("cpuz", "cpus"), 1);
	ck_assert_int_eq(shell_distance("", "abc"), 3);
	ck_assert_str_eq(shell_nearest(cmds, N, "cpuz")->name, "cpus");
	ck_assert_str_eq(shell_nearest(cmds, N, "poweof")->name, "poweroff");
	ck_assert_str_eq(shell_nearest(cmds, N, "vers")->name, "version");
	ck_assert_str_eq(shell_nearest(cmds, N, "rebot")->name, "reboot");
	ck_assert_ptr_null(shell_nearest(cmds, N, "xyzzy"));
	ck_assert_ptr_null(shell_nearest(cmds, N, "q"));
	ck_assert_ptr_nonnull(shell_find(cmds, N, "mem"));
	ck_assert_ptr_null(shell_find(cmds, N, "me"));
}
END_TEST

/* Line editor, with its echo captured. */
static char echo[1024];
static size_t echo_len;

static void out(const char *s, size_t n, void *arg)
{
	(void)arg;
	memcpy(echo + echo_len, s, n);
	echo_len += n;
	echo[echo_len] = 0;
}

static const char *complete(const char *prefix, void *arg)
{
	const char *found = NULL;

	(void)arg;
	for (size_t i = 0; i < N; i++) {
		if (strncmp(cmds[i].name, prefix, strlen(prefix)))
			continue;
		if (found)
			return NULL;
		found = cmds[i].name;
	}
	return found;
}

static struct linedit le;

static int feed(const char *s)
{
	int r = LINEDIT_MORE;

	while (*s)
		r = linedit_feed(&le, (unsigned char)*s++);
	return r;
}

static void le_setup(void)
{
	linedit_init(&le, out, NULL);
	le.complete = complete;
	echo_len = 0;
	echo[0] = 0;
}

START_TEST(edit_and_history)
{
	ck_assert_int_eq(feed("cpux\x7fs\r\n"), LINEDIT_MORE);	/* \n after \r ignored */
	ck_assert_str_eq(le.buf, "cpus");
	ck_assert(strstr(echo, "cpux\b \bs\n"));
	ck_assert_int_eq(feed("mem\r"), LINEDIT_LINE);
	ck_assert_int_eq(feed("junk\x15"), LINEDIT_MORE);	/* Ctrl-U */
	ck_assert_uint_eq(le.len, 0);
	feed("\x1b[A");						/* up: mem */
	ck_assert_int_eq(le.len, 3);
	feed("\x1b[A");						/* up: cpus */
	ck_assert_int_eq(feed("\r"), LINEDIT_LINE);
	ck_assert_str_eq(le.buf, "cpus");
	ck_assert_int_eq(le.hist_count, 3);
	feed("\x1b[A\x1b[B");					/* up, down: empty */
	ck_assert_uint_eq(le.len, 0);
	ck_assert_int_eq(feed("abc\x03"), LINEDIT_CANCEL);	/* Ctrl-C */
	ck_assert_uint_eq(le.len, 0);
	feed("\x1b[3~x\r");					/* Delete key swallowed */
	ck_assert_str_eq(le.buf, "x");
}
END_TEST

START_TEST(tab_completion)
{
	feed("pow\t");
	ck_assert_str_eq(le.buf, "poweroff ");
	le_setup();
	feed("re\t");				/* reboot only */
	ck_assert(!strncmp(le.buf, "reboot ", 7));
	le_setup();
	feed("xx\t");				/* nothing: unchanged */
	ck_assert_uint_eq(le.len, 2);
}
END_TEST

START_TEST(line_limit)
{
	for (int i = 0; i < 2 * SHELL_LINE_MAX; i++)
		linedit_feed(&le, 'a');
	ck_assert_uint_eq(le.len, SHELL_LINE_MAX - 1);
	ck_assert_int_eq(feed("\r"), LINEDIT_LINE);
	ck_assert_uint_eq(strlen(le.buf), SHELL_LINE_MAX - 1);
}
END_TEST

Suite *shell_suite(void)
{
	Suite *s = suite_create("shell");
	TCase *tc = tcase_create("parse");
	TCase *te = tcase_create("linedit");

	tcase_add_test(tc, tokenize);
	tcase_add_test(tc, nearest);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(te, le_setup, NULL);
	tcase_add_test(te, edit_and_history);
	tcase_add_test(te, tab_completion);
	tcase_add_test(te, line_limit);
	suite_add_tcase(s, te);
	return s;
}
