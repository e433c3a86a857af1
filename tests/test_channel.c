/* SPDX-License-Identifier: MIT */
/*
 * The channel layer over a real socketpair: messages split into odd chunks
 * with fds on any chunk, too many fds, oversized and unknown payloads, a
 * peer that stops or closes mid-message, timeouts, and replies to a peer
 * that is gone (MSG_NOSIGNAL). Every fd that arrives is counted: after each
 * message the process holds the fds it held before, and no more.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "vsf_test.h"

/* Region 0: 16 pages. */
static const int one_region[] = { 0, 16, -1 };

#define MAP_MSG_SIZE (VSF_HEADER_SIZE + VSF_MMAP_PAYLOAD_SIZE)

/* Odd chunk sizes that add up to one map message (52 bytes). */
static const size_t chunks[] = { 1, 5, 7, 13, 11, 15 };
#define NCHUNKS (sizeof(chunks) / sizeof(chunks[0]))
_Static_assert(1 + 5 + 7 + 13 + 11 + 15 == MAP_MSG_SIZE, "chunks make one message");

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A map or unmap request as wire bytes. */
static void build_mmap(uint8_t buf[MAP_MSG_SIZE], uint32_t request, uint32_t hflags,
		       uint8_t shmid, uint64_t fd_offset, uint64_t shm_offset, uint64_t len,
		       uint64_t mflags)
{
	struct vsf_wire_header h = { request, hflags, VSF_MMAP_PAYLOAD_SIZE };
	struct vsf_wire_mmap m = { .shmid = shmid, .fd_offset = fd_offset,
				   .shm_offset = shm_offset, .len = len, .flags = mflags };

	vsf_encode_header(&h, buf);
	vsf_encode_mmap(&m, buf + VSF_HEADER_SIZE);
}

/* Send buf (one map message) in the odd chunks; fds go with chunk fd_chunk. */
static void send_in_chunks(int sock, const uint8_t *buf, size_t fd_chunk, const int *fds,
			   size_t nfds, unsigned gap_us)
{
	struct fixture f = { .peer = sock };
	size_t off = 0;

	for (size_t i = 0; i < NCHUNKS; i++) {
		if (gap_us && i)
			usleep(gap_us);
		peer_send_raw(&f, buf + off, chunks[i], fds, i == fd_chunk ? nfds : 0);
		off += chunks[i];
	}
}

/* The front-end closed its end: the peer reads end of stream. */
static bool peer_sees_eof(struct fixture *f)
{
	char c;

	return recv(f->peer, &c, 1, MSG_DONTWAIT) == 0;
}

