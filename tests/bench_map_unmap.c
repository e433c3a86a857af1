/* SPDX-License-Identifier: MIT */
/*
 * Benchmark, not a test: what one SHMEM_MAP + SHMEM_UNMAP pair with
 * NEED_REPLY costs through the front-end, in one process over a socketpair.
 * Quote it against tests/bench_syscall_floor.c measured in the same run
 * (scripts/bench.sh does both).
 *
 * Usage: bench_map_unmap [seconds] [--fresh-memfd]
 *   seconds        how long to run (default 3)
 *   --fresh-memfd  create a new memfd for every pair instead of reusing one
 *
 * Any unexpected result (a rejected message, a missing or wrong reply)
 * aborts: the numbers only count if every message did what it should.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "peer_io.h"
#include "vhost_shmem.h"
#include "wire.h"

#define REGION_SIZE (1ull << 20)
#define MAP_OFFSET  4096ull
#define MAP_LEN     8192ull
#define BATCH       1000

#define ENSURE(cond)                                                             \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "bench_map_unmap: %s:%d: %s\n", __FILE__, \
				__LINE__, #cond);                                \
			abort();                                                 \
		}                                                                \
	} while (0)

struct bench {
	struct vsf_frontend *fe;
	int peer; /* the backend's end of the backend channel */
};

static int new_memfd(void)
{
	int fd = memfd_create("bench", MFD_CLOEXEC);

	ENSURE(fd >= 0);
	ENSURE(ftruncate(fd, MAP_LEN) == 0);
	return fd;
}

/* The backend sends request (map or unmap of the one test range), with fd if >= 0. */
static void peer_send(struct bench *b, uint32_t request, int fd)
{
	uint8_t buf[VSF_HEADER_SIZE + VSF_MMAP_PAYLOAD_SIZE];
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
	ENSURE(peer_io_send(b->peer, buf, sizeof(buf), 0, &fd, fd >= 0, -1) == 0);
}

/* The backend reads the reply to request: exactly one, no fds, value 0. */
static void peer_expect_ack(struct bench *b, uint32_t request)
{
	uint8_t buf[VSF_HEADER_SIZE + sizeof(uint64_t)];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct vsf_wire_header h;

	ENSURE(recvmsg(b->peer, &mh, MSG_DONTWAIT) == (ssize_t)sizeof(buf));
	ENSURE(!(mh.msg_flags & MSG_CTRUNC));
	vsf_decode_header(buf, &h);
	ENSURE(h.request == request);
	ENSURE(h.flags == VSF_REPLY_FLAGS);
	ENSURE(h.size == sizeof(uint64_t));
	ENSURE(vsf_load_le64(buf + VSF_HEADER_SIZE) == 0);
}

/* The front-end handles one message, which it must accept and answer. */
static void frontend_handle(struct bench *b, uint32_t request)
{
	struct vsf_verdict v;

	ENSURE(vsf_frontend_handle_backend(b->fe, &v) == 0);
	ENSURE(v.request == request && v.result == 0 && v.replied);
}

static void one_pair(struct bench *b, int fd)
{
	peer_send(b, VSF_BACKEND_SHMEM_MAP, fd);
	frontend_handle(b, VSF_BACKEND_SHMEM_MAP);
	peer_expect_ack(b, VSF_BACKEND_SHMEM_MAP);
	ENSURE(vsf_frontend_mapping_count(b->fe) == 1);

	peer_send(b, VSF_BACKEND_SHMEM_UNMAP, -1);
	frontend_handle(b, VSF_BACKEND_SHMEM_UNMAP);
	peer_expect_ack(b, VSF_BACKEND_SHMEM_UNMAP);
	ENSURE(vsf_frontend_mapping_count(b->fe) == 0);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint64_t sizes[VSF_MAX_SHMEM_REGIONS] = { [0] = REGION_SIZE };
	double secs = 3, start, elapsed;
	bool fresh = false;
	struct bench b;
	long pairs = 0;
	int sv[2];
	int memfd = -1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--fresh-memfd"))
			fresh = true;
		else if ((secs = atof(argv[i])) <= 0) {
			fprintf(stderr, "usage: %s [seconds] [--fresh-memfd]\n", argv[0]);
			return 2;
		}
	}

	ENSURE(vsf_frontend_new(NULL, &b.fe) == 0);
	ENSURE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	b.peer = sv[1];
	ENSURE(vsf_frontend_attach(b.fe, sv[0], VSF_PROTOCOL_FEATURES_OFFERED) == 0);
	ENSURE(vsf_frontend_configure(b.fe, 1, sizes) == 0);
	if (!fresh)
		memfd = new_memfd();

	start = now();
	do {
		for (int i = 0; i < BATCH; i++) {
			int fd = fresh ? new_memfd() : memfd;

			one_pair(&b, fd);
			if (fresh)
				close(fd);
		}
		pairs += BATCH;
		elapsed = now() - start;
	} while (elapsed < secs);

	printf("map+unmap pairs/s: %.0f (%.2f us/pair), messages/s: %.0f%s\n",
	       pairs / elapsed, elapsed / pairs * 1e6, 2 * pairs / elapsed,
	       fresh ? ", fresh memfd each pair" : "");

	if (memfd >= 0)
		close(memfd);
	close(b.peer);
	vsf_frontend_free(b.fe);
	return 0;
}
