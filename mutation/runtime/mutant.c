/* SPDX-License-Identifier: MIT */
/* The generated mutants' switch and their reached and triggered counters
 * (mutant.h). */
#define _GNU_SOURCE
#include "mutant.h"
#include "switches.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t *reached, *triggered;
static long active = -1; /* the mutant switched on, or -1 */

static size_t counts_size(void)
{
	return sizeof(struct vsf_mutant_counts) + 2 * sizeof(uint64_t) * vsf_mutant_count;
}

static void counts_head(void *p)
{
	struct vsf_mutant_counts *c = p;

	memcpy(c->magic, VSF_MUTANT_COUNTS_MAGIC, sizeof(c->magic));
	c->count = vsf_mutant_count;
}

/* Read the environment once. */
static void mutant_init(void)
{
	const char *path = getenv("VSF_MUTANT_COUNTS");
	struct vsf_mutant_counts *c =
		path && *path ? vsf_counts_file_map(path, counts_size(), VSF_MUTANT_COUNTS_MAGIC,
						    vsf_mutant_count, counts_head, "mutant")
			      : NULL;

	active = vsf_switch_from_env("VSF_MUTANT", vsf_mutant_ids, vsf_mutant_count, "mutant");
	reached = c ? c->counters : calloc(2 * (size_t)vsf_mutant_count + 1, sizeof(*reached));
	if (!reached)
		abort();
	triggered = reached + vsf_mutant_count;
}

bool vsf_mutant_on(unsigned k)
{
	if (!reached)
		mutant_init();
	__atomic_add_fetch(&reached[k], 1, __ATOMIC_RELAXED);
	return (long)k == active;
}

/* No edge and no traced comparison where a trigger is counted: the fuzzer
 * gets no feedback on whether its input triggered the mutant. */
#define UNTRACED __attribute__((no_sanitize("coverage")))

UNTRACED void vsf_mutant_trigger(unsigned k, bool changed)
{
	__atomic_add_fetch(&triggered[k], changed, __ATOMIC_RELAXED);
}

UNTRACED void vsf_mutant_compare(unsigned k, uint64_t mutated, uint64_t original)
{
	vsf_mutant_trigger(k, mutated != original);
}

UNTRACED bool vsf_mutant_pick(unsigned k, bool mutated, bool original)
{
	vsf_mutant_trigger(k, mutated != original);
	return mutated;
}

bool vsf_mutant_cond(unsigned k, bool v)
{
	if (vsf_mutant_on(k))
		return vsf_mutant_pick(k, !v, v);
	if (vsf_mutant_on(k + 1))
		return vsf_mutant_pick(k + 1, true, v);
	if (vsf_mutant_on(k + 2))
		return vsf_mutant_pick(k + 2, false, v);
	return v;
}
