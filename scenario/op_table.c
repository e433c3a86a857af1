/* SPDX-License-Identifier: MIT */
/*
 * The op tables of op_table.h. Fields are listed in record order; col is
 * their place on a text line, which for config, map, unmap and send is not
 * the record order.
 */
#include "op_table.h"

#include <string.h>

#include "fault.h"
#include "vhost_names.h"
#include "wire.h"

#define MEMBER_SIZE(m) sizeof(((struct vsf_op *)0)->m)

/* A number: member m of struct vsf_op, text key k, offset o in the record,
 * role r, text form t, then the other designators. */
#define NUMBER(m, k, o, r, t, ...)                                                   \
	{ .key = (k), .member = #m, .mem = offsetof(struct vsf_op, m), .off = (o),  \
	  .width = MEMBER_SIZE(m), .kind = OPF_NUM, .role = (r), .text = (t),        \
	  __VA_ARGS__ }
/* With its default d and text column c. */
#define NUM(m, k, o, r, t, d, c) NUMBER(m, k, o, r, t, .def = (d), .col = (c))
/* The same, appended after records of the op existed: optional. */
#define NUM_OPTIONAL(m, k, o, r, t, d, c) \
	NUMBER(m, k, o, r, t, .def = (d), .col = (c), .optional = true)
/* Given by the text without a key, and required. */
#define POS(m, k, o, r, c) NUMBER(m, k, o, r, OPT_POS, .col = (c), .required = true)
/* A number that prints as its name, names(value). */
#define NAMED(m, k, o, r, names, req, c) \
	NUMBER(m, k, o, r, OPT_NAME, .name = (names), .required = (req), .col = (c))
/* fd handles, their count byte at offset o. */
#define HANDLES(o, c) \
	{ .key = "fds", .member = "handles", .off = (o), .width = 1, .kind = OPF_HANDLES, \
	  .role = OP_R_HANDLE, .col = (c) }
#define DATA(r, c) { .key = "data", .member = "data", .kind = OPF_DATA, .role = (r), .col = (c) }
#define PAIRS(c) \
	{ .key = "sizes", .member = "config.pairs", .kind = OPF_PAIRS, .role = OP_R_SIZE, .col = (c) }

#define CONFIG_DEF_REQUEST 44u
#define CONFIG_DEF_FLAGS   0x5u
#define CONFIG_DEF_SIZE    2056u
#define HFLAGS_DEF         0x1u

static const struct op_field fd_fields[] = {
	POS(fd.handle, "handle", 0, OP_R_HANDLE, 0),
	NAMED(fd.kind, "kind", 1, OP_R_KIND, vsf_fd_kind_name, true, 1),
	NUM(fd.size, "size", 2, OP_R_SIZE, OPT_HEX, 0, 2),
	NUM(fd.seals, "seals", 6, OP_R_SEALS, OPT_HEX, 0, 3),
	DATA(OP_R_CONTENT, 4),
};

static const struct op_field session_fields[] = {
	NUM(session.features, "features", 0, OP_R_FEATURES, OPT_HEX, 0, 0),
	NUM(session.protocol_features, "protocol", 8, OP_R_PROTOCOL, OPT_HEX, 0, 1),
	NUM(session.ack, "ack", 16, OP_R_ACK, OPT_HEX, 0, 2),
	/* Played by vsf-demo-backend only, so not mutated (program.h). */
	NUM_OPTIONAL(session.features_after_owner, "features_after_owner", 24, OP_R_NONE, OPT_HEX,
		     0, 3),
};

static const struct op_field config_fields[] = {
	NUM(config.request, "request", 0, OP_R_REQUEST, OPT_DEC, CONFIG_DEF_REQUEST, 2),
	NUM(config.flags, "flags", 4, OP_R_HFLAGS, OPT_HEX, CONFIG_DEF_FLAGS, 3),
	NUM(config.size, "size", 8, OP_R_PSIZE, OPT_DEC, CONFIG_DEF_SIZE, 4),
	NUM(config.nregions, "nregions", 12, OP_R_COUNT, OPT_DEC, 0, 0),
	PAIRS(1),
};

static const struct op_field add_region_fields[] = {
	NUM(add_region.shmid, "shmid", 0, OP_R_SHMID, OPT_DEC, 0, 0),
	NUM(add_region.size, "size", 1, OP_R_SIZE, OPT_HEX, 0, 1),
};

static const struct op_field truncate_fields[] = {
	POS(fd.handle, "handle", 0, OP_R_HANDLE, 0),
	NUM(fd.size, "size", 1, OP_R_SIZE, OPT_HEX, 0, 1),
};

