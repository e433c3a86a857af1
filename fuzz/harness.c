/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend_peer.h"
#include "oracle_commit_order.h"
#include "fault.h"
#include "fd_pool.h"
#include "fd_table.h"
#include "harness_error.h"
#include "op_wire.h"
#include "oracles.h"
#include "peer_io.h"
#include "program.h"
#include "shadow_model.h"
#include "vhost_shmem.h"
#include "wire.h"

/*
 * One message may take this much of the thread's CPU time (a loop), and five
 * times as much wall time (a wait it should not make). Wall time alone
 * counts a loaded machine's scheduling delays as the front-end's. Only the
 * wall clock (no system call) is read per message; past the limit, the CPU
 * time the whole input has used so far bounds the message's.
 */
#define LIVENESS_LIMIT_NS (1000ull * 1000 * 1000)
#define PROBE_BYTES 64                             /* compared per probed page */
#define MAX_REPLY_BYTES 4096

unsigned long long vsf_harness_messages;
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
 * Probed before main(), like oracles.c's probe pipe (a lazy probe would take
 * a branch in the first input only, which AFL++ counts as instability).
 */
static bool write_sealed_maps_ro;
/* Memfds kept across inputs (fd_pool.h): their content is written once. */
static struct fd_pool fd_pool;

__attribute__((constructor)) static void probe_kernel(void)
{
	write_sealed_maps_ro = fd_probe_write_sealed_ro_mmap();
	fd_pool_init(&fd_pool);
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
	unsigned connects;     /* of VSF_PROG_MAX_CONNECTS */
	size_t send_left;      /* of VSF_PROG_MAX_SEND_BYTES */
	int fd_baseline;
	uint64_t fd_baseline_low[PROBE_FD_SCAN_LIMIT / 64]; /* which of them are below the limit */
	int fds_after_last_op; /* expected_open_fds() when check_fds last passed */
	int fd_scan_end;       /* every fd the input made is numbered below this */
	bool op_sent_fds;      /* the current op passed fds to the front-end */
	bool fd_resized;       /* a truncate op changed an fd's size */
	/* A connect that met an injected failure may stop after any request. */
	bool requests_may_end;
	uint64_t cpu_at_start; /* the thread's CPU time when the input began */
	unsigned long file_maps_at_start; /* fault_file_maps_made() then */
	uint64_t digest; /* FNV-1a of what the front-end did (vsf_harness_last_digest) */
	/* What the backend answers (session and config ops). */
	struct backend_offer offer;
};