TEST(recv_assembles_chunks_and_keeps_fds)
{
	int sv[2];
	int fd = make_memfd(1, 1);
	uint8_t buf[MAP_MSG_SIZE];
	struct vsf_error err = { 0 };
	struct vsf_rx rx;
	struct stat a, b;

	SETUP(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	build_mmap(buf, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 3,
		   0x1000, 0x2000, 0x3000, VSF_MMAP_F_RW);
	/* The fd rides on the fourth chunk, well inside the payload. */
	send_in_chunks(sv[1], buf, 3, &fd, 1, 0);
	CHECK_EQ(vsf_channel_recv(sv[0], 1000, &rx, &err), 0);
	CHECK_EQ(rx.msg.hdr.request, VSF_BACKEND_SHMEM_MAP);
	CHECK_EQ(rx.msg.hdr.flags, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY);
	CHECK_EQ(rx.msg.hdr.size, VSF_MMAP_PAYLOAD_SIZE);
	CHECK(!memcmp(rx.msg.payload, buf + VSF_HEADER_SIZE, VSF_MMAP_PAYLOAD_SIZE));
	CHECK_EQ(rx.nfds, 1);
	CHECK(!rx.fds_overflow);
	if (rx.nfds == 1) {
		/* The same file, a new descriptor, close-on-exec. */
		SETUP(fstat(fd, &a) == 0);
		CHECK(fstat(rx.fds[0], &b) == 0);
		CHECK(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
		CHECK(rx.fds[0] != fd);
		CHECK(fcntl(rx.fds[0], F_GETFD) & FD_CLOEXEC);
	}
	vsf_rx_close_fds(&rx);
	/* Nothing more was consumed or is pending. */
	vsf_error_clear(&err);
	CHECK_EQ(vsf_channel_recv(sv[0], 0, &rx, &err), -EAGAIN);
	close(sv[0]);
	close(sv[1]);
	close(fd);
}

TEST(recv_too_many_fds_all_closed)
{
	const size_t counts[] = { VSF_MAX_FDS + 1, 60 };
	int fd = make_memfd(1, 1);
	int many[60];

	for (size_t i = 0; i < 60; i++)
		many[i] = fd;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct fixture peer = { 0 };
		struct vsf_error err = { 0 };
		struct vsf_rx rx;
		uint8_t buf[MAP_MSG_SIZE];
		int sv[2], fds;

		SETUP(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
		peer.peer = sv[1];
		fds = probe_open_fds();
		build_mmap(buf, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION, 0, 0, 0, 0x1000, 0);
		peer_send_raw(&peer, buf, sizeof(buf), many, counts[i]);
		/* The message is whole, flagged, and holds no fd at all. */
		CHECK_EQ(vsf_channel_recv(sv[0], 1000, &rx, &err), 0);
		CHECK(rx.fds_overflow);
		CHECK_EQ(rx.nfds, 0);
		CHECK_EQ(rx.msg.hdr.size, VSF_MMAP_PAYLOAD_SIZE);
		CHECK_EQ(probe_open_fds(), fds);
		close(sv[0]);
		close(sv[1]);
	}
	close(fd);
}

TEST(recv_two_messages_in_one_write)
{
	int sv[2];
	uint8_t buf[2 * MAP_MSG_SIZE];
	struct vsf_error err = { 0 };
	struct vsf_rx rx;

	SETUP(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	build_mmap(buf, VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION, 1, 0, 0, 0x1000, 0);
	build_mmap(buf + MAP_MSG_SIZE, VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION, 2, 0, 0, 0x2000, 0);
	SETUP(send(sv[1], buf, sizeof(buf), MSG_NOSIGNAL) == (ssize_t)sizeof(buf));
	/* Each call takes exactly one message, never bytes of the next. */
	for (uint8_t shmid = 1; shmid <= 2; shmid++) {
		vsf_error_clear(&err);
		CHECK_EQ(vsf_channel_recv(sv[0], 1000, &rx, &err), 0);
		CHECK_EQ(rx.msg.hdr.request, VSF_BACKEND_SHMEM_UNMAP);
		CHECK_EQ(rx.msg.hdr.size, VSF_MMAP_PAYLOAD_SIZE);
		CHECK_EQ(rx.msg.payload[0], shmid);
		CHECK_EQ(vsf_load_le64(rx.msg.payload + 24), 0x1000 * shmid);
	}
	close(sv[0]);
	close(sv[1]);
}

TEST(map_in_odd_chunks_accepted_fd_on_later_chunk)
{
	struct fixture f;
	int fd = make_memfd(2, 0x20);
	/* fd with the second chunk, with the chunk across the header/payload
	 * boundary, and with the last chunk. */
	const size_t fd_chunks[] = { 1, 2, NCHUNKS - 1 };

	fixture_init_regions(&f, one_region);
	for (size_t i = 0; i < sizeof(fd_chunks) / sizeof(fd_chunks[0]); i++) {
		uint8_t buf[MAP_MSG_SIZE];
		struct vsf_wire_header h;
		struct vsf_verdict v;
		uint64_t value = 1;
		int fds = probe_open_fds();

		build_mmap(buf, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0,
			   f.page, 2 * f.page, f.page, 0);
		send_in_chunks(f.peer, buf, fd_chunks[i], &fd, 1, 0);
		CHECK_EQ(handle(&f, &v), 0);
		CHECK_EQ(v.result, 0);
		CHECK_EQ(v.nfds, 1);
		CHECK(!v.too_many_fds);
		/* The verdict carries the header and the decoded mapping. */
		CHECK_EQ(v.request, VSF_BACKEND_SHMEM_MAP);
		CHECK_EQ(v.flags, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY);
		CHECK_EQ(v.size, VSF_MMAP_PAYLOAD_SIZE);
		CHECK(v.has_mapping);
		CHECK_EQ(v.mapping.shmid, 0);
		CHECK_EQ(v.mapping.fd_offset, f.page);
		CHECK_EQ(v.mapping.shm_offset, 2 * f.page);
		CHECK_EQ(v.mapping.len, f.page);
		CHECK_EQ(v.mapping.flags, 0);
		CHECK(v.committed);
		CHECK_EQ(read_replies(&f, &h, &value), 1);
		CHECK_EQ(h.request, VSF_BACKEND_SHMEM_MAP);
		CHECK_EQ(value, 0);
		/* The fd that came on the later chunk is the one mapped. */
		CHECK_EQ(vsf_frontend_mapping_count(f.fe), 1);
		if (vsf_frontend_mapping_count(f.fe) == 1)
			CHECK_EQ(region_base(&f, 0)[2 * f.page + 9], memfd_byte(0x20, f.page, f.page));
		CHECK_EQ(probe_open_fds(), fds);
		CHECK_EQ(do_unmap(&f, 0, 2 * f.page, f.page), 0);
	}
	close(fd);
	fixture_fini(&f);
}

struct drip {
	int sock;
	const uint8_t *buf;
	int fd;
};

static void *drip_run(void *arg)
{
	struct drip *d = arg;

	send_in_chunks(d->sock, d->buf, 4, &d->fd, 1, 2000);
	return NULL;
}

TEST(map_from_slow_peer_assembled)
{
	struct fixture f;
	int fd = make_memfd(1, 0x30);
	uint8_t buf[MAP_MSG_SIZE];
	struct drip d = { .buf = buf, .fd = fd };
	struct vsf_verdict v;
	pthread_t t;

	fixture_init_regions(&f, one_region);
	d.sock = f.peer;
	build_mmap(buf, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION, 0, 0, 0, f.page, 0);
	/* The chunks arrive 2 ms apart while the front-end is already reading. */
	SETUP(pthread_create(&t, NULL, drip_run, &d) == 0);
	CHECK_EQ(handle(&f, &v), 0);
	SETUP(pthread_join(t, NULL) == 0);
	CHECK_EQ(v.result, 0);
	CHECK_EQ(v.nfds, 1);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 1);
	CHECK(probe_readable(region_base(&f, 0)));
	close(fd);
	fixture_fini(&f);
}

struct trickle {
	int sock;
	const uint8_t *buf;
};

static void *trickle_run(void *arg)
{
	struct trickle *t = arg;
	size_t off = 0;

	/* The front-end gives up mid-way and closes: later sends may fail. */
	for (size_t i = 0; i < NCHUNKS; i++) {
		if (i)
			usleep(40000);
		if (send(t->sock, t->buf + off, chunks[i], MSG_NOSIGNAL) < 0)
			break;
		off += chunks[i];
	}
	return NULL;
}

/* The timeout bounds the whole message: chunks 40 ms apart, each within a
 * 100 ms timeout, still cannot hold the front-end past 100 ms in all. */
TEST(trickling_peer_times_out_on_the_whole_message)
{
	struct fixture f;
	struct vsf_options o;
	uint8_t buf[MAP_MSG_SIZE];
	struct trickle t;
	pthread_t th;
	uint64_t sizes[256] = { 0 };

	vsf_options_default(&o);
	o.io_timeout_ms = 100;
	fixture_init(&f, ALL_PROTOCOL_FEATURES, &o);
	sizes[0] = 16 * f.page;
	SETUP(vsf_frontend_configure(f.fe, 1, sizes) == 0);
	t = (struct trickle){ .sock = f.peer, .buf = buf };
	build_mmap(buf, VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION, 0, 0, 0, f.page, 0);
	SETUP(pthread_create(&th, NULL, trickle_run, &t) == 0);
	CHECK_EQ(handle(&f, NULL), -ETIMEDOUT);
	CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
	SETUP(pthread_join(th, NULL) == 0);
	fixture_fini(&f);
}

TEST(fds_across_chunks_counted_together)
{
	struct fixture f;
	int fd = make_memfd(1, 1);
	uint8_t buf[MAP_MSG_SIZE];
	struct vsf_wire_header h;
	struct vsf_verdict v;
	uint64_t value = 0;
	int fds;

	fixture_init_regions(&f, one_region);
	fds = probe_open_fds();
	/* One fd on the header, a second one on a payload chunk: two fds. */
	build_mmap(buf, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0, 0, 0,
		   f.page, 0);
	peer_send_raw(&f, buf, VSF_HEADER_SIZE, &fd, 1);
	peer_send_raw(&f, buf + VSF_HEADER_SIZE, 20, NULL, 0);
	peer_send_raw(&f, buf + VSF_HEADER_SIZE + 20, VSF_MMAP_PAYLOAD_SIZE - 20, &fd, 1);
	CHECK_EQ(handle(&f, &v), 0);
	CHECK_EQ(v.nfds, 2);
	CHECK_EQ(v.result, -EBADMSG);
	CHECK_EQ(read_replies(&f, &h, &value), 1);
	CHECK(value != 0);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	CHECK_EQ(probe_open_fds(), fds);
	check_channel_usable(&f);
	close(fd);
	fixture_fini(&f);
}

TEST(too_many_fds_rejected_and_closed)
{
	/* 9: one above the limit, fits the control buffer; 60: MSG_CTRUNC. */
	const size_t counts[] = { VSF_MAX_FDS + 1, 60 };
	struct fixture f;
	int fd = make_memfd(1, 1);
	int many[60];

	for (size_t i = 0; i < 60; i++)
		many[i] = fd;
	fixture_init_regions(&f, one_region);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct vsf_wire_header h;
		struct vsf_verdict v;
		uint64_t value = 0;
		int fds = probe_open_fds();

		peer_send_mmap(&f, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0,
			       0, 0, f.page, 0, many, counts[i]);
		CHECK_EQ(handle(&f, &v), 0);
		CHECK_EQ(v.result, -EBADMSG);
		CHECK(v.too_many_fds);
		CHECK_EQ(v.nfds, 0);
		CHECK(v.has_mapping); /* the payload is still decoded */
		CHECK_EQ(v.mapping.len, f.page);
		CHECK(!v.committed);
		CHECK(v.replied);
		CHECK_EQ(read_replies(&f, &h, &value), 1);
		CHECK_EQ(h.request, VSF_BACKEND_SHMEM_MAP);
		CHECK_EQ(h.flags, VSF_REPLY_FLAGS);
		CHECK(value != 0);
		CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
		CHECK_EQ(probe_open_fds(), fds);
		CHECK(vsf_frontend_backend_fd(f.fe) >= 0);
		check_channel_usable(&f);
	}
	close(fd);
	fixture_fini(&f);
}

/*
 * One fd, but the front-end's process cannot take it (its fd limit): the
 * kernel drops it and says MSG_CTRUNC. Rejected like too many fds, with a
 * reason that names both causes, and the channel serves on.
 */
TEST(fd_past_the_fd_limit_rejected_with_its_reason)
{
	struct fixture f;
	struct vsf_verdict v;
	struct vsf_wire_header h;
	uint64_t value = 0;
	struct rlimit old, low;
	int fd = make_memfd(1, 1), lowest;

	fixture_init_regions(&f, one_region);
	lowest = dup(0); /* the number the next fd would take */
	SETUP(lowest >= 0 && getrlimit(RLIMIT_NOFILE, &old) == 0);
	close(lowest);
	peer_send_mmap(&f, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0, 0, 0,
		       f.page, 0, &fd, 1);
	low = old;
	low.rlim_cur = (rlim_t)lowest;
	SETUP(setrlimit(RLIMIT_NOFILE, &low) == 0);
	CHECK_EQ(handle(&f, &v), 0);
	SETUP(setrlimit(RLIMIT_NOFILE, &old) == 0);
	CHECK_EQ(v.result, -EBADMSG);
	CHECK(v.too_many_fds);
	CHECK(strstr(vsf_frontend_last_error(f.fe), "fd limit") != NULL);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	CHECK_EQ(read_replies(&f, &h, &value), 1);
	CHECK(value != 0);
	check_channel_usable(&f);
	close(fd);
	fixture_fini(&f);
}

TEST(payload_above_max_closes_channel)
{
	const uint32_t sizes[] = { VSF_PAYLOAD_MAX + 1, 0x80000000u, UINT32_MAX };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct fixture f;
		int fd = make_memfd(1, 1);
		uint8_t buf[VSF_HEADER_SIZE + 64] = { 0 };
		struct vsf_wire_header req = { VSF_BACKEND_SHMEM_MAP,
					       VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, sizes[i] };
		struct vsf_wire_header h;
		struct vsf_verdict v;
		uint64_t value;
		int fds;

		fixture_init_regions(&f, one_region);
		fds = probe_open_fds();
		vsf_encode_header(&req, buf);
		peer_send_raw(&f, buf, sizeof(buf), &fd, 1);
		CHECK_EQ(handle(&f, &v), -EMSGSIZE);
		CHECK(vsf_frontend_last_error(f.fe)[0] != '\0');
		CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
		/* The channel's own fd is gone, and so is the one that came. */
		CHECK_EQ(probe_open_fds(), fds - 1);
		CHECK_EQ(read_replies(&f, &h, &value), 0);
		CHECK(peer_sees_eof(&f));
		CHECK_EQ(handle(&f, &v), -ENOTCONN);
		close(fd);
		fixture_fini(&f);
	}
}