static const struct op_field fault_fields[] = {
	NAMED(fault.call, "call", 0, OP_R_CALL, fault_call_name, false, 0),
	NUM(fault.after, "after", 1, OP_R_AFTER, OPT_DEC, 0, 1),
	NUM(fault.err, "errno", 2, OP_R_ERRNO, OPT_ERRNO, 0, 2),
	NUM_OPTIONAL(fault.short_bytes, "short", 3, OP_R_SHORT, OPT_DEC, 0, 3),
};

static const struct op_field send_fields[] = {
	NUM(chunk, "chunk", 0, OP_R_CHUNK, OPT_DEC, 0, 1),
	HANDLES(2, 0),
	DATA(OP_R_MESSAGES, 2),
};

/* map and unmap: a SHMEM_MAP / SHMEM_UNMAP message's fields (op_wire.h). */
static const struct op_field mmap_fields[] = {
	NUM(mmap.hflags, "hflags", 0, OP_R_HFLAGS, OPT_HFLAGS, HFLAGS_DEF, 6),
	NUM(mmap.shmid, "shmid", 4, OP_R_SHMID, OPT_DEC, 0, 0),
	NUM(mmap.fd_offset, "fd_offset", 5, OP_R_OFFSET, OPT_HEX, 0, 2),
	NUM(mmap.shm_offset, "shm_offset", 13, OP_R_OFFSET, OPT_HEX, 0, 3),
	NUM(mmap.len, "len", 21, OP_R_LEN, OPT_HEX, 0, 4),
	NUM(mmap.mflags, "mflags", 29, OP_R_MFLAGS, OPT_MFLAGS, 0, 5),
	NUM(chunk, "chunk", 37, OP_R_CHUNK, OPT_DEC, 0, 7),
	HANDLES(39, 1),
};

/* A front-end request by its name (vhost_names.h); numbers go as request=N. */
static const char *request_name(unsigned v)
{
	return vhost_request_name(VHOST_FRONTEND_CHANNEL, v);
}

static bool request_by_name(const char *w, uint64_t *v)
{
	uint32_t id;

	if (*w >= '0' && *w <= '9')
		return false;
	if (!vhost_request_by_name(VHOST_FRONTEND_CHANNEL, w, &id))
		return false;
	*v = id;
	return true;
}

#define REQUEST(m, c) \
	NUMBER(m, "request", 0, OP_R_ANSWERED, OPT_NAME, .name = request_name, \
	       .by_name = request_by_name, .required = true, .col = (c))
#define NATURAL VSF_ANSWER_NATURAL

static const struct op_field answer_fields[] = {
	REQUEST(answer.request, 0),
	NUM(answer.nth, "nth", 4, OP_R_NTH, OPT_DEC, 0, 2),
	NAMED(answer.form, "form", 5, OP_R_FORM, vsf_answer_form_name, false, 1),
	NUM(answer.value, "value", 6, OP_R_VALUE, OPT_HEX, 0, 3),
	NUM(answer.id, "id", 14, OP_R_REQUEST, OPT_DEC, NATURAL, 4),
	NUM(answer.flags, "flags", 18, OP_R_HFLAGS, OPT_HEX, VSF_REPLY_FLAGS, 5),
	NUM(answer.size, "size", 22, OP_R_PSIZE, OPT_DEC, NATURAL, 6),
	NUM(answer.offset, "offset", 26, OP_R_OFFSET, OPT_HEX, NATURAL, 7),
	NUM(answer.csize, "csize", 30, OP_R_PSIZE, OPT_DEC, NATURAL, 8),
	NUM(answer.cflags, "cflags", 34, OP_R_HFLAGS, OPT_HEX, NATURAL, 9),
	HANDLES(38, 10),
	DATA(OP_R_CONTENT, 11),
};

static const struct op_field wait_fields[] = {
	REQUEST(wait.request, 0),
	NUM(wait.nth, "nth", 4, OP_R_NTH, OPT_DEC, 1, 1),
};

static const struct op_field bytes_fields[] = {
	DATA(OP_R_RAW, 0),
};

#define OP(code, name, fields) { code, name, #code, fields, sizeof(fields) / sizeof(fields[0]) }
#define OP_NO_FIELDS(code, name) { code, name, #code, NULL, 0 }

