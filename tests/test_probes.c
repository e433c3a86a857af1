/* SPDX-License-Identifier: MIT */
/*
 * The process probes the oracles stand on (scenario/probes.h), and the
 * cheap signals that decide when a costly probe runs: a leaked fd moves the
 * fd count, a leftover memfd mapping moves the count of file-backed
 * mappings (so the teardown check reads /proc/self/maps), an unmapped page
 * reads as inaccessible.
 */
#define _GNU_SOURCE
#include <fcntl.h>
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

/*
 * The per-op count sees the lowest free numbers, where a leak lands (also
 * in a hole below other fds), and nothing at or past its bound.
 */
TEST(probe_count_below_sees_a_leak_and_nothing_past_its_bound)
{
	const int hi = PROBE_FD_SCAN_LIMIT;
	uint64_t bits[PROBE_FD_SCAN_LIMIT / 64];
	int all = probe_open_fds(), low = probe_open_fds_below(hi, NULL);
	int a = dup(0), b = dup(0), leak, high;

	SETUP(a >= 0 && b >= 0);
	CHECK(low <= all);
	CHECK_EQ(probe_open_fds_below(hi, bits), low + 2);
	CHECK(bits[b / 64] & (1ull << (b % 64)));
	CHECK_EQ(probe_open_fds_below(b, NULL) + 1, probe_open_fds_below(b + 1, NULL)); /* b is at the bound */
	close(a); /* a hole below b: the next fd fills it */
	leak = dup(0);
	SETUP(leak == a);
	CHECK_EQ(probe_open_fds_below(hi, NULL), low + 2);
	close(leak);
	close(b);
	CHECK_EQ(probe_open_fds_below(hi, bits), low);
	CHECK(!(bits[b / 64] & (1ull << (b % 64))));
	high = fcntl(0, F_DUPFD_CLOEXEC, PROBE_FD_SCAN_LIMIT + 5);
	if (high >= 0) { /* the fd limit allows it */
		CHECK_EQ(probe_open_fds(), all + 1);
		CHECK_EQ(probe_open_fds_below(hi, NULL), low);
		close(high);
	}
	/* poll() takes an O_PATH fd for a closed number: why the harness lists
	 * the directory once an input made one. */
	high = open("/", O_PATH | O_CLOEXEC);
	SETUP(high >= 0);
	CHECK_EQ(probe_open_fds(), all + 1);
	CHECK_EQ(probe_open_fds_below(hi, NULL), low);
	close(high);
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
