// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "core/vm/config.h"
#include "tests/unit/suites.h"

static struct config c;
static struct reports r;

static int parse(const char *text)
{
	memset(&r, 0, sizeof(r));
	return config_parse("tern.cfg", text, strlen(text), &c, collect_report, &r);
}

START_TEST(good)
{
	ck_assert_int_eq(parse(
		"# two VMs\n"
		"[vm linux]\n"
		"  cores = 1, 2\n"
		"  memory = 256M   # comment\n"
		"  kernel = vmlinuz\n"
		"  initrd = initrd.gz\n"
		"  cmdline = console=ttyS0 # kept: part of the command line\n"
		"  autostart = yes\n"
		"\n"
		"[vm test]\r\n"
		"cores=3\r\n"
		"memory=16m\r\n"
		"kernel=guest.elf\r\n"), 0);
	ck_assert_uint_eq(c.nvms, 2);
	ck_assert_str_eq(c.vms[0].name, "linux");
	ck_assert_uint_eq(c.vms[0].ncores, 2);
	ck_assert_uint_eq(c.vms[0].cores[1], 2);
	ck_assert_uint_eq(c.vms[0].memory, 256ULL << 20);
	ck_assert_str_eq(c.vms[0].initrd, "initrd.gz");
	ck_assert_str_eq(c.vms[0].cmdline, "console=ttyS0 # kept: part of the command line");
	ck_assert(c.vms[0].autostart);
	ck_assert_uint_eq(c.vms[1].memory, 16ULL << 20);
	ck_assert_str_eq(c.vms[1].kernel, "guest.elf");
	ck_assert(!c.vms[1].autostart);
	ck_assert_uint_eq(c.vms[1].line, 10);
}
END_TEST

START_TEST(bad_lines_named_valid_vms_kept)
{
	ck_assert_int_eq(parse(
		"[vm a]\n"			/* 1 */
		"cores = 1\n"
		"memory = 12Q\n"		/* 3: bad: VM a dropped */
		"kernel = k\n"
		"[vm b]\n"			/* 5 */
		"cores = 2\n"
		"memory = 32M\n"
		"kernel = k\n"
		"colour = blue\n"		/* 9: unknown key, b kept */
		"autostart = maybe\n"		/* 10 */
		"just some words\n"		/* 11: b dropped */
		"[vm c]\n"			/* 12 */
		"cores = 3\n"
		"memory = 8M\n"
		"kernel = k\n"), 6);
	ck_assert(reports_find(&r, "tern.cfg:3: memory '12Q'"));
	ck_assert(reports_find(&r, "tern.cfg:1: vm 'a' dropped: it has errors above"));
	ck_assert(reports_find(&r, "tern.cfg:9: unknown key 'colour' ignored"));
	ck_assert(reports_find(&r, "tern.cfg:10: autostart 'maybe'"));
	ck_assert(reports_find(&r, "tern.cfg:11: expected 'key = value'"));
	ck_assert(reports_find(&r, "tern.cfg:5: vm 'b' dropped"));
	ck_assert_uint_eq(c.nvms, 1);
	ck_assert_str_eq(c.vms[0].name, "c");
}
END_TEST

