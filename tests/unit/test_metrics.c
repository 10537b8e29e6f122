// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus text writer (core/metrics.c), checked by parsing what it
 * writes with a small strict parser of the text format 0.0.4: every family
 * has `# HELP` then `# TYPE` before its samples and appears once, names and
 * label syntax valid, only the three escapes, values numeric, samples named
 * after their family (counters end in _total, tern's convention), no series
 * twice. The parser is checked to reject malformed text too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "tests/unit/suites.h"

/* ---- output collector ---- */

struct sink {
	char buf[8192];
	size_t len;
};

static void collect(const char *s, size_t n, void *arg)
{
	struct sink *k = arg;

	ck_assert_uint_lt(k->len + n, sizeof(k->buf));
	memcpy(k->buf + k->len, s, n);
	k->len += n;
	k->buf[k->len] = '\0';
}

/* ---- strict parser ---- */

#define MAX_FAMS	16
#define MAX_SAMPLES	64

struct pfam {
	char name[64];
	char type[16];
	char help[128];
};

struct psample {
	int fam;
	char name[64];
	char labels[256];	/* unescaped, "k=v,k=v" as written */
	char value[32];
};

struct parsed {
	int nfam, nsamples;
	struct pfam fam[MAX_FAMS];
	struct psample s[MAX_SAMPLES];
	char err[128];
};

static bool reject(struct parsed *p, int line, const char *why)
{
	snprintf(p->err, sizeof(p->err), "line %d: %s", line, why);
	return false;
}

/* A metric name at *s; copied into out, *s moved past it. */
static bool take_name(const char **s, char *out, size_t n, bool colon)
{
	const char *c = *s;
	size_t len = 0;

	while ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
	       (colon && *c == ':') || (len && *c >= '0' && *c <= '9')) {
		if (len + 1 >= n)
			return false;
		out[len++] = *c++;
	}
	out[len] = '\0';
	*s = c;
	return len > 0;
}

static bool value_ok(const char *v)
{
	const char *c = v;

	if (!strcmp(v, "NaN") || !strcmp(v, "+Inf") || !strcmp(v, "-Inf"))
		return true;
	if (*c == '+' || *c == '-')
		c++;
	if (*c < '0' || *c > '9')
		return false;
	while (*c >= '0' && *c <= '9')
		c++;
	if (*c == '.') {
		c++;
		if (*c < '0' || *c > '9')
			return false;
		while (*c >= '0' && *c <= '9')
			c++;
	}
	if (*c == 'e' || *c == 'E') {
		c++;
		if (*c == '+' || *c == '-')
			c++;
		if (*c < '0' || *c > '9')
			return false;
		while (*c >= '0' && *c <= '9')
			c++;
	}
	return *c == '\0';
}

/* `{a="x",b="y"}` at *s into out (unescaped); duplicate names refused. */
static bool take_labels(const char **s, char *out, size_t n, const char **why)
{
	const char *c = *s + 1;
	char seen[8][64];
	int nseen = 0;
	size_t len = 0;

	out[0] = '\0';
	if (*c == '}') {
		*s = c + 1;
		return true;
	}
	for (;;) {
		char name[64];

		if (!take_name(&c, name, sizeof(name), false) || !strncmp(name, "__", 2))
			return *why = "bad label name", false;
		for (int i = 0; i < nseen; i++)
			if (!strcmp(seen[i], name))
				return *why = "label twice", false;
		if (nseen < 8)
			strcpy(seen[nseen++], name);
		if (c[0] != '=' || c[1] != '"')
			return *why = "label without =\"", false;
		c += 2;
		len += (size_t)snprintf(out + len, n - len, "%s%s=", len ? "," : "", name);
		for (; *c != '"'; c++) {
			char ch = *c;

			if (!ch || ch == '\n')
				return *why = "unterminated label value", false;
			if (ch == '\\') {
				c++;
				if (*c == 'n')
					ch = '\n';
				else if (*c == '\\' || *c == '"')
					ch = *c;
				else
					return *why = "bad escape in label value", false;
			}
			if (len + 1 >= n)
				return *why = "labels too long", false;
			out[len++] = ch;
			out[len] = '\0';
		}
		c++;
		if (*c == '}')
			break;
		if (*c != ',')
			return *why = "expected , or }", false;
		c++;
	}
	*s = c + 1;
	return true;
}

/* HELP text: only \\ and \n escapes. */
static bool help_ok(const char *h)
{
	for (; *h; h++)
		if (*h == '\\' && (h[1] != '\\' && h[1] != 'n'))
			return false;
		else if (*h == '\\')
			h++;
	return true;
}

