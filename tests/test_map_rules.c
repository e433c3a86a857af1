/* SPDX-License-Identifier: MIT */
/*
 * SHMEM_MAP / SHMEM_UNMAP rules of docs/protocol.md over a real socketpair
 * with real fds. Each rule is a table: one row per case, the message (its
 * header, VhostUserMMap fields and fds) and what must follow (the result,
 * the live mappings after it), run in order by one loop that checks the
 * reply, the fd count and, after a rejection, that the channel still serves.
 * Above the tables, what a map does to memory.
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

/* The fds a case's message carries. */
enum case_fds {
	FDS_MEMFD,   /* one memfd of 4 pages (the default) */
	FDS_MEMFD2,  /* one memfd of 2 pages */
	FDS_NONE,
	FDS_TWO,     /* the 4-page memfd twice */
	FDS_RO_FILE, /* a 4-page regular file opened read-only */
	FDS_PIPE,
	FDS_DEVZERO,
	FDS_SEALED,  /* a 1-page memfd sealed against writes */
	FDS_TOO_MANY, /* the 4-page memfd, one more time than the channel takes */
	FDS_KINDS
};

struct map_case {
	const char *what;
	uint32_t request;
	uint32_t hflags;   /* 0: version 1 + NEED_REPLY */
	uint32_t size;     /* payload bytes; 0: 40 */
	uint8_t shmid;
	enum case_fds fds;
	uint64_t fd_offset, shm_offset, len, mflags;
	int expect;        /* the result: 0, or the negative errno the reply carries */
	size_t maps_after; /* live mappings once it is handled */
};

#define MAP   VSF_BACKEND_SHMEM_MAP
#define UNMAP VSF_BACKEND_SHMEM_UNMAP
#define RW    VSF_MMAP_F_RW

