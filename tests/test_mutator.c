/* SPDX-License-Identifier: MIT */
/*
 * The structure-aware mutator (fuzz/mutator.h): every output is a program
 * that decodes into exactly the ops it was encoded from, round-trips through
 * the text form, and stays within the input caps; mutation reaches the
 * inputs that matter (an overlapping map) from a one-map program in a
 * bounded number of steps.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mutator.h"
#include "program.h"
#include "program_checks.h"
#include "vsf_test.h"

#define MAX_SIZE 4096

/* Starting points: a few text programs and nothing at all. */
static const char *const starts[] = {
	"",
	"config nregions=1 sizes=0:0x10000\n"
	"fd 0 memfd size=0x2000 data=a5\n"
	"map fd=0 len=0x1000 rw need_reply\n",
	"session features=0x140000000 protocol=0x100428\n"
	"config nregions=2 sizes=0:0x10000,3:0x4000\n"
	"connect\n"
	"fd 1 memfd size=0x4000 seals=0x8 data=0102\n"
	"map shmid=3 fd=1 shm_offset=0x1000 len=0x2000 ro need_reply\n"
	"unmap shmid=3 shm_offset=0x1000 len=0x2000 need_reply\n"
	"reset\n"
	"send fds=1,1 chunk=3 data=0900000009000000280000000000\n",
	/* Sends with no bytes: resizing one copied from a null pointer (UBSan). */
	"send\nsend chunk=2\nsend\n",
};

TEST(mutator_output_always_decodes_and_round_trips)
{
	struct vsf_mutator *m = vsf_mutator_new();
	static uint8_t cur[MAX_SIZE];
	unsigned changed = 0, steps = 0;

	SETUP(m);
	for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
		size_t size = program_from_text(starts[s], cur, sizeof(cur));

		/* Chains of mutations, as a fuzzer applies them to its own outputs. */
		for (uint64_t seed = 1; seed <= 3000; seed++, steps++) {
			size_t n;
			const uint8_t *out = vsf_mutator_mutate(m, cur, size, MAX_SIZE, seed * 7919 + s, &n);

			if (out != cur) {
				changed++;
				check_program_round_trips(out, n, MAX_SIZE, true);
				CHECK(n != size || memcmp(out, cur, n)); /* a mutation changes bytes */
				memcpy(cur, out, n);
				size = n;
			}
			if (seed % 200 == 0) /* start over now and then, or the chain only grows */
				size = program_from_text(starts[s], cur, sizeof(cur));
		}
	}
	/* Nearly every call changes something. */
	CHECK(changed > steps * 9 / 10);
	vsf_mutator_free(m);
}

TEST(mutator_random_bytes_and_crossover)
{
	struct vsf_mutator *m = vsf_mutator_new();
	static uint8_t a[MAX_SIZE], b[MAX_SIZE];
	size_t an, bn, n;
	unsigned spliced = 0;

	SETUP(m);
	srandom(1);
	for (int i = 0; i < 2000; i++) {
		const uint8_t *out;

		/* Bytes that mostly do not decode: the mutator still emits programs. */
		an = (size_t)random() % 300;
		for (size_t j = 0; j < an; j++)
			a[j] = (uint8_t)random();
		out = vsf_mutator_mutate(m, a, an, MAX_SIZE, (uint64_t)i, &n);
		if (out != a) {
			check_program_round_trips(out, n, MAX_SIZE, false);
			CHECK(n != an || memcmp(out, a, n)); /* not the input re-encoded as it was */
		}
		/* Splice two programs. */
		an = program_from_text(starts[1 + i % 2], a, sizeof(a));
		bn = program_from_text(starts[2 - i % 2], b, sizeof(b));
		out = vsf_mutator_crossover(m, a, an, b, bn, MAX_SIZE, (uint64_t)i, &n);
		if (out != a) {
			spliced++;
			check_program_round_trips(out, n, MAX_SIZE, true);
			CHECK(n > an);
		}
		/* A cap smaller than the input: nothing larger comes out. */
		out = vsf_mutator_mutate(m, a, an, an, (uint64_t)i, &n);
		CHECK(n <= an);
	}
	CHECK(spliced > 1000);
	vsf_mutator_free(m);
}

/* Two maps in one region of the program's config whose ranges intersect. */
static bool has_overlapping_maps(const uint8_t *data, size_t size)
{
	struct vsf_program p;
	bool found = false;
	uint64_t region_size[256] = { 0 };
	const uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	SETUP(vsf_program_decode(data, size, &p) == 0);
	for (size_t i = 0; i < p.nops && !found; i++) {
		const struct vsf_op *a = &p.ops[i];

		if (a->code == VSF_OP_CONFIG)
			for (size_t k = 0; k < a->config.npairs; k++)
				region_size[vsf_op_config_pair(a, k).shmid] = vsf_op_config_pair(a, k).size;
		if (a->code != VSF_OP_MAP || !a->mmap.len || a->mmap.len % page ||
		    a->mmap.shm_offset % page ||
		    a->mmap.shm_offset + a->mmap.len > region_size[a->mmap.shmid])
			continue;
		for (size_t j = i + 1; j < p.nops && !found; j++) {
			const struct vsf_op *b = &p.ops[j];

			found = b->code == VSF_OP_MAP && b->mmap.shmid == a->mmap.shmid &&
				b->mmap.len && !(b->mmap.len % page) && !(b->mmap.shm_offset % page) &&
				b->mmap.shm_offset < a->mmap.shm_offset + a->mmap.len &&
				a->mmap.shm_offset < b->mmap.shm_offset + b->mmap.len;
		}
	}
	vsf_program_free(&p);
	return found;
}

