// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <string.h>

#include "core/le.h"
#include "core/report.h"
#include "iommu/dmar.h"

/* Device scopes fill [p, end); each is 6 bytes plus 2 per path element. */
static void parse_scopes(const u8 *p, const u8 *end, struct dmar_scope *out,
			 u32 *count, report_fn rep, void *arg, int *n)
{
	*count = 0;
	while (p + 6 <= end) {
		u8 len = p[1];
		struct dmar_scope *s;

		if (len < 8 || p + len > end || (len - 6) % 2) {
			report(rep, arg, n, "dmar: device scope with bad length %u, rest of the scope list skipped", len);
			return;
		}
		if (*count >= DMAR_MAX_SCOPES) {
			report(rep, arg, n, "dmar: more than %u device scopes, extra ignored",
			    DMAR_MAX_SCOPES);
			return;
		}
		s = &out[(*count)++];
		s->type = p[0];
		s->enum_id = p[4];
		s->bus = p[5];
		s->path_len = (len - 6) / 2;
		s->dev = p[len - 2];
		s->fn = p[len - 1];
		p += len;
	}
}

int dmar_parse(struct dmar_info *d, const u8 *t, u32 len,
	       report_fn rep, void *arg)
{
	const u8 *p, *end = t + len;
	int n = 0;

	memset(d, 0, sizeof(*d));
	if (len < DMAR_HEADER_LEN) {
		report(rep, arg, &n, "dmar: table of %u bytes is shorter than its header", len);
		return n;
	}
	d->host_addr_width = t[36] + 1;
	d->flags = t[37];
	for (p = t + DMAR_HEADER_LEN; p + 4 <= end;) {
		u16 type = rd16(p), slen = rd16(p + 2);

		if (slen < 4 || p + slen > end) {
			report(rep, arg, &n, "dmar: structure type %u at offset %u has bad length %u, rest of the table skipped",
			    type, (unsigned)(p - t), slen);
			break;
		}
		switch (type) {
		case DMAR_TYPE_DRHD: {
			struct dmar_unit *u;

			if (slen < 16) {
				report(rep, arg, &n, "dmar: DRHD at offset %u truncated (%u bytes), skipped",
				    (unsigned)(p - t), slen);
				break;
			}
			if (d->nunits >= DMAR_MAX_UNITS) {
				report(rep, arg, &n, "dmar: more than %u DRHD units, extra ignored",
				    DMAR_MAX_UNITS);
				break;
			}
			u = &d->units[d->nunits++];
			u->flags = p[4];
			u->segment = rd16(p + 6);
			u->reg_base = rd64(p + 8);
			if (!u->reg_base || (u->reg_base & 0xfff)) {
				report(rep, arg, &n, "dmar: DRHD with register base %#llx (not page aligned), skipped",
				    (unsigned long long)u->reg_base);
				d->nunits--;
				break;
			}
			parse_scopes(p + 16, p + slen, u->scopes, &u->nscopes,
				     rep, arg, &n);
			break;
		}
		case DMAR_TYPE_RMRR: {
			struct dmar_rmrr *r;

			if (slen < 24) {
				report(rep, arg, &n, "dmar: RMRR at offset %u truncated (%u bytes), skipped",
				    (unsigned)(p - t), slen);
				break;
			}
			if (d->nrmrr >= DMAR_MAX_RMRR) {
				report(rep, arg, &n, "dmar: more than %u RMRRs, extra ignored",
				    DMAR_MAX_RMRR);
				break;
			}
			r = &d->rmrr[d->nrmrr++];
			r->segment = rd16(p + 6);
			r->base = rd64(p + 8);
			r->limit = rd64(p + 16);
			if (r->limit < r->base) {
				report(rep, arg, &n, "dmar: RMRR [%#llx, %#llx] ends before it starts, skipped",
				    (unsigned long long)r->base, (unsigned long long)r->limit);
				d->nrmrr--;
				break;
			}
			parse_scopes(p + 24, p + slen, r->scopes, &r->nscopes,
				     rep, arg, &n);
			break;
		}
		case DMAR_TYPE_ATSR:
			d->natsr++;
			break;
		default:
			d->nother++;
			break;
		}
		p += slen;
	}
	return n;
}

bool dmar_scopes_name(const struct dmar_scope *s, u32 n, u8 bus, u8 devfn)
{
	for (u32 i = 0; i < n; i++)
		if (s[i].type == DMAR_SCOPE_ENDPOINT && s[i].path_len == 1 && s[i].bus == bus &&
		    ((s[i].dev << 3) | s[i].fn) == devfn)
			return true;
	return false;
}

const struct dmar_rmrr *dmar_rmrr_next(const struct dmar_info *d, u8 bus, u8 devfn, u32 *i)
{
	for (; *i < d->nrmrr; (*i)++) {
		const struct dmar_rmrr *r = &d->rmrr[*i];

		if (r->segment == 0 && dmar_scopes_name(r->scopes, r->nscopes, bus, devfn)) {
			(*i)++;
			return r;
		}
	}
	return NULL;
}

static int check_list(const struct dmar_scope *s, u32 n, const char *what, u64 addr,
		      bool (*exists)(u8, u8), report_fn rep, void *arg)
{
	int bad = 0;

	for (u32 i = 0; i < n; i++)
		if (s[i].type == DMAR_SCOPE_ENDPOINT && s[i].path_len == 1 &&
		    !exists(s[i].bus, (u8)(s[i].dev << 3 | s[i].fn)))
			report(rep, arg, &bad, "dmar: %s %#llx names device %02x:%02x.%u, which is not on the bus; ignored",
			       what, (unsigned long long)addr, s[i].bus, s[i].dev, s[i].fn);
	return bad;
}

int dmar_check_scopes(const struct dmar_info *d, bool (*exists)(u8 bus, u8 devfn),
		      report_fn rep, void *arg)
{
	int bad = 0;

	for (u32 i = 0; i < d->nunits; i++)
		bad += check_list(d->units[i].scopes, d->units[i].nscopes, "unit",
				  d->units[i].reg_base, exists, rep, arg);
	for (u32 i = 0; i < d->nrmrr; i++)
		bad += check_list(d->rmrr[i].scopes, d->rmrr[i].nscopes, "RMRR", d->rmrr[i].base,
				  exists, rep, arg);
	return bad;
}