START_TEST(structure_errors)
{
	ck_assert_int_eq(parse("memory = 1M\n"), 1);
	ck_assert(reports_find(&r, "tern.cfg:1: 'memory' outside any [vm NAME]"));
	parse("[vm x\n");
	ck_assert(reports_find(&r, "closing ']'"));
	parse("[machine x]\n");
	ck_assert(reports_find(&r, "unknown section '[machine x]'"));
	parse("[vm ]\n");
	ck_assert(reports_find(&r, "VM name '' must be"));
	parse("[vm d]\ncores=1\nmemory=1M\nkernel=k\n[vm d]\ncores=2\nmemory=1M\nkernel=k\n");
	ck_assert(reports_find(&r, "tern.cfg:5: a second vm 'd'"));
	ck_assert_uint_eq(c.nvms, 1);
	parse("[vm e]\ncores=1\nkernel=k\n");
	ck_assert(reports_find(&r, "tern.cfg:1: vm 'e' dropped: no 'memory'"));
	ck_assert_uint_eq(c.nvms, 0);
	parse("[vm f]\ncores = 1,1\nmemory=1M\nkernel=k\n");
	ck_assert(reports_find(&r, "tern.cfg:2: cores '1,1'"));
	const char bin[] = "[vm g]\ncores=1\nab\0cd\n";

	memset(&r, 0, sizeof(r));
	config_parse("tern.cfg", bin, sizeof(bin) - 1, &c, collect_report, &r);
	ck_assert(reports_find(&r, "tern.cfg:3: binary data"));
}
END_TEST

START_TEST(sizes)
{
	u64 v;

	ck_assert(config_parse_size("4096", &v) && v == 4096);
	ck_assert(config_parse_size("2G", &v) && v == 2ULL << 30);
	ck_assert(config_parse_size("512kB", &v) && v == 512 << 10);
	ck_assert(!config_parse_size("M", &v));
	ck_assert(!config_parse_size("-1M", &v));
	ck_assert(!config_parse_size("99999999999999999999G", &v));
	ck_assert(!config_parse_size("1.5G", &v));
}
END_TEST

START_TEST(devices)
{
	static struct config c;
	struct reports r;
	const char *text =
		"[vm a]\ncores = 1\nmemory = 4M\nkernel = k\n"
		"devices = 00:02.0, 3a:1f.7\n"		/* 5 */
		"iommu = off-unsafe\n"			/* 6 */
		"[vm b]\ncores = 2\nmemory = 4M\nkernel = k\n"
		"devices = 00:02.0, 00:02.0\n"		/* 11: twice */
		"[vm c]\ncores = 3\nmemory = 4M\nkernel = k\n"
		"devices = 00:20.0\n"			/* 16: device 32 */
		"[vm d]\ncores = 3\nmemory = 4M\nkernel = k\n"
		"iommu = maybe\n";			/* 21 */
	u16 bdf;

	memset(&r, 0, sizeof(r));
	config_parse("tern.cfg", text, strlen(text), &c, collect_report, &r);
	ck_assert_uint_eq(c.nvms, 1);
	ck_assert_uint_eq(c.vms[0].ndevices, 2);
	ck_assert_uint_eq(c.vms[0].devices[0], 0x0010);
	ck_assert_uint_eq(c.vms[0].devices[1], 0x3aff);
	ck_assert(c.vms[0].iommu_off_unsafe);
	ck_assert(reports_find(&r, "tern.cfg:11: devices '00:02.0, 00:02.0': expected distinct PCI functions"));
	ck_assert(reports_find(&r, "tern.cfg:16: devices '00:20.0'"));
	ck_assert(reports_find(&r, "tern.cfg:21: iommu 'maybe': use on or off-unsafe"));
	ck_assert(config_parse_bdf("00:1f.3", &bdf) && bdf == 0xfb);
	ck_assert(!config_parse_bdf("00:1f", &bdf));
	ck_assert(!config_parse_bdf("0:1f.8", &bdf));
	ck_assert(!config_parse_bdf("100:00.0", &bdf));
	ck_assert(!config_parse_bdf("00:02.0x", &bdf));
}
END_TEST

