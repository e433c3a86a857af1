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
#include "wire.h"
#include "probes.h"

/* The message being handled, decoded for the report (a line of its own). */
static void print_message(const struct oracle_where *where)
{
	struct vsf_wire_header h;
	struct vsf_wire_mmap mm;
	const char *name;

	if (!where->msg)
		return;
	fprintf(stderr, "==vsf== message %zu of the op: ", where->msg_index + 1);
	if (where->msg_len < VSF_HEADER_SIZE) {
		fprintf(stderr, "%zu bytes, less than a header\n", where->msg_len);
		return;
	}
	vsf_decode_header(where->msg, &h);
	name = vsf_backend_request_name(h.request);
	fprintf(stderr, "%s (%u) flags 0x%x size %u", name ? name : "unknown request", h.request,
		h.flags, h.size);
	if (h.size == VSF_MMAP_PAYLOAD_SIZE && where->msg_len >= VSF_HEADER_SIZE + h.size) {
		vsf_decode_mmap(where->msg + VSF_HEADER_SIZE, &mm);
		fprintf(stderr, ": shmid %u fd_offset 0x%llx shm_offset 0x%llx len 0x%llx flags 0x%llx",
			mm.shmid, (unsigned long long)mm.fd_offset,
			(unsigned long long)mm.shm_offset, (unsigned long long)mm.len,
			(unsigned long long)mm.flags);
	}
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
