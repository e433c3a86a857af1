/* SPDX-License-Identifier: MIT */
/*
 * Ops built from their table (scenario/op_table.h), every field set: for
 * tests that must cover each op and each field without naming them.
 */
#ifndef VSF_OP_SAMPLES_H
#define VSF_OP_SAMPLES_H

#include "op_table.h"
#include "program.h"

enum op_sample {
	OP_SAMPLE_DEFAULTS, /* every field at its default, no variable part */
	OP_SAMPLE_ONES,     /* every number 1 (names, rw), variable parts set */
	OP_SAMPLE_PATTERN,  /* every number a different byte pattern, variable parts set */
	OP_SAMPLE_COUNT
};

/* Op d with the values of sample s; variable parts point to static bytes. */
void op_sample(const struct op_desc *d, enum op_sample s, struct vsf_op *op);

/* Every op of the table in every sample, encoded (the bytes op first). */
int op_samples_program(struct vsf_buf *out);

#endif
