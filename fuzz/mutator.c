/* SPDX-License-Identifier: MIT */
/*
 * The structure-aware program mutator (mutator.h).
 *
 * A call decodes the input into ops whose variable parts (fd content, config
 * pairs, handles, raw bytes) are copied into an arena the mutator owns, so
 * that any op can be changed in place; it applies one to four mutations,
 * encodes the ops, and checks that the bytes decode back into the same ops.
 * Numbers in ops are host integers; fields inside raw bytes (config pairs,
 * message headers) are little-endian, which the host is (asserted below).
 */
#define _GNU_SOURCE
#include "mutator.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "op_table.h"
#include "op_wire.h"
#include "program.h"
#include "vhost_names.h"
#include "wire.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "fields are read and written as little-endian host integers");

/* Ops of a program being mutated: the executed cap, and room to insert. */
#define MUT_MAX_OPS       VSF_PROG_MAX_OPS
/* Arena room beyond a copy of the input, for what mutations add. */
#define MUT_ARENA_SPARE   (4 * VSF_PROG_MAX_DATA + 4096)
/* Tries before a call gives up and returns its input unchanged. */
#define MUT_TRIES         8
#define MUT_MAX_STACK     4

/* A number to mutate: in an op (op_table.h) or inside its raw bytes. */
struct field {
	uint8_t *p;     /* little-endian storage */
	uint8_t width;  /* bytes */
	uint8_t role;   /* enum op_role */
};

/* What the ops before a point set up: for generating ops likely valid there. */
struct state {
	struct { uint8_t shmid; uint64_t size; } region[16];
	size_t nregions;
	struct { bool live; uint8_t kind, seals; uint32_t size; } fd[VSF_PROG_MAX_HANDLES];
	struct { uint8_t shmid; uint64_t off, len; } map[16];
	size_t nmaps;
};

/* Front-end requests answer and wait ops are biased to: the ones targets send. */
#define MUT_MAX_REQUESTS 32

struct vsf_mutator {
	uint64_t rng;
	uint32_t requests[MUT_MAX_REQUESTS];
	size_t nrequests;
	vsf_field_source field_source; /* the engine's field values, or NULL */
	void *field_source_opaque;
	uint64_t page;
	struct vsf_op ops[MUT_MAX_OPS];
	size_t nops;
	struct vsf_op theirs[MUT_MAX_OPS]; /* the other program of a crossover */
	uint8_t *arena;
	size_t arena_used, arena_cap;
	struct vsf_buf out;
	struct vsf_program input; /* decode of an input, copied into ops or theirs */
	struct vsf_program check; /* decode of the output, to verify it */
};

/* ---- randomness ---- */