START_TEST(disks)
{
	static struct config c;
	struct reports r;
	const char *text =
		"[vm a]\ncores = 1\nmemory = 4M\nkernel = k\n"
		"disk = ata0p2\n"			/* 5 */
		"[vm b]\ncores = 2\nmemory = 4M\nkernel = k\n"
		"disk = nvme0n1 , ro  # the image\n"	/* 10 */
		"[vm c]\ncores = 3\nmemory = 4M\nkernel = k\n"
		"disk = ata0\n"
		"disk = ata1\n"			/* 16: a second disk */
		"[vm d]\ncores = 3\nmemory = 4M\nkernel = k\n"
		"disk = ata0,rw\n"			/* 21 */
		"[vm e]\ncores = 3\nmemory = 4M\nkernel = k\n"
		"disk = ata 0\n"			/* 26 */
		"[vm f]\ncores = 3\nmemory = 4M\nkernel = k\n"
		"disk = \n"				/* 31 */
		"[vm g]\ncores = 3\nmemory = 4M\nkernel = k\n"
		"disk = abcdefghijklmnopqrstuvwxyz\n";	/* 36: too long */

	memset(&r, 0, sizeof(r));
	config_parse("tern.cfg", text, strlen(text), &c, collect_report, &r);
	ck_assert_uint_eq(c.nvms, 2);
	ck_assert_str_eq(c.vms[0].disk, "ata0p2");
	ck_assert(!c.vms[0].disk_ro);
	ck_assert_str_eq(c.vms[1].disk, "nvme0n1");
	ck_assert(c.vms[1].disk_ro);
	ck_assert(reports_find(&r, "tern.cfg:16: a second disk; one disk per VM"));
	ck_assert(reports_find(&r, "tern.cfg:21: disk 'ata0,rw': expected a disk name"));
	ck_assert(reports_find(&r, "tern.cfg:26: disk 'ata 0'"));
	ck_assert(reports_find(&r, "tern.cfg:31: disk '': expected"));
	ck_assert(reports_find(&r, "tern.cfg:36: disk 'abcdefghijklmnopqrstuvwxyz'"));
	ck_assert(reports_find(&r, "vm 'c' dropped"));
}
END_TEST

START_TEST(console_history)
{
	static struct config c;
	struct reports r;
	const char *text =
		"[vm a]\ncores = 1\nmemory = 4M\nkernel = k\n"
		"console_history = 64K\n"		/* 5 */
		"[vm b]\ncores = 2\nmemory = 4M\nkernel = k\n"
		"console_history = 100\n"		/* 10: too small */
		"[vm c]\ncores = 3\nmemory = 4M\nkernel = k\n";

	memset(&r, 0, sizeof(r));
	config_parse("tern.cfg", text, strlen(text), &c, collect_report, &r);
	ck_assert_uint_eq(c.nvms, 2);
	ck_assert_uint_eq(c.vms[0].console_size, 64 << 10);
	ck_assert_uint_eq(c.vms[1].console_size, 0);		/* the default */
	ck_assert(reports_find(&r, "tern.cfg:10: console_history '100': expected a size from 1K to 16M"));
}
END_TEST

