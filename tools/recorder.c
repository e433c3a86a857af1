/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "program.h"
#include "vhost_shmem.h"
#include "wire.h"

#define MEMFD_SEALS_ALL 0x1fu /* the seals an fd op can carry */
#define PAIR_LEN        9     /* config op: u8 shmid, u64 size */

struct recorder {
	int fd;
	struct vsf_buf buf;  /* the records of one message, written at once */
	uint8_t next_handle; /* handles are given out round-robin */
	unsigned long messages;
	size_t ops;             /* ops written, for the harnesses' caps */
	uint64_t fd_bytes;      /* sizes of the sized fds (memfd, rofile, opath) written */
	uint64_t send_bytes;    /* message bytes written */
	unsigned long beyond;   /* first message past those caps, 0 if none */
	uint8_t content[VSF_PROG_MAX_DATA];
	uint16_t prefix[VSF_PROG_MAX_DATA]; /* scratch for shortest_period() */
};

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write what buf holds and empty it. */
static int flush_buf(struct recorder *rec)
{
	int ret = write_all(rec->fd, rec->buf.data, rec->buf.len);

	rec->buf.len = 0;
	return ret;
}

/* True if the record appended at start contains a marker after its own. */
static bool marker_inside(const struct vsf_buf *b, size_t start, size_t *pos)
{
	const uint8_t *p = memmem(b->data + start + 1, b->len - start - 1, VSF_PROG_MAGIC,
				  VSF_PROG_MAGIC_LEN);

	if (!p)
		return false;
	*pos = (size_t)(p - (b->data + start));
	return true;
}

/* Length of the shortest prefix of d whose tiling gives all n bytes. */
static size_t shortest_period(const uint8_t *d, size_t n, uint16_t *prefix)
{
	if (!n)
		return 0;
	prefix[0] = 0;
	for (size_t i = 1; i < n; i++) {
		size_t k = prefix[i - 1];

		while (k && d[i] != d[k])
			k = prefix[k - 1];
		if (d[i] == d[k])
			k++;
		prefix[i] = (uint16_t)k;
	}
	return n - prefix[n - 1];
}