static uint64_t rnd(struct vsf_mutator *m)
{
	/* splitmix64: fast, and every seed gives a full-period stream */
	uint64_t z = (m->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); 0 when n is 0. */
static uint64_t below(struct vsf_mutator *m, uint64_t n)
{
	return n ? rnd(m) % n : 0;
}

static bool chance(struct vsf_mutator *m, unsigned percent)
{
	return below(m, 100) < percent;
}

#define PICK(m, arr) ((arr)[below((m), sizeof(arr) / sizeof((arr)[0]))])

/* Until told what its target sends: what the shipped profiles list, and the
 * other requests whose answers a front-end reads. */
static const uint32_t default_requests[] = {
	VSF_REQ_GET_FEATURES, VSF_REQ_GET_PROTOCOL_FEATURES, VSF_REQ_SET_PROTOCOL_FEATURES,
	VSF_REQ_SET_BACKEND_REQ_FD, VSF_REQ_SET_OWNER, VSF_REQ_GET_SHMEM_CONFIG,
	VSF_REQ_SET_FEATURES, VHOST_REQ_GET_CONFIG, VHOST_REQ_GET_QUEUE_NUM,
	VHOST_REQ_GET_MAX_MEM_SLOTS, VHOST_REQ_GET_STATUS, VHOST_REQ_GET_INFLIGHT_FD,
	13 /* SET_VRING_CALL */, 14 /* SET_VRING_ERR */,
};

void vsf_mutator_set_requests(struct vsf_mutator *m, const uint32_t *requests, size_t n)
{
	if (!n) {
		requests = default_requests;
		n = sizeof(default_requests) / sizeof(default_requests[0]);
	}
	m->nrequests = 0;
	for (size_t i = 0; i < n && m->nrequests < MUT_MAX_REQUESTS; i++)
		m->requests[m->nrequests++] = requests[i];
}

void vsf_mutator_set_field_source(struct vsf_mutator *m, vsf_field_source fn, void *opaque)
{
	m->field_source = fn;
	m->field_source_opaque = opaque;
}

/* A front-end request: mostly one the target is known to send. */
static uint32_t known_request(struct vsf_mutator *m)
{
	return chance(m, 85) ? m->requests[below(m, m->nrequests)] : (uint32_t)below(m, 48);
}

/* ---- the arena and the working program ---- */

/* n bytes of arena, or NULL when it is full (the mutation is then skipped). */
static uint8_t *arena_alloc(struct vsf_mutator *m, size_t n)
{
	uint8_t *p;

	if (n > m->arena_cap - m->arena_used)
		return NULL;
	p = m->arena + m->arena_used;
	m->arena_used += n;
	return p;
}

static const uint8_t *arena_copy(struct vsf_mutator *m, const uint8_t *src, size_t n)
{
	uint8_t *p = n ? arena_alloc(m, n) : NULL;

	if (p)
		memcpy(p, src, n);
	return p;
}

/* Copy an op's variable parts into the arena, so it can be changed in place. */
static bool own_op(struct vsf_mutator *m, struct vsf_op *op)
{
	if (op->data_len && !(op->data = arena_copy(m, op->data, op->data_len)))
		return false;
	if (op->nfds && !(op->handles = arena_copy(m, op->handles, op->nfds)))
		return false;
	if (op->code == VSF_OP_CONFIG && op->config.npairs &&
	    !(op->config.pairs = arena_copy(m, op->config.pairs,
					    op->config.npairs * VSF_PROG_PAIR_LEN)))
		return false;
	return true;
}

/* An empty arena of at least inputs + MUT_ARENA_SPARE bytes. */
static int arena_reset(struct vsf_mutator *m, size_t inputs)
{
	size_t need = inputs + MUT_ARENA_SPARE;

	if (need > m->arena_cap) {
		uint8_t *a = realloc(m->arena, need);

		if (!a)
			return -ENOMEM;
		m->arena = a;
		m->arena_cap = need;
	}
	m->arena_used = 0;
	return 0;
}

/* Decode data[0..size) into ops[] (at most MUT_MAX_OPS), owned by the arena. */
static int load(struct vsf_mutator *m, const uint8_t *data, size_t size, struct vsf_op *ops,
		size_t *nops)
{
	const struct vsf_program *p = &m->input;
	int ret = vsf_program_redecode(data, size, &m->input);

	if (ret < 0)
		return ret;
	*nops = 0;
	for (size_t i = 0; i < p->nops && *nops < MUT_MAX_OPS; i++) {
		ops[*nops] = p->ops[i];
		if (!own_op(m, &ops[*nops])) {
			ret = -ENOMEM;
			break;
		}
		(*nops)++;
	}
	return ret;
}

static struct vsf_op *insert_at(struct vsf_mutator *m, size_t k)
{
	if (m->nops == MUT_MAX_OPS || k > m->nops)
		return NULL;
	memmove(&m->ops[k + 1], &m->ops[k], (m->nops - k) * sizeof(m->ops[0]));
	m->nops++;
	memset(&m->ops[k], 0, sizeof(m->ops[k]));
	return &m->ops[k];
}

static void remove_at(struct vsf_mutator *m, size_t k)
{
	memmove(&m->ops[k], &m->ops[k + 1], (m->nops - k - 1) * sizeof(m->ops[0]));
	m->nops--;
}

/* Encode the working program; true if it fits and decodes back into the same ops. */
static bool emit(struct vsf_mutator *m, size_t max_size)
{
	bool same;

	m->out.len = 0;
	for (size_t i = 0; i < m->nops; i++)
		if (vsf_op_encode(&m->ops[i], &m->out) < 0)
			return false;
	if (m->out.len > max_size || !m->out.len)
		return false;
	/* A field whose bytes hold the record marker would re-frame the input. */
	if (vsf_program_redecode(m->out.data, m->out.len, &m->check) < 0)
		return false;
	same = m->check.nops == m->nops;
	for (size_t i = 0; same && i < m->nops; i++) {
		const struct vsf_op *a = &m->check.ops[i], *b = &m->ops[i];

		/* A split or a merge of records changes a length too. */
		same = a->code == b->code && a->data_len == b->data_len && a->nfds == b->nfds &&
		       (a->code != VSF_OP_CONFIG || a->config.npairs == b->config.npairs);
	}
	return same;
}

/* The emitted program is the input again (a field set to the value it had,
 * a damaged record re-encoded as it was): no mutation, for either engine. */
static bool same_bytes(const struct vsf_mutator *m, const uint8_t *data, size_t size)
{
	return m->out.len == size && !memcmp(m->out.data, data, size);
}

/* ---- what the program sets up ---- */

static uint64_t le_load(const uint8_t *p, size_t width)
{
	uint64_t v = 0;

	memcpy(&v, p, width);
	return v;
}

static void le_store(uint8_t *p, size_t width, uint64_t v)
{
	memcpy(p, &v, width);
}

static bool page_ok(const struct vsf_mutator *m, uint64_t v)
{
	return !(v & (m->page - 1));
}

static bool find_region(const struct state *st, uint8_t shmid, uint64_t *size)
{
	for (size_t i = 0; i < st->nregions; i++)
		if (st->region[i].shmid == shmid) {
			*size = st->region[i].size;
			return true;
		}
	return false;
}

static void add_region(struct state *st, uint8_t shmid, uint64_t size)
{
	uint64_t old;

	if (!size || find_region(st, shmid, &old) || st->nregions == 16)
		return;
	st->region[st->nregions].shmid = shmid;
	st->region[st->nregions++].size = size;
}

/* The effect of one op on the state, as far as a generator cares. */
static void apply(const struct vsf_mutator *m, const struct vsf_op *op, struct state *st)
{
	uint64_t size;

	switch (op->code) {
	case VSF_OP_CONFIG:
		st->nregions = 0;
		for (size_t i = 0; i < op->config.npairs; i++) {
			struct vsf_size_pair sp = vsf_op_config_pair(op, i);

			if (page_ok(m, sp.size))
				add_region(st, sp.shmid, sp.size);
		}
		break;
	case VSF_OP_ADD_REGION:
		add_region(st, op->add_region.shmid, op->add_region.size);
		break;
	case VSF_OP_FD: {
		unsigned h = op->fd.handle % VSF_PROG_MAX_HANDLES;

		st->fd[h].live = true;
		st->fd[h].kind = op->fd.kind;
		st->fd[h].size = op->fd.size;
		st->fd[h].seals = op->fd.seals;
		break;
	}
	case VSF_OP_MAP:
		if (st->nmaps < 16 && find_region(st, op->mmap.shmid, &size) &&
		    page_ok(m, op->mmap.shm_offset) && page_ok(m, op->mmap.len) && op->mmap.len &&
		    op->mmap.shm_offset < size && op->mmap.len <= size - op->mmap.shm_offset) {
			st->map[st->nmaps].shmid = op->mmap.shmid;
			st->map[st->nmaps].off = op->mmap.shm_offset;
			st->map[st->nmaps++].len = op->mmap.len;
		}
		break;
	case VSF_OP_UNMAP:
		for (size_t i = 0; i < st->nmaps; i++)
			if (st->map[i].shmid == op->mmap.shmid && st->map[i].off == op->mmap.shm_offset &&
			    st->map[i].len == op->mmap.len) {
				st->map[i] = st->map[--st->nmaps];
				break;
			}
		break;
	case VSF_OP_RESET:
	case VSF_OP_CONNECT:
		st->nmaps = 0;
		break;
	default:
		break;
	}
}

static void state_at(const struct vsf_mutator *m, size_t k, struct state *st)
{
	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < k && i < m->nops; i++)
		apply(m, &m->ops[i], st);
}

