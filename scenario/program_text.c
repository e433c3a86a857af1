/* SPDX-License-Identifier: MIT */
/*
 * The text form of the fuzz program format (program.h): the printer and the
 * parser, which walk each op's fields in op_table.h.
 *
 * Exact text syntax (program.h shows examples; this is the precise form):
 *
 *   fd HANDLE KIND [size=N] [seals=N] [data=HEX]
 *           KIND is a name (memfd rofile pipe eventfd socket devzero dir
 *           opath) or kind=N, which the printer uses for unknown kinds
 *   session [features=N] [protocol=N] [ack=N]
 *   config [nregions=N] [sizes=SHMID:SIZE,...] [request=N] [flags=N] [size=N]
 *   connect | reset | shutdown | hangup
 *   add_region [shmid=N] [size=N]
 *   truncate HANDLE [size=N]
 *   fault CALL [after=N] [errno=NAME|N]
 *           CALL is a name (scenario/fault.h) or call=N, which the printer
 *           uses for unknown calls; errno prints as its name (ENOMEM)
 *   send [fd=H | fds=H,H,...] [chunk=N] [data=HEX]
 *   map | unmap [shmid=N] [fd=H | fds=H,H,...] [fd_offset=N] [shm_offset=N]
 *               [len=N] [rw | ro | mflags=N] [need_reply] [hflags=N] [chunk=N]
 *   bytes [data=HEX]       (`bytes=HEX` is accepted too)
 *
 * Keys come in any order, each at most once (fd= and fds= are one key, and so
 * are rw, ro and mflags=). need_reply ORs 0x8 into hflags (default 0x1).
 * Numbers are decimal or 0x-hex, without sign; a leading 0 does not mean
 * octal. A value outside its field's range is an error, never truncated.
 *
 * The printer follows a send with comment lines, one per message in its data
 * (scenario/message_text.h), so that a raw stream reads as requests.
 *
 * The printer leaves out every field at its default, with one exception:
 * a map with mflags 0 prints `ro`, so that a map always states its
 * protection. hflags 0x9 prints as `need_reply`, other non-default values
 * as hflags=. One fd handle prints as fd=H, several as fds=H,H.
 *
 * A text line that encodes to a record containing the marker after its
 * start is rejected, since it would not decode as written; `bytes` lines are
 * exempt (they are raw input by definition).
 */
#define _GNU_SOURCE
#include "program.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "message_text.h"
#include "op_table.h"
#include "wire.h"

#define PAIR_LEN VSF_PROG_PAIR_LEN

/* ---- printing ---- */

static void print_hex(FILE *out, const uint8_t *d, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char line[512];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		line[k++] = digits[d[i] >> 4];
		line[k++] = digits[d[i] & 0xf];
		if (k == sizeof(line)) {
			fwrite(line, 1, k, out);
			k = 0;
		}
	}
	fwrite(line, 1, k, out);
}

static void print_handles(FILE *out, const struct vsf_op *op)
{
	if (!op->nfds)
		return;
	fprintf(out, " %s=%u", op->nfds == 1 ? "fd" : "fds", op->handles[0]);
	for (unsigned i = 1; i < op->nfds; i++)
		fprintf(out, ",%u", op->handles[i]);
}

static void print_pairs(FILE *out, const struct vsf_op *op, const char *key)
{
	for (size_t i = 0; i < op->config.npairs; i++) {
		struct vsf_size_pair sp = vsf_op_config_pair(op, i);

		if (i)
			fputc(',', out);
		else
			fprintf(out, " %s=", key);
		fprintf(out, "%u:0x%" PRIx64, sp.shmid, sp.size);
	}
}