START_TEST(viommu)
{
	ck_assert_int_eq(parse("[vm a]\ncores = 1\nmemory = 8M\nkernel = k\nviommu = samecore\n"
			       "[vm b]\ncores = 2\nmemory = 8M\nkernel = k\nviommu = sidecore\n"
			       "[vm c]\ncores = 3\nmemory = 8M\nkernel = k\n[host]\nsidecore = 4\n"), 0);
	ck_assert_uint_eq(c.nvms, 3);
	ck_assert(c.has_sidecore);
	ck_assert_uint_eq(c.sidecore, 4);
	ck_assert_uint_eq(c.vms[0].viommu, CONFIG_VIOMMU_SAMECORE);
	ck_assert_uint_eq(c.vms[1].viommu, CONFIG_VIOMMU_SIDECORE);
	ck_assert_uint_eq(c.vms[2].viommu, CONFIG_VIOMMU_OFF);
	/* A bad value is named with its line; the VM is dropped. */
	ck_assert_int_ge(parse("[vm a]\ncores = 1\nmemory = 8M\nkernel = k\nviommu = yes\n"), 1);
	ck_assert(reports_find(&r, "tern.cfg:5: viommu 'yes': use off, samecore or sidecore"));
	ck_assert_uint_eq(c.nvms, 0);
	/* Teardown: strict by default; optimistic with its quota and window. */
	ck_assert_int_eq(parse("[vm a]\ncores = 1\nmemory = 8M\nkernel = k\nviommu = samecore\n"
			       "viommu_teardown = optimistic\nviommu_quota = 4096\n"
			       "viommu_residency_ms = 20\n"
			       "[vm b]\ncores = 2\nmemory = 8M\nkernel = k\nviommu = samecore\n"), 0);
	ck_assert_uint_eq(c.vms[0].viommu_teardown, CONFIG_TEARDOWN_OPTIMISTIC);
	ck_assert_uint_eq(c.vms[0].viommu_quota, 4096);
	ck_assert_uint_eq(c.vms[0].viommu_residency_ms, 20);
	ck_assert_uint_eq(c.vms[1].viommu_teardown, CONFIG_TEARDOWN_STRICT);
	ck_assert_uint_eq(c.vms[1].viommu_quota, 0);
	ck_assert_int_ge(parse("[vm a]\ncores = 1\nmemory = 8M\nkernel = k\n"
			       "viommu_teardown = lazy\nviommu_quota = 0\nviommu_residency_ms = 5s\n"), 3);
	ck_assert(reports_find(&r, "tern.cfg:5: viommu_teardown 'lazy': use strict or optimistic"));
	ck_assert(reports_find(&r, "tern.cfg:6: viommu_quota '0': expected a number from 1 to 65536"));
	ck_assert(reports_find(&r, "tern.cfg:7: viommu_residency_ms '5s': expected a number from 1 to 1000 (milliseconds)"));
	ck_assert_uint_eq(c.nvms, 0);
	/* The sidecore: a core no VM uses; a sidecore vIOMMU needs one. */
	ck_assert_int_ge(parse("[vm a]\ncores = 1,2\nmemory = 8M\nkernel = k\nviommu = sidecore\n"
			       "[host]\nsidecore = 2\n"), 2);
	ck_assert(reports_find(&r, "tern.cfg:7: sidecore 2 is a core of vm 'a' (line 1): the sidecore must be a core no VM uses; no sidecore"));
	ck_assert(reports_find(&r, "tern.cfg:5: viommu = sidecore needs a sidecore: [host] sidecore = CORE (vm 'a' will not start)"));
	ck_assert(!c.has_sidecore);
	ck_assert_int_ge(parse("[host]\nsidecore = 0\n"), 1);
	ck_assert(reports_find(&r, "tern.cfg:2: sidecore '0': expected a core number from 1 to 255 (core 0 is tern's)"));
}
END_TEST

