/* SPDX-License-Identifier: MIT */
/*
 * The binary form of the fuzz program format (program.h): the decoder and
 * the encoder, which walk each op's fields in op_table.h. The text form is
 * program_text.c.
 */
#define _GNU_SOURCE
#include "program.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "op_table.h"
#include "wire.h"

#define REC_HDR_LEN (VSF_PROG_MAGIC_LEN + 1)
#define PAIR_LEN    VSF_PROG_PAIR_LEN

const char *vsf_op_name(enum vsf_op_code code)
{
	const struct op_desc *d = op_desc(code);

	return d ? d->name : NULL;
}

static const char *const fd_kind_names[VSF_FD_KIND_COUNT] = {
	[VSF_FD_MEMFD] = "memfd",     [VSF_FD_ROFILE] = "rofile",
	[VSF_FD_PIPE] = "pipe",       [VSF_FD_EVENTFD] = "eventfd",
	[VSF_FD_SOCKET] = "socket",   [VSF_FD_DEVZERO] = "devzero",
	[VSF_FD_DIR] = "dir",         [VSF_FD_OPATH] = "opath",
};

const char *vsf_fd_kind_name(unsigned kind)
{
	return kind < VSF_FD_KIND_COUNT ? fd_kind_names[kind] : NULL;
}

static const char *const answer_form_names[VSF_ANSWER_FORM_COUNT] = {
	[VSF_ANSWER_REPLY] = "reply",    [VSF_ANSWER_WITHHOLD] = "withhold",
	[VSF_ANSWER_CUT] = "cut",        [VSF_ANSWER_ALWAYS] = "always",
};

const char *vsf_answer_form_name(unsigned form)
{
	return form < VSF_ANSWER_FORM_COUNT ? answer_form_names[form] : NULL;
}

static uint64_t load_le(const uint8_t *p, size_t width)
{
	uint64_t v = 0;

	for (size_t i = 0; i < width; i++)
		v |= (uint64_t)p[i] << 8 * i;
	return v;
}

