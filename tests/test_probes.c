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
#include <stdio.h>
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

/*
 * The free-page probe tells a reservation, an accessible page (a stale
 * mapping of a memfd left where the region should be reserved) and a hole
 * apart, in its one-call form and in the portable one.
 */
TEST(probe_free_page_tells_reserved_accessible_and_released_apart)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int fd = memfd_create(FD_TABLE_MEMFD_NAME, MFD_CLOEXEC);
	uint8_t *p = mmap(NULL, 4 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	SETUP(fd >= 0 && ftruncate(fd, (off_t)page) == 0 && p != MAP_FAILED);
	SETUP(mmap(p + page, page, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) == p + page);
	SETUP(mprotect(p + 2 * page, page, PROT_READ | PROT_WRITE) == 0);
	SETUP(munmap(p + 3 * page, page) == 0);
	if (!probe_fast_pages())
		fprintf(stderr, "note: this kernel has no MADV_POPULATE_READ or process_vm_readv: "
				"only the portable probes are tested\n");
	for (int fast = 1; fast >= 0; fast--) {
		probe_set_fast_pages(fast);
		CHECK_EQ(probe_free_page(p, page), PROBE_PAGE_RESERVED);
		CHECK_EQ(probe_free_page(p + page, page), PROBE_PAGE_ACCESSIBLE);
		CHECK_EQ(probe_free_page(p + 2 * page, page), PROBE_PAGE_ACCESSIBLE);
		CHECK_EQ(probe_free_page(p + 3 * page, page), PROBE_PAGE_RELEASED);
	}
	probe_set_fast_pages(true);
	munmap(p, 3 * page);
	close(fd);
}

/*
 * A mapping's permissions, by the one-call query and from the text of
 * /proc/self/maps alike: shared read-write and read-only file mappings, a
 * private inaccessible reservation, private anonymous memory, and a hole.
 */
TEST(probe_maps_perms_by_query_and_by_text)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const char *want[] = { "rw-s", "r--s", "---p", "rw-p", NULL };
	int fd = memfd_create(FD_TABLE_MEMFD_NAME, MFD_CLOEXEC);
	uint8_t *p = mmap(NULL, 5 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	SETUP(fd >= 0 && ftruncate(fd, (off_t)page) == 0 && p != MAP_FAILED);
	SETUP(mmap(p, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == p);
	SETUP(mmap(p + page, page, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) == p + page);
	SETUP(mprotect(p + 3 * page, page, PROT_READ | PROT_WRITE) == 0);
	SETUP(munmap(p + 4 * page, page) == 0);
	for (int fast = 1; fast >= 0; fast--) {
		probe_set_fast_pages(fast);
		for (int i = 0; i < 5; i++) {
			char perms[5] = "";
			bool found = probe_maps_perms(p + i * page + 8, perms);

			CHECK_EQ(found, want[i] != NULL);
			if (want[i] && strcmp(perms, want[i]))
				fprintf(stderr, "page %d (%s): %s, expected %s\n", i,
					fast ? "query" : "text", perms, want[i]);
			CHECK(!want[i] || !strcmp(perms, want[i]));
		}
	}
	probe_set_fast_pages(true);
	munmap(p, 4 * page);
	close(fd);
}

/*
 * probe_mapping_from answers with the mapping that holds the address, or
 * the next one above a hole, with its extent, permissions and file, by the
 * query and as text alike: a shared file page, a two-page reservation, a
 * hole, private anonymous memory.
 */
TEST(probe_mapping_from_by_query_and_by_text)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int fd = memfd_create(FD_TABLE_MEMFD_NAME, MFD_CLOEXEC);
	uint8_t *p = mmap(NULL, 5 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	struct file_id memfd;

	SETUP(fd >= 0 && ftruncate(fd, (off_t)page) == 0 && p != MAP_FAILED);
	SETUP(file_id_of_fd(fd, &memfd) == 0);
	SETUP(mmap(p, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == p);
	SETUP(munmap(p + 3 * page, page) == 0);
	SETUP(mprotect(p + 4 * page, page, PROT_READ | PROT_WRITE) == 0);
	for (int fast = 1; fast >= 0; fast--) {
		struct proc_mapping m;

		probe_set_fast_pages(fast);
		CHECK(probe_mapping_from(p + 8, &m));
		CHECK(m.start == (uintptr_t)p && m.end == (uintptr_t)(p + page));
		CHECK(!strcmp(m.perms, "rw-s") && m.file.ino == memfd.ino && m.file.dev == memfd.dev);
		CHECK(probe_mapping_from(p + page + 8, &m));
		CHECK(m.start == (uintptr_t)(p + page) && m.end == (uintptr_t)(p + 3 * page));
		CHECK(proc_mapping_is_reservation(&m, NULL));
		CHECK(probe_mapping_from(p + 3 * page, &m));
		CHECK(m.start == (uintptr_t)(p + 4 * page) && !strcmp(m.perms, "rw-p") && !m.file.ino);
	}
	probe_set_fast_pages(true);
	munmap(p, 3 * page);
	munmap(p + 4 * page, page);
	close(fd);
}

/*
 * Reading and writing many pages at once stops at the first that faults,
 * says how many went whole, and writing leaves a read-only page alone.
 */
TEST(probe_many_pages_stops_at_the_first_fault)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *p = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t buf[3 * 16], ones[3 * 16];

	SETUP(p != MAP_FAILED);
	memset(p, 0xa5, 3 * page);
	memset(ones, 1, sizeof(ones));
	SETUP(mprotect(p + page, page, PROT_READ) == 0);
	SETUP(mprotect(p + 2 * page, page, PROT_NONE) == 0);
	for (int fast = 1; fast >= 0; fast--) {
		void *all[3] = { p, p + page, p + 2 * page }, *ro_first[2] = { p + page, p };

		uint8_t fresh[2 * 16]; /* never written but by the probe: MSan sees a raw read missed */

		probe_set_fast_pages(fast);
		CHECK_EQ(probe_read_many(all, 2, 16, fresh), 2u);
		CHECK(fresh[0] == 0xa5 && fresh[31] == 0xa5);
		memset(buf, 0, sizeof(buf));
		CHECK_EQ(probe_read_many(all, 3, 16, buf), 2u);
		CHECK(buf[0] == 0xa5 && buf[31] == 0xa5 && buf[32] == 0);
		CHECK_EQ(probe_read_many(&all[2], 1, 16, buf), 0u);
		CHECK_EQ(probe_write_many(all, 3, 16, ones), 1u);
		CHECK(p[0] == 1 && p[16] == 0xa5 && p[page] == 0xa5);
		CHECK_EQ(probe_write_many(ro_first, 2, 16, ones), 0u);
		CHECK(p[page] == 0xa5);
		memset(p, 0xa5, 16);
	}
	probe_set_fast_pages(true);
	munmap(p, 3 * page);
}