START_TEST(eli_settings)
{
	static struct config c;
	struct reports r;
	const char *text =
		"[vm a]\ncores = 1\nmemory = 64M\nkernel = k\n"
		"eli = delivery\n"			/* 5 */
		"eli_timer = inject\n"
		"paravirt = kvm\n"
		"[vm b]\ncores = 2\nmemory = 64M\nkernel = k\n"	/* 8 */
		"eli = sometimes\n"			/* 12 */
		"[vm c]\ncores = 3\nmemory = 64M\nkernel = k\n"	/* 13 */
		"eli_timer = later\n"			/* 17 */
		"[vm d]\ncores = 4\nmemory = 64M\nkernel = k\n"	/* 18 */
		"[vm e]\ncores = 5\nmemory = 64M\nkernel = k\n"	/* 22 */
		"paravirt = xen\n"			/* 26 */
		"[vm f]\ncores = 6\nmemory = 64M\nkernel = k\n"	/* 27 */
		"eli_ipi = inject\n"			/* 31 */
		"[vm g]\ncores = 7\nmemory = 64M\nkernel = k\n"	/* 32 */
		"eli_ipi = sometimes\n";		/* 36 */

	memset(&r, 0, sizeof(r));
	config_parse("tern.cfg", text, strlen(text), &c, collect_report, &r);
	ck_assert_uint_eq(c.nvms, 3);
	ck_assert_uint_eq(c.vms[0].eli, CONFIG_ELI_DELIVERY);
	ck_assert_uint_eq(c.vms[0].eli_timer, CONFIG_ELI_TIMER_INJECT);
	ck_assert_uint_eq(c.vms[0].paravirt, CONFIG_PARAVIRT_KVM);
	ck_assert_str_eq(c.vms[1].name, "d");
	ck_assert_uint_eq(c.vms[1].eli, CONFIG_ELI_DEFAULT);
	ck_assert_uint_eq(c.vms[1].eli_timer, CONFIG_ELI_TIMER_DIRECT);
	ck_assert_uint_eq(c.vms[1].paravirt, CONFIG_PARAVIRT_NONE);
	ck_assert_uint_eq(c.vms[1].eli_ipi, CONFIG_ELI_IPI_DIRECT);
	ck_assert_str_eq(c.vms[2].name, "f");
	ck_assert_uint_eq(c.vms[2].eli_ipi, CONFIG_ELI_IPI_INJECT);
	ck_assert(reports_find(&r, "tern.cfg:36: eli_ipi 'sometimes': use direct or inject"));
	ck_assert(reports_find(&r, "tern.cfg:12: eli 'sometimes': use on, delivery or off"));
	ck_assert(reports_find(&r, "tern.cfg:17: eli_timer 'later': use direct or inject"));
	ck_assert(reports_find(&r, "tern.cfg:26: paravirt 'xen': use none or kvm"));
}
END_TEST

START_TEST(overcommit)
{
	static struct config c;
	struct reports r;
	const char *text =
		"[vm a]\ncores = 1\nmemory = 512M\nkernel = k\n"
		"resident = 128M\n"			/* 5 */
		"swap = ata0p3\n"
		"swap_mode = baseline\n"
		"[vm b]\ncores = 2\nmemory = 64M\nkernel = k\n"	/* 8 */
		"resident = 128M\n"			/* 12: more than memory */
		"swap = ata0p3\n"
		"[vm c]\ncores = 3\nmemory = 64M\nkernel = k\n"	/* 14 */
		"resident = 32M\n"			/* 18: no swap */
		"[vm d]\ncores = 4\nmemory = 64M\nkernel = k\n"	/* 19 */
		"devices = 00:19.0\n"
		"resident = 32M\n"			/* 24: a device, no vIOMMU */
		"swap = ata0p3\n"
		"[vm e]\ncores = 5\nmemory = 64M\nkernel = k\n"	/* 26 */
		"resident = lots\n"			/* 30 */
		"swap = ata0 p3\n"			/* 31 */
		"swap_mode = clever\n"			/* 32 */
		"[vm f]\ncores = 6\nmemory = 64M\nkernel = k\n"	/* 33 */
		"disk = ata0p2\n"
		"swap = ata0p2\n"			/* 38: its own disk */
		"resident = 32M\n"
		"[vm g]\ncores = 7\nmemory = 64M\nkernel = k\n"	/* 40 */
		"swap = ata0p3\n"			/* swap without overcommit: kept */
		"[vm h]\ncores = 8\nmemory = 64M\nkernel = k\n"	/* 45 */
		"devices = 00:19.0\n"
		"viommu = samecore\n"			/* a device with a vIOMMU: kept */
		"resident = 32M\n"
		"swap = ata0p3\n";

	memset(&r, 0, sizeof(r));
	config_parse("tern.cfg", text, strlen(text), &c, collect_report, &r);
	ck_assert_uint_eq(c.nvms, 3);
	ck_assert_str_eq(c.vms[0].name, "a");
	ck_assert_uint_eq(c.vms[0].resident, 128ULL << 20);
	ck_assert_uint_eq(config_resident(&c.vms[0]), 128ULL << 20);
	ck_assert_str_eq(c.vms[0].swap, "ata0p3");
	ck_assert_uint_eq(c.vms[0].swap_mode, CONFIG_SWAP_BASELINE);
	ck_assert_str_eq(config_swap_mode_name(c.vms[0].swap_mode), "baseline");
	ck_assert_str_eq(c.vms[1].name, "g");
	ck_assert_uint_eq(config_resident(&c.vms[1]), 64ULL << 20);	/* memory */
	ck_assert_uint_eq(c.vms[1].swap_mode, CONFIG_SWAP_VSWAPPER);	/* the default */
	ck_assert_str_eq(c.vms[2].name, "h");
	ck_assert_uint_eq(config_resident(&c.vms[2]), 32ULL << 20);
	ck_assert_ptr_null(config_overcommit_refusal(&c.vms[2]));
	ck_assert(reports_find(&r, "tern.cfg:12: resident is more than memory (64 MiB)"));
	ck_assert(reports_find(&r, "tern.cfg:18: resident below memory overcommits the VM: it needs 'swap = PARTITION'"));
	ck_assert(reports_find(&r, "tern.cfg:24: resident below memory refused: assigned devices DMA into any of its RAM, which stays pinned: with 'viommu = samecore' or 'sidecore' only the pages the guest maps for DMA are"));
	ck_assert(reports_find(&r, "tern.cfg:30: resident 'lots': expected a size"));
	ck_assert(reports_find(&r, "tern.cfg:31: swap 'ata0 p3': expected a partition name"));
	ck_assert(reports_find(&r, "tern.cfg:32: swap_mode 'clever': use baseline, mapper or vswapper"));
	ck_assert(reports_find(&r, "tern.cfg:38: swap ata0p2 is the VM's own disk"));
	ck_assert(reports_find(&r, "vm 'b' dropped: resident > memory"));
	ck_assert(reports_find(&r, "vm 'd' dropped"));
}
END_TEST

