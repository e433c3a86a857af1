/* SPDX-License-Identifier: MIT */
/* The demo backend's player (demo_player.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "demo_player.h"
#include "op_wire.h"
#include "peer_io.h"
#include "tool_util.h"
#include "wire.h"

/* A mismatch or error at a script line. */
__attribute__((format(printf, 3, 4)))
static void report(struct backend *b, unsigned line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": %s:%u: ", b->script.path, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	b->mismatches++;
}

/* ---- the front-end channel ---- */

/* Answer the front-end until it sent SET_FEATURES (scenario/backend_peer.h):
 * 0 with the backend channel in b->chan, or -errno. */
int demo_negotiate(struct backend *b)
{
	struct backend_session s;
	int ret;

	backend_session_init(&s);
	do {
		ret = backend_serve_one(b->conn, b->timeout_ms, &b->offer, &s);
		if (b->verbose && s.nseen && ret >= 0) {
			const struct vsf_wire_header *h = &s.seen[s.nseen - 1];

			fprintf(stderr, PROG ": <- %s flags 0x%x size %u, %u fds\n",
				vsf_frontend_request_name(h->request) ?: "request", h->flags, h->size,
				s.seen_nfds[s.nseen - 1]);
		}
	} while (ret == 0);
	if (ret < 0) {
		fprintf(stderr, PROG ": negotiation failed: %s\n",
			ret == -ECONNRESET ? "the front-end closed the connection" :
			ret == -ETIMEDOUT ? "no request from the front-end in time" :
			ret == -EPROTO ? s.why : strerror(-ret));
		backend_session_fini(&s);
		return ret;
	}
	b->protocol = s.set_protocol_features;
	b->chan = s.backend_fd; /* ours now */
	s.backend_fd = -1;
	backend_session_fini(&s);
	return 0;
}

/* ---- the backend channel ---- */

/* Bytes the front-end sent that nobody asked for (a reply without NEED_REPLY). */
static void check_nothing_pending(struct backend *b, unsigned line)
{
	uint8_t buf[256];
	size_t n;

	if (b->read_shut)
		return;
	n = peer_io_read_pending(b->chan, buf, sizeof(buf), NULL, 0, NULL);
	if (n)
		report(b, line, "%zu bytes from the front-end that no request asked for "
				"(a reply to a message without NEED_REPLY, or a second reply?)", n);
}

/* Read the reply to request and check it; -errno stops the play. */
static int check_reply(struct backend *b, unsigned line, uint32_t request, enum expect want,
		       uint64_t *value)
{
	const char *name = vsf_backend_request_name(request) ?: "request";
	uint8_t buf[VSF_HEADER_SIZE + 8];
	struct vsf_wire_header h;
	int ret;

	ret = peer_io_recv_exact(b->chan, buf, VSF_HEADER_SIZE, b->timeout_ms, NULL, 0, NULL);
	if (ret < 0) {
		report(b, line, "%s: no reply: %s", name,
		       ret == -ETIMEDOUT ? "timed out" :
		       ret == -ECONNRESET ? "the front-end closed the backend channel" : strerror(-ret));
		return ret;
	}
	vsf_decode_header(buf, &h);
	if (h.request != request || h.flags != VSF_REPLY_FLAGS || h.size != 8) {
		report(b, line, "%s: reply header request %u flags 0x%x size %u, expected %u 0x5 8",
		       name, h.request, h.flags, h.size, request);
		return -EPROTO;
	}
	ret = peer_io_recv_exact(b->chan, buf + VSF_HEADER_SIZE, 8, b->timeout_ms, NULL, 0, NULL);
	if (ret < 0) {
		report(b, line, "%s: reply cut short: %s", name, strerror(-ret));
		return ret;
	}
	*value = vsf_load_le64(buf + VSF_HEADER_SIZE);
	fprintf(stderr, "line %u: %s -> 0x%llx (%s)\n", line, name, (unsigned long long)*value,
		*value ? "failure" : "success");
	if ((want == EXPECT_OK && *value) || (want == EXPECT_FAIL && !*value))
		report(b, line, "%s: reply 0x%llx (%s), expected %s", name,
		       (unsigned long long)*value, *value ? "failure" : "success",
		       want == EXPECT_OK ? "success" : "failure");
	return 0;
}

/* The front-end must close the channel after a message that loses framing. */
static int check_closed(struct backend *b, unsigned line)
{
	uint8_t c;
	int ret = peer_io_recv_exact(b->chan, &c, 1, b->timeout_ms, NULL, 0, NULL);

	if (ret == -ECONNRESET) {
		fprintf(stderr, "line %u: the front-end closed the backend channel, as it must\n", line);
		return 0;
	}
	report(b, line, "framing is lost but the front-end %s", ret == -ETIMEDOUT
	       ? "kept the backend channel open" : "sent more bytes");
	return -EPROTO;
}