/* ---- generated ops ---- */

static uint64_t page_multiple(struct vsf_mutator *m, uint64_t max_pages)
{
	return m->page * (1 + below(m, max_pages ? max_pages : 1));
}

/*
 * A config of one to three regions with page-multiple sizes, or now and then
 * of many one-page regions (code that lists the regions meets its bounds).
 */
static bool gen_config(struct vsf_mutator *m, struct vsf_op *op)
{
	static const uint8_t shmids[] = { 0, 0, 1, 3, 7, 255 };
	size_t n = chance(m, 10) ? 16 + below(m, 48) : 1 + below(m, 3);
	uint8_t *pairs = arena_alloc(m, n * VSF_PROG_PAIR_LEN);

	if (!pairs)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t *q = pairs + i * VSF_PROG_PAIR_LEN;

		if (n > 3) { /* many: distinct shmids from 0, one page each */
			q[0] = (uint8_t)i;
			le_store(q + 1, 8, m->page);
			continue;
		}
		q[0] = chance(m, 80) ? PICK(m, shmids) : (uint8_t)rnd(m);
		for (size_t j = 0; j < i; j++) /* distinct shmids */
			if (pairs[j * VSF_PROG_PAIR_LEN] == q[0])
				q[0] = (uint8_t)(q[0] + 1 + i);
		le_store(q + 1, 8, m->page * (1ull << below(m, 5)));
	}
	*op = (struct vsf_op){ .code = VSF_OP_CONFIG };
	op->config.request = VSF_REQ_GET_SHMEM_CONFIG;
	op->config.flags = VSF_REPLY_FLAGS;
	op->config.size = VSF_CONFIG_PAYLOAD_SIZE;
	op->config.nregions = (uint32_t)n;
	if (chance(m, 10))
		op->config.nregions += chance(m, 50) ? 1 : -1u;
	op->config.npairs = n;
	op->config.pairs = pairs;
	return true;
}

/* A memfd of at least min_size bytes at handle h. */
static bool gen_fd(struct vsf_mutator *m, struct vsf_op *op, uint8_t h, uint64_t min_size)
{
	static const uint8_t seals[] = { 0, 0, 0, 0, 0x2 /* SHRINK */, 0x8 /* WRITE */,
					 0x10 /* FUTURE_WRITE */ };
	uint64_t size = min_size + m->page * below(m, 3);
	size_t n = 1 + below(m, 4);
	uint8_t *content = arena_alloc(m, n);

	if (!content || size > VSF_PROG_MAX_FD_SIZE)
		return false;
	for (size_t i = 0; i < n; i++)
		content[i] = (uint8_t)rnd(m);
	*op = (struct vsf_op){ .code = VSF_OP_FD };
	op->fd.handle = h;
	op->fd.kind = VSF_FD_MEMFD;
	op->fd.size = (uint32_t)size;
	op->fd.seals = PICK(m, seals);
	op->data = content;
	op->data_len = n;
	return true;
}

static bool set_one_handle(struct vsf_mutator *m, struct vsf_op *op, uint8_t h)
{
	uint8_t *p = arena_alloc(m, 1);

	if (!p)
		return false;
	*p = h;
	op->handles = p;
	op->nfds = 1;
	return true;
}

/* A live memfd handle of at least min_size bytes, or -1. */
static int find_memfd(struct vsf_mutator *m, const struct state *st, uint64_t min_size)
{
	unsigned start = (unsigned)below(m, VSF_PROG_MAX_HANDLES);

	for (unsigned i = 0; i < VSF_PROG_MAX_HANDLES; i++) {
		unsigned h = (start + i) % VSF_PROG_MAX_HANDLES;

		if (st->fd[h].live && st->fd[h].kind == VSF_FD_MEMFD && st->fd[h].size >= min_size)
			return (int)h;
	}
	return -1;
}

