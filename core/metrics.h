/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A writer for the Prometheus text exposition format (version 0.0.4): a
 * family's `# HELP` and `# TYPE` lines, then its samples. Pure: output goes
 * through a callback, so the shell prints it and the unit tests parse it.
 * No floating point (tern is built -mgeneral-regs-only): seconds are
 * printed from integer ticks by integer arithmetic.
 */
#ifndef TERN_CORE_METRICS_H
#define TERN_CORE_METRICS_H

#include "core/types.h"

enum prom_type {
	PROM_COUNTER = 0,
	PROM_GAUGE,
};

struct prom_label {
	const char *name;
	const char *value;
};

struct prom {
	void (*out)(const char *s, size_t n, void *arg);
	void *arg;
	char family[64];		/* the family samples now belong to */
	u32 type;			/* enum prom_type */
	u32 samples;			/* written in the current family */
	u32 errors;			/* bad names, samples without a family */
};

void prom_init(struct prom *p, void (*out)(const char *, size_t, void *), void *arg);
/* Start a family: name as Prometheus wants it (counters end in _total). */
void prom_family(struct prom *p, const char *name, const char *help, enum prom_type type);
/* One sample of the current family; labels may be NULL when n is 0. */
void prom_u64(struct prom *p, const struct prom_label *labels, u32 n, u64 val);
/* A sample in seconds from ticks of a clock running at hz (> 0). */
void prom_seconds(struct prom *p, const struct prom_label *labels, u32 n, u64 ticks, u64 hz);

/* Pure helpers, exposed for the tests. */
bool prom_name_ok(const char *name);
bool prom_label_name_ok(const char *name);
/* "S.F" with F's trailing zeros cut (one digit at least); returns length. */
size_t prom_format_seconds(char *buf, size_t n, u64 ticks, u64 hz);

#endif