TEST(unknown_request_payload_skipped)
{
	/* Sizes up to the maximum are framed and skipped, not misread. */
	const uint32_t sizes[] = { 1000, VSF_PAYLOAD_MAX };
	struct fixture f;
	int fd = make_memfd(1, 1);
	static uint8_t buf[VSF_HEADER_SIZE + VSF_PAYLOAD_MAX];

	fixture_init_regions(&f, one_region);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct vsf_wire_header req = { 77, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, sizes[i] };
		struct vsf_wire_header h;
		struct vsf_verdict v;
		uint64_t value = 0;
		int fds = probe_open_fds();

		/* The payload is full of valid-looking map requests: if it were
		 * not skipped whole, they would be handled as messages. */
		vsf_encode_header(&req, buf);
		for (size_t off = VSF_HEADER_SIZE; off + MAP_MSG_SIZE <= sizeof(buf); off += MAP_MSG_SIZE)
			build_mmap(buf + off, VSF_BACKEND_SHMEM_MAP,
				   VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0, 0, 0, f.page, 0);
		peer_send_raw(&f, buf, VSF_HEADER_SIZE + sizes[i], &fd, 1);
		CHECK_EQ(handle(&f, &v), 0);
		CHECK_EQ(v.request, 77);
		CHECK_EQ(v.result, -ENOTSUP);
		CHECK_EQ(read_replies(&f, &h, &value), 1);
		CHECK_EQ(h.request, 77);
		CHECK_EQ(h.flags, VSF_REPLY_FLAGS);
		CHECK(value != 0);
		CHECK_EQ(probe_open_fds(), fds);
		check_channel_usable(&f);
		CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	}
	close(fd);
	fixture_fini(&f);
}