/* A number's forms that are a word, not key=value; false when it has none. */
static bool print_word(FILE *out, const struct vsf_op *op, const struct op_field *f, uint64_t v)
{
	const char *word = NULL;

	switch (f->text) {
	case OPT_POS:
		fprintf(out, " %" PRIu64, v);
		return true;
	case OPT_NAME:
		word = f->name((unsigned)v);
		break;
	case OPT_MFLAGS: /* a map always states its protection */
		if (v == VSF_MMAP_F_RW || (v == 0 && op->code == VSF_OP_MAP))
			word = v ? "rw" : "ro";
		break;
	case OPT_HFLAGS:
		if (v == (f->def | VSF_FLAG_NEED_REPLY))
			word = "need_reply";
		break;
	default:
		break;
	}
	if (word)
		fprintf(out, " %s", word);
	return word != NULL;
}

/* A number in the text form f->text says. */
static void print_num(FILE *out, const struct vsf_op *op, const struct op_field *f)
{
	uint64_t v = op_field_get(op, f);
	const char *err = f->text == OPT_ERRNO && v ? strerrorname_np((int)v) : NULL;

	if (print_word(out, op, f, v))
		return;
	if (err)
		fprintf(out, " %s=%s", f->key, err);
	else if (f->text == OPT_NAME) /* a number without a name is printed all the same */
		fprintf(out, " %s=%" PRIu64, f->key, v);
	else if (v == f->def)
		return;
	else if (f->text == OPT_DEC || f->text == OPT_ERRNO)
		fprintf(out, " %s=%" PRIu64, f->key, v);
	else
		fprintf(out, " %s=0x%" PRIx64, f->key, v);
}

static void print_field(FILE *out, const struct vsf_op *op, const struct op_field *f)
{
	switch (f->kind) {
	case OPF_NUM:
		print_num(out, op, f);
		break;
	case OPF_HANDLES:
		print_handles(out, op);
		break;
	case OPF_PAIRS:
		print_pairs(out, op, f->key);
		break;
	default:
		if (op->data_len) {
			fprintf(out, " %s=", f->key);
			print_hex(out, op->data, op->data_len);
		}
		break;
	}
}

/* A raw send, message by message, as comment lines after it. */
static void print_messages(FILE *out, const struct vsf_op *op)
{
	size_t off = 0, spans = 1;

	fputc('\n', out);
	for (unsigned k = 1; off < op->data_len && spans; k++) {
		fprintf(out, "#   message %u: ", k);
		spans = message_text_print(out, op->data + off, op->data_len - off);
		fputc('\n', out);
		off += spans;
	}
}

static void print_op(FILE *out, const struct vsf_op *op)
{
	const struct op_desc *d = op_desc(op->code);
	bool messages = false;

	if (!d) {
		fprintf(out, "# op 0x%x cannot be printed\n", (unsigned)op->code);
		return;
	}
	fputs(d->name, out);
	for (size_t col = 0; col < d->nfields; col++) {
		for (size_t i = 0; i < d->nfields; i++) {
			if (d->fields[i].col != col)
				continue;
			print_field(out, op, &d->fields[i]);
			messages |= d->fields[i].role == OP_R_MESSAGES;
		}
	}
	if (messages)
		print_messages(out, op);
	else
		fputc('\n', out);
}

void vsf_program_print(const struct vsf_program *p, FILE *out)
{
	for (size_t i = 0; i < p->nops; i++)
		print_op(out, &p->ops[i]);
}

/* ---- text parsing ---- */

/* The seen bit of the need_reply word, beside one bit per field. */
#define SEEN_NEED_REPLY (1u << 31)

struct parser {
	unsigned lineno;
	char *err;
	size_t errlen;
	/* the op of the current line, its fields, and the storage its pointers use */
	struct vsf_op op;
	const struct op_desc *desc;
	uint32_t seen; /* 1 << field index, SEEN_NEED_REPLY */
	uint8_t handles[VSF_PROG_MAX_OP_FDS];
	uint8_t pairs[VSF_PROG_MAX_SIZES * PAIR_LEN];
	uint8_t *data;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->err || !ps->errlen)
		return -EINVAL;
	n = snprintf(ps->err, ps->errlen, "line %u: ", ps->lineno);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decimal or 0x-hex, digits only (strtoull alone would take signs, spaces, 0x0x). */
