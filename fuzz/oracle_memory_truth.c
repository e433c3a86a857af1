/* SPDX-License-Identifier: MIT */
/* The memory-truth oracle (oracle_memory_truth.h). */
#define _GNU_SOURCE
#include "oracle_memory_truth.h"

#include <errno.h>
#include <string.h>
#include <time.h>
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

/* ---- out of process ---- */

#define TARGET_MAX_VMAS 64

void memory_truth_target_init(struct memory_truth_target *mt, const struct oracle_where *where,
			      pid_t pid, const struct shadow_model *model, int wait_ms)
{
	static struct proc_mapping v[MEMORY_TRUTH_MAX_RESERVED];
	int n;

	memset(mt, 0, sizeof(*mt));
	mt->where = where;
	mt->pid = pid;
	mt->model = model;
	mt->wait_ms = wait_ms;
	n = proc_mappings_where(pid, proc_mapping_is_reservation, NULL, v, MEMORY_TRUTH_MAX_RESERVED);
	if (n < 0) {
		errno = -n;
		harness_setup_failed("reading the target's /proc/PID/maps");
	}
	mt->nreserved = (size_t)n < MEMORY_TRUTH_MAX_RESERVED ? (size_t)n : MEMORY_TRUTH_MAX_RESERVED;
	for (size_t i = 0; i < mt->nreserved; i++) {
		mt->reserved[i][0] = v[i].start;
		mt->reserved[i][1] = v[i].end;
	}
}

/*
 * Whether [base, base + size) of the target was a region's reservation
 * after start-up: covered without a gap by its inaccessible ranges then
 * (the snapshot is in address order).
 */
static bool looks_like_region(const struct memory_truth_target *mt, uint64_t base, uint64_t size)
{
	uint64_t at = base;

	if (!size)
		return false;
	for (size_t i = 0; i < mt->nreserved && at < base + size; i++)
		if (mt->reserved[i][0] <= at && mt->reserved[i][1] > at)
			at = mt->reserved[i][1];
	return at >= base + size;
}

/* Another look at the target after a millisecond, while wait_ms has not passed since start. */
static bool look_again(const struct memory_truth_target *mt, const struct timespec *start)
{
	struct timespec now, ms = { 0, 1000000 };

	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000 >=
	    mt->wait_ms)
		return false;
	nanosleep(&ms, NULL);
	return true;
}

static struct file_id mapping_file(const struct model_mapping *m)
{
	struct file_id id = { 0, 0 };

	if (file_id_of_fd(m->content_fd, &id) < 0)
		harness_setup_failed("fstat of mapped content");
	return id;
}

/* The target's mappings of one file (at most TARGET_MAX_VMAS), or a violation when it cannot be read. */
static size_t target_vmas(const struct memory_truth_target *mt, const struct file_id *ids, size_t n,
			  struct proc_mapping out[TARGET_MAX_VMAS])
{
	int count = proc_mappings_of(mt->pid, ids, n, out, TARGET_MAX_VMAS);

	if (count < 0) {
		errno = -count;
		harness_setup_failed("reading the target's /proc/PID/maps");
	}
	return count < TARGET_MAX_VMAS ? (size_t)count : TARGET_MAX_VMAS;
}

/*
 * Where in the target the file's bytes at fd_offset are mapped, consistent
 * with the region's base when it is known: the address, or 0. Adjacent
 * mappings of one file with contiguous offsets show as one entry.
 */
/* Whether [base, base + size) overlaps a region whose place is known already. */
static bool overlaps_known_region(const struct memory_truth_target *mt, uint64_t base, uint64_t size)
{
	for (int k = 0; k < VSF_MAX_SHMEM_REGIONS; k++)
		if (mt->base_known[k] && base < mt->base[k] + mt->model->region_size[k] &&
		    mt->base[k] < base + size)
			return true;
	return false;
}

/* Whether the target could have placed m at addr: where its region is, or could be. */
static bool plausible_place(const struct memory_truth_target *mt, const struct model_mapping *m,
			    uint64_t addr)
{
	uint64_t base = addr - m->shm_offset, size = mt->model->region_size[m->shmid];

	if (mt->base_known[m->shmid])
		return base == mt->base[m->shmid];
	return addr >= m->shm_offset && looks_like_region(mt, base, size) &&
	       !overlaps_known_region(mt, base, size);
}

/*
 * Where in the target the file's bytes at fd_offset are mapped for m: the
 * address, or 0. Adjacent mappings of one file with contiguous offsets show
 * as one entry. A place with m's protection comes first, so that the same
 * file mapped read-write elsewhere is not taken for m's read-only mapping.
 */
static uint64_t find_in_vmas(const struct memory_truth_target *mt, const struct model_mapping *m,
			     const struct proc_mapping *v, size_t n, const struct proc_mapping **hit)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			uint64_t addr;

			if (m->fd_offset < v[i].offset ||
			    m->fd_offset - v[i].offset >= v[i].end - v[i].start)
				continue;
			addr = v[i].start + (m->fd_offset - v[i].offset);
			if (addr + m->len > v[i].end || !plausible_place(mt, m, addr))
				continue;
			if (pass == 0 && (v[i].perms[1] == 'w') != m->rw)
				continue;
			*hit = &v[i];
			return addr;
		}
	}
	return 0;
}

