/* SPDX-License-Identifier: MIT */
/*
 * What the canaries' and the mutants' switches share: the environment
 * variable that switches one on (VSF_CANARY, VSF_MUTANT), and a counters file
 * shared by every process of a run (VSF_CANARY_COUNTS, VSF_MUTANT_COUNTS),
 * mapped shared so that each process adds to it and one that dies keeps what
 * it counted. Every such file begins with struct vsf_counts_head.
 */
#ifndef VSF_SWITCHES_H
#define VSF_SWITCHES_H

#include <stddef.h>
#include <stdint.h>

struct vsf_counts_head {
	char magic[8];
	uint32_t count; /* entries */
	uint32_t reserved;
};

/* The file at path mapped shared, size bytes: a new one gets its header from
 * write_head; one of another build (magic or count differ) is not used. NULL
 * (with a warning naming who) when the file cannot be used. */
void *vsf_counts_file_map(const char *path, size_t size, const char *magic, uint32_t count,
			  void (*write_head)(void *), const char *who);

/* The index in names[n] of the name the environment variable var holds, or
 * -1 when it is unset or empty. A name that is not there is a mistake in the
 * run's set-up: the process stops rather than run without it. */
long vsf_switch_from_env(const char *var, const char *const names[], unsigned n, const char *who);

#endif
