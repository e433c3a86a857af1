/* SPDX-License-Identifier: MIT */
/*
 * The channel layer (src/channel.h) when its system calls do what they may
 * but seldom do, made to by the fault injector (scenario/fault.h): a send
 * the socket takes only in part, a wait that fails or is interrupted, and
 * a clock the test drives, to see what a deadline waits for; and what the
 * kernel may hand over: credentials on a socket that asks for them, an fd
 * numbered 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "channel.h"
#include "fault.h"
#include "peer_io.h"
#include "vsf_test.h"

#define MAP_MSG_SIZE (VSF_HEADER_SIZE + VSF_MMAP_PAYLOAD_SIZE)

static void socket_pair(int sv[2])
{
	SETUP(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
}

/* Write from fd until its socket takes no byte more: the peer is not reading. */
static void fill_socket(int fd)
{
	static const size_t sizes[] = { 65536, 4096, 256, 1 };
	static uint8_t junk[65536];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		while (send(fd, junk, sizes[i], MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
			;
	SETUP(errno == EAGAIN);
}

/* The peer sends len bytes of buf with nfds fds. */
static void peer_send(int sock, const void *buf, size_t len, const int *fds, size_t nfds)
{
	SETUP(peer_io_send(sock, buf, len, 0, fds, nfds, -1) == 0);
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static void close_all(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

/*
 * The socket takes the first send only in part, cut in the header, at its
 * end, one byte past it or in the payload: the peer still reads the message
 * byte for byte, and its fds once.
 */
TEST(short_send_delivers_the_whole_message_and_its_fds_once)
{
	static const size_t cuts[] = { 1, 5, VSF_HEADER_SIZE, VSF_HEADER_SIZE + 1,
				       VSF_HEADER_SIZE + 30 };
	static const uint32_t sizes[] = { VSF_MMAP_PAYLOAD_SIZE, 0 };
	int fds[2] = { make_memfd(1, 1), make_memfd(1, 2) };
	uint8_t payload[VSF_MMAP_PAYLOAD_SIZE];

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(7 * i + 1);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct vsf_wire_header hdr = { VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION, sizes[s] };
		size_t total = VSF_HEADER_SIZE + sizes[s];
		uint8_t want[MAP_MSG_SIZE];

		vsf_encode_header(&hdr, want);
		memcpy(want + VSF_HEADER_SIZE, payload, sizes[s]);
		for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]) && cuts[c] < total; c++) {
			struct vsf_error err = { 0 };
			struct fault_event ev;
			uint8_t got[MAP_MSG_SIZE + 1];
			int rfds[4], more[4];
			size_t nrfds = 0, nmore = 0;
			int sv[2];

			socket_pair(sv);
			SETUP(fault_arm_short_send(0, cuts[c]));
			CHECK_EQ(vsf_channel_send(sv[0], 1000, &hdr, payload, fds, 2, &err), 0);
			CHECK(fault_take_fired(&ev) && ev.call == FAULT_SENDMSG && ev.len == cuts[c]);
			CHECK(fault_is_transient(&ev));
			CHECK_EQ(peer_io_recv_exact(sv[1], got, total, 0, rfds, 4, &nrfds), 0);
			CHECK(!memcmp(got, want, total));
			CHECK_EQ(nrfds, 2);
			if (nrfds == 2)
				CHECK(same_file(rfds[0], fds[0]) && same_file(rfds[1], fds[1]));
			/* Nothing after it: no byte sent twice. */
			CHECK_EQ(peer_io_read_pending(sv[1], got, sizeof(got), more, 4, &nmore), 0);
			CHECK_EQ(nmore, 0);
			close_all(rfds, nrfds < 4 ? nrfds : 4);
			close_all(more, nmore < 4 ? nmore : 4);
			close_all(sv, 2);
		}
	}
	fault_disarm();
	close_all(fds, 2);
}

