/* SPDX-License-Identifier: MIT */
/*
 * The reason vsf_frontend_last_error gives for a rejected backend message
 * names what was wrong: the version, the unknown bits, the request, the
 * access the fd could not be mapped with.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vsf_test.h"

static const int one_region[] = { 0, 16, -1 };

static void check_reason(struct fixture *f, const char *want)
{
	const char *reason = vsf_frontend_last_error(f->fe);

	if (strcmp(reason, want)) {
		fprintf(stderr, "reason \"%s\", expected \"%s\"\n", reason, want);
		vsf_test_failures++;
	}
}

/* Send a map of region 0's first page of fd with these flags, handle it,
 * and check it was rejected with reason want. */
static void check_map_reason(uint32_t hflags, uint64_t mflags, int fd, const char *want)
{
	struct fixture f;
	struct vsf_verdict v;

	fixture_init_regions(&f, one_region);
	peer_send_mmap(&f, VSF_BACKEND_SHMEM_MAP, hflags, 0, 0, 0, f.page, mflags, &fd, 1);
	handle(&f, &v);
	CHECK(v.result < 0);
	check_reason(&f, want);
	fixture_fini(&f);
}

/* Send a header-only backend request, handle it, and check the reason. */
static void check_request_reason(uint32_t request, const char *want)
{
	struct vsf_wire_header h = { request, VSF_FLAG_VERSION, 0 };
	uint8_t buf[VSF_HEADER_SIZE];
	struct fixture f;

	fixture_init_regions(&f, one_region);
	vsf_encode_header(&h, buf);
	peer_send_raw(&f, buf, sizeof(buf), NULL, 0);
	handle(&f, NULL);
	check_reason(&f, want);
	fixture_fini(&f);
}

TEST(wrong_version_named)
{
	int fd = make_memfd(4, 1);

	check_map_reason(0x2, 0, fd, "version 2, expected 1");
	close(fd);
}

TEST(unknown_header_flags_named)
{
	int fd = make_memfd(4, 1);

	check_map_reason(VSF_FLAG_VERSION | 0x40, 0, fd, "unknown header flags 0x40");
	close(fd);
}

TEST(unknown_mmap_flags_named)
{
	int fd = make_memfd(4, 1);

	check_map_reason(VSF_FLAG_VERSION, 0x6, fd, "SHMEM_MAP: unknown flags 0x6");
	close(fd);
}

TEST(read_write_map_of_a_read_only_fd_named)
{
	char path[64];
	int fd = make_memfd(4, 1);
	int ro;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	SETUP(ro >= 0);
	check_map_reason(VSF_FLAG_VERSION, VSF_MMAP_F_RW, ro,
			 "fd cannot be mapped read-write: Permission denied");
	close(ro);
	close(fd);
}

TEST(known_unsupported_request_named)
{
	check_request_reason(VSF_BACKEND_VRING_CALL, "backend request VRING_CALL (4) not supported");
}

TEST(unknown_request_named)
{
	check_request_reason(77, "unknown backend request 77");
}
