/* SPDX-License-Identifier: MIT */
/*
 * vsf_frontend_connect() against a fake backend: a thread that plays the
 * backend on the other end of a socketpair with the one backend peer of
 * scenario/backend_peer.h (its own socket code, not the library's channel),
 * answers from a script (its offer), and records every request it saw. The GET_SHMEM_CONFIG reply rules of
 * docs/protocol.md, one rejected and one accepted case each: a rejected config
 * leaves no region, no reservation and no fd behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend_peer.h"
#include "fault.h"
#include "vsf_test.h"

#define GIB (1ull << 30)
#define MAX_SEEN 16
#define FAKE_WAIT_MS 2000

#define F_PROTOCOL_FEATURES (1ull << VSF_F_PROTOCOL_FEATURES)
#define F_VERSION_1         (1ull << VSF_F_VERSION_1)
#define PF_REPLY_ACK        (1ull << VSF_PROTOCOL_F_REPLY_ACK)
#define PF_BACKEND_REQ      (1ull << VSF_PROTOCOL_F_BACKEND_REQ)
#define PF_BACKEND_SEND_FD  (1ull << VSF_PROTOCOL_F_BACKEND_SEND_FD)
#define PF_SHMEM            (1ull << VSF_PROTOCOL_F_SHMEM)

struct fake_backend {
	struct backend_offer offer;      /* the script: what it answers */
	struct backend_session session;  /* what it saw */
	int sock;
	bool broken;                     /* it stopped on something other than the end */
};

/* A backend that offers everything and declares the regions in sizes. */
static void fake_init(struct fake_backend *fb, const uint64_t sizes[256])
{
	memset(fb, 0, sizeof(*fb));
	backend_offer_init(&fb->offer);
	fb->offer.features |= 1ull; /* a device feature the front-end does not take */
	fb->offer.protocol_features = PF_REPLY_ACK | PF_BACKEND_REQ | PF_SHMEM;
	for (int i = 0; i < 256; i++) {
		fb->offer.cfg_sizes[i] = sizes[i];
		fb->offer.cfg_nregions += sizes[i] != 0;
	}
	backend_session_init(&fb->session);
	fb->sock = -1;
}

/* Serve requests (scenario/backend_peer.c) until the front-end shuts its end down. */
static void *fake_backend_run(void *arg)
{
	struct fake_backend *fb = arg;
	int ret;

	while ((ret = backend_serve_one(fb->sock, FAKE_WAIT_MS, &fb->offer, &fb->session)) >= 0)
		;
	/* The end: the front-end closed, or asked nothing more for a while. */
	fb->broken = ret != -ECONNRESET && ret != -ETIMEDOUT;
	if (fb->broken)
		fprintf(stderr, "fake backend: %s\n",
			ret == -EPROTO ? fb->session.why : strerror(-ret));
	return NULL;
}

struct session {
	struct fake_backend fb;
	struct vsf_frontend *fe;
	int sock;       /* the front-end's end of the front-end channel */
	int ret;        /* what vsf_frontend_connect returned */
	long ms;        /* how long it took */
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Connect a new front-end to the fake backend scripted in s->fb; if
 * device_size is not 0, the device model adds region device_shmid first.
 * The front-end logs into log, if not NULL.
 */
static void session_run_logged(struct session *s, const struct vsf_options *o,
			       uint8_t device_shmid, uint64_t device_size, struct log_lines *log)
{
	pthread_t t;
	int sv[2];
	long t0;

	SETUP(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	SETUP(vsf_frontend_new(o, &s->fe) == 0);
	if (log)
		vsf_frontend_set_log(s->fe, log_collect, log);
	if (device_size)
		SETUP(vsf_frontend_add_region(s->fe, device_shmid, device_size) == 0);
	s->sock = sv[0];
	s->fb.sock = sv[1];
	SETUP(pthread_create(&t, NULL, fake_backend_run, &s->fb) == 0);
	t0 = now_ms();
	s->ret = vsf_frontend_connect(s->fe, s->sock);
	s->ms = now_ms() - t0;
	/* The fake backend stops at end of stream. */
	SETUP(shutdown(s->sock, SHUT_WR) == 0);
	SETUP(pthread_join(t, NULL) == 0);
	CHECK(!s->fb.broken);
}

static void session_run_with_region(struct session *s, const struct vsf_options *o,
				    uint8_t device_shmid, uint64_t device_size)
{
	session_run_logged(s, o, device_shmid, device_size, NULL);
}

static void session_run(struct session *s, const struct vsf_options *o)
{
	session_run_logged(s, o, 0, 0, NULL);
}

/* Close the test's own fds: both ends of the front-end channel and the
 * backend channel end the fake backend received. */
static void session_close_fds(struct session *s)
{
	close(s->sock);
	close(s->fb.sock);
	if (s->fb.session.backend_fd >= 0)
		close(s->fb.session.backend_fd);
	s->sock = s->fb.sock = s->fb.session.backend_fd = -1;
}

static void session_fini(struct session *s)
{
	session_close_fds(s);
	vsf_frontend_free(s->fe);
}

/* The fake backend's request number i was request. */
static bool saw(const struct session *s, int i, uint32_t request)
{
	return i >= 0 && (size_t)i < s->fb.session.nseen && s->fb.session.seen[i].request == request;
}

static bool saw_any(const struct session *s, uint32_t request)
{
	for (size_t i = 0; i < s->fb.session.nseen; i++)
		if (s->fb.session.seen[i].request == request)
			return true;
	return false;
}

/* Address space of the process, in KiB. */
static long vm_size_kb(void)
{
	FILE *fp = fopen("/proc/self/status", "re");
	char line[256];
	long kb = -1;

	SETUP(fp);
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "VmSize: %ld kB", &kb) == 1)
			break;
	fclose(fp);
	SETUP(kb >= 0);
	return kb;
}