/*
 * A map into a configured region, with a live memfd large enough: the ops
 * that set those up first when the program has none (a config, an fd).
 * Sometimes the range overlaps a live mapping on purpose.
 */
static bool gen_map(struct vsf_mutator *m, size_t k)
{
	struct state st;
	struct vsf_op op = { .code = VSF_OP_MAP }, *slot;
	uint64_t size, pages, len, off;
	size_t i;
	int h;

	state_at(m, k, &st);
	if (!st.nregions) {
		if (!(slot = insert_at(m, k)) || !gen_config(m, slot))
			return false;
		k++;
		state_at(m, k, &st);
		if (!st.nregions)
			return false;
	}
	i = below(m, st.nregions);
	op.mmap.shmid = st.region[i].shmid;
	size = st.region[i].size;
	pages = size / m->page;
	len = page_multiple(m, pages < 4 ? pages : 4);
	off = m->page * below(m, pages - len / m->page + 1);
	if (st.nmaps && chance(m, 25)) { /* into a live mapping of the same region */
		for (i = 0; i < st.nmaps; i++)
			if (st.map[i].shmid == op.mmap.shmid && st.map[i].off + len <= size) {
				off = st.map[i].off + m->page * below(m, st.map[i].len / m->page);
				if (off + len > size)
					off = st.map[i].off;
				break;
			}
	}
	op.mmap.shm_offset = off;
	op.mmap.len = len;
	op.mmap.fd_offset = chance(m, 70) ? 0 : m->page;
	op.mmap.mflags = chance(m, 70) ? VSF_MMAP_F_RW : 0;
	op.mmap.hflags = VSF_FLAG_VERSION | (chance(m, 90) ? VSF_FLAG_NEED_REPLY : 0);
	h = find_memfd(m, &st, op.mmap.fd_offset + len);
	if (h < 0) {
		h = (int)below(m, VSF_PROG_MAX_HANDLES);
		if (!(slot = insert_at(m, k)) || !gen_fd(m, slot, (uint8_t)h, op.mmap.fd_offset + len))
			return false;
		k++;
	}
	if (!set_one_handle(m, &op, (uint8_t)h) || !(slot = insert_at(m, k)))
		return false;
	*slot = op;
	return true;
}

/* An unmap of a live mapping: exact, or off by a page at one end. */
static bool gen_unmap(struct vsf_mutator *m, size_t k)
{
	struct vsf_op *slot;
	struct state st;

	state_at(m, k, &st);
	if (!(slot = insert_at(m, k)))
		return false;
	*slot = (struct vsf_op){ .code = VSF_OP_UNMAP };
	slot->mmap.hflags = VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY;
	if (st.nmaps) {
		size_t i = below(m, st.nmaps);

		slot->mmap.shmid = st.map[i].shmid;
		slot->mmap.shm_offset = st.map[i].off;
		slot->mmap.len = st.map[i].len;
		switch (chance(m, 60) ? 0 : below(m, 3)) {
		case 1:
			slot->mmap.len -= slot->mmap.len > m->page ? m->page : 0;
			break;
		case 2:
			slot->mmap.len += m->page;
			break;
		default:
			break;
		}
	} else {
		slot->mmap.shm_offset = m->page * below(m, 4);
		slot->mmap.len = page_multiple(m, 2);
	}
	return true;
}

/* 0 (the call's usual errno) or another one it can fail with. */
static int random_errno(struct vsf_mutator *m, unsigned call)
{
	const int *list;
	size_t n = fault_errnos(call, &list);

	return n && chance(m, 50) ? list[below(m, n)] : 0;
}

/* The u64 a front-end reads in the answer to request: what it expects, or an edge. */
static uint64_t answer_value(struct vsf_mutator *m, uint32_t request)
{
	static const uint64_t counts[] = { 0, 1, 2, 8, 509, 0x10000, 0xffffffffull, -1ull };

	if (chance(m, 30))
		return PICK(m, counts);
	switch (request) {
	case VSF_REQ_GET_FEATURES:
		return (1ull << VSF_F_VERSION_1) | (1ull << VSF_F_PROTOCOL_FEATURES) |
		       (chance(m, 50) ? 1ull << below(m, 64) : 0);
	case VSF_REQ_GET_PROTOCOL_FEATURES:
		return VSF_PROTOCOL_FEATURES_OFFERED ^ (1ull << below(m, 21));
	case VHOST_REQ_GET_QUEUE_NUM:
	case VHOST_REQ_GET_MAX_MEM_SLOTS:
		return PICK(m, counts);
	default: /* an acknowledgement: success or failure */
		return chance(m, 50) ? 0 : 1;
	}
}

