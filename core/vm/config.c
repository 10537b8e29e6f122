// SPDX-License-Identifier: GPL-2.0
// Host-tested: pure logic, also built into the unit tests (tests/unit).
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm/config.h"

bool config_parse_size(const char *s, u64 *out)
{
	char *end;
	unsigned long long v;
	u64 mul = 1;

	if (!isdigit((unsigned char)*s))
		return false;
	v = strtoull(s, &end, 10);
	switch (toupper((unsigned char)*end)) {
	case 'K': mul = 1ULL << 10; end++; break;
	case 'M': mul = 1ULL << 20; end++; break;
	case 'G': mul = 1ULL << 30; end++; break;
	case 0: break;
	default: return false;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v > (~0ULL) / mul)
		return false;
	*out = v * mul;
	return true;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static bool parse_cores(char *v, struct vm_config *vm)
{
	char *save = NULL;

	vm->ncores = 0;
	for (char *t = strtok_r(v, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		char *end;
		unsigned long c = strtoul(t, &end, 10);

		if (*end || !isdigit((unsigned char)*t) || c > 255 ||
		    vm->ncores >= CONFIG_MAX_VCPUS)
			return false;
		for (u32 i = 0; i < vm->ncores; i++)
			if (vm->cores[i] == c)
				return false;
		vm->cores[vm->ncores++] = (u32)c;
	}
	return vm->ncores > 0;
}

bool config_parse_bdf(const char *s, u16 *out)
{
	char *end;
	unsigned long bus, dev, fn;

	if (!isxdigit((unsigned char)*s))
		return false;
	bus = strtoul(s, &end, 16);
	if (*end != ':' || !isxdigit((unsigned char)end[1]))
		return false;
	dev = strtoul(end + 1, &end, 16);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return false;
	fn = strtoul(end + 1, &end, 10);
	if (*end || bus > 255 || dev > 31 || fn > 7)
		return false;
	*out = (u16)(bus << 8 | dev << 3 | fn);
	return true;
}

static bool parse_devices(char *v, struct vm_config *vm)
{
	char *save = NULL;

	vm->ndevices = 0;
	for (char *t = strtok_r(v, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		u16 bdf;

		if (!config_parse_bdf(t, &bdf) || vm->ndevices >= CONFIG_MAX_DEVICES)
			return false;
		for (u32 i = 0; i < vm->ndevices; i++)
			if (vm->devices[i] == bdf)
				return false;
		vm->devices[vm->ndevices++] = bdf;
	}
	return vm->ndevices > 0;
}

/* A block-layer disk's name: letters, digits, '-', '_'. */
static bool disk_name_ok(const char *v, size_t n)
{
	if (!n || n >= CONFIG_DISK_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '_')
			return false;
	return true;
}

u64 config_resident(const struct vm_config *vm)
{
	return vm->resident ? vm->resident : vm->memory;
}

const char *config_overcommit_refusal(const struct vm_config *vm)
{
	/* Without a vIOMMU an assigned device DMAs anywhere in the guest's
	 * RAM at any time: all of it stays pinned. With one, tern pins only
	 * what the guest maps for DMA, and the device's DMA is blocked while
	 * the guest does not translate for it (no guest-physical mirror:
	 * core/vdev/viommu/viommu_shadow.h). */
	if (vm->ndevices && vm->viommu == CONFIG_VIOMMU_OFF)
		return "assigned devices DMA into any of its RAM, which stays pinned: with 'viommu = samecore' or 'sidecore' only the pages the guest maps for DMA are";
	return NULL;
}

const char *config_swap_mode_name(u8 mode)
{
	switch (mode) {
	case CONFIG_SWAP_BASELINE: return "baseline";
	case CONFIG_SWAP_MAPPER: return "mapper";
	case CONFIG_SWAP_VSWAPPER: return "vswapper";
	}
	return "?";
}

/* "NAME" or "NAME,ro": a block-layer disk's name (core/vdev/virtio/virtio_blk.h). */
static bool parse_disk(const char *v, struct vm_config *vm)
{
	const char *comma = strchr(v, ',');
	size_t n = comma ? (size_t)(comma - v) : strlen(v);

	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	if (!disk_name_ok(v, n))
		return false;
	if (comma) {
		const char *o = comma + 1;

		while (isspace((unsigned char)*o))
			o++;
		if (strcmp(o, "ro"))
			return false;
	}
	memcpy(vm->disk, v, n);
	vm->disk[n] = 0;
	vm->disk_ro = comma != NULL;
	return true;
}

struct state {
	const char *file;
	report_fn fn;
	void *arg;
	int problems;
};

/* The sidecore is a core no VM uses; a sidecore vIOMMU needs one. */
static void check_sidecore(struct state *st, struct config *c)
{
	for (u32 i = 0; c->has_sidecore && i < c->nvms; i++) {
		for (u32 k = 0; k < c->vms[i].ncores; k++) {
			if (c->vms[i].cores[k] != c->sidecore)
				continue;
			report(st->fn, st->arg, &st->problems, "%s:%u: sidecore %u is a core of vm '%s' (line %u): the sidecore must be a core no VM uses; no sidecore",
			       st->file, c->sidecore_line, c->sidecore, c->vms[i].name,
			       c->vms[i].line);
			c->has_sidecore = false;
			break;
		}
	}
	for (u32 i = 0; !c->has_sidecore && i < c->nvms; i++)
		if (c->vms[i].viommu == CONFIG_VIOMMU_SIDECORE)
			report(st->fn, st->arg, &st->problems, "%s:%u: viommu = sidecore needs a sidecore: [host] sidecore = CORE (vm '%s' will not start)",
			       st->file, c->vms[i].viommu_line, c->vms[i].name);
}

/* Close the VM being read: keep it only if it has what it needs. */
static void finish(struct state *st, struct config *c, struct vm_config *vm, bool bad)
{
	const char *why = NULL;

	if (!vm)
		return;
	if (bad)
		why = "it has errors above";
	else if (!vm->ncores)
		why = "no 'cores'";
	else if (!vm->memory)
		why = "no 'memory'";
	else if (!vm->kernel[0])
		why = "no 'kernel'";
	if (!why && vm->resident && vm->resident > vm->memory) {
		report(st->fn, st->arg, &st->problems, "%s:%u: resident is more than memory (%llu MiB)",
		       st->file, vm->resident_line, (unsigned long long)(vm->memory >> 20));
		why = "resident > memory";
	}
	if (!why && config_resident(vm) < vm->memory && !vm->swap[0]) {
		report(st->fn, st->arg, &st->problems, "%s:%u: resident below memory overcommits the VM: it needs 'swap = PARTITION'",
		       st->file, vm->resident_line);
		why = "overcommitted without swap";
	}
	if (!why && config_resident(vm) < vm->memory && config_overcommit_refusal(vm)) {
		report(st->fn, st->arg, &st->problems, "%s:%u: resident below memory refused: %s",
		       st->file, vm->resident_line, config_overcommit_refusal(vm));
		why = "overcommitted with assigned devices";
	}
	if (!why && vm->swap[0] && !strcmp(vm->swap, vm->disk)) {
		report(st->fn, st->arg, &st->problems, "%s:%u: swap %s is the VM's own disk",
		       st->file, vm->swap_line, vm->swap);
		why = "swap is its disk";
	}
	if (why) {
		report(st->fn, st->arg, &st->problems, "%s:%u: vm '%s' dropped: %s",
		       st->file, vm->line, vm->name, why);
		return;
	}
	c->nvms++;
}

int config_parse(const char *file, const char *text, size_t len,
		 struct config *c, report_fn fn, void *arg)
{
	struct state st = { file, fn, arg, 0 };
	struct vm_config *vm = NULL;
	bool vm_bad = false, in_host = false;
	size_t pos = 0;
	u32 lineno = 0;

	memset(c, 0, sizeof(*c));
	while (pos < len) {
		char line[512], *l, *eq, *key, *val;
		size_t n = 0;

		lineno++;
		while (pos < len && text[pos] != '\n') {
			if (n + 1 < sizeof(line))
				line[n++] = text[pos];
			pos++;
		}
		pos++;
		line[n] = 0;
		if (memchr(line, 0, n)) {
			report(fn, arg, &st.problems, "%s:%u: binary data; is this a text file?",
			       file, lineno);
			break;
		}
		/* '#' starts a comment, except inside a cmdline value. */
		l = trim(line);
		if (!*l || *l == '#')
			continue;
		if (*l == '[') {
			char *close = strchr(l, ']');
			char name[CONFIG_NAME_MAX + 8];

			finish(&st, c, vm, vm_bad);
			vm = NULL;
			vm_bad = false;
			if (!close || trim(close + 1)[0]) {
				report(fn, arg, &st.problems, "%s:%u: section header needs a closing ']'",
				       file, lineno);
				continue;
			}
			*close = 0;
			l = trim(l + 1);
			in_host = !strcmp(l, "host");
			if (in_host)
				continue;
			if (strncmp(l, "vm", 2) || (l[2] && !isspace((unsigned char)l[2]))) {
				report(fn, arg, &st.problems, "%s:%u: unknown section '[%s]' (expected '[vm NAME]' or '[host]')",
				       file, lineno, l);
				continue;
			}
			snprintf(name, sizeof(name), "%s", trim(l + 2));
			if (!name[0] || strlen(name) >= CONFIG_NAME_MAX || strpbrk(name, " \t\"")) {
				report(fn, arg, &st.problems, "%s:%u: VM name '%s' must be 1-%d characters without spaces",
				       file, lineno, name, CONFIG_NAME_MAX - 1);
				continue;
			}
			for (u32 i = 0; i < c->nvms; i++) {
				if (!strcmp(c->vms[i].name, name)) {
					report(fn, arg, &st.problems, "%s:%u: a second vm '%s'; this one is ignored",
					       file, lineno, name);
					name[0] = 0;
				}
			}
			if (!name[0])
				continue;
			if (c->nvms >= CONFIG_MAX_VMS) {
				report(fn, arg, &st.problems, "%s:%u: more than %d VMs; '%s' ignored",
				       file, lineno, CONFIG_MAX_VMS, name);
				continue;
			}
			vm = &c->vms[c->nvms];
			memset(vm, 0, sizeof(*vm));
			strcpy(vm->name, name);
			vm->line = lineno;
			continue;
		}
		eq = strchr(l, '=');
		if (!eq) {
			report(fn, arg, &st.problems, "%s:%u: expected 'key = value'", file, lineno);
			vm_bad |= vm != NULL;
			continue;
		}
		*eq = 0;
		key = trim(l);
		val = trim(eq + 1);
		if (in_host) {
			char *hash = strchr(val, '#');

			if (hash) {
				*hash = 0;
				val = trim(val);
			}
			if (!strcmp(key, "sidecore")) {
				char *end;
				unsigned long n = strtoul(val, &end, 10);

				if (!*val || *end || n < 1 || n > 255) {
					report(fn, arg, &st.problems, "%s:%u: sidecore '%s': expected a core number from 1 to 255 (core 0 is tern's)",
					       file, lineno, val);
				} else {
					c->has_sidecore = true;
					c->sidecore = (u32)n;
					c->sidecore_line = lineno;
				}
			} else if (strcmp(key, "shell_secret"))
				report(fn, arg, &st.problems, "%s:%u: [host] has no '%s' (known: shell_secret, sidecore)",
				       file, lineno, key);
			else if (strlen(val) < 8 || strlen(val) >= sizeof(c->shell_secret))
				report(fn, arg, &st.problems, "%s:%u: shell_secret must be 8-%zu characters",
				       file, lineno, sizeof(c->shell_secret) - 1);
			else
				strcpy(c->shell_secret, val);
			continue;
		}
		if (!vm) {
			report(fn, arg, &st.problems, "%s:%u: '%s' outside any [vm NAME] section",
			       file, lineno, key);
			continue;
		}
		if (strcmp(key, "cmdline")) {
			char *hash = strchr(val, '#');

			if (hash) {
				*hash = 0;
				val = trim(val);
			}
		}
		if (!strcmp(key, "cores")) {
			char tmp[128];

			snprintf(tmp, sizeof(tmp), "%s", val);	/* strtok cuts it */
			if (!parse_cores(tmp, vm)) {
				report(fn, arg, &st.problems, "%s:%u: cores '%s': expected distinct core numbers like '1' or '1,2' (at most %d)",
				       file, lineno, val, CONFIG_MAX_VCPUS);
				vm_bad = true;
			}
		} else if (!strcmp(key, "memory")) {
			u64 m;

			if (!config_parse_size(val, &m) || m < CONFIG_MIN_MEMORY ||
			    m > CONFIG_MAX_MEMORY || (m & 0xfff)) {
				report(fn, arg, &st.problems, "%s:%u: memory '%s': expected a size from 1M to 1T, like 64M",
				       file, lineno, val);
				vm_bad = true;
			} else {
				vm->memory = m;
			}
		} else if (!strcmp(key, "console_history")) {
			u64 c;

			if (!config_parse_size(val, &c) || c < CONFIG_CONSOLE_MIN ||
			    c > CONFIG_CONSOLE_MAX) {
				report(fn, arg, &st.problems, "%s:%u: console_history '%s': expected a size from 1K to 16M, like 64K",
				       file, lineno, val);
				vm_bad = true;
			} else {
				vm->console_size = (u32)c;
			}
		} else if (!strcmp(key, "kernel") || !strcmp(key, "initrd")) {
			char *dst = key[0] == 'k' ? vm->kernel : vm->initrd;

			if (!*val || strlen(val) >= CONFIG_FILE_MAX) {
				report(fn, arg, &st.problems, "%s:%u: %s: a file name of 1-%d characters is needed",
				       file, lineno, key, CONFIG_FILE_MAX - 1);
				vm_bad = true;
			} else {
				strcpy(dst, val);
			}
		} else if (!strcmp(key, "cmdline")) {
			if (strlen(val) >= CONFIG_CMDLINE_MAX) {
				report(fn, arg, &st.problems, "%s:%u: cmdline longer than %d characters",
				       file, lineno, CONFIG_CMDLINE_MAX - 1);
				vm_bad = true;
			} else {
				strcpy(vm->cmdline, val);
			}
		} else if (!strcmp(key, "devices")) {
			char tmp[128];

			snprintf(tmp, sizeof(tmp), "%s", val);
			if (!parse_devices(tmp, vm)) {
				report(fn, arg, &st.problems, "%s:%u: devices '%s': expected distinct PCI functions like '00:02.0' or '00:02.0, 03:00.1' (at most %d)",
				       file, lineno, val, CONFIG_MAX_DEVICES);
				vm_bad = true;
			}
		} else if (!strcmp(key, "iommu")) {
			if (!strcmp(val, "on"))
				vm->iommu_off_unsafe = false;
			else if (!strcmp(val, "off-unsafe"))
				vm->iommu_off_unsafe = true;
			else {
				report(fn, arg, &st.problems, "%s:%u: iommu '%s': use on or off-unsafe",
				       file, lineno, val);
				vm_bad = true;
			}
		} else if (!strcmp(key, "disk")) {
			if (vm->disk[0]) {
				report(fn, arg, &st.problems, "%s:%u: a second disk; one disk per VM",
				       file, lineno);
				vm_bad = true;
			} else if (vm->disk_line = lineno, !parse_disk(val, vm)) {
				report(fn, arg, &st.problems, "%s:%u: disk '%s': expected a disk name like 'ata0p2' (letters, digits, '-', '_'; at most %d), optionally followed by ',ro'",
				       file, lineno, val, CONFIG_DISK_MAX - 1);
				vm_bad = true;
			}
		} else if (!strcmp(key, "resident")) {
			u64 m;

			vm->resident_line = lineno;
			if (!config_parse_size(val, &m) || m < CONFIG_MIN_MEMORY ||
			    m > CONFIG_MAX_MEMORY || (m & 0xfff)) {
				report(fn, arg, &st.problems, "%s:%u: resident '%s': expected a size from 1M to 1T, like 128M",
				       file, lineno, val);
				vm_bad = true;
			} else {
				vm->resident = m;
			}
		} else if (!strcmp(key, "swap")) {
			vm->swap_line = lineno;
			if (!disk_name_ok(val, strlen(val))) {
				report(fn, arg, &st.problems, "%s:%u: swap '%s': expected a partition name like 'ata0p3' (letters, digits, '-', '_'; at most %d)",
				       file, lineno, val, CONFIG_DISK_MAX - 1);
				vm_bad = true;
			} else {
				strcpy(vm->swap, val);
			}
		} else if (!strcmp(key, "swap_mode")) {
			if (!strcmp(val, "baseline"))
				vm->swap_mode = CONFIG_SWAP_BASELINE;
			else if (!strcmp(val, "mapper"))
				vm->swap_mode = CONFIG_SWAP_MAPPER;
			else if (!strcmp(val, "vswapper"))
				vm->swap_mode = CONFIG_SWAP_VSWAPPER;
			else {
				report(fn, arg, &st.problems, "%s:%u: swap_mode '%s': use baseline, mapper or vswapper",
				       file, lineno, val);
				vm_bad = true;
			}
		} else if (!strcmp(key, "eli")) {
			if (!strcmp(val, "on"))
				vm->eli = CONFIG_ELI_ON;
			else if (!strcmp(val, "delivery"))
				vm->eli = CONFIG_ELI_DELIVERY;
			else if (!strcmp(val, "off"))
				vm->eli = CONFIG_ELI_OFF;
			else {
				report(fn, arg, &st.problems, "%s:%u: eli '%s': use on, delivery or off",
				       file, lineno, val);
				vm_bad = true;
			}
		} else if (!strcmp(key, "eli_timer")) {
			if (!strcmp(val, "direct"))
				vm->eli_timer = CONFIG_ELI_TIMER_DIRECT;
			else if (!strcmp(val, "inject"))
				vm->eli_timer = CONFIG_ELI_TIMER_INJECT;
			else {
				report(fn, arg, &st.problems, "%s:%u: eli_timer '%s': use direct or inject",
				       file, lineno, val);
				vm_bad = true;
			}
		} else if (!strcmp(key, "eli_ipi")) {
			if (!strcmp(val, "direct"))
				vm->eli_ipi = CONFIG_ELI_IPI_DIRECT;
			else if (!strcmp(val, "inject"))
				vm->eli_ipi = CONFIG_ELI_IPI_INJECT;
			else {
				report(fn, arg, &st.problems, "%s:%u: eli_ipi '%s': use direct or inject",
				       file, lineno, val);
				vm_bad = true;
			}
		} else if (!strcmp(key, "paravirt")) {
			if (!strcmp(val, "none"))
				vm->paravirt = CONFIG_PARAVIRT_NONE;
			else if (!strcmp(val, "kvm"))
				vm->paravirt = CONFIG_PARAVIRT_KVM;
			else {
				report(fn, arg, &st.problems, "%s:%u: paravirt '%s': use none or kvm",
				       file, lineno, val);
				vm_bad = true;
			}
		} else if (!strcmp(key, "viommu")) {
			vm->viommu_line = lineno;
			if (!strcmp(val, "off"))
				vm->viommu = CONFIG_VIOMMU_OFF;
			else if (!strcmp(val, "samecore"))
				vm->viommu = CONFIG_VIOMMU_SAMECORE;
			else if (!strcmp(val, "sidecore"))
				vm->viommu = CONFIG_VIOMMU_SIDECORE;
			else {
				report(fn, arg, &st.problems, "%s:%u: viommu '%s': use off, samecore or sidecore",
				       file, lineno, val);
				vm_bad = true;
			}
		} else if (!strcmp(key, "viommu_teardown")) {
			if (!strcmp(val, "strict"))
				vm->viommu_teardown = CONFIG_TEARDOWN_STRICT;
			else if (!strcmp(val, "optimistic"))
				vm->viommu_teardown = CONFIG_TEARDOWN_OPTIMISTIC;
			else {
				report(fn, arg, &st.problems, "%s:%u: viommu_teardown '%s': use strict or optimistic",
				       file, lineno, val);
				vm_bad = true;
			}
		} else if (!strcmp(key, "viommu_quota") || !strcmp(key, "viommu_residency_ms")) {
			bool quota = !strcmp(key, "viommu_quota");
			u32 max = quota ? CONFIG_VIOMMU_QUOTA_MAX : CONFIG_VIOMMU_RESIDENCY_MAX;
			char *end;
			unsigned long v = strtoul(val, &end, 10);

			if (!*val || *end || v < 1 || v > max) {
				report(fn, arg, &st.problems, "%s:%u: %s '%s': expected a number from 1 to %u%s",
				       file, lineno, key, val, max, quota ? "" : " (milliseconds)");
				vm_bad = true;
			} else if (quota) {
				vm->viommu_quota = (u32)v;
			} else {
				vm->viommu_residency_ms = (u32)v;
			}
		} else if (!strcmp(key, "preventer_pages") || !strcmp(key, "preventer_time_us")) {
			bool pages = !strcmp(key, "preventer_pages");
			u32 max = pages ? CONFIG_PREV_PAGES_MAX : CONFIG_PREV_TIME_MAX;
			char *end;
			unsigned long v = strtoul(val, &end, 10);

			if (!*val || *end || v < 1 || v > max) {
				report(fn, arg, &st.problems, "%s:%u: %s '%s': expected a number from 1 to %u%s",
				       file, lineno, key, val, max, pages ? "" : " (microseconds)");
				vm_bad = true;
			} else if (pages) {
				vm->prev_pages = (u32)v;
			} else {
				vm->prev_time_us = (u32)v;
			}
		} else if (!strcmp(key, "preventer_sequential")) {
			if (!strcmp(val, "on"))
				vm->prev_sequential = CONFIG_PREV_SEQ_ON;
			else if (!strcmp(val, "off"))
				vm->prev_sequential = CONFIG_PREV_SEQ_OFF;
			else {
				report(fn, arg, &st.problems, "%s:%u: preventer_sequential '%s': use on or off",
				       file, lineno, val);
				vm_bad = true;
			}
		} else if (!strcmp(key, "autostart")) {
			if (!strcmp(val, "yes") || !strcmp(val, "true") || !strcmp(val, "1"))
				vm->autostart = true;
			else if (!strcmp(val, "no") || !strcmp(val, "false") || !strcmp(val, "0"))
				vm->autostart = false;
			else
				report(fn, arg, &st.problems, "%s:%u: autostart '%s': use yes or no",
				       file, lineno, val);
		} else {
			report(fn, arg, &st.problems, "%s:%u: unknown key '%s' ignored (known: cores, memory, kernel, initrd, cmdline, autostart, devices, iommu, disk, console_history, eli, eli_timer, eli_ipi, paravirt, viommu, viommu_teardown, viommu_quota, viommu_residency_ms, resident, swap, swap_mode, preventer_pages, preventer_time_us, preventer_sequential)",
			       file, lineno, key);
		}
	}
	finish(&st, c, vm, vm_bad);
	check_sidecore(&st, c);
	return st.problems;
}
