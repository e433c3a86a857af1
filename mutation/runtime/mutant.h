/* SPDX-License-Identifier: MIT */
/*
 * The run-time switch of the generated mutants (mutation/schema.py,
 * docs/mutation.md). A schema build's copy of src/ asks at each mutation
 * point whether its mutant is the one switched on:
 *
 *	(vsf_mutant_on(17) ? (a <= b) : vsf_mutant_on(18) ? (a != b) : (a < b))
 *
 * VSF_MUTANT=<id> (an id of mutants.tsv) switches one on, read once; none is
 * on without it. Every visit of a mutation point counts as its mutant being
 * reached; with VSF_MUTANT_COUNTS=FILE the counts live in that file, shared
 * by every process of a run and kept when one dies (as VSF_CANARY_COUNTS).
 */
#ifndef VSF_MUTANT_H
#define VSF_MUTANT_H

#include <stdbool.h>
#include <stdint.h>

/* The generated table (mutants_table.c): every mutant's id, by index. */
extern const unsigned vsf_mutant_count;
extern const char *const vsf_mutant_ids[];

/* Count a visit of mutant k; true when it is the one switched on. */
bool vsf_mutant_on(unsigned k);

/* A condition's three mutants k, k+1, k+2: negated, forced true, forced
 * false; v itself when none of them is on. */
bool vsf_mutant_cond(unsigned k, bool v);

/* The VSF_MUTANT_COUNTS file: a header, then reached[count], host order. */
#define VSF_MUTANT_COUNTS_MAGIC "vsfmut1"
struct vsf_mutant_counts {
	char magic[8];
	uint32_t count;
	uint32_t reserved;
	uint64_t reached[];
};

#endif
