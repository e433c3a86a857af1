/* SPDX-License-Identifier: MIT */
/*
 * The executor (harness.h): runs a program's ops against a fresh front-end
 * (or the one kept across inputs, harness_keep.h), playing the backend over
 * real socketpairs (what it offers: harness_offer.h). For each backend
 * message it sends the bytes, lets the front-end handle them, collects what
 * came back, and compares with the model through the oracle families
 * (oracle_*.h), which hold the checks and name them in reports.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend_peer.h"
#include "fault.h"
#include "fd_pool.h"
#include "fd_table.h"
#include "harness_error.h"
#include "harness_keep.h"
#include "harness_offer.h"
#include "op_wire.h"
#include "oracle_commit_order.h"
#include "oracle_liveness.h"
#include "oracle_memory_truth.h"
#include "oracle_reply_protocol.h"
#include "oracle_resources.h"
#include "oracle_shadow_model.h"
#include "oracle_verdict.h"
#include "oracle_wire_codec.h"
#include "oracles.h"
#include "peer_io.h"
#include "program.h"
#include "shadow_model.h"
#include "vhost_shmem.h"
#include "wire.h"

#define MAX_REPLY_BYTES 4096

unsigned long long vsf_harness_messages;
unsigned long long vsf_harness_not_applicable;
static unsigned long long harness_execs;
static uint64_t last_digest;

/*
 * With VSF_STATS_FILE set, append "<inputs> <messages>" at exit, so that a
 * benchmark can turn an engine's exec/s into messages/s (scripts/bench-fuzz.sh).
 */
__attribute__((destructor)) static void write_stats(void)
{
	const char *path = getenv("VSF_STATS_FILE");
	FILE *fp;

	if (!path || !harness_execs || !(fp = fopen(path, "a")))
		return;
	fprintf(fp, "%llu %llu\n", harness_execs, vsf_harness_messages);
	fclose(fp);
}

/*
 * Probed before main(), like the probes' own set-up (a lazy probe would take
 * a branch in the first input only, which AFL++ counts as instability).
 */
static bool write_sealed_maps_ro;
/* Memfds kept across inputs (fd_pool.h): their content is written once. */
static struct fd_pool fd_pool;
/* Each input's program, decoded into the same ops array (vsf_program_redecode). */
static struct vsf_program input_program;
/*
 * Ops of the longest input libFuzzer makes unless told otherwise (-max_len
 * 4096): a record is at least its marker and opcode. Reserved before main(),
 * so that an input's run allocates as much as it frees (libFuzzer runs an
 * input again under a leak check when it does not).
 */
#define INPUT_OPS_RESERVED (4096 / (VSF_PROG_MAGIC_LEN + 1) + 1)

__attribute__((constructor)) static void probe_kernel(void)
{
	write_sealed_maps_ro = fd_probe_write_sealed_ro_mmap();
	fd_pool_init(&fd_pool);
	if (vsf_program_reserve(&input_program, INPUT_OPS_RESERVED) < 0)
		harness_setup_failed("program ops");
}

struct run {
	enum vsf_harness_kind kind;
	struct oracle_where where;
	struct vsf_frontend *fe;
	struct shadow_model model;
	struct fd_table fds;
	int peer;          /* the backend's end of the backend channel */
	int fe_chan[2];    /* session harness: front-end channel, [1] is the backend's */
	bool connected;
	struct keep_use keep;  /* its part in the front-end kept across inputs */
	unsigned connects;     /* of VSF_PROG_MAX_CONNECTS */
	size_t send_left;      /* of VSF_PROG_MAX_SEND_BYTES */
	bool op_sent_opath;    /* the current op passed an O_PATH fd to the front-end */
	unsigned long file_maps_at_start; /* fault_file_maps_made() then */
	uint64_t digest; /* FNV-1a of what the front-end did (vsf_harness_last_digest) */
	/* What the backend answers (session and config ops). */
	struct backend_offer offer;
	/* The oracles' state for this input. */
	struct liveness liveness;
	struct memory_truth memory;
	struct resources resources;
};

