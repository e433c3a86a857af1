/* SPDX-License-Identifier: MIT */
/*
 * Benchmark, not a test: the system-call floor of one SHMEM_MAP +
 * SHMEM_UNMAP pair with NEED_REPLY, in one process over a socketpair. It
 * makes only the calls any front-end must make for the pair, with the real
 * wire bytes (wire.h's encoders) and none of the library's channel or region
 * code:
 *   map    the backend end sends the header and VhostUserMMap with the
 *          memfd (SCM_RIGHTS); the front-end end receives them, maps the fd
 *          MAP_SHARED | MAP_FIXED read-write into a reserved PROT_NONE range,
 *          closes it and sends the reply; the backend end reads the reply
 *   unmap  the same without an fd, and the front-end end puts the reserved
 *          PROT_NONE mapping back over the range instead of mapping
 * bench_map_unmap is quoted as a multiple of this, measured in the same run
 * (scripts/bench.sh runs both).
 *
 * Usage: bench_syscall_floor [seconds] [--fresh-memfd]
 *   seconds        how long to run (default 3)
 *   --fresh-memfd  create a new memfd (memfd_create + ftruncate) for every
 *                  pair, closed after it, instead of reusing one
 *
 * Prints one line, "floor: N map+unmap pairs/s (X us/pair)"; the scripts
 * take the first integer on it. Any failed call, short transfer or
 * unexpected byte or fd prints what failed and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wire.h"

#define REGION_SIZE (1ull << 20)
#define MAP_OFFSET  4096ull
#define MAP_LEN     8192ull
#define BATCH       1000

#define MSG_SIZE   (VSF_HEADER_SIZE + VSF_MMAP_PAYLOAD_SIZE)
#define REPLY_SIZE (VSF_HEADER_SIZE + VSF_U64_PAYLOAD_SIZE)

/* errno is cleared first, so a failure that is not a failed call (a short
 * read, a wrong byte) does not report a stale error. */
#define CHECK(cond)                                    \
	do {                                           \
		errno = 0;                             \
		if (!(cond))                           \
			fail(__LINE__, #cond, errno);  \
	} while (0)

static void fail(int line, const char *what, int err)
{
	if (err)
		fprintf(stderr, "bench_syscall_floor: line %d: %s failed: %s\n", line, what,
			strerror(err));
	else
		fprintf(stderr, "bench_syscall_floor: line %d: %s failed\n", line, what);
	exit(1);
}

struct floor {
	int backend;  /* the backend's end of the socketpair */
	int frontend; /* the front-end's end */
	void *target; /* where the map lands: MAP_OFFSET into the reserved range */
	uint8_t map_msg[MSG_SIZE];
	uint8_t unmap_msg[MSG_SIZE];
	uint8_t map_reply[REPLY_SIZE];
	uint8_t unmap_reply[REPLY_SIZE];
};

/* request with NEED_REPLY and the one test range as its VhostUserMMap. */
static void encode_request(uint8_t buf[MSG_SIZE], uint32_t request)
{
	struct vsf_wire_header h = {
		.request = request,
		.flags = VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY,
		.size = VSF_MMAP_PAYLOAD_SIZE,
	};
	struct vsf_wire_mmap mm = {
		.shmid = 0,
		.fd_offset = 0,
		.shm_offset = MAP_OFFSET,
		.len = MAP_LEN,
		.flags = VSF_MMAP_F_RW,
	};

	vsf_encode_header(&h, buf);
	vsf_encode_mmap(&mm, buf + VSF_HEADER_SIZE);
}

/* The success reply to request: u64 0. */
static void encode_reply(uint8_t buf[REPLY_SIZE], uint32_t request)
{
	struct vsf_wire_header h = {
		.request = request,
		.flags = VSF_REPLY_FLAGS,
		.size = VSF_U64_PAYLOAD_SIZE,
	};

	vsf_encode_header(&h, buf);
	vsf_store_le64(buf + VSF_HEADER_SIZE, 0);
}

/* Send len bytes in one sendmsg, with fd by SCM_RIGHTS when fd >= 0. */
static void send_msg(int sock, const uint8_t *buf, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	CHECK(sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)len);
}