TEST(peer_closes_mid_message)
{
	/* Bytes of a 52-byte map sent before the peer goes: part of the
	 * header, the header alone, the header and part of the payload. */
	const size_t sent[] = { 6, VSF_HEADER_SIZE, VSF_HEADER_SIZE + 20 };

	for (size_t i = 0; i < sizeof(sent) / sizeof(sent[0]); i++) {
		struct fixture f;
		int fd = make_memfd(1, 1);
		uint8_t buf[MAP_MSG_SIZE];
		struct vsf_verdict v;
		int fds;

		fixture_init_regions(&f, one_region);
		build_mmap(buf, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0, 0,
			   0, f.page, 0);
		peer_send_raw(&f, buf, sent[i], &fd, 1);
		close(f.peer);
		f.peer = -1;
		fds = probe_open_fds();
		CHECK_EQ(handle(&f, &v), -EPROTO);
		CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
		CHECK_EQ(probe_open_fds(), fds - 1);
		CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
		close(fd);
		fixture_fini(&f);
	}
}

TEST(peer_closes_mid_message_with_replies_unread)
{
	struct fixture f;
	uint8_t buf[MAP_MSG_SIZE];
	struct vsf_verdict v;

	fixture_init_regions(&f, one_region);
	/* A rejected unmap with NEED_REPLY: its reply waits, unread, in the
	 * peer's queue when the peer goes away in the middle of the next
	 * message. The kernel then reports ECONNRESET instead of end of
	 * stream; it is still a message cut short, not a clean close. */
	peer_send_mmap(&f, VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0, 0, 0,
		       f.page, 0, NULL, 0);
	CHECK_EQ(handle(&f, &v), 0);
	CHECK(v.replied);
	build_mmap(buf, VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION, 0, 0, 0, f.page, 0);
	peer_send_raw(&f, buf, VSF_HEADER_SIZE + 8, NULL, 0);
	close(f.peer);
	f.peer = -1;
	CHECK_EQ(handle(&f, &v), -EPROTO);
	CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
	fixture_fini(&f);
}

