/* SPDX-License-Identifier: MIT */
/*
 * vsf-demo-backend: a vhost-user backend that plays a script of shared
 * memory requests against a real front-end (vhost-shmem-frontend, or any
 * other) and checks every reply.
 *
 * It listens on a unix socket, accepts one connection, answers the feature
 * negotiation, SET_BACKEND_REQ_FD and GET_SHMEM_CONFIG, then plays the
 * script's ops on the backend channel with real fds (SCM_RIGHTS): `fd` ops
 * create memfds and the other fd kinds, `map`, `unmap` and `send` ops send
 * messages. The script is a fuzz program in its text form (scenario/program.h),
 * so the same file converts with vsf-prog and replays through the fuzz
 * harnesses; the backend reads two extra things from its comments (the
 * program format ignores them):
 *
 *   map ... need_reply   # expect=fail   the verdict of a NEED_REPLY message:
 *                                        ok (reply 0), fail (non-zero), any;
 *                                        a list (ok,fail) for a send op with
 *                                        several; default ok
 *   # @pause                             a checkpoint (a line of its own)
 *
 * At a checkpoint the backend first sends a barrier, a SHMEM_UNMAP of length
 * 0 with NEED_REPLY that every front-end rejects: once its reply is back, the
 * front-end has finished (committed) every message before it. Then it prints
 * "paused at line N" on stdout and waits for a line on stdin (end of input
 * continues too). Before accepting, it prints "listening on PATH" on stdout.
 *
 * Exit status: 0 every reply as expected, 1 a mismatch or an error, 2 usage
 * or a script error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "backend_peer.h"
#include "fd_table.h"
#include "op_wire.h"
#include "peer_io.h"
#include "program.h"
#include "tool_util.h"
#include "wire.h"

#define PROG "vsf-demo-backend"
#define MAX_EXPECT 16
#define DEFAULT_REGION_SIZE 0x100000ull

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };
enum expect { EXPECT_OK, EXPECT_FAIL, EXPECT_ANY };
static const char *const expect_names[] = { "ok", "fail", "any" };

/* One op of the script, or a checkpoint. */
struct step {
	bool pause;
	struct vsf_op op;
	unsigned line;
	enum expect expect[MAX_EXPECT];
	size_t nexpect;
};

struct script {
	const char *path;
	struct step *steps;
	size_t nsteps, cap;
	uint8_t **bufs; /* the decoded records the ops point into */
	size_t nbufs;
	size_t first_message; /* index of the first message op: negotiation uses what is before */
};

struct backend {
	struct script script;
	struct backend_offer offer; /* what it answers on the front-end channel */
	int timeout_ms;
	bool verbose;
	int conn;            /* front-end channel */
	int chan;            /* backend channel, from SET_BACKEND_REQ_FD */
	bool read_shut;      /* a shutdown op closed our read side */
	uint64_t protocol;   /* as the front-end set it */
	struct fd_table fds;
	unsigned mismatches;
};

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

/* ---- the script ---- */

