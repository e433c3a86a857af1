/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "peer_io.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Wait for events on sock; 0, -ETIMEDOUT, or -errno. */
static int wait_for(int sock, short events, int timeout_ms)
{
	struct pollfd p = { .fd = sock, .events = events };
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

int peer_io_send(int sock, const uint8_t *bytes, size_t len, size_t chunk, const int *fds,
		 size_t nfds, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(PEER_IO_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} control;
	size_t off = 0, min_chunk = (len + PEER_IO_MAX_CHUNKS - 1) / PEER_IO_MAX_CHUNKS;

	if (nfds > PEER_IO_MAX_FDS)
		return -EINVAL;
	if (!chunk)
		chunk = len;
	if (chunk < min_chunk)
		chunk = min_chunk;
	while (off < len) {
		struct iovec iov = { .iov_base = (void *)(bytes + off),
				     .iov_len = len - off < chunk ? len - off : chunk };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (off == 0 && nfds) {
			struct cmsghdr *c;

			memset(&control, 0, sizeof(control));
			mh.msg_control = control.buf;
			mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
			memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
		}
		n = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && timeout_ms != 0) {
			int ret = wait_for(sock, POLLOUT, timeout_ms);

			if (ret < 0)
				return ret;
			continue;
		}
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

/* Move the fds of one recvmsg into fds (up to max) or close them. */
static void take_fds(struct msghdr *mh, int *fds, size_t max_fds, size_t *nfds)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fds && nfds && *nfds < max_fds)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
}

/*
 * One recvmsg without waiting: bytes read, 0 at end of stream, or -errno.
 * *got_fds (may be NULL) is set when fds came with the bytes.
 */
static ssize_t recv_once(int sock, uint8_t *buf, size_t len, int *fds, size_t max_fds,
			 size_t *nfds, bool *got_fds)
{
	union {
		char buf[CMSG_SPACE(PEER_IO_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf) };
	ssize_t n;

	do
		n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (got_fds)
		*got_fds = mh.msg_controllen > 0;
	take_fds(&mh, fds, max_fds, nfds);
	return n;
}

/* Reads until EAGAIN, or with stop_short until a read short of cap without fds. */
static size_t read_pending(int sock, uint8_t *buf, size_t cap, int *fds, size_t max_fds,
			   size_t *nfds, bool stop_short)
{
	size_t got = 0;

	if (nfds)
		*nfds = 0;
	while (got < cap) {
		bool got_fds = false;
		ssize_t n = recv_once(sock, buf + got, cap - got, fds, max_fds, nfds, &got_fds);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (stop_short && got < cap && !got_fds)
			break;
	}
	return got;
}

size_t peer_io_read_pending(int sock, uint8_t *buf, size_t cap, int *fds, size_t max_fds,
			    size_t *nfds)
{
	return read_pending(sock, buf, cap, fds, max_fds, nfds, false);
}

size_t peer_io_read_written(int sock, uint8_t *buf, size_t cap)
{
	return read_pending(sock, buf, cap, NULL, 0, NULL, true);
}

int peer_io_recv_exact(int sock, uint8_t *buf, size_t len, int timeout_ms, int *fds,
		       size_t max_fds, size_t *nfds)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv_once(sock, buf + got, len - got, fds, max_fds, nfds, NULL);

		if (n == -EAGAIN) {
			int ret = wait_for(sock, POLLIN, timeout_ms);

			if (ret < 0)
				return ret;
			continue;
		}
		if (n == -ECONNRESET || n == 0)
			return got ? -EPROTO : -ECONNRESET;
		if (n < 0)
			return (int)n;
		got += (size_t)n;
	}
	return 0;
}
