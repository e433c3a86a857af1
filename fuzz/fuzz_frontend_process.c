/* SPDX-License-Identifier: MIT */
/*
 * fuzz_frontend_process: the programs of the other harnesses, played
 * against a front-end that runs as its own process (process_driver.h).
 * The target comes from the environment:
 *   VSF_TARGET_CMD      its command line, {socket} for the socket's path
 *   VSF_TARGET_PROFILE  its profile (a file of scenario/targets/); without
 *                       one, every rule is the model's
 *   VSF_TARGET_KEEP     1: keep the target across inputs when its profile
 *                       says it can be (process_driver.h)
 *   VSF_TARGET_STATS    optional: a directory where each process keeps
 *                       DIR/<pid>.stats, the driver's counters (below)
 * Input format: program.h; oracles: oracles.h and oracle_target.h.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "process_driver.h"
#include "program.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
uint64_t vsf_harness_last_digest(void);

static struct process_target target;
static bool have_target;
static char stats_path[4096];
static pid_t stats_pid; /* whose file stats_path is: AFL++ forks after start-up */

/*
 * The driver's counters (process_driver_stats()) as one line in
 * VSF_TARGET_STATS/<pid>.stats, rewritten after each input rather than at
 * exit: a job that ends on a finding or a timeout runs no exit handler
 * (libFuzzer ends it with _Exit, AFL++ with SIGKILL), and its counts would
 * be lost. scripts/fuzz.sh sums the files of a campaign.
 */
static void write_stats(void)
{
	const struct process_stats *s = process_driver_stats();
	const char *dir = getenv("VSF_TARGET_STATS");
	char line[256];
	int fd, n;

	if (!dir || !*dir)
		return;
	if (stats_pid != getpid()) {
		stats_pid = getpid();
		snprintf(stats_path, sizeof(stats_path), "%s/%d.stats", dir, (int)stats_pid);
	}
	n = snprintf(line, sizeof(line),
		     "inputs %llu messages %llu refused %llu deviations %llu not_applicable %llu "
		     "restarts %llu kept %llu unclean %llu lost %llu refused_kept %llu\n",
		     s->inputs, s->messages, s->refused, s->deviations, s->not_applicable,
		     s->restarts, s->kept, s->unclean, s->lost, s->refused_kept);
	fd = open(stats_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	(void)!write(fd, line, (size_t)n);
	close(fd);
}

static void load_target(void)
{
	char err[256];

	if (have_target)
		return;
	if (process_target_from_env(&target, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_frontend_process: %s\n", err);
		exit(2);
	}
	have_target = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsf_program p = { 0 };

	/* Here, not in LLVMFuzzerInitialize: the libFuzzer build takes that one
	 * from mutator_libfuzzer.c, and the replay and AFL++ mains call none. */
	load_target();
	if (vsf_program_decode(data, size, &p) < 0)
		return 0;
	process_run_program(&target, &p);
	vsf_program_free(&p);
	write_stats();
	return 0;
}

/* What replay compares between two runs of one input. */
uint64_t vsf_harness_last_digest(void)
{
	return process_last_digest();
}
