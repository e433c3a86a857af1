/* SPDX-License-Identifier: MIT */
/*
 * The map and unmap rules at their edges, as the backend and the embedder
 * see them: the overlap check finds a neighbour across a mapping of a higher
 * region and lets a gap be mapped; an unmap names exactly one mapping, not
 * a neighbour of another region, offset or length; a mapping removed from
 * the middle of a full table leaves the others listed in order; a hugetlbfs
 * fd is refused; the reasons for an unaligned fd_offset, a read-only mapping
 * the fd refuses and a config of more than 256 regions name them; recycle
 * reports the mapping it could not remove.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fault.h"
#include "vsf_test.h"

/* Region 0: 16 pages; region 3: 4 pages. */
static const int two_regions[] = { 0, 16, 3, 4, -1 };

/* The mappings listed, in order, are exactly (shmid, shm_offset in pages) of want[0..n). */
static void check_listed(struct fixture *f, const int (*want)[2], size_t n)
{
	struct vsf_mapping_info mi;

	CHECK_EQ(vsf_frontend_mapping_count(f->fe), n);
	for (size_t i = 0; i < n; i++) {
		CHECK(vsf_frontend_mapping(f->fe, i, &mi));
		CHECK_EQ(mi.shmid, want[i][0]);
		CHECK_EQ(mi.shm_offset, (uint64_t)want[i][1] * f->page);
	}
}

static void check_reason(struct fixture *f, const char *want)
{
	const char *reason = vsf_frontend_last_error(f->fe);

	if (!strstr(reason, want)) {
		fprintf(stderr, "reason \"%s\" does not say \"%s\"\n", reason, want);
		vsf_test_failures++;
	}
}

/* The search for a neighbour lands past region 0's last mapping, on region 3's. */
TEST(overlap_found_before_a_mapping_of_a_higher_region)
{
	static const int listed[][2] = { { 0, 0 }, { 0, 12 }, { 3, 0 } };
	struct fixture f;
	int fd = make_memfd(12, 1);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, 12 * f.page, false), 0);
	CHECK_EQ(do_map(&f, 3, fd, 0, 0, f.page, false), 0);
	CHECK_EQ(do_map(&f, 0, fd, 0, 10 * f.page, f.page, false), -EEXIST);
	CHECK_EQ(do_map(&f, 0, fd, 0, 11 * f.page, 2 * f.page, false), -EEXIST);
	CHECK_EQ(do_map(&f, 0, fd, 0, 12 * f.page, f.page, false), 0);
	check_listed(&f, listed, 3);
	CHECK_EQ(region_base(&f, 0)[10 * f.page], memfd_byte(1, 10 * f.page, f.page));
	close(fd);
	fixture_fini(&f);
}

/* Below a mapping, the free pages map, up to the mapping's first page. */
TEST(gap_below_a_mapping_maps)
{
	static const int listed[][2] = { { 0, 0 }, { 0, 4 }, { 0, 8 } };
	struct fixture f;
	int fd = make_memfd(4, 1);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, fd, 0, 8 * f.page, f.page, false), 0);
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, f.page, false), 0);
	CHECK_EQ(do_map(&f, 0, fd, 0, 4 * f.page, 4 * f.page, false), 0);
	CHECK_EQ(do_map(&f, 0, fd, 0, 2 * f.page, 3 * f.page, false), -EEXIST);
	check_listed(&f, listed, 3);
	close(fd);
	fixture_fini(&f);
}

TEST(unmap_names_exactly_one_mapping_among_its_neighbours)
{
	static const int listed[][2] = { { 0, 2 }, { 3, 0 } };
	struct fixture f;
	int fd = make_memfd(2, 1);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 3, fd, 0, 0, f.page, false), 0);
	/* The same offset and length in a region with no mapping. */
	CHECK_EQ(do_unmap(&f, 0, 0, f.page), -ENOENT);
	CHECK_EQ(do_map(&f, 0, fd, 0, 2 * f.page, 2 * f.page, false), 0);
	/* Its length, from below it; from its start, longer than it. */
	CHECK_EQ(do_unmap(&f, 0, 0, 2 * f.page), -ENOENT);
	CHECK_EQ(do_unmap(&f, 0, 2 * f.page, 4 * f.page), -ENOENT);
	check_listed(&f, listed, 2);
	CHECK(probe_readable(region_base(&f, 0) + 3 * f.page));
	CHECK(probe_readable(region_base(&f, 3)));
	CHECK_EQ(do_unmap(&f, 0, 2 * f.page, 2 * f.page), 0);
	CHECK(!probe_readable(region_base(&f, 0) + 2 * f.page));
	CHECK(probe_readable(region_base(&f, 3)));
	close(fd);
	fixture_fini(&f);
}

