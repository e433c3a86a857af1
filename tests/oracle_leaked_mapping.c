/* SPDX-License-Identifier: MIT */
/*
 * The harness's teardown checks for what a freed front-end left mapped:
 *
 * - a leftover mapping of a harness memfd (resources_check_no_memfd_mapping)
 *   catches a leaked staged mapping, through its cheap signals: the count of the
 *   front-end's file mappings (scenario/fault.h) and of /proc/self/map_files. The
 *   leak is made by a munmap that leaves shared mappings in place, and an mremap
 *   fault on the commit of a map, after which the front-end unmaps its staged
 *   mapping;
 * - a region's range (resources_check_regions_gone) catches a reservation the
 *   front-end never released (a munmap that leaves the region's range alone),
 *   and does not blame private memory another part of the process maps into the
 *   freed range before the check (a munmap that maps some there at once, as
 *   ASan starting libFuzzer's RSS thread did in a run of one input in a few
 *   hundred).
 *
 * The faulty munmaps are put into the library's system-call table in front of
 * the fault injector. The same program runs clean with the real munmap, once
 * before (so the check has a clean count to compare with) and once after in a
 * new child.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "child_outcome.h"
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

/* The region's size in program_text: the front-end's munmap of its reservation. */
#define REGION_SIZE 0x10000

static int (*next_munmap)(void *addr, size_t len);

/* A front-end bug: the staged (shared) mapping is never unmapped. */
static int leave_shared(void *addr, size_t len)
{
	char perms[5];

	if (probe_maps_perms(addr, perms) && perms[3] == 's')
		return 0;
	return next_munmap(addr, len);
}

/* A front-end bug: the region's reservation is never released. */
static int leave_reservation(void *addr, size_t len)
{
	return len == REGION_SIZE ? 0 : next_munmap(addr, len);
}

/* No bug: the reservation goes, and another mapper takes part of its range at once. */
static int foreign_in_freed_range(void *addr, size_t len)
{
	int ret = next_munmap(addr, len);

	if (ret == 0 && len == REGION_SIZE &&
	    mmap(addr, REGION_SIZE / 2, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != addr)
		_exit(2);
	return ret;
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

typedef int munmap_fn(void *addr, size_t len);

/* In a child: the program with the real munmap (the clean count), then with
 * *arg (NULL: the real one again). */
static void run_twice(const void *arg)
{
	munmap_fn *fn = *(munmap_fn *const *)arg;

	run_program();
	if (fn) {
		next_munmap = vsf_syscalls.munmap;
		vsf_syscalls.munmap = fn;
	}
	run_program();
}

/* The program with munmap_fn ends as it should: clean (report NULL), or aborted with report. */
static bool ends_as_expected(munmap_fn *fn, const char *report, const char *what)
{
	return child_ends_as_expected(run_twice, &fn, report, what);
}

int main(void)
{
	if (!ends_as_expected(NULL, NULL, "the program does not run clean with the real munmap") ||
	    !ends_as_expected(leave_shared, "a mapping of a harness memfd is left after teardown",
			      "the leaked staged mapping was not reported") ||
	    !ends_as_expected(leave_reservation, "still mapped after teardown",
			      "the region's leaked reservation was not reported") ||
	    !ends_as_expected(foreign_in_freed_range, NULL,
			      "private memory mapped into a freed region's range was blamed"))
		return 1;
	printf("PASS: a leaked staged mapping and a leaked reservation are reported at teardown;"
	       " another mapper's memory in the freed range is not\n");
	return 0;
}