static const char *harness_name(enum vsf_harness_kind kind)
{
	return kind == VSF_HARNESS_BACKEND_CHANNEL ? "fuzz_backend_channel"
						   : "fuzz_frontend_session";
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- the run's digest ---- */

#define FNV_OFFSET_BASIS 0xcbf29ce484222325ull
#define FNV_PRIME        0x100000001b3ull

static void digest_bytes(struct run *r, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++)
		r->digest = (r->digest ^ p[i]) * FNV_PRIME;
}

static void digest_u64(struct run *r, uint64_t v)
{
	uint8_t le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	digest_bytes(r, le, sizeof(le));
}

uint64_t vsf_harness_last_digest(void)
{
	return last_digest;
}

/* ---- I/O as the backend (scenario/peer_io.c, independent of src/channel.c) ---- */

/* Write bytes in chunks of `chunk` (0: at once), fds with the first chunk. */
static void peer_write(int sock, const uint8_t *bytes, size_t len, size_t chunk, const int *fds,
		       size_t nfds)
{
	int ret = peer_io_send(sock, bytes, len, chunk, fds, nfds, 0);

	if (ret < 0) {
		errno = -ret;
		harness_setup_failed("harness sendmsg");
	}
}

/* ---- what the oracles are given ---- */

/* Region bases for the memory truth: the front-end's, which the model has. */
static void *frontend_region_base(void *opaque, uint8_t shmid)
{
	struct run *r = opaque;

	return shadow_region_base(&r->where, r->fe, shmid);
}

/* The fds the executor holds beside the table's, for the resources oracle. */
static void check_fds(struct run *r)
{
	const int held[] = { r->peer, r->fe_chan[0], r->fe_chan[1], vsf_frontend_backend_fd(r->fe) };

	resources_check_op(&r->resources, &r->fds, held, 4, r->op_sent_opath);
}

/* The fault that fired in the front-end call just made, if it changes anything. */
static bool took_fault(struct fault_event *ev)
{
	return fault_take_fired(ev) && model_fault_matters(ev);
}

/* ---- connecting ---- */

static void config_sizes(const struct run *r, uint64_t sizes[VSF_MAX_SHMEM_REGIONS])
{
	memcpy(sizes, r->offer.cfg_sizes, sizeof(r->offer.cfg_sizes));
}

/* Write what the backend answers to the nth request of this id, before the front-end asks. */
static void write_answer(const struct run *r, uint32_t request, bool need_reply, bool after_owner,
			 unsigned nth)
{
	static uint8_t buf[BACKEND_PEER_ANSWER_MAX];
	size_t len = backend_reply_bytes(&r->offer, request, need_reply, after_owner, nth, buf);

	peer_write(r->fe_chan[1], buf, len, 0, NULL, 0);
}

/*
 * One thread plays both sides: the backend's answers are written up front,
 * one for each question the model says the front-end asks (a front-end
 * that asks something else reads a wrong answer and fails).
 */
static void write_answers(const struct run *r, const struct model_session *s)
{
	write_answer(r, VSF_REQ_GET_FEATURES, false, false, 1);
	if (s->sends_protocol)
		write_answer(r, VSF_REQ_GET_PROTOCOL_FEATURES, false, false, 1);
	if (s->expects_ack)
		write_answer(r, VSF_REQ_SET_BACKEND_REQ_FD, true, false, 1);
	if (s->sends_owner)
		write_answer(r, VSF_REQ_GET_FEATURES, false, true, 2);
	if (s->sends_config)
		write_answer(r, VSF_REQ_GET_SHMEM_CONFIG, false, true, 1);
}

