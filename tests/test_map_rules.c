/* SPDX-License-Identifier: MIT */
/*
 * SHMEM_MAP / SHMEM_UNMAP rules of docs/protocol.md, one accepted and one rejected
 * case per rule, over a real socketpair with real memfds. After every
 * rejected message the process's fd count is unchanged and the channel
 * still serves the next message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fd_table.h"
#include "vsf_test.h"

/* Region 0: 16 pages; region 3: 4 pages. */
static const int two_regions[] = { 0, 16, 3, 4, -1 };

/* A rejected map: error reply, no mapping added, no fd left behind, channel usable. */
static void check_map_rejected(struct fixture *f, uint8_t shmid, int fd, uint64_t fd_offset,
			       uint64_t shm_offset, uint64_t len, bool rw, int expect)
{
	size_t maps = vsf_frontend_mapping_count(f->fe);
	int fds = probe_open_fds();

	CHECK_EQ(do_map(f, shmid, fd, fd_offset, shm_offset, len, rw), expect);
	CHECK_EQ(probe_open_fds(), fds);
	CHECK_EQ(vsf_frontend_mapping_count(f->fe), maps);
	check_channel_usable(f);
}

TEST(map_bytes_visible_at_offset)
{
	struct fixture f;
	int fd = make_memfd(8, 0x10);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, fd, 2 * f.page, 4 * f.page, 3 * f.page, false), 0);
	uint8_t *base = region_base(&f, 0);
	for (size_t i = 0; i < 3; i++)
		CHECK_EQ(base[4 * f.page + i * f.page + 7], memfd_byte(0x10, (2 + i) * f.page, f.page));
	struct vsf_mapping_info mi;
	CHECK(vsf_frontend_mapping(f.fe, 0, &mi));
	CHECK_EQ(mi.shm_offset, 4 * f.page);
	CHECK_EQ(mi.fd_offset, 2 * f.page);
	CHECK(!probe_readable(base + 3 * f.page));
	CHECK(!probe_readable(base + 7 * f.page));
	close(fd);
	fixture_fini(&f);
}

TEST(map_readonly_is_readonly)
{
	struct fixture f;
	char perms[5];
	int fd = make_memfd(1, 1);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, f.page, false), 0);
	uint8_t *p = region_base(&f, 0);
	CHECK(probe_maps_perms(p, perms));
	CHECK(!strcmp(perms, "r--s"));
	CHECK(probe_readable(p));
	CHECK(!probe_writable(p));
	close(fd);
	fixture_fini(&f);
}

TEST(map_readwrite_writes_through)
{
	struct fixture f;
	char perms[5];
	uint8_t b = 0;
	int fd = make_memfd(1, 1);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 3, fd, 0, f.page, f.page, true), 0);
	uint8_t *p = region_base(&f, 3) + f.page;
	CHECK(probe_maps_perms(p, perms));
	CHECK(!strcmp(perms, "rw-s"));
	p[5] = 0xab;
	CHECK_EQ(pread(fd, &b, 1, 5), 1);
	CHECK_EQ(b, 0xab);
	close(fd);
	fixture_fini(&f);
}

TEST(unmap_leaves_range_reserved_and_inaccessible)
{
	struct fixture f;
	char perms[5];
	int fd = make_memfd(2, 1);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, fd, 0, 2 * f.page, 2 * f.page, true), 0);
	close(fd);
	uint8_t *p = region_base(&f, 0) + 2 * f.page;
	CHECK(probe_readable(p));
	CHECK_EQ(do_unmap(&f, 0, 2 * f.page, 2 * f.page), 0);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	CHECK(!probe_readable(p));
	CHECK(!probe_readable(p + f.page));
	CHECK(probe_maps_perms(p, perms)); /* still reserved, not released */
	CHECK(!strcmp(perms, "---p"));
	/* No unrelated mmap can land there: a hint at p gets another address. */
	void *q = mmap(p, f.page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == MAP_FAILED);
	fixture_fini(&f);
}

