/* SPDX-License-Identifier: MIT */
/*
 * The op tables (scenario/op_table.h): each record layout is sound, and
 * every op, in every sample of its fields (tests/op_samples.h), goes
 * op -> binary -> op and text -> binary -> text unchanged. The emitted C of
 * the same ops is tested by tests/emit_c_every_op.sh.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "op_samples.h"
#include "vsf_test.h"

/* The fixed fields tile the bytes after the opcode; optional ones follow. */
static void check_layout(const struct op_desc *d)
{
	bool covered[OP_MAX_FIELD_BYTES] = { false };
	size_t fixed = op_fixed_len(d), end = fixed, tails = 0, handles = 0, optional = 0;

	CHECK(fixed <= OP_MAX_FIELD_BYTES);
	for (size_t i = 0; i < d->nfields; i++) {
		const struct op_field *f = &d->fields[i];

		tails += f->kind == OPF_DATA || f->kind == OPF_PAIRS;
		handles += f->kind == OPF_HANDLES;
		if (f->kind != OPF_NUM && f->kind != OPF_HANDLES)
			continue;
		if (f->optional) {
			CHECK_EQ(f->off, end); /* in record order, packed */
			end += f->width;
			optional++;
			continue;
		}
		for (size_t b = f->off; b < (size_t)f->off + f->width && b < fixed; b++) {
			CHECK(!covered[b]);
			covered[b] = true;
		}
	}
	for (size_t b = 0; b < fixed; b++)
		CHECK(covered[b]);
	CHECK(end <= OP_MAX_FIELD_BYTES);
	CHECK(tails <= 1 && handles <= 1);
	/* an optional field is found by the record's length alone */
	CHECK(!optional || (!tails && !handles));
}

static void check_fields(const struct op_desc *d)
{
	for (size_t i = 0; i < d->nfields; i++) {
		const struct op_field *f = &d->fields[i];
		size_t cols = 0;

		for (size_t k = 0; k < d->nfields; k++) {
			cols += d->fields[k].col == i;
			CHECK(k == i || strcmp(d->fields[k].key, f->key));
		}
		CHECK_EQ(cols, 1); /* every column once */
		CHECK(strcmp(f->key, "fd")); /* fd= is the handles' key */
		if (f->kind != OPF_NUM)
			continue;
		CHECK(f->width == 1 || f->width == 2 || f->width == 4 || f->width == 8);
		CHECK(f->mem + f->width <= sizeof(struct vsf_op));
		CHECK(f->def <= op_field_max(f));
		/* names are looked up by value, or by name for a wide number */
		CHECK(f->text != OPT_NAME || (f->name && (f->width == 1 || f->by_name)));
		CHECK(f->text != OPT_POS || f->required);
		CHECK(!f->optional || !f->required);
	}
}

TEST(layout)
{
	for (size_t k = 0; k < op_ndescs; k++) {
		const struct op_desc *d = &op_descs[k];

		check_layout(d);
		check_fields(d);
		CHECK(op_desc(d->code) == d);
		CHECK(op_desc_by_name(d->name) == d);
		CHECK(!strcmp(vsf_op_name(d->code), d->name));
		CHECK(!strncmp(d->constant, "VSF_OP_", 7));
	}
	CHECK(op_desc((enum vsf_op_code)0) == NULL);
	CHECK_EQ(op_desc(VSF_OP_BYTES)->nfields, 1);
	CHECK_EQ(op_desc(VSF_OP_BYTES)->fields[0].role, OP_R_RAW);
}

static bool same_op(const struct op_desc *d, const struct vsf_op *a, const struct vsf_op *b)
{
	bool same = a->code == b->code;

	for (size_t i = 0; same && i < d->nfields; i++) {
		const struct op_field *f = &d->fields[i];

		switch (f->kind) {
		case OPF_NUM:
			same = op_field_get(a, f) == op_field_get(b, f);
			break;
		case OPF_HANDLES:
			same = a->nfds == b->nfds && (!a->nfds || !memcmp(a->handles, b->handles, a->nfds));
			break;
		case OPF_PAIRS:
			same = a->config.npairs == b->config.npairs &&
			       (!a->config.npairs || !memcmp(a->config.pairs, b->config.pairs,
							     a->config.npairs * VSF_PROG_PAIR_LEN));
			break;
		default:
			same = a->data_len == b->data_len &&
			       (!a->data_len || !memcmp(a->data, b->data, a->data_len));
			break;
		}
	}
	return same;
}

static char *print_op(const struct vsf_op *op)
{
	struct vsf_program p = { .ops = (struct vsf_op *)op, .nops = 1 };
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	SETUP(f);
	vsf_program_print(&p, f);
	SETUP(fclose(f) == 0);
	return s;
}

