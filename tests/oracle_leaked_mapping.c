/* SPDX-License-Identifier: MIT */
/*
 * The harness's teardown check for a leftover mapping of a harness memfd
 * (fuzz/harness.c, check_no_memfd_mapping_left) catches a leaked staged
 * mapping, through its cheap signals: the count of the front-end's file
 * mappings (scenario/fault.h) and of /proc/self/map_files. The leak is made
 * by a munmap that leaves shared mappings in place, put into the library's
 * system-call table in front of the fault injector, and an mremap fault on
 * the commit of a map, after which the front-end unmaps its staged mapping.
 * The same program runs clean with the real munmap, once before (so the
 * check has a clean count to compare with) and once after in a new child.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "probes.h"
#include "program.h"
#include "syscalls.h"

static const char program_text[] =
	"config nregions=1 sizes=0:0x10000\n"
	"fd 0 memfd size=0x4000 data=5a\n"
	"map fd=0 shm_offset=0x8000 len=0x2000 rw need_reply\n"
	"unmap shm_offset=0x8000 len=0x2000 need_reply\n"
	"fault mremap\n"
	"map fd=0 len=0x2000 rw need_reply\n";

static int (*next_munmap)(void *addr, size_t len);

/* A front-end bug: the staged (shared) mapping is never unmapped. */
static int leaky_munmap(void *addr, size_t len)
{
	char perms[5];

	if (probe_maps_perms(addr, perms) && perms[3] == 's')
		return 0;
	return next_munmap(addr, len);
}

static void run_program(void)
{
	struct vsf_buf bin = { 0 };
	struct vsf_program prog = { 0 };
	char err[128];

	if (vsf_program_parse_text(program_text, &bin, err, sizeof(err)) < 0 ||
	    vsf_program_decode(bin.data, bin.len, &prog) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		exit(2);
	}
	vsf_harness_run_program(VSF_HARNESS_BACKEND_CHANNEL, &prog);
	vsf_program_free(&prog);
	free(bin.data);
}

/* Run the program in a child, leaky or not; its stderr goes to out. */
static int run_child(bool leaky, char *out, size_t cap)
{
	int pipefd[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(pipefd) < 0 || (pid = fork()) < 0)
		exit(2);
	if (pid == 0) {
		dup2(pipefd[1], 2);
		run_program(); /* the clean count */
		if (leaky) {
			next_munmap = vsf_syscalls.munmap;
			vsf_syscalls.munmap = leaky_munmap;
		}
		run_program();
		_exit(0);
	}
	close(pipefd[1]);
	while (got < (ssize_t)cap - 1 && (n = read(pipefd[0], out + got, cap - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return status;
}

int main(void)
{
	static char out[65536];
	int status;

	status = run_child(false, out, sizeof(out));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "FAIL: the program does not run clean with the real munmap:\n%s", out);
		return 1;
	}
	status = run_child(true, out, sizeof(out));
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT ||
	    !strstr(out, "a mapping of a harness memfd is left after teardown")) {
		fprintf(stderr, "FAIL: the leaked staged mapping was not reported:\n%s", out);
		return 1;
	}
	printf("PASS: a leaked staged mapping is reported at teardown\n");
	return 0;
}