static const char *harness_name(enum vsf_harness_kind kind)
{
	return kind == VSF_HARNESS_BACKEND_CHANNEL ? "fuzz_backend_channel"
						   : "fuzz_frontend_session";
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
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

/* ---- oracle helpers ---- */

static int expected_open_fds(const struct run *r)
{
	return r->fd_baseline + (int)fd_table_open_count(&r->fds) + (r->peer >= 0) +
	       (r->fe_chan[0] >= 0) + (r->fe_chan[1] >= 0) +
	       (vsf_frontend_backend_fd(r->fe) >= 0);
}

/* Most fds one op can create: the fds of one message as the front-end
 * receives them, the harness's replies from a negotiation, a connect's
 * socketpairs, an fd op's memfd and its reopened copy. */
#define FDS_PER_OP_MAX (VSF_PROG_MAX_OP_FDS + 16 + 16)

_Static_assert(VSF_PROG_MAX_HANDLES + FD_TABLE_MAX_RETIRED + FDS_PER_OP_MAX + 64 <
		       PROBE_FD_SCAN_LIMIT,
	       "an input's fds must fit the range the baseline is recorded in");

static int scan_bound(int hi)
{
	return hi < PROBE_FD_SCAN_LIMIT ? hi : PROBE_FD_SCAN_LIMIT;
}

static int count_baseline_below(const struct run *r, int hi)
{
	int n = 0;

	for (int w = 0; w < hi / 64; w++)
		n += __builtin_popcountll(r->fd_baseline_low[w]);
	if (hi % 64)
		n += __builtin_popcountll(r->fd_baseline_low[hi / 64] & ((1ull << (hi % 64)) - 1));
	return n;
}

static int count_known_below(const struct run *r, int hi)
{
	int backend = vsf_frontend_backend_fd(r->fe);

	return count_baseline_below(r, hi) + (int)fd_table_count_pollable_below(&r->fds, hi) +
	       (r->peer >= 0 && r->peer < hi) + (r->fe_chan[0] >= 0 && r->fe_chan[0] < hi) +
	       (r->fe_chan[1] >= 0 && r->fe_chan[1] < hi) + (backend >= 0 && backend < hi);
}

/*
 * After every op, the fds below a bound are counted with one ppoll instead
 * of a directory listing. Every fd an op creates or receives takes the
 * lowest free number, which is below the count of fds open at the time: at
 * most the count after the last op plus what one op can create. A leak is
 * therefore below hi; the fds known to be open are counted below hi by
 * number. poll() does not see O_PATH fds: the harness's own are left out of
 * the count, and after an op that passed fds to the front-end, once the
 * input made an O_PATH fd, the directory is listed instead (the front-end
 * may have kept a copy). Teardown counts every fd.
 */
static void check_fds(struct run *r)
{
	int total = expected_open_fds(r), want = total, open;
	int hi = scan_bound((total > r->fds_after_last_op ? total : r->fds_after_last_op) +
			    FDS_PER_OP_MAX);

	if (hi > r->fd_scan_end)
		r->fd_scan_end = hi;
	if (r->fds.made_opath && r->op_sent_fds) {
		open = probe_open_fds();
	} else {
		open = probe_open_fds_below(hi, NULL);
		want = count_known_below(r, hi);
	}
	ORACLE_CHECK(&r->where, "resources", open == want,
		     "%d fds open, expected %d (an fd leaked or was closed twice)", open, want);
	r->fds_after_last_op = total;
}

static void check_regions(struct run *r)
{
	size_t n = vsf_frontend_region_count(r->fe), want = model_region_count(&r->model);

	ORACLE_CHECK(&r->where, "shadow-model", n == want, "%zu regions, model has %zu", n, want);
	for (int id = 0; id < VSF_MAX_SHMEM_REGIONS; id++) {
		struct vsf_region_info info;
		bool have = vsf_frontend_region(r->fe, (uint8_t)id, &info);

		ORACLE_CHECK(&r->where, "shadow-model", have == (r->model.region_size[id] != 0),
			     "region %d %s, model says %s", id, have ? "exists" : "missing",
			     r->model.region_size[id] ? "exists" : "none");
		ORACLE_CHECK(&r->where, "shadow-model", !have || info.size == r->model.region_size[id],
			     "region %d is 0x%llx bytes, model 0x%llx", id,
			     (unsigned long long)info.size,
			     (unsigned long long)r->model.region_size[id]);
	}
}

static bool mapping_in_model(const struct run *r, const struct vsf_mapping_info *mi)
{
	for (size_t i = 0; i < r->model.nmaps; i++) {
		const struct model_mapping *m = &r->model.maps[i];

		if (m->shmid == mi->shmid && m->shm_offset == mi->shm_offset && m->len == mi->len &&
		    m->fd_offset == mi->fd_offset && m->rw == mi->rw)
			return true;
	}
	return false;
}

static void check_mapping_table(struct run *r)
{
	size_t n = vsf_frontend_mapping_count(r->fe);

	ORACLE_CHECK(&r->where, "shadow-model", n == r->model.nmaps,
		     "%zu mappings, model has %zu", n, r->model.nmaps);
	for (size_t i = 0; i < n; i++) {
		struct vsf_mapping_info mi;

		ORACLE_CHECK(&r->where, "shadow-model", vsf_frontend_mapping(r->fe, i, &mi),
			     "mapping %zu of %zu not readable", i, n);
		ORACLE_CHECK(&r->where, "shadow-model", mapping_in_model(r, &mi),
			     "mapping shmid %u 0x%llx+0x%llx (fd_offset 0x%llx, %s) not in the model",
			     mi.shmid, (unsigned long long)mi.shm_offset,
			     (unsigned long long)mi.len, (unsigned long long)mi.fd_offset,
			     mi.rw ? "rw" : "ro");
	}
}

static uint8_t *region_addr(struct run *r, uint8_t shmid, uint64_t offset)
{
	struct vsf_region_info info;

	ORACLE_CHECK(&r->where, "shadow-model", vsf_frontend_region(r->fe, shmid, &info),
		     "region %u missing", shmid);
	return (uint8_t *)info.base + offset;
}

static bool model_page_mapped(const struct run *r, uint8_t shmid, uint64_t offset)
{
	for (size_t i = 0; i < r->model.nmaps; i++) {
		const struct model_mapping *m = &r->model.maps[i];

		if (m->shmid == shmid && offset >= m->shm_offset && offset - m->shm_offset < m->len)
			return true;
	}
	return false;
}

/*
 * A free page of a region must be inaccessible and still reserved: mapped,
 * not a hole, so nothing else can land there.
 */
static void check_free_page(struct run *r, uint8_t shmid, uint64_t offset)
{
	enum probe_page state;

	if (offset >= r->model.region_size[shmid] || model_page_mapped(r, shmid, offset))
		return;
	state = probe_free_page(region_addr(r, shmid, offset), r->model.page_size);
	ORACLE_CHECK(&r->where, "memory-truth", state != PROBE_PAGE_ACCESSIBLE,
		     "region %u offset 0x%llx is accessible but nothing is mapped there", shmid,
		     (unsigned long long)offset);
	ORACLE_CHECK(&r->where, "memory-truth", state != PROBE_PAGE_RELEASED,
		     "region %u offset 0x%llx: the range was released instead of kept reserved",
		     shmid, (unsigned long long)offset);
}

/*
 * Whether a mapping's page still has its file behind it: a truncate op may
 * have cut the file short, and reading past its end faults (the front-end's
 * require_shrink_seal, where on, keeps that from happening to it).
 */
static bool page_in_file(const struct run *r, const struct model_mapping *m, uint64_t page_off)
{
	struct stat st;

	if (!r->fd_resized)
		return true;
	if (fstat(m->content_fd, &st) < 0)
		harness_setup_failed("fstat of mapped content");
	return m->fd_offset + page_off < (uint64_t)st.st_size;
}

#define PAGES_CHECKED 3

/*
 * Pages of a mapping (offsets from its start): readable, the fd's bytes,
 * the requested protection. All are read in one call, and a writable
 * mapping's written back (the same bytes) in one more.
 */
static void check_mapped_pages(struct run *r, const struct model_mapping *m,
			       const uint64_t *page_offs, size_t n)
{
	uint8_t got[PAGES_CHECKED * PROBE_BYTES];
	void *addrs[PAGES_CHECKED];
	size_t ok;

	for (size_t i = 0; i < n; i++) {
		addrs[i] = region_addr(r, m->shmid, m->shm_offset + page_offs[i]);
		fd_table_fill(&r->fds, m->content_fd, m->fd_offset + page_offs[i], PROBE_BYTES);
	}
	ok = probe_read_many(addrs, n, PROBE_BYTES, got);
	ORACLE_CHECK(&r->where, "memory-truth", ok == n,
		     "mapping shmid %u 0x%llx faults when read at +0x%llx", m->shmid,
		     (unsigned long long)m->shm_offset, (unsigned long long)page_offs[ok < n ? ok : 0]);
	for (size_t i = 0; i < n; i++) {
		uint8_t want[PROBE_BYTES] = { 0 };

		if (pread(m->content_fd, want, sizeof(want), (off_t)(m->fd_offset + page_offs[i])) < 0)
			harness_setup_failed("pread of mapped content");
		ORACLE_CHECK(&r->where, "memory-truth", !memcmp(got + i * PROBE_BYTES, want, sizeof(want)),
			     "mapping shmid %u 0x%llx: bytes at +0x%llx differ from the fd at 0x%llx",
			     m->shmid, (unsigned long long)m->shm_offset,
			     (unsigned long long)page_offs[i],
			     (unsigned long long)(m->fd_offset + page_offs[i]));
	}
	if (m->rw) {
		ok = probe_write_many(addrs, n, PROBE_BYTES, got);
		ORACLE_CHECK(&r->where, "memory-truth", ok == n,
			     "mapping shmid %u 0x%llx is not writable, requested rw (at +0x%llx)",
			     m->shmid, (unsigned long long)m->shm_offset,
			     (unsigned long long)page_offs[ok < n ? ok : 0]);
		return;
	}
	for (size_t i = 0; i < n; i++) /* read-only: every page refuses on its own */
		ORACLE_CHECK(&r->where, "memory-truth",
			     !probe_write_many(&addrs[i], 1, PROBE_BYTES, got + i * PROBE_BYTES),
			     "mapping shmid %u 0x%llx is writable, requested ro (at +0x%llx)",
			     m->shmid, (unsigned long long)m->shm_offset,
			     (unsigned long long)page_offs[i]);
}

/* A mapping's first, second and last page, and the free pages around it. */
static void check_mapping(struct run *r, const struct model_mapping *m)
{
	uint64_t page = r->model.page_size, offs[PAGES_CHECKED];
	size_t n = 0;

	if (page_in_file(r, m, 0))
		offs[n++] = 0;
	if (m->len > page && page_in_file(r, m, m->len - page))
		offs[n++] = m->len - page;
	if (m->len > 2 * page && page_in_file(r, m, page))
		offs[n++] = page;
	if (n)
		check_mapped_pages(r, m, offs, n);
	if (m->shm_offset >= page)
		check_free_page(r, m->shmid, m->shm_offset - page);
	check_free_page(r, m->shmid, m->shm_offset + m->len);
}

static void check_memory(struct run *r)
{
	for (size_t i = 0; i < r->model.nmaps; i++)
		check_mapping(r, &r->model.maps[i]);
}

/* Ranges that were just unmapped must be inaccessible again. */
static void check_gone(struct run *r, const struct model_mapping *m)
{
	check_free_page(r, m->shmid, m->shm_offset);
	check_free_page(r, m->shmid, m->shm_offset + m->len - r->model.page_size);
}

/* Every region's first and last page unless mapped. */
static void check_region_edges(struct run *r)
{
	for (int id = 0; id < VSF_MAX_SHMEM_REGIONS; id++) {
		if (!r->model.region_size[id])
			continue;
		check_free_page(r, (uint8_t)id, 0);
		check_free_page(r, (uint8_t)id, r->model.region_size[id] - r->model.page_size);
	}
}

/* ---- injected faults ---- */

/* Report a fault that fired where the model expects no such call. */
static _Noreturn void fault_unexpected(struct run *r, const struct fault_event *ev,
				       const char *where)
{
	oracle_fail(&r->where, "shadow-model",
		    "the front-end's %s failed (injected %s) %s, where the model expects no such call",
		    fault_call_name(ev->call), strerrorname_np(ev->err), where);
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

/* Write what the backend answers to request, before the front-end asks. */
static void write_answer(const struct run *r, uint32_t request, bool need_reply, bool after_owner)
{
	static uint8_t buf[BACKEND_PEER_ANSWER_MAX];
	size_t len = backend_reply_bytes(&r->offer, request, need_reply, after_owner, buf);

	peer_write(r->fe_chan[1], buf, len, 0, NULL, 0);
}

/* Check the next request the front-end sent on its channel. */
static const uint8_t *expect_request(struct run *r, const uint8_t *p, const uint8_t *end,
				     uint32_t request, uint32_t flags, uint32_t size)
{
	struct vsf_wire_header h;

	if (p == end && r->requests_may_end)
		return p;
	ORACLE_CHECK(&r->where, "reply-protocol", end - p >= (long)VSF_HEADER_SIZE,
		     "front-end channel: %s (%u) expected, %zd bytes left",
		     vsf_frontend_request_name(request), request, end - p);
	vsf_decode_header(p, &h);
	ORACLE_CHECK(&r->where, "reply-protocol",
		     h.request == request && h.flags == flags && h.size == size &&
			     end - p >= (long)(VSF_HEADER_SIZE + size),
		     "front-end channel: got request %u flags 0x%x size %u, expected %s flags 0x%x size %u",
		     h.request, h.flags, h.size, vsf_frontend_request_name(request), flags, size);
	return p + VSF_HEADER_SIZE;
}

/* Check the next request, a u64 payload that must be value. */
static const uint8_t *expect_u64_request(struct run *r, const uint8_t *p, const uint8_t *end,
					 uint32_t request, uint64_t value)
{
	p = expect_request(r, p, end, request, VSF_FLAG_VERSION, 8);
	if (p == end && r->requests_may_end)
		return p;
	ORACLE_CHECK(&r->where, "reply-protocol", vsf_load_le64(p) == value,
		     "%s 0x%llx, expected 0x%llx", vsf_frontend_request_name(request),
		     (unsigned long long)vsf_load_le64(p), (unsigned long long)value);
	return p + 8;
}

static void connect_session(struct run *r)
{
	static uint8_t buf[4096];
	uint64_t sizes[VSF_MAX_SHMEM_REGIONS];
	struct model_session s;
	struct fault_event ev;
	const uint8_t *p, *end;
	int fds[16];
	size_t nfds;
	bool cfg_header_ok = r->offer.cfg_request == VSF_REQ_GET_SHMEM_CONFIG &&
			     r->offer.cfg_flags == VSF_REPLY_FLAGS && r->offer.cfg_size == VSF_CONFIG_PAYLOAD_SIZE;
	int ret;

	config_sizes(r, sizes);
	model_negotiate(&r->model, r->offer.features, r->offer.protocol_features, VSF_HARNESS_DEVICE_FEATURES,
			r->offer.ack, cfg_header_ok, r->offer.cfg_nregions, sizes, &s);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, r->fe_chan) < 0)
		harness_setup_failed("socketpair");
	/*
	 * One thread plays both sides: the backend's answers are written up
	 * front, one for each question the model says the front-end asks (a
	 * front-end that asks something else reads a wrong answer and fails).
	 */
	write_answer(r, VSF_REQ_GET_FEATURES, false, false);
	if (s.sends_protocol)
		write_answer(r, VSF_REQ_GET_PROTOCOL_FEATURES, false, false);
	if (s.expects_ack)
		write_answer(r, VSF_REQ_SET_BACKEND_REQ_FD, true, false);
	if (s.sends_owner)
		write_answer(r, VSF_REQ_GET_FEATURES, false, true);
	if (s.sends_config)
		write_answer(r, VSF_REQ_GET_SHMEM_CONFIG, false, true);

	ret = vsf_frontend_connect(r->fe, r->fe_chan[0]);
	digest_u64(r, (uint64_t)ret);
	/* A failed call ends the negotiation where it failed: the requests
	 * sent so far are a prefix of the usual ones, and connect fails. */
	if (took_fault(&ev)) {
		if ((ev.call == FAULT_SOCKETPAIR && !s.sends_backend_fd) ||
		    (ev.call == FAULT_MMAP && !s.ok) || ev.call == FAULT_MREMAP ||
		    ev.call == FAULT_FSTAT || ev.call == FAULT_FSTATFS)
			fault_unexpected(r, &ev, "in connect");
		s.ok = false;
		r->requests_may_end = true;
		/* A reset peer reads as its end: before a reply, or in one (EPROTO). */
		ORACLE_CHECK(&r->where, "shadow-model",
			     ret == -ev.err || (ev.err == ECONNRESET && ret == -EPROTO),
			     "connect with a failed %s returned %d (%s), expected %d",
			     fault_call_name(ev.call), ret, vsf_frontend_last_error(r->fe), -ev.err);
	}
	ORACLE_CHECK(&r->where, "shadow-model", (ret == 0) == s.ok,
		     "connect returned %d (%s), model expects %s", ret,
		     vsf_frontend_last_error(r->fe), s.ok ? "success" : "failure");

	/* The requests the front-end sent, in order. */
	end = buf + peer_io_read_pending(r->fe_chan[1], buf, sizeof(buf), fds, 16, &nfds);
	p = expect_request(r, buf, end, VSF_REQ_GET_FEATURES, VSF_FLAG_VERSION, 0);
	if (s.sends_protocol) {
		p = expect_request(r, p, end, VSF_REQ_GET_PROTOCOL_FEATURES, VSF_FLAG_VERSION, 0);
		p = expect_u64_request(r, p, end, VSF_REQ_SET_PROTOCOL_FEATURES, s.negotiated);
	}
	if (s.sends_backend_fd) {
		bool sent = p != end || !r->requests_may_end;

		p = expect_request(r, p, end, VSF_REQ_SET_BACKEND_REQ_FD,
				   VSF_FLAG_VERSION | (s.expects_ack ? VSF_FLAG_NEED_REPLY : 0), 0);
		ORACLE_CHECK(&r->where, "reply-protocol", nfds == (sent ? 1u : 0u),
			     "SET_BACKEND_REQ_FD %s, with %zu fds", sent ? "sent" : "not sent", nfds);
	}
	if (s.sends_owner) {
		p = expect_request(r, p, end, VSF_REQ_SET_OWNER, VSF_FLAG_VERSION, 0);
		p = expect_request(r, p, end, VSF_REQ_GET_FEATURES, VSF_FLAG_VERSION, 0);
	}
	if (s.sends_config)
		p = expect_request(r, p, end, VSF_REQ_GET_SHMEM_CONFIG, VSF_FLAG_VERSION, 0);
	if (s.sends_set_features)
		p = expect_u64_request(r, p, end, VSF_REQ_SET_FEATURES, s.acked);
	ORACLE_CHECK(&r->where, "reply-protocol", p == end,
		     "front-end channel: %zd unexpected bytes after negotiation", end - p);
	r->requests_may_end = false;

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

static void connect_attached(struct run *r)
{
	uint64_t sizes[VSF_MAX_SHMEM_REGIONS];
	uint64_t pf = r->offer.protocol_features & VSF_PROTOCOL_FEATURES_OFFERED;
	struct fault_event ev;
	int sv[2], ret;
	bool ok;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		harness_setup_failed("socketpair");
	ret = vsf_frontend_attach(r->fe, sv[0], pf);
	digest_u64(r, (uint64_t)ret);
	ORACLE_CHECK(&r->where, "shadow-model", ret == 0, "attach failed: %d", ret);
	r->peer = sv[1];
	model_attach(&r->model, pf, true);
	if (!r->model.shmem)
		return;
	config_sizes(r, sizes);
	ret = vsf_frontend_configure(r->fe, r->offer.cfg_nregions, sizes);
	digest_u64(r, (uint64_t)ret);
	if (took_fault(&ev)) {
		/* A region's reservation failed: all or nothing, so none. */
		if (ev.call != FAULT_MMAP ||
		    !model_config_valid(&r->model, r->offer.cfg_nregions, sizes))
			fault_unexpected(r, &ev, "in configure");
		ORACLE_CHECK(&r->where, "shadow-model", ret == -ev.err,
			     "configure with a failed mmap returned %d (%s), expected %d", ret,
			     vsf_frontend_last_error(r->fe), -ev.err);
		return;
	}
	ok = model_configure(&r->model, r->offer.cfg_nregions, sizes);
	ORACLE_CHECK(&r->where, "shadow-model", (ret == 0) == ok,
		     "configure returned %d (%s), model expects %s", ret,
		     vsf_frontend_last_error(r->fe), ok ? "success" : "rejection");
}

static void do_connect(struct run *r)
{
	struct fault_event ev;

	r->connects++;
	vsf_frontend_disconnect(r->fe);
	if (took_fault(&ev)) /* munmap and close only, which matter not */
		fault_unexpected(r, &ev, "in disconnect");
	model_disconnect(&r->model);
	close_fd(&r->peer);
	close_fd(&r->fe_chan[0]);
	close_fd(&r->fe_chan[1]);
	if (r->kind == VSF_HARNESS_BACKEND_CHANNEL)
		connect_attached(r);
	else
		connect_session(r);
	commit_order_watch(r->fe, r->peer, &r->where);
	r->connected = true;
	check_regions(r);
	check_region_edges(r);
}

/* ---- backend messages ---- */

/* Check the replies that arrived for one message against the model's verdict. */
static void check_replies(struct run *r, const struct model_verdict *mv)
{
	uint8_t buf[MAX_REPLY_BYTES];
	size_t n = peer_io_read_pending(r->peer, buf, sizeof(buf), NULL, 0, NULL);
	bool want = mv->reply && !mv->reply_lost;
	struct vsf_wire_header h;
	uint64_t value;

	digest_u64(r, n);
	digest_bytes(r, buf, n);

	ORACLE_CHECK(&r->where, "reply-protocol", n == (want ? VSF_HEADER_SIZE + 8 : 0),
		     "request %u: %zu reply bytes, expected %s", mv->request, n,
		     want ? "exactly one reply (20 bytes)" : "no reply");
	if (!want)
		return;
	vsf_decode_header(buf, &h);
	value = vsf_load_le64(buf + VSF_HEADER_SIZE);
	ORACLE_CHECK(&r->where, "reply-protocol",
		     h.request == mv->request && h.flags == VSF_REPLY_FLAGS && h.size == 8,
		     "reply header request %u flags 0x%x size %u, expected %u 0x5 8", h.request,
		     h.flags, h.size, mv->request);
	ORACLE_CHECK(&r->where, "reply-protocol", (value == 0) == mv->accepted,
		     "request %u: reply value 0x%llx but the request was %s", mv->request,
		     (unsigned long long)value, mv->accepted ? "accepted" : "rejected");
}

/* Handle one message and time it. */
static int timed_handle(struct run *r, struct vsf_verdict *v)
{
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC), dt, dc;
	int ret = vsf_frontend_handle_backend(r->fe, v);

	dt = clock_ns(CLOCK_MONOTONIC) - t0;
	if (dt < LIVENESS_LIMIT_NS)
		return ret;
	dc = clock_ns(CLOCK_THREAD_CPUTIME_ID) - r->cpu_at_start;
	ORACLE_CHECK(&r->where, "liveness", dc < LIVENESS_LIMIT_NS && dt < 5 * LIVENESS_LIMIT_NS,
		     "one message took %llu ms (the input so far %llu ms of CPU)",
		     (unsigned long long)(dt / 1000000), (unsigned long long)(dc / 1000000));
	return ret;
}

