/* SPDX-License-Identifier: MIT */
/*
 * AFL++'s custom mutator library for the structure-aware mutator
 * (mutator.h): AFL_CUSTOM_MUTATOR_LIBRARY=.../libvsf_afl_mutator.so. AFL++
 * runs its own havoc stage beside it (unless AFL_CUSTOM_MUTATOR_ONLY), which
 * keeps byte-level mutation and its CMPLOG stage. Queue entries it made
 * have "vsf-program" in their names.
 *
 * The program mutator's field source (mutator.h) is the operands of the
 * comparisons CMPLOG logged for the queue entry being fuzzed
 * (cmplog_operands.h), each also off by one: AFL++'s own CMPLOG stage
 * writes an operand only where the input's bytes hold the other one, while
 * a field value from the table reaches any field of any op, inserted ones
 * too, in a program that stays well-formed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmplog_operands.h"
#include "mutator.h"

struct afl_mutator {
	struct vsf_mutator *m;
	uint64_t seed;
	uint8_t *copy; /* the fallback's output */
	size_t copy_cap;
	struct cmplog_operands cmplog;
	bool new_entry; /* a queue entry was picked: read the map again */
};

void *afl_custom_init(void *afl, unsigned int seed);
uint8_t afl_custom_queue_get(void *data, const uint8_t *filename);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
		       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
const char *afl_custom_describe(void *data, size_t max_description_len);
void afl_custom_deinit(void *data);

/* A field set to a logged operand, or one off it (a comparison's boundary). */
static bool cmplog_field(void *opaque, uint8_t *p, size_t width)
{
	struct afl_mutator *am = opaque;
	uint64_t r, v;

	if (!am->cmplog.n)
		return false;
	am->seed = am->seed * 6364136223846793005ull + 1442695040888963407ull;
	r = am->seed >> 16;
	v = am->cmplog.values[r % am->cmplog.n];
	switch ((r >> 32) % 4) {
	case 0:
		v++;
		break;
	case 1:
		v--;
		break;
	default:
		break;
	}
	memcpy(p, &v, width); /* little-endian: the low bytes */
	return true;
}

void *afl_custom_init(void *afl, unsigned int seed)
{
	struct afl_mutator *am = calloc(1, sizeof(*am));

	(void)afl;
	if (!am || !(am->m = vsf_mutator_new())) {
		free(am);
		return NULL;
	}
	am->seed = seed;
	am->new_entry = true;
	vsf_mutator_set_field_source(am->m, cmplog_field, am);
	return am;
}

/* AFL++ picked a queue entry to fuzz: its CMPLOG stage comes next, then ours. */
uint8_t afl_custom_queue_get(void *data, const uint8_t *filename)
{
	struct afl_mutator *am = data;

	(void)filename;
	am->new_entry = true;
	return 1; /* fuzz it */
}

/*
 * When no program mutation fits, a copy with one byte XORed: AFL++
 * 4.04 aborts the campaign on a size of 0 ("Error in custom_fuzz"), and
 * handing buf back unchanged would run the same input again.
 */
static size_t flip_one_byte(struct afl_mutator *am, const uint8_t *buf, size_t buf_size,
			    size_t max_size, uint8_t **out_buf)
{
	size_t n = buf_size ? buf_size : 1;

	if (n > max_size)
		n = max_size;
	if (!n) {
		*out_buf = (uint8_t *)buf;
		return buf_size;
	}
	if (n > am->copy_cap) {
		uint8_t *p = realloc(am->copy, n);

		if (!p) {
			*out_buf = (uint8_t *)buf; /* out of memory: run it again */
			return buf_size;
		}
		am->copy = p;
		am->copy_cap = n;
	}
	if (buf_size)
		memcpy(am->copy, buf, n);
	else
		am->copy[0] = 0;
	am->copy[(am->seed >> 33) % n] ^= (uint8_t)(1 + (am->seed >> 56) % 255);
	*out_buf = am->copy;
	return n;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
		       uint8_t *add_buf, size_t add_buf_size, size_t max_size)
{
	struct afl_mutator *am = data;
	const uint8_t *out;
	size_t n;

	if (am->new_entry) {
		cmplog_operands_refresh(&am->cmplog);
		am->new_entry = false;
	}
	am->seed = am->seed * 6364136223846793005ull + 1442695040888963407ull;
	/* One in eight: splice with the other input AFL++ hands over. */
	if (add_buf && add_buf_size && (am->seed >> 61) == 0)
		out = vsf_mutator_crossover(am->m, buf, buf_size, add_buf, add_buf_size, max_size,
					    am->seed, &n);
	else
		out = vsf_mutator_mutate(am->m, buf, buf_size, max_size, am->seed, &n);
	if (out == buf)
		return flip_one_byte(am, buf, buf_size, max_size, out_buf);
	*out_buf = (uint8_t *)out; /* ours until the next call */
	return n;
}

const char *afl_custom_describe(void *data, size_t max_description_len)
{
	(void)data;
	return max_description_len >= sizeof("vsf-program") ? "vsf-program" : "vsf";
}

void afl_custom_deinit(void *data)
{
	struct afl_mutator *am = data;

	vsf_mutator_free(am->m);
	cmplog_operands_close(&am->cmplog);
	free(am->copy);
	free(am);
}