/* Up to VSF_MAX_FDS fds go with a message; one more is refused, and nothing is sent. */
TEST(send_takes_fds_up_to_the_limit)
{
	struct vsf_wire_header hdr = { VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION, 0 };
	struct vsf_error err = { 0 };
	int fds[VSF_MAX_FDS + 1], rfds[2 * VSF_MAX_FDS];
	uint8_t got[VSF_HEADER_SIZE];
	size_t nrfds = 0;
	int sv[2], before;

	for (size_t i = 0; i < VSF_MAX_FDS + 1; i++)
		fds[i] = make_memfd(1, (uint8_t)i);
	socket_pair(sv);
	before = probe_open_fds();
	CHECK_EQ(vsf_channel_send(sv[0], 1000, &hdr, NULL, fds, VSF_MAX_FDS + 1, &err), -EINVAL);
	CHECK_EQ(err.code, -EINVAL);
	CHECK_EQ(peer_io_read_pending(sv[1], got, sizeof(got), rfds, 2 * VSF_MAX_FDS, &nrfds), 0);
	CHECK_EQ(probe_open_fds(), before);
	vsf_error_clear(&err);
	CHECK_EQ(vsf_channel_send(sv[0], 1000, &hdr, NULL, fds, VSF_MAX_FDS, &err), 0);
	nrfds = 0;
	CHECK_EQ(peer_io_recv_exact(sv[1], got, sizeof(got), 0, rfds, 2 * VSF_MAX_FDS, &nrfds), 0);
	CHECK_EQ(nrfds, VSF_MAX_FDS);
	close_all(rfds, nrfds < 2 * VSF_MAX_FDS ? nrfds : 2 * VSF_MAX_FDS);
	close_all(sv, 2);
	close_all(fds, VSF_MAX_FDS + 1);
}

/*
 * The send fails with an errno that is not EINTR or EAGAIN (EBADF's 9 among
 * them, below EAGAIN's 11): the send ends with it at once, no wait for room
 * and no second try, and nothing reaches the peer.
 */
TEST(send_that_fails_is_reported_as_it_failed_without_a_wait)
{
	static const struct timespec still = { 1, 0 };
	struct vsf_wire_header hdr = { VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION, 0 };
	const int *errs;
	size_t n = fault_errnos(FAULT_SENDMSG, &errs);

	for (size_t i = 0; i < n; i++) {
		struct vsf_error err = { 0 };
		uint8_t byte;
		int sv[2], waits[1];

		if (errs[i] == EINTR || errs[i] == EAGAIN)
			continue;
		socket_pair(sv);
		fault_clock_drive(&still, 1); /* records every wait */
		SETUP(fault_arm(FAULT_SENDMSG, 0, errs[i]));
		CHECK_EQ(vsf_channel_send(sv[0], 100, &hdr, NULL, NULL, 0, &err), -errs[i]);
		CHECK(strstr(err.reason, "sendmsg") != NULL);
		CHECK_EQ(fault_clock_waits(waits, 1), 0);
		CHECK_EQ(recv(sv[1], &byte, 1, MSG_DONTWAIT), -1);
		fault_clock_release();
		fault_disarm();
		close_all(sv, 2);
	}
}

/* The wait for room fails: the send ends with that errno, not as a timeout. */
TEST(send_wait_that_fails_is_reported_as_it_failed)
{
	static const struct timespec still = { 1, 0 };
	struct vsf_wire_header hdr = { VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION, 0 };
	struct vsf_error err = { 0 };
	struct fault_event ev;
	int sv[2];

	socket_pair(sv);
	fill_socket(sv[0]);
	fault_clock_drive(&still, 1); /* a wait after the failure would time out at once */
	SETUP(fault_arm(FAULT_POLL, 0, ENOMEM));
	CHECK_EQ(vsf_channel_send(sv[0], 100, &hdr, NULL, NULL, 0, &err), -ENOMEM);
	CHECK(strstr(err.reason, "poll") != NULL);
	CHECK(fault_take_fired(&ev) && ev.call == FAULT_POLL);
	fault_clock_release();
	close_all(sv, 2);
}

/*
 * A peer that does not read: the send's deadline starts at its first wait,
 * and a wait a signal ends is followed by one for what is left of it, not
 * for all of it again.
 */
TEST(send_waits_again_for_what_is_left_of_the_deadline)
{
	static const struct timespec readings[] = { { 1, 0 }, { 1, 10000000 }, { 1, 60000000 } };
	struct vsf_wire_header hdr = { VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION, 0 };
	struct vsf_error err = { 0 };
	int sv[2], waits[4] = { 0 };

	socket_pair(sv);
	fill_socket(sv[0]);
	fault_clock_drive(readings, 3);
	SETUP(fault_arm(FAULT_POLL, 0, EINTR));
	CHECK_EQ(vsf_channel_send(sv[0], 100, &hdr, NULL, NULL, 0, &err), -ETIMEDOUT);
	/* Started at 1.000 s: at 1.010 s 90 ms are left, at 1.060 s 40. */
	CHECK_EQ(fault_clock_waits(waits, 4), 2);
	CHECK_EQ(waits[0], 90);
	CHECK_EQ(waits[1], 40);
	fault_clock_release();
	fault_disarm();
	close_all(sv, 2);
}