/*
 * A session whose config reply breaks a rule: connect fails with expect and
 * a reason, after asking for the config; no region, no backend channel, no
 * reservation (every rejected config holds a 1 GiB region 0) and no fd
 * remain.
 */
static void check_config_rejected(const struct fake_backend *script, const struct vsf_options *o,
				  int expect)
{
	struct session s = { .fb = *script };
	int fds = probe_open_fds();
	long vm = vm_size_kb();

	session_run(&s, o);
	CHECK_EQ(s.ret, expect);
	CHECK(vsf_frontend_last_error(s.fe)[0] != '\0');
	CHECK(saw_any(&s, VSF_REQ_GET_SHMEM_CONFIG));
	/* A config that breaks a rule is refused before SET_FEATURES; one the
	 * address space cannot hold is found only when reserved, after it. */
	CHECK_EQ(saw_any(&s, VSF_REQ_SET_FEATURES), expect == -ENOMEM);
	CHECK_EQ(vsf_frontend_region_count(s.fe), 0);
	CHECK_EQ(vsf_frontend_backend_fd(s.fe), -1);
	CHECK(vm_size_kb() - vm < (long)(GIB / 2 / 1024));
	session_close_fds(&s);
	CHECK_EQ(probe_open_fds(), fds);
	vsf_frontend_free(s.fe);
}

/* The accepted counterpart: connect succeeds with nregions regions. */
static void check_config_accepted(const struct fake_backend *script, const struct vsf_options *o,
				  size_t nregions)
{
	struct session s = { .fb = *script };
	long vm = vm_size_kb();

	session_run(&s, o);
	CHECK_EQ(s.ret, 0);
	CHECK_EQ(vsf_frontend_region_count(s.fe), nregions);
	CHECK(vsf_frontend_backend_fd(s.fe) >= 0);
	/* The probe used above does see a 1 GiB reservation. */
	if (script->offer.cfg_sizes[0] >= GIB)
		CHECK(vm_size_kb() - vm >= (long)(GIB / 1024));
	session_fini(&s);
}