TEST(map_fd_closed_after_map)
{
	struct fixture f;
	int fd = make_memfd(1, 1);
	int before;

	fixture_init_regions(&f, two_regions);
	before = probe_open_fds();
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, f.page, false), 0);
	/* The received duplicate is not kept open: the mapping holds the file. */
	CHECK_EQ(probe_open_fds(), before);
	close(fd);
	fixture_fini(&f);
}

TEST(rule_shmem_not_negotiated)
{
	struct fixture f;
	int fd = make_memfd(1, 1);
	int fds;

	fixture_init(&f, ALL_PROTOCOL_FEATURES & ~(1ull << VSF_PROTOCOL_F_SHMEM), NULL);
	CHECK_EQ(vsf_frontend_region_count(f.fe), 0);
	uint64_t sizes[256] = { [0] = 16 * f.page };
	CHECK_EQ(vsf_frontend_configure(f.fe, 1, sizes), -ENOTSUP);
	fds = probe_open_fds();
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, f.page, false), -ENOTSUP);
	CHECK_EQ(do_unmap(&f, 0, 0, f.page), -ENOTSUP);
	CHECK_EQ(probe_open_fds(), fds);
	close(fd);
	fixture_fini(&f);
}

TEST(rule_range_inside_region)
{
	struct fixture f;
	int fd = make_memfd(4, 1);

	fixture_init_regions(&f, two_regions);
	/* Exactly the last page of region 3 is inside. */
	CHECK_EQ(do_map(&f, 3, fd, 0, 3 * f.page, f.page, false), 0);
	check_map_rejected(&f, 3, fd, 0, 3 * f.page, 2 * f.page, false, -ERANGE);
	check_map_rejected(&f, 3, fd, 0, 4 * f.page, f.page, false, -ERANGE);
	check_map_rejected(&f, 7, fd, 0, 0, f.page, false, -ENOENT);
	close(fd);
	fixture_fini(&f);
}

TEST(rule_no_overlap)
{
	struct fixture f;
	int fd = make_memfd(4, 1);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, fd, 0, 4 * f.page, 2 * f.page, false), 0);
	/* Adjacent on both sides is fine. */
	CHECK_EQ(do_map(&f, 0, fd, 0, 3 * f.page, f.page, false), 0);
	CHECK_EQ(do_map(&f, 0, fd, 0, 6 * f.page, f.page, false), 0);
	check_map_rejected(&f, 0, fd, 0, 4 * f.page, 2 * f.page, false, -EEXIST);
	check_map_rejected(&f, 0, fd, 0, 5 * f.page, f.page, false, -EEXIST);
	check_map_rejected(&f, 0, fd, 0, 2 * f.page, 4 * f.page, false, -EEXIST);
	/* Same offset in another region is another range. */
	CHECK_EQ(do_map(&f, 3, fd, 0, 0, 2 * f.page, false), 0);
	close(fd);
	fixture_fini(&f);
}

TEST(rule_unmap_exact_mapping)
{
	struct fixture f;
	int fd = make_memfd(4, 1);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, fd, 0, 4 * f.page, 4 * f.page, false), 0);
	CHECK_EQ(do_unmap(&f, 0, 4 * f.page, 2 * f.page), -ENOENT);  /* head */
	CHECK_EQ(do_unmap(&f, 0, 6 * f.page, 2 * f.page), -ENOENT);  /* tail */
	CHECK_EQ(do_unmap(&f, 0, 2 * f.page, 8 * f.page), -ENOENT);  /* superset */
	CHECK_EQ(do_unmap(&f, 3, 0, 4 * f.page), -ENOENT);           /* other region */
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 1);
	CHECK(probe_readable(region_base(&f, 0) + 5 * f.page));
	CHECK_EQ(do_unmap(&f, 0, 4 * f.page, 4 * f.page), 0);
	CHECK_EQ(do_unmap(&f, 0, 4 * f.page, 4 * f.page), -ENOENT);  /* twice */
	close(fd);
	fixture_fini(&f);
}

