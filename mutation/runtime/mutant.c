/* SPDX-License-Identifier: MIT */
/* The generated mutants' switch and reached counters (mutant.h). */
#define _GNU_SOURCE
#include "mutant.h"
#include "switches.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t *reached;
static long active = -1; /* the mutant switched on, or -1 */

static size_t counts_size(void)
{
	return sizeof(struct vsf_mutant_counts) + sizeof(uint64_t) * vsf_mutant_count;
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
	reached = c ? c->reached : calloc(vsf_mutant_count + 1, sizeof(*reached));
	if (!reached)
		abort();
}

bool vsf_mutant_on(unsigned k)
{
	if (!reached)
		mutant_init();
	__atomic_add_fetch(&reached[k], 1, __ATOMIC_RELAXED);
	return (long)k == active;
}

bool vsf_mutant_cond(unsigned k, bool v)
{
	if (vsf_mutant_on(k))
		return !v;
	if (vsf_mutant_on(k + 1))
		return true;
	if (vsf_mutant_on(k + 2))
		return false;
	return v;
}