/*
 * Receive exactly len bytes in one recvmsg and check they are want. Returns
 * the fd that came with them, or -1 when none did; more than one fails.
 * MSG_DONTWAIT: everything was sent before, so a missing message fails
 * instead of hanging.
 */
static int recv_msg(int sock, uint8_t *buf, const uint8_t *want, size_t len)
{
	union {
		char buf[CMSG_SPACE(VSF_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c;
	int fd = -1;

	CHECK(recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) == (ssize_t)len);
	CHECK(!(mh.msg_flags & MSG_CTRUNC));
	c = CMSG_FIRSTHDR(&mh);
	if (c) {
		CHECK(c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS);
		CHECK(c->cmsg_len == CMSG_LEN(sizeof(int)));
		CHECK(CMSG_NXTHDR(&mh, c) == NULL);
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	}
	CHECK(memcmp(buf, want, len) == 0);
	return fd;
}

static void one_pair(struct floor *f, int memfd)
{
	uint8_t msg[MSG_SIZE], reply[REPLY_SIZE];
	int fd;

	send_msg(f->backend, f->map_msg, MSG_SIZE, memfd);
	fd = recv_msg(f->frontend, msg, f->map_msg, MSG_SIZE);
	CHECK(fd >= 0);
	CHECK(mmap(f->target, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
	      f->target);
	CHECK(close(fd) == 0);
	send_msg(f->frontend, f->map_reply, REPLY_SIZE, -1);
	CHECK(recv_msg(f->backend, reply, f->map_reply, REPLY_SIZE) == -1);

	send_msg(f->backend, f->unmap_msg, MSG_SIZE, -1);
	CHECK(recv_msg(f->frontend, msg, f->unmap_msg, MSG_SIZE) == -1);
	CHECK(mmap(f->target, MAP_LEN, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) == f->target);
	send_msg(f->frontend, f->unmap_reply, REPLY_SIZE, -1);
	CHECK(recv_msg(f->backend, reply, f->unmap_reply, REPLY_SIZE) == -1);
}

static int new_memfd(void)
{
	int fd;

	CHECK((fd = memfd_create("bench_syscall_floor", MFD_CLOEXEC)) >= 0);
	CHECK(ftruncate(fd, MAP_LEN) == 0);
	return fd;
}

static double now(void)
{
	struct timespec t;

	CHECK(clock_gettime(CLOCK_MONOTONIC, &t) == 0);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = 3, start, elapsed;
	bool fresh = false;
	struct floor f;
	long pairs = 0;
	void *base;
	int sv[2];
	int memfd = -1;

	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--fresh-memfd")) {
			fresh = true;
			continue;
		}
		secs = strtod(argv[i], &end);
		if (end == argv[i] || *end || !(secs > 0)) {
			fprintf(stderr, "usage: %s [seconds] [--fresh-memfd]\n", argv[0]);
			return 2;
		}
	}

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	f.backend = sv[1];
	f.frontend = sv[0];
	CHECK((base = mmap(NULL, REGION_SIZE, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)) != MAP_FAILED);
	f.target = (uint8_t *)base + MAP_OFFSET;
	encode_request(f.map_msg, VSF_BACKEND_SHMEM_MAP);
	encode_request(f.unmap_msg, VSF_BACKEND_SHMEM_UNMAP);
	encode_reply(f.map_reply, VSF_BACKEND_SHMEM_MAP);
	encode_reply(f.unmap_reply, VSF_BACKEND_SHMEM_UNMAP);
	if (!fresh)
		memfd = new_memfd();

	start = now();
	do {
		for (int i = 0; i < BATCH; i++) {
			int fd = fresh ? new_memfd() : memfd;

			one_pair(&f, fd);
			if (fresh)
				CHECK(close(fd) == 0);
		}
		pairs += BATCH;
		elapsed = now() - start;
	} while (elapsed < secs);

	printf("floor: %.0f map+unmap pairs/s (%.2f us/pair)%s\n", pairs / elapsed,
	       elapsed / pairs * 1e6, fresh ? " with a fresh memfd each pair" : "");
	CHECK(fflush(stdout) == 0);

	if (memfd >= 0)
		CHECK(close(memfd) == 0);
	CHECK(munmap(base, REGION_SIZE) == 0);
	CHECK(close(sv[0]) == 0);
	CHECK(close(sv[1]) == 0);
	return 0;
}