static void connect_session(struct run *r)
{
	static uint8_t buf[4096];
	uint64_t sizes[VSF_MAX_SHMEM_REGIONS];
	struct model_session s;
	struct fault_event ev;
	struct request_reader rd = { .p = buf };
	struct last_error_before error_before;
	int fds[16];
	size_t nfds;
	bool cfg_header_ok = r->offer.cfg_request == VSF_REQ_GET_SHMEM_CONFIG &&
			     r->offer.cfg_flags == VSF_REPLY_FLAGS && r->offer.cfg_size == VSF_CONFIG_PAYLOAD_SIZE;
	int ret;

	config_sizes(r, sizes);
	model_negotiate(&r->model,
			offer_answered(&r->offer, VSF_REQ_GET_FEATURES, 1, r->offer.features),
			offer_answered(&r->offer, VSF_REQ_GET_PROTOCOL_FEATURES, 1,
				       r->offer.protocol_features),
			VSF_HARNESS_DEVICE_FEATURES,
			offer_answered(&r->offer, VSF_REQ_SET_BACKEND_REQ_FD, 1, r->offer.ack),
			cfg_header_ok, r->offer.cfg_nregions, sizes, &s);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, r->fe_chan) < 0)
		harness_setup_failed("socketpair");
	write_answers(r, &s);

	verdict_note_last_error(&error_before, r->fe);
	ret = vsf_frontend_connect(r->fe, r->fe_chan[0]);
	digest_u64(r, (uint64_t)ret);
	if (!ret)
		verdict_check_last_error_kept(&r->where, r->fe, &error_before, "connect");
	/* A failed call ends the negotiation where it failed, after any request. */
	rd.may_end = took_fault(&ev);
	shadow_check_connect(&r->where, r->fe, &s, ret, rd.may_end ? &ev : NULL);
	s.ok &= !rd.may_end;

	/* The requests the front-end sent, in order. */
	rd.end = buf + peer_io_read_pending(r->fe_chan[1], buf, sizeof(buf), fds, 16, &nfds);
	reply_protocol_check_requests(&r->where, &rd, &s, nfds);

	if (s.ok) {
		model_attach(&r->model, s.negotiated, s.sends_backend_fd);
		if (r->model.shmem)
			model_configure(&r->model, r->offer.cfg_nregions, sizes);
		r->peer = s.sends_backend_fd ? fds[0] : -1;
	} else {
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
	}
}

/* What attach returned, as the model and the digest take it. */
static void attached(struct run *r, int ret, uint64_t pf)
{
	digest_u64(r, (uint64_t)ret);
	shadow_check_attach(&r->where, ret);
	model_attach(&r->model, pf, true);
}

/* What configure returned; faulted: the fault that fired in it, if any. */
static void configured(struct run *r, int ret, const struct fault_event *faulted)
{
	uint64_t sizes[VSF_MAX_SHMEM_REGIONS];
	bool ok;

	config_sizes(r, sizes);
	digest_u64(r, (uint64_t)ret);
	/* A failed reservation leaves no region: the model only asks if the config was valid. */
	ok = faulted ? model_config_valid(&r->model, r->offer.cfg_nregions, sizes)
		     : model_configure(&r->model, r->offer.cfg_nregions, sizes);
	shadow_check_configure(&r->where, r->fe, ret, ok, faulted);
}

static void connect_attached(struct run *r)
{
	uint64_t sizes[VSF_MAX_SHMEM_REGIONS];
	uint64_t pf = offer_protocol_features(&r->offer);
	struct last_error_before error_before;
	struct fault_event ev;
	bool faulted;
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		harness_setup_failed("socketpair");
	verdict_note_last_error(&error_before, r->fe);
	ret = vsf_frontend_attach(r->fe, sv[0], pf);
	r->peer = sv[1];
	if (!ret)
		verdict_check_last_error_kept(&r->where, r->fe, &error_before, "attach");
	attached(r, ret, pf);
	keep_attached(&r->keep, &r->offer, ret);
	if (!r->model.shmem)
		return;
	config_sizes(r, sizes);
	verdict_note_last_error(&error_before, r->fe);
	ret = vsf_frontend_configure(r->fe, r->offer.cfg_nregions, sizes);
	faulted = took_fault(&ev);
	if (!ret)
		verdict_check_last_error_kept(&r->where, r->fe, &error_before, "configure");
	configured(r, ret, faulted ? &ev : NULL);
	keep_configured(&r->keep, ret, faulted);
}

