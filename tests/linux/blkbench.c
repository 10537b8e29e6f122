// SPDX-License-Identifier: GPL-2.0
/*
 * Block-I/O benchmark, run in the Linux guest (tests/system/bench_blk.py):
 * the same static program on tern's virtio-blk (/dev/vda) and on Bochs's
 * ATA disk natively (/dev/sdaN). O_DIRECT with page-aligned buffers, so
 * every read and write reaches the device (no page cache).
 *
 *     blkbench [-w] [-s SEQ_KIB] DEV KIB [PHASE ...]
 *
 * Phases (default: all, in this order): null (no I/O: the cost of the
 * harness's protocol), seqread, randread (4 KiB at offsets from a fixed-
 * seed PRNG over the whole device), seqwrite (from offset 0), randwrite;
 * KIB of data each, sequential ones in SEQ_KIB pieces (default 128). A
 * write phase ends with fsync (a FLUSH to the device) inside its timing.
 * Writes are refused on a device that holds an ext2/3/4 superblock: the
 * benchmark's area must be a partition of its own.
 *
 * One line per phase, for the harness to parse:
 *   BLKBENCH phase=NAME bytes=B ios=N ticks=T dev_reads=R dev_writes=W dev_flushes=F
 * ios: the read/write calls made; ticks: rdtsc delta over the phase (in
 * Bochs one tick per emulated instruction); dev_*: requests the kernel
 * completed on the device in the phase (/sys/class/block/X/stat), after
 * its merging and splitting.
 *
 * -w: before each phase print "BLKBENCH-READY N NAME" and wait for one
 * byte on stdin, after it print "BLKBENCH-END N" and wait again before
 * the result line: the harness reads tern's counters at those points, so
 * the windows hold the phase and as little console traffic as possible.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include <termios.h>
#include <unistd.h>

#define BLOCK		4096u

static int fd;
static uint64_t dev_bytes;
static char stat_path[PATH_MAX];
static int wait_mode;
static struct termios saved_tty;
static int tty_saved;

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	/* lfence: the count starts after what came before has finished. */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

