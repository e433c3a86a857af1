/* SPDX-License-Identifier: MIT */
/*
 * The process probes the oracles stand on (scenario/probes.h), and the
 * cheap signals that decide when a costly probe runs: a leaked fd moves the
 * fd count, a leftover memfd mapping moves the count of file-backed
 * mappings (so the teardown check reads /proc/self/maps), an unmapped page
 * reads as inaccessible.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fd_table.h"
#include "vsf_test.h"

TEST(probe_counts_a_leaked_fd)
{
	int before = probe_open_fds();
	int fd = dup(0);

	SETUP(fd >= 0);
	CHECK_EQ(probe_open_fds(), before + 1);
	close(fd);
	CHECK_EQ(probe_open_fds(), before);
}

TEST(probe_sees_a_leftover_memfd_mapping)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int fd = memfd_create(FD_TABLE_MEMFD_NAME, MFD_CLOEXEC);
	int before = probe_file_mappings();
	void *p;

	SETUP(fd >= 0 && ftruncate(fd, (off_t)page) == 0);
	CHECK(before >= 0); /* this kernel lets a process list its map_files */
	CHECK(!probe_maps_contain("memfd:" FD_TABLE_MEMFD_NAME));
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	SETUP(p != MAP_FAILED);
	/* The cheap signal moves, and the costly probe then finds it. */
	CHECK_EQ(probe_file_mappings(), before + 1);
	CHECK(probe_maps_contain("memfd:" FD_TABLE_MEMFD_NAME));
	CHECK(probe_readable(p));
	CHECK(!probe_writable(p));
	munmap(p, page);
	CHECK_EQ(probe_file_mappings(), before);
	CHECK(!probe_maps_contain("memfd:" FD_TABLE_MEMFD_NAME));
	CHECK(!probe_readable(p));
	close(fd);
}
