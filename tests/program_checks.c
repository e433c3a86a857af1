/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "program_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"
#include "vsf_test.h"

size_t program_from_text(const char *text, uint8_t *out, size_t max)
{
	struct vsf_buf b = { 0 };
	char err[128];
	size_t n;

	SETUP(vsf_program_parse_text(text, &b, err, sizeof(err)) == 0);
	SETUP(b.len <= max);
	n = b.len;
	if (n)
		memcpy(out, b.data, n);
	free(b.data);
	return n;
}

void check_program_round_trips(const uint8_t *data, size_t size, size_t max_size, bool no_bytes)
{
	struct vsf_program p;
	struct vsf_buf again = { 0 }, from_text = { 0 };
	char *text = NULL, err[128];
	size_t text_len = 0;
	FILE *fp;

	CHECK(size <= max_size);
	CHECK_EQ(vsf_program_decode(data, size, &p), 0);
	CHECK(p.nops <= VSF_PROG_MAX_OPS);
	for (size_t i = 0; i < p.nops; i++) {
		const struct vsf_op *op = &p.ops[i];

		if (no_bytes)
			CHECK(op->code != VSF_OP_BYTES);
		CHECK(op->nfds <= VSF_PROG_MAX_OP_FDS);
		CHECK(op->data_len <= VSF_PROG_MAX_DATA);
		if (op->code == VSF_OP_FD)
			CHECK(op->fd.size <= VSF_PROG_MAX_FD_SIZE);
		if (op->code == VSF_OP_CONFIG)
			CHECK(op->config.npairs <= VSF_PROG_MAX_SIZES);
		CHECK_EQ(vsf_op_encode(op, &again), 0);
	}
	CHECK_EQ(again.len, size);
	CHECK(again.len == size && !memcmp(again.data, data, size));

	fp = open_memstream(&text, &text_len);
	SETUP(fp);
	vsf_program_print(&p, fp);
	fclose(fp);
	CHECK_EQ(vsf_program_parse_text(text, &from_text, err, sizeof(err)), 0);
	CHECK(from_text.len == size && !memcmp(from_text.data, data, size));
	free(text);
	free(again.data);
	free(from_text.data);
	vsf_program_free(&p);
}