/*
 * A message stops after its first bytes: the wait is what is left of the
 * deadline counted from them in milliseconds of the monotonic clock, and
 * none at all once it has passed.
 */
TEST(recv_waits_for_what_is_left_of_the_deadline)
{
	static const struct {
		struct timespec first_byte, wait;
		int left;
	} cases[] = {
		/* across a second: 7.999999999 s to 8.001 s is 2 ms in whole milliseconds */
		{ { 7, 999999999 }, { 8, 1000000 }, 98 },
		{ { 5, 0 }, { 5, 99000000 }, 1 },
		{ { 5, 0 }, { 5, 100000000 }, 0 },
		{ { 5, 0 }, { 5, 101000000 }, 0 },
		{ { 5, 0 }, { 10, 0 }, 0 },
	};
	static const uint8_t part[5] = { 1, 0, 0, 0, 1 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct timespec readings[2] = { cases[i].first_byte, cases[i].wait };
		struct vsf_error err = { 0 };
		struct vsf_rx rx;
		int sv[2], waits[2] = { -2, -2 };

		socket_pair(sv);
		peer_send(sv[1], part, sizeof(part), NULL, 0);
		fault_clock_drive(readings, 2);
		CHECK_EQ(vsf_channel_recv(sv[0], 100, &rx, &err), -ETIMEDOUT);
		CHECK_EQ(fault_clock_waits(waits, 2), 1);
		CHECK_EQ(waits[0], cases[i].left);
		CHECK(strstr(err.reason, "100 ms") != NULL);
		fault_clock_release();
		close_all(sv, 2);
	}
}

/*
 * An embedder's socket that passes credentials (SO_PASSCRED): every message
 * comes with an SCM_CREDENTIALS, whose pid, uid and gid are no fds.
 */
TEST(credentials_are_not_taken_for_fds)
{
	struct vsf_wire_header hdr = { VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION, 0 };
	uint8_t buf[VSF_HEADER_SIZE];
	int fd = make_memfd(1, 3), sv[2], one = 1, before;

	socket_pair(sv);
	SETUP(setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == 0);
	vsf_encode_header(&hdr, buf);
	before = probe_open_fds();
	for (size_t nfds = 0; nfds <= 1; nfds++) {
		struct vsf_error err = { 0 };
		struct vsf_rx rx;

		peer_send(sv[1], buf, sizeof(buf), &fd, nfds);
		CHECK_EQ(vsf_channel_recv(sv[0], 1000, &rx, &err), 0);
		CHECK_EQ(rx.nfds, nfds);
		CHECK(!rx.fds_overflow);
		if (nfds && rx.nfds == 1)
			CHECK(same_file(rx.fds[0], fd));
		vsf_rx_close_fds(&rx);
		CHECK_EQ(probe_open_fds(), before);
	}
	close_all(sv, 2);
	close(fd);
}

/*
 * With stdin closed, the first fd a message brings is numbered 0: it is
 * held like any other, and closed with the rest; the slots say -1 after.
 */
TEST(fd_numbered_0_is_received_and_closed)
{
	struct vsf_wire_header hdr = { VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION, 0 };
	uint8_t buf[VSF_HEADER_SIZE];
	struct vsf_error err = { 0 };
	struct vsf_rx rx;
	int fds[2] = { make_memfd(1, 4), make_memfd(1, 5) };
	int sv[2], second, stdin_copy = fcntl(0, F_DUPFD_CLOEXEC, 3);

	socket_pair(sv);
	vsf_encode_header(&hdr, buf);
	peer_send(sv[1], buf, sizeof(buf), fds, 2);
	close(0);
	CHECK_EQ(vsf_channel_recv(sv[0], 1000, &rx, &err), 0);
	CHECK_EQ(rx.nfds, 2);
	CHECK_EQ(rx.fds[0], 0);
	if (rx.nfds == 2)
		CHECK(same_file(rx.fds[0], fds[0]) && same_file(rx.fds[1], fds[1]));
	second = rx.fds[1];
	vsf_rx_close_fds(&rx);
	CHECK(!fd_is_open(0));
	CHECK(!fd_is_open(second));
	CHECK_EQ(rx.nfds, 0);
	CHECK_EQ(rx.fds[0], -1);
	CHECK_EQ(rx.fds[1], -1);
	if (stdin_copy >= 0) {
		SETUP(dup2(stdin_copy, 0) == 0);
		close(stdin_copy);
	}
	close_all(sv, 2);
	close_all(fds, 2);
}