static uint64_t page(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

/* The requests of a full negotiation, in QEMU's order (docs/protocol.md). */
static const struct {
	uint32_t request, flags, size;
	int nfds;
} full_sequence[] = {
	{ VSF_REQ_GET_FEATURES, VSF_FLAG_VERSION, 0, 0 },
	{ VSF_REQ_GET_PROTOCOL_FEATURES, VSF_FLAG_VERSION, 0, 0 },
	{ VSF_REQ_SET_PROTOCOL_FEATURES, VSF_FLAG_VERSION, 8, 0 },
	/* REPLY_ACK negotiated: the backend channel fd asks for a reply. */
	{ VSF_REQ_SET_BACKEND_REQ_FD, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0, 1 },
	{ VSF_REQ_SET_OWNER, VSF_FLAG_VERSION, 0, 0 },
	{ VSF_REQ_GET_FEATURES, VSF_FLAG_VERSION, 0, 0 },
	{ VSF_REQ_GET_SHMEM_CONFIG, VSF_FLAG_VERSION, 0, 0 },
	{ VSF_REQ_SET_FEATURES, VSF_FLAG_VERSION, 8, 0 },
};

TEST(connect_full_negotiation)
{
	uint64_t sizes[256] = { [0] = 4 * page(), [5] = 2 * page(), [200] = 8 * page() };
	const int n = (int)(sizeof(full_sequence) / sizeof(full_sequence[0]));
	struct vsf_negotiated neg;
	struct session s;
	struct fixture f;
	struct vsf_region_info ri;
	int fd = make_memfd(2, 0x50);
	int fds = probe_open_fds();

	fake_init(&s.fb, sizes);
	/* More than the front-end knows: it must take only its own bits. */
	s.fb.offer.protocol_features |= PF_BACKEND_SEND_FD | (1ull << 40);
	s.fb.offer.features |= 1ull << 40;
	session_run(&s, NULL);
	CHECK_EQ(s.ret, 0);
	CHECK_EQ(s.fb.session.nseen, n);
	for (int i = 0; i < n && (size_t)i < s.fb.session.nseen; i++) {
		CHECK_EQ(s.fb.session.seen[i].request, full_sequence[i].request);
		CHECK_EQ(s.fb.session.seen[i].flags, full_sequence[i].flags);
		CHECK_EQ(s.fb.session.seen[i].size, full_sequence[i].size);
		CHECK_EQ(s.fb.session.seen_nfds[i], full_sequence[i].nfds);
	}
	/* VERSION_1 and PROTOCOL_FEATURES, nothing the device model did not
	 * claim (no device features by default). */
	CHECK_EQ(s.fb.session.set_features, F_VERSION_1 | F_PROTOCOL_FEATURES);
	CHECK_EQ(s.fb.session.set_protocol_features,
		 PF_REPLY_ACK | PF_BACKEND_REQ | PF_BACKEND_SEND_FD | PF_SHMEM);
	vsf_frontend_negotiated(s.fe, &neg);
	CHECK_EQ(neg.features_offered, s.fb.offer.features);
	CHECK_EQ(neg.features, F_VERSION_1 | F_PROTOCOL_FEATURES);
	CHECK_EQ(neg.protocol_features_offered, s.fb.offer.protocol_features);
	CHECK_EQ(neg.protocol_features, PF_REPLY_ACK | PF_BACKEND_REQ | PF_BACKEND_SEND_FD | PF_SHMEM);
	CHECK_EQ(vsf_frontend_protocol_features(s.fe), neg.protocol_features);
	CHECK(vsf_frontend_shmem_negotiated(s.fe));
	/* Regions from the config, gaps and a high shmid included. */
	CHECK_EQ(vsf_frontend_region_count(s.fe), 3);
	CHECK(vsf_frontend_region(s.fe, 0, &ri) && ri.size == 4 * page());
	CHECK(vsf_frontend_region(s.fe, 5, &ri) && ri.size == 2 * page());
	CHECK(vsf_frontend_region(s.fe, 200, &ri) && ri.size == 8 * page());
	CHECK(!vsf_frontend_region(s.fe, 1, &ri));
	CHECK(!vsf_frontend_region(s.fe, 255, &ri));
	/* The fd the backend received is the backend channel: a map over it
	 * gets a reply and lands in region 200. */
	CHECK(s.fb.session.backend_fd >= 0);
	CHECK(vsf_frontend_backend_fd(s.fe) >= 0);
	if (s.fb.session.backend_fd >= 0) {
		f = (struct fixture){ .fe = s.fe, .peer = s.fb.session.backend_fd, .page = page() };
		CHECK_EQ(do_map(&f, 200, fd, page(), 7 * page(), page(), true), 0);
		CHECK_EQ(region_base(&f, 200)[7 * page()], memfd_byte(0x50, page(), page()));
		CHECK_EQ(do_unmap(&f, 200, 7 * page(), page()), 0);
	}
	session_fini(&s);
	CHECK_EQ(probe_open_fds(), fds);
	close(fd);
}

/* The device features the embedder supports are acknowledged where offered. */
TEST(connect_acknowledges_device_features)
{
	uint64_t sizes[256] = { [0] = page() };
	struct vsf_negotiated neg;
	struct vsf_options o;
	struct session s;

	vsf_options_default(&o);
	o.device_features = 1ull | (1ull << 9);
	fake_init(&s.fb, sizes);
	s.fb.offer.features |= 1ull << 6; /* offered, not supported: not acknowledged */
	session_run(&s, &o);
	CHECK_EQ(s.ret, 0);
	CHECK_EQ(s.fb.session.set_features, F_VERSION_1 | F_PROTOCOL_FEATURES | 1ull);
	vsf_frontend_negotiated(s.fe, &neg);
	CHECK_EQ(neg.features, s.fb.session.set_features);
	session_fini(&s);
}

/* A legacy device is refused right after the first GET_FEATURES. */
TEST(connect_legacy_backend_refused)
{
	uint64_t sizes[256] = { [0] = page() };
	struct vsf_negotiated neg;
	struct session s;
	int fds = probe_open_fds();

	fake_init(&s.fb, sizes);
	s.fb.offer.features &= ~F_VERSION_1;
	session_run(&s, NULL);
	CHECK_EQ(s.ret, -ENOTSUP);
	CHECK(strstr(vsf_frontend_last_error(s.fe), "VIRTIO_F_VERSION_1"));
	CHECK_EQ(s.fb.session.nseen, 1);
	CHECK(saw(&s, 0, VSF_REQ_GET_FEATURES));
	vsf_frontend_negotiated(s.fe, &neg);
	CHECK_EQ(neg.features | neg.features_offered | neg.protocol_features, 0);
	CHECK_EQ(vsf_frontend_backend_fd(s.fe), -1);
	CHECK_EQ(vsf_frontend_region_count(s.fe), 0);
	session_close_fds(&s);
	CHECK_EQ(probe_open_fds(), fds);
	vsf_frontend_free(s.fe);
}

/* GET_FEATURES must answer the same after SET_OWNER as before: a bit more
 * or a bit fewer is refused. */
TEST(connect_features_changed_after_owner)
{
	uint64_t sizes[256] = { [0] = page() };
	struct session s;
	int fds = probe_open_fds();

	for (int fewer = 0; fewer <= 1; fewer++) {
		fake_init(&s.fb, sizes);
		/* fake_init offers device feature bit 0 besides VERSION_1 and PROTOCOL_FEATURES. */
		s.fb.offer.features_after_owner = fewer ? s.fb.offer.features & ~1ull
							: s.fb.offer.features | (1ull << 9);
		session_run(&s, NULL);
		CHECK_EQ(s.ret, -EPROTO);
		CHECK(strstr(vsf_frontend_last_error(s.fe), "after SET_OWNER"));
		CHECK(!saw_any(&s, VSF_REQ_GET_SHMEM_CONFIG));
		CHECK(!saw_any(&s, VSF_REQ_SET_FEATURES));
		CHECK_EQ(vsf_frontend_backend_fd(s.fe), -1);
		CHECK_EQ(vsf_frontend_region_count(s.fe), 0);
		session_close_fds(&s);
		CHECK_EQ(probe_open_fds(), fds);
		vsf_frontend_free(s.fe);
	}
}

TEST(connect_without_reply_ack)
{
	uint64_t sizes[256] = { [1] = page() };
	struct session s;
	struct fixture f;
	int fd = make_memfd(1, 1);

	fake_init(&s.fb, sizes);
	s.fb.offer.protocol_features = PF_BACKEND_REQ | PF_SHMEM;
	session_run(&s, NULL);
	CHECK_EQ(s.ret, 0);
	CHECK_EQ(s.fb.session.set_protocol_features, PF_BACKEND_REQ | PF_SHMEM);
	CHECK(saw(&s, 3, VSF_REQ_SET_BACKEND_REQ_FD));
	/* No REPLY_ACK: no NEED_REPLY, and none awaited (the fake sends none). */
	CHECK(!(s.fb.session.seen[3].flags & VSF_FLAG_NEED_REPLY));
	CHECK_EQ(s.fb.session.seen_nfds[3], 1);
	CHECK_EQ(vsf_frontend_region_count(s.fe), 1);
	if (s.fb.session.backend_fd >= 0) {
		f = (struct fixture){ .fe = s.fe, .peer = s.fb.session.backend_fd, .page = page() };
		CHECK_EQ(do_map(&f, 1, fd, 0, 0, page(), false), 0);
	}
	session_fini(&s);
	close(fd);
}

/* As QEMU: no protocol features, so no backend channel and no region, but
 * a session: SET_OWNER, GET_FEATURES again, SET_FEATURES with VERSION_1. */
TEST(connect_backend_without_protocol_features)
{
	uint64_t sizes[256] = { [0] = page() };
	const uint32_t sequence[] = { VSF_REQ_GET_FEATURES, VSF_REQ_SET_OWNER, VSF_REQ_GET_FEATURES,
				      VSF_REQ_SET_FEATURES };
	struct vsf_negotiated neg;
	struct session s;
	int fds = probe_open_fds();

	fake_init(&s.fb, sizes);
	s.fb.offer.features &= ~F_PROTOCOL_FEATURES;
	session_run(&s, NULL);
	CHECK_EQ(s.ret, 0);
	CHECK_EQ(s.fb.session.nseen, 4);
	for (int i = 0; i < 4; i++)
		CHECK(saw(&s, i, sequence[i]));
	CHECK_EQ(s.fb.session.set_features, F_VERSION_1);
	vsf_frontend_negotiated(s.fe, &neg);
	CHECK_EQ(neg.features, F_VERSION_1);
	CHECK_EQ(neg.protocol_features | neg.protocol_features_offered, 0);
	CHECK_EQ(vsf_frontend_region_count(s.fe), 0);
	CHECK_EQ(vsf_frontend_backend_fd(s.fe), -1);
	CHECK(!vsf_frontend_shmem_negotiated(s.fe));
	/* A connected session cannot be connected again. */
	CHECK_EQ(vsf_frontend_connect(s.fe, s.sock), -EISCONN);
	session_close_fds(&s);
	CHECK_EQ(probe_open_fds(), fds);
	vsf_frontend_free(s.fe);
}

/* Regions the device model added before connecting survive the connect,
 * successful or not; a config naming one of their shmids fails whole. */
TEST(connect_keeps_device_model_regions)
{
	uint64_t sizes[256] = { [0] = page() };
	struct vsf_region_info ri;
	struct session s;

	fake_init(&s.fb, sizes);
	session_run_with_region(&s, NULL, 5, 2 * page());
	CHECK_EQ(s.ret, 0);
	CHECK_EQ(vsf_frontend_region_count(s.fe), 2);
	CHECK(vsf_frontend_region(s.fe, 5, &ri) && ri.size == 2 * page());
	session_fini(&s);

	fake_init(&s.fb, sizes);
	s.fb.offer.features &= ~F_VERSION_1;
	session_run_with_region(&s, NULL, 5, 2 * page());
	CHECK_EQ(s.ret, -ENOTSUP);
	CHECK_EQ(vsf_frontend_region_count(s.fe), 1);
	CHECK(vsf_frontend_region(s.fe, 5, &ri) && ri.size == 2 * page());
	session_fini(&s);

	fake_init(&s.fb, sizes);
	session_run_with_region(&s, NULL, 0, 2 * page());
	CHECK_EQ(s.ret, -EEXIST);
	CHECK_EQ(vsf_frontend_region_count(s.fe), 1);
	CHECK(vsf_frontend_region(s.fe, 0, &ri) && ri.size == 2 * page());
	CHECK_EQ(vsf_frontend_backend_fd(s.fe), -1);
	CHECK(!vsf_frontend_shmem_negotiated(s.fe));
	session_fini(&s);
}

TEST(connect_backend_without_shmem)
{
	uint64_t sizes[256] = { [0] = page() };
	struct session s;
	struct fixture f;
	struct vsf_region_info ri;
	int fd = make_memfd(1, 1);

	fake_init(&s.fb, sizes);
	s.fb.offer.protocol_features = PF_REPLY_ACK | PF_BACKEND_REQ;
	session_run(&s, NULL);
	CHECK_EQ(s.ret, 0);
	CHECK_EQ(s.fb.session.set_protocol_features, PF_REPLY_ACK | PF_BACKEND_REQ);
	CHECK(!vsf_frontend_shmem_negotiated(s.fe));
	CHECK(!saw_any(&s, VSF_REQ_GET_SHMEM_CONFIG));
	CHECK_EQ(vsf_frontend_region_count(s.fe), 0);
	CHECK(!vsf_frontend_region(s.fe, 0, &ri));
	CHECK(s.fb.session.backend_fd >= 0);
	if (s.fb.session.backend_fd >= 0) {
		int before = probe_open_fds();

		f = (struct fixture){ .fe = s.fe, .peer = s.fb.session.backend_fd, .page = page() };
		CHECK_EQ(do_map(&f, 0, fd, 0, 0, page(), false), -ENOTSUP);
		CHECK_EQ(probe_open_fds(), before);
		CHECK_EQ(vsf_frontend_mapping_count(s.fe), 0);
	}
	session_fini(&s);
	close(fd);
}

TEST(connect_backend_req_fd_refused)
{
	uint64_t sizes[256] = { [0] = page() };
	struct session s;
	int fds = probe_open_fds();

	fake_init(&s.fb, sizes);
	s.fb.offer.ack = 1;
	session_run(&s, NULL);
	CHECK_EQ(s.ret, -EPROTO);
	CHECK(vsf_frontend_last_error(s.fe)[0] != '\0');
	CHECK(!saw_any(&s, VSF_REQ_GET_SHMEM_CONFIG));
	CHECK_EQ(vsf_frontend_backend_fd(s.fe), -1);
	CHECK_EQ(vsf_frontend_region_count(s.fe), 0);
	session_close_fds(&s);
	CHECK_EQ(probe_open_fds(), fds);
	vsf_frontend_free(s.fe);
}

TEST(config_nregions_at_most_256)
{
	uint64_t sizes[256] = { [0] = GIB };
	struct fake_backend fb;

	fake_init(&fb, sizes);
	fb.offer.cfg_nregions = 257;
	check_config_rejected(&fb, NULL, -EINVAL);
	fb.offer.cfg_nregions = UINT32_MAX;
	check_config_rejected(&fb, NULL, -EINVAL);
	/* All 256 slots used: accepted. */
	for (int i = 0; i < 256; i++)
		sizes[i] = page();
	fake_init(&fb, sizes);
	CHECK_EQ(fb.offer.cfg_nregions, 256);
	check_config_accepted(&fb, NULL, 256);
}

TEST(config_nregions_counts_nonzero_sizes)
{
	uint64_t sizes[256] = { [0] = GIB, [7] = page(), [200] = 2 * page() };
	struct fake_backend fb;

	fake_init(&fb, sizes);
	fb.offer.cfg_nregions = 2;
	check_config_rejected(&fb, NULL, -EINVAL);
	fb.offer.cfg_nregions = 4;
	check_config_rejected(&fb, NULL, -EINVAL);
	fb.offer.cfg_nregions = 0;
	check_config_rejected(&fb, NULL, -EINVAL);
	fb.offer.cfg_nregions = 3;
	check_config_accepted(&fb, NULL, 3);
	/* A single region at a high shmid: nregions is a count, not a bound. */
	memset(sizes, 0, sizeof(sizes));
	sizes[255] = page();
	fake_init(&fb, sizes);
	CHECK_EQ(fb.offer.cfg_nregions, 1);
	check_config_accepted(&fb, NULL, 1);
	/* No region at all. */
	memset(sizes, 0, sizeof(sizes));
	fake_init(&fb, sizes);
	check_config_accepted(&fb, NULL, 0);
}

TEST(config_sizes_page_multiples)
{
	const uint64_t bad[] = { 512, page() + 512, 3 * page() - 1, GIB + 1 };
	uint64_t sizes[256] = { [0] = GIB };
	struct fake_backend fb;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sizes[9] = bad[i];
		fake_init(&fb, sizes);
		check_config_rejected(&fb, NULL, -EINVAL);
	}
	sizes[9] = 3 * page();
	fake_init(&fb, sizes);
	check_config_accepted(&fb, NULL, 2);
}

