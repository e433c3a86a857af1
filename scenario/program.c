/* SPDX-License-Identifier: MIT */
/*
 * The fuzz program format of program.h: decoder, encoder, printer, parser.
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

#include "fault.h"
#include "message_text.h"
#include "wire.h"

#define REC_HDR_LEN (VSF_PROG_MAGIC_LEN + 1)

/* Fixed field bytes after the opcode. */
#define FD_FIXED      7
#define SESSION_FIXED 24
#define CONFIG_FIXED  16
#define PAIR_LEN      VSF_PROG_PAIR_LEN
#define ADD_FIXED     9
#define SEND_FIXED    3
#define MMAP_FIXED    40
#define TRUNC_FIXED   5
#define FAULT_FIXED   3

#define CONFIG_DEF_REQUEST 44u
#define CONFIG_DEF_FLAGS   0x5u
#define CONFIG_DEF_SIZE    2056u
#define HFLAGS_DEF         0x1u
#define HFLAGS_NEED_REPLY  0x8u

static uint16_t load_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void store_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

const char *vsf_op_name(enum vsf_op_code code)
{
	switch (code) {
	case VSF_OP_FD:
		return "fd";
	case VSF_OP_SESSION:
		return "session";
	case VSF_OP_CONFIG:
		return "config";
	case VSF_OP_CONNECT:
		return "connect";
	case VSF_OP_RESET:
		return "reset";
	case VSF_OP_ADD_REGION:
		return "add_region";
	case VSF_OP_SHUTDOWN:
		return "shutdown";
	case VSF_OP_HANGUP:
		return "hangup";
	case VSF_OP_TRUNCATE:
		return "truncate";
	case VSF_OP_FAULT:
		return "fault";
	case VSF_OP_SEND:
		return "send";
	case VSF_OP_MAP:
		return "map";
	case VSF_OP_UNMAP:
		return "unmap";
	case VSF_OP_BYTES:
		return "bytes";
	}
	return NULL;
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

/* ---- decoding ---- */

static const uint8_t *find_magic(const uint8_t *p, size_t n)
{
	return memmem(p, n, VSF_PROG_MAGIC, VSF_PROG_MAGIC_LEN);
}

static struct vsf_op *new_op(struct vsf_program *p)
{
	struct vsf_op *op;

	if (p->nops == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;

		if (cap < p->cap || cap > SIZE_MAX / sizeof(*op))
			return NULL;
		op = realloc(p->ops, cap * sizeof(*op));
		if (!op)
			return NULL;
		p->ops = op;
		p->cap = cap;
	}
	op = &p->ops[p->nops++];
	memset(op, 0, sizeof(*op));
	return op;
}

static void set_data(struct vsf_op *op, const uint8_t *data, size_t len)
{
	op->data = len ? data : NULL;
	op->data_len = len;
}

static void set_handles(struct vsf_op *op, const uint8_t *h, uint8_t n)
{
	op->nfds = n;
	op->handles = n ? h : NULL;
}

/* Decode the body b[0..n) of a record with opcode code; false unless exact. */
static bool decode_body(uint8_t code, const uint8_t *b, size_t n, struct vsf_op *op)
{
	op->code = code;
	switch (code) {
	case VSF_OP_FD:
		if (n < FD_FIXED || n - FD_FIXED > VSF_PROG_MAX_DATA)
			return false;
		op->fd.handle = b[0];
		op->fd.kind = b[1];
		op->fd.size = vsf_load_le32(b + 2);
		op->fd.seals = b[6];
		set_data(op, b + FD_FIXED, n - FD_FIXED);
		return true;
	case VSF_OP_SESSION:
		if (n != SESSION_FIXED)
			return false;
		op->session.features = vsf_load_le64(b);
		op->session.protocol_features = vsf_load_le64(b + 8);
		op->session.ack = vsf_load_le64(b + 16);
		return true;
	case VSF_OP_CONFIG:
		if (n < CONFIG_FIXED || (n - CONFIG_FIXED) % PAIR_LEN ||
		    (n - CONFIG_FIXED) / PAIR_LEN > VSF_PROG_MAX_SIZES)
			return false;
		op->config.request = vsf_load_le32(b);
		op->config.flags = vsf_load_le32(b + 4);
		op->config.size = vsf_load_le32(b + 8);
		op->config.nregions = vsf_load_le32(b + 12);
		op->config.npairs = (n - CONFIG_FIXED) / PAIR_LEN;
		op->config.pairs = op->config.npairs ? b + CONFIG_FIXED : NULL;
		return true;
	case VSF_OP_CONNECT:
	case VSF_OP_RESET:
	case VSF_OP_SHUTDOWN:
	case VSF_OP_HANGUP:
		return n == 0;
	case VSF_OP_ADD_REGION:
		if (n != ADD_FIXED)
			return false;
		op->add_region.shmid = b[0];
		op->add_region.size = vsf_load_le64(b + 1);
		return true;
	case VSF_OP_TRUNCATE:
		if (n != TRUNC_FIXED)
			return false;
		op->fd.handle = b[0];
		op->fd.size = vsf_load_le32(b + 1);
		return true;
	case VSF_OP_FAULT:
		if (n != FAULT_FIXED)
			return false;
		op->fault.call = b[0];
		op->fault.after = b[1];
		op->fault.err = b[2];
		return true;
	case VSF_OP_SEND:
		if (n < SEND_FIXED || b[2] > VSF_PROG_MAX_OP_FDS || n - SEND_FIXED < b[2] ||
		    n - SEND_FIXED - b[2] > VSF_PROG_MAX_DATA)
			return false;
		op->chunk = load_le16(b);
		set_handles(op, b + SEND_FIXED, b[2]);
		set_data(op, b + SEND_FIXED + b[2], n - SEND_FIXED - b[2]);
		return true;
	case VSF_OP_MAP:
	case VSF_OP_UNMAP:
		if (n < MMAP_FIXED || b[39] > VSF_PROG_MAX_OP_FDS || n != MMAP_FIXED + (size_t)b[39])
			return false;
		op->mmap.hflags = vsf_load_le32(b);
		op->mmap.shmid = b[4];
		op->mmap.fd_offset = vsf_load_le64(b + 5);
		op->mmap.shm_offset = vsf_load_le64(b + 13);
		op->mmap.len = vsf_load_le64(b + 21);
		op->mmap.mflags = vsf_load_le64(b + 29);
		op->chunk = load_le16(b + 37);
		set_handles(op, b + MMAP_FIXED, b[39]);
		return true;
	}
	return false;
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
	const uint8_t *end, *rec, *next;
	int ret = 0;

	memset(p, 0, sizeof(*p));
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

/* -EINVAL for an op that would not decode back exactly (unknown code, caps exceeded). */
int vsf_op_encode(const struct vsf_op *op, struct vsf_buf *out)
{
	uint8_t rec[REC_HDR_LEN + MMAP_FIXED + VSF_PROG_MAX_OP_FDS];
	uint8_t *b = rec + REC_HDR_LEN;
	const uint8_t *tail = NULL;
	size_t n = 0, tail_len = 0;
	int ret;

	if (op->code == VSF_OP_BYTES)
		return vsf_buf_append(out, op->data, op->data_len);

	memcpy(rec, VSF_PROG_MAGIC, VSF_PROG_MAGIC_LEN);
	rec[VSF_PROG_MAGIC_LEN] = (uint8_t)op->code;
	switch (op->code) {
	case VSF_OP_FD:
		if (op->data_len > VSF_PROG_MAX_DATA)
			return -EINVAL;
		b[0] = op->fd.handle;
		b[1] = op->fd.kind;
		vsf_store_le32(b + 2, op->fd.size);
		b[6] = op->fd.seals;
		n = FD_FIXED;
		tail = op->data;
		tail_len = op->data_len;
		break;
	case VSF_OP_SESSION:
		vsf_store_le64(b, op->session.features);
		vsf_store_le64(b + 8, op->session.protocol_features);
		vsf_store_le64(b + 16, op->session.ack);
		n = SESSION_FIXED;
		break;
	case VSF_OP_CONFIG:
		if (op->config.npairs > VSF_PROG_MAX_SIZES)
			return -EINVAL;
		vsf_store_le32(b, op->config.request);
		vsf_store_le32(b + 4, op->config.flags);
		vsf_store_le32(b + 8, op->config.size);
		vsf_store_le32(b + 12, op->config.nregions);
		n = CONFIG_FIXED;
		tail = op->config.pairs;
		tail_len = op->config.npairs * PAIR_LEN;
		break;
	case VSF_OP_CONNECT:
	case VSF_OP_RESET:
	case VSF_OP_SHUTDOWN:
	case VSF_OP_HANGUP:
		break;
	case VSF_OP_ADD_REGION:
		b[0] = op->add_region.shmid;
		vsf_store_le64(b + 1, op->add_region.size);
		n = ADD_FIXED;
		break;
	case VSF_OP_TRUNCATE:
		b[0] = op->fd.handle;
		vsf_store_le32(b + 1, op->fd.size);
		n = TRUNC_FIXED;
		break;
	case VSF_OP_FAULT:
		b[0] = op->fault.call;
		b[1] = op->fault.after;
		b[2] = op->fault.err;
		n = FAULT_FIXED;
		break;
	case VSF_OP_SEND:
		if (op->nfds > VSF_PROG_MAX_OP_FDS || op->data_len > VSF_PROG_MAX_DATA)
			return -EINVAL;
		store_le16(b, op->chunk);
		b[2] = op->nfds;
		if (op->nfds)
			memcpy(b + SEND_FIXED, op->handles, op->nfds);
		n = SEND_FIXED + op->nfds;
		tail = op->data;
		tail_len = op->data_len;
		break;
	case VSF_OP_MAP:
	case VSF_OP_UNMAP:
		if (op->nfds > VSF_PROG_MAX_OP_FDS)
			return -EINVAL;
		vsf_store_le32(b, op->mmap.hflags);
		b[4] = op->mmap.shmid;
		vsf_store_le64(b + 5, op->mmap.fd_offset);
		vsf_store_le64(b + 13, op->mmap.shm_offset);
		vsf_store_le64(b + 21, op->mmap.len);
		vsf_store_le64(b + 29, op->mmap.mflags);
		store_le16(b + 37, op->chunk);
		b[39] = op->nfds;
		if (op->nfds)
			memcpy(b + MMAP_FIXED, op->handles, op->nfds);
		n = MMAP_FIXED + op->nfds;
		break;
	default:
		return -EINVAL;
	}
	/* Reserve first so that a failure appends nothing. */
	ret = buf_reserve(out, REC_HDR_LEN + n + tail_len);
	if (ret)
		return ret;
	vsf_buf_append(out, rec, REC_HDR_LEN + n);
	vsf_buf_append(out, tail, tail_len);
	return 0;
}

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

static void print_data(FILE *out, const struct vsf_op *op)
{
	if (!op->data_len)
		return;
	fputs(" data=", out);
	print_hex(out, op->data, op->data_len);
}

static void print_hex_field(FILE *out, const char *key, uint64_t v)
{
	if (v)
		fprintf(out, " %s=0x%" PRIx64, key, v);
}

static void print_dec_field(FILE *out, const char *key, uint64_t v)
{
	if (v)
		fprintf(out, " %s=%" PRIu64, key, v);
}

static void print_handles(FILE *out, const struct vsf_op *op)
{
	if (!op->nfds)
		return;
	fprintf(out, " %s=%u", op->nfds == 1 ? "fd" : "fds", op->handles[0]);
	for (unsigned i = 1; i < op->nfds; i++)
		fprintf(out, ",%u", op->handles[i]);
}

static void print_config(FILE *out, const struct vsf_op *op)
{
	print_dec_field(out, "nregions", op->config.nregions);
	for (size_t i = 0; i < op->config.npairs; i++) {
		struct vsf_size_pair sp = vsf_op_config_pair(op, i);

		fprintf(out, "%s%u:0x%" PRIx64, i ? "," : " sizes=", sp.shmid, sp.size);
	}
	if (op->config.request != CONFIG_DEF_REQUEST)
		fprintf(out, " request=%" PRIu32, op->config.request);
	if (op->config.flags != CONFIG_DEF_FLAGS)
		fprintf(out, " flags=0x%" PRIx32, op->config.flags);
	if (op->config.size != CONFIG_DEF_SIZE)
		fprintf(out, " size=%" PRIu32, op->config.size);
}

static void print_mmap(FILE *out, const struct vsf_op *op)
{
	print_dec_field(out, "shmid", op->mmap.shmid);
	print_handles(out, op);
	print_hex_field(out, "fd_offset", op->mmap.fd_offset);
	print_hex_field(out, "shm_offset", op->mmap.shm_offset);
	print_hex_field(out, "len", op->mmap.len);
	if (op->mmap.mflags == VSF_MMAP_F_RW)
		fputs(" rw", out);
	else if (op->mmap.mflags == 0 && op->code == VSF_OP_MAP)
		fputs(" ro", out);
	else
		print_hex_field(out, "mflags", op->mmap.mflags);
	if (op->mmap.hflags == (HFLAGS_DEF | HFLAGS_NEED_REPLY))
		fputs(" need_reply", out);
	else if (op->mmap.hflags != HFLAGS_DEF)
		fprintf(out, " hflags=0x%" PRIx32, op->mmap.hflags);
	print_dec_field(out, "chunk", op->chunk);
}

static void print_fault(FILE *out, const struct vsf_op *op)
{
	const char *err = op->fault.err ? strerrorname_np(op->fault.err) : NULL;

	if (fault_call_name(op->fault.call))
		fprintf(out, " %s", fault_call_name(op->fault.call));
	else
		fprintf(out, " call=%u", op->fault.call);
	print_dec_field(out, "after", op->fault.after);
	if (err)
		fprintf(out, " errno=%s", err);
	else
		print_dec_field(out, "errno", op->fault.err);
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
	const char *name = vsf_op_name(op->code);

	if (!name) {
		fprintf(out, "# op 0x%x cannot be printed\n", (unsigned)op->code);
		return;
	}
	fputs(name, out);
	switch (op->code) {
	case VSF_OP_FD:
		fprintf(out, " %u", op->fd.handle);
		if (vsf_fd_kind_name(op->fd.kind))
			fprintf(out, " %s", vsf_fd_kind_name(op->fd.kind));
		else
			fprintf(out, " kind=%u", op->fd.kind);
		print_hex_field(out, "size", op->fd.size);
		print_hex_field(out, "seals", op->fd.seals);
		print_data(out, op);
		break;
	case VSF_OP_SESSION:
		print_hex_field(out, "features", op->session.features);
		print_hex_field(out, "protocol", op->session.protocol_features);
		print_hex_field(out, "ack", op->session.ack);
		break;
	case VSF_OP_CONFIG:
		print_config(out, op);
		break;
	case VSF_OP_ADD_REGION:
		print_dec_field(out, "shmid", op->add_region.shmid);
		print_hex_field(out, "size", op->add_region.size);
		break;
	case VSF_OP_TRUNCATE:
		fprintf(out, " %u", op->fd.handle);
		print_hex_field(out, "size", op->fd.size);
		break;
	case VSF_OP_FAULT:
		print_fault(out, op);
		break;
	case VSF_OP_SEND:
		print_handles(out, op);
		print_dec_field(out, "chunk", op->chunk);
		print_data(out, op);
		print_messages(out, op);
		return;
	case VSF_OP_MAP:
	case VSF_OP_UNMAP:
		print_mmap(out, op);
		break;
	case VSF_OP_BYTES:
		print_data(out, op);
		break;
	default:
		break;
	}
	fputc('\n', out);
}

void vsf_program_print(const struct vsf_program *p, FILE *out)
{
	for (size_t i = 0; i < p->nops; i++)
		print_op(out, &p->ops[i]);
}

/* ---- text parsing ---- */

/* Op sets as bit masks; bytes (0xff) is in none, it is parsed apart. */
#define OPBIT(code) ((code) < 32 ? 1u << (code) : 0u)
#define OPS_HANDLES (OPBIT(VSF_OP_SEND) | OPBIT(VSF_OP_MAP) | OPBIT(VSF_OP_UNMAP))
#define OPS_MMAP    (OPBIT(VSF_OP_MAP) | OPBIT(VSF_OP_UNMAP))

enum key_id {
	K_KIND, K_SIZE, K_SEALS, K_DATA, K_FEATURES, K_PROTOCOL, K_ACK,
	K_NREGIONS, K_SIZES, K_REQUEST, K_FLAGS, K_SHMID, K_FDS, K_CHUNK,
	K_HFLAGS, K_FD_OFFSET, K_SHM_OFFSET, K_LEN, K_MFLAGS, K_NEED_REPLY,
	K_HANDLE, K_CALL, K_AFTER, K_ERRNO,
};

static const struct key {
	const char *name;
	enum key_id id;
	uint32_t ops; /* OPBIT()s of the ops that take it */
} keys[] = {
	{ "kind", K_KIND, OPBIT(VSF_OP_FD) },
	{ "size", K_SIZE, OPBIT(VSF_OP_FD) | OPBIT(VSF_OP_CONFIG) | OPBIT(VSF_OP_ADD_REGION) |
			  OPBIT(VSF_OP_TRUNCATE) },
	{ "seals", K_SEALS, OPBIT(VSF_OP_FD) },
	{ "data", K_DATA, OPBIT(VSF_OP_FD) | OPBIT(VSF_OP_SEND) },
	{ "features", K_FEATURES, OPBIT(VSF_OP_SESSION) },
	{ "protocol", K_PROTOCOL, OPBIT(VSF_OP_SESSION) },
	{ "ack", K_ACK, OPBIT(VSF_OP_SESSION) },
	{ "nregions", K_NREGIONS, OPBIT(VSF_OP_CONFIG) },
	{ "sizes", K_SIZES, OPBIT(VSF_OP_CONFIG) },
	{ "request", K_REQUEST, OPBIT(VSF_OP_CONFIG) },
	{ "flags", K_FLAGS, OPBIT(VSF_OP_CONFIG) },
	{ "shmid", K_SHMID, OPBIT(VSF_OP_ADD_REGION) | OPS_MMAP },
	{ "fd", K_FDS, OPS_HANDLES },
	{ "fds", K_FDS, OPS_HANDLES },
	{ "chunk", K_CHUNK, OPS_HANDLES },
	{ "hflags", K_HFLAGS, OPS_MMAP },
	{ "fd_offset", K_FD_OFFSET, OPS_MMAP },
	{ "shm_offset", K_SHM_OFFSET, OPS_MMAP },
	{ "len", K_LEN, OPS_MMAP },
	{ "mflags", K_MFLAGS, OPS_MMAP },
	{ "call", K_CALL, OPBIT(VSF_OP_FAULT) },
	{ "after", K_AFTER, OPBIT(VSF_OP_FAULT) },
	{ "errno", K_ERRNO, OPBIT(VSF_OP_FAULT) },
};

struct parser {
	unsigned lineno;
	char *err;
	size_t errlen;
	/* the op of the current line and the storage its pointers use */
	struct vsf_op op;
	uint32_t seen; /* 1 << enum key_id */
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
	set_data(&ps->op, ps->data, n / 2);
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
	set_handles(&ps->op, ps->handles, (uint8_t)n);
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

static int mark_seen(struct parser *ps, enum key_id id, const char *what)
{
	if (ps->seen & (1u << id))
		return fail(ps, "%s given twice", what);
	ps->seen |= 1u << id;
	return 0;
}

/* key=value for the current op; value is modifiable. */
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

static int parse_key(struct parser *ps, const char *key, char *val)
{
	struct vsf_op *op = &ps->op;
	const struct key *k = NULL;
	uint64_t v = 0;
	int ret;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!strcmp(keys[i].name, key) && (keys[i].ops & OPBIT(op->code))) {
			k = &keys[i];
			break;
		}
	}
	if (!k)
		return fail(ps, "unknown key '%s' for %s", key, vsf_op_name(op->code));
	ret = mark_seen(ps, k->id, k->id == K_FDS ? "fd/fds" :
			k->id == K_MFLAGS ? "mflags/rw/ro" : key);
	if (ret)
		return ret;

	switch (k->id) {
	case K_DATA:
		return parse_hex(ps, val, VSF_PROG_MAX_DATA);
	case K_FDS:
		return parse_handles(ps, key, val);
	case K_SIZES:
		return parse_sizes(ps, val);
	case K_ERRNO:
		if (errno_by_name(val, &v))
			break;
		/* fall through: a number */
	case K_KIND:
	case K_SEALS:
	case K_SHMID:
	case K_CALL:
	case K_AFTER:
		ret = parse_num(ps, key, val, UINT8_MAX, &v);
		break;
	case K_CHUNK:
		ret = parse_num(ps, key, val, UINT16_MAX, &v);
		break;
	case K_NREGIONS:
	case K_REQUEST:
	case K_FLAGS:
	case K_HFLAGS:
		ret = parse_num(ps, key, val, UINT32_MAX, &v);
		break;
	case K_SIZE:
		ret = parse_num(ps, key, val,
				op->code == VSF_OP_ADD_REGION ? UINT64_MAX : UINT32_MAX, &v);
		break;
	default:
		ret = parse_num(ps, key, val, UINT64_MAX, &v);
		break;
	}
	if (ret)
		return ret;

	switch (k->id) {
	case K_KIND:
		op->fd.kind = (uint8_t)v;
		break;
	case K_SEALS:
		op->fd.seals = (uint8_t)v;
		break;
	case K_SIZE:
		if (op->code == VSF_OP_FD || op->code == VSF_OP_TRUNCATE)
			op->fd.size = (uint32_t)v;
		else if (op->code == VSF_OP_CONFIG)
			op->config.size = (uint32_t)v;
		else
			op->add_region.size = v;
		break;
	case K_SHMID:
		if (op->code == VSF_OP_ADD_REGION)
			op->add_region.shmid = (uint8_t)v;
		else
			op->mmap.shmid = (uint8_t)v;
		break;
	case K_CHUNK:
		op->chunk = (uint16_t)v;
		break;
	case K_FEATURES:
		op->session.features = v;
		break;
	case K_PROTOCOL:
		op->session.protocol_features = v;
		break;
	case K_ACK:
		op->session.ack = v;
		break;
	case K_NREGIONS:
		op->config.nregions = (uint32_t)v;
		break;
	case K_REQUEST:
		op->config.request = (uint32_t)v;
		break;
	case K_FLAGS:
		op->config.flags = (uint32_t)v;
		break;
	case K_HFLAGS:
		op->mmap.hflags = (uint32_t)v;
		break;
	case K_FD_OFFSET:
		op->mmap.fd_offset = v;
		break;
	case K_SHM_OFFSET:
		op->mmap.shm_offset = v;
		break;
	case K_LEN:
		op->mmap.len = v;
		break;
	case K_MFLAGS:
		op->mmap.mflags = v;
		break;
	case K_CALL:
		op->fault.call = (uint8_t)v;
		break;
	case K_AFTER:
		op->fault.after = (uint8_t)v;
		break;
	case K_ERRNO:
		op->fault.err = (uint8_t)v;
		break;
	default:
		break;
	}
	return 0;
}

/* A word without '=': fd's handle and kind, fault's call, map/unmap's rw, ro, need_reply. */
static int parse_word(struct parser *ps, const char *w)
{
	struct vsf_op *op = &ps->op;
	uint64_t v;
	int ret;

	if (op->code == VSF_OP_FD || op->code == VSF_OP_TRUNCATE) {
		if (!(ps->seen & (1u << K_HANDLE))) {
			ret = parse_num(ps, "fd handle", w, UINT8_MAX, &v);
			if (ret)
				return ret;
			op->fd.handle = (uint8_t)v;
			ps->seen |= 1u << K_HANDLE;
			return 0;
		}
		for (unsigned kind = 0; op->code == VSF_OP_FD && kind < VSF_FD_KIND_COUNT; kind++) {
			if (!strcmp(w, fd_kind_names[kind])) {
				ret = mark_seen(ps, K_KIND, "kind");
				op->fd.kind = (uint8_t)kind;
				return ret;
			}
		}
		if (op->code == VSF_OP_TRUNCATE)
			return fail(ps, "unexpected '%s' for truncate", w);
		return fail(ps, "unknown fd kind '%s'", w);
	}
	if (op->code == VSF_OP_FAULT) {
		int call = fault_call_by_name(w);

		if (call < 0)
			return fail(ps, "unknown call '%s' for fault", w);
		ret = mark_seen(ps, K_CALL, "call");
		op->fault.call = (uint8_t)call;
		return ret;
	}
	if (OPBIT(op->code) & OPS_MMAP) {
		if (!strcmp(w, "rw") || !strcmp(w, "ro")) {
			op->mmap.mflags = w[1] == 'w' ? VSF_MMAP_F_RW : 0;
			return mark_seen(ps, K_MFLAGS, "mflags/rw/ro");
		}
		if (!strcmp(w, "need_reply"))
			return mark_seen(ps, K_NEED_REPLY, "need_reply");
	}
	return fail(ps, "unexpected '%s' for %s", w, vsf_op_name(op->code));
}

static const enum vsf_op_code text_ops[] = {
	VSF_OP_FD, VSF_OP_SESSION, VSF_OP_CONFIG, VSF_OP_CONNECT, VSF_OP_RESET,
	VSF_OP_ADD_REGION, VSF_OP_SHUTDOWN, VSF_OP_HANGUP, VSF_OP_SEND, VSF_OP_MAP,
	VSF_OP_UNMAP, VSF_OP_TRUNCATE, VSF_OP_FAULT, VSF_OP_BYTES,
};

static const char seps[] = " \t\r\v\f";

static int parse_line(struct parser *ps, char *line, struct vsf_buf *out)
{
	struct vsf_op *op = &ps->op;
	char *save = NULL, *tok, *eq;
	size_t start = out->len;
	bool known = false;
	int ret;

	line[strcspn(line, "#")] = '\0';
	tok = strtok_r(line, seps, &save);
	if (!tok)
		return 0;

	memset(op, 0, sizeof(*op));
	ps->seen = 0;
	if (!strncmp(tok, "bytes=", 6)) {
		op->code = VSF_OP_BYTES;
		known = true;
		ret = parse_hex(ps, tok + 6, SIZE_MAX);
		if (ret)
			return ret;
		ps->seen |= 1u << K_DATA;
	}
	for (size_t i = 0; !known && i < sizeof(text_ops) / sizeof(text_ops[0]); i++) {
		if (!strcmp(tok, vsf_op_name(text_ops[i]))) {
			op->code = text_ops[i];
			known = true;
		}
	}
	if (!known)
		return fail(ps, "unknown op '%s'", tok);
	if (op->code == VSF_OP_CONFIG) {
		op->config.request = CONFIG_DEF_REQUEST;
		op->config.flags = CONFIG_DEF_FLAGS;
		op->config.size = CONFIG_DEF_SIZE;
	}
	if (OPBIT(op->code) & OPS_MMAP)
		op->mmap.hflags = HFLAGS_DEF;

	while ((tok = strtok_r(NULL, seps, &save))) {
		eq = strchr(tok, '=');
		if (!eq) {
			ret = parse_word(ps, tok);
		} else if (op->code == VSF_OP_BYTES) {
			*eq = '\0';
			if (strcmp(tok, "data"))
				return fail(ps, "unknown key '%s' for bytes", tok);
			ret = mark_seen(ps, K_DATA, "data");
			if (!ret)
				ret = parse_hex(ps, eq + 1, SIZE_MAX);
		} else {
			*eq = '\0';
			ret = parse_key(ps, tok, eq + 1);
		}
		if (ret)
			return ret;
	}

	if (op->code == VSF_OP_FD && !(ps->seen & (1u << K_HANDLE)))
		return fail(ps, "fd needs a handle: fd HANDLE KIND");
	if (op->code == VSF_OP_TRUNCATE && !(ps->seen & (1u << K_HANDLE)))
		return fail(ps, "truncate needs a handle: truncate HANDLE size=N");
	if (op->code == VSF_OP_FD && !(ps->seen & (1u << K_KIND)))
		return fail(ps, "fd needs a kind: fd HANDLE KIND");
	if (ps->seen & (1u << K_NEED_REPLY))
		op->mmap.hflags |= HFLAGS_NEED_REPLY;

	ret = vsf_op_encode(op, out);
	if (ret == -ENOMEM) {
		fail(ps, "out of memory");
		return -ENOMEM;
	}
	if (ret)
		return fail(ps, "cannot encode %s", vsf_op_name(op->code));
	if (op->code != VSF_OP_BYTES &&
	    find_magic(out->data + start + 1, out->len - start - 1))
		return fail(ps, "%s encodes the record marker inside its fields, "
			    "it would not decode as written", vsf_op_name(op->code));
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
