/* SPDX-License-Identifier: MIT */
/*
 * The socket channel: one vhost-user message with its fds in or out of an
 * AF_UNIX SOCK_STREAM socket. Handles short reads and writes, EINTR,
 * SCM_RIGHTS (MSG_CMSG_CLOEXEC), MSG_CTRUNC, and a per-message timeout.
 */
#ifndef VSF_CHANNEL_H
#define VSF_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "wire.h"

/* One received message. fds are owned by the holder until handed on. */
struct vsf_rx {
	struct vsf_msg msg;
	int fds[VSF_MAX_FDS];
	size_t nfds;
	bool fds_overflow; /* more than VSF_MAX_FDS came; all were closed */
	bool fds_cut;      /* the kernel cut fds off (MSG_CTRUNC): too many for the
	                      control buffer, or past this process's fd limit */
};

/*
 * Receive one message. timeout_ms bounds each wait (<0 blocks). Returns 0
 * with a whole message in rx; -EAGAIN if no byte of a message arrived in
 * time (nothing consumed); -ECONNRESET on a clean end of stream; any other
 * negative errno means framing is lost and the channel must be closed. On
 * failure no fd is left open.
 */
int vsf_channel_recv(int fd, int timeout_ms, struct vsf_rx *rx, struct vsf_error *err);

/* Send header, payload and fds as one message (MSG_NOSIGNAL). Returns 0 or -errno. */
int vsf_channel_send(int fd, int timeout_ms, const struct vsf_wire_header *hdr,
		     const void *payload, const int *fds, size_t nfds, struct vsf_error *err);

/* Close every fd still held by rx; its slots say -1 after, and nfds 0. */
void vsf_rx_close_fds(struct vsf_rx *rx);

#endif