TEST(rule_mapping_limit)
{
	struct fixture f;
	struct vsf_options o;
	int fd = make_memfd(1, 1);

	vsf_options_default(&o);
	o.max_mappings = 3;
	fixture_init(&f, ALL_PROTOCOL_FEATURES, &o);
	uint64_t sizes[256] = { [0] = 16 * f.page };
	SETUP(vsf_frontend_configure(f.fe, 1, sizes) == 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(do_map(&f, 0, fd, 0, (uint64_t)i * f.page, f.page, false), 0);
	CHECK_EQ(do_map(&f, 0, fd, 0, 8 * f.page, f.page, false), -ENOSPC);
	CHECK_EQ(do_unmap(&f, 0, 0, f.page), 0);
	CHECK_EQ(do_map(&f, 0, fd, 0, 8 * f.page, f.page, false), 0);
	close(fd);
	fixture_fini(&f);
}

TEST(rule_reset_removes_every_mapping)
{
	struct fixture f;
	int fd = make_memfd(2, 1);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, 2 * f.page, true), 0);
	CHECK_EQ(do_map(&f, 3, fd, 0, 0, f.page, false), 0);
	close(fd);
	int fds = probe_open_fds();
	vsf_frontend_reset(f.fe);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	CHECK_EQ(vsf_frontend_region_count(f.fe), 2);
	CHECK(!probe_readable(region_base(&f, 0)));
	CHECK(!probe_readable(region_base(&f, 3)));
	CHECK_EQ(probe_open_fds(), fds);
	/* The ranges are free again. */
	fd = make_memfd(2, 2);
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, 2 * f.page, true), 0);
	close(fd);
	fixture_fini(&f);
}

TEST(rule_payload_size_exact)
{
	struct fixture f;
	int fd = make_memfd(1, 1);
	uint8_t buf[VSF_HEADER_SIZE + 48] = { 0 };
	struct vsf_wire_header h;
	struct vsf_verdict v;
	uint64_t value;

	fixture_init_regions(&f, two_regions);
	for (uint32_t size = 32; size <= 48; size += 8) {
		if (size == 40)
			continue;
		int fds = probe_open_fds();
		struct vsf_wire_header req = { VSF_BACKEND_SHMEM_MAP,
					       VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, size };
		struct vsf_wire_mmap m = { .len = f.page };

		vsf_encode_header(&req, buf);
		vsf_encode_mmap(&m, buf + VSF_HEADER_SIZE);
		peer_send_raw(&f, buf, VSF_HEADER_SIZE + size, &fd, 1);
		CHECK_EQ(handle(&f, &v), 0);
		CHECK_EQ(v.result, -EBADMSG);
		CHECK_EQ(read_replies(&f, &h, &value), 1);
		CHECK(value != 0);
		CHECK_EQ(probe_open_fds(), fds);
		CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	}
	check_channel_usable(&f);
	close(fd);
	fixture_fini(&f);
}

TEST(rule_header_flags)
{
	struct fixture f;
	const uint32_t bad[] = { 0x0 | VSF_FLAG_NEED_REPLY, 0x2 | VSF_FLAG_NEED_REPLY,
				 0x3 | VSF_FLAG_NEED_REPLY, VSF_REPLY_FLAGS | VSF_FLAG_NEED_REPLY,
				 0x1 | 0x10 | VSF_FLAG_NEED_REPLY, 0x1 | 0x80000000u | VSF_FLAG_NEED_REPLY };
	int fd = make_memfd(1, 1);

	fixture_init_regions(&f, two_regions);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vsf_wire_header h;
		struct vsf_verdict v;
		uint64_t value;
		int fds = probe_open_fds();

		peer_send_mmap(&f, VSF_BACKEND_SHMEM_MAP, bad[i], 0, 0, 0, f.page, 0, &fd, 1);
		CHECK_EQ(handle(&f, &v), 0);
		CHECK_EQ(v.result, -EPROTO);
		CHECK_EQ(read_replies(&f, &h, &value), 1);
		CHECK_EQ(h.flags, VSF_REPLY_FLAGS);
		CHECK(value != 0);
		CHECK_EQ(probe_open_fds(), fds);
	}
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	check_channel_usable(&f);
	close(fd);
	fixture_fini(&f);
}