static int find_fam(const struct parsed *p, const char *name)
{
	for (int i = 0; i < p->nfam; i++)
		if (!strcmp(p->fam[i].name, name))
			return i;
	return -1;
}

static bool sample_name_ok(const struct pfam *f, const char *name)
{
	size_t fl = strlen(f->name);

	if (!strcmp(f->type, "summary") || !strcmp(f->type, "histogram")) {
		if (strncmp(name, f->name, fl))
			return false;
		name += fl;
		return !strcmp(name, "_sum") || !strcmp(name, "_count") ||
		       (!strcmp(f->type, "histogram") ? !strcmp(name, "_bucket") : !*name);
	}
	return !strcmp(name, f->name);
}

static bool parse_header(struct parsed *p, int ln, const char *l, bool *typed)
{
	char name[64];
	const char *c = l + 7;
	bool help = !strncmp(l, "# HELP ", 7);

	if (!take_name(&c, name, sizeof(name), true))
		return reject(p, ln, "bad family name");
	if (help) {
		if (*c && *c != ' ')
			return reject(p, ln, "bad family name");
		if (find_fam(p, name) >= 0)
			return reject(p, ln, "family declared twice");
		if (p->nfam == MAX_FAMS)
			return reject(p, ln, "too many families");
		if (!help_ok(*c ? c + 1 : c))
			return reject(p, ln, "bad escape in HELP");
		strcpy(p->fam[p->nfam].name, name);
		snprintf(p->fam[p->nfam].help, sizeof(p->fam[0].help), "%s", *c ? c + 1 : c);
		p->nfam++;
		*typed = false;
		return true;
	}
	/* tern's rule: TYPE right after its HELP, once. */
	if (!p->nfam || strcmp(p->fam[p->nfam - 1].name, name) || *typed)
		return reject(p, ln, "TYPE without its HELP just before");
	if (*c != ' ')
		return reject(p, ln, "TYPE without a type");
	c++;
	if (strcmp(c, "counter") && strcmp(c, "gauge") && strcmp(c, "untyped") &&
	    strcmp(c, "summary") && strcmp(c, "histogram"))
		return reject(p, ln, "unknown type");
	/* Counters end in _total, nothing else does (Prometheus naming). */
	if ((strlen(name) > 6 && !strcmp(name + strlen(name) - 6, "_total")) !=
	    !strcmp(c, "counter"))
		return reject(p, ln, "_total suffix and type disagree");
	strcpy(p->fam[p->nfam - 1].type, c);
	*typed = true;
	return true;
}

static bool parse_sample(struct parsed *p, int ln, const char *l, bool typed)
{
	struct psample *s = &p->s[p->nsamples];
	const char *c = l, *why = NULL;
	char *end;

	if (p->nsamples == MAX_SAMPLES)
		return reject(p, ln, "too many samples");
	if (!take_name(&c, s->name, sizeof(s->name), true))
		return reject(p, ln, "bad sample name");
	if (!p->nfam || !typed)
		return reject(p, ln, "sample before its family's HELP and TYPE");
	if (!sample_name_ok(&p->fam[p->nfam - 1], s->name))
		return reject(p, ln, "sample outside its family");
	s->fam = p->nfam - 1;
	s->labels[0] = '\0';
	if (*c == '{' && !take_labels(&c, s->labels, sizeof(s->labels), &why))
		return reject(p, ln, why);
	if (*c != ' ')
		return reject(p, ln, "no value");
	c++;
	snprintf(s->value, sizeof(s->value), "%s", c);
	end = strchr(s->value, ' ');
	if (end) {			/* optional timestamp: an integer */
		*end++ = '\0';
		if (*end == '-')
			end++;
		if (!*end || strspn(end, "0123456789") != strlen(end))
			return reject(p, ln, "bad timestamp");
	}
	if (!value_ok(s->value))
		return reject(p, ln, "value not a number");
	for (int i = 0; i < p->nsamples; i++)
		if (!strcmp(p->s[i].name, s->name) && !strcmp(p->s[i].labels, s->labels))
			return reject(p, ln, "series twice");
	p->nsamples++;
	return true;
}

static bool parse(const char *text, struct parsed *p)
{
	char line[512];
	bool typed = false;
	int ln = 0;

	memset(p, 0, sizeof(*p));
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len;

		ln++;
		if (!nl)
			return reject(p, ln, "last line has no newline");
		len = (size_t)(nl - text);
		if (len >= sizeof(line))
			return reject(p, ln, "line too long");
		memcpy(line, text, len);
		line[len] = '\0';
		text = nl + 1;
		if (!len)
			return reject(p, ln, "empty line");
		if (!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7)) {
			if (!parse_header(p, ln, line, &typed))
				return false;
		} else if (line[0] == '#') {
			continue;		/* a comment */
		} else if (!parse_sample(p, ln, line, typed)) {
			return false;
		}
	}
	return true;
}