/* op -> binary -> op, and its text -> binary -> text. */
static void check_round_trips(const struct op_desc *d, const struct vsf_op *op)
{
	struct vsf_buf bin = { 0 }, parsed = { 0 };
	struct vsf_program p;
	char err[256] = "", *text, *again = NULL;

	SETUP(vsf_op_encode(op, &bin) == 0);
	SETUP(vsf_program_decode(bin.data, bin.len, &p) == 0);
	CHECK(p.nops == 1 && same_op(d, op, &p.ops[0]));
	vsf_program_free(&p);

	text = print_op(op);
	CHECK_EQ(vsf_program_parse_text(text, &parsed, err, sizeof(err)), 0);
	CHECK(parsed.len == bin.len && !memcmp(parsed.data, bin.data, bin.len));
	if (vsf_program_decode(parsed.data, parsed.len, &p) == 0 && p.nops == 1)
		again = print_op(&p.ops[0]);
	CHECK(again && !strcmp(again, text));
	if (!again || strcmp(again, text))
		fprintf(stderr, "  %s: %s  back: %s%s\n", d->name, text, again ? again : "-", err);
	vsf_program_free(&p);
	free(again);
	free(text);
	free(parsed.data);
	free(bin.data);
}

TEST(every_op_round_trips)
{
	for (size_t k = 0; k < op_ndescs; k++) {
		for (int s = 0; s < OP_SAMPLE_COUNT; s++) {
			struct vsf_op op;

			/* an empty bytes op is no input at all */
			if (op_descs[k].code == VSF_OP_BYTES && s == OP_SAMPLE_DEFAULTS)
				continue;
			op_sample(&op_descs[k], (enum op_sample)s, &op);
			check_round_trips(&op_descs[k], &op);
		}
	}
}

/* The program of every sample decodes into exactly the ops it was built from. */
TEST(samples_program_decodes)
{
	struct vsf_buf b = { 0 };
	struct vsf_program p;
	size_t n = 1;

	SETUP(op_samples_program(&b) == 0);
	SETUP(vsf_program_decode(b.data, b.len, &p) == 0);
	CHECK_EQ(p.ops[0].code, VSF_OP_BYTES);
	for (size_t k = 0; k < op_ndescs; k++) {
		for (int s = 0; s < OP_SAMPLE_COUNT && op_descs[k].code != VSF_OP_BYTES; s++) {
			struct vsf_op op;

			op_sample(&op_descs[k], (enum op_sample)s, &op);
			CHECK(n < p.nops && same_op(&op_descs[k], &op, &p.ops[n]));
			n++;
		}
	}
	CHECK_EQ(p.nops, n);
	vsf_program_free(&p);
	free(b.data);
}

/* A record of op as encoded; its length in *n. */
static uint8_t *encode(const struct vsf_op *op, size_t *n)
{
	struct vsf_buf b = { 0 };

	SETUP(vsf_op_encode(op, &b) == 0);
	*n = b.len;
	return b.data;
}

/*
 * Optional trailing fields: left out of the record while they (and those
 * after them) are at their defaults, so older records stay as they were;
 * a record without them decodes with their defaults, one cut inside them,
 * or that ends in one at its default (the encoder leaves it out), does not
 * decode.
 */
static void check_optional(const struct op_desc *d)
{
	size_t fixed = VSF_PROG_MAGIC_LEN + 1 + op_fixed_len(d), n;
	struct vsf_program p;
	struct vsf_op op;
	uint8_t *rec;

	op_sample(d, OP_SAMPLE_DEFAULTS, &op);
	rec = encode(&op, &n);
	CHECK_EQ(n, fixed);
	free(rec);
	for (size_t i = 0; i < d->nfields; i++) {
		const struct op_field *f = &d->fields[i];

		if (!f->optional)
			continue;
		op_sample(d, OP_SAMPLE_DEFAULTS, &op);
		op_field_set(&op, f, f->def ^ 1);
		rec = encode(&op, &n);
		CHECK_EQ(n, VSF_PROG_MAGIC_LEN + 1 + f->off + f->width);
		SETUP(vsf_program_decode(rec, n - 1, &p) == 0);
		CHECK(p.nops == 1 && p.ops[0].code == VSF_OP_BYTES);
		vsf_program_free(&p);
		SETUP(vsf_program_decode(rec, fixed, &p) == 0);
		CHECK(p.nops == 1 && p.ops[0].code == d->code && op_field_get(&p.ops[0], f) == f->def);
		vsf_program_free(&p);
		for (unsigned j = 0; j < f->width; j++) /* the field's bytes at its default */
			rec[n - f->width + j] = (uint8_t)(f->def >> 8 * j);
		SETUP(vsf_program_decode(rec, n, &p) == 0);
		CHECK(p.nops == 1 && p.ops[0].code == VSF_OP_BYTES);
		vsf_program_free(&p);
		free(rec);
	}
}

TEST(optional_fields_trail)
{
	for (size_t k = 0; k < op_ndescs; k++)
		if (op_descs[k].code != VSF_OP_BYTES) /* no record */
			check_optional(&op_descs[k]);
}