/* What a typed map put into the front-end's region, to compare with its --verify. */
static void print_content_crc(const struct vsf_op *op, int fd, unsigned line)
{
	uint8_t buf[4096];
	uint64_t off = 0;
	uint32_t crc = 0;

	while (off < op->mmap.len) {
		size_t n = op->mmap.len - off < sizeof(buf) ? (size_t)(op->mmap.len - off) : sizeof(buf);
		ssize_t got = pread(fd, buf, n, (off_t)(op->mmap.fd_offset + off));

		if (got <= 0)
			return;
		crc = tool_crc32(crc, buf, (size_t)got);
		off += (uint64_t)got;
	}
	fprintf(stderr, "line %u: content shmid=%u shm_offset=0x%" PRIx64 " len=0x%" PRIx64
			" crc32=0x%08x\n",
		line, op->mmap.shmid, op->mmap.shm_offset, op->mmap.len, crc);
}

/* Send one map, unmap or send op and check what comes back; -errno stops the play. */
static int play_message(struct backend *b, const struct step *st)
{
	uint8_t buf[OP_WIRE_MMAP_LEN];
	int fds[VSF_PROG_MAX_OP_FDS];
	struct vsf_wire_header h;
	size_t len, nfds = 0, off = 0, k = 0;
	const uint8_t *bytes = demo_message_bytes(&st->op, buf, &len);
	int ret;

	if (b->chan < 0) {
		report(b, st->line, "no backend channel (BACKEND_REQ was not negotiated)");
		return -ENOTCONN;
	}
	for (size_t i = 0; i < st->op.nfds; i++) {
		const struct fd_resource *res = fd_table_get(&b->fds, st->op.handles[i]);

		if (res)
			fds[nfds++] = res->fd;
		else
			fprintf(stderr, PROG ": %s:%u: note: fd handle %u was never created, not sent\n",
				b->script.path, st->line, st->op.handles[i]);
	}
	check_nothing_pending(b, st->line);
	ret = peer_io_send(b->chan, bytes, len, st->op.chunk, fds, nfds, b->timeout_ms);
	if (ret < 0) {
		report(b, st->line, "%s: cannot send: %s", vsf_op_name(st->op.code),
		       ret == -EPIPE ? "the front-end closed the backend channel" : strerror(-ret));
		return ret;
	}
	if (b->read_shut)
		return 0;
	while ((ret = op_wire_next_message(bytes, len, &off, &h)) > 0) {
		enum expect want = st->nexpect ? st->expect[st->nexpect > 1 ? k : 0] : EXPECT_OK;
		uint64_t value;

		if (!(h.flags & VSF_FLAG_NEED_REPLY))
			continue;
		k++;
		ret = check_reply(b, st->line, h.request, want, &value);
		if (ret < 0)
			return ret;
		if (st->op.code == VSF_OP_MAP && !value && nfds)
			print_content_crc(&st->op, fds[0], st->line);
	}
	return ret == -EMSGSIZE ? check_closed(b, st->line) : 0;
}

/* An UNMAP of length 0 with NEED_REPLY: its reply means every message before it is done. */
static int barrier(struct backend *b, unsigned line)
{
	struct step st = {
		.line = line,
		.op = { .code = VSF_OP_UNMAP,
			.mmap.hflags = VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY },
		.expect = { EXPECT_FAIL },
		.nexpect = 1,
	};

	if (b->chan < 0 || b->read_shut)
		return 0;
	fprintf(stderr, "line %u: barrier (SHMEM_UNMAP of length 0, rejected by every front-end)\n",
		line);
	return play_message(b, &st);
}

static int pause_here(struct backend *b, unsigned line)
{
	char buf[64];
	int ret = barrier(b, line);

	if (ret < 0)
		return ret;
	printf("paused at line %u\n", line);
	fflush(stdout);
	if (!fgets(buf, sizeof(buf), stdin))
		clearerr(stdin);
	return 0;
}

int demo_play(struct backend *b)
{
	const struct script *s = &b->script;
	int ret = 0;

	for (size_t i = 0; i < s->nsteps && ret >= 0; i++) {
		const struct step *st = &s->steps[i];

		if (st->pause) {
			ret = pause_here(b, st->line);
			continue;
		}
		switch (st->op.code) {
		case VSF_OP_FD:
			fd_table_create(&b->fds, &st->op);
			break;
		case VSF_OP_TRUNCATE: /* resize an fd it may have sent already */
			fprintf(stderr, "line %u: truncate %u to 0x%x: %s\n", st->line,
				st->op.fd.handle, st->op.fd.size,
				fd_table_truncate(&b->fds, &st->op) ? "done" : "refused");
			break;
		case VSF_OP_SHUTDOWN:
			if (b->chan >= 0 && !b->read_shut && shutdown(b->chan, SHUT_RD) < 0)
				ret = -errno;
			b->read_shut = true;
			break;
		case VSF_OP_MAP:
		case VSF_OP_UNMAP:
		case VSF_OP_SEND:
			ret = play_message(b, st);
			break;
		default: /* negotiation answers, front-end events, raw bytes */
			break;
		}
	}
	return ret;
}