static const struct psample *find(const struct parsed *p, const char *name, const char *labels)
{
	for (int i = 0; i < p->nsamples; i++)
		if (!strcmp(p->s[i].name, name) && !strcmp(p->s[i].labels, labels))
			return &p->s[i];
	return NULL;
}

/* ---- tests ---- */

static void write_sample_families(struct prom *p)
{
	struct prom_label l[3] = {
		{ "vm", "basic" }, { "vcpu", "0" }, { "reason", "CPUID" },
	};

	prom_family(p, "tern_vm_exits_total", "VM exits by reason", PROM_COUNTER);
	prom_u64(p, l, 3, 3);
	l[2].value = "I/O";
	prom_u64(p, l, 3, 18446744073709551615ULL);
	l[0].value = "we\"ird\\vm\nname";
	prom_u64(p, l, 3, 0);

	prom_family(p, "tern_vcpu_seconds_total", "Time by state (back\\slash,\nnewline)",
		    PROM_COUNTER);
	l[0].value = "basic";
	l[2] = (struct prom_label){ "state", "guest" };
	prom_seconds(p, l, 3, 3500000000ULL, 1000000000ULL);
	l[2].value = "tern";
	prom_seconds(p, l, 3, 1, 3);
	l[2].value = "halted";
	prom_seconds(p, l, 3, 18446744073709551615ULL, 1);

	prom_family(p, "tern_memory_used_bytes", "Memory in use", PROM_GAUGE);
	prom_u64(p, NULL, 0, 4096);
}

START_TEST(output_parses_back)
{
	struct sink k = { .len = 0 };
	struct parsed *p = calloc(1, sizeof(*p));
	struct prom w;
	const struct psample *s;

	prom_init(&w, collect, &k);
	write_sample_families(&w);
	ck_assert_uint_eq(w.errors, 0);
	ck_assert_msg(parse(k.buf, p), "%s in:\n%s", p->err, k.buf);
	ck_assert_int_eq(p->nfam, 3);
	ck_assert_int_eq(p->nsamples, 7);
	ck_assert_str_eq(p->fam[0].type, "counter");
	ck_assert_str_eq(p->fam[2].type, "gauge");
	ck_assert_str_eq(p->fam[1].help, "Time by state (back\\\\slash,\\nnewline)");

	s = find(p, "tern_vm_exits_total", "vm=basic,vcpu=0,reason=CPUID");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->value, "3");
	s = find(p, "tern_vm_exits_total", "vm=basic,vcpu=0,reason=I/O");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->value, "18446744073709551615");
	/* The escaped name comes back as it was. */
	s = find(p, "tern_vm_exits_total", "vm=we\"ird\\vm\nname,vcpu=0,reason=I/O");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->value, "0");
	ck_assert_ptr_nonnull(strstr(k.buf, "vm=\"we\\\"ird\\\\vm\\nname\""));

	s = find(p, "tern_vcpu_seconds_total", "vm=basic,vcpu=0,state=guest");
	ck_assert_str_eq(s->value, "3.5");
	s = find(p, "tern_vcpu_seconds_total", "vm=basic,vcpu=0,state=tern");
	ck_assert_str_eq(s->value, "0.333333333");
	s = find(p, "tern_vcpu_seconds_total", "vm=basic,vcpu=0,state=halted");
	ck_assert_str_eq(s->value, "18446744073709551615.0");
	s = find(p, "tern_memory_used_bytes", "");
	ck_assert_str_eq(s->value, "4096");
	free(p);
}
END_TEST

START_TEST(seconds_by_integer_arithmetic)
{
	char b[40];

	prom_format_seconds(b, sizeof(b), 0, 2000000000ULL);
	ck_assert_str_eq(b, "0.0");
	prom_format_seconds(b, sizeof(b), 2999999999ULL, 2999999999ULL);
	ck_assert_str_eq(b, "1.0");
	prom_format_seconds(b, sizeof(b), 1, 1000000000ULL);
	ck_assert_str_eq(b, "0.000000001");
	prom_format_seconds(b, sizeof(b), 123456789012ULL, 1000000ULL);
	ck_assert_str_eq(b, "123456.789012");
	/* A clock too fast for rem * 1e9 in 64 bits still gives the digits. */
	prom_format_seconds(b, sizeof(b), 18446744073709551614ULL, 18446744073709551615ULL);
	ck_assert_str_eq(b, "0.999999999");
	prom_format_seconds(b, sizeof(b), 3ULL * 30000000000ULL + 15000000000ULL, 30000000000ULL);
	ck_assert_str_eq(b, "3.5");
	/* Truncated to the buffer, length still the whole. */
	ck_assert_uint_eq(prom_format_seconds(b, 4, 123456789012ULL, 1000000ULL), 13);
	ck_assert_str_eq(b, "123");
}
END_TEST