TEST(rule_mmap_flags_known)
{
	struct fixture f;
	struct vsf_wire_header h;
	struct vsf_verdict v;
	uint64_t value;
	int fd = make_memfd(1, 1);

	fixture_init_regions(&f, two_regions);
	peer_send_mmap(&f, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0, 0, 0,
		       f.page, 0x2, &fd, 1);
	CHECK_EQ(handle(&f, &v), 0);
	CHECK_EQ(v.result, -EINVAL);
	CHECK_EQ(read_replies(&f, &h, &value), 1);
	CHECK(value != 0);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	check_channel_usable(&f);
	close(fd);
	fixture_fini(&f);
}

TEST(rule_fd_count)
{
	struct fixture f;
	int fd = make_memfd(1, 1), two[2] = { fd, fd };
	struct vsf_wire_header h;
	struct vsf_verdict v;
	uint64_t value;
	int fds;

	fixture_init_regions(&f, two_regions);
	fds = probe_open_fds();
	/* map without an fd */
	CHECK_EQ(do_map(&f, 0, -1, 0, 0, f.page, false), -EBADMSG);
	/* map with two fds */
	peer_send_mmap(&f, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0, 0, 0,
		       f.page, 0, two, 2);
	CHECK_EQ(handle(&f, &v), 0);
	CHECK_EQ(v.result, -EBADMSG);
	CHECK_EQ(read_replies(&f, &h, &value), 1);
	/* unmap with an fd */
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, f.page, false), 0);
	peer_send_mmap(&f, VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0, 0, 0,
		       f.page, 0, &fd, 1);
	CHECK_EQ(handle(&f, &v), 0);
	CHECK_EQ(v.result, -EBADMSG);
	CHECK_EQ(read_replies(&f, &h, &value), 1);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 1);
	CHECK_EQ(probe_open_fds(), fds);
	CHECK_EQ(do_unmap(&f, 0, 0, f.page), 0);
	close(fd);
	fixture_fini(&f);
}

TEST(rule_len_nonzero_and_aligned)
{
	struct fixture f;
	int fd = make_memfd(4, 1);

	fixture_init_regions(&f, two_regions);
	check_map_rejected(&f, 0, fd, 0, 0, 0, false, -EINVAL);
	check_map_rejected(&f, 0, fd, 0, 0, f.page + 1, false, -EINVAL);
	check_map_rejected(&f, 0, fd, 0, 1, f.page, false, -EINVAL);
	check_map_rejected(&f, 0, fd, 7, 0, f.page, false, -EINVAL);
	CHECK_EQ(do_map(&f, 0, fd, f.page, f.page, f.page, false), 0);
	CHECK_EQ(do_unmap(&f, 0, 0, 0), -EINVAL);
	close(fd);
	fixture_fini(&f);
}

TEST(rule_overflow_checked)
{
	struct fixture f;
	int fd = make_memfd(1, 1);
	uint64_t top;

	fixture_init_regions(&f, two_regions);
	top = UINT64_MAX & ~(uint64_t)(f.page - 1); /* page-aligned; + 2 pages wraps */
	check_map_rejected(&f, 0, fd, 0, top, 2 * f.page, false, -EOVERFLOW);
	check_map_rejected(&f, 0, fd, top, 0, 2 * f.page, false, -EOVERFLOW);
	/* fd_offset beyond off_t */
	check_map_rejected(&f, 0, fd, 1ull << 63, 0, f.page, false, -EOVERFLOW);
	/* A wrapped end that would look small must not be accepted. */
	check_map_rejected(&f, 0, fd, 0, top, top, false, -EOVERFLOW);
	close(fd);
	fixture_fini(&f);
}