TEST(peer_closes_between_messages)
{
	struct fixture f;
	int fd = make_memfd(1, 1);
	struct vsf_verdict v;
	int fds;

	fixture_init_regions(&f, one_region);
	peer_send_mmap(&f, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION, 0, 0, 0, f.page, 0, &fd, 1);
	close(f.peer);
	f.peer = -1;
	/* The message before the close is still served. */
	CHECK_EQ(handle(&f, &v), 0);
	CHECK_EQ(v.result, 0);
	fds = probe_open_fds();
	CHECK_EQ(handle(&f, &v), -ECONNRESET);
	CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
	CHECK_EQ(probe_open_fds(), fds - 1);
	close(fd);
	fixture_fini(&f);
}

TEST(incomplete_message_times_out)
{
	/* Part of the header, the header alone, the header with part of the payload. */
	const size_t sent[] = { 5, VSF_HEADER_SIZE, VSF_HEADER_SIZE + 10 };
	struct vsf_options o;

	vsf_options_default(&o);
	o.io_timeout_ms = 50;
	for (size_t i = 0; i < sizeof(sent) / sizeof(sent[0]); i++) {
		struct fixture f;
		int fd = make_memfd(1, 1);
		uint8_t buf[MAP_MSG_SIZE];
		struct vsf_verdict v;
		long t0, ms;
		int fds;

		fixture_init(&f, ALL_PROTOCOL_FEATURES, &o);
		SETUP(vsf_frontend_add_region(f.fe, 0, 16 * f.page) == 0);
		fds = probe_open_fds();
		build_mmap(buf, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0, 0,
			   0, f.page, 0);
		peer_send_raw(&f, buf, sent[i], &fd, 1);
		t0 = now_ms();
		CHECK_EQ(handle(&f, &v), -ETIMEDOUT);
		ms = now_ms() - t0;
		CHECK(ms >= 40 && ms < 1000);
		CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
		CHECK_EQ(probe_open_fds(), fds - 1);
		CHECK(peer_sees_eof(&f));
		CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
		close(fd);
		fixture_fini(&f);
	}
}