TEST(config_total_within_reservation_limit)
{
	uint64_t sizes[256] = { [0] = GIB, [1] = 5 * page() };
	struct fake_backend fb;
	struct vsf_options o;

	vsf_options_default(&o);
	o.max_reserved_bytes = GIB + 4 * page();
	fake_init(&fb, sizes);
	check_config_rejected(&fb, &o, -ENOSPC);
	/* Sizes whose sum wraps around 2^64 are above the limit too. */
	sizes[1] = UINT64_MAX - GIB + 1;
	fake_init(&fb, sizes);
	CHECK(sizes[1] % page() == 0);
	check_config_rejected(&fb, &o, -ENOSPC);
	/* Exactly at the limit: accepted. */
	sizes[1] = 4 * page();
	fake_init(&fb, sizes);
	check_config_accepted(&fb, &o, 2);
}

TEST(config_all_or_nothing_when_reservation_fails)
{
	/* Within the limit, but no address space has room for 2^62 bytes:
	 * region 0 must not stay behind when region 1 cannot be reserved. */
	uint64_t sizes[256] = { [0] = GIB, [1] = 1ull << 62 };
	struct fake_backend fb;
	struct vsf_options o;

	struct fixture f;
	long vm;

	vsf_options_default(&o);
	o.max_reserved_bytes = UINT64_MAX;
	fake_init(&fb, sizes);
	check_config_rejected(&fb, &o, -ENOMEM);
	/* The same through vsf_frontend_configure, where no disconnect follows
	 * to clean up after it. */
	fixture_init(&f, ALL_PROTOCOL_FEATURES, &o);
	vm = vm_size_kb();
	CHECK_EQ(vsf_frontend_configure(f.fe, 2, sizes), -ENOMEM);
	CHECK_EQ(vsf_frontend_region_count(f.fe), 0);
	CHECK(vm_size_kb() - vm < (long)(GIB / 2 / 1024));
	/* Region 0 was not left behind: it can be configured again. */
	sizes[1] = 0;
	CHECK_EQ(vsf_frontend_configure(f.fe, 1, sizes), 0);
	CHECK_EQ(vsf_frontend_region_count(f.fe), 1);
	fixture_fini(&f);
}

