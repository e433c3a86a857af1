/* SPDX-License-Identifier: MIT */
#include "op_samples.h"

#include <string.h>

/* No byte of them is the marker's first (0x1e): a sample record decodes as written. */
static const uint8_t sample_data[] = { 0xa5, 0x00, 0xff, 0x4f, 0x50, 0x3a, 0x01 };
static const uint8_t sample_handles[] = { 1, 2, 15, 255 };
static const uint8_t sample_pairs[2 * VSF_PROG_PAIR_LEN] = {
	0, 0, 0, 1, 0, 0, 0, 0, 0,
	7, 0, 0x40, 0, 0, 0, 0, 0, 0x80,
};

/* Byte j of field i's pattern: 0x21 + 16 i + j, never 0x1e. */
static uint64_t pattern(size_t i, unsigned width)
{
	uint64_t v = 0;

	for (unsigned j = 0; j < width; j++)
		v |= (uint64_t)(uint8_t)(0x21 + 16 * i + j) << 8 * j;
	return v;
}

static void sample_var(const struct op_field *f, struct vsf_op *op)
{
	switch (f->kind) {
	case OPF_HANDLES:
		op->handles = sample_handles;
		op->nfds = sizeof(sample_handles);
		break;
	case OPF_PAIRS:
		op->config.pairs = sample_pairs;
		op->config.npairs = sizeof(sample_pairs) / VSF_PROG_PAIR_LEN;
		break;
	default:
		op->data = sample_data;
		op->data_len = sizeof(sample_data);
		break;
	}
}

void op_sample(const struct op_desc *d, enum op_sample s, struct vsf_op *op)
{
	memset(op, 0, sizeof(*op));
	op->code = d->code;
	for (size_t i = 0; i < d->nfields; i++) {
		const struct op_field *f = &d->fields[i];

		if (f->kind != OPF_NUM) {
			if (s != OP_SAMPLE_DEFAULTS)
				sample_var(f, op);
			continue;
		}
		op_field_set(op, f, s == OP_SAMPLE_DEFAULTS ? f->def :
				    s == OP_SAMPLE_ONES ? 1 : pattern(i, f->width));
	}
}

int op_samples_program(struct vsf_buf *out)
{
	struct vsf_op op;
	int ret;

	/* A bytes op is itself only at the start of an input. */
	op_sample(op_desc(VSF_OP_BYTES), OP_SAMPLE_ONES, &op);
	ret = vsf_op_encode(&op, out);
	for (size_t k = 0; k < op_ndescs && !ret; k++) {
		for (int s = 0; s < OP_SAMPLE_COUNT && !ret; s++) {
			if (op_descs[k].code == VSF_OP_BYTES)
				continue;
			op_sample(&op_descs[k], (enum op_sample)s, &op);
			ret = vsf_op_encode(&op, out);
		}
	}
	return ret;
}