/* The first and last PROBE_BYTES of the mapping are the file's. */
static void check_target_bytes(const struct memory_truth_target *mt, const struct model_mapping *m,
			       uint64_t addr)
{
	uint64_t offs[2] = { 0, m->len > PROBE_BYTES ? m->len - PROBE_BYTES : 0 };
	struct stat st;

	if (fstat(m->content_fd, &st) < 0)
		harness_setup_failed("fstat of mapped content");
	for (int i = 0; i < 2; i++) {
		uint8_t want[PROBE_BYTES], got[PROBE_BYTES];
		size_t len = m->len < PROBE_BYTES ? (size_t)m->len : PROBE_BYTES;
		uint64_t at = m->fd_offset + offs[i];
		ssize_t n;

		if (at + len > (uint64_t)st.st_size) /* past the file's end: it faults */
			continue;
		if (pread(m->content_fd, want, len, (off_t)at) != (ssize_t)len)
			harness_setup_failed("pread of mapped content");
		n = proc_read(mt->pid, addr + offs[i], got, len);
		ORACLE_CHECK(mt->where, "memory-truth", n == (ssize_t)len,
			     "region %u offset 0x%llx: the target's mapping cannot be read (%zd)",
			     m->shmid, (unsigned long long)(m->shm_offset + offs[i]), n);
		ORACLE_CHECK(mt->where, "memory-truth", !memcmp(want, got, len),
			     "region %u offset 0x%llx: the target's bytes are not the file's at 0x%llx",
			     m->shmid, (unsigned long long)(m->shm_offset + offs[i]),
			     (unsigned long long)at);
	}
}

/* Where the target maps the file, relative to the region's base when known, for a report. */
static const char *describe_vmas(const struct proc_mapping *v, size_t n, uint64_t base)
{
	static char text[512];
	size_t len = 0;

	text[0] = '\0';
	for (size_t i = 0; i < n && len < sizeof(text) - 80; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"%sbase%+lld..%+lld file 0x%llx %s", i ? ", " : "",
					(long long)(v[i].start - base), (long long)(v[i].end - base),
					(unsigned long long)v[i].offset, v[i].perms);
	return n ? text : "it maps none of it";
}

void memory_truth_check_target_map(struct memory_truth_target *mt, const struct model_mapping *m)
{
	struct file_id id = mapping_file(m);
	struct proc_mapping v[TARGET_MAX_VMAS];
	const struct proc_mapping *hit = NULL;
	struct timespec start;
	uint64_t addr;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do
		addr = find_in_vmas(mt, m, v, target_vmas(mt, &id, 1, v), &hit);
	while (!addr && look_again(mt, &start));

	ORACLE_CHECK(mt->where, "memory-truth", addr,
		     "region %u offset 0x%llx: the target has no mapping of the file at 0x%llx, 0x%llx bytes%s (%s)",
		     m->shmid, (unsigned long long)m->shm_offset, (unsigned long long)m->fd_offset,
		     (unsigned long long)m->len,
		     mt->base_known[m->shmid] ? " where its region's other mappings are" : "",
		     describe_vmas(v, target_vmas(mt, &id, 1, v), mt->base_known[m->shmid] ?
								  mt->base[m->shmid] : 0));
	ORACLE_CHECK(mt->where, "memory-truth", hit->perms[0] == 'r' &&
			     (hit->perms[1] == 'w') == m->rw && hit->perms[3] == 's',
		     "region %u offset 0x%llx: mapped %s, asked for %s shared", m->shmid,
		     (unsigned long long)m->shm_offset, hit->perms, m->rw ? "read-write" : "read-only");
	if (!mt->base_known[m->shmid]) {
		mt->base[m->shmid] = addr - m->shm_offset;
		mt->base_known[m->shmid] = true;
	}
	check_target_bytes(mt, m, addr);
}

/* The first of the target's mappings v[0..n) that overlaps [from, to), or NULL. */
static const struct proc_mapping *overlapping(const struct proc_mapping *v, size_t n, uint64_t from,
					      uint64_t to)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].end > from && v[i].start < to)
			return &v[i];
	return NULL;
}

void memory_truth_check_target_gone(struct memory_truth_target *mt, const struct model_mapping *m)
{
	struct file_id id = mapping_file(m);
	struct proc_mapping v[TARGET_MAX_VMAS];
	uint64_t from = mt->base[m->shmid] + m->shm_offset, to = from + m->len;
	const struct proc_mapping *left;
	struct timespec start;

	if (!mt->base_known[m->shmid])
		return; /* no map of the region was seen: nothing to place the range by */
	clock_gettime(CLOCK_MONOTONIC, &start);
	do
		left = overlapping(v, target_vmas(mt, &id, 1, v), from, to);
	while (left && look_again(mt, &start));
	ORACLE_CHECK(mt->where, "memory-truth", !left,
		     "region %u offset 0x%llx: unmapped, but the target still maps the file there",
		     m->shmid, (unsigned long long)m->shm_offset);
}

void memory_truth_check_target_all(struct memory_truth_target *mt, const struct shadow_model *model,
				   const struct file_id files[], size_t n, bool channel_lost)
{
	struct proc_mapping v[TARGET_MAX_VMAS];
	uint64_t bytes, want = 0;
	struct timespec start;

	for (size_t i = 0; i < model->nmaps; i++) {
		if (!channel_lost)
			memory_truth_check_target_map(mt, &model->maps[i]);
		want += model->maps[i].len;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		size_t nv = target_vmas(mt, files, n, v);

		bytes = 0;
		for (size_t i = 0; i < nv; i++)
			bytes += v[i].end - v[i].start;
	} while ((channel_lost ? bytes > want : bytes != want) && look_again(mt, &start));
	/* Each model mapping is there; the target may map nothing more of our files. */
	ORACLE_CHECK(mt->where, "memory-truth", channel_lost ? bytes <= want : bytes == want,
		     "the target maps 0x%llx bytes of the files it was sent, the model 0x%llx",
		     (unsigned long long)bytes, (unsigned long long)want);
}
