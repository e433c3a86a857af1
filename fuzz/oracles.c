/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "oracles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A pipe the kernel copies through: EFAULT instead of SIGSEGV/SIGBUS. */
static int probe_pipe[2] = { -1, -1 };

void oracle_fail(const struct oracle_where *where, const char *oracle, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\n==vsf== ORACLE VIOLATION [%s] in %s at op %zu (%s): ", oracle,
		where->harness, where->op_index, where->op_name ? where->op_name : "-");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static const struct oracle_where *close_check_where;

void oracle_arm_close_check(const struct oracle_where *where)
{
	close_check_where = where;
}

void oracle_disarm_close_check(void)
{
	close_check_where = NULL;
}

/* Interposes libc's close() for the code linked into a harness. */
int close(int fd)
{
	long ret = syscall(SYS_close, fd);

	if (ret < 0 && errno == EBADF && close_check_where)
		oracle_fail(close_check_where, "resources",
			    "close(%d): fd not open (closed twice, or never owned)", fd);
	return (int)ret;
}

/*
 * Before main(): a lazy set-up would take a branch in the first input only,
 * which AFL++ counts as instability.
 */
__attribute__((constructor)) static void probes_init(void)
{
	if (pipe2(probe_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		perror("pipe2");
		abort();
	}
}

/* Raw system calls: sanitizer interceptors must not look at the address. */
bool probe_readable(const void *addr)
{
	uint8_t sink;

	if (syscall(SYS_write, probe_pipe[1], addr, 1) != 1)
		return false;
	return syscall(SYS_read, probe_pipe[0], &sink, 1) == 1;
}

bool probe_writable(void *addr)
{
	uint8_t old;
	long n;

	if (syscall(SYS_write, probe_pipe[1], addr, 1) != 1)
		return false;
	/* Write the byte back where it came from: content is unchanged. */
	n = syscall(SYS_read, probe_pipe[0], addr, 1);
	if (n != 1)
		(void)!syscall(SYS_read, probe_pipe[0], &old, 1); /* drain */
	return n == 1;
}

int probe_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d) {
		perror("/proc/self/fd");
		abort();
	}
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own fd */
}