static const char *request_name(uint32_t request)
{
	const char *name = vsf_backend_request_name(request);

	return name ? name : "unknown request";
}

/* Deliver bytes (with fds on the first chunk) and check every message in them. */
static void deliver(struct run *r, const uint8_t *bytes, size_t len, size_t chunk,
		    const uint8_t *handles, size_t nhandles)
{
	struct fd_desc mfds[VSF_PROG_MAX_OP_FDS];
	int fds[VSF_PROG_MAX_OP_FDS];
	size_t nfds = 0, off = 0;

	if (len > r->send_left)
		return; /* past the input's budget: skipped */
	r->send_left -= len;
	if (!r->connected)
		do_connect(r);
	ORACLE_CHECK(&r->where, "shadow-model",
		     (vsf_frontend_backend_fd(r->fe) >= 0) == r->model.channel_open,
		     "backend channel %s, model says %s",
		     vsf_frontend_backend_fd(r->fe) >= 0 ? "open" : "closed",
		     r->model.channel_open ? "open" : "closed");
	if (!r->model.channel_open || !len)
		return;
	for (size_t i = 0; i < nhandles; i++) {
		const struct fd_resource *res = fd_table_get(&r->fds, handles[i]);

		if (!res)
			continue;
		fds[nfds] = res->fd;
		mfds[nfds++] = res->desc;
	}
	peer_write(r->peer, bytes, len, chunk, fds, nfds);
	r->op_sent_fds |= nfds > 0;

	for (size_t k = 0;; k++) {
		struct model_verdict mv;
		struct vsf_verdict v = { 0 }; /* not filled when framing is lost */
		struct fault_event ev;
		bool faulted;
		int ret;

		/* Reports from here on (the commit hook included) name this message. */
		r->where.msg = off < len ? bytes + off : NULL;
		r->where.msg_len = len - off;
		r->where.msg_index = k;
		ret = timed_handle(r, &v);
		faulted = took_fault(&ev);

		digest_u64(r, (uint64_t)ret);
		digest_u64(r, v.request);
		digest_u64(r, (uint64_t)v.result);
		digest_u64(r, v.replied);

		if (off == len) {
			/* Looking for one more message, only a failed read or wait matters. */
			if (faulted && ev.call != FAULT_RECVMSG && ev.call != FAULT_POLL)
				fault_unexpected(r, &ev, "with no message pending");
			ORACLE_CHECK(&r->where, "shadow-model", faulted ? ret < 0 && ret != -EAGAIN
								  : ret == -EAGAIN,
				     "handle returned %d with no message pending%s", ret,
				     faulted ? " and a failed read" : "");
			if (faulted) {
				r->model.channel_open = false;
				ORACLE_CHECK(&r->where, "shadow-model",
					     vsf_frontend_backend_fd(r->fe) < 0,
					     "a read failed but the channel stays open");
			}
			break;
		}
		model_message(&r->model, bytes + off, len - off, off ? NULL : mfds, off ? 0 : nfds,
			      faulted ? &ev : NULL, &mv);
		vsf_harness_messages++;
		if (mv.fault_unexpected)
			fault_unexpected(r, &ev, "handling this message");
		if (mv.io_failed) {
			ORACLE_CHECK(&r->where, "shadow-model", ret < 0 && ret != -EAGAIN && !v.received,
				     "a read failed (injected %s) but handle returned %d%s", 
				     strerrorname_np(ev.err), ret, v.received ? " with a message" : "");
			ORACLE_CHECK(&r->where, "shadow-model", vsf_frontend_backend_fd(r->fe) < 0,
				     "a read failed but the channel stays open");
			check_replies(r, &mv);
			break;
		}
		if (!mv.framed) {
			ORACLE_CHECK(&r->where, "shadow-model", ret < 0 && ret != -EAGAIN,
				     "framing is lost (%zu bytes left) but handle returned %d",
				     len - off, ret);
			ORACLE_CHECK(&r->where, "shadow-model", vsf_frontend_backend_fd(r->fe) < 0,
				     "framing is lost but the channel stays open");
			break;
		}
		ORACLE_CHECK(&r->where, "shadow-model",
			     mv.channel_closes ? ret < 0 && ret != -EAGAIN : ret == 0,
			     "%s (%u): handle returned %d (%s)", request_name(mv.request),
			     mv.request, ret, vsf_frontend_last_error(r->fe));
		ORACLE_CHECK(&r->where, "shadow-model", (v.result == 0) == mv.accepted,
			     "%s (%u): front-end %s%s%s%s, model says %s%s%s%s",
			     request_name(mv.request), mv.request,
			     v.result == 0 ? "accepted" : "rejected", v.result ? " (" : "",
			     v.result ? vsf_frontend_last_error(r->fe) : "", v.result ? ")" : "",
			     mv.accepted ? "accept" : "reject", mv.why ? " (" : "",
			     mv.why ? mv.why : "", mv.why ? ")" : "");
		ORACLE_CHECK(&r->where, "shadow-model", !mv.result || v.result == mv.result,
			     "%s (%u): front-end result %d (%s), model expects %d (%s)",
			     request_name(mv.request), mv.request, v.result,
			     vsf_frontend_last_error(r->fe), mv.result, mv.why ? mv.why : "");
		ORACLE_CHECK(&r->where, "shadow-model", !mv.accepted || v.committed != mv.commit_fails,
			     "%s (%u): the change was %scommitted, model says %s",
			     request_name(mv.request), mv.request, v.committed ? "" : "not ",
			     mv.commit_fails ? "the commit fails (injected)" : "committed");
		check_replies(r, &mv);
		check_mapping_table(r);
		/* The full sweep is at the end of the input; here, what just changed:
		 * an unmap's range is free, a map's mapped, unless the commit failed. */
		if (mv.accepted && (mv.request == VSF_BACKEND_SHMEM_UNMAP) != mv.commit_fails)
			check_gone(r, &mv.change);
		else if (mv.accepted)
			check_mapping(r, &mv.change);
		off += mv.consumed;
		if (mv.channel_closes) {
			ORACLE_CHECK(&r->where, "shadow-model", vsf_frontend_backend_fd(r->fe) < 0,
				     "%s but the channel stays open",
				     mv.commit_fails ? "the commit failed" : "reply undeliverable");
			break;
		}
	}
	r->where.msg = NULL;
}