TEST(nothing_pending_is_eagain)
{
	struct fixture f;
	struct vsf_options o;
	struct vsf_verdict v;
	int bfd, fds;
	long t0, ms;

	vsf_options_default(&o);
	o.io_timeout_ms = 50;
	fixture_init(&f, ALL_PROTOCOL_FEATURES, &o);
	SETUP(vsf_frontend_add_region(f.fe, 0, 16 * f.page) == 0);
	bfd = vsf_frontend_backend_fd(f.fe);
	fds = probe_open_fds();
	t0 = now_ms();
	CHECK_EQ(handle(&f, &v), -EAGAIN);
	ms = now_ms() - t0;
	CHECK(ms < 1000);
	/* The channel stays open and nothing was consumed. */
	CHECK_EQ(vsf_frontend_backend_fd(f.fe), bfd);
	CHECK(fd_is_open(bfd));
	CHECK_EQ(probe_open_fds(), fds);
	CHECK(!peer_sees_eof(&f));
	check_channel_usable(&f);
	CHECK_EQ(handle(&f, &v), -EAGAIN);
	check_channel_usable(&f);
	fixture_fini(&f);
}

static volatile sig_atomic_t sigpipes;

static void count_sigpipe(int sig)
{
	sigpipes++;
}

TEST(reply_to_gone_peer_no_sigpipe)
{
	struct sigaction sa = { .sa_handler = count_sigpipe }, old;

	/* Count SIGPIPE instead of dying of it, so the test reports it. */
	sigemptyset(&sa.sa_mask);
	SETUP(sigaction(SIGPIPE, &sa, &old) == 0);
	for (int shut = 0; shut < 2; shut++) {
		struct fixture f;
		int fd = make_memfd(1, 1);
		struct vsf_verdict v;
		int ret;

		fixture_init_regions(&f, one_region);
		sigpipes = 0;
		peer_send_mmap(&f, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0,
			       0, 0, f.page, 0, &fd, 1);
		/* The peer stops reading, or goes away altogether. */
		if (shut) {
			SETUP(shutdown(f.peer, SHUT_RD) == 0);
		} else {
			close(f.peer);
			f.peer = -1;
		}
		ret = handle(&f, &v);
		CHECK_EQ(sigpipes, 0);
		CHECK_EQ(ret, -EPIPE);
		CHECK(!v.replied);
		CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
		close(fd);
		fixture_fini(&f);
	}
	SETUP(sigaction(SIGPIPE, &old, NULL) == 0);
}