/* The kept front-end, attached and configured with the offer the input makes. */
static void adopt_kept(struct run *r)
{
	const struct kept_frontend *k = keep_adopt(&r->keep);

	r->peer = k->peer; /* r->fe already is k->fe */
	attached(r, k->attach_ret, offer_protocol_features(&r->offer));
	if (r->model.shmem)
		configured(r, k->configure_ret, NULL);
}

static void do_connect(struct run *r)
{
	struct fault_event ev;

	r->connects++;
	if (!r->keep.take) {
		vsf_frontend_disconnect(r->fe);
		if (took_fault(&ev)) /* munmap and close only, which matter not */
			shadow_fault_unexpected(&r->where, &ev, "in disconnect");
	}
	model_disconnect(&r->model);
	close_fd(&r->peer);
	close_fd(&r->fe_chan[0]);
	close_fd(&r->fe_chan[1]);
	if (r->keep.take)
		adopt_kept(r);
	else if (r->kind == VSF_HARNESS_BACKEND_CHANNEL)
		connect_attached(r);
	else
		connect_session(r);
	keep_connected(&r->keep, r->model.region_size);
	commit_order_watch(r->fe, r->peer, &r->where);
	r->connected = true;
	shadow_check_regions(&r->where, r->fe, &r->model);
	memory_truth_check_region_edges(&r->memory);
}

/* ---- backend messages: send, handle, compare ---- */

/* Bytes sent to the front-end, with the fds that went with their first chunk. */
struct sent {
	const uint8_t *bytes;
	size_t len;
	struct fd_desc fds[VSF_PROG_MAX_OP_FDS];
	size_t nfds;
};

/* One message handled: what the front-end and the model say of it. */
struct handled {
	int ret;
	struct vsf_verdict v;
	struct fault_event ev;
	bool faulted;
	struct model_verdict mv;
};

/*
 * Send the bytes on the backend channel, connecting first if no op did;
 * false if there is nothing to handle (over the input's budget, or no
 * channel).
 */
static bool send_bytes(struct run *r, struct sent *s, size_t chunk, const uint8_t *handles,
		       size_t nhandles)
{
	int fds[VSF_PROG_MAX_OP_FDS];

	if (s->len > r->send_left)
		return false; /* past the input's budget: skipped */
	r->send_left -= s->len;
	if (!r->connected)
		do_connect(r);
	shadow_check_channel(&r->where, r->fe, &r->model);
	if (!r->model.channel_open || !s->len)
		return false;
	s->nfds = 0;
	for (size_t i = 0; i < nhandles; i++) {
		const struct fd_resource *res = fd_table_get(&r->fds, handles[i]);

		if (!res)
			continue;
		fds[s->nfds] = res->fd;
		s->fds[s->nfds++] = res->desc;
		r->op_sent_opath |= res->desc.kind == VSF_FD_OPATH;
	}
	peer_write(r->peer, s->bytes, s->len, chunk, fds, s->nfds);
	return true;
}

/* The front-end handles the message at off (the k-th), in bounded time. */
static void handle(struct run *r, const struct sent *s, size_t off, size_t k, struct handled *h)
{
	struct last_error_before before;
	uint64_t t0;

	/* Reports from here on (the commit hook included) name this message. */
	r->where.msg = off < s->len ? s->bytes + off : NULL;
	r->where.msg_len = s->len - off;
	r->where.msg_index = k;
	memset(&h->v, 0, sizeof(h->v)); /* not filled when framing is lost */
	verdict_note_last_error(&before, r->fe);
	t0 = liveness_now();
	h->ret = vsf_frontend_handle_backend(r->fe, &h->v);
	liveness_check(&r->where, &r->liveness, t0);
	if (h->ret == -EAGAIN || (h->ret == 0 && h->v.result == 0))
		verdict_check_last_error_kept(&r->where, r->fe, &before, "handling a message");
	h->faulted = took_fault(&h->ev);

	digest_u64(r, (uint64_t)h->ret);
	digest_u64(r, h->v.request);
	digest_u64(r, (uint64_t)h->v.result);
	digest_u64(r, h->v.replied);
}