static void do_mmap_op(struct run *r, const struct vsf_op *op)
{
	uint8_t msg[OP_WIRE_MMAP_LEN];
	size_t len = op_wire_mmap(op, msg);

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
			if (region_addr(r, gone[i].shmid, gone[i].shm_offset) == ev.addr)
				stuck = &gone[i];
		if (!stuck)
			fault_unexpected(r, &ev, "in reset, not at a mapping");
		model_reset_except(&r->model, stuck->shmid, stuck->shm_offset);
	}
	check_mapping_table(r);
	for (size_t i = 0; i < n; i++)
		if (r->model.nmaps && gone[i].shmid == r->model.maps[0].shmid &&
		    gone[i].shm_offset == r->model.maps[0].shm_offset)
			check_mapping(r, &gone[i]);
		else
			check_gone(r, &gone[i]);
}

/* The backend ends its stream: the front-end must see a clean end and close. */
static void do_hangup(struct run *r)
{
	struct vsf_verdict v;
	struct fault_event ev;
	int ret, want = -ECONNRESET;

	if (!r->model.channel_open)
		return;
	if (shutdown(r->peer, SHUT_WR) < 0)
		harness_setup_failed("shutdown");
	ret = timed_handle(r, &v);
	digest_u64(r, (uint64_t)ret);
	r->model.channel_open = false;
	if (took_fault(&ev)) {
		if (ev.call != FAULT_RECVMSG)
			fault_unexpected(r, &ev, "reading the end of the stream");
		want = ev.err == ECONNRESET ? -ECONNRESET : -ev.err;
	}
	ORACLE_CHECK(&r->where, "shadow-model", ret == want,
		     "end of stream: handle returned %d (%s), expected %d", ret,
		     vsf_frontend_last_error(r->fe), want);
	ORACLE_CHECK(&r->where, "shadow-model", vsf_frontend_backend_fd(r->fe) < 0,
		     "end of stream but the channel stays open");
}