TEST(config_reply_flags_exact)
{
	const uint32_t bad[] = { 0x0, 0x1, 0x4, 0x6, 0x7, VSF_REPLY_FLAGS | VSF_FLAG_NEED_REPLY,
				 VSF_REPLY_FLAGS | 0x10, VSF_REPLY_FLAGS | 0x80000000u };
	uint64_t sizes[256] = { [0] = GIB };
	struct fake_backend fb;

	fake_init(&fb, sizes);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fb.offer.cfg_flags = bad[i];
		check_config_rejected(&fb, NULL, -EPROTO);
	}
	fb.offer.cfg_flags = VSF_REPLY_FLAGS;
	check_config_accepted(&fb, NULL, 1);
}

TEST(config_reply_request_echoed)
{
	const uint32_t bad[] = { 0, VSF_REQ_GET_FEATURES, VSF_REQ_GET_SHMEM_CONFIG + 1,
				 VSF_REQ_GET_SHMEM_CONFIG | 0x100 };
	uint64_t sizes[256] = { [0] = GIB };
	struct fake_backend fb;

	fake_init(&fb, sizes);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fb.offer.cfg_request = bad[i];
		check_config_rejected(&fb, NULL, -EPROTO);
	}
	fb.offer.cfg_request = VSF_REQ_GET_SHMEM_CONFIG;
	check_config_accepted(&fb, NULL, 1);
}