static void store_le(uint8_t *p, size_t width, uint64_t v)
{
	for (size_t i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

/* ---- decoding ---- */

/*
 * The first marker in p[0..n), or NULL. A loop rather than memmem: the
 * sanitizers' memmem checks all n bytes before it searches, and the decoder
 * searches from each record to the end of the input, so each input would
 * cost as many checks as its length times its records.
 */
static const uint8_t *find_magic(const uint8_t *p, size_t n)
{
	const uint8_t *m = (const uint8_t *)VSF_PROG_MAGIC;

	for (size_t i = 0; i + VSF_PROG_MAGIC_LEN <= n; i++)
		if (p[i] == m[0] && !memcmp(p + i + 1, m + 1, VSF_PROG_MAGIC_LEN - 1))
			return p + i;
	return NULL;
}

int vsf_program_reserve(struct vsf_program *p, size_t n)
{
	struct vsf_op *ops;

	if (n <= p->cap)
		return 0;
	if (n > SIZE_MAX / sizeof(*ops))
		return -ENOMEM;
	ops = realloc(p->ops, n * sizeof(*ops));
	if (!ops)
		return -ENOMEM;
	p->ops = ops;
	p->cap = n;
	return 0;
}

static struct vsf_op *new_op(struct vsf_program *p)
{
	struct vsf_op *op;

	if (p->nops == p->cap &&
	    (p->cap > SIZE_MAX / 2 || vsf_program_reserve(p, p->cap ? p->cap * 2 : 16) < 0))
		return NULL;
	op = &p->ops[p->nops++];
	memset(op, 0, sizeof(*op));
	return op;
}

static void set_data(struct vsf_op *op, const uint8_t *data, size_t len)
{
	op->data = len ? data : NULL;
	op->data_len = len;
}

/*
 * The optional trailing fields of d from *b (*n bytes), each there while
 * bytes are left, else at its default; *b and *n move past them. False when
 * one is cut short, or when the last one there is at its default: the
 * encoder would have left it out, so the record is kept as raw bytes (as it
 * was before the field existed) for binary -> text -> binary to stay exact.
 */
static bool decode_optional(const struct op_desc *d, const uint8_t **b, size_t *n,
			    struct vsf_op *op)
{
	bool last_default = false;

	for (size_t i = 0; i < d->nfields; i++) {
		const struct op_field *f = &d->fields[i];
		uint64_t v = f->def;

		if (!f->optional)
			continue;
		if (*n) {
			if (*n < f->width)
				return false;
			v = load_le(*b, f->width);
			last_default = v == f->def;
			*b += f->width;
			*n -= f->width;
		}
		op_field_set(op, f, v);
	}
	return !last_default;
}

/* The handles and the tail in b[0..n); false unless they fill it exactly. */
static bool decode_tail(const struct op_desc *d, const uint8_t *b, size_t n, uint8_t nfds,
			struct vsf_op *op)
{
	const struct op_field *h = op_desc_field(d, OPF_HANDLES);

	if (h) {
		if (nfds > VSF_PROG_MAX_OP_FDS || n < nfds)
			return false;
		op->nfds = nfds;
		op->handles = nfds ? b : NULL;
		b += nfds;
		n -= nfds;
	}
	if (op_desc_field(d, OPF_DATA)) {
		if (n > VSF_PROG_MAX_DATA)
			return false;
		set_data(op, b, n);
		return true;
	}
	if (op_desc_field(d, OPF_PAIRS)) {
		if (n % PAIR_LEN || n / PAIR_LEN > VSF_PROG_MAX_SIZES)
			return false;
		op->config.npairs = n / PAIR_LEN;
		op->config.pairs = n ? b : NULL;
		return true;
	}
	return n == 0;
}

/* Decode the body b[0..n) of a record with opcode code; false unless exact. */
static bool decode_body(uint8_t code, const uint8_t *b, size_t n, struct vsf_op *op)
{
	const struct op_desc *d = op_desc(code);
	const uint8_t *rest;
	size_t fixed;
	uint8_t nfds = 0;

	if (!d || code == VSF_OP_BYTES)
		return false;
	fixed = op_fixed_len(d);
	if (n < fixed)
		return false;
	op->code = code;
	for (size_t i = 0; i < d->nfields; i++) {
		const struct op_field *f = &d->fields[i];

		if (f->kind == OPF_NUM && !f->optional)
			op_field_set(op, f, load_le(b + f->off, f->width));
		else if (f->kind == OPF_HANDLES)
			nfds = b[f->off];
	}
	rest = b + fixed;
	n -= fixed;
	return decode_optional(d, &rest, &n, op) && decode_tail(d, rest, n, nfds, op);
}

static int add_bytes_op(struct vsf_program *p, const uint8_t *data, size_t len)
{
	struct vsf_op *op = new_op(p);

	if (!op)
		return -ENOMEM;
	op->code = VSF_OP_BYTES;
	set_data(op, data, len);
	return 0;
}

static int add_record(struct vsf_program *p, const uint8_t *r, size_t n)
{
	struct vsf_op *op;

	if (n > VSF_PROG_MAGIC_LEN) {
		op = new_op(p);
		if (!op)
			return -ENOMEM;
		if (decode_body(r[VSF_PROG_MAGIC_LEN], r + REC_HDR_LEN, n - REC_HDR_LEN, op))
			return 0;
		p->nops--;
	}
	return add_bytes_op(p, r, n);
}

/*
 * p is an output: its previous content is not looked at (free it first).
 * The marker has no proper prefix that is also a suffix, so splitting at
 * every occurrence is unambiguous and concatenated records split the same.
 */
int vsf_program_decode(const uint8_t *buf, size_t len, struct vsf_program *p)
{
	memset(p, 0, sizeof(*p));
	return vsf_program_redecode(buf, len, p);
}

int vsf_program_redecode(const uint8_t *buf, size_t len, struct vsf_program *p)
{
	const uint8_t *end, *rec, *next;
	int ret = 0;

	p->nops = 0;
	if (!len)
		return 0;
	end = buf + len;
	rec = find_magic(buf, len);
	if (!rec)
		rec = end;
	if (rec != buf)
		ret = add_bytes_op(p, buf, (size_t)(rec - buf));
	while (!ret && rec < end) {
		next = find_magic(rec + VSF_PROG_MAGIC_LEN,
				  (size_t)(end - rec) - VSF_PROG_MAGIC_LEN);
		if (!next)
			next = end;
		ret = add_record(p, rec, (size_t)(next - rec));
		rec = next;
	}
	if (ret)
		vsf_program_free(p);
	return ret;
}

void vsf_program_free(struct vsf_program *p)
{
	free(p->ops);
	memset(p, 0, sizeof(*p));
}

struct vsf_size_pair vsf_op_config_pair(const struct vsf_op *op, size_t i)
{
	struct vsf_size_pair sp = { 0, 0 };
	const uint8_t *q;

	if (op->code != VSF_OP_CONFIG || i >= op->config.npairs)
		return sp;
	q = op->config.pairs + i * PAIR_LEN;
	sp.shmid = q[0];
	sp.size = vsf_load_le64(q + 1);
	return sp;
}

/* ---- encoding ---- */

static int buf_reserve(struct vsf_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 256;
	uint8_t *d;

	if (more > SIZE_MAX - b->len)
		return -ENOMEM;
	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	d = realloc(b->data, cap);
	if (!d)
		return -ENOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

int vsf_buf_append(struct vsf_buf *b, const void *data, size_t len)
{
	int ret;

	if (!len)
		return 0;
	ret = buf_reserve(b, len);
	if (ret)
		return ret;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

/* The bytes of an op's tail: its data or its size pairs. */
static size_t tail_of(const struct op_desc *d, const struct vsf_op *op, const uint8_t **tail)
{
	if (op_desc_field(d, OPF_DATA)) {
		*tail = op->data;
		return op->data_len;
	}
	if (op_desc_field(d, OPF_PAIRS)) {
		*tail = op->config.pairs;
		return op->config.npairs * PAIR_LEN;
	}
	*tail = NULL;
	return 0;
}

/* Within the caps that decoding holds a record to. */
static bool encodable(const struct op_desc *d, const struct vsf_op *op)
{
	return (!op_desc_field(d, OPF_HANDLES) || op->nfds <= VSF_PROG_MAX_OP_FDS) &&
	       (!op_desc_field(d, OPF_DATA) || op->data_len <= VSF_PROG_MAX_DATA) &&
	       (!op_desc_field(d, OPF_PAIRS) || op->config.npairs <= VSF_PROG_MAX_SIZES);
}

/*
 * The fixed and optional fields into b; returns their length. Optional
 * fields go up to the last one that is not at its default, so a record
 * that was written before they existed is written the same again.
 */
static size_t encode_fields(const struct op_desc *d, const struct vsf_op *op, uint8_t *b)
{
	size_t n = op_fixed_len(d), end = n;

	for (size_t i = 0; i < d->nfields; i++) {
		const struct op_field *f = &d->fields[i];
		uint64_t v = f->kind == OPF_HANDLES ? op->nfds : op_field_get(op, f);

		if (f->kind != OPF_NUM && f->kind != OPF_HANDLES)
			continue;
		if (f->optional) {
			store_le(b + n, f->width, v);
			n += f->width;
			if (v != f->def)
				end = n;
			continue;
		}
		store_le(b + f->off, f->width, v);
	}
	return end;
}

/* -EINVAL for an op that would not decode back exactly (unknown code, caps exceeded). */
int vsf_op_encode(const struct vsf_op *op, struct vsf_buf *out)
{
	const struct op_desc *d = op_desc(op->code);
	uint8_t rec[REC_HDR_LEN + OP_MAX_FIELD_BYTES];
	const uint8_t *tail;
	size_t n, tail_len, nfds;
	int ret;

	if (op->code == VSF_OP_BYTES)
		return vsf_buf_append(out, op->data, op->data_len);
	if (!d || !encodable(d, op))
		return -EINVAL;
	memcpy(rec, VSF_PROG_MAGIC, VSF_PROG_MAGIC_LEN);
	rec[VSF_PROG_MAGIC_LEN] = (uint8_t)op->code;
	n = encode_fields(d, op, rec + REC_HDR_LEN);
	nfds = op_desc_field(d, OPF_HANDLES) ? op->nfds : 0;
	tail_len = tail_of(d, op, &tail);
	/* Reserve first so that a failure appends nothing. */
	ret = buf_reserve(out, REC_HDR_LEN + n + nfds + tail_len);
	if (ret)
		return ret;
	vsf_buf_append(out, rec, REC_HDR_LEN + n);
	vsf_buf_append(out, op->handles, nfds);
	vsf_buf_append(out, tail, tail_len);
	return 0;
}
