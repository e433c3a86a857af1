/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "channel.h"

#include "syscalls.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * Control buffer room, in fds. Larger than VSF_MAX_FDS so that a message
 * with a few fds too many is seen whole and closed; far more still sets
 * MSG_CTRUNC, and the kernel closes what did not fit.
 */
#define CMSG_FDS_ROOM (VSF_MAX_FDS * 2)

void vsf_rx_close_fds(struct vsf_rx *rx)
{
	for (size_t i = 0; i < rx->nfds; i++) {
		if (rx->fds[i] >= 0)
			VSF_SYS(close)(rx->fds[i]);
		rx->fds[i] = -1;
	}
	rx->nfds = 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	VSF_SYS(clock_gettime)(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The time a message may take, counted from its first byte: a peer that
 * trickles one byte at a time cannot hold the front-end for longer.
 */
struct deadline {
	int timeout_ms;   /* <0: none */
	uint64_t end_ms;  /* 0: not started */
};

static void deadline_start(struct deadline *d)
{
	if (d->timeout_ms >= 0 && !d->end_ms)
		d->end_ms = now_ms() + (uint64_t)d->timeout_ms;
}

/* Milliseconds to wait now: all of it before the start, the rest after. */
static int deadline_wait_ms(const struct deadline *d)
{
	uint64_t now;

	if (d->timeout_ms < 0)
		return -1;
	if (!d->end_ms)
		return d->timeout_ms;
	now = now_ms();
	return now >= d->end_ms ? 0 : (int)(d->end_ms - now);
}

/*
 * Wait until fd is ready for events; 0, -EAGAIN on timeout, or -errno. A
 * signal ends the wait as if fd were ready: the caller's next try fails with
 * EAGAIN and waits again for what is left of the deadline, not all of it.
 */
static int wait_ready(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n = VSF_SYS(poll)(&p, 1, timeout_ms < 0 ? -1 : timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n == 0 ? -EAGAIN : 0;
}

/* Move the fds of every SCM_RIGHTS in mh into rx, closing any beyond the limit. */
static void collect_fds(struct msghdr *mh, struct vsf_rx *rx)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (rx->nfds < VSF_MAX_FDS && !rx->fds_overflow)
				rx->fds[rx->nfds++] = fd;
			else {
				VSF_SYS(close)(fd);
				rx->fds_overflow = true;
			}
		}
	}
	if (mh->msg_flags & MSG_CTRUNC)
		rx->fds_overflow = rx->fds_cut = true;
	if (rx->fds_overflow)
		vsf_rx_close_fds(rx);
}

/*
 * Read exactly len bytes into buf, collecting fds on the way. at_start says
 * that nothing of the message has been read yet, so a timeout or EOF there
 * is not a framing error.
 */
static int read_exact(int fd, struct deadline *dl, uint8_t *buf, size_t len, bool at_start,
		      struct vsf_rx *rx, struct vsf_error *err)
{
	union {
		char buf[CMSG_SPACE(CMSG_FDS_ROOM * sizeof(int))];
		struct cmsghdr align;
	} control;
	size_t got = 0;

	while (got < len) {
		struct iovec iov = { .iov_base = buf + got, .iov_len = len - got };
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = control.buf,
			.msg_controllen = sizeof(control.buf),
		};
		ssize_t n = VSF_SYS(recvmsg)(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* A peer that closes with our replies unread resets the stream. */
			if (errno == ECONNRESET)
				n = 0;
			else if (errno != EAGAIN)
				return vsf_error_set(err, -errno, "recvmsg: %s", strerror(errno));
		}
		if (n < 0) {
			int ret = wait_ready(fd, POLLIN, deadline_wait_ms(dl));

			if (ret == -EAGAIN && at_start && got == 0)
				return vsf_error_set(err, -EAGAIN, "no message pending");
			if (ret == -EAGAIN)
				return vsf_error_set(err, -ETIMEDOUT,
						     "message incomplete after %d ms (%zu of %zu bytes)",
						     dl->timeout_ms, got, len);
			if (ret < 0)
				return vsf_error_set(err, ret, "poll: %s", strerror(-ret));
			continue;
		}
		if (n == 0) {
			if (at_start && got == 0)
				return vsf_error_set(err, -ECONNRESET, "peer closed the channel");
			return vsf_error_set(err, -EPROTO, "peer closed the channel mid-message");
		}
		collect_fds(&mh, rx);
		deadline_start(dl);
		got += (size_t)n;
	}
	return 0;
}

int vsf_channel_recv(int fd, int timeout_ms, struct vsf_rx *rx, struct vsf_error *err)
{
	struct deadline dl = { .timeout_ms = timeout_ms };
	uint8_t hdr[VSF_HEADER_SIZE];
	int ret;

	rx->nfds = 0;
	rx->fds_overflow = rx->fds_cut = false;
	ret = read_exact(fd, &dl, hdr, sizeof(hdr), true, rx, err);
	if (ret < 0)
		goto err_close_fds;
	vsf_decode_header(hdr, &rx->msg.hdr);
	if (rx->msg.hdr.size > VSF_PAYLOAD_MAX) {
		ret = vsf_error_set(err, -EMSGSIZE, "payload size %u above the %u maximum",
				    rx->msg.hdr.size, VSF_PAYLOAD_MAX);
		goto err_close_fds;
	}
	ret = read_exact(fd, &dl, rx->msg.payload, rx->msg.hdr.size, false, rx, err);
	if (ret < 0)
		goto err_close_fds;
	return 0;

err_close_fds:
	vsf_rx_close_fds(rx);
	return ret;
}

int vsf_channel_send(int fd, int timeout_ms, const struct vsf_wire_header *hdr,
		     const void *payload, const int *fds, size_t nfds, struct vsf_error *err)
{
	union {
		char buf[CMSG_SPACE(VSF_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} control;
	uint8_t hbuf[VSF_HEADER_SIZE];
	struct iovec iov[2] = {
		{ .iov_base = hbuf, .iov_len = sizeof(hbuf) },
		{ .iov_base = (void *)payload, .iov_len = hdr->size },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = hdr->size ? 2 : 1 };
	size_t left = sizeof(hbuf) + hdr->size;
	struct deadline dl = { .timeout_ms = timeout_ms };

	if (nfds > VSF_MAX_FDS)
		return vsf_error_set(err, -EINVAL, "%zu fds above the %u limit", nfds, VSF_MAX_FDS);
	vsf_encode_header(hdr, hbuf);
	if (nfds) {
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
	while (left) {
		ssize_t n = VSF_SYS(sendmsg)(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			int ret;

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return vsf_error_set(err, -errno, "sendmsg: %s", strerror(errno));
			deadline_start(&dl);
			ret = wait_ready(fd, POLLOUT, deadline_wait_ms(&dl));
			if (ret == -EAGAIN)
				return vsf_error_set(err, -ETIMEDOUT, "peer not reading for %d ms",
						     timeout_ms);
			if (ret < 0)
				return vsf_error_set(err, ret, "poll: %s", strerror(-ret));
			continue;
		}
		/* The fds went with the first bytes; the rest is plain data. */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		left -= (size_t)n;
		while (n > 0 && mh.msg_iovlen) {
			size_t step = (size_t)n < mh.msg_iov->iov_len ? (size_t)n : mh.msg_iov->iov_len;

			mh.msg_iov->iov_base = (uint8_t *)mh.msg_iov->iov_base + step;
			mh.msg_iov->iov_len -= step;
			n -= (ssize_t)step;
			if (!mh.msg_iov->iov_len) {
				mh.msg_iov++;
				mh.msg_iovlen--;
			}
		}
	}
	return 0;
}
