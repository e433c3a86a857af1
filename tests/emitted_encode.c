/* SPDX-License-Identifier: MIT */
/*
 * Linked into a C program written by `vsf-prog to-c` in place of the
 * harness: instead of running the program it writes the program's binary
 * form to stdout, so a test can compare it with the input the C was
 * written from (tests/emit_c_every_op.sh).
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "program.h"

void vsf_harness_run_program(enum vsf_harness_kind kind, const struct vsf_program *program)
{
	struct vsf_buf b = { 0 };

	for (size_t i = 0; i < program->nops; i++) {
		if (vsf_op_encode(&program->ops[i], &b)) {
			fprintf(stderr, "op %zu does not encode\n", i);
			exit(1);
		}
	}
	if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout))
		exit(1);
	free(b.data);
	exit(0);
}
