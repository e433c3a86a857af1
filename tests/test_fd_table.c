/* SPDX-License-Identifier: MIT */
/*
 * The harness's fd table (scenario/fd_table.h): a memfd's content is its
 * op's bytes tiled over the file, written at creation, or, in a table with
 * lazy content and a file larger than FD_TABLE_LAZY_MIN, where the oracles
 * read it (fd_table_fill), with the same bytes; a write seal, a zero byte in
 * the content or a resize makes it all written first, and a pooled memfd
 * goes back to the pool as holes.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fd_pool.h"
#include "fd_table.h"
#include "vsf_test.h"

static const uint8_t content[3] = { 'a', 'b', 'c' };

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Large enough to be lazy: four pages past the threshold. */
static size_t big(void)
{
	return FD_TABLE_LAZY_MIN + 4 * page_size();
}

static struct vsf_op fd_op(uint64_t size, unsigned seals)
{
	return (struct vsf_op){ .code = VSF_OP_FD,
				.fd = { .handle = 0, .kind = VSF_FD_MEMFD, .seals = seals, .size = size },
				.data = content, .data_len = sizeof(content) };
}

/* True if the 64 bytes at off of fd are the tiled content. */
static bool has_content_at(int fd, uint64_t off)
{
	uint8_t got[64];

	if (pread(fd, got, sizeof(got), (off_t)off) != (ssize_t)sizeof(got))
		return false;
	for (size_t i = 0; i < sizeof(got); i++)
		if (got[i] != content[(off + i) % sizeof(content)])
			return false;
	return true;
}

static bool is_hole_at(int fd, uint64_t off)
{
	uint8_t got[64], zeros[64] = { 0 };

	return pread(fd, got, sizeof(got), (off_t)off) == (ssize_t)sizeof(got) &&
	       !memcmp(got, zeros, sizeof(got));
}

TEST(lazy_content_is_written_where_filled_and_seen_through_a_mapping)
{
	const size_t page = page_size(), size = big();
	struct fd_table t;
	struct vsf_op op = fd_op(size, 0);
	const uint8_t *map;
	int fd;

	fd_table_init(&t, NULL, true);
	fd_table_create(&t, &op);
	fd = fd_table_get(&t, 0)->fd;
	CHECK(is_hole_at(fd, 2 * page)); /* nothing written yet */
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	SETUP(map != MAP_FAILED);
	fd_table_fill(&t, fd, 2 * page, 64);
	CHECK(has_content_at(fd, 2 * page));
	CHECK(is_hole_at(fd, page));
	CHECK(map[2 * page] == content[(2 * page) % 3] && map[2 * page + 1] == content[(2 * page + 1) % 3]);
	fd_table_fill(&t, fd, size - 10, 64); /* past the end: only what is in the file */
	CHECK(map[size - 1] == content[(size - 1) % 3]);
	munmap((void *)map, size);
	fd_table_close_all(&t, NULL, NULL);
}

/* Small, write-sealed, with a zero byte in its content, or in a table
 * without lazy content: written whole at creation. */
TEST(memfds_not_lazy_are_written_whole_at_creation)
{
	const size_t page = page_size(), size = big();
	static const uint8_t with_zero[2] = { 0, 0x11 };
	struct vsf_op small = fd_op(4 * page, 0), sealed = fd_op(size, F_SEAL_WRITE),
		      zero = fd_op(size, 0), plain = fd_op(size, 0);
	struct fd_table lazy, eager;
	uint8_t got[2];

	zero.data = with_zero;
	zero.data_len = sizeof(with_zero);
	zero.fd.handle = 2;
	sealed.fd.handle = 1;
	fd_table_init(&lazy, NULL, true);
	fd_table_create(&lazy, &small);
	fd_table_create(&lazy, &sealed);
	fd_table_create(&lazy, &zero);
	CHECK(has_content_at(fd_table_get(&lazy, 0)->fd, 3 * page));
	CHECK(has_content_at(fd_table_get(&lazy, 1)->fd, size - page));
	SETUP(pread(fd_table_get(&lazy, 2)->fd, got, 2, (off_t)(size - page)) == 2);
	CHECK(got[0] == 0 && got[1] == 0x11);
	fd_table_init(&eager, NULL, false);
	fd_table_create(&eager, &plain);
	CHECK(has_content_at(fd_table_get(&eager, 0)->fd, size - page));
	fd_table_close_all(&lazy, NULL, NULL);
	fd_table_close_all(&eager, NULL, NULL);
}

/* A resize keeps what the file held: the content before it, zeros after. */
TEST(truncate_writes_the_lazy_content_first)
{
	const size_t page = page_size(), size = big();
	struct fd_table t;
	struct vsf_op op = fd_op(size, 0);
	struct vsf_op grow = { .code = VSF_OP_TRUNCATE, .fd = { .handle = 0, .size = size + 2 * page } };
	int fd;

	fd_table_init(&t, NULL, true);
	fd_table_create(&t, &op);
	fd = fd_table_get(&t, 0)->fd;
	CHECK(fd_table_truncate(&t, &grow));
	CHECK(has_content_at(fd, 0));
	CHECK(has_content_at(fd, size - page));
	CHECK(is_hole_at(fd, size + page));
	fd_table_fill(&t, fd, size + page, 64); /* no longer lazy: the zeros stay */
	CHECK(is_hole_at(fd, size + page));
	fd_table_close_all(&t, NULL, NULL);
}

/* A pooled lazy memfd comes back as holes: nothing an earlier input filled. */
TEST(pooled_lazy_memfd_starts_every_input_as_holes)
{
	const size_t page = page_size();
	struct vsf_op op = fd_op(big(), 0);
	struct fd_pool pool;
	struct fd_table t;
	int fd;

	fd_pool_init(&pool);
	fd_table_init(&t, &pool, true);
	fd_table_create(&t, &op);
	fd = fd_table_get(&t, 0)->fd;
	fd_table_fill(&t, fd, page, 64);
	CHECK(has_content_at(fd, page));
	fd_table_close_all(&t, NULL, NULL); /* kept by the pool */
	fd_table_init(&t, &pool, true);
	fd_table_create(&t, &op);
	SETUP(fd_table_get(&t, 0)->fd == fd && fd_table_get(&t, 0)->pooled);
	CHECK(is_hole_at(fd, page));
	fd_table_close_all(&t, NULL, NULL);
	for (size_t i = 0; i < FD_POOL_ENTRIES; i++)
		if (pool.entry[i].fd >= 0)
			close(pool.entry[i].fd);
}