static int parse_num(struct parser *ps, const char *key, const char *s, uint64_t max,
		     uint64_t *v)
{
	const char *digits = s;
	unsigned long long x;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
	}
	if (!*digits)
		return fail(ps, "bad number '%s' for %s", s, key);
	for (const char *c = digits; *c; c++) {
		int d = hexval(*c);

		if (d < 0 || d >= base)
			return fail(ps, "bad number '%s' for %s", s, key);
	}
	errno = 0;
	x = strtoull(digits, NULL, base);
	if (errno == ERANGE || x > max)
		return fail(ps, "%s=%s out of range (max %" PRIu64 ")", key, s, max);
	*v = x;
	return 0;
}

static int parse_hex(struct parser *ps, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n % 2)
		return fail(ps, "data has an odd number of hex digits");
	if (n / 2 > max)
		return fail(ps, "data is %zu bytes, more than %zu", n / 2, max);
	free(ps->data);
	ps->data = malloc(n / 2 ? n / 2 : 1);
	if (!ps->data) {
		fail(ps, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return fail(ps, "bad hex digit in data at '%.2s'", s + 2 * i);
		ps->data[i] = (uint8_t)(hi << 4 | lo);
	}
	ps->op.data = n ? ps->data : NULL;
	ps->op.data_len = n / 2;
	return 0;
}

static int parse_handles(struct parser *ps, const char *key, char *s)
{
	unsigned n = 0;
	uint64_t v;
	char *tok;
	int ret;

	while ((tok = strsep(&s, ","))) {
		if (n == VSF_PROG_MAX_OP_FDS)
			return fail(ps, "more than %d fd handles", VSF_PROG_MAX_OP_FDS);
		ret = parse_num(ps, key, tok, UINT8_MAX, &v);
		if (ret)
			return ret;
		ps->handles[n++] = (uint8_t)v;
	}
	if (!strcmp(key, "fd") && n != 1)
		return fail(ps, "fd= takes one handle, use fds= for a list");
	ps->op.nfds = (uint8_t)n;
	ps->op.handles = ps->handles;
	return 0;
}

static int parse_sizes(struct parser *ps, char *s)
{
	char *tok, *colon;
	size_t n = 0;
	uint64_t id, size;
	int ret;

	while ((tok = strsep(&s, ","))) {
		if (n == VSF_PROG_MAX_SIZES)
			return fail(ps, "more than %d sizes", VSF_PROG_MAX_SIZES);
		colon = strchr(tok, ':');
		if (!colon)
			return fail(ps, "size pair '%s' is not SHMID:SIZE", tok);
		*colon = '\0';
		ret = parse_num(ps, "sizes shmid", tok, UINT8_MAX, &id);
		if (!ret)
			ret = parse_num(ps, "sizes size", colon + 1, UINT64_MAX, &size);
		if (ret)
			return ret;
		ps->pairs[n * PAIR_LEN] = (uint8_t)id;
		vsf_store_le64(&ps->pairs[n * PAIR_LEN + 1], size);
		n++;
	}
	ps->op.config.npairs = n;
	ps->op.config.pairs = ps->pairs;
	return 0;
}

/* Field f given: once only. */
static int mark_seen(struct parser *ps, const struct op_field *f)
{
	uint32_t bit = 1u << (f - ps->desc->fields);

	if (ps->seen & bit) {
		if (f->kind == OPF_HANDLES)
			return fail(ps, "fd/fds given twice");
		if (f->text == OPT_MFLAGS)
			return fail(ps, "mflags/rw/ro given twice");
		return fail(ps, "%s given twice", f->key);
	}
	ps->seen |= bit;
	return 0;
}

/* An errno's name (ENOMEM) as its number, for values that fit a fault op. */
static bool errno_by_name(const char *name, uint64_t *v)
{
	for (int e = 1; e <= UINT8_MAX; e++) {
		const char *n = strerrorname_np(e);

		if (n && !strcmp(n, name)) {
			*v = (uint64_t)e;
			return true;
		}
	}
	return false;
}