/* How the backend answers a request: mostly its value, else withheld or malformed once. */
static void gen_answer(struct vsf_mutator *m, struct vsf_op *op)
{
	static const uint8_t forms[] = { VSF_ANSWER_REPLY, VSF_ANSWER_REPLY, VSF_ANSWER_REPLY,
					 VSF_ANSWER_WITHHOLD, VSF_ANSWER_WITHHOLD, VSF_ANSWER_CUT,
					 VSF_ANSWER_ALWAYS };
	uint32_t req = known_request(m);

	*op = (struct vsf_op){ .code = VSF_OP_ANSWER };
	op->answer.request = req;
	op->answer.nth = (uint8_t)(chance(m, 60) ? 0 : 1 + below(m, 2));
	op->answer.form = PICK(m, forms);
	op->answer.value = answer_value(m, req);
	op->answer.id = op->answer.size = VSF_ANSWER_NATURAL;
	op->answer.offset = op->answer.csize = op->answer.cflags = VSF_ANSWER_NATURAL;
	op->answer.flags = VSF_REPLY_FLAGS;
	switch (op->answer.form == VSF_ANSWER_REPLY ? below(m, 6) : 0) {
	case 1:
		op->answer.id = known_request(m);
		break;
	case 2:
		op->answer.flags = PICK(m, ((const uint32_t[]){ 0, 1, 4, 0xd, 0x1005 }));
		break;
	case 3:
		op->answer.size = PICK(m, ((const uint32_t[]){ 0, 4, 7, 9, 16, 4096, 4097 }));
		break;
	default:
		break;
	}
}

/*
 * A short send's length: inside a header (12 bytes), at its end, inside a
 * reply (20 bytes) or a VhostUserMMap message (52), or one byte short of one.
 */
static uint64_t short_send_bytes(struct vsf_mutator *m)
{
	static const uint64_t lens[] = { 1, 2, 4, 11, 12, 13, 16, 19, 24, 51 };

	return PICK(m, lens);
}

/* One of the ops that change the session or the device around the messages. */
static bool gen_event(struct vsf_mutator *m, size_t k)
{
	static const enum vsf_op_code codes[] = { VSF_OP_RESET, VSF_OP_RESET, VSF_OP_CONNECT,
						  VSF_OP_ADD_REGION, VSF_OP_SHUTDOWN, VSF_OP_HANGUP,
						  VSF_OP_SESSION, VSF_OP_TRUNCATE, VSF_OP_FAULT,
						  VSF_OP_FAULT, VSF_OP_ANSWER, VSF_OP_WAIT };
	struct vsf_op *slot = insert_at(m, k);

	if (!slot)
		return false;
	slot->code = PICK(m, codes);
	if (slot->code == VSF_OP_FAULT) {
		/* One of the front-end's next calls fails, most often the very next. */
		slot->fault.call = (uint8_t)below(m, FAULT_CALL_COUNT);
		slot->fault.after = (uint8_t)(chance(m, 60) ? 0 : below(m, 4));
		slot->fault.err = (uint8_t)random_errno(m, slot->fault.call);
		if (slot->fault.call == FAULT_SENDMSG && chance(m, 50))
			slot->fault.short_bytes = (uint16_t)short_send_bytes(m);
	} else if (slot->code == VSF_OP_TRUNCATE) {
		/* Shrink (or grow) an fd made earlier, most likely one a map sent. */
		slot->fd.handle = (uint8_t)below(m, 4);
		slot->fd.size = chance(m, 50) ? 0 : (uint32_t)page_multiple(m, 4);
	} else if (slot->code == VSF_OP_ANSWER) {
		gen_answer(m, slot);
	} else if (slot->code == VSF_OP_WAIT) {
		slot->wait.request = known_request(m);
		slot->wait.nth = (uint8_t)(chance(m, 80) ? 1 : 2);
	} else if (slot->code == VSF_OP_ADD_REGION) {
		slot->add_region.shmid = (uint8_t)below(m, 8);
		slot->add_region.size = page_multiple(m, 8);
	} else if (slot->code == VSF_OP_SESSION) {
		slot->session.features = (1ull << VSF_F_VERSION_1) | (1ull << VSF_F_PROTOCOL_FEATURES);
		slot->session.protocol_features = VSF_PROTOCOL_FEATURES_OFFERED;
		if (chance(m, 70))
			slot->session.protocol_features &= ~(1ull << PICK(m, ((const int[]){
				VSF_PROTOCOL_F_REPLY_ACK, VSF_PROTOCOL_F_BACKEND_REQ,
				VSF_PROTOCOL_F_BACKEND_SEND_FD, VSF_PROTOCOL_F_SHMEM })));
	}
	return true;
}

static bool mut_insert(struct vsf_mutator *m)
{
	size_t k = below(m, m->nops + 1);

	switch (below(m, 10)) {
	case 0:
	case 1:
	case 2:
	case 3:
		return gen_map(m, k);
	case 4:
	case 5:
		return gen_unmap(m, k);
	case 6: {
		struct vsf_op *slot = insert_at(m, k);

		return slot && gen_config(m, slot);
	}
	case 7: {
		struct vsf_op *slot = insert_at(m, k);

		return slot && gen_fd(m, slot, (uint8_t)below(m, VSF_PROG_MAX_HANDLES),
				      page_multiple(m, 4));
	}
	default:
		return gen_event(m, k);
	}
}

/* ---- structural mutations ---- */