/* The replies that arrived for one message (n bytes into buf), against the model's verdict. */
static size_t collect_replies(struct run *r, const struct model_verdict *mv,
			      uint8_t buf[MAX_REPLY_BYTES])
{
	size_t n = peer_io_read_written(r->peer, buf, MAX_REPLY_BYTES);

	digest_u64(r, n);
	digest_bytes(r, buf, n);
	reply_protocol_check_replies(&r->where, mv, buf, n);
	return n;
}

/*
 * The model's prediction for the message at off against what the front-end
 * did: its verdict, replies, mapping table and memory. False when the
 * channel is done with (no message left, or it closed).
 */
static bool compare(struct run *r, const struct sent *s, size_t off, struct handled *h)
{
	const struct model_verdict *mv = &h->mv;
	const struct fault_event *ev = h->faulted ? &h->ev : NULL;
	uint8_t reply[MAX_REPLY_BYTES];
	size_t n;

	if (off == s->len) {
		shadow_check_idle(&r->where, r->fe, h->ret, ev);
		r->model.channel_open &= !h->faulted;
		return false;
	}
	model_message(&r->model, s->bytes + off, s->len - off, off ? NULL : s->fds,
		      off ? 0 : s->nfds, ev, &h->mv);
	vsf_harness_messages++;
	shadow_check_message(&r->where, r->fe, mv, h->ret, &h->v, ev);
	if (mv->io_failed)
		collect_replies(r, mv, reply);
	if (mv->io_failed || !mv->framed)
		return false;
	n = collect_replies(r, mv, reply);
	verdict_check(&r->where, r->fe, &h->v, off ? 0 : s->nfds, reply, n);
	shadow_check_mappings(&r->where, r->fe, &r->model);
	/* The full sweep is at the end of the input; here, what just changed:
	 * an unmap's range is free, a map's mapped, unless the commit failed. */
	if (mv->accepted && (mv->request == VSF_BACKEND_SHMEM_UNMAP) != mv->commit_fails)
		memory_truth_check_gone(&r->memory, &mv->change);
	else if (mv->accepted)
		memory_truth_check_mapping(&r->memory, &mv->change);
	if (mv->channel_closes)
		shadow_check_closed(&r->where, r->fe,
				    mv->commit_fails ? "the commit failed" : "reply undeliverable");
	return !mv->channel_closes;
}

/* Deliver bytes (with fds on the first chunk) and check every message in them. */
static void deliver(struct run *r, const uint8_t *bytes, size_t len, size_t chunk,
		    const uint8_t *handles, size_t nhandles)
{
	struct sent s = { .bytes = bytes, .len = len };
	struct handled h;

	if (!send_bytes(r, &s, chunk, handles, nhandles))
		return;
	for (size_t k = 0, off = 0;; k++, off += h.mv.consumed) {
		handle(r, &s, off, k, &h);
		if (!compare(r, &s, off, &h))
			break;
	}
	r->where.msg = NULL;
}

/* ---- the other ops ---- */

static void do_mmap_op(struct run *r, const struct vsf_op *op)
{
	uint8_t msg[OP_WIRE_MMAP_LEN];
	size_t len = op_wire_mmap(op, msg);

	wire_codec_check_mmap(&r->where, op, msg);
	deliver(r, msg, len, op->chunk, op->handles, op->nfds);
}