static void do_add_region(struct run *r, const struct vsf_op *op)
{
	int ret = vsf_frontend_add_region(r->fe, op->add_region.shmid, op->add_region.size);
	struct shadow_model before = r->model;
	bool ok = model_add_region(&r->model, op->add_region.shmid, op->add_region.size);
	struct fault_event ev;

	digest_u64(r, (uint64_t)ret);
	if (took_fault(&ev)) {
		/* The reservation failed: no region. */
		if (ev.call != FAULT_MMAP || !ok)
			fault_unexpected(r, &ev, "in add_region");
		r->model = before;
		ok = false;
	}

	ORACLE_CHECK(&r->where, "shadow-model", (ret == 0) == ok,
		     "add_region %u 0x%llx returned %d, model expects %s", op->add_region.shmid,
		     (unsigned long long)op->add_region.size, ret, ok ? "success" : "rejection");
	check_regions(r);
	check_mapping_table(r);
	check_memory(r);
	check_region_edges(r);
}

static void set_config(struct run *r, const struct vsf_op *op)
{
	r->offer.cfg_request = op->config.request;
	r->offer.cfg_flags = op->config.flags;
	r->offer.cfg_size = op->config.size;
	r->offer.cfg_nregions = op->config.nregions;
	op_wire_config_sizes(op, r->offer.cfg_sizes);
}

