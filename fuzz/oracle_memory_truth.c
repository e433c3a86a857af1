/* SPDX-License-Identifier: MIT */
/* The memory-truth oracle (oracle_memory_truth.h). */
#define _GNU_SOURCE
#include "oracle_memory_truth.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness_error.h"
#include "probes.h"

#define PROBE_BYTES 64 /* compared per probed page */
#define PAGES_CHECKED 3

uint8_t *memory_truth_addr(const struct memory_truth *mt, uint8_t shmid, uint64_t offset)
{
	return (uint8_t *)mt->region_base(mt->opaque, shmid) + offset;
}

static bool model_page_mapped(const struct shadow_model *model, uint8_t shmid, uint64_t offset)
{
	for (size_t i = 0; i < model->nmaps; i++) {
		const struct model_mapping *m = &model->maps[i];

		if (m->shmid == shmid && offset >= m->shm_offset && offset - m->shm_offset < m->len)
			return true;
	}
	return false;
}

/*
 * A free page of a region must be inaccessible and still reserved: mapped,
 * not a hole, so nothing else can land there.
 */
static void check_free_page(const struct memory_truth *mt, uint8_t shmid, uint64_t offset)
{
	enum probe_page state;

	if (offset >= mt->model->region_size[shmid] || model_page_mapped(mt->model, shmid, offset))
		return;
	state = probe_free_page(memory_truth_addr(mt, shmid, offset), mt->model->page_size);
	ORACLE_CHECK(mt->where, "memory-truth", state != PROBE_PAGE_ACCESSIBLE,
		     "region %u offset 0x%llx is accessible but nothing is mapped there", shmid,
		     (unsigned long long)offset);
	ORACLE_CHECK(mt->where, "memory-truth", state != PROBE_PAGE_RELEASED,
		     "region %u offset 0x%llx: the range was released instead of kept reserved",
		     shmid, (unsigned long long)offset);
}

/*
 * Whether a mapping's page still has its file behind it: a truncate op may
 * have cut the file short, and reading past its end faults (the front-end's
 * require_shrink_seal, where on, keeps that from happening to it).
 */
static bool page_in_file(const struct memory_truth *mt, const struct model_mapping *m,
			 uint64_t page_off)
{
	struct stat st;

	if (!mt->files_resized)
		return true;
	if (fstat(m->content_fd, &st) < 0)
		harness_setup_failed("fstat of mapped content");
	return m->fd_offset + page_off < (uint64_t)st.st_size;
}

/*
 * Pages of a mapping (offsets from its start): readable, the fd's bytes,
 * the requested protection. All are read in one call, and a writable
 * mapping's written back (the same bytes) in one more.
 */
static void check_mapped_pages(const struct memory_truth *mt, const struct model_mapping *m,
			       const uint64_t *page_offs, size_t n)
{
	uint8_t got[PAGES_CHECKED * PROBE_BYTES];
	void *addrs[PAGES_CHECKED];
	size_t ok;

	for (size_t i = 0; i < n; i++) {
		addrs[i] = memory_truth_addr(mt, m->shmid, m->shm_offset + page_offs[i]);
		fd_table_fill(mt->fds, m->content_fd, m->fd_offset + page_offs[i], PROBE_BYTES);
	}
	ok = probe_read_many(addrs, n, PROBE_BYTES, got);
	ORACLE_CHECK(mt->where, "memory-truth", ok == n,
		     "mapping shmid %u 0x%llx faults when read at +0x%llx", m->shmid,
		     (unsigned long long)m->shm_offset, (unsigned long long)page_offs[ok < n ? ok : 0]);
	for (size_t i = 0; i < n; i++) {
		uint8_t want[PROBE_BYTES] = { 0 };

		if (pread(m->content_fd, want, sizeof(want), (off_t)(m->fd_offset + page_offs[i])) < 0)
			harness_setup_failed("pread of mapped content");
		ORACLE_CHECK(mt->where, "memory-truth", !memcmp(got + i * PROBE_BYTES, want, sizeof(want)),
			     "mapping shmid %u 0x%llx: bytes at +0x%llx differ from the fd at 0x%llx",
			     m->shmid, (unsigned long long)m->shm_offset,
			     (unsigned long long)page_offs[i],
			     (unsigned long long)(m->fd_offset + page_offs[i]));
	}
	if (m->rw) {
		ok = probe_write_many(addrs, n, PROBE_BYTES, got);
		ORACLE_CHECK(mt->where, "memory-truth", ok == n,
			     "mapping shmid %u 0x%llx is not writable, requested rw (at +0x%llx)",
			     m->shmid, (unsigned long long)m->shm_offset,
			     (unsigned long long)page_offs[ok < n ? ok : 0]);
		return;
	}
	for (size_t i = 0; i < n; i++) /* read-only: every page refuses on its own */
		ORACLE_CHECK(mt->where, "memory-truth",
			     !probe_write_many(&addrs[i], 1, PROBE_BYTES, got + i * PROBE_BYTES),
			     "mapping shmid %u 0x%llx is writable, requested ro (at +0x%llx)",
			     m->shmid, (unsigned long long)m->shm_offset,
			     (unsigned long long)page_offs[i]);
}

void memory_truth_check_mapping(const struct memory_truth *mt, const struct model_mapping *m)
{
	uint64_t page = mt->model->page_size, offs[PAGES_CHECKED];
	size_t n = 0;

	if (page_in_file(mt, m, 0))
		offs[n++] = 0;
	if (m->len > page && page_in_file(mt, m, m->len - page))
		offs[n++] = m->len - page;
	if (m->len > 2 * page && page_in_file(mt, m, page))
		offs[n++] = page;
	if (n)
		check_mapped_pages(mt, m, offs, n);
	if (m->shm_offset >= page)
		check_free_page(mt, m->shmid, m->shm_offset - page);
	check_free_page(mt, m->shmid, m->shm_offset + m->len);
}

void memory_truth_check_all(const struct memory_truth *mt)
{
	for (size_t i = 0; i < mt->model->nmaps; i++)
		memory_truth_check_mapping(mt, &mt->model->maps[i]);
}

void memory_truth_check_gone(const struct memory_truth *mt, const struct model_mapping *m)
{
	check_free_page(mt, m->shmid, m->shm_offset);
	check_free_page(mt, m->shmid, m->shm_offset + m->len - mt->model->page_size);
}

void memory_truth_check_region_edges(const struct memory_truth *mt)
{
	for (int id = 0; id < VSF_MAX_SHMEM_REGIONS; id++) {
		if (!mt->model->region_size[id])
			continue;
		check_free_page(mt, (uint8_t)id, 0);
		check_free_page(mt, (uint8_t)id, mt->model->region_size[id] - mt->model->page_size);
	}
}
