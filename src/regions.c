/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "regions.h"

#include <linux/magic.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "syscalls.h"

/* Entries of the mapping table's first allocation; it doubles when full. */
#define MAPS_INITIAL_CAP 4

void vsf_regions_init(struct vsf_regions *r, const struct vsf_options *opts)
{
	memset(r, 0, sizeof(*r));
	r->max_mappings = opts->max_mappings;
	r->max_reserved = opts->max_reserved_bytes;
	r->require_shrink_seal = opts->require_shrink_seal;
	r->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
}

/* The fd's seals; none for a file that cannot carry any. */
static int seals_of(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	return seals < 0 ? 0 : seals;
}

/* Put an inaccessible reservation back over [addr, addr+len). */
static int reserve_fixed(void *addr, uint64_t len)
{
	void *p = VSF_SYS(mmap)(addr, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? -errno : 0;
}

void vsf_regions_destroy(struct vsf_regions *r)
{
	for (int id = 0; id < VSF_MAX_SHMEM_REGIONS; id++) {
		struct vsf_region *reg = r->region_by_id[id];

		if (!reg)
			continue;
		/* Releasing the reservation also removes the mappings inside it. */
		VSF_SYS(munmap)(reg->base, reg->size);
		free(reg);
		r->region_by_id[id] = NULL;
	}
	free(r->maps);
	r->maps = NULL;
	r->nmaps = r->maps_cap = 0;
	r->nregions = 0;
	r->reserved = 0;
}

static bool page_aligned(const struct vsf_regions *r, uint64_t v)
{
	return (v & (r->page_size - 1)) == 0;
}

int vsf_regions_check_config(const struct vsf_regions *r, uint32_t nregions,
			     const uint64_t sizes[VSF_MAX_SHMEM_REGIONS], struct vsf_error *err)
{
	uint32_t nonzero = 0;
	uint64_t total = r->reserved;

	if (nregions > VSF_MAX_SHMEM_REGIONS)
		return vsf_error_set(err, -EINVAL, "config: nregions %u above %u",
				     nregions, VSF_MAX_SHMEM_REGIONS);
	/* Scan all 256 slots: nregions counts non-zero sizes, it is not a bound. */
	for (int id = 0; id < VSF_MAX_SHMEM_REGIONS; id++) {
		if (!sizes[id])
			continue;
		nonzero++;
		if (!page_aligned(r, sizes[id]))
			return vsf_error_set(err, -EINVAL,
					     "config: region %d size 0x%llx not a page multiple",
					     id, (unsigned long long)sizes[id]);
		if (r->region_by_id[id])
			return vsf_error_set(err, -EEXIST, "config: region %d already exists", id);
		if (__builtin_add_overflow(total, sizes[id], &total) || total > r->max_reserved)
			return vsf_error_set(err, -ENOSPC,
					     "config: regions exceed the %llu byte reservation limit",
					     (unsigned long long)r->max_reserved);
	}
	if (nonzero != nregions)
		return vsf_error_set(err, -EINVAL,
				     "config: nregions %u but %u non-zero sizes", nregions, nonzero);
	return 0;
}

int vsf_regions_add(struct vsf_regions *r, uint8_t shmid, uint64_t size, struct vsf_error *err)
{
	struct vsf_region *reg;
	uint64_t total;
	void *base;

	if (r->region_by_id[shmid])
		return vsf_error_set(err, -EEXIST, "region %u already exists", shmid);
	if (!size || !page_aligned(r, size))
		return vsf_error_set(err, -EINVAL, "region %u size 0x%llx not a non-zero page multiple",
				     shmid, (unsigned long long)size);
	if (__builtin_add_overflow(r->reserved, size, &total) || total > r->max_reserved)
		return vsf_error_set(err, -ENOSPC, "region %u: reservation limit %llu reached",
				     shmid, (unsigned long long)r->max_reserved);
	reg = calloc(1, sizeof(*reg));
	if (!reg)
		return vsf_error_set(err, -ENOMEM, "region %u: out of memory", shmid);
	base = VSF_SYS(mmap)(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		int e = -errno;

		free(reg);
		return vsf_error_set(err, e, "region %u: cannot reserve 0x%llx bytes: %s", shmid,
				     (unsigned long long)size, strerror(-e));
	}
	reg->size = size;
	reg->base = base;
	r->region_by_id[shmid] = reg;
	r->nregions++;
	r->reserved = total;
	return 0;
}

static void region_release(struct vsf_regions *r, uint8_t shmid)
{
	struct vsf_region *reg = r->region_by_id[shmid];

	VSF_SYS(munmap)(reg->base, reg->size);
	r->reserved -= reg->size;
	r->nregions--;
	free(reg);
	r->region_by_id[shmid] = NULL;
}

int vsf_regions_configure(struct vsf_regions *r, uint32_t nregions,
			  const uint64_t sizes[VSF_MAX_SHMEM_REGIONS], struct vsf_error *err)
{
	int ret = vsf_regions_check_config(r, nregions, sizes, err);

	if (ret < 0)
		return ret;
	for (int id = 0; id < VSF_MAX_SHMEM_REGIONS; id++) {
		if (!sizes[id])
			continue;
		ret = vsf_regions_add(r, (uint8_t)id, sizes[id], err);
		if (ret < 0)
			goto err_release;
	}
	return 0;

err_release:
	for (int id = 0; id < VSF_MAX_SHMEM_REGIONS; id++)
		if (sizes[id] && r->region_by_id[id])
			region_release(r, (uint8_t)id);
	return ret;
}

const struct vsf_region *vsf_regions_find(const struct vsf_regions *r, uint8_t shmid)
{
	return r->region_by_id[shmid];
}

/* Index of the first mapping that sorts at or after (shmid, offset). */
static size_t mapping_lower_bound(const struct vsf_regions *r, uint8_t shmid, uint64_t offset)
{
	size_t lo = 0, hi = r->nmaps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct vsf_mapping *m = &r->maps[mid];

		if (m->shmid < shmid || (m->shmid == shmid && m->shm_offset < offset))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* True if [offset, end) intersects a live mapping of region shmid. */
static bool range_in_use(const struct vsf_regions *r, uint8_t shmid, uint64_t offset, uint64_t end)
{
	size_t i = mapping_lower_bound(r, shmid, offset);

	/* Mappings never overlap, so only the neighbours can intersect. */
	if (i > 0) {
		const struct vsf_mapping *prev = &r->maps[i - 1];

		if (prev->shmid == shmid && prev->shm_offset + prev->len > offset)
			return true;
	}
	if (i < r->nmaps) {
		const struct vsf_mapping *next = &r->maps[i];

		if (next->shmid == shmid && next->shm_offset < end)
			return true;
	}
	return false;
}

static int reserve_table_slot(struct vsf_regions *r, struct vsf_error *err)
{
	struct vsf_mapping *maps;
	size_t cap;

	if (r->nmaps < r->maps_cap)
		return 0;
	cap = r->maps_cap ? r->maps_cap * 2 : MAPS_INITIAL_CAP;
	maps = realloc(r->maps, cap * sizeof(*maps));
	if (!maps)
		return vsf_error_set(err, -ENOMEM, "mapping table: out of memory");
	r->maps = maps;
	r->maps_cap = cap;
	return 0;
}

/* Checks shared by map and unmap: region, length, alignment, bounds. */
static int check_range(const struct vsf_regions *r, uint8_t shmid, uint64_t shm_offset,
		       uint64_t len, struct vsf_error *err)
{
	const struct vsf_region *reg = r->region_by_id[shmid];
	bool overflow;
	uint64_t end;

	if (!reg)
		return vsf_error_set(err, -ENOENT, "no shared memory region with shmid %u", shmid);
	if (!len)
		return vsf_error_set(err, -EINVAL, "len is 0");
	if (!page_aligned(r, shm_offset) || !page_aligned(r, len))
		return vsf_error_set(err, -EINVAL, "shm_offset 0x%llx or len 0x%llx not page-aligned",
				     (unsigned long long)shm_offset, (unsigned long long)len);
	overflow = __builtin_add_overflow(shm_offset, len, &end);
	if (overflow)
		return vsf_error_set(err, -EOVERFLOW, "shm_offset 0x%llx + len 0x%llx overflows",
				     (unsigned long long)shm_offset, (unsigned long long)len);
	if (end > reg->size)
		return vsf_error_set(err, -ERANGE,
				     "range 0x%llx+0x%llx outside region %u of 0x%llx bytes",
				     (unsigned long long)shm_offset, (unsigned long long)len, shmid,
				     (unsigned long long)reg->size);
	return 0;
}

int vsf_regions_prepare_map(struct vsf_regions *r, const struct vsf_mapping *m, int fd,
			    struct vsf_change *change, struct vsf_error *err)
{
	uint64_t fd_end;
	bool busy;
	struct statfs sfs;
	struct stat st;
	void *staged;
	int ret;

	ret = check_range(r, m->shmid, m->shm_offset, m->len, err);
	if (ret < 0)
		return ret;
	if (!page_aligned(r, m->fd_offset))
		return vsf_error_set(err, -EINVAL, "fd_offset 0x%llx not page-aligned",
				     (unsigned long long)m->fd_offset);
	if (__builtin_add_overflow(m->fd_offset, m->len, &fd_end) || fd_end > INT64_MAX)
		return vsf_error_set(err, -EOVERFLOW, "fd_offset 0x%llx + len 0x%llx overflows",
				     (unsigned long long)m->fd_offset, (unsigned long long)m->len);
	busy = range_in_use(r, m->shmid, m->shm_offset, m->shm_offset + m->len);
	if (busy)
		return vsf_error_set(err, -EEXIST, "range 0x%llx+0x%llx of region %u already mapped",
				     (unsigned long long)m->shm_offset, (unsigned long long)m->len,
				     m->shmid);
	if (r->nmaps >= r->max_mappings)
		return vsf_error_set(err, -ENOSPC, "mapping limit %u reached", r->max_mappings);
	if (VSF_SYS(fstat)(fd, &st) < 0 || VSF_SYS(fstatfs)(fd, &sfs) < 0)
		return vsf_error_set(err, -EBADF, "cannot stat the fd: %s", strerror(errno));
	/* The kernel rounds a hugetlbfs mapping up to a huge page: more than len. */
	if (sfs.f_type == HUGETLBFS_MAGIC)
		return vsf_error_set(err, -EINVAL, "hugetlbfs fds are not supported");
	/*
	 * A mapping past the end of its object faults with SIGBUS when touched.
	 * Only a regular file (memfd included) has a size we can check without
	 * side effects; a /dev/zero mapping at an offset, for one, would fault.
	 */
	if (!S_ISREG(st.st_mode))
		return vsf_error_set(err, -ENODEV,
				     "fd is not a regular file or memfd: its size cannot be checked");
	if ((uint64_t)st.st_size < fd_end)
		return vsf_error_set(err, -ERANGE, "fd is 0x%llx bytes, mapping needs 0x%llx",
				     (unsigned long long)st.st_size, (unsigned long long)fd_end);
	/* The size just checked holds only if the backend cannot shrink the file. */
	if (r->require_shrink_seal && !(seals_of(fd) & F_SEAL_SHRINK))
		return vsf_error_set(err, -EPERM,
				     "fd is not sealed against shrinking (F_SEAL_SHRINK): the backend "
				     "could truncate it under the mapping");
	ret = reserve_table_slot(r, err);
	if (ret < 0)
		return ret;
	/* Map for real now, at an address of the kernel's choice, so every reason
	 * the fd cannot be mapped surfaces before the reply is sent. */
	staged = VSF_SYS(mmap)(NULL, m->len, m->rw ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd,
		      (off_t)m->fd_offset);
	if (staged == MAP_FAILED) {
		int e = errno;

		return vsf_error_set(err, -e, "fd cannot be mapped %s: %s",
				     m->rw ? "read-write" : "read-only", strerror(e));
	}
	change->kind = VSF_CHANGE_MAP;
	change->mapping = *m;
	change->staged = staged;
	return 0;
}

int vsf_regions_prepare_unmap(struct vsf_regions *r, uint8_t shmid, uint64_t shm_offset,
			      uint64_t len, struct vsf_change *change, struct vsf_error *err)
{
	const struct vsf_mapping *m;
	size_t i;
	int ret;

	ret = check_range(r, shmid, shm_offset, len, err);
	if (ret < 0)
		return ret;
	i = mapping_lower_bound(r, shmid, shm_offset);
	m = i < r->nmaps ? &r->maps[i] : NULL;
	if (!m || m->shmid != shmid || m->shm_offset != shm_offset || m->len != len)
		return vsf_error_set(err, -ENOENT,
				     "no mapping at exactly 0x%llx+0x%llx in region %u",
				     (unsigned long long)shm_offset, (unsigned long long)len, shmid);
	change->kind = VSF_CHANGE_UNMAP;
	change->mapping = *m;
	change->staged = NULL;
	return 0;
}

static int commit_map(struct vsf_regions *r, struct vsf_change *c, struct vsf_error *err)
{
	const struct vsf_mapping *m = &c->mapping;
	uint8_t *target = r->region_by_id[m->shmid]->base + m->shm_offset;
	size_t i;

	/* Moving the staged mapping replaces the reservation in one step. */
	if (VSF_SYS(mremap)(c->staged, m->len, m->len, MREMAP_MAYMOVE | MREMAP_FIXED, target) == MAP_FAILED) {
		int e = -errno;

		VSF_SYS(munmap)(c->staged, m->len);
		reserve_fixed(target, m->len);
		return vsf_error_set(err, e, "commit: cannot move mapping into region %u: %s",
				     m->shmid, strerror(-e));
	}
	i = mapping_lower_bound(r, m->shmid, m->shm_offset);
	memmove(&r->maps[i + 1], &r->maps[i], (r->nmaps - i) * sizeof(*r->maps));
	r->maps[i] = *m;
	r->nmaps++;
	return 0;
}

static int commit_unmap(struct vsf_regions *r, struct vsf_change *c, struct vsf_error *err)
{
	const struct vsf_mapping *m = &c->mapping;
	size_t i = mapping_lower_bound(r, m->shmid, m->shm_offset);
	int ret;

	ret = reserve_fixed(r->region_by_id[m->shmid]->base + m->shm_offset, m->len);
	if (ret < 0)
		return vsf_error_set(err, ret, "commit: cannot unmap from region %u: %s", m->shmid,
				     strerror(-ret));
	memmove(&r->maps[i], &r->maps[i + 1], (r->nmaps - i - 1) * sizeof(*r->maps));
	r->nmaps--;
	return 0;
}

int vsf_regions_commit(struct vsf_regions *r, struct vsf_change *change, struct vsf_error *err)
{
	int ret;

	VSF_BUG_ON(change->kind == VSF_CHANGE_NONE);
	ret = change->kind == VSF_CHANGE_MAP ? commit_map(r, change, err)
					     : commit_unmap(r, change, err);
	change->kind = VSF_CHANGE_NONE;
	change->staged = NULL;
	return ret;
}

/* Put the reservation back over the first n mappings of the table; a mapping
 * the kernel would not replace stays in the table: it is still there. */
static size_t unmap_first(struct vsf_regions *r, size_t n)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		const struct vsf_mapping *m = &r->maps[i];

		if (reserve_fixed(r->region_by_id[m->shmid]->base + m->shm_offset, m->len) < 0)
			r->maps[kept++] = *m;
	}
	r->nmaps = kept;
	return kept;
}

size_t vsf_regions_reset(struct vsf_regions *r)
{
	size_t n = r->nmaps;

	return unmap_first(r, n);
}

size_t vsf_regions_recycle(struct vsf_regions *r)
{
	size_t stuck = unmap_first(r, r->nmaps);

	if (!stuck) {
		free(r->maps);
		r->maps = NULL;
		r->maps_cap = 0;
	}
	return stuck;
}