/* Content of a regular file: the shortest prefix that tiles its first bytes. */
static size_t file_content(struct recorder *rec, int fd, uint32_t size)
{
	size_t want = size < sizeof(rec->content) ? size : sizeof(rec->content);
	size_t got = 0, period;

	while (got < want) {
		ssize_t n = pread(fd, rec->content + got, want - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	period = shortest_period(rec->content, got, rec->prefix);
	if (period == 1 && rec->content[0] == 0)
		return 0; /* all zeros: what an fd op without content holds */
	return period;
}

/* The fd op closest to what fd is (see recorder.h). */
static void describe_fd(struct recorder *rec, int fd, struct vsf_op *op)
{
	int fl = fcntl(fd, F_GETFL);
	struct stat st;

	op->code = VSF_OP_FD;
	if (fstat(fd, &st) < 0) {
		op->fd.kind = VSF_FD_OPATH; /* nothing can be seen of it: the least usable kind */
		return;
	}
	if (S_ISREG(st.st_mode) || !(st.st_mode & S_IFMT))
		op->fd.size = st.st_size < VSF_PROG_MAX_FD_SIZE ? (uint32_t)st.st_size
								 : VSF_PROG_MAX_FD_SIZE;
	if (fl >= 0 && (fl & O_PATH)) {
		op->fd.kind = VSF_FD_OPATH;
		return;
	}
	switch (st.st_mode & S_IFMT) {
	case 0: /* an anonymous inode: eventfd, timerfd, epoll; a dma-buf has a size */
		if (!st.st_size) {
			op->fd.kind = VSF_FD_EVENTFD;
			break;
		}
		/* a mappable buffer: described like a file */
		__attribute__((fallthrough));
	case S_IFREG: {
		int seals = fcntl(fd, F_GET_SEALS);

		op->fd.kind = (fl & O_ACCMODE) == O_RDONLY ? VSF_FD_ROFILE : VSF_FD_MEMFD;
		if (op->fd.kind == VSF_FD_MEMFD && seals > 0)
			op->fd.seals = (uint8_t)(seals & MEMFD_SEALS_ALL);
		op->data_len = file_content(rec, fd, op->fd.size);
		op->data = op->data_len ? rec->content : NULL;
		break;
	}
	case S_IFDIR:
		op->fd.kind = VSF_FD_DIR;
		break;
	case S_IFIFO:
		op->fd.kind = VSF_FD_PIPE;
		break;
	case S_IFSOCK:
		op->fd.kind = VSF_FD_SOCKET;
		break;
	case S_IFCHR:
	case S_IFBLK:
		op->fd.kind = VSF_FD_DEVZERO;
		break;
	default:
		op->fd.kind = VSF_FD_EVENTFD;
		break;
	}
}

/* Append an fd op for fd under handle; content containing the marker is cut before it. */
static int append_fd_op(struct recorder *rec, int fd, uint8_t handle)
{
	const size_t data_start = VSF_PROG_MAGIC_LEN + 1 + 7; /* marker, opcode, fixed fields */
	struct vsf_op op = { 0 };
	size_t start = rec->buf.len, pos;
	int ret;

	describe_fd(rec, fd, &op);
	op.fd.handle = handle;
	if (op.fd.kind == VSF_FD_MEMFD || op.fd.kind == VSF_FD_ROFILE || op.fd.kind == VSF_FD_OPATH)
		rec->fd_bytes += op.fd.size;
	for (;;) {
		ret = vsf_op_encode(&op, &rec->buf);
		if (ret < 0)
			return ret;
		if (!marker_inside(&rec->buf, start, &pos))
			return 0;
		rec->buf.len = start;
		if (!op.data_len)
			return -EINVAL;
		op.data_len = pos > data_start ? pos - data_start : 0;
	}
}

int recorder_message(struct recorder *rec, const uint8_t *msg, size_t len, const int *fds,
		     size_t nfds)
{
	uint8_t handles[VSF_PROG_MAX_OP_FDS];
	struct vsf_op send = { .code = VSF_OP_SEND, .data = msg, .data_len = len };
	size_t start, pos;
	uint64_t fd_bytes = rec->fd_bytes;
	int ret = 0;

	rec->buf.len = 0;
	if (nfds > VSF_PROG_MAX_OP_FDS)
		nfds = VSF_PROG_MAX_OP_FDS;
	for (size_t i = 0; i < nfds && !ret; i++) {
		handles[i] = rec->next_handle;
		rec->next_handle = (uint8_t)((rec->next_handle + 1) % VSF_PROG_MAX_HANDLES);
		ret = append_fd_op(rec, fds[i], handles[i]);
	}
	send.nfds = (uint8_t)nfds;
	send.handles = nfds ? handles : NULL;
	start = rec->buf.len;
	if (!ret)
		ret = vsf_op_encode(&send, &rec->buf);
	if (!ret && marker_inside(&rec->buf, start, &pos))
		ret = -EINVAL; /* the message's own bytes hold the marker */
	if (ret < 0) {
		rec->buf.len = 0;
		rec->fd_bytes = fd_bytes;
		return ret;
	}
	rec->messages++;
	rec->ops += nfds + 1;
	rec->send_bytes += len;
	if (!rec->beyond && (rec->ops > VSF_PROG_MAX_OPS || rec->fd_bytes > VSF_PROG_MAX_FD_BYTES ||
			     rec->send_bytes > VSF_PROG_MAX_SEND_BYTES))
		rec->beyond = rec->messages;
	return flush_buf(rec);
}

static int append_session(struct recorder *rec, const struct vsf_frontend *fe)
{
	uint8_t pairs[VSF_MAX_SHMEM_REGIONS * PAIR_LEN];
	struct vsf_negotiated neg;
	struct vsf_op session = { .code = VSF_OP_SESSION };
	struct vsf_op config = {
		.code = VSF_OP_CONFIG,
		.config.request = VSF_REQ_GET_SHMEM_CONFIG,
		.config.flags = VSF_REPLY_FLAGS,
		.config.size = VSF_CONFIG_PAYLOAD_SIZE,
	};
	int ret;

	vsf_frontend_negotiated(fe, &neg);
	session.session.features = neg.features_offered;
	session.session.protocol_features = neg.protocol_features;
	for (int id = 0; id < VSF_MAX_SHMEM_REGIONS; id++) {
		struct vsf_region_info info;
		uint8_t *p = pairs + config.config.npairs * PAIR_LEN;

		if (!vsf_frontend_region(fe, (uint8_t)id, &info))
			continue;
		p[0] = (uint8_t)id;
		vsf_store_le64(p + 1, info.size);
		config.config.npairs++;
	}
	config.config.nregions = (uint32_t)config.config.npairs;
	config.config.pairs = config.config.npairs ? pairs : NULL;
	ret = vsf_op_encode(&session, &rec->buf);
	if (!ret)
		ret = vsf_op_encode(&config, &rec->buf);
	if (!ret)
		ret = flush_buf(rec);
	rec->ops = 2;
	return ret;
}

int recorder_open(const char *path, const struct vsf_frontend *fe, struct recorder **out)
{
	struct recorder *rec = calloc(1, sizeof(*rec));
	int ret;

	if (!rec)
		return -ENOMEM;
	rec->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (rec->fd < 0) {
		ret = -errno;
		free(rec);
		return ret;
	}
	ret = append_session(rec, fe);
	if (ret < 0) {
		recorder_close(rec);
		return ret;
	}
	*out = rec;
	return 0;
}

unsigned long recorder_count(const struct recorder *rec)
{
	return rec->messages;
}

unsigned long recorder_first_unreplayed(const struct recorder *rec)
{
	return rec->beyond;
}

int recorder_close(struct recorder *rec)
{
	int ret = 0;

	if (!rec)
		return 0;
	if (close(rec->fd) < 0)
		ret = -errno;
	free(rec->buf.data);
	free(rec);
	return ret;
}
