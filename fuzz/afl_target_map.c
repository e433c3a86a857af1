/* SPDX-License-Identifier: MIT */
/*
 * AFL++ coverage from an instrumented target (fuzz_frontend_process's AFL++
 * build only). A target built with afl-clang-fast that the driver starts
 * inherits __AFL_SHM_ID and writes its edges into the campaign's map; the
 * driver keeps its stdio only (target_process.c), so it never takes the
 * fork-server fds, and the target's AFL++ runtime, finding no fork server,
 * just runs. With VSF_TARGET_MAP_SIZE=N (the target's map size, as
 * `AFL_DUMP_MAP_SIZE=1 target` prints it; scripts/fuzz.sh sets it):
 *
 * - the driver's own edges stay out of the map (AFL++'s selective
 *   coverage): the two programs number their edges from 1 alike, so the
 *   driver's would land on the target's; the map is the target's alone;
 * - the driver reports a map of at least N entries to afl-fuzz, which
 *   otherwise reads only as many as the driver has and would never see the
 *   target's edges above that;
 * - a map too small for the target (AFL_MAP_SIZE below N for a target of
 *   more than 64 Ki edges) stops the campaign with what to set: the target
 *   would write past it and die on every input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/shm.h>

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wstrict-prototypes"
__AFL_COVERAGE();
#pragma clang diagnostic pop

/* AFL++'s runtime (afl-compiler-rt): the map size its fork server reports. */
extern unsigned int __afl_map_size;

/* After AFL++'s own constructors have attached the map (priorities 0 to 5)
 * and before its fork server starts (a constructor of default priority, or
 * __AFL_INIT in main). */
__attribute__((constructor(101))) static void target_map(void)
{
	const char *n = getenv("VSF_TARGET_MAP_SIZE");
	const char *shm = getenv("__AFL_SHM_ID");
	unsigned long size = n ? strtoul(n, NULL, 0) : 0;
	struct shmid_ds ds;

	if (!size)
		return; /* black-box: the coverage is the driver's own */
	__AFL_COVERAGE_OFF();
	if (size > __afl_map_size)
		__afl_map_size = (unsigned int)size;
	if (shm && shmctl(atoi(shm), IPC_STAT, &ds) == 0 && ds.shm_segsz < size) {
		fprintf(stderr,
			"fuzz_frontend_process: the target's coverage map has %lu entries, AFL++'s %zu: "
			"set AFL_MAP_SIZE=%lu\n",
			size, (size_t)ds.shm_segsz, size);
		exit(2);
	}
}
