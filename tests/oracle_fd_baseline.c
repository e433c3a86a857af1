/* SPDX-License-Identifier: MIT */
/*
 * The resources oracle's fd baseline across inputs (fuzz/oracle_resources.c).
 *
 * An input that makes many fds (an fd op on one handle, again and again,
 * retires each fd without closing it) leaves the fd pool holding some of
 * them at teardown, numbered as high as that input's fds went: above the
 * bound below which the next input checks the baseline it carries. Run
 * twice in one process, as libFuzzer and the replay run inputs, the second
 * run's last op counts its fds up past the pooled ones. Found from empty by
 * libFuzzer as "one fd more open than expected" on the unmutated front-end,
 * because the baseline was the one recorded before the first run.
 *
 * The program must run clean twice; and with the front-end's first close()
 * in the second run skipped (the map's fd: a leak of our own making), the
 * leak is still reported, so the carried baseline does not hide one.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "child_outcome.h"
#include "harness.h"
#include "program.h"
#include "syscalls.h"

/*
 * The fds one input makes: more than the 64 numbers above the baseline's
 * count below which the next input checks the baseline (the fds one op can
 * make), plus the 16 the pool keeps, so that the pool keeps fds above them.
 */
#define FD_OPS 100

typedef int close_fn(int fd);

static close_fn *next_close;

/* A front-end bug: its first close() leaves the fd open. */
static int leave_open(int fd)
{
	static bool skipped;

	if (skipped)
		return next_close(fd);
	skipped = true;
	return 0;
}

/* A region, FD_OPS memfds of distinct content on handle 0, a map of the last. */
static void make_program(struct vsf_program *prog, struct vsf_buf *bin)
{
	static char text[FD_OPS * 64 + 256];
	size_t len = 0;
	char err[128];

	len += (size_t)snprintf(text + len, sizeof(text) - len, "config nregions=1 sizes=0:0x10000\n");
	for (int i = 0; i < FD_OPS; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"fd 0 memfd size=0x1000 data=%02x%02x\n", i + 1, 0x5a);
	snprintf(text + len, sizeof(text) - len, "map fd=0 len=0x1000 rw need_reply\n");
	if (vsf_program_parse_text(text, bin, err, sizeof(err)) < 0 ||
	    vsf_program_decode(bin->data, bin->len, prog) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		exit(2);
	}
}

/* In a child: the program twice, the second time with *arg as the
 * front-end's close() (NULL: the real one). */
static void run_twice(const void *arg)
{
	close_fn *fn = *(close_fn *const *)arg;
	struct vsf_buf bin = { 0 };
	struct vsf_program prog = { 0 };

	make_program(&prog, &bin);
	vsf_harness_run_program(VSF_HARNESS_BACKEND_CHANNEL, &prog);
	if (fn) {
		next_close = vsf_syscalls.close;
		vsf_syscalls.close = fn;
	}
	vsf_harness_run_program(VSF_HARNESS_BACKEND_CHANNEL, &prog);
	vsf_program_free(&prog);
	free(bin.data);
}

/* The two runs end as they should: clean (report NULL), or aborted with report. */
static bool ends_as_expected(close_fn *fn, const char *report, const char *what)
{
	return child_ends_as_expected(run_twice, &fn, report, what);
}

int main(void)
{
	if (!ends_as_expected(NULL, NULL,
			      "the second run blamed the front-end for the fds the pool kept") ||
	    !ends_as_expected(leave_open, "fds open, expected",
			      "a leaked fd in the second run was not reported"))
		return 1;
	printf("PASS: a second run counts the fds the pool kept from the first as open before it;"
	       " a leak in it is still reported\n");
	return 0;
}