static bool mut_structure(struct vsf_mutator *m)
{
	size_t i, j;
	struct vsf_op tmp;

	if (!m->nops)
		return false;
	i = below(m, m->nops);
	switch (below(m, 4)) {
	case 0: /* delete */
		if (m->nops == 1)
			return false;
		remove_at(m, i);
		return true;
	case 1: /* duplicate, next to it or at the end */
		tmp = m->ops[i];
		j = chance(m, 50) ? i + 1 : m->nops;
		if (!insert_at(m, j))
			return false;
		m->ops[j] = tmp;
		return true;
	case 2: /* swap with the next */
		if (i + 1 >= m->nops)
			return false;
		tmp = m->ops[i];
		m->ops[i] = m->ops[i + 1];
		m->ops[i + 1] = tmp;
		return true;
	default: /* move */
		tmp = m->ops[i];
		remove_at(m, i);
		j = below(m, m->nops + 1);
		insert_at(m, j);
		m->ops[j] = tmp;
		return true;
	}
}

/* ---- fields ---- */

static void add_field(struct field *f, size_t *n, size_t max, void *p, uint8_t width, uint8_t role)
{
	if (*n < max)
		f[(*n)++] = (struct field){ p, width, role };
}

/* The fields of a raw message: its header, and a VhostUserMMap behind it. */
static void message_fields(struct vsf_op *op, struct field *f, size_t *n, size_t max)
{
	uint8_t *d = (uint8_t *)op->data;

	if (op->data_len >= VSF_HEADER_SIZE) {
		add_field(f, n, max, d, 4, OP_R_REQUEST);
		add_field(f, n, max, d + 4, 4, OP_R_HFLAGS);
		add_field(f, n, max, d + 8, 4, OP_R_PSIZE);
	}
	if (op->data_len >= OP_WIRE_MMAP_LEN) {
		add_field(f, n, max, d + 12, 1, OP_R_SHMID);
		add_field(f, n, max, d + 20, 8, OP_R_OFFSET);
		add_field(f, n, max, d + 28, 8, OP_R_OFFSET);
		add_field(f, n, max, d + 36, 8, OP_R_LEN);
		add_field(f, n, max, d + 44, 8, OP_R_MFLAGS);
	}
}

/*
 * The numeric fields of op in record order (op_table.h), the numbers inside
 * its config pairs and raw messages, then its fd handles.
 */
static size_t op_fields(struct vsf_op *op, struct field *f, size_t max)
{
	const struct op_desc *d = op_desc(op->code);
	size_t n = 0;

	for (size_t i = 0; d && i < d->nfields; i++) {
		const struct op_field *fl = &d->fields[i];

		if (fl->kind == OPF_NUM && fl->role != OP_R_NONE)
			add_field(f, &n, max, (uint8_t *)op + fl->mem, fl->width, fl->role);
		else if (fl->kind == OPF_PAIRS)
			for (size_t k = 0; k < op->config.npairs; k++) {
				uint8_t *q = (uint8_t *)op->config.pairs + k * VSF_PROG_PAIR_LEN;

				add_field(f, &n, max, q, 1, OP_R_SHMID);
				add_field(f, &n, max, q + 1, 8, OP_R_SIZE);
			}
		else if (fl->kind == OPF_DATA && fl->role == OP_R_MESSAGES)
			message_fields(op, f, &n, max);
	}
	for (size_t i = 0; i < op->nfds && op->handles; i++)
		add_field(f, &n, max, (uint8_t *)op->handles + i, 1, OP_R_HANDLE);
	return n;
}

/* A value some op of the program holds for a field like f (or its end). */
static bool pool_value(struct vsf_mutator *m, const struct field *want, uint64_t *v)
{
	struct field f[64];
	size_t tries = 8;

	while (tries--) {
		struct vsf_op *op = &m->ops[below(m, m->nops)];
		size_t n = op_fields(op, f, 64);
		const struct field *g;

		if (!n)
			continue;
		g = &f[below(m, n)];
		if (want->role == OP_R_SHMID || want->role == OP_R_HANDLE ?
			    g->role != want->role :
			    g->role != OP_R_OFFSET && g->role != OP_R_LEN && g->role != OP_R_SIZE)
			continue;
		*v = le_load(g->p, g->width);
		/* the end of a map or unmap: offset + len */
		if ((op->code == VSF_OP_MAP || op->code == VSF_OP_UNMAP) && g->role == OP_R_OFFSET &&
		    chance(m, 30))
			*v += op->mmap.len;
		return true;
	}
	return false;
}