static void do_reset(struct run *r)
{
	struct model_mapping gone[MODEL_MAX_MAPPINGS];
	size_t n = r->model.nmaps;
	struct fault_event ev;

	memcpy(gone, r->model.maps, n * sizeof(gone[0]));
	vsf_frontend_reset(r->fe);
	if (!took_fault(&ev)) {
		model_reset(&r->model);
	} else {
		/* The reservation could not be put back over one mapping: it stays. */
		const struct model_mapping *stuck = NULL;

		for (size_t i = 0; i < n && ev.call == FAULT_MMAP; i++)
			if (memory_truth_addr(&r->memory, gone[i].shmid, gone[i].shm_offset) == ev.addr)
				stuck = &gone[i];
		if (!stuck)
			shadow_fault_unexpected(&r->where, &ev, "in reset, not at a mapping");
		model_reset_except(&r->model, stuck->shmid, stuck->shm_offset);
	}
	shadow_check_mappings(&r->where, r->fe, &r->model);
	for (size_t i = 0; i < n; i++)
		if (r->model.nmaps && gone[i].shmid == r->model.maps[0].shmid &&
		    gone[i].shm_offset == r->model.maps[0].shm_offset)
			memory_truth_check_mapping(&r->memory, &gone[i]);
		else
			memory_truth_check_gone(&r->memory, &gone[i]);
}

/* The backend ends its stream: the front-end must see a clean end and close. */
static void do_hangup(struct run *r)
{
	struct vsf_verdict v;
	struct fault_event ev;
	uint64_t t0;
	int ret;

	if (!r->model.channel_open)
		return;
	if (shutdown(r->peer, SHUT_WR) < 0)
		harness_setup_failed("shutdown");
	t0 = liveness_now();
	ret = vsf_frontend_handle_backend(r->fe, &v);
	liveness_check(&r->where, &r->liveness, t0);
	digest_u64(r, (uint64_t)ret);
	r->model.channel_open = false;
	shadow_check_hangup(&r->where, r->fe, ret, took_fault(&ev) ? &ev : NULL);
}

static void do_add_region(struct run *r, const struct vsf_op *op)
{
	struct last_error_before error_before;
	struct shadow_model before = r->model;
	struct fault_event ev;
	bool ok, faulted;
	int ret;

	verdict_note_last_error(&error_before, r->fe);
	ret = vsf_frontend_add_region(r->fe, op->add_region.shmid, op->add_region.size);
	ok = model_add_region(&r->model, op->add_region.shmid, op->add_region.size);
	faulted = took_fault(&ev);

	digest_u64(r, (uint64_t)ret);
	if (!ret)
		verdict_check_last_error_kept(&r->where, r->fe, &error_before, "add_region");
	if (faulted) /* the reservation failed: no region */
		r->model = before;
	shadow_check_add_region(&r->where, op->add_region.shmid, op->add_region.size, ret, ok,
				faulted ? &ev : NULL);
	shadow_check_regions(&r->where, r->fe, &r->model);
	shadow_check_mappings(&r->where, r->fe, &r->model);
	memory_truth_check_all(&r->memory);
	memory_truth_check_region_edges(&r->memory);
}