TEST(config_reply_size_exact)
{
	/* 2048: the old layout without the header word; 0; 8; one word too many. */
	const uint32_t bad[] = { 2048, 0, 8, VSF_CONFIG_PAYLOAD_SIZE - 1,
				 VSF_CONFIG_PAYLOAD_SIZE + 8 };
	uint64_t sizes[256] = { [0] = GIB };
	struct fake_backend fb;

	fake_init(&fb, sizes);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fb.offer.cfg_size = bad[i];
		check_config_rejected(&fb, NULL, -EPROTO);
	}
	fb.offer.cfg_size = VSF_CONFIG_PAYLOAD_SIZE;
	check_config_accepted(&fb, NULL, 1);
}

TEST(config_reply_without_fd)
{
	uint64_t sizes[256] = { [0] = GIB };
	struct fake_backend fb;

	/* check_config_rejected also shows the fd that came was closed. */
	fake_init(&fb, sizes);
	fb.offer.cfg_with_fd = true;
	check_config_rejected(&fb, NULL, -EPROTO);
	fb.offer.cfg_with_fd = false;
	check_config_accepted(&fb, NULL, 1);
}

TEST(config_reply_never_comes)
{
	uint64_t sizes[256] = { [0] = GIB };
	struct fake_backend fb;
	struct vsf_options o;
	struct session s;

	vsf_options_default(&o);
	o.io_timeout_ms = 50;
	fake_init(&fb, sizes);
	fb.offer.cfg_silent = true;
	check_config_rejected(&fb, &o, -ETIMEDOUT);
	/* Bounded by the I/O timeout, not a hang. */
	s = (struct session){ .fb = fb };
	session_run(&s, &o);
	CHECK_EQ(s.ret, -ETIMEDOUT);
	CHECK(s.ms >= 40 && s.ms < 1000);
	session_fini(&s);
}