/* Four mappings fill the table's first allocation; the second goes. */
TEST(unmap_from_the_middle_of_a_full_table)
{
	static const int listed[][2] = { { 0, 0 }, { 0, 4 }, { 0, 6 } };
	struct fixture f;
	int fd = make_memfd(1, 1);

	fixture_init_regions(&f, two_regions);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(do_map(&f, 0, fd, 0, 2 * (uint64_t)i * f.page, f.page, false), 0);
	CHECK_EQ(do_unmap(&f, 0, 2 * f.page, f.page), 0);
	check_listed(&f, listed, 3);
	CHECK(!probe_readable(region_base(&f, 0) + 2 * f.page));
	CHECK(probe_readable(region_base(&f, 0) + 6 * f.page));
	close(fd);
	fixture_fini(&f);
}

/* The kernel would round the mapping up to a huge page: refused before it is made. */
TEST(hugetlbfs_fd_refused)
{
	struct fixture f;
	int fd = memfd_create("vsf-test-huge", MFD_CLOEXEC | MFD_HUGETLB);
	int fds;

	SKIP_UNLESS(fd >= 0); /* a kernel without hugetlbfs */
	SKIP_UNLESS(ftruncate(fd, 2 << 20) == 0); /* one huge page of the default 2 MiB size */
	fixture_init_regions(&f, two_regions);
	fds = probe_open_fds();
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, f.page, false), -EINVAL);
	check_reason(&f, "hugetlbfs fds are not supported");
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	CHECK(!probe_readable(region_base(&f, 0)));
	CHECK_EQ(probe_open_fds(), fds);
	check_channel_usable(&f);
	close(fd);
	fixture_fini(&f);
}

TEST(unaligned_fd_offset_named)
{
	struct fixture f;
	int fd = make_memfd(4, 1);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, fd, 1, 0, f.page, false), -EINVAL);
	check_reason(&f, "fd_offset 0x1 not page-aligned");
	close(fd);
	fixture_fini(&f);
}

/* A write-only fd cannot be mapped for reading: the reason says read-only. */
TEST(read_only_map_the_fd_refuses_named)
{
	struct fixture f;
	char path[64];
	int fd = make_memfd(1, 1), wo;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	wo = open(path, O_WRONLY | O_CLOEXEC);
	SETUP(wo >= 0);
	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, wo, 0, 0, f.page, false), -EACCES);
	check_reason(&f, "fd cannot be mapped read-only: Permission denied");
	close(wo);
	close(fd);
	fixture_fini(&f);
}

TEST(config_of_more_than_256_regions_named)
{
	uint64_t sizes[256] = { [0] = 4096 };
	struct fixture f;

	fixture_init(&f, ALL_PROTOCOL_FEATURES, NULL);
	CHECK_EQ(vsf_frontend_configure(f.fe, 257, sizes), -EINVAL);
	check_reason(&f, "config: nregions 257 above 256");
	CHECK_EQ(vsf_frontend_region_count(f.fe), 0);
	fixture_fini(&f);
}

/* Recycle counts the mapping it could not remove, keeps it listed and the last error with it. */
TEST(recycle_reports_the_mapping_it_cannot_remove)
{
	static const int listed[][2] = { { 0, 2 } };
	struct fixture f;
	int fd = make_memfd(1, 1);

	fixture_init_regions(&f, two_regions);
	CHECK_EQ(do_map(&f, 0, fd, 0, 0, f.page, false), 0);
	CHECK_EQ(do_map(&f, 0, fd, 0, 2 * f.page, f.page, false), 0);
	CHECK_EQ(do_map(&f, 0, fd, 0, 2 * f.page, f.page, false), -EEXIST);
	SETUP(fault_arm(FAULT_MMAP, 1, ENOMEM)); /* the second mapping's reservation */
	CHECK_EQ(vsf_frontend_recycle(f.fe), 1);
	fault_disarm();
	check_listed(&f, listed, 1);
	CHECK(!probe_readable(region_base(&f, 0)));
	CHECK_EQ(region_base(&f, 0)[2 * f.page], memfd_byte(1, 0, f.page));
	check_reason(&f, "already mapped");
	CHECK_EQ(vsf_frontend_recycle(f.fe), 0);
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), 0);
	CHECK(!probe_readable(region_base(&f, 0) + 2 * f.page));
	CHECK_EQ(vsf_frontend_last_error(f.fe)[0], '\0');
	check_channel_usable(&f);
	close(fd);
	fixture_fini(&f);
}
