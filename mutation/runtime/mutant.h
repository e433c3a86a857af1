/* SPDX-License-Identifier: MIT */
/*
 * The run-time switch of the generated mutants (mutation/schema.py,
 * docs/mutation.md). A schema build's copy of src/ asks at each mutation
 * point whether its mutant is the one switched on:
 *
 *	(vsf_mutant_on(17) ? vsf_mutant_pick(17, a <= b, a < b) : vsf_mutant_on(18) ? ... : (a < b))
 *
 * VSF_MUTANT=<id> (an id of mutants.tsv) switches one on, read once; none is
 * on without it. Every visit of a mutation point counts as its mutant being
 * reached. The mutant switched on also counts as triggered at each visit
 * where its mutation changed something: a value other than the original's
 * (a replaced operator, a forced condition, a return value), or at every
 * visit where no original value is left to compare (a constant changed, a
 * statement deleted). A mutant not switched on costs one call and one branch
 * at each visit, as it did before triggers were counted; the counting adds
 * no branch and no traced comparison of a mutated value with the original's
 * (the functions below are not instrumented for coverage), so it gives a
 * fuzzer no feedback that a real bug would not give. With
 * VSF_MUTANT_COUNTS=FILE the counts live in that file, shared by every process
 * of a run and kept when one dies (as VSF_CANARY_COUNTS).
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

/* Mutant k is on: count a trigger when changed. */
void vsf_mutant_trigger(unsigned k, bool changed);

/* Mutant k is on: count a trigger when its value differs from the
 * original's (integers of one type, as unsigned 64-bit). */
void vsf_mutant_compare(unsigned k, uint64_t mutated, uint64_t original);

/* Mutant k is on: mutated, counting a trigger when it differs from original. */
bool vsf_mutant_pick(unsigned k, bool mutated, bool original);

/* A condition's three mutants k, k+1, k+2: negated, forced true, forced
 * false, each triggered when its value differs from v; v itself when none
 * of them is on. */
bool vsf_mutant_cond(unsigned k, bool v);

/* The VSF_MUTANT_COUNTS file: a header, then reached[count], then
 * triggered[count], host order. The magic names the layout: a file of
 * another layout is not used (switches.h). */
#define VSF_MUTANT_COUNTS_MAGIC "vsfmut2"
struct vsf_mutant_counts {
	char magic[8];
	uint32_t count;
	uint32_t reserved;
	uint64_t counters[]; /* reached[count], triggered[count] */
};

#endif