static void die(const char *what)
{
	fprintf(stderr, "blkbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* xorshift64: the same offsets on every run and on both sides. */
static uint64_t prng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct devstat {
	unsigned long long reads, writes, flushes;
};

static struct devstat devstat(void)
{
	unsigned long long f[17] = { 0 };
	struct devstat d = { 0, 0, 0 };
	FILE *s;
	int n;

	if (!stat_path[0])
		return d;		/* not a block device: no counters */
	s = fopen(stat_path, "r");
	if (!s)
		die(stat_path);
	n = fscanf(s, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9], &f[10],
		   &f[11], &f[12], &f[13], &f[14], &f[15], &f[16]);
	fclose(s);
	if (n < 8) {
		fprintf(stderr, "blkbench: %s: unexpected format\n", stat_path);
		exit(1);
	}
	/* Fields 1, 5 and 16: reads, writes and flushes completed. */
	d.reads = f[0];
	d.writes = f[4];
	d.flushes = n >= 16 ? f[15] : 0;
	return d;
}

/* The harness's turn: one byte from the console (raw, no echo, so the
 * byte costs one receive interrupt and nothing is printed back). */
static void wait_key(void)
{
	char c;

	if (!wait_mode)
		return;
	fflush(stdout);
	if (read(0, &c, 1) != 1)
		die("stdin");
}

static void tty_raw(void)
{
	struct termios t;

	if (!wait_mode || tcgetattr(0, &saved_tty))
		return;
	tty_saved = 1;
	t = saved_tty;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(0, TCSANOW, &t);
}

static void tty_restore(void)
{
	if (tty_saved)
		tcsetattr(0, TCSANOW, &saved_tty);
}

/* An ext2/3/4 superblock (magic 0xEF53 at byte 1080) means a filesystem
 * the write phases would destroy. */
static int has_extfs(void *buf)
{
	const unsigned char *b = buf;

	if (pread(fd, buf, BLOCK, 0) != BLOCK)
		die("read of block 0");
	return b[1080] == 0x53 && b[1081] == 0xef;
}

static void io(int write, void *buf, size_t len, uint64_t off)
{
	ssize_t n = write ? pwrite(fd, buf, len, (off_t)off) : pread(fd, buf, len, (off_t)off);

	if (n != (ssize_t)len) {
		if (n >= 0)
			errno = EIO;
		die(write ? "write" : "read");
	}
}

int main(int argc, char **argv)
{
	static const char *const all[] = { "null", "seqread", "randread", "seqwrite", "randwrite" };
	uint64_t seq = 128 << 10, amount;
	char real[PATH_MAX];
	const char *const *phases;
	int nphases, opt;
	cpu_set_t cpu;
	void *buf;

	while ((opt = getopt(argc, argv, "ws:")) != -1) {
		if (opt == 'w')
			wait_mode = 1;
		else if (opt == 's')
			seq = strtoull(optarg, NULL, 0) << 10;
		else
			goto usage;
	}
	if (argc - optind < 2 || !seq || seq % BLOCK) {
usage:
		fprintf(stderr, "usage: blkbench [-w] [-s SEQ_KIB] DEV KIB [null|seqread|randread|seqwrite|randwrite ...]\n");
		return 2;
	}
	amount = strtoull(argv[optind + 1], NULL, 0) << 10;
	phases = argc - optind > 2 ? (const char *const *)argv + optind + 2 : all;
	nphases = argc - optind > 2 ? argc - optind - 2 : (int)(sizeof(all) / sizeof(all[0]));

	/* One CPU throughout: no migration in the middle of a timed phase. */
	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	sched_setaffinity(0, sizeof(cpu), &cpu);

	fd = open(argv[optind], O_RDWR | O_DIRECT);
	if (fd < 0)
		die(argv[optind]);
	/* A regular file (a check on the host) has no ioctl, but a size. */
	if (ioctl(fd, BLKGETSIZE64, &dev_bytes)) {
		struct stat st;

		if (fstat(fd, &st))
			die("BLKGETSIZE64");
		dev_bytes = (uint64_t)st.st_size;
	} else {
		if (!realpath(argv[optind], real))
			die("realpath");
		snprintf(stat_path, sizeof(stat_path), "/sys/class/block/%s/stat", basename(real));
	}
	dev_bytes -= dev_bytes % BLOCK;
	if (amount % BLOCK || amount > dev_bytes || seq > amount) {
		fprintf(stderr, "blkbench: %llu KiB per phase does not fit %s (%llu KiB) in %llu KiB pieces\n",
			(unsigned long long)amount >> 10, argv[optind],
			(unsigned long long)dev_bytes >> 10, (unsigned long long)seq >> 10);
		return 2;
	}
	if (posix_memalign(&buf, BLOCK, seq))
		die("posix_memalign");
	memset(buf, 0x5a, seq);		/* faulted in before any timing */
	tty_raw();

	for (int i = 0; i < nphases; i++) {
		const char *p = phases[i];
		int write = !strcmp(p, "seqwrite") || !strcmp(p, "randwrite");
		int rand = !strcmp(p, "randread") || !strcmp(p, "randwrite");
		uint64_t t0, t1, done = 0, ios = 0, s = 0x9e3779b97f4a7c15ull + (uint64_t)write;
		struct devstat d0, d1;

		if (strcmp(p, "null") && strcmp(p, "seqread") && !rand && !write) {
			fprintf(stderr, "blkbench: unknown phase %s\n", p);
			return 2;
		}
		if (write && has_extfs(buf)) {
			fprintf(stderr, "blkbench: %s holds an ext filesystem: not writing to it\n", argv[optind]);
			return 1;
		}
		memset(buf, 0x5a + i, seq);
		if (wait_mode) {
			printf("BLKBENCH-READY %d %s\n", i, p);
			wait_key();
		}
		d0 = devstat();
		t0 = rdtsc();
		while (strcmp(p, "null") && done < amount) {
			uint64_t len = rand ? BLOCK : seq, off = done;

			if (rand)
				off = prng(&s) % (dev_bytes / BLOCK) * BLOCK;
			io(write, buf, len, off);
			done += len;
			ios++;
		}
		if (write && fsync(fd))
			die("fsync");
		t1 = rdtsc();
		d1 = devstat();
		if (wait_mode) {
			printf("BLKBENCH-END %d\n", i);
			wait_key();
		}
		printf("BLKBENCH phase=%s bytes=%llu ios=%llu ticks=%llu dev_reads=%llu dev_writes=%llu dev_flushes=%llu\n",
		       p, (unsigned long long)done, (unsigned long long)ios,
		       (unsigned long long)(t1 - t0), d1.reads - d0.reads, d1.writes - d0.writes,
		       d1.flushes - d0.flushes);
		fflush(stdout);
	}
	tty_restore();
	printf("BLKBENCH-FINISHED\n");
	return 0;
}
