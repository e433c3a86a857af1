/* SPDX-License-Identifier: MIT */
/*
 * The structure-aware mutator: one implementation behind libFuzzer's
 * LLVMFuzzerCustomMutator / LLVMFuzzerCustomCrossOver (mutator_libfuzzer.c)
 * and an AFL++ custom mutator library (mutator_afl.c).
 *
 * It decodes an input into its program (program.h), changes it at the op
 * level and encodes a valid program again: it inserts generated ops that are
 * likely valid where they land (a config of page-multiple regions, a memfd,
 * a map into a configured region with a live fd, an unmap of a live
 * mapping), deletes, duplicates, swaps and moves ops, sets fields to values
 * taken from other ops of the same program (an earlier map's offset or end,
 * a handle, a shmid, a region size, each also off by a page or a byte), to
 * interesting values (page neighbours, values whose sum with a sibling field
 * wraps, every request id, flag and feature bit), changes fds (kind, size,
 * seals, the fds a message carries), answer and wait ops (biased to the
 * requests the target is known to send: vsf_mutator_set_requests) and raw
 * messages (a map turned into its
 * wire bytes, header fields, payload size, chunking), and splices op ranges
 * of two programs. A share of the field changes takes the field's bytes
 * from the engine (vsf_mutator_set_field_source): values the code under
 * test compares against. Byte-level mutation stays with the engine:
 * libFuzzer's own mutators are called for a small share of the inputs, and
 * AFL++ runs its havoc stage beside the custom one.
 *
 * Every output decodes into exactly the ops that were encoded (a mutation
 * whose bytes would re-frame is dropped) and stays within the input caps of
 * program.h.
 */
#ifndef VSF_MUTATOR_H
#define VSF_MUTATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vsf_mutator;

/* A mutator with its own buffers; NULL when out of memory. */
struct vsf_mutator *vsf_mutator_new(void);
void vsf_mutator_free(struct vsf_mutator *m);
/*
 * The front-end requests the target is known to send (a profile's `sends`),
 * which generated answer and wait ops mostly name; n 0: the default list,
 * what the shipped profiles list and the GETs a front-end reads.
 */
void vsf_mutator_set_requests(struct vsf_mutator *m, const uint32_t *requests, size_t n);

/*
 * An engine's source of field values, for one field change in
 * VSF_FIELD_SOURCE_SHARE (when set): fn rewrites the field's width bytes
 * (1 to 8, little-endian) in place and returns false when it has nothing to
 * offer (the mutator then picks a value of its own). libFuzzer's adapter
 * hands the bytes to LLVMFuzzerMutate (its comparison table and the
 * dictionary), AFL++'s writes an operand CMPLOG logged. NULL: none.
 */
#define VSF_FIELD_SOURCE_SHARE 4
typedef bool (*vsf_field_source)(void *opaque, uint8_t *p, size_t width);
void vsf_mutator_set_field_source(struct vsf_mutator *m, vsf_field_source fn, void *opaque);

/*
 * Mutate the program in data[0..size) (one to a few stacked mutations,
 * chosen from seed) into a new one of at most max_size bytes. Returns the
 * new program, valid until the next call, and its length in *out_size; when
 * no mutation fits, the input itself.
 */
const uint8_t *vsf_mutator_mutate(struct vsf_mutator *m, const uint8_t *data, size_t size,
				  size_t max_size, uint64_t seed, size_t *out_size);

/*
 * Splice: the ops of a with a range of b's ops inserted at a random place.
 * Same contract as vsf_mutator_mutate.
 */
const uint8_t *vsf_mutator_crossover(struct vsf_mutator *m, const uint8_t *a, size_t a_size,
				     const uint8_t *b, size_t b_size, size_t max_size,
				     uint64_t seed, size_t *out_size);

#endif
