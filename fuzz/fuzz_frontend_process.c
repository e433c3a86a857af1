/* SPDX-License-Identifier: MIT */
/*
 * fuzz_frontend_process: the programs of the other harnesses, played
 * against a front-end that runs as its own process (process_driver.h).
 * The target comes from the environment:
 *   VSF_TARGET_CMD      its command line, {socket} for the socket's path
 *   VSF_TARGET_PROFILE  its profile (a file of scenario/targets/); without
 *                       one, every rule is the model's
 * Input format: program.h; oracles: oracles.h and oracle_target.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "process_driver.h"
#include "program.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
uint64_t vsf_harness_last_digest(void);

static struct process_target target;
static bool have_target;

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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	load_target();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsf_program p = { 0 };

	load_target(); /* the replay and AFL++ mains do not call LLVMFuzzerInitialize */
	if (vsf_program_decode(data, size, &p) < 0)
		return 0;
	process_run_program(&target, &p);
	vsf_program_free(&p);
	return 0;
}

/* What replay compares between two runs of one input. */
uint64_t vsf_harness_last_digest(void)
{
	return process_last_digest();
}