static uint64_t interesting(struct vsf_mutator *m, struct vsf_op *op, const struct field *f)
{
	const uint64_t page = m->page;
	const uint64_t sizes[] = { 0, 1, page - 1, page, page + 1, 2 * page, 0x4000, 0x10000,
				   0x10000 - page, 0x10000 + page, -page, -1ull, 1ull << 63,
				   (1ull << 63) - page, 1ull << 32, VSF_PROG_MAX_FD_SIZE };
	const uint64_t hflags[] = { 0, 1, 2, 3, 5, 9, 0xd, 0x19, 0x80000009u, 0x109 };
	const uint64_t requests[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 44, 0x109 };
	const uint64_t psizes[] = { 0, 8, 39, 40, 41, 48, 2055, 2056, 2057, 4096, 4097, 0xffffffffu };
	const uint64_t counts[] = { 0, 1, 2, 255, 256, 257, 0xffffffffu, op->config.npairs,
				    op->config.npairs + 1, op->config.npairs - 1 };
	const uint64_t shmids[] = { 0, 1, 3, 5, 7, 254, 255 };
	const uint64_t bits_f[] = { 0, 9, VSF_F_PROTOCOL_FEATURES, VSF_F_VERSION_1, 63 };
	const uint64_t bits_p[] = { VSF_PROTOCOL_F_REPLY_ACK, VSF_PROTOCOL_F_BACKEND_REQ,
				    VSF_PROTOCOL_F_BACKEND_SEND_FD, VSF_PROTOCOL_F_SHMEM, 0, 63 };
	uint64_t cur = le_load(f->p, f->width);

	switch (f->role) {
	case OP_R_OFFSET:
	case OP_R_LEN:
		/* a value whose sum with its sibling wraps */
		if ((op->code == VSF_OP_MAP || op->code == VSF_OP_UNMAP) && chance(m, 25))
			return (f->p == (uint8_t *)&op->mmap.len ? -op->mmap.shm_offset
								 : -op->mmap.len) +
			       page * below(m, 3);
		/* fall through */
	case OP_R_SIZE:
		return PICK(m, sizes);
	case OP_R_SHMID:
		return PICK(m, shmids);
	case OP_R_HANDLE:
		return below(m, VSF_PROG_MAX_HANDLES + 2);
	case OP_R_HFLAGS:
		return chance(m, 70) ? PICK(m, hflags) : cur ^ (1ull << below(m, 32));
	case OP_R_MFLAGS:
		return chance(m, 50) ? cur ^ 1 : 1ull << below(m, 64);
	case OP_R_REQUEST:
		return PICK(m, requests);
	case OP_R_PSIZE:
		return PICK(m, psizes);
	case OP_R_COUNT:
		return PICK(m, counts);
	case OP_R_FEATURES:
		return cur ^ (1ull << PICK(m, bits_f));
	case OP_R_PROTOCOL:
		return cur ^ (1ull << PICK(m, bits_p));
	case OP_R_ACK:
		return cur ? 0 : 1;
	case OP_R_KIND:
		return below(m, VSF_FD_KIND_COUNT + 1);
	case OP_R_SEALS:
		return 1ull << below(m, 5);
	case OP_R_CALL:
		return below(m, FAULT_CALL_COUNT);
	case OP_R_AFTER:
		return chance(m, 50) ? 0 : below(m, 8);
	case OP_R_ERRNO:
		return (uint64_t)random_errno(m, op->fault.call);
	case OP_R_SHORT:
		return short_send_bytes(m);
	case OP_R_ANSWERED:
		return known_request(m);
	case OP_R_NTH:
		return below(m, 4);
	case OP_R_FORM:
		return below(m, VSF_ANSWER_FORM_COUNT + 1);
	case OP_R_VALUE:
		return answer_value(m, op->answer.request);
	default: /* OP_R_CHUNK */
		return PICK(m, ((const uint64_t[]){ 0, 1, 2, 3, 5, 12, 13, 40 }));
	}
}

/* A value of the mutator's own for f: from another op of the program (± a
 * page, ± a byte), an interesting value, or a nudge. */
static uint64_t own_value(struct vsf_mutator *m, struct vsf_op *op, const struct field *f)
{
	uint64_t v;

	switch (below(m, 10)) {
	case 0:
	case 1:
	case 2:
	case 3:
		if (!pool_value(m, f, &v))
			v = interesting(m, op, f);
		switch (below(m, 6)) {
		case 0:
			return v + m->page;
		case 1:
			return v - m->page;
		case 2:
			return v + (chance(m, 50) ? 1 : -1ull);
		default:
			return v;
		}
	case 4:
	case 5:
	case 6:
	case 7:
		return interesting(m, op, f);
	default:
		return le_load(f->p, f->width) + (chance(m, 50) ? m->page : -m->page);
	}
}

/* Set one field: now and then from the engine's source (the operands the
 * code compares against), else to a value of the mutator's own. */
static bool mut_field(struct vsf_mutator *m)
{
	struct field f[64];
	struct vsf_op *op;
	uint64_t v;
	size_t n;

	if (!m->nops)
		return false;
	op = &m->ops[below(m, m->nops)];
	n = op_fields(op, f, 64);
	if (!n)
		return false;
	f[0] = f[below(m, n)];
	if (m->field_source && below(m, VSF_FIELD_SOURCE_SHARE) == 0 &&
	    m->field_source(m->field_source_opaque, f[0].p, f[0].width))
		v = le_load(f[0].p, f[0].width);
	else
		v = own_value(m, op, &f[0]);
	if (f[0].role == OP_R_SIZE && op->code == VSF_OP_FD && v > VSF_PROG_MAX_FD_SIZE)
		v = VSF_PROG_MAX_FD_SIZE;
	le_store(f[0].p, f[0].width, v);
	return true;
}

/* ---- fds and raw messages ---- */