static volatile sig_atomic_t sigpipes;

static void count_sigpipe(int sig)
{
	sigpipes++;
}

TEST(connect_to_gone_backend_no_sigpipe)
{
	struct sigaction sa = { .sa_handler = count_sigpipe }, old;
	struct vsf_frontend *fe;
	int fds = probe_open_fds();
	int sv[2], ret;

	sigemptyset(&sa.sa_mask);
	SETUP(sigaction(SIGPIPE, &sa, &old) == 0);
	SETUP(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	SETUP(vsf_frontend_new(NULL, &fe) == 0);
	close(sv[1]);
	sigpipes = 0;
	ret = vsf_frontend_connect(fe, sv[0]);
	CHECK_EQ(sigpipes, 0);
	CHECK_EQ(ret, -EPIPE);
	CHECK(vsf_frontend_last_error(fe)[0] != '\0');
	CHECK_EQ(vsf_frontend_backend_fd(fe), -1);
	close(sv[0]);
	CHECK_EQ(probe_open_fds(), fds);
	vsf_frontend_free(fe);
	SETUP(sigaction(SIGPIPE, &old, NULL) == 0);
}

/*
 * A system call of the negotiation fails (scenario/fault.h): connect fails
 * with its errno and leaves no session, region, reservation or fd.
 */
TEST(connect_fails_cleanly_when_a_call_fails)
{
	static const struct {
		unsigned call, after;
		int err;
	} cases[] = {
		{ FAULT_SOCKETPAIR, 0, EMFILE }, /* the backend channel */
		{ FAULT_SENDMSG, 2, ENOBUFS },   /* SET_PROTOCOL_FEATURES */
		{ FAULT_RECVMSG, 1, ENOMEM },    /* the protocol features */
		{ FAULT_RECVMSG, 0, ECONNRESET },
		{ FAULT_MMAP, 0, ENOMEM },       /* the config's region, after SET_FEATURES */
		{ FAULT_MMAP, 0, EPERM },        /* the same, -1: as a seccomp filter refuses */
	};
	uint64_t sizes[256] = { [0] = GIB };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct session s;
		struct vsf_options o;
		int fds = probe_open_fds();
		long vm = vm_size_kb();

		vsf_options_default(&o);
		memset(&s, 0, sizeof(s));
		fake_init(&s.fb, sizes);
		SETUP(fault_arm(cases[i].call, cases[i].after, cases[i].err));
		session_run(&s, &o);
		CHECK_EQ(s.ret, cases[i].err == ECONNRESET ? -ECONNRESET : -cases[i].err);
		CHECK(vsf_frontend_last_error(s.fe)[0] != '\0');
		CHECK_EQ(vsf_frontend_backend_fd(s.fe), -1);
		CHECK_EQ(vsf_frontend_region_count(s.fe), 0);
		CHECK(vm_size_kb() - vm < (long)(GIB / 2 / 1024));
		session_close_fds(&s);
		CHECK_EQ(probe_open_fds(), fds);
		vsf_frontend_free(s.fe);
		fault_disarm();
	}
}

