/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer's entry points for the structure-aware mutator (mutator.h),
 * linked into every libFuzzer harness. One input in 16 goes to libFuzzer's
 * own mutators instead (byte flips, the -dict entries, its crossover), so
 * that framing and parser bugs stay reachable. VSF_MUTATOR=off leaves all
 * mutation to libFuzzer, for comparisons. With VSF_TARGET_PROFILE set, the
 * answer and wait ops it makes mostly name the requests that profile lists.
 *
 * The program mutator's field source (mutator.h) is LLVMFuzzerMutate on the
 * field's own bytes: among libFuzzer's mutators, the one that writes the
 * other operand of a comparison the library made (its table of recent
 * comparisons, TORC) and the -dict entries, so the values the code compares
 * against land in fields of a program that stays well-formed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mutator.h"
#include "target_profile.h"

#define BYTE_MUTATION_SHARE 16 /* one input in this many */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2,
				 size_t size2, uint8_t *out, size_t max_out_size, unsigned int seed);

static struct vsf_mutator *mutator;

/* Against a target with a profile (fuzz_frontend_process): its requests. */
static void use_profile(struct vsf_mutator *m)
{
	const char *path = getenv("VSF_TARGET_PROFILE");
	static struct target_profile prof;
	char err[256];

	if (path && *path && target_profile_load(&prof, path, err, sizeof(err)) == 0)
		vsf_mutator_set_requests(m, prof.sends, prof.nsends);
}

/* A field's bytes mutated by libFuzzer in place, at their width: bytes it
 * erased are zero (the high bytes of a little-endian number). */
static bool libfuzzer_field(void *opaque, uint8_t *p, size_t width)
{
	uint8_t buf[8];
	size_t n;

	(void)opaque;
	if (width > sizeof(buf))
		return false;
	memcpy(buf, p, width);
	n = LLVMFuzzerMutate(buf, width, width);
	if (!n || n > width)
		return false;
	memset(buf + n, 0, width - n);
	memcpy(p, buf, width);
	return true;
}

/* The mutator, or NULL when VSF_MUTATOR=off; says once which is in use. */
static struct vsf_mutator *get_mutator(void)
{
	static bool decided;

	if (!decided) {
		const char *env = getenv("VSF_MUTATOR");

		decided = true;
		if (!env || strcmp(env, "off")) {
			mutator = vsf_mutator_new();
			if (!mutator)
				abort();
			use_profile(mutator);
			vsf_mutator_set_field_source(mutator, libfuzzer_field, NULL);
		}
		fprintf(stderr, "vsf: %s\n",
			mutator ? "structure-aware program mutator in use (VSF_MUTATOR=off: "
				  "libFuzzer's own mutators only)" :
				  "VSF_MUTATOR=off: libFuzzer's own mutators only");
	}
	return mutator;
}

/* Decide at start-up, so that the campaign's own log (also the parent of
 * libFuzzer's fork mode) says which mutator runs. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	get_mutator();
	return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	struct vsf_mutator *m = get_mutator();
	const uint8_t *out;
	size_t n;

	if (!m || seed % BYTE_MUTATION_SHARE == 0)
		return LLVMFuzzerMutate(data, size, max_size);
	out = vsf_mutator_mutate(m, data, size, max_size, seed, &n);
	if (out == data)
		return LLVMFuzzerMutate(data, size, max_size);
	memcpy(data, out, n);
	return n;
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2,
				 size_t size2, uint8_t *out, size_t max_out_size, unsigned int seed)
{
	struct vsf_mutator *m = get_mutator();
	const uint8_t *res;
	size_t n;

	if (!m)
		return 0; /* no crossover of ours: libFuzzer goes on with its own mutators */
	res = vsf_mutator_crossover(m, data1, size1, data2, size2, max_out_size, seed, &n);
	if (res == data1)
		return 0; /* no splice fits: libFuzzer tries another mutation */
	memcpy(out, res, n);
	return n;
}