static void execute(struct run *r, const struct vsf_op *op)
{
	switch (op->code) {
	case VSF_OP_FD:
		fd_table_create(&r->fds, op);
		break;
	case VSF_OP_SESSION:
		offer_set_session(&r->offer, op);
		break;
	case VSF_OP_CONFIG:
		backend_offer_set_config(&r->offer, op);
		break;
	case VSF_OP_CONNECT:
		if (r->connects < VSF_PROG_MAX_CONNECTS)
			do_connect(r);
		break;
	case VSF_OP_RESET:
		do_reset(r);
		break;
	case VSF_OP_ADD_REGION:
		do_add_region(r, op);
		break;
	case VSF_OP_SHUTDOWN:
		if (r->peer >= 0 && !r->model.peer_read_shut) {
			if (shutdown(r->peer, SHUT_RD) < 0)
				harness_setup_failed("shutdown");
			r->model.peer_read_shut = true;
		}
		break;
	case VSF_OP_HANGUP:
		do_hangup(r);
		break;
	case VSF_OP_SEND:
		deliver(r, op->data, op->data_len, op->chunk, op->handles, op->nfds);
		break;
	case VSF_OP_MAP:
	case VSF_OP_UNMAP:
		do_mmap_op(r, op);
		break;
	case VSF_OP_TRUNCATE:
		if (fd_table_truncate(&r->fds, op)) {
			r->memory.files_resized = true;
			commit_order_files_resized();
		}
		break;
	case VSF_OP_FAULT:
		if (op->fault.short_bytes && op->fault.call == FAULT_SENDMSG)
			fault_arm_short_send(op->fault.after, op->fault.short_bytes);
		else
			fault_arm(op->fault.call, op->fault.after, op->fault.err);
		break;
	case VSF_OP_ANSWER:
		if (!offer_set_answer(&r->offer, r->kind, op))
			vsf_harness_not_applicable++;
		break;
	case VSF_OP_WAIT: /* our front-end sends nothing but its negotiation */
		break;
	case VSF_OP_BYTES:
		break;
	}
}

/*
 * Ops that call into the front-end; the others only change what the backend
 * will do or hold (fds, offers, faults), and a leak they could hide is
 * counted at the next op that does.
 */
static bool op_enters_frontend(enum vsf_op_code code)
{
	switch (code) {
	case VSF_OP_CONNECT:
	case VSF_OP_RESET:
	case VSF_OP_ADD_REGION:
	case VSF_OP_SEND:
	case VSF_OP_MAP:
	case VSF_OP_UNMAP:
	case VSF_OP_HANGUP:
		return true;
	default:
		return false;
	}
}

/* ---- an input from start to teardown ---- */

static void drop_log_line(void *opaque, enum vsf_log_level level, const char *msg)
{
	(void)opaque;
	(void)level;
	(void)msg;
}

/* A front-end with the options the harness gives it. */
static struct vsf_frontend *new_frontend(enum vsf_harness_kind kind)
{
	struct vsf_frontend *fe;
	struct vsf_options opts;

	vsf_options_default(&opts);
	opts.max_mappings = VSF_HARNESS_MAX_MAPPINGS;
	opts.max_reserved_bytes = VSF_HARNESS_MAX_RESERVED;
	opts.io_timeout_ms = 0; /* everything was written before it is read */
	opts.device_features = VSF_HARNESS_DEVICE_FEATURES;
	/* As vhost-shmem-frontend runs it: the session harness requires fds
	 * sealed against shrinking; the backend-channel harness maps any. */
	opts.require_shrink_seal = kind == VSF_HARNESS_FRONTEND_SESSION;
	if (vsf_frontend_new(&opts, &fe) < 0)
		harness_setup_failed("vsf_frontend_new");
	/* A log that drops every line: the front-end's log formatting runs too. */
	vsf_frontend_set_log(fe, drop_log_line, NULL);
	return fe;
}

/* ---- the front-end kept across inputs (harness_keep.h) ---- */

/* Made with the options above, by harness_keep.c, which keeps it. */
void vsf_harness_keep_frontend(enum vsf_harness_kind kind)
{
	if (kind == VSF_HARNESS_BACKEND_CHANNEL)
		keep_start(new_frontend);
}

/* ---- an input from start to teardown ---- */