const struct op_desc op_descs[] = {
	OP(VSF_OP_FD, "fd", fd_fields),
	OP(VSF_OP_SESSION, "session", session_fields),
	OP(VSF_OP_CONFIG, "config", config_fields),
	OP_NO_FIELDS(VSF_OP_CONNECT, "connect"),
	OP_NO_FIELDS(VSF_OP_RESET, "reset"),
	OP(VSF_OP_ADD_REGION, "add_region", add_region_fields),
	OP_NO_FIELDS(VSF_OP_SHUTDOWN, "shutdown"),
	OP(VSF_OP_SEND, "send", send_fields),
	OP(VSF_OP_MAP, "map", mmap_fields),
	OP(VSF_OP_UNMAP, "unmap", mmap_fields),
	OP_NO_FIELDS(VSF_OP_HANGUP, "hangup"),
	OP(VSF_OP_TRUNCATE, "truncate", truncate_fields),
	OP(VSF_OP_FAULT, "fault", fault_fields),
	OP(VSF_OP_ANSWER, "answer", answer_fields),
	OP(VSF_OP_WAIT, "wait", wait_fields),
	OP(VSF_OP_BYTES, "bytes", bytes_fields),
};
const size_t op_ndescs = sizeof(op_descs) / sizeof(op_descs[0]);

static const struct op_desc *find_desc(enum vsf_op_code code)
{
	for (size_t i = 0; i < op_ndescs; i++)
		if (op_descs[i].code == code)
			return &op_descs[i];
	return NULL;
}

static const struct op_field *find_field(const struct op_desc *d, enum op_field_kind kind)
{
	for (size_t i = 0; i < d->nfields; i++)
		if (d->fields[i].kind == kind)
			return &d->fields[i];
	return NULL;
}

static size_t fixed_len(const struct op_desc *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nfields; i++) {
		const struct op_field *f = &d->fields[i];

		if ((f->kind == OPF_NUM || f->kind == OPF_HANDLES) && !f->optional &&
		    f->off + f->width > n)
			n = f->off + f->width;
	}
	return n;
}

/*
 * What the decoder, encoder and mutator look up for every record, input
 * after input, found once per op code before main() instead of walking the
 * tables each time (a lookup before then walks them).
 */
static struct {
	const struct op_desc *desc;
	const struct op_field *field[OPF_PAIRS + 1];
	size_t fixed_len;
} by_code[256];

__attribute__((constructor)) static void index_ops(void)
{
	for (size_t i = 0; i < op_ndescs; i++) {
		const struct op_desc *d = &op_descs[i];

		for (int kind = 0; kind <= OPF_PAIRS; kind++)
			by_code[d->code].field[kind] = find_field(d, (enum op_field_kind)kind);
		by_code[d->code].fixed_len = fixed_len(d);
		by_code[d->code].desc = d;
	}
}

const struct op_desc *op_desc(enum vsf_op_code code)
{
	if ((unsigned)code < 256 && by_code[code].desc)
		return by_code[code].desc;
	return find_desc(code);
}

const struct op_desc *op_desc_by_name(const char *name)
{
	for (size_t i = 0; i < op_ndescs; i++)
		if (!strcmp(op_descs[i].name, name))
			return &op_descs[i];
	return NULL;
}

/* d is one of op_descs[] when its code's entry names it. */
static bool indexed(const struct op_desc *d)
{
	return (unsigned)d->code < 256 && by_code[d->code].desc == d;
}

const struct op_field *op_desc_field(const struct op_desc *d, enum op_field_kind kind)
{
	if (indexed(d) && (unsigned)kind <= OPF_PAIRS)
		return by_code[d->code].field[kind];
	return find_field(d, kind);
}

size_t op_fixed_len(const struct op_desc *d)
{
	return indexed(d) ? by_code[d->code].fixed_len : fixed_len(d);
}

uint64_t op_field_get(const struct vsf_op *op, const struct op_field *f)
{
	const void *p = (const uint8_t *)op + f->mem;

	switch (f->width) {
	case 1:
		return *(const uint8_t *)p;
	case 2:
		return *(const uint16_t *)p;
	case 4:
		return *(const uint32_t *)p;
	default:
		return *(const uint64_t *)p;
	}
}

void op_field_set(struct vsf_op *op, const struct op_field *f, uint64_t v)
{
	void *p = (uint8_t *)op + f->mem;

	switch (f->width) {
	case 1:
		*(uint8_t *)p = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)p = (uint16_t)v;
		break;
	case 4:
		*(uint32_t *)p = (uint32_t)v;
		break;
	default:
		*(uint64_t *)p = v;
		break;
	}
}

uint64_t op_field_max(const struct op_field *f)
{
	return f->width >= 8 ? UINT64_MAX : (1ull << 8 * f->width) - 1;
}