/* The False Reads Preventer's settings (thesis §4.5.2: empirical values,
 * so settings): defaults 0 (the Preventer's own), bad ones named. */
START_TEST(preventer_settings)
{
	ck_assert_int_eq(parse("[vm a]\ncores = 1\nmemory = 8M\nkernel = k\n"
			       "preventer_pages = 8\npreventer_time_us = 250\n"
			       "preventer_sequential = off\n"
			       "[vm b]\ncores = 2\nmemory = 8M\nkernel = k\n"), 0);
	ck_assert_uint_eq(c.vms[0].prev_pages, 8);
	ck_assert_uint_eq(c.vms[0].prev_time_us, 250);
	ck_assert_uint_eq(c.vms[0].prev_sequential, CONFIG_PREV_SEQ_OFF);
	ck_assert_uint_eq(c.vms[1].prev_pages, 0);
	ck_assert_uint_eq(c.vms[1].prev_time_us, 0);
	ck_assert_uint_eq(c.vms[1].prev_sequential, 0);
	ck_assert_int_ge(parse("[vm a]\ncores = 1\nmemory = 8M\nkernel = k\n"
			       "preventer_pages = 65\npreventer_time_us = 1ms\n"
			       "preventer_sequential = maybe\n"), 3);
	ck_assert(reports_find(&r, "tern.cfg:5: preventer_pages '65': expected a number from 1 to 64"));
	ck_assert(reports_find(&r, "tern.cfg:6: preventer_time_us '1ms': expected a number from 1 to 1000000 (microseconds)"));
	ck_assert(reports_find(&r, "tern.cfg:7: preventer_sequential 'maybe': use on or off"));
	ck_assert_uint_eq(c.nvms, 0);
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, good);
	tcase_add_test(tc, bad_lines_named_valid_vms_kept);
	tcase_add_test(tc, structure_errors);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, devices);
	tcase_add_test(tc, disks);
	tcase_add_test(tc, console_history);
	tcase_add_test(tc, viommu);
	tcase_add_test(tc, overcommit);
	tcase_add_test(tc, eli_settings);
	tcase_add_test(tc, preventer_settings);
	suite_add_tcase(s, tc);
	return s;
}