/* The field of the current op that key= names; a positional one has no key. */
static const struct op_field *field_by_key(const struct op_desc *d, const char *key)
{
	for (size_t i = 0; i < d->nfields; i++) {
		const struct op_field *f = &d->fields[i];

		if (f->kind == OPF_NUM && f->text == OPT_POS)
			continue;
		if (!strcmp(f->key, key) || (f->kind == OPF_HANDLES && !strcmp(key, "fd")))
			return f;
	}
	return NULL;
}

/* key=value for the current op; value is modifiable. */
static int parse_key(struct parser *ps, const char *key, char *val)
{
	const struct op_field *f = field_by_key(ps->desc, key);
	uint64_t v;
	int ret;

	if (!f)
		return fail(ps, "unknown key '%s' for %s", key, ps->desc->name);
	ret = mark_seen(ps, f);
	if (ret)
		return ret;
	switch (f->kind) {
	case OPF_DATA:
		return parse_hex(ps, val, f->role == OP_R_RAW ? SIZE_MAX : VSF_PROG_MAX_DATA);
	case OPF_HANDLES:
		return parse_handles(ps, key, val);
	case OPF_PAIRS:
		return parse_sizes(ps, val);
	default:
		break;
	}
	if (!(f->text == OPT_ERRNO && errno_by_name(val, &v))) {
		ret = parse_num(ps, key, val, op_field_max(f), &v);
		if (ret)
			return ret;
	}
	op_field_set(&ps->op, f, v);
	return 0;
}

/* A word without '=' that names a value of f: a name, rw or ro, need_reply. */
static int parse_named(struct parser *ps, const struct op_field *f, const char *w, bool *taken)
{
	*taken = true;
	if (f->text == OPT_NAME && f->by_name) {
		uint64_t v;

		if (f->by_name(w, &v)) {
			op_field_set(&ps->op, f, v);
			return mark_seen(ps, f);
		}
	} else if (f->text == OPT_NAME) {
		for (uint64_t v = 0; v <= op_field_max(f); v++) {
			const char *name = f->name((unsigned)v);

			if (name && !strcmp(name, w)) {
				op_field_set(&ps->op, f, v);
				return mark_seen(ps, f);
			}
		}
	} else if (f->text == OPT_MFLAGS && (!strcmp(w, "rw") || !strcmp(w, "ro"))) {
		op_field_set(&ps->op, f, w[1] == 'w' ? VSF_MMAP_F_RW : 0);
		return mark_seen(ps, f);
	} else if (f->text == OPT_HFLAGS && !strcmp(w, "need_reply")) {
		if (ps->seen & SEEN_NEED_REPLY)
			return fail(ps, "need_reply given twice");
		ps->seen |= SEEN_NEED_REPLY;
		return 0;
	}
	*taken = false;
	return 0;
}

/* A word without '=': a positional number (fd's handle), then a name, rw, ro, need_reply. */
static int parse_word(struct parser *ps, const char *w)
{
	const struct op_desc *d = ps->desc;
	const char *what = NULL;
	char label[32];
	bool taken;
	uint64_t v;
	int ret;

	for (size_t i = 0; i < d->nfields; i++) {
		const struct op_field *f = &d->fields[i];

		if (f->kind != OPF_NUM || f->text != OPT_POS || (ps->seen & 1u << i))
			continue;
		snprintf(label, sizeof(label), "%s %s", d->name, f->key);
		ret = parse_num(ps, label, w, op_field_max(f), &v);
		if (!ret)
			op_field_set(&ps->op, f, v);
		return ret ? ret : mark_seen(ps, f);
	}
	for (size_t i = 0; i < d->nfields; i++) {
		if (d->fields[i].kind != OPF_NUM)
			continue;
		ret = parse_named(ps, &d->fields[i], w, &taken);
		if (taken)
			return ret;
		if (d->fields[i].text == OPT_NAME && !what) /* the op's first named field */
			what = d->fields[i].key;
	}
	if (what)
		return fail(ps, "unknown %s '%s' for %s", what, w, d->name);
	return fail(ps, "unexpected '%s' for %s", w, d->name);
}