TEST(reply_bytes_on_the_wire)
{
	struct fixture f;
	uint8_t req[VSF_HEADER_SIZE] = { 0x34, 0x12, 0, 0, 0x09, 0, 0, 0, 0, 0, 0, 0 };
	/* request 0x1234 echoed, flags 0x5, size 8, then a non-zero u64 */
	const uint8_t want[VSF_HEADER_SIZE] = { 0x34, 0x12, 0, 0, 0x05, 0, 0, 0, 0x08, 0, 0, 0 };
	uint8_t got[VSF_HEADER_SIZE + 8 + 1];
	struct vsf_verdict v;

	fixture_init_regions(&f, one_region);
	peer_send_raw(&f, req, sizeof(req), NULL, 0);
	CHECK_EQ(handle(&f, &v), 0);
	CHECK_EQ(recv(f.peer, got, sizeof(got), MSG_DONTWAIT), VSF_HEADER_SIZE + 8);
	CHECK(!memcmp(got, want, sizeof(want)));
	CHECK(vsf_load_le64(got + VSF_HEADER_SIZE) != 0);
	CHECK_EQ(vsf_load_le64(got + VSF_HEADER_SIZE), v.reply_value);
	fixture_fini(&f);
}

/*
 * A backend that floods requests and never reads a reply: once the socket
 * holds all the replies it can, the next reply waits at most the I/O
 * timeout, the channel is closed, and nothing piled up on the way (no fd,
 * no heap: every message is handled alone).
 */
size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

/* Heap bytes in use: the sanitizer's allocator when there is one. */
static size_t heap_in_use(void)
{
	if (__sanitizer_get_current_allocated_bytes)
		return __sanitizer_get_current_allocated_bytes();
	return mallinfo2().uordblks;
}

TEST(flood_with_replies_unread_times_out)
{
	struct fixture f;
	struct vsf_options o;
	uint8_t buf[MAP_MSG_SIZE];
	size_t before, after;
	int fds, ret = 0, handled = 0;
	long t0, ms;

	vsf_options_default(&o);
	o.io_timeout_ms = 50;
	fixture_init(&f, ALL_PROTOCOL_FEATURES, &o);
	SETUP(vsf_frontend_add_region(f.fe, 0, 16 * f.page) == 0);
	/* An unmap of nothing: rejected, and a reply is owed. */
	build_mmap(buf, VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0, 0, 0,
		   f.page, 0);
	fds = probe_open_fds();
	before = heap_in_use();
	t0 = now_ms();
	while (ret == 0 && handled < 1000000) {
		struct vsf_verdict v;

		/* Keep the request side full too, as a flooding peer would. */
		while (send(f.peer, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL) == sizeof(buf))
			;
		ret = handle(&f, &v);
		handled += ret == 0;
	}
	ms = now_ms() - t0;
	after = heap_in_use();
	CHECK_EQ(ret, -ETIMEDOUT);
	CHECK(handled > 10);      /* replies were sent until the socket was full */
	CHECK(ms < 5000);         /* the last one waited its 50 ms, no more */
	CHECK_EQ(vsf_frontend_backend_fd(f.fe), -1);
	CHECK_EQ(probe_open_fds(), fds - 1);
	CHECK(after <= before + 4096);
	fixture_fini(&f);
}