static void execute(struct run *r, const struct vsf_op *op)
{
	switch (op->code) {
	case VSF_OP_FD:
		fd_table_create(&r->fds, op);
		break;
	case VSF_OP_SESSION:
		r->offer.features = op->session.features;
		r->offer.protocol_features = op->session.protocol_features;
		r->offer.ack = op->session.ack;
		break;
	case VSF_OP_CONFIG:
		set_config(r, op);
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
			r->fd_resized = true;
			commit_order_files_resized();
		}
		break;
	case VSF_OP_FAULT:
		fault_arm(op->fault.call, op->fault.after, op->fault.err);
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

static void drop_log_line(void *opaque, enum vsf_log_level level, const char *msg)
{
	(void)opaque;
	(void)level;
	(void)msg;
}

static int first_difference_below(const uint64_t *a, const uint64_t *b, int hi)
{
	for (int w = 0; w * 64 < hi; w++) {
		uint64_t diff = a[w] ^ b[w];

		if (hi - w * 64 < 64)
			diff &= (1ull << (hi - w * 64)) - 1;
		if (diff)
			return w * 64 + __builtin_ctzll(diff);
	}
	return -1;
}

/*
 * The fds open before the input: the numbers below PROBE_FD_SCAN_LIMIT and
 * the count of all (a directory listing), kept from the last input unless
 * the numbers where an fd opened or closed since would land differ (between
 * inputs only the engine opens or closes fds, and rarely).
 */
static void record_fd_baseline(struct run *r)
{
	static uint64_t low[PROBE_FD_SCAN_LIMIT / 64];
	static int count = -1;
	uint64_t now[PROBE_FD_SCAN_LIMIT / 64];
	int hi = count < 0 ? PROBE_FD_SCAN_LIMIT : scan_bound(count + FDS_PER_OP_MAX);

	probe_open_fds_below(hi, now);
	if (count < 0 || first_difference_below(now, low, hi) >= 0) {
		probe_open_fds_below(PROBE_FD_SCAN_LIMIT, low);
		count = probe_open_fds();
	}
	memcpy(r->fd_baseline_low, low, sizeof(low));
	r->fd_baseline = r->fds_after_last_op = count;
	r->fd_scan_end = hi;
}

static void run_init(struct run *r, enum vsf_harness_kind kind)
{
	struct vsf_options opts;

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->where.harness = harness_name(kind);
	r->peer = r->fe_chan[0] = r->fe_chan[1] = -1;
	record_fd_baseline(r);
	r->digest = FNV_OFFSET_BASIS;
	r->send_left = VSF_PROG_MAX_SEND_BYTES;
	r->cpu_at_start = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	r->file_maps_at_start = fault_file_maps_made();
	vsf_options_default(&opts);
	opts.max_mappings = VSF_HARNESS_MAX_MAPPINGS;
	opts.max_reserved_bytes = VSF_HARNESS_MAX_RESERVED;
	opts.io_timeout_ms = 0; /* everything was written before it is read */
	opts.device_features = VSF_HARNESS_DEVICE_FEATURES;
	/* As vhost-shmem-frontend runs it: the session harness requires fds
	 * sealed against shrinking; the backend-channel harness maps any. */
	opts.require_shrink_seal = kind == VSF_HARNESS_FRONTEND_SESSION;
	if (vsf_frontend_new(&opts, &r->fe) < 0)
		harness_setup_failed("vsf_frontend_new");
	/* A log that drops every line: the front-end's log formatting runs too. */
	vsf_frontend_set_log(r->fe, drop_log_line, NULL);
	model_init(&r->model, VSF_HARNESS_MAX_MAPPINGS, VSF_HARNESS_MAX_RESERVED,
		   (uint64_t)sysconf(_SC_PAGESIZE));
	r->model.write_sealed_maps_ro = write_sealed_maps_ro;
	r->model.require_shrink_seal = opts.require_shrink_seal;
	fd_table_init(&r->fds, &fd_pool, true);
	/* A backend that offers everything and declares no region, until told otherwise. */
	backend_offer_init(&r->offer);
}

/* Teardown: nothing of the front-end may remain, and the harness's fds are intact. */
/*
 * A staged mapping leaked, or a mapping left outside the regions: no mapping
 * of a harness memfd may remain after teardown. Only an input in which the
 * front-end mapped a file can leave one (the last teardown found none).
 * Reading /proc/self/maps is the costliest probe of an input, so it is done
 * only when the number of file-backed mappings differs from what it was at
 * the last teardown that passed this check: a leftover memfd mapping is one
 * more of them.
 */
static void check_no_memfd_mapping_left(struct run *r)
{
	static int clean_file_mappings = -1;
	int now;

	if (fault_file_maps_made() == r->file_maps_at_start)
		return;
	now = probe_file_mappings();

	if (now >= 0 && now == clean_file_mappings)
		return;
	ORACLE_CHECK(&r->where, "resources", !probe_maps_contain("memfd:" FD_TABLE_MEMFD_NAME),
		     "a mapping of a harness memfd is left after teardown (/proc/self/maps)");
	clean_file_mappings = now;
}

_Static_assert(FD_BITS_LIMIT == PROBE_FD_SCAN_LIMIT, "one fd number range");

/*
 * After teardown the open fds are the ones open before the input, with the
 * pool's changes (fds it kept, fds it closed to make room): the same numbers
 * where the input's fds landed, or, after an input that made an O_PATH fd,
 * the same count.
 */
static void check_fds_as_before(struct run *r, bool made_opath, const struct fd_bits *kept,
				const struct fd_bits *evicted)
{
	uint64_t now[PROBE_FD_SCAN_LIMIT / 64], want[PROBE_FD_SCAN_LIMIT / 64];
	int fd, count = r->fd_baseline;
	bool open;

	for (int w = 0; w < PROBE_FD_SCAN_LIMIT / 64; w++) {
		want[w] = (r->fd_baseline_low[w] | kept->w[w]) & ~evicted->w[w];
		count += __builtin_popcountll(kept->w[w]) - __builtin_popcountll(evicted->w[w]);
	}
	if (made_opath) {
		ORACLE_CHECK(&r->where, "resources", probe_open_fds() == count,
			     "%d fds open after teardown, %d expected (%d before the input)",
			     probe_open_fds(), count, r->fd_baseline);
		return;
	}
	probe_open_fds_below(r->fd_scan_end, now);
	fd = first_difference_below(now, want, r->fd_scan_end);
	open = fd >= 0 && now[fd / 64] >> (fd % 64) & 1;
	ORACLE_CHECK(&r->where, "resources", fd < 0, "fd %d is %s after teardown (%s)", fd,
		     open ? "open" : "closed",
		     open ? "leaked: it was not open before the input"
			  : "it was open before the input");
}

static void run_finish(struct run *r)
{
	void *bases[VSF_MAX_SHMEM_REGIONS];
	size_t nbases = 0;
	struct fd_bits kept = { { 0 } }, evicted = { { 0 } };
	bool made_opath;
	int damaged;

	r->where.op_name = "teardown";
	check_memory(r);
	check_region_edges(r);
	damaged = fd_table_find_damaged(&r->fds);
	ORACLE_CHECK(&r->where, "resources", damaged < 0,
		     "harness fd %d was closed or replaced behind its back", damaged);
	for (int id = 0; id < VSF_MAX_SHMEM_REGIONS; id++) {
		struct vsf_region_info info;

		if (vsf_frontend_region(r->fe, (uint8_t)id, &info))
			bases[nbases++] = info.base;
	}
	vsf_frontend_free(r->fe);
	r->fe = NULL;
	for (size_t i = 0; i < nbases; i++)
		ORACLE_CHECK(&r->where, "resources",
			     msync(bases[i], r->model.page_size, MS_ASYNC) < 0 && errno == ENOMEM,
			     "region at %p still mapped after teardown", bases[i]);
	close_fd(&r->peer);
	close_fd(&r->fe_chan[0]);
	close_fd(&r->fe_chan[1]);
	made_opath = r->fds.made_opath;
	fd_table_close_all(&r->fds, &kept, &evicted);
	check_fds_as_before(r, made_opath, &kept, &evicted);
	check_no_memfd_mapping_left(r);
}

void vsf_harness_run(enum vsf_harness_kind kind, const uint8_t *data, size_t size)
{
	struct vsf_program prog = { 0 };

	last_digest = 0;
	if (vsf_program_decode(data, size, &prog) < 0)
		return; /* out of memory: nothing to run */
	vsf_harness_run_program(kind, &prog);
	vsf_program_free(&prog);
}

void vsf_harness_run_program(enum vsf_harness_kind kind, const struct vsf_program *program)
{
	struct run r;
	struct fault_event ev;
	size_t executed = 0;

	last_digest = 0;
	fault_disarm();
	run_init(&r, kind);
	oracle_enter(&r.where);
	for (size_t i = 0; i < program->nops && executed < VSF_PROG_MAX_OPS; i++) {
		const struct vsf_op *op = &program->ops[i];

		if (op->code == VSF_OP_BYTES)
			continue;
		r.where.op_index = i;
		r.where.op_name = vsf_op_name(op->code);
		r.op_sent_fds = false;
		execute(&r, op);
		if (took_fault(&ev)) /* one the op did not take */
			fault_unexpected(&r, &ev, "in this op");
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
	oracle_leave();
	last_digest = r.digest;
	harness_execs++;
}