/* The fields the text must give, and need_reply's bit; 0 or an error. */
static int finish_fields(struct parser *ps)
{
	const struct op_desc *d = ps->desc;

	for (size_t i = 0; i < d->nfields; i++) {
		const struct op_field *f = &d->fields[i];

		if (f->required && !(ps->seen & 1u << i))
			return fail(ps, "%s needs a %s", d->name, f->key);
		if (f->kind == OPF_NUM && f->text == OPT_HFLAGS && (ps->seen & SEEN_NEED_REPLY))
			op_field_set(&ps->op, f, op_field_get(&ps->op, f) | VSF_FLAG_NEED_REPLY);
	}
	return 0;
}

/* Start the op named tok (or a bytes=HEX op): its fields at their defaults. */
static int start_op(struct parser *ps, const char *tok)
{
	struct vsf_op *op = &ps->op;
	bool raw = !strncmp(tok, "bytes=", 6);
	int ret;

	memset(op, 0, sizeof(*op));
	ps->seen = 0;
	ps->desc = op_desc_by_name(raw ? "bytes" : tok);
	if (!ps->desc)
		return fail(ps, "unknown op '%s'", tok);
	op->code = ps->desc->code;
	for (size_t i = 0; i < ps->desc->nfields; i++)
		if (ps->desc->fields[i].kind == OPF_NUM)
			op_field_set(op, &ps->desc->fields[i], ps->desc->fields[i].def);
	if (!raw)
		return 0;
	ret = mark_seen(ps, op_desc_field(ps->desc, OPF_DATA));
	return ret ? ret : parse_hex(ps, tok + 6, SIZE_MAX);
}

static const char seps[] = " \t\r\v\f";

static int parse_line(struct parser *ps, char *line, struct vsf_buf *out)
{
	struct vsf_op *op = &ps->op;
	char *save = NULL, *tok, *eq;
	size_t start = out->len;
	int ret;

	line[strcspn(line, "#")] = '\0';
	tok = strtok_r(line, seps, &save);
	if (!tok)
		return 0;
	ret = start_op(ps, tok);
	while (!ret && (tok = strtok_r(NULL, seps, &save))) {
		eq = strchr(tok, '=');
		if (!eq) {
			ret = parse_word(ps, tok);
		} else {
			*eq = '\0';
			ret = parse_key(ps, tok, eq + 1);
		}
	}
	if (!ret)
		ret = finish_fields(ps);
	if (ret)
		return ret;

	ret = vsf_op_encode(op, out);
	if (ret == -ENOMEM) {
		fail(ps, "out of memory");
		return -ENOMEM;
	}
	if (ret)
		return fail(ps, "cannot encode %s", ps->desc->name);
	if (op->code != VSF_OP_BYTES &&
	    memmem(out->data + start + 1, out->len - start - 1, VSF_PROG_MAGIC, VSF_PROG_MAGIC_LEN))
		return fail(ps, "%s encodes the record marker inside its fields, "
			    "it would not decode as written", ps->desc->name);
	return 0;
}

int vsf_program_parse_text(const char *text, struct vsf_buf *out, char *err, size_t errlen)
{
	struct parser *ps;
	size_t start = out->len;
	char *copy, *line, *nl;
	int ret = 0;

	if (err && errlen)
		err[0] = '\0';
	ps = calloc(1, sizeof(*ps));
	copy = strdup(text);
	if (!ps || !copy) {
		free(ps);
		free(copy);
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ps->err = err;
	ps->errlen = errlen;
	for (line = copy; line && !ret; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		ps->lineno++;
		ret = parse_line(ps, line, out);
	}
	if (ret)
		out->len = start;
	free(ps->data);
	free(ps);
	free(copy);
	return ret;
}
