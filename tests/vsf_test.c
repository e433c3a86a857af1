/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "vsf_test.h"

#include "peer_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_TESTS 256

int vsf_test_failures;
static struct vsf_test_case tests[MAX_TESTS];
static int ntests;

void vsf_test_register(const char *name, void (*fn)(void))
{
	SETUP(ntests < MAX_TESTS);
	tests[ntests++] = (struct vsf_test_case){ name, fn };
}

void vsf_test_setup_failed(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: test set-up failed: %s (%s)\n", file, line, what, strerror(errno));
	abort();
}

void vsf_test_skip(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: skipped, this machine lacks: %s (%s)\n", file, line, what, strerror(errno));
	exit(77);
}

int main(int argc, char **argv)
{
	int ran = 0;

	for (int i = 0; i < ntests; i++) {
		if (argc > 1 && strcmp(argv[1], tests[i].name))
			continue;
		int before = vsf_test_failures;

		tests[i].fn();
		printf("%s %s\n", vsf_test_failures == before ? "PASS" : "FAIL", tests[i].name);
		ran++;
	}
	if (!ran) {
		fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "(any)");
		return 2;
	}
	return vsf_test_failures ? 1 : 0;
}

/* ---- fixture ---- */

void fixture_init(struct fixture *f, uint64_t pf, const struct vsf_options *opts)
{
	int sv[2];

	SETUP(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	SETUP(vsf_frontend_new(opts, &f->fe) == 0);
	SETUP(vsf_frontend_attach(f->fe, sv[0], pf) == 0);
	f->peer = sv[1];
	f->page = (size_t)sysconf(_SC_PAGESIZE);
}

void fixture_init_regions(struct fixture *f, const int *shmid_pages)
{
	uint64_t sizes[256] = { 0 };
	uint32_t n = 0;

	fixture_init(f, ALL_PROTOCOL_FEATURES, NULL);
	for (int i = 0; shmid_pages[i] >= 0; i += 2) {
		sizes[shmid_pages[i]] = (uint64_t)shmid_pages[i + 1] * f->page;
		n++;
	}
	SETUP(vsf_frontend_configure(f->fe, n, sizes) == 0);
}

void fixture_fini(struct fixture *f)
{
	vsf_frontend_free(f->fe);
	close(f->peer);
}

uint8_t memfd_byte(uint8_t seed, size_t offset, size_t page)
{
	return (uint8_t)(seed + offset / page + 1);
}

int make_memfd(size_t npages, uint8_t seed)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int fd = memfd_create("vsf-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	uint8_t *buf;

	SETUP(fd >= 0);
	SETUP(ftruncate(fd, (off_t)(npages * page)) == 0);
	buf = malloc(page);
	SETUP(buf);
	for (size_t p = 0; p < npages; p++) {
		memset(buf, memfd_byte(seed, p * page, page), page);
		SETUP(pwrite(fd, buf, page, (off_t)(p * page)) == (ssize_t)page);
	}
	free(buf);
	return fd;
}

void peer_send_raw(struct fixture *f, const void *buf, size_t len, const int *fds, size_t nfds)
{
	SETUP(peer_io_send(f->peer, buf, len, 0, fds, nfds, -1) == 0);
}

void peer_send_mmap(struct fixture *f, uint32_t request, uint32_t hflags, uint8_t shmid,
		    uint64_t fd_offset, uint64_t shm_offset, uint64_t len, uint64_t mflags,
		    const int *fds, size_t nfds)
{
	uint8_t buf[VSF_HEADER_SIZE + VSF_MMAP_PAYLOAD_SIZE];
	struct vsf_wire_header h = { request, hflags, VSF_MMAP_PAYLOAD_SIZE };
	struct vsf_wire_mmap m = { .shmid = shmid, .fd_offset = fd_offset,
				   .shm_offset = shm_offset, .len = len, .flags = mflags };

	vsf_encode_header(&h, buf);
	vsf_encode_mmap(&m, buf + VSF_HEADER_SIZE);
	peer_send_raw(f, buf, sizeof(buf), fds, nfds);
}

int handle(struct fixture *f, struct vsf_verdict *v)
{
	struct vsf_verdict local;

	return vsf_frontend_handle_backend(f->fe, v ? v : &local);
}

int read_replies(struct fixture *f, struct vsf_wire_header *hdr, uint64_t *value)
{
	uint8_t buf[VSF_HEADER_SIZE + 8];
	int n = 0;

	for (;;) {
		ssize_t got = recv(f->peer, buf, sizeof(buf), MSG_DONTWAIT);

		if (got <= 0)
			break;
		SETUP(got == (ssize_t)sizeof(buf));
		if (n == 0) {
			vsf_decode_header(buf, hdr);
			*value = vsf_load_le64(buf + VSF_HEADER_SIZE);
		}
		n++;
	}
	return n;
}

static int do_mmap_req(struct fixture *f, uint32_t request, uint8_t shmid, int fd,
		       uint64_t fd_offset, uint64_t shm_offset, uint64_t len, bool rw)
{
	struct vsf_wire_header h;
	struct vsf_verdict v;
	uint64_t value = 0;

	peer_send_mmap(f, request, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, shmid, fd_offset,
		       shm_offset, len, rw ? VSF_MMAP_F_RW : 0, &fd, fd >= 0 ? 1 : 0);
	CHECK_EQ(handle(f, &v), 0);
	CHECK_EQ(read_replies(f, &h, &value), 1);
	CHECK_EQ(h.request, request);
	CHECK_EQ(h.flags, VSF_REPLY_FLAGS);
	CHECK_EQ(h.size, 8);
	CHECK_EQ(value == 0, v.result == 0);
	CHECK(v.replied);
	return v.result;
}

int do_map(struct fixture *f, uint8_t shmid, int fd, uint64_t fd_offset, uint64_t shm_offset,
	   uint64_t len, bool rw)
{
	return do_mmap_req(f, VSF_BACKEND_SHMEM_MAP, shmid, fd, fd_offset, shm_offset, len, rw);
}

int do_unmap(struct fixture *f, uint8_t shmid, uint64_t shm_offset, uint64_t len)
{
	return do_mmap_req(f, VSF_BACKEND_SHMEM_UNMAP, shmid, -1, 0, shm_offset, len, false);
}

void check_channel_usable(struct fixture *f)
{
	int fd = make_memfd(1, 0x40);

	CHECK_EQ(do_map(f, 0, fd, 0, 15 * f->page, f->page, false), 0);
	CHECK_EQ(do_unmap(f, 0, 15 * f->page, f->page), 0);
	close(fd);
}

/* ---- log ---- */

void log_collect(void *opaque, enum vsf_log_level level, const char *msg)
{
	struct log_lines *log = opaque;

	if (log->n == LOG_MAX_LINES)
		return;
	log->level[log->n] = level;
	snprintf(log->text[log->n], sizeof(log->text[0]), "%s", msg);
	log->n++;
}

int log_find(const struct log_lines *log, enum vsf_log_level level, const char *text)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->level[i] == level && !strcmp(log->text[i], text))
			return (int)i;
	return -1;
}

size_t log_count(const struct log_lines *log, enum vsf_log_level level)
{
	size_t n = 0;

	for (size_t i = 0; i < log->n; i++)
		n += log->level[i] == level;
	return n;
}

/* ---- process probes ---- */

bool fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

uint8_t *region_base(struct fixture *f, uint8_t shmid)
{
	struct vsf_region_info info;

	SETUP(vsf_frontend_region(f->fe, shmid, &info));
	return info.base;
}
