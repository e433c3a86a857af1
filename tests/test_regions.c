/* SPDX-License-Identifier: MIT */
/*
 * The regions module through its own API (src/regions.h), as the front-end
 * and the dispatcher use it: init empties whatever memory it is given,
 * destroy leaves the regions empty and usable again, the mapping table
 * doubles when full and recycle releases it only when no mapping is left,
 * and a config that fails gives its reserved bytes back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "regions.h"
#include "vsf_test.h"

static uint64_t page(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Regions as the front-end makes them, with room for 8 pages in all. */
static void regions_init(struct vsf_regions *r)
{
	struct vsf_options opts;

	vsf_options_default(&opts);
	opts.max_reserved_bytes = 8 * page();
	vsf_regions_init(r, &opts);
}

/* Region 0 of 6 pages and region 3 of 2: the whole 8-page allowance. */
static int configure_two(struct vsf_regions *r)
{
	uint64_t sizes[VSF_MAX_SHMEM_REGIONS] = { [0] = 6 * page(), [3] = 2 * page() };
	struct vsf_error err = { 0 };

	return vsf_regions_configure(r, 2, sizes, &err);
}

/* Prepare and commit a read-only map of fd's first len bytes at (shmid, shm_offset). */
static int map_at(struct vsf_regions *r, uint8_t shmid, uint64_t shm_offset, uint64_t len, int fd)
{
	struct vsf_mapping m = { .shmid = shmid, .shm_offset = shm_offset, .len = len };
	struct vsf_change change = { 0 };
	struct vsf_error err = { 0 };
	int ret = vsf_regions_prepare_map(r, &m, fd, &change, &err);

	return ret < 0 ? ret : vsf_regions_commit(r, &change, &err);
}

/* Nothing is left: no region, no mapping, no table. */
static void check_empty(const struct vsf_regions *r)
{
	CHECK_EQ(r->nregions, 0);
	CHECK_EQ(r->nmaps, 0);
	CHECK(r->maps == NULL);
	CHECK_EQ(r->maps_cap, 0);
	for (int id = 0; id < VSF_MAX_SHMEM_REGIONS; id++)
		CHECK(vsf_regions_find(r, (uint8_t)id) == NULL);
}

TEST(init_empties_the_memory_it_is_given)
{
	struct vsf_regions r;
	int fd = make_memfd(1, 1);

	memset(&r, 0xa5, sizeof(r));
	regions_init(&r);
	check_empty(&r);
	CHECK_EQ(configure_two(&r), 0);
	CHECK_EQ(map_at(&r, 0, 0, page(), fd), 0);
	vsf_regions_destroy(&r);
	close(fd);
}

/* What disconnect relies on: after destroy the same regions take the same config again. */
TEST(destroy_leaves_the_regions_empty_and_usable)
{
	struct vsf_regions r;
	int fd = make_memfd(2, 1);
	uint8_t *b0;

	regions_init(&r);
	CHECK_EQ(configure_two(&r), 0);
	CHECK_EQ(map_at(&r, 0, 0, page(), fd), 0);
	CHECK_EQ(map_at(&r, 3, page(), page(), fd), 0);
	b0 = vsf_regions_find(&r, 0)->base;
	CHECK(probe_readable(b0));
	vsf_regions_destroy(&r);
	check_empty(&r);
	CHECK(!probe_readable(b0));
	/* The whole allowance is free again, and so are the shmids. */
	CHECK_EQ(configure_two(&r), 0);
	CHECK_EQ(r.nregions, 2);
	CHECK_EQ(map_at(&r, 0, 0, page(), fd), 0);
	CHECK_EQ(r.nmaps, 1);
	CHECK_EQ(vsf_regions_find(&r, 0)->base[0], memfd_byte(1, 0, page()));
	vsf_regions_destroy(&r);
	check_empty(&r);
	close(fd);
}

/* The table starts at 4 entries and doubles only when full: its memory stays
 * within twice what is mapped. */
TEST(mapping_table_doubles_when_full)
{
	uint64_t sizes[VSF_MAX_SHMEM_REGIONS] = { [0] = 40 * page() };
	struct vsf_error err = { 0 };
	struct vsf_options opts;
	struct vsf_regions r;
	int fd = make_memfd(1, 1);

	vsf_options_default(&opts);
	vsf_regions_init(&r, &opts);
	SETUP(vsf_regions_configure(&r, 1, sizes, &err) == 0);
	for (size_t n = 1; n <= 33; n++) {
		size_t want = n <= 4 ? 4 : n <= 8 ? 8 : n <= 16 ? 16 : n <= 32 ? 32 : 64;

		CHECK_EQ(map_at(&r, 0, (n - 1) * page(), page(), fd), 0);
		CHECK_EQ(r.nmaps, n);
		CHECK_EQ(r.maps_cap, want);
	}
	vsf_regions_destroy(&r);
	close(fd);
}

/* Recycle gives the table back when every mapping went, keeps it while one is stuck. */
TEST(recycle_releases_the_table_only_when_empty)
{
	struct vsf_regions r;
	int fd = make_memfd(1, 1);

	regions_init(&r);
	CHECK_EQ(configure_two(&r), 0);
	CHECK_EQ(map_at(&r, 0, 0, page(), fd), 0);
	CHECK_EQ(map_at(&r, 0, 2 * page(), page(), fd), 0);
	SETUP(fault_arm(FAULT_MMAP, 1, ENOMEM)); /* the second mapping's reservation */
	CHECK_EQ(vsf_regions_recycle(&r), 1);
	fault_disarm();
	CHECK_EQ(r.nmaps, 1);
	CHECK(r.maps != NULL);
	CHECK_EQ(r.maps[0].shm_offset, 2 * page());
	CHECK(probe_readable(vsf_regions_find(&r, 0)->base + 2 * page()));
	CHECK_EQ(vsf_regions_recycle(&r), 0);
	CHECK_EQ(r.nmaps, 0);
	CHECK(r.maps == NULL);
	CHECK_EQ(r.maps_cap, 0);
	CHECK(!probe_readable(vsf_regions_find(&r, 0)->base + 2 * page()));
	CHECK_EQ(r.nregions, 2);
	/* As configure left them: the table grows anew. */
	CHECK_EQ(map_at(&r, 0, 0, page(), fd), 0);
	CHECK_EQ(r.maps_cap, 4);
	vsf_regions_destroy(&r);
	close(fd);
}

/* A config whose last region cannot be reserved takes nothing of the allowance with it. */
TEST(failed_config_gives_its_bytes_back)
{
	struct vsf_regions r;

	regions_init(&r);
	SETUP(fault_arm(FAULT_MMAP, 1, ENOMEM)); /* region 3's */
	CHECK_EQ(configure_two(&r), -ENOMEM);
	fault_disarm();
	CHECK_EQ(r.nregions, 0);
	CHECK(vsf_regions_find(&r, 0) == NULL);
	CHECK_EQ(configure_two(&r), 0);
	CHECK_EQ(r.nregions, 2);
	vsf_regions_destroy(&r);
}
