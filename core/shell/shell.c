// SPDX-License-Identifier: GPL-2.0
/* The admin shell on the management core: prompt, dispatch, help. */
#include <string.h>

#include "core/console.h"
#include "core/cpu.h"
#include "core/mgmt.h"
#include "core/shell/shell.h"
#include "core/timer.h"

extern const struct shell_cmd __cmds_start[], __cmds_end[];

#define SHELL_POLL_NS	2000000ULL	/* 2 ms: below what typing notices */

static size_t ncmds(void)
{
	return (size_t)(__cmds_end - __cmds_start);
}

static void out(const char *s, size_t n, void *arg)
{
	(void)arg;
	console_write(s, n);
}

const char *shell_complete(const char *prefix, void *arg)
{
	const char *found = NULL;
	size_t n = strlen(prefix);

	(void)arg;
	for (const struct shell_cmd *c = __cmds_start; c < __cmds_end; c++) {
		if (strncmp(c->name, prefix, n))
			continue;
		if (found)
			return NULL;	/* not unique */
		found = c->name;
	}
	return found;
}

int shell_exec(char *line)
{
	char *argv[SHELL_MAX_ARGS];
	const struct shell_cmd *c;
	int argc = shell_tokenize(line, argv, SHELL_MAX_ARGS);

	if (argc < 0) {
		console_printf("error: unterminated quote or more than %d words\n",
			       SHELL_MAX_ARGS);
		return 1;
	}
	if (!argc)
		return 0;
	c = shell_find(__cmds_start, ncmds(), argv[0]);
	if (!c) {
		const struct shell_cmd *near = shell_nearest(__cmds_start, ncmds(), argv[0]);

		if (near)
			console_printf("unknown command '%s'; did you mean '%s'?\n",
				       argv[0], near->name);
		else
			console_printf("unknown command '%s'; type 'help' for the list\n",
				       argv[0]);
		return 1;
	}
	return c->fn(argc, argv);
}

static void poll_tick(struct timer *t, void *arg)
{
	(void)t; (void)arg;	/* waking the HLT below was the point */
}

void shell_run(void)
{
	static struct linedit le;
	static struct timer tick;

	linedit_init(&le, out, NULL);
	le.complete = shell_complete;
	console_printf("\nType 'help' for commands.\ntern> ");
	for (;;) {
		int c = console_getc();

		/* The UART is polled; between polls the core sleeps, so it
		 * does not compete for the machine (or for an emulator).
		 * Interrupts stay off from arming the tick to the HLT: a tick
		 * taken in between (a preempted emulator makes that window
		 * long) would leave the core asleep with nothing to wake it. */
		if (c < 0) {
			mgmt_poll();
			irq_disable();
			timer_arm(&tick, SHELL_POLL_NS, poll_tick, NULL);
			cpu_idle_wait();
			irq_enable();
			timer_cancel(&tick);
			continue;
		}
		switch (linedit_feed(&le, c)) {
		case LINEDIT_LINE:
			shell_exec(le.buf);
			/* fallthrough */
		case LINEDIT_CANCEL:
			console_printf("tern> ");
			break;
		}
	}
}

static int cmd_help(int argc, char **argv)
{
	if (argc > 1) {
		const struct shell_cmd *c = shell_find(__cmds_start, ncmds(), argv[1]);

		if (!c) {
			console_printf("help: no command '%s'\n", argv[1]);
			return 1;
		}
		console_printf("%s %s\n  %s\n", c->name, c->usage, c->help);
		return 0;
	}
	for (const struct shell_cmd *c = __cmds_start; c < __cmds_end; c++)
		console_printf("  %-10s %s\n", c->name, c->help);
	return 0;
}
SHELL_COMMAND(help, "help", "[COMMAND]", "list commands, or describe one", cmd_help);
