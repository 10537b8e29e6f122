// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
/* The pure half of the shell: tokenizing, matching, line editing. */
#include <string.h>

#include "core/shell/shell.h"

int shell_tokenize(char *s, char **argv, int max)
{
	int argc = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return argc;
		if (argc >= max)
			return -1;
		if (*s == '"') {
			argv[argc++] = ++s;
			while (*s && *s != '"')
				s++;
			if (!*s)
				return -1;
		} else {
			argv[argc++] = s;
			while (*s && *s != ' ' && *s != '\t')
				s++;
			if (!*s)
				return argc;
		}
		*s++ = 0;
	}
}

int shell_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[SHELL_LINE_MAX + 1];

	if (la > SHELL_LINE_MAX || lb > SHELL_LINE_MAX)
		return 1000;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];

		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);

			best = MIN(best, up + 1);
			best = MIN(best, row[j - 1] + 1);
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const struct shell_cmd *shell_find(const struct shell_cmd *cmds, size_t n,
				   const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(cmds[i].name, word))
			return &cmds[i];
	return NULL;
}

const struct shell_cmd *shell_nearest(const struct shell_cmd *cmds, size_t n,
				      const char *word)
{
	const struct shell_cmd *best = NULL;
	int bd = 1000;

	for (size_t i = 0; i < n; i++) {
		int d = shell_distance(word, cmds[i].name);

		/* A prefix of a command is as good as a one-letter slip. */
		if (!strncmp(cmds[i].name, word, strlen(word)) && strlen(word) >= 2)
			d = MIN(d, 1);
		if (d < bd) {
			bd = d;
			best = &cmds[i];
		}
	}
	/* Only suggest what is plausibly a typo. */
	if (best && bd <= MAX(1, (int)strlen(word) / 2) && bd <= 3)
		return best;
	return NULL;
}

void linedit_init(struct linedit *le, void (*out)(const char *, size_t, void *),
		  void *arg)
{
	memset(le, 0, sizeof(*le));
	le->out = out;
	le->arg = arg;
}

static void emit(struct linedit *le, const char *s)
{
	le->out(s, strlen(s), le->arg);
}

static void replace_line(struct linedit *le, const char *with)
{
	while (le->len) {
		emit(le, "\b \b");
		le->len--;
	}
	le->len = strlen(with);
	memcpy(le->buf, with, le->len);
	le->buf[le->len] = 0;
	le->out(le->buf, le->len, le->arg);
}

static void history_add(struct linedit *le)
{
	if (!le->len)
		return;
	if (le->hist_count && !strcmp(le->history[le->hist_count - 1], le->buf))
		return;
	if (le->hist_count == SHELL_HISTORY) {
		memmove(le->history[0], le->history[1],
			sizeof(le->history[0]) * (SHELL_HISTORY - 1));
		le->hist_count--;
	}
	strcpy(le->history[le->hist_count++], le->buf);
}

static void complete(struct linedit *le)
{
	const char *c;

	if (!le->complete || memchr(le->buf, ' ', le->len))
		return;
	le->buf[le->len] = 0;
	c = le->complete(le->buf, le->arg);
	if (!c || strlen(c) + 1 >= SHELL_LINE_MAX)
		return;
	le->out(c + le->len, strlen(c) - le->len, le->arg);
	strcpy(le->buf, c);
	le->len = strlen(c);
	le->buf[le->len++] = ' ';
	emit(le, " ");
}

int linedit_feed(struct linedit *le, int c)
{
	/* ESC [ A/B: history up/down; other sequences are swallowed. */
	if (le->esc == 1) {
		le->esc = (c == '[' || c == 'O') ? 2 : 0;
		return LINEDIT_MORE;
	}
	if (le->esc == 2) {
		le->esc = 0;
		if (c == 'A' && le->hist_pos > 0) {
			le->hist_pos--;
			replace_line(le, le->history[le->hist_pos]);
		} else if (c == 'B' && le->hist_pos < le->hist_count) {
			le->hist_pos++;
			replace_line(le, le->hist_pos == le->hist_count ? "" :
				     le->history[le->hist_pos]);
		} else if (c >= '0' && c <= '9') {
			le->esc = 3;	/* e.g. ESC [ 3 ~ */
		}
		return LINEDIT_MORE;
	}
	if (le->esc == 3) {
		if (c == '~' || c < '0' || c > '9')
			le->esc = 0;
		return LINEDIT_MORE;
	}
	if (c == '\n' && le->last_cr) {
		le->last_cr = false;
		return LINEDIT_MORE;
	}
	le->last_cr = c == '\r';
	switch (c) {
	case 0x1b:
		le->esc = 1;
		return LINEDIT_MORE;
	case '\r':
	case '\n':
		le->buf[le->len] = 0;
		emit(le, "\n");
		history_add(le);
		le->hist_pos = le->hist_count;
		le->len = 0;
		return LINEDIT_LINE;
	case 0x03:	/* Ctrl-C */
		emit(le, "^C\n");
		le->len = 0;
		le->buf[0] = 0;
		le->hist_pos = le->hist_count;
		return LINEDIT_CANCEL;
	case 0x08:
	case 0x7f:
		if (le->len) {
			le->len--;
			emit(le, "\b \b");
		}
		return LINEDIT_MORE;
	case 0x15:	/* Ctrl-U */
		replace_line(le, "");
		return LINEDIT_MORE;
	case '\t':
		complete(le);
		return LINEDIT_MORE;
	}
	if (c >= 0x20 && c < 0x7f && le->len + 1 < SHELL_LINE_MAX) {
		char ch = (char)c;

		le->buf[le->len++] = ch;
		le->out(&ch, 1, le->arg);
	}
	return LINEDIT_MORE;
}