static void run_init(struct run *r, enum vsf_harness_kind kind, const struct vsf_program *program)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->where.harness = harness_name(kind);
	r->peer = r->fe_chan[0] = r->fe_chan[1] = -1;
	resources_begin(&r->resources, &r->where);
	r->digest = FNV_OFFSET_BASIS;
	r->send_left = VSF_PROG_MAX_SEND_BYTES;
	liveness_start(&r->liveness, 0);
	r->file_maps_at_start = fault_file_maps_made();
	r->fe = keep_take(&r->keep, kind, program, &r->resources);
	if (!r->fe)
		r->fe = new_frontend(kind);
	model_init(&r->model, VSF_HARNESS_MAX_MAPPINGS, VSF_HARNESS_MAX_RESERVED,
		   (uint64_t)sysconf(_SC_PAGESIZE));
	r->model.write_sealed_maps_ro = write_sealed_maps_ro;
	r->model.require_shrink_seal = kind == VSF_HARNESS_FRONTEND_SESSION;
	fd_table_init(&r->fds, &fd_pool, true);
	r->memory = (struct memory_truth){ .where = &r->where, .region_base = frontend_region_base,
					   .opaque = r, .model = &r->model, .fds = &r->fds };
	/* A backend that offers everything and declares no region, until told otherwise. */
	backend_offer_init(&r->offer);
}

/*
 * Teardown: nothing of the front-end may remain but a kept front-end's
 * reservations and sockets, and the harness's fds are intact.
 */
static void run_finish(struct run *r)
{
	struct vsf_region_info regions[VSF_MAX_SHMEM_REGIONS];
	size_t nregions = 0;
	struct fd_bits pooled = { { 0 } }, evicted = { { 0 } };
	bool made_opath, keep;

	r->where.op_name = "teardown";
	memory_truth_check_all(&r->memory);
	memory_truth_check_region_edges(&r->memory);
	resources_check_table_intact(&r->resources, &r->fds);
	keep = keep_put_back(&r->keep, r->fe, &r->peer, &r->model, &r->memory, &r->where);
	if (!keep) {
		for (int id = 0; id < VSF_MAX_SHMEM_REGIONS; id++)
			if (vsf_frontend_region(r->fe, (uint8_t)id, &regions[nregions]))
				nregions++;
		vsf_frontend_free(r->fe);
		resources_check_regions_gone(&r->resources, regions, nregions);
	}
	r->fe = NULL;
	close_fd(&r->peer);
	close_fd(&r->fe_chan[0]);
	close_fd(&r->fe_chan[1]);
	made_opath = r->fds.made_opath;
	fd_table_close_all(&r->fds, &pooled, &evicted);
	if (keep) /* open after teardown, as the pool's are */
		keep_mark_sockets(&r->keep, &pooled);
	resources_check_fds_as_before(&r->resources, made_opath, &pooled, &evicted);
	resources_check_no_memfd_mapping(&r->resources, r->file_maps_at_start);
}

void vsf_harness_run(enum vsf_harness_kind kind, const uint8_t *data, size_t size)
{
	last_digest = 0;
	if (vsf_program_redecode(data, size, &input_program) < 0)
		return; /* out of memory: nothing to run */
	vsf_harness_run_program(kind, &input_program);
}

void vsf_harness_run_program(enum vsf_harness_kind kind, const struct vsf_program *program)
{
	struct run r;
	struct fault_event ev;
	size_t executed = 0;

	last_digest = 0;
	fault_disarm();
	run_init(&r, kind, program);
	oracle_enter(&r.where);
	for (size_t i = 0; i < program->nops && executed < VSF_PROG_MAX_OPS; i++) {
		const struct vsf_op *op = &program->ops[i];

		if (op->code == VSF_OP_BYTES)
			continue;
		r.where.op_index = i;
		r.where.op_name = vsf_op_name(op->code);
		r.op_sent_opath = false;
		execute(&r, op);
		if (took_fault(&ev)) /* one the op did not take */
			shadow_fault_unexpected(&r.where, &ev, "in this op");
		if (r.fe) { /* fe is only NULL after teardown */
			if (op_enters_frontend(op->code))
				check_fds(&r);
			digest_u64(&r, vsf_frontend_mapping_count(r.fe));
		}
		executed++;
	}
	r.where.op_index = program->nops;
	fault_disarm();
	commit_order_unwatch();
	run_finish(&r);
	resources_end(&r.resources);
	keep_renew(); /* the next kept front-end, if the input freed it */
	oracle_leave();
	last_digest = r.digest;
	harness_execs++;
}
