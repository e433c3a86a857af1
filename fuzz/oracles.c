/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "oracles.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "canary.h"
#include "message_text.h"
#include "probes.h"

/* The message being handled, decoded for the report (a line of its own). */
static void print_message(const struct oracle_where *where)
{
	if (!where->msg)
		return;
	fprintf(stderr, "==vsf== message %zu of the op: ", where->msg_index + 1);
	message_text_print(stderr, where->msg, where->msg_len);
	fputc('\n', stderr);
}

void oracle_fail(const struct oracle_where *where, const char *oracle, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\n==vsf== ORACLE VIOLATION [%s] in %s at op %zu (%s): ", oracle,
		where->harness, where->op_index, where->op_name ? where->op_name : "-");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_message(where);
	vsf_canary_report(stderr);
	abort();
}

#ifdef VSF_CANARIES
/*
 * Canary builds print the bug-zoo counters when a harness process ends: at
 * exit, on an oracle violation (oracle_fail), and on a sanitizer report.
 */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static void report_canaries(void)
{
	vsf_canary_report(stderr);
}

__attribute__((constructor)) static void report_canaries_at_end(void)
{
	atexit(report_canaries);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(report_canaries);
}
#endif

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
