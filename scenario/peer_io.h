/* SPDX-License-Identifier: MIT */
/*
 * Socket I/O as the backend plays it, written independently of
 * src/channel.c so that a bug there is not mirrored on the other side:
 * bytes out in chunks with SCM_RIGHTS fds, bytes in with the fds that came
 * along. Used by the fuzz harness (non-blocking, everything written before
 * it is read) and by the demo backend (waiting, with a timeout). Every fd
 * received is MSG_CMSG_CLOEXEC. Functions return 0 or a negative errno.
 */
#ifndef VSF_PEER_IO_H
#define VSF_PEER_IO_H

#include <stddef.h>
#include <stdint.h>

/* Writes for one op's bytes at most: each costs the socket a buffer of its own. */
#define PEER_IO_MAX_CHUNKS 64
/* fds one call sends or keeps at most. */
#define PEER_IO_MAX_FDS 64

/*
 * Send len bytes in chunks of `chunk` bytes (0: at once; made larger so that
 * there are at most PEER_IO_MAX_CHUNKS), the fds with the first chunk.
 * timeout_ms 0 never waits (a full socket is -EAGAIN); >0 waits that long
 * for room each time; <0 waits for ever. 0, or -errno (-EPIPE: peer gone).
 */
int peer_io_send(int sock, const uint8_t *bytes, size_t len, size_t chunk, const int *fds,
		 size_t nfds, int timeout_ms);

/*
 * Read what is pending, without waiting, up to cap bytes. fds received are
 * stored in fds (up to max_fds, counted in *nfds) or closed; fds may be
 * NULL. Returns the bytes read.
 */
size_t peer_io_read_pending(int sock, uint8_t *buf, size_t cap, int *fds, size_t max_fds,
			    size_t *nfds);
/*
 * The same, fds closed, from a unix stream socket written by this process
 * alone, which has finished writing (the harness's replies): a read that
 * returns less than it asked for and no fds has emptied the queue (the
 * kernel joins the queued writes of one process into one read, stopping
 * only at a write that carried fds), so it saves the read that would only
 * say EAGAIN.
 */
size_t peer_io_read_written(int sock, uint8_t *buf, size_t cap);

/*
 * Read exactly len bytes, waiting at most timeout_ms for each (<0: for
 * ever); fds as for peer_io_read_pending, *nfds not reset. 0; -ETIMEDOUT;
 * -ECONNRESET if the peer closed before the first byte; -EPROTO if it
 * closed in the middle; or another -errno.
 */
int peer_io_recv_exact(int sock, uint8_t *buf, size_t len, int timeout_ms, int *fds,
		       size_t max_fds, size_t *nfds);

#endif
