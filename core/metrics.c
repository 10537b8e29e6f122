// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/metrics.h"

#define NS_PER_S	1000000000ULL

static void put(struct prom *p, const char *s, size_t n)
{
	if (n)
		p->out(s, n, p->arg);
}

static void puts_(struct prom *p, const char *s)
{
	put(p, s, strlen(s));
}

/* Decimal digits of v into buf (at least 21 bytes); returns the length. */
static size_t fmt_u64(char *buf, u64 v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

static bool name_char(char c, bool first, bool colon)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return true;
	if (c == ':')
		return colon;
	return !first && c >= '0' && c <= '9';
}

static bool name_ok(const char *s, bool colon)
{
	if (!s || !*s)
		return false;
	for (const char *c = s; *c; c++)
		if (!name_char(*c, c == s, colon))
			return false;
	return true;
}

bool prom_name_ok(const char *name)
{
	return name_ok(name, true);
}

/* Label names have no colons, and "__" starts names reserved for Prometheus. */
bool prom_label_name_ok(const char *name)
{
	return name_ok(name, false) && strncmp(name, "__", 2) != 0;
}

void prom_init(struct prom *p, void (*out)(const char *, size_t, void *), void *arg)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->arg = arg;
}

/* HELP text escapes only backslash and newline (the format says so). */
static void put_help(struct prom *p, const char *s)
{
	for (const char *run = s; ; s++) {
		if (*s != '\\' && *s != '\n' && *s)
			continue;
		put(p, run, (size_t)(s - run));
		if (!*s)
			return;
		puts_(p, *s == '\\' ? "\\\\" : "\\n");
		run = s + 1;
	}
}

/* Label values escape backslash, double quote and newline. */
static void put_label_value(struct prom *p, const char *s)
{
	for (const char *run = s; ; s++) {
		if (*s != '\\' && *s != '"' && *s != '\n' && *s)
			continue;
		put(p, run, (size_t)(s - run));
		if (!*s)
			return;
		puts_(p, *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : "\\n");
		run = s + 1;
	}
}

void prom_family(struct prom *p, const char *name, const char *help, enum prom_type type)
{
	size_t len = name ? strlen(name) : 0;
	bool total = len > 6 && !strcmp(name + len - 6, "_total");

	/* A bad name would make the whole exposition unparsable: refused,
	 * and its samples with it (p->family stays empty). */
	p->family[0] = '\0';
	p->samples = 0;
	if (!prom_name_ok(name) || len >= sizeof(p->family) ||
	    (type == PROM_COUNTER) != total) {
		p->errors++;
		return;
	}
	memcpy(p->family, name, len + 1);
	p->type = type;
	puts_(p, "# HELP ");
	puts_(p, name);
	puts_(p, " ");
	put_help(p, help ? help : "");
	puts_(p, "\n# TYPE ");
	puts_(p, name);
	puts_(p, type == PROM_COUNTER ? " counter\n" : " gauge\n");
}

/* The sample's name and labels; false (nothing written) if it cannot be. */
static bool sample_head(struct prom *p, const struct prom_label *labels, u32 n)
{
	if (!p->family[0])
		goto bad;
	for (u32 i = 0; i < n; i++)
		if (!prom_label_name_ok(labels[i].name) || !labels[i].value)
			goto bad;
	puts_(p, p->family);
	for (u32 i = 0; i < n; i++) {
		puts_(p, i ? "," : "{");
		puts_(p, labels[i].name);
		puts_(p, "=\"");
		put_label_value(p, labels[i].value);
		puts_(p, "\"");
	}
	puts_(p, n ? "} " : " ");
	p->samples++;
	return true;
bad:
	p->errors++;
	return false;
}

void prom_u64(struct prom *p, const struct prom_label *labels, u32 n, u64 val)
{
	char buf[24];
	size_t len;

	if (!sample_head(p, labels, n))
		return;
	len = fmt_u64(buf, val);
	buf[len++] = '\n';
	put(p, buf, len);
}

size_t prom_format_seconds(char *buf, size_t n, u64 ticks, u64 hz)
{
	char tmp[32];
	u64 secs, rem, frac;
	size_t len;
	int digits = 9;

	if (!hz)
		hz = 1;
	secs = ticks / hz;
	rem = ticks % hz;
	/* rem * 1e9 must fit: clocks beyond ~18 GHz lose low bits instead. */
	while (hz > ~0ULL / NS_PER_S) {
		hz >>= 1;
		rem >>= 1;
	}
	/* Shifting both may leave rem == hz: still below one second. */
	frac = MIN(rem * NS_PER_S / hz, NS_PER_S - 1);
	len = fmt_u64(tmp, secs);
	tmp[len++] = '.';
	/* Nine fraction digits, then trailing zeros cut (one stays). */
	for (int i = 8; i >= 0; i--) {
		tmp[len + (size_t)i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	while (digits > 1 && tmp[len + (size_t)digits - 1] == '0')
		digits--;
	len += (size_t)digits;
	tmp[len] = '\0';
	if (n) {
		size_t c = len < n ? len : n - 1;

		memcpy(buf, tmp, c);
		buf[c] = '\0';
	}
	return len;
}

void prom_seconds(struct prom *p, const struct prom_label *labels, u32 n, u64 ticks, u64 hz)
{
	char buf[40];
	size_t len;

	if (!sample_head(p, labels, n))
		return;
	len = prom_format_seconds(buf, sizeof(buf) - 1, ticks, hz);
	buf[len++] = '\n';
	put(p, buf, len);
}
