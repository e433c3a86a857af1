/* SPDX-License-Identifier: MIT */
/*
 * The mapping table cannot grow: its realloc is refused. This program runs
 * under AddressSanitizer with allocations above 1 MiB refused (returning
 * NULL), so the table's growth from 16384 to 32768 entries (1.25 MiB) fails
 * where nothing else the front-end allocates comes near that size. Without
 * ASan there is no such limit and the test is skipped (77).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vsf_test.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#endif

#ifdef HAVE_ASAN
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1:max_allocation_size_mb=1";
}
#endif

/* Entries the table holds before it must grow past 1 MiB. */
#define TABLE_FULL 16384

TEST(mapping_table_that_cannot_grow_refuses_the_map)
{
	uint64_t sizes[256] = { 0 };
	struct vsf_verdict v;
	struct vsf_options o;
	struct fixture f;
	void *volatile big = malloc(2 << 20); /* volatile: not optimised away */
	int fd = make_memfd(1, 1), fds;

	if (big) {
		free(big);
		printf("SKIP: allocations above 1 MiB are not refused here (no ASan)\n");
		exit(77);
	}
	vsf_options_default(&o);
	o.max_mappings = 2 * TABLE_FULL;
	fixture_init(&f, ALL_PROTOCOL_FEATURES, &o);
	sizes[0] = (TABLE_FULL + 2) * (uint64_t)f.page;
	SETUP(vsf_frontend_configure(f.fe, 1, sizes) == 0);
	for (uint64_t i = 0; i < TABLE_FULL; i++) {
		peer_send_mmap(&f, VSF_BACKEND_SHMEM_MAP, VSF_FLAG_VERSION, 0, 0, i * f.page, f.page,
			       0, &fd, 1);
		SETUP(handle(&f, &v) == 0 && v.result == 0);
	}
	fds = probe_open_fds();
	CHECK_EQ(do_map(&f, 0, fd, 0, TABLE_FULL * f.page, f.page, false), -ENOMEM);
	CHECK(strstr(vsf_frontend_last_error(f.fe), "mapping table: out of memory"));
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), TABLE_FULL);
	CHECK(!probe_readable(region_base(&f, 0) + TABLE_FULL * f.page));
	CHECK_EQ(probe_open_fds(), fds);
	/* The channel serves on: a mapping goes, and its place in the table is taken again. */
	CHECK_EQ(do_unmap(&f, 0, 0, f.page), 0);
	CHECK_EQ(do_map(&f, 0, fd, 0, TABLE_FULL * f.page, f.page, false), 0);
	CHECK_EQ(region_base(&f, 0)[TABLE_FULL * f.page], memfd_byte(1, 0, f.page));
	CHECK_EQ(vsf_frontend_mapping_count(f.fe), TABLE_FULL);
	close(fd);
	fixture_fini(&f);
}