START_TEST(writer_refuses_bad_names)
{
	struct sink k = { .len = 0 };
	struct prom w;
	struct prom_label bad = { "0vm", "x" }, reserved = { "__name__", "x" };

	prom_init(&w, collect, &k);
	prom_u64(&w, NULL, 0, 1);			/* no family yet */
	prom_family(&w, "tern_exits", "a counter without _total", PROM_COUNTER);
	prom_u64(&w, NULL, 0, 1);
	prom_family(&w, "tern_up_total", "a gauge with _total", PROM_GAUGE);
	prom_family(&w, "9lives", "", PROM_GAUGE);
	prom_family(&w, "tern_ok", "fine", PROM_GAUGE);
	prom_u64(&w, &bad, 1, 1);
	prom_u64(&w, &reserved, 1, 1);
	ck_assert_uint_eq(w.errors, 7);
	ck_assert_str_eq(k.buf, "# HELP tern_ok fine\n# TYPE tern_ok gauge\n");
	ck_assert(prom_name_ok("a:b_c9"));
	ck_assert(!prom_label_name_ok("a:b"));
}
END_TEST

START_TEST(parser_rejects_malformed_text)
{
	static const char *const bad[] = {
		"tern_x 1\n",						/* no family */
		"# HELP tern_x x\ntern_x 1\n",				/* no TYPE */
		"# TYPE tern_x gauge\n",				/* TYPE alone */
		"# HELP tern_x x\n# TYPE tern_x gauge\ntern_y 1\n",	/* other family */
		"# HELP tern_x x\n# TYPE tern_x gauge\n"
		"# HELP tern_x x\n# TYPE tern_x gauge\n",		/* family twice */
		"# HELP tern_x x\n# TYPE tern_x counter\ntern_x 1\n",	/* counter, no _total */
		"# HELP tern_x_total x\n# TYPE tern_x_total gauge\ntern_x_total 1\n",
		"# HELP tern_x x\n# TYPE tern_x gauge\ntern_x{a=\"\\t\"} 1\n",	/* escape */
		"# HELP tern_x x\n# TYPE tern_x gauge\ntern_x{a=\"b} 1\n",	/* quote */
		"# HELP tern_x x\n# TYPE tern_x gauge\ntern_x{a=\"b\",} 1\n",
		"# HELP tern_x x\n# TYPE tern_x gauge\ntern_x{a=\"b\",a=\"c\"} 1\n",
		"# HELP tern_x x\n# TYPE tern_x gauge\ntern_x{0a=\"b\"} 1\n",
		"# HELP tern_x x\n# TYPE tern_x gauge\ntern_x 12abc\n",	/* value */
		"# HELP tern_x x\n# TYPE tern_x gauge\ntern_x 1.\n",
		"# HELP tern_x x\n# TYPE tern_x gauge\ntern_x\n",
		"# HELP tern_x x\n# TYPE tern_x gauge\ntern_x 1\ntern_x 2\n",	/* series twice */
		"# HELP tern_x x\n# TYPE tern_x gauge\ntern_x 1",		/* no newline */
		"# HELP 1tern x\n# TYPE 1tern gauge\n",			/* name */
		"# HELP tern_x bad \\t escape\n# TYPE tern_x gauge\n",
		"# HELP tern_x x\n# TYPE tern_x wibble\n",
	};
	struct parsed *p = calloc(1, sizeof(*p));

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(!parse(bad[i], p), "accepted malformed text %zu:\n%s", i, bad[i]);
	/* and what is fine passes */
	ck_assert_msg(parse("# HELP tern_x x\n# TYPE tern_x gauge\ntern_x{a=\"\\\"\"} -1.5e3 17\n"
			    "# a comment\ntern_x{} NaN\n", p), "%s", p->err);
	free(p);
}
END_TEST

Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("prometheus");

	tcase_add_test(tc, output_parses_back);
	tcase_add_test(tc, seconds_by_integer_arithmetic);
	tcase_add_test(tc, writer_refuses_bad_names);
	tcase_add_test(tc, parser_rejects_malformed_text);
	suite_add_tcase(s, tc);
	return s;
}