/* The fds a message carries: one more, one fewer, another one, or many. */
static bool mut_handles(struct vsf_mutator *m)
{
	struct vsf_op *op = &m->ops[below(m, m->nops)];
	size_t n;
	uint8_t *h;

	if (op->code != VSF_OP_SEND && op->code != VSF_OP_MAP && op->code != VSF_OP_UNMAP &&
	    op->code != VSF_OP_ANSWER)
		return false;
	switch (below(m, 3)) {
	case 0:
		n = op->nfds + 1;
		break;
	case 1:
		n = op->nfds ? op->nfds - 1u : 0;
		break;
	default:
		n = chance(m, 50) ? VSF_MAX_FDS + 1 : below(m, VSF_PROG_MAX_OP_FDS + 1);
		break;
	}
	h = NULL;
	if (n > VSF_PROG_MAX_OP_FDS || (n && !(h = arena_alloc(m, n))))
		return false;
	for (size_t i = 0; i < n; i++)
		h[i] = i < op->nfds ? op->handles[i] : (uint8_t)below(m, VSF_PROG_MAX_HANDLES);
	op->handles = h;
	op->nfds = (uint8_t)n;
	return true;
}

/*
 * A map or unmap becomes its raw bytes, half the time under another request
 * id (a request the front-end must refuse, with a map's payload and fds), or
 * a raw message's payload grows or shrinks.
 */
static bool mut_raw(struct vsf_mutator *m)
{
	static const uint32_t requests[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12 };
	struct vsf_op *op = &m->ops[below(m, m->nops)];
	uint8_t *d;
	size_t len;

	if (op->code == VSF_OP_MAP || op->code == VSF_OP_UNMAP) {
		if (!(d = arena_alloc(m, OP_WIRE_MMAP_LEN)))
			return false;
		op->data_len = op_wire_mmap(op, d);
		op->data = d;
		op->code = VSF_OP_SEND;
		if (chance(m, 50))
			le_store(d, 4, PICK(m, requests));
		return true;
	}
	if (op->code != VSF_OP_SEND)
		return false;
	if (chance(m, 30)) {
		op->chunk = (uint16_t)(1 + below(m, 16));
		return true;
	}
	len = op->data_len + (size_t)below(m, 17) - 8; /* wraps, so fails, below 0 */
	if (len > VSF_PROG_MAX_DATA || !(d = arena_alloc(m, len + 1)))
		return false;
	memset(d, 0, len + 1);
	if (op->data_len) /* an empty send has no data pointer */
		memcpy(d, op->data, len < op->data_len ? len : op->data_len);
	if (len >= VSF_HEADER_SIZE && chance(m, 70)) /* keep the header's size right */
		le_store(d + 8, 4, len - VSF_HEADER_SIZE);
	op->data = d;
	op->data_len = len;
	return true;
}

/* ---- driving ---- */

static bool mutate_once(struct vsf_mutator *m)
{
	switch (below(m, 20)) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		return mut_insert(m);
	case 6: case 7: case 8:
		return mut_structure(m);
	case 9: case 10: case 11: case 12: case 13: case 14: case 15:
		return m->nops && mut_field(m);
	case 16: case 17:
		return m->nops && mut_handles(m);
	default:
		return m->nops && mut_raw(m);
	}
}

struct vsf_mutator *vsf_mutator_new(void)
{
	struct vsf_mutator *m = calloc(1, sizeof(*m));

	if (m) {
		m->page = (uint64_t)sysconf(_SC_PAGESIZE);
		vsf_mutator_set_requests(m, NULL, 0);
	}
	return m;
}

void vsf_mutator_free(struct vsf_mutator *m)
{
	if (!m)
		return;
	free(m->arena);
	free(m->out.data);
	vsf_program_free(&m->input);
	vsf_program_free(&m->check);
	free(m);
}

const uint8_t *vsf_mutator_mutate(struct vsf_mutator *m, const uint8_t *data, size_t size,
				  size_t max_size, uint64_t seed, size_t *out_size)
{
	m->rng = seed;
	for (int t = 0; t < MUT_TRIES; t++) {
		size_t stack = 1 + below(m, MUT_MAX_STACK);
		bool changed = false;

		if (arena_reset(m, size) < 0 || load(m, data, size, m->ops, &m->nops) < 0)
			break;
		while (stack--)
			changed |= mutate_once(m);
		if (changed && emit(m, max_size) && !same_bytes(m, data, size)) {
			*out_size = m->out.len;
			return m->out.data;
		}
	}
	*out_size = size;
	return data;
}

const uint8_t *vsf_mutator_crossover(struct vsf_mutator *m, const uint8_t *a, size_t a_size,
				     const uint8_t *b, size_t b_size, size_t max_size,
				     uint64_t seed, size_t *out_size)
{
	struct vsf_op *theirs = m->theirs;
	size_t ntheirs, from, count, at;

	m->rng = seed;
	for (int t = 0; t < MUT_TRIES; t++) {
		/* Both programs' variable parts live in the arena side by side. */
		if (arena_reset(m, a_size + b_size) < 0 || load(m, b, b_size, theirs, &ntheirs) < 0 ||
		    load(m, a, a_size, m->ops, &m->nops) < 0 || !ntheirs)
			break;
		from = below(m, ntheirs);
		count = 1 + below(m, ntheirs - from);
		if (count > MUT_MAX_OPS - m->nops)
			count = MUT_MAX_OPS - m->nops;
		at = below(m, m->nops + 1);
		memmove(&m->ops[at + count], &m->ops[at], (m->nops - at) * sizeof(m->ops[0]));
		memcpy(&m->ops[at], &theirs[from], count * sizeof(m->ops[0]));
		m->nops += count;
		if (count && emit(m, max_size) && !same_bytes(m, a, a_size)) {
			*out_size = m->out.len;
			return m->out.data;
		}
	}
	*out_size = a_size;
	return a;
}
