/* SPDX-License-Identifier: GPL-2.0 */
/* The admin shell: commands, parsing, and the serial line editor. */
#ifndef TERN_CORE_SHELL_SHELL_H
#define TERN_CORE_SHELL_SHELL_H

#include "core/types.h"

#define SHELL_MAX_ARGS	16
#define SHELL_LINE_MAX	256
#define SHELL_HISTORY	16

struct shell_cmd {
	const char *name;
	const char *usage;
	const char *help;
	int (*fn)(int argc, char **argv);
};

/* Register a command: it lands in the .tern_cmds section. */
#define SHELL_COMMAND(id, nm, us, hl, f)					\
	static const struct shell_cmd __shell_cmd_##id			\
	__attribute__((used, section(".tern_cmds"), aligned(8))) =	\
		{ nm, us, hl, f }

/* Split in place into argv (spaces; "double quotes" group). Returns argc,
 * or -1 for an unterminated quote or too many arguments. */
int shell_tokenize(char *line, char **argv, int max);
/* Levenshtein distance, capped. */
int shell_distance(const char *a, const char *b);
/* Nearest command name among n, or NULL when none is close. */
const struct shell_cmd *shell_nearest(const struct shell_cmd *cmds, size_t n,
				      const char *word);
const struct shell_cmd *shell_find(const struct shell_cmd *cmds, size_t n,
				   const char *word);

/* Line editor: feed bytes, get echo through `out`, a line when done. */
struct linedit {
	char buf[SHELL_LINE_MAX];
	size_t len;
	char history[SHELL_HISTORY][SHELL_LINE_MAX];
	int hist_count;		/* entries stored */
	int hist_pos;		/* browsing position, hist_count = new line */
	int esc;		/* escape-sequence state */
	bool last_cr;
	void (*out)(const char *s, size_t n, void *arg);
	void *arg;
	/* Tab completion: unique command name with this prefix, or NULL. */
	const char *(*complete)(const char *prefix, void *arg);
};

enum linedit_result {
	LINEDIT_MORE = 0,	/* keep feeding */
	LINEDIT_LINE,		/* buf holds a finished line */
	LINEDIT_CANCEL,		/* Ctrl-C: line dropped */
};

void linedit_init(struct linedit *le, void (*out)(const char *, size_t, void *),
		  void *arg);
int linedit_feed(struct linedit *le, int c);

#ifndef TERN_HOST_TEST
void shell_run(void) __noreturn;
int shell_exec(char *line);
#endif

/* Tab completion of a command name: the one command starting with prefix,
 * or NULL (none, or several). Every line editor of the shell uses it. */
const char *shell_complete(const char *prefix, void *arg);

#endif