static int add_step(struct script *s, const struct step *st)
{
	if (s->nsteps == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct step *n = realloc(s->steps, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->steps = n;
		s->cap = cap;
	}
	s->steps[s->nsteps++] = *st;
	return 0;
}

static bool is_message(const struct vsf_op *op)
{
	return op->code == VSF_OP_MAP || op->code == VSF_OP_UNMAP || op->code == VSF_OP_SEND;
}

/*
 * A comment: after an op, `expect=ok,fail`; on a line of its own, `@pause`
 * as the first word. Other words are prose.
 */
static int parse_comment(const char *path, unsigned line, char *comment, bool has_op,
			 struct step *st)
{
	char *save = NULL, *tok = strtok_r(comment, " \t\r", &save);

	if (!has_op) {
		st->pause = tok && !strcmp(tok, "@pause");
		return 0;
	}
	for (; tok; tok = strtok_r(NULL, " \t\r", &save)) {
		char *vsave = NULL;

		if (!strcmp(tok, "@pause")) {
			fprintf(stderr, PROG ": %s:%u: @pause goes on a line of its own\n", path, line);
			return -EINVAL;
		}
		if (strncmp(tok, "expect=", 7))
			continue;
		if (st->nexpect) {
			fprintf(stderr, PROG ": %s:%u: expect= twice\n", path, line);
			return -EINVAL;
		}
		for (char *v = strtok_r(tok + 7, ",", &vsave); v; v = strtok_r(NULL, ",", &vsave)) {
			size_t k;

			for (k = 0; k < 3 && strcmp(v, expect_names[k]); k++)
				;
			if (k == 3 || st->nexpect == MAX_EXPECT) {
				fprintf(stderr, PROG ": %s:%u: expect=%s: ok, fail or any (at most %d)\n",
					path, line, v, MAX_EXPECT);
				return -EINVAL;
			}
			st->expect[st->nexpect++] = (enum expect)k;
		}
		if (!st->nexpect) {
			fprintf(stderr, PROG ": %s:%u: expect= without a value\n", path, line);
			return -EINVAL;
		}
	}
	return 0;
}

/* One line: its op (the program parser, on this line alone) and its comment. */
static int load_line(struct script *s, unsigned line, char *text)
{
	struct vsf_program prog = { 0 };
	struct vsf_buf rec = { 0 };
	struct step st = { .line = line };
	char *hash = strchr(text, '#');
	size_t oplen = hash ? (size_t)(hash - text) : strlen(text);
	bool has_op = strspn(text, " \t\r\v\f") < oplen;
	char err[256];
	uint8_t **bufs;
	int ret;

	if (hash && parse_comment(s->path, line, hash + 1, has_op, &st) < 0)
		return -EINVAL;
	if (!has_op)
		return st.pause ? add_step(s, &st) : 0;
	if (hash)
		*hash = '\0';
	ret = vsf_program_parse_text(text, &rec, err, sizeof(err));
	if (ret < 0) {
		/* err reads "line 1: reason": this line alone was parsed */
		fprintf(stderr, PROG ": %s:%u: %s\n", s->path, line,
			strncmp(err, "line 1: ", 8) ? err : err + 8);
		free(rec.data);
		return ret;
	}
	bufs = realloc(s->bufs, (s->nbufs + 1) * sizeof(*bufs));
	if (!bufs) {
		free(rec.data);
		return -ENOMEM;
	}
	s->bufs = bufs;
	s->bufs[s->nbufs++] = rec.data;
	if (vsf_program_decode(rec.data, rec.len, &prog) < 0)
		return -ENOMEM;
	if (st.nexpect && (prog.nops != 1 || !is_message(&prog.ops[0]))) {
		fprintf(stderr, PROG ": %s:%u: expect= goes with a map, unmap or send op\n", s->path,
			line);
		ret = -EINVAL;
	}
	for (size_t i = 0; i < prog.nops && !ret; i++) {
		st.op = prog.ops[i];
		ret = add_step(s, &st);
	}
	vsf_program_free(&prog);
	return ret;
}

/*
 * The next message in bytes[*off..len): 1 with its header (and *off past
 * it), 0 at the end, -EMSGSIZE for a payload above the maximum (the
 * front-end loses framing), -ENODATA for a message cut short.
 */
static int next_message(const uint8_t *bytes, size_t len, size_t *off, struct vsf_wire_header *h)
{
	if (*off == len)
		return 0;
	if (len - *off < VSF_HEADER_SIZE)
		return -ENODATA;
	vsf_decode_header(bytes + *off, h);
	if (h->size > VSF_PAYLOAD_MAX)
		return -EMSGSIZE;
	if (len - *off - VSF_HEADER_SIZE < h->size)
		return -ENODATA;
	*off += VSF_HEADER_SIZE + h->size;
	return 1;
}

/* The wire bytes of a map, unmap or send op; buf has room for a map. */
static const uint8_t *message_bytes(const struct vsf_op *op, uint8_t *buf, size_t *len)
{
	if (op->code == VSF_OP_SEND) {
		*len = op->data_len;
		return op->data;
	}
	*len = op_wire_mmap(op, buf);
	return buf;
}

/* Replies a message op gets, and whether it makes the front-end lose framing. */
static size_t count_replies(const struct vsf_op *op, bool *loses_framing, bool *cut_short)
{
	uint8_t buf[OP_WIRE_MMAP_LEN];
	struct vsf_wire_header h;
	size_t len, off = 0, n = 0;
	const uint8_t *bytes = message_bytes(op, buf, &len);
	int ret;

	while ((ret = next_message(bytes, len, &off, &h)) > 0)
		n += !!(h.flags & VSF_FLAG_NEED_REPLY);
	*loses_framing = ret == -EMSGSIZE;
	*cut_short = ret == -ENODATA;
	return n;
}

/* Rules a script must follow for its replies to be checkable. */
static int check_script(struct script *s)
{
	size_t nfd_ops = 0;
	bool shut = false;
	int ret = 0;

	s->first_message = s->nsteps;
	for (size_t i = 0; i < s->nsteps; i++) {
		struct step *st = &s->steps[i];
		bool lost, cut;
		size_t replies;

		if (st->pause)
			continue;
		nfd_ops += st->op.code == VSF_OP_FD;
		if (st->op.code == VSF_OP_SHUTDOWN)
			shut = true;
		if (st->op.code == VSF_OP_CONNECT || st->op.code == VSF_OP_RESET ||
		    st->op.code == VSF_OP_ADD_REGION)
			fprintf(stderr, PROG ": %s:%u: note: %s is a front-end event, skipped\n",
				s->path, st->line, vsf_op_name(st->op.code));
		if ((st->op.code == VSF_OP_SESSION || st->op.code == VSF_OP_CONFIG) &&
		    s->first_message < i)
			fprintf(stderr, PROG ": %s:%u: note: %s after the first message is ignored "
					"(the session is negotiated once)\n",
				s->path, st->line, vsf_op_name(st->op.code));
		if (!is_message(&st->op))
			continue;
		if (s->first_message == s->nsteps)
			s->first_message = i;
		replies = count_replies(&st->op, &lost, &cut);
		if (st->nexpect && (!replies || shut)) {
			fprintf(stderr, PROG ": %s:%u: expect= but no reply can come (%s)\n", s->path,
				st->line, shut ? "after shutdown" : "no need_reply");
			ret = -EINVAL;
		} else if (st->nexpect > 1 && st->nexpect != replies) {
			fprintf(stderr, PROG ": %s:%u: %zu expect= values for %zu replies\n", s->path,
				st->line, st->nexpect, replies);
			ret = -EINVAL;
		}
		if (cut)
			fprintf(stderr, PROG ": %s:%u: note: the last message is cut short; the "
					"front-end will wait for the rest\n", s->path, st->line);
		if (lost && i + 1 < s->nsteps) {
			fprintf(stderr, PROG ": %s:%u: nothing can follow a message that makes the "
					"front-end lose framing\n", s->path, s->steps[i + 1].line);
			ret = -EINVAL;
		}
	}
	if (nfd_ops > VSF_PROG_MAX_HANDLES + FD_TABLE_MAX_RETIRED) {
		fprintf(stderr, PROG ": %s: more than %d fd ops\n", s->path,
			VSF_PROG_MAX_HANDLES + FD_TABLE_MAX_RETIRED);
		ret = -EINVAL;
	}
	return ret;
}

static int load_script(struct script *s, const char *path)
{
	char *text, *line, *nl;
	unsigned lineno = 0;
	size_t len;
	int ret;

	s->path = path;
	ret = tool_read_file(path, &text, &len);
	if (ret < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(-ret));
		return ret;
	}
	for (line = text; line && !ret; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		ret = load_line(s, ++lineno, line);
	}
	free(text);
	if (ret == -ENOMEM)
		fprintf(stderr, PROG ": out of memory\n");
	return ret ? ret : check_script(s);
}