static uint64_t page(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

/* One fd of every kind a case may carry. */
static void make_fds(int fds[FDS_KINDS])
{
	char path[] = "/tmp/vsf-test-XXXXXX";
	int tmp = mkstemp(path), pipefd[2];

	fds[FDS_MEMFD] = make_memfd(4, 1);
	fds[FDS_MEMFD2] = make_memfd(2, 1);
	fds[FDS_NONE] = fds[FDS_TWO] = fds[FDS_TOO_MANY] = -1;
	SETUP(tmp >= 0 && ftruncate(tmp, (off_t)(4 * page())) == 0);
	fds[FDS_RO_FILE] = open(path, O_RDONLY | O_CLOEXEC);
	SETUP(fds[FDS_RO_FILE] >= 0);
	unlink(path);
	close(tmp);
	SETUP(pipe2(pipefd, O_CLOEXEC) == 0);
	close(pipefd[1]);
	fds[FDS_PIPE] = pipefd[0];
	fds[FDS_DEVZERO] = open("/dev/zero", O_RDWR | O_CLOEXEC);
	SETUP(fds[FDS_DEVZERO] >= 0);
	fds[FDS_SEALED] = make_memfd(1, 1);
	SETUP(fcntl(fds[FDS_SEALED], F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK) == 0);
}

/* Send one case's message with its fds. */
static void send_case(struct fixture *f, const struct map_case *c, const int fds[FDS_KINDS])
{
	uint8_t buf[VSF_HEADER_SIZE + 64] = { 0 };
	struct vsf_wire_header h = {
		.request = c->request,
		.flags = c->hflags ? c->hflags : VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY,
		.size = c->size ? c->size : VSF_MMAP_PAYLOAD_SIZE,
	};
	struct vsf_wire_mmap m = { .shmid = c->shmid, .fd_offset = c->fd_offset,
				   .shm_offset = c->shm_offset, .len = c->len, .flags = c->mflags };
	int same[VSF_MAX_FDS + 1]; /* FDS_TWO and FDS_TOO_MANY: the memfd again and again */
	const int *send = same;
	size_t nfds = c->fds == FDS_TWO ? 2 : c->fds == FDS_TOO_MANY ? VSF_MAX_FDS + 1 : 1;

	for (size_t i = 0; i < VSF_MAX_FDS + 1; i++)
		same[i] = fds[FDS_MEMFD];
	if (c->fds == FDS_NONE)
		nfds = 0;
	else if (c->fds != FDS_TWO && c->fds != FDS_TOO_MANY)
		send = &fds[c->fds];
	SETUP(h.size <= sizeof(buf) - VSF_HEADER_SIZE);
	vsf_encode_header(&h, buf);
	vsf_encode_mmap(&m, buf + VSF_HEADER_SIZE);
	peer_send_raw(f, buf, VSF_HEADER_SIZE + h.size, send, nfds);
}

/* The channel still serves: an unmap of the unmapped page 15 of region 0
 * gets its -ENOENT reply (it changes nothing, so it fits any table). */
static void check_still_serves(struct fixture *f)
{
	struct vsf_wire_header h;
	uint64_t value = 0;
	struct vsf_verdict v;

	peer_send_mmap(f, VSF_BACKEND_SHMEM_UNMAP, VSF_FLAG_VERSION | VSF_FLAG_NEED_REPLY, 0, 0,
		       15 * f->page, f->page, 0, NULL, 0);
	CHECK_EQ(handle(f, &v), 0);
	CHECK_EQ(v.result, -ENOENT);
	CHECK_EQ(read_replies(f, &h, &value), 1);
	CHECK_EQ(value, (uint64_t)ENOENT);
}

/*
 * Run the cases in order on f. Each must give its result: one reply when
 * NEED_REPLY is set, value 0 on success and the errno otherwise, none
 * without; the process's fd count unchanged (every fd that came is closed
 * or mapped); the live mappings as the row says; and after a rejection, a
 * channel that still serves the next message.
 */
static void run_cases(struct fixture *f, const struct map_case *cases, size_t n)
{
	int fds[FDS_KINDS];

	make_fds(fds);
	for (size_t i = 0; i < n; i++) {
		const struct map_case *c = &cases[i];
		bool need_reply = !c->hflags || c->hflags & VSF_FLAG_NEED_REPLY;
		struct vsf_wire_header h = { 0 };
		struct vsf_verdict v;
		uint64_t value = 0;
		int before = probe_open_fds();

		send_case(f, c, fds);
		CHECK_EQ(handle(f, &v), 0);
		if (v.result != c->expect || vsf_frontend_mapping_count(f->fe) != c->maps_after)
			fprintf(stderr, "case %zu (%s): result %d, %zu mappings\n", i, c->what,
				v.result, vsf_frontend_mapping_count(f->fe));
		CHECK_EQ(v.result, c->expect);
		CHECK_EQ(read_replies(f, &h, &value), need_reply ? 1 : 0);
		if (need_reply) {
			CHECK_EQ(h.request, c->request);
			CHECK_EQ(h.flags, VSF_REPLY_FLAGS);
			CHECK_EQ(value, (uint64_t)-c->expect);
		}
		CHECK_EQ(probe_open_fds(), before);
		CHECK_EQ(vsf_frontend_mapping_count(f->fe), c->maps_after);
		if (c->expect)
			check_still_serves(f);
	}
	for (int k = 0; k < FDS_KINDS; k++)
		if (fds[k] >= 0)
			close(fds[k]);
}

#define RUN(f, cases) run_cases(f, cases, sizeof(cases) / sizeof(cases[0]))

/* Region 0 of 16 pages and region 3 of 4 pages, SHMEM negotiated. */
#define WITH_TWO_REGIONS(f) fixture_init_regions(&(f), two_regions)

TEST(rule_shmem_not_negotiated)
{
	const uint64_t pg = page();
	const struct map_case cases[] = {
		{ "map", MAP, .len = pg, .expect = -ENOTSUP },
		{ "unmap", UNMAP, .fds = FDS_NONE, .len = pg, .expect = -ENOTSUP },
	};
	uint64_t sizes[256] = { [0] = 16 * pg };
	struct fixture f;

	fixture_init(&f, ALL_PROTOCOL_FEATURES & ~(1ull << VSF_PROTOCOL_F_SHMEM), NULL);
	CHECK_EQ(vsf_frontend_configure(f.fe, 1, sizes), -ENOTSUP);
	CHECK_EQ(vsf_frontend_region_count(f.fe), 0);
	for (size_t i = 0; i < 2; i++) { /* no region: the channel check does not apply */
		struct vsf_verdict v;
		struct vsf_wire_header h;
		uint64_t value;
		int fds[FDS_KINDS], before;

		make_fds(fds);
		before = probe_open_fds();
		send_case(&f, &cases[i], fds);
		CHECK_EQ(handle(&f, &v), 0);
		CHECK_EQ(v.result, cases[i].expect);
		CHECK_EQ(read_replies(&f, &h, &value), 1);
		CHECK_EQ(value, (uint64_t)ENOTSUP);
		CHECK_EQ(probe_open_fds(), before);
		for (int k = 0; k < FDS_KINDS; k++)
			if (fds[k] >= 0)
				close(fds[k]);
	}
	fixture_fini(&f);
}

TEST(rule_range_inside_region)
{
	const uint64_t pg = page();
	const struct map_case cases[] = {
		{ "exactly the last page of region 3", MAP, .shmid = 3, .shm_offset = 3 * pg, .len = pg, .maps_after = 1 },
		{ "past the end of region 3", MAP, .shmid = 3, .shm_offset = 3 * pg, .len = 2 * pg, .expect = -ERANGE, .maps_after = 1 },
		{ "at the end of region 3", MAP, .shmid = 3, .shm_offset = 4 * pg, .len = pg, .expect = -ERANGE, .maps_after = 1 },
		{ "a region that does not exist", MAP, .shmid = 7, .len = pg, .expect = -ENOENT, .maps_after = 1 },
		{ "unmap in a region that does not exist", UNMAP, .fds = FDS_NONE, .shmid = 7, .len = pg, .expect = -ENOENT, .maps_after = 1 },
	};
	struct fixture f;

	WITH_TWO_REGIONS(f);
	RUN(&f, cases);
	fixture_fini(&f);
}

TEST(rule_no_overlap)
{
	const uint64_t pg = page();
	const struct map_case cases[] = {
		{ "pages 4-5", MAP, .shm_offset = 4 * pg, .len = 2 * pg, .maps_after = 1 },
		{ "adjacent below", MAP, .shm_offset = 3 * pg, .len = pg, .maps_after = 2 },
		{ "adjacent above", MAP, .shm_offset = 6 * pg, .len = pg, .maps_after = 3 },
		{ "the same range", MAP, .shm_offset = 4 * pg, .len = 2 * pg, .expect = -EEXIST, .maps_after = 3 },
		{ "inside it", MAP, .shm_offset = 5 * pg, .len = pg, .expect = -EEXIST, .maps_after = 3 },
		{ "around it", MAP, .shm_offset = 2 * pg, .len = 4 * pg, .expect = -EEXIST, .maps_after = 3 },
		{ "the same offset in another region", MAP, .shmid = 3, .len = 2 * pg, .maps_after = 4 },
	};
	struct fixture f;

	WITH_TWO_REGIONS(f);
	RUN(&f, cases);
	fixture_fini(&f);
}

TEST(rule_unmap_exact_mapping)
{
	const uint64_t pg = page();
	const struct map_case cases[] = {
		{ "pages 4-7", MAP, .shm_offset = 4 * pg, .len = 4 * pg, .maps_after = 1 },
		{ "its head", UNMAP, .fds = FDS_NONE, .shm_offset = 4 * pg, .len = 2 * pg, .expect = -ENOENT, .maps_after = 1 },
		{ "its tail", UNMAP, .fds = FDS_NONE, .shm_offset = 6 * pg, .len = 2 * pg, .expect = -ENOENT, .maps_after = 1 },
		{ "a superset", UNMAP, .fds = FDS_NONE, .shm_offset = 2 * pg, .len = 8 * pg, .expect = -ENOENT, .maps_after = 1 },
		{ "another region", UNMAP, .fds = FDS_NONE, .shmid = 3, .len = 4 * pg, .expect = -ENOENT, .maps_after = 1 },
	};
	const struct map_case then[] = {
		{ "exactly it", UNMAP, .fds = FDS_NONE, .shm_offset = 4 * pg, .len = 4 * pg, .maps_after = 0 },
		{ "it again", UNMAP, .fds = FDS_NONE, .shm_offset = 4 * pg, .len = 4 * pg, .expect = -ENOENT, .maps_after = 0 },
	};
	struct fixture f;

	WITH_TWO_REGIONS(f);
	RUN(&f, cases);
	/* The rejected unmaps left the whole mapping in place. */
	CHECK(probe_readable(region_base(&f, 0) + 5 * pg));
	RUN(&f, then);
	CHECK(!probe_readable(region_base(&f, 0) + 5 * pg));
	fixture_fini(&f);
}

TEST(rule_mapping_limit)
{
	const uint64_t pg = page();
	const struct map_case cases[] = {
		{ "first", MAP, .len = pg, .maps_after = 1 },
		{ "second", MAP, .shm_offset = pg, .len = pg, .maps_after = 2 },
		{ "third", MAP, .shm_offset = 2 * pg, .len = pg, .maps_after = 3 },
		{ "one more than the limit", MAP, .shm_offset = 8 * pg, .len = pg, .expect = -ENOSPC, .maps_after = 3 },
		{ "unmap the first", UNMAP, .fds = FDS_NONE, .len = pg, .maps_after = 2 },
		{ "now there is room", MAP, .shm_offset = 8 * pg, .len = pg, .maps_after = 3 },
	};
	uint64_t sizes[256] = { [0] = 16 * pg };
	struct vsf_options o;
	struct fixture f;

	vsf_options_default(&o);
	o.max_mappings = 3;
	fixture_init(&f, ALL_PROTOCOL_FEATURES, &o);
	SETUP(vsf_frontend_configure(f.fe, 1, sizes) == 0);
	RUN(&f, cases);
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

TEST(recycle_is_a_reset_that_forgets_the_table)
{
	struct fixture f;
	int fd = make_memfd(2, 1);

	fixture_init_regions(&f, two_regions);
	/* Five mappings: the table grew past its first size. */
	for (int i = 0; i < 5; i++)
		CHECK_EQ(do_map(&f, 0, fd, 0, (uint64_t)i * f.page, f.page, false), 0);
	close(fd);
	int fds = probe_open_fds();
	CHECK_EQ(vsf_frontend_recycle(f.fe), 0);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	CHECK_EQ(vsf_frontend_region_count(f.fe), 2);
	CHECK(!probe_readable(region_base(&f, 0)));
	CHECK_EQ(probe_open_fds(), fds);
	CHECK(vsf_frontend_backend_fd(f.fe) >= 0);
	/* As after configure: the same ranges map again, the table grows anew. */
	fd = make_memfd(2, 2);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(do_map(&f, 0, fd, 0, (uint64_t)i * f.page, f.page, false), 0);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 5);
	close(fd);
	fixture_fini(&f);
}

TEST(rule_payload_size_exact)
{
	const uint64_t pg = page();
	const struct map_case cases[] = {
		{ "32 bytes", MAP, .size = 32, .len = pg, .expect = -EBADMSG },
		{ "48 bytes", MAP, .size = 48, .len = pg, .expect = -EBADMSG },
		{ "unmap, 32 bytes", UNMAP, .size = 32, .fds = FDS_NONE, .len = pg, .expect = -EBADMSG },
		{ "40 bytes", MAP, .len = pg, .maps_after = 1 },
	};
	struct fixture f;

	WITH_TWO_REGIONS(f);
	RUN(&f, cases);
	fixture_fini(&f);
}

TEST(rule_header_flags)
{
	const uint64_t pg = page(), nr = VSF_FLAG_NEED_REPLY;
	const struct map_case cases[] = {
		{ "version 0", MAP, .hflags = 0x0 | nr, .len = pg, .expect = -EPROTO },
		{ "version 2", MAP, .hflags = 0x2 | nr, .len = pg, .expect = -EPROTO },
		{ "version 3", MAP, .hflags = 0x3 | nr, .len = pg, .expect = -EPROTO },
		{ "REPLY set", MAP, .hflags = VSF_REPLY_FLAGS | nr, .len = pg, .expect = -EPROTO },
		{ "unknown bit 4", MAP, .hflags = 0x1 | 0x10 | nr, .len = pg, .expect = -EPROTO },
		{ "unknown bit 31", MAP, .hflags = 0x1 | 0x80000000u | nr, .len = pg, .expect = -EPROTO },
		{ "version 1", MAP, .hflags = 0x1 | nr, .len = pg, .maps_after = 1 },
	};
	struct fixture f;

	WITH_TWO_REGIONS(f);
	RUN(&f, cases);
	fixture_fini(&f);
}

TEST(rule_mmap_flags_known)
{
	const uint64_t pg = page();
	const struct map_case cases[] = {
		{ "bit 1 (MAP_W of the v4 patches)", MAP, .len = pg, .mflags = 0x2, .expect = -EINVAL },
		{ "bits 0 and 1 (v4's read-write)", MAP, .len = pg, .mflags = 0x3, .expect = -EINVAL },
		{ "bit 63", MAP, .len = pg, .mflags = 1ull << 63, .expect = -EINVAL },
		{ "read-write", MAP, .len = pg, .mflags = RW, .maps_after = 1 },
	};
	struct fixture f;

	WITH_TWO_REGIONS(f);
	RUN(&f, cases);
	fixture_fini(&f);
}

TEST(rule_fd_count)
{
	const uint64_t pg = page();
	const struct map_case cases[] = {
		{ "map without an fd", MAP, .fds = FDS_NONE, .len = pg, .expect = -EBADMSG },
		{ "map with two fds", MAP, .fds = FDS_TWO, .len = pg, .expect = -EBADMSG },
		{ "map with one", MAP, .len = pg, .maps_after = 1 },
		{ "unmap with an fd", UNMAP, .len = pg, .expect = -EBADMSG, .maps_after = 1 },
		{ "unmap with more fds than the channel takes", UNMAP, .fds = FDS_TOO_MANY, .len = pg,
		  .expect = -EBADMSG, .maps_after = 1 },
		{ "unmap without", UNMAP, .fds = FDS_NONE, .len = pg },
	};
	struct fixture f;

	WITH_TWO_REGIONS(f);
	RUN(&f, cases);
	fixture_fini(&f);
}

TEST(rule_len_nonzero_and_aligned)
{
	const uint64_t pg = page();
	const struct map_case cases[] = {
		{ "len 0", MAP, .expect = -EINVAL },
		{ "len a page and a byte", MAP, .len = pg + 1, .expect = -EINVAL },
		{ "shm_offset 1", MAP, .shm_offset = 1, .len = pg, .expect = -EINVAL },
		{ "fd_offset 7", MAP, .fd_offset = 7, .len = pg, .expect = -EINVAL },
		{ "unmap of len 0", UNMAP, .fds = FDS_NONE, .expect = -EINVAL },
		{ "all aligned", MAP, .fd_offset = pg, .shm_offset = pg, .len = pg, .maps_after = 1 },
	};
	struct fixture f;

	WITH_TWO_REGIONS(f);
	RUN(&f, cases);
	fixture_fini(&f);
}

TEST(rule_overflow_checked)
{
	const uint64_t pg = page();
	const uint64_t top = UINT64_MAX & ~(pg - 1); /* page-aligned; + 2 pages wraps */
	const struct map_case cases[] = {
		{ "shm_offset + len wraps", MAP, .shm_offset = top, .len = 2 * pg, .expect = -EOVERFLOW },
		{ "fd_offset + len wraps", MAP, .fd_offset = top, .len = 2 * pg, .expect = -EOVERFLOW },
		{ "fd_offset beyond off_t", MAP, .fd_offset = 1ull << 63, .len = pg, .expect = -EOVERFLOW },
		{ "a wrapped end that looks small", MAP, .shm_offset = top, .len = top, .expect = -EOVERFLOW },
		{ "unmap whose end wraps", UNMAP, .fds = FDS_NONE, .shm_offset = top, .len = 2 * pg, .expect = -EOVERFLOW },
	};
	struct fixture f;

	WITH_TWO_REGIONS(f);
	RUN(&f, cases);
	fixture_fini(&f);
}

TEST(rule_fd_mappable_with_protection)
{
	const uint64_t pg = page();
	/* A write-sealed memfd maps read-only only where the kernel allows a
	 * shared mapping of it (Linux >= 6.7; older kernels refuse: EPERM). */
	const bool sealed_ro = fd_probe_write_sealed_ro_mmap();
	const struct map_case cases[] = {
		{ "read-only file, read-only", MAP, .fds = FDS_RO_FILE, .len = pg, .maps_after = 1 },
		{ "read-only file, read-write", MAP, .fds = FDS_RO_FILE, .shm_offset = pg, .len = pg, .mflags = RW, .expect = -EACCES, .maps_after = 1 },
		{ "a pipe", MAP, .fds = FDS_PIPE, .shm_offset = 2 * pg, .len = pg, .expect = -ENODEV, .maps_after = 1 },
		/* /dev/zero maps, but has no size to check: at an offset it would fault */
		{ "/dev/zero", MAP, .fds = FDS_DEVZERO, .shm_offset = 2 * pg, .len = pg, .expect = -ENODEV, .maps_after = 1 },
		{ "/dev/zero far in", MAP, .fds = FDS_DEVZERO, .fd_offset = 1ull << 40, .shm_offset = 2 * pg, .len = pg, .mflags = RW, .expect = -ENODEV, .maps_after = 1 },
		{ "write-sealed memfd, read-write", MAP, .fds = FDS_SEALED, .shm_offset = 3 * pg, .len = pg, .mflags = RW, .expect = -EPERM, .maps_after = 1 },
		{ "write-sealed memfd, read-only", MAP, .fds = FDS_SEALED, .shm_offset = 3 * pg, .len = pg, .expect = sealed_ro ? 0 : -EPERM, .maps_after = sealed_ro ? 2 : 1 },
	};
	struct fixture f;

	WITH_TWO_REGIONS(f);
	RUN(&f, cases);
	fixture_fini(&f);
}

TEST(rule_fd_long_enough)
{
	const uint64_t pg = page();
	const struct map_case cases[] = {
		{ "3 pages of a 2-page file", MAP, .fds = FDS_MEMFD2, .len = 3 * pg, .expect = -ERANGE },
		{ "the page after its end", MAP, .fds = FDS_MEMFD2, .fd_offset = 2 * pg, .len = pg, .expect = -ERANGE },
		{ "its last page", MAP, .fds = FDS_MEMFD2, .fd_offset = pg, .len = pg, .maps_after = 1 },
	};
	struct fixture f;

	WITH_TWO_REGIONS(f);
	RUN(&f, cases);
	CHECK(probe_readable(region_base(&f, 0)));
	fixture_fini(&f);
}

TEST(rule_other_backend_requests_rejected)
{
	const uint64_t pg = page();
	struct map_case cases[13];
	size_t n = 0;
	struct fixture f;

	/* Shaped like a valid map, with an fd: must not be mapped. */
	for (uint32_t id = 0; id <= 12; id++)
		if (id != VSF_BACKEND_SHMEM_MAP && id != VSF_BACKEND_SHMEM_UNMAP)
			cases[n++] = (struct map_case){ "another request", id, .len = pg,
							.expect = -ENOTSUP };
	WITH_TWO_REGIONS(f);
	run_cases(&f, cases, n);
	fixture_fini(&f);
}

TEST(rule_reply_only_with_need_reply)
{
	const uint64_t pg = page();
	const struct map_case cases[] = {
		{ "accepted, no NEED_REPLY: no reply", MAP, .hflags = VSF_FLAG_VERSION, .len = pg, .maps_after = 1 },
		{ "rejected, no NEED_REPLY: none either", MAP, .hflags = VSF_FLAG_VERSION, .len = pg, .expect = -EEXIST, .maps_after = 1 },
		/* with NEED_REPLY: exactly one, its value written, not the request's bytes */
		{ "accepted unmap", UNMAP, .fds = FDS_NONE, .len = pg },
		{ "rejected unmap", UNMAP, .fds = FDS_NONE, .len = pg, .expect = -ENOENT },
	};
	struct fixture f;

	WITH_TWO_REGIONS(f);
	RUN(&f, cases);
	fixture_fini(&f);
}

/*
 * vsf_options.require_shrink_seal: a backend could truncate an fd under its
 * mapping, so with the option only an fd sealed against shrinking is
 * mapped; without it (the default, as QEMU) any big enough fd is.
 */
TEST(rule_shrink_seal_when_required)
{
	struct vsf_options o;
	struct fixture f;
	int plain = make_memfd(1, 1), sealed = make_memfd(1, 2);

	SETUP(fcntl(sealed, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
	vsf_options_default(&o);
	CHECK(!o.require_shrink_seal);
	o.require_shrink_seal = true;
	fixture_init(&f, ALL_PROTOCOL_FEATURES, &o);
	SETUP(vsf_frontend_add_region(f.fe, 0, 4 * f.page) == 0);
	CHECK_EQ(do_map(&f, 0, plain, 0, 0, f.page, true), -EPERM);
	CHECK(strstr(vsf_frontend_last_error(f.fe), "F_SEAL_SHRINK") != NULL);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	CHECK_EQ(do_map(&f, 0, sealed, 0, 0, f.page, true), 0);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 1);
	/* The seal holds: the mapping cannot lose its pages under a reader. */
	CHECK(ftruncate(sealed, 0) < 0 && errno == EPERM);
	fixture_fini(&f);

	fixture_init(&f, ALL_PROTOCOL_FEATURES, NULL);
	SETUP(vsf_frontend_add_region(f.fe, 0, 4 * f.page) == 0);
	CHECK_EQ(do_map(&f, 0, plain, 0, 0, f.page, true), 0);
	fixture_fini(&f);
	close(plain);
	close(sealed);
}