/*
 * The log of a connect: each request at DEBUG as it is sent, the protocol
 * features and the features agreed and the config's regions at INFO.
 */
TEST(connect_logs_requests_and_what_was_agreed)
{
	uint64_t sizes[256] = { [0] = page(), [7] = page() };
	const int n = (int)(sizeof(full_sequence) / sizeof(full_sequence[0]));
	struct log_lines log = { 0 };
	struct vsf_negotiated neg;
	struct session s;
	char line[256];
	int k = 0;

	fake_init(&s.fb, sizes);
	session_run_logged(&s, NULL, 0, 0, &log);
	CHECK_EQ(s.ret, 0);
	/* The DEBUG lines are the requests, in the order sent. */
	for (size_t i = 0; i < log.n; i++) {
		if (log.level[i] != VSF_LOG_DEBUG)
			continue;
		if (k < n) {
			snprintf(line, sizeof(line), "-> %s",
				 vsf_frontend_request_name(full_sequence[k].request));
			CHECK(!strcmp(log.text[i], line));
		}
		k++;
	}
	CHECK_EQ(k, n);
	vsf_frontend_negotiated(s.fe, &neg);
	snprintf(line, sizeof(line), "protocol features 0x%llx negotiated",
		 (unsigned long long)neg.protocol_features);
	CHECK(log_find(&log, VSF_LOG_INFO, line) >= 0);
	snprintf(line, sizeof(line), "features 0x%llx acknowledged",
		 (unsigned long long)neg.features);
	CHECK(log_find(&log, VSF_LOG_INFO, line) >= 0);
	CHECK(log_find(&log, VSF_LOG_INFO, "config: 2 shared memory regions (shmids 0,7)") >= 0);
	CHECK_EQ(log_count(&log, VSF_LOG_INFO), 3);
	CHECK_EQ(log_count(&log, VSF_LOG_ERROR) + log_count(&log, VSF_LOG_WARN), 0);
	session_fini(&s);
}

/*
 * A u64 reply (GET_FEATURES, GET_PROTOCOL_FEATURES, SET_BACKEND_REQ_FD's
 * acknowledgement) of any size but 8 is refused with its size named, and
 * nothing is taken from it: no session, no fd left behind.
 */
TEST(connect_u64_reply_of_the_wrong_size_refused)
{
	static const uint32_t requests[] = { VSF_REQ_GET_FEATURES, VSF_REQ_GET_PROTOCOL_FEATURES,
					     VSF_REQ_SET_BACKEND_REQ_FD };
	static const uint32_t bad_sizes[] = { 0, 4, 16 };
	uint64_t sizes[256] = { [0] = page() };

	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		for (size_t j = 0; j < sizeof(bad_sizes) / sizeof(bad_sizes[0]); j++) {
			struct backend_rule rule = {
				.request = requests[i], .form = VSF_ANSWER_REPLY,
				.id = VSF_ANSWER_NATURAL, .flags = VSF_REPLY_FLAGS,
				.size = bad_sizes[j], .offset = VSF_ANSWER_NATURAL,
				.csize = VSF_ANSWER_NATURAL, .cflags = VSF_ANSWER_NATURAL,
			};
			struct vsf_negotiated neg;
			struct session s;
			char want[64];
			int fds = probe_open_fds();

			fake_init(&s.fb, sizes);
			rule.value = requests[i] == VSF_REQ_GET_FEATURES ? s.fb.offer.features
				     : requests[i] == VSF_REQ_GET_PROTOCOL_FEATURES
					     ? s.fb.offer.protocol_features
					     : 0;
			SETUP(backend_offer_add_rule(&s.fb.offer, &rule));
			session_run(&s, NULL);
			CHECK_EQ(s.ret, -EPROTO);
			snprintf(want, sizeof(want), "reply size %u, expected 8", bad_sizes[j]);
			CHECK(strstr(vsf_frontend_last_error(s.fe), want));
			CHECK(strstr(vsf_frontend_last_error(s.fe),
				     vsf_frontend_request_name(requests[i])));
			vsf_frontend_negotiated(s.fe, &neg);
			CHECK_EQ(neg.features_offered | neg.protocol_features_offered, 0);
			CHECK_EQ(vsf_frontend_backend_fd(s.fe), -1);
			CHECK(!saw_any(&s, VSF_REQ_SET_FEATURES));
			session_close_fds(&s);
			CHECK_EQ(probe_open_fds(), fds);
			vsf_frontend_free(s.fe);
		}
	}
}