TEST(mutator_reaches_overlapping_map)
{
	struct vsf_mutator *m = vsf_mutator_new();
	static uint8_t start[MAX_SIZE];
	size_t size = program_from_text(starts[1], start, sizeof(start));
	int steps = -1;

	SETUP(m);
	CHECK(!has_overlapping_maps(start, size));
	/* One mutation of the one-map program at a time, each from the start. */
	for (int seed = 1; seed <= 500 && steps < 0; seed++) {
		size_t n;
		const uint8_t *out = vsf_mutator_mutate(m, start, size, MAX_SIZE, (uint64_t)seed, &n);

		if (has_overlapping_maps(out, n))
			steps = seed;
	}
	printf("overlapping map after %d mutations\n", steps);
	CHECK(steps > 0);
	vsf_mutator_free(m);
}

/* Answer and wait ops it inserts name the target's requests most of the time. */
TEST(mutator_answers_the_targets_requests)
{
	static const uint32_t sends[] = { 24 /* GET_CONFIG */, 17 /* GET_QUEUE_NUM */ };
	struct vsf_mutator *m = vsf_mutator_new();
	static uint8_t start[MAX_SIZE];
	size_t size = program_from_text(starts[1], start, sizeof(start));
	unsigned ops = 0, known = 0, forms = 0;

	SETUP(m);
	vsf_mutator_set_requests(m, sends, 2);
	for (uint64_t seed = 1; seed <= 3000; seed++) {
		struct vsf_program p;
		size_t n;
		const uint8_t *out = vsf_mutator_mutate(m, start, size, MAX_SIZE, seed, &n);

		SETUP(vsf_program_decode(out, n, &p) == 0);
		for (size_t i = 0; i < p.nops; i++) {
			const struct vsf_op *op = &p.ops[i];
			uint32_t req = op->code == VSF_OP_ANSWER ? op->answer.request : op->wait.request;

			if (op->code != VSF_OP_ANSWER && op->code != VSF_OP_WAIT)
				continue;
			ops++;
			known += req == 24 || req == 17;
			forms |= op->code == VSF_OP_ANSWER ? 1u << op->answer.form : 0;
		}
		vsf_program_free(&p);
	}
	printf("%u answer and wait ops, %u naming a request the target sends, forms 0x%x\n", ops,
	       known, forms);
	CHECK(ops >= 50);
	CHECK(known * 10 >= ops * 7);
	CHECK_EQ(forms & 0xf, 0xf); /* reply, withhold, cut, always */
	vsf_mutator_free(m);
}

/* An engine's field source that writes a marker no mutation of ours makes. */
#define MARKER 0xc0ffee42u
static const uint8_t marker_bytes[] = { 0x42, 0xee, 0xff, 0xc0 };
static unsigned source_calls;

static bool marker_source(void *opaque, uint8_t *p, size_t width)
{
	uint64_t v = MARKER;

	CHECK(opaque == &source_calls);
	CHECK(width == 1 || width == 2 || width == 4 || width == 8);
	source_calls++;
	memcpy(p, &v, width);
	return true;
}

/* Programs with the marker in a field of 4 or 8 bytes, of 2000 mutations of starts[2]. */
static unsigned marked_outputs(struct vsf_mutator *m)
{
	static uint8_t start[MAX_SIZE];
	size_t size = program_from_text(starts[2], start, sizeof(start));
	unsigned marked = 0;

	for (uint64_t seed = 1; seed <= 2000; seed++) {
		size_t n;
		const uint8_t *out = vsf_mutator_mutate(m, start, size, MAX_SIZE, seed, &n);

		if (out == start)
			continue;
		check_program_round_trips(out, n, MAX_SIZE, true);
		marked += memmem(out, n, marker_bytes, sizeof(marker_bytes)) != NULL;
	}
	return marked;
}

/* A share of the field changes takes the engine's bytes, which land in
 * fields of programs that round-trip; without a source, none. */
TEST(mutator_field_source_values_land_in_valid_programs)
{
	struct vsf_mutator *m = vsf_mutator_new();
	unsigned with, without;

	SETUP(m);
	vsf_mutator_set_field_source(m, marker_source, &source_calls);
	with = marked_outputs(m);
	printf("the source was asked %u times, %u programs of 2000 carry its value\n", source_calls,
	       with);
	CHECK(source_calls >= 50);
	CHECK(with >= 30);
	vsf_mutator_set_field_source(m, NULL, NULL);
	source_calls = 0;
	without = marked_outputs(m);
	CHECK_EQ(without, 0);
	CHECK_EQ(source_calls, 0);
	vsf_mutator_free(m);
}