TEST(rule_fd_mappable_with_protection)
{
	struct fixture f;
	char path[] = "/tmp/vsf-test-XXXXXX";
	int tmp = mkstemp(path);
	int ro, pipefd[2];

	SETUP(tmp >= 0);
	SETUP(ftruncate(tmp, 4096 * 4) == 0);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	SETUP(ro >= 0);
	unlink(path);
	close(tmp);
	SETUP(pipe2(pipefd, O_CLOEXEC) == 0);
	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, ro, 0, 0, f.page, false), 0);          /* read-only file, ro */
	check_map_rejected(&f, 0, ro, 0, f.page, f.page, true, -EACCES); /* ... but not rw */
	check_map_rejected(&f, 0, pipefd[0], 0, 2 * f.page, f.page, false, -ENODEV);
	/* /dev/zero maps, but has no size to check: at an offset it would fault. */
	int zero = open("/dev/zero", O_RDWR | O_CLOEXEC);
	SETUP(zero >= 0);
	check_map_rejected(&f, 0, zero, 0, 2 * f.page, f.page, false, -ENODEV);
	check_map_rejected(&f, 0, zero, 1ull << 40, 2 * f.page, f.page, true, -ENODEV);
	close(zero);
	/*
	 * A write-sealed memfd never maps read-write; read-only only where the
	 * kernel allows a shared mapping of it (Linux >= 6.7, else EPERM).
	 */
	int sealed = make_memfd(1, 1);
	SETUP(fcntl(sealed, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK) == 0);
	check_map_rejected(&f, 0, sealed, 0, 3 * f.page, f.page, true, -EPERM);
	if (fd_probe_write_sealed_ro_mmap())
		CHECK_EQ(do_map(&f, 0, sealed, 0, 3 * f.page, f.page, false), 0);
	else
		check_map_rejected(&f, 0, sealed, 0, 3 * f.page, f.page, false, -EPERM);
	close(sealed);
	close(ro);
	close(pipefd[0]);
	close(pipefd[1]);
	fixture_fini(&f);
}

TEST(rule_fd_long_enough)
{
	struct fixture f;
	int fd = make_memfd(2, 1);

	fixture_init_regions(&f, two_regions);
	check_map_rejected(&f, 0, fd, 0, 0, 3 * f.page, false, -ERANGE);
	check_map_rejected(&f, 0, fd, 2 * f.page, 0, f.page, false, -ERANGE);
	CHECK_EQ(do_map(&f, 0, fd, f.page, 0, f.page, false), 0);
	CHECK(probe_readable(region_base(&f, 0)));
	close(fd);
	fixture_fini(&f);
}

TEST(rule_other_backend_requests_rejected)
{
	struct fixture f;
	int fd = make_memfd(1, 1);

	fixture_init_regions(&f, two_regions);
	for (uint32_t id = 0; id <= 12; id++) {
		if (id == VSF_BACKEND_SHMEM_MAP || id == VSF_BACKEND_SHMEM_UNMAP)
			continue;
		struct vsf_wire_header h;
		struct vsf_verdict v;
		uint64_t value;
		int fds = probe_open_fds();

		/* Shaped like a valid map, with an fd: must not be mapped. */
		peer_send_mmap(&f, id, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0, 0, 0, f.page, 0,
			       &fd, 1);
		CHECK_EQ(handle(&f, &v), 0);
		CHECK_EQ(v.result, -ENOTSUP);
		CHECK_EQ(read_replies(&f, &h, &value), 1);
		CHECK_EQ(h.request, id);
		CHECK(value != 0);
		CHECK_EQ(probe_open_fds(), fds);
	}
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	check_channel_usable(&f);
	close(fd);
	fixture_fini(&f);
}

TEST(rule_reply_only_with_need_reply)
{
	struct fixture f;
	struct vsf_wire_header h;
	struct vsf_verdict v;
	uint64_t value;
	int fd = make_memfd(1, 1);

	fixture_init_regions(&f, two_regions);
	/* accepted, no NEED_REPLY: no reply */
	peer_send_mmap(&f, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION, 0, 0, 0, f.page, 0, &fd, 1);
	CHECK_EQ(handle(&f, &v), 0);
	CHECK_EQ(v.result, 0);
	CHECK(!v.replied);
	CHECK_EQ(read_replies(&f, &h, &value), 0);
	/* rejected, no NEED_REPLY: no reply either */
	peer_send_mmap(&f, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION, 0, 0, 0, f.page, 0, &fd, 1);
	CHECK_EQ(handle(&f, &v), 0);
	CHECK_EQ(v.result, -EEXIST);
	CHECK_EQ(read_replies(&f, &h, &value), 0);
	/* with NEED_REPLY: exactly one, the value written, not the request's bytes */
	CHECK_EQ(do_unmap(&f, 0, 0, f.page), 0);
	CHECK_EQ(do_unmap(&f, 0, 0, f.page), -ENOENT);
	close(fd);
	fixture_fini(&f);
}