static void free_script(struct script *s)
{
	for (size_t i = 0; i < s->nbufs; i++)
		free(s->bufs[i]);
	free(s->bufs);
	free(s->steps);
}

/* Negotiation answers: the session and config ops before the first message. */
static void apply_script_offer(const struct script *s, struct backend_offer *o)
{
	for (size_t i = 0; i < s->first_message; i++) {
		const struct vsf_op *op = &s->steps[i].op;

		if (s->steps[i].pause)
			continue;
		if (op->code == VSF_OP_SESSION) {
			o->features = op->session.features;
			o->protocol_features = op->session.protocol_features;
			o->ack = op->session.ack;
		} else if (op->code == VSF_OP_CONFIG) {
			o->cfg_request = op->config.request;
			o->cfg_flags = op->config.flags;
			o->cfg_size = op->config.size;
			o->cfg_nregions = op->config.nregions;
			op_wire_config_sizes(op, o->cfg_sizes);
		}
	}
}

/* --config 0:0x100000,3:0x10000 */
static int parse_config_spec(char *spec, struct backend_offer *o)
{
	char *save = NULL;

	o->cfg_nregions = 0;
	memset(o->cfg_sizes, 0, sizeof(o->cfg_sizes));
	for (char *p = strtok_r(spec, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(p, ':');
		uint64_t id, size;

		if (!colon)
			return -EINVAL;
		*colon = '\0';
		if (tool_parse_u64(p, VSF_MAX_SHMEM_REGIONS - 1, &id) < 0 ||
		    tool_parse_u64(colon + 1, UINT64_MAX, &size) < 0)
			return -EINVAL;
		o->cfg_nregions += !o->cfg_sizes[id] && size;
		o->cfg_sizes[id] = size;
	}
	return 0;
}

/* ---- the front-end channel ---- */

/* Answer the front-end until it sent SET_FEATURES (scenario/backend_peer.h):
 * 0 with the backend channel in b->chan, or -errno. */
static int negotiate(struct backend *b)
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
	const uint8_t *bytes = message_bytes(&st->op, buf, &len);
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
	while ((ret = next_message(bytes, len, &off, &h)) > 0) {
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

static int play(struct backend *b)
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

/* ---- main ---- */

static int listen_on(const char *path)
{
	struct sockaddr_un addr;
	struct stat st;
	int fd;

	if (tool_unix_addr(path, &addr) < 0) {
		fprintf(stderr, PROG ": %s: path too long for a unix socket\n", path);
		return -ENAMETOOLONG;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, PROG ": %s exists and is not a socket\n", path);
			return -EEXIST;
		}
		unlink(path); /* a stale socket of an earlier run */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0) {
		int ret = -errno;

		fprintf(stderr, PROG ": cannot listen on %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	return fd;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [--config SPEC] [--no-shmem] [--features HEX] [--timeout-ms N]\n"
		"                        [-v] SOCKET_PATH SCRIPT.txt\n"
		"Listen on SOCKET_PATH, accept one front-end, negotiate, then play SCRIPT.txt\n"
		"(a fuzz program in text form) on the backend channel and check every reply.\n"
		"  --config SPEC    the GET_SHMEM_CONFIG reply: SHMID:SIZE,... (default: the\n"
		"                   script's config op, else 0:0x100000)\n"
		"  --no-shmem       do not offer VHOST_USER_PROTOCOL_F_SHMEM\n"
		"  --features HEX   virtio features offered (default 0x140000000)\n"
		"  --timeout-ms N   wait for a reply at most N ms (default 5000)\n"
		"  -v, --verbose    log the front-end's requests\n"
		"Script comments: `# expect=ok|fail|any[,...]` after a NEED_REPLY message\n"
		"states its verdict (default ok); a line `# @pause` is a checkpoint: a barrier\n"
		"message, then \"paused at line N\" on stdout and a wait for a line on stdin.\n"
		"Exit status: 0 every reply as expected, 1 mismatch or error, 2 usage or script.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "no-shmem", no_argument, NULL, 'n' },
		{ "features", required_argument, NULL, 'f' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct backend b = { .conn = -1, .chan = -1, .timeout_ms = 5000 };
	char *config_spec = NULL;
	bool no_shmem = false, have_features = false;
	uint64_t features = 0, v;
	int opt, lfd, ret, status = EXIT_FAIL;

	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_spec = optarg;
			break;
		case 'n':
			no_shmem = true;
			break;
		case 'f':
			if (tool_parse_u64(optarg, UINT64_MAX, &features) < 0) {
				fprintf(stderr, PROG ": --features: '%s' is not a number\n", optarg);
				return EXIT_USAGE;
			}
			have_features = true;
			break;
		case 't':
			if (tool_parse_u64(optarg, 3600000, &v) < 0 || !v) {
				fprintf(stderr, PROG ": --timeout-ms: '%s' is not a number\n", optarg);
				return EXIT_USAGE;
			}
			b.timeout_ms = (int)v;
			break;
		case 'v':
			b.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);

	backend_offer_init(&b.offer);
	b.offer.cfg_nregions = 1;
	b.offer.cfg_sizes[0] = DEFAULT_REGION_SIZE;
	if (load_script(&b.script, argv[optind + 1]) < 0) {
		free_script(&b.script);
		return EXIT_USAGE;
	}
	apply_script_offer(&b.script, &b.offer);
	if (config_spec && parse_config_spec(config_spec, &b.offer) < 0) {
		fprintf(stderr, PROG ": --config: expected SHMID:SIZE,... (e.g. 0:0x100000)\n");
		free_script(&b.script);
		return EXIT_USAGE;
	}
	if (have_features)
		b.offer.features = features;
	if (no_shmem)
		b.offer.protocol_features &= ~(1ull << VSF_PROTOCOL_F_SHMEM);

	lfd = listen_on(argv[optind]);
	if (lfd < 0) {
		free_script(&b.script);
		return EXIT_FAIL;
	}
	printf("listening on %s\n", argv[optind]);
	fflush(stdout);
	b.conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	ret = b.conn < 0 ? -errno : 0;
	close(lfd);
	unlink(argv[optind]); /* one connection only */
	if (ret < 0) {
		fprintf(stderr, PROG ": accept: %s\n", strerror(-ret));
		free_script(&b.script);
		return EXIT_FAIL;
	}

	fd_table_init(&b.fds);
	ret = negotiate(&b);
	if (ret == 0 && !(b.protocol & (1ull << VSF_PROTOCOL_F_SHMEM)))
		fprintf(stderr, PROG ": the front-end did not negotiate SHMEM (protocol features "
				"0x%llx)\n", (unsigned long long)b.protocol);
	if (ret == 0 && play(&b) >= 0 && !b.mismatches)
		status = EXIT_OK;
	if (b.mismatches)
		fprintf(stderr, PROG ": %u replies not as expected\n", b.mismatches);
	else if (ret == 0 && status == EXIT_OK)
		fprintf(stderr, PROG ": script played, every reply as expected\n");

	if (b.chan >= 0)
		close(b.chan);
	close(b.conn);
	fd_table_close_all(&b.fds);
	free_script(&b.script);
	return status;
}
