// SPDX-License-Identifier: GPL-2.0
/*
 * What newlib needs from its host (newlib "System Calls" chapter): a heap
 * (sbrk over mm/kmem.c), console output, and a malloc lock that works
 * across cores.
 */
#include <errno.h>
#include <reent.h>
#include <sys/stat.h>

#include "core/console.h"
#include "core/cpu.h"
#include "core/panic.h"
#include "core/percpu.h"
#include "core/spinlock.h"
#include "mm/kmem.h"

#undef errno
extern int errno;

void *sbrk(ptrdiff_t incr);
void *sbrk(ptrdiff_t incr)
{
	void *p = heap_sbrk(incr);

	if (p == (void *)-1)
		errno = ENOMEM;
	return p;
}

int _write(int fd, const void *buf, size_t n);
int _write(int fd, const void *buf, size_t n)
{
	(void)fd;
	console_write(buf, n);
	return (int)n;
}

int _read(int fd, void *buf, size_t n);
int _read(int fd, void *buf, size_t n)
{
	(void)fd; (void)buf; (void)n;
	errno = ENOSYS;
	return -1;
}

int _close(int fd);
int _close(int fd)
{
	(void)fd;
	return -1;
}

int _fstat(int fd, struct stat *st);
int _fstat(int fd, struct stat *st)
{
	(void)fd;
	st->st_mode = S_IFCHR;
	return 0;
}

int _isatty(int fd);
int _isatty(int fd)
{
	(void)fd;
	return 1;
}

long _lseek(int fd, long off, int whence);
long _lseek(int fd, long off, int whence)
{
	(void)fd; (void)off; (void)whence;
	return 0;
}

int _kill(int pid, int sig);
int _kill(int pid, int sig)
{
	(void)pid; (void)sig;
	errno = EINVAL;
	return -1;
}

int _getpid(void);
int _getpid(void)
{
	return 1;
}

void _exit(int status);
void _exit(int status)
{
	panic("newlib called exit(%d)", status);
}

/* Recursive: newlib's malloc may re-enter through sbrk paths. */
static spinlock_t malloc_lock = SPINLOCK_INIT;
static volatile int malloc_owner = -1;
static int malloc_depth;
static u64 malloc_flags;

void __malloc_lock(struct _reent *r);
void __malloc_lock(struct _reent *r)
{
	int me = (int)this_cpu_index();
	u64 f;

	(void)r;
	if (malloc_owner == me) {
		malloc_depth++;
		return;
	}
	f = irq_save();
	spin_lock(&malloc_lock);
	malloc_owner = me;
	malloc_depth = 1;
	malloc_flags = f;
}

void __malloc_unlock(struct _reent *r);
void __malloc_unlock(struct _reent *r)
{
	u64 f;

	(void)r;
	if (--malloc_depth)
		return;
	f = malloc_flags;
	malloc_owner = -1;
	spin_unlock(&malloc_lock);
	irq_restore(f);
}
