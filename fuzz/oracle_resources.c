/* SPDX-License-Identifier: MIT */
/* The resources oracle (oracle_resources.h). */
#include "oracle_resources.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include "fault.h"
#include "program.h"

/* Most fds one op can create: the fds of one message as the front-end
 * receives them, the harness's replies from a negotiation, a connect's
 * socketpairs, an fd op's memfd and its reopened copy. */
#define FDS_PER_OP_MAX (VSF_PROG_MAX_OP_FDS + 16 + 16)

_Static_assert(VSF_PROG_MAX_HANDLES + FD_TABLE_MAX_RETIRED + FDS_PER_OP_MAX + 64 <
		       PROBE_FD_SCAN_LIMIT,
	       "an input's fds must fit the range the baseline is recorded in");
_Static_assert(FD_BITS_LIMIT == PROBE_FD_SCAN_LIMIT, "one fd number range");

/* Where reports of the close watch go: set between begin and end. */
static const struct oracle_where *watched_where;

/* Every close() of the front-end, with the kernel's answer (fault.h). */
static void check_close(int fd, int err)
{
	if (err == EBADF && watched_where)
		oracle_fail(watched_where, "resources",
			    "close(%d): fd not open (closed twice, or never owned)", fd);
}

static int scan_bound(int hi)
{
	return hi < PROBE_FD_SCAN_LIMIT ? hi : PROBE_FD_SCAN_LIMIT;
}

static int first_difference_below(const uint64_t *a, const uint64_t *b, int hi)
{
	for (int w = 0; w * 64 < hi; w++) {
		uint64_t diff = a[w] ^ b[w];

		if (hi - w * 64 < 64)
			diff &= (1ull << (hi - w * 64)) - 1;
		if (diff)
			return w * 64 + __builtin_ctzll(diff);
	}
	return -1;
}

/*
 * The fds open after the last teardown, the next input's baseline: the
 * numbers below PROBE_FD_SCAN_LIMIT and the count of all. Recorded whole
 * (a directory listing) when not known (count < 0), then carried from one
 * teardown to the next with the pool's changes, which the teardown check
 * has just compared with what is open. They must be carried: the pool keeps
 * fds an input made, numbered as high as that input's fds went, above the
 * bound the next input checks its baseline below.
 */
static struct {
	uint64_t low[PROBE_FD_SCAN_LIMIT / 64];
	int count;
} carried = { .count = -1 };

/*
 * The fds open before the input: the ones carried from the last teardown
 * unless the numbers where an fd opened or closed since would land differ
 * (between inputs only the engine and the renewal of a kept front-end open
 * or close fds, a few, each at the lowest free number).
 */
void resources_begin(struct resources *rs, const struct oracle_where *where)
{
	uint64_t now[PROBE_FD_SCAN_LIMIT / 64];
	int hi = carried.count < 0 ? PROBE_FD_SCAN_LIMIT
				   : scan_bound(carried.count + FDS_PER_OP_MAX);

	probe_open_fds_below(hi, now);
	if (carried.count < 0 || first_difference_below(now, carried.low, hi) >= 0) {
		probe_open_fds_below(PROBE_FD_SCAN_LIMIT, carried.low);
		carried.count = probe_open_fds();
	}
	rs->where = where;
	memcpy(rs->baseline_low, carried.low, sizeof(carried.low));
	rs->baseline = rs->after_last_op = carried.count;
	rs->scan_end = hi;
	watched_where = where;
	fault_watch_close(check_close);
}

void resources_hand_over(struct resources *rs, const int fds[], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		if (fds[i] < PROBE_FD_SCAN_LIMIT)
			rs->baseline_low[fds[i] / 64] &= ~(1ull << (fds[i] % 64));
		rs->baseline--;
		rs->after_last_op--;
	}
}

void resources_end(struct resources *rs)
{
	fault_watch_close(NULL);
	watched_where = NULL;
	rs->where = NULL;
}

static int count_baseline_below(const struct resources *rs, int hi)
{
	int n = 0;

	for (int w = 0; w < hi / 64; w++)
		n += __builtin_popcountll(rs->baseline_low[w]);
	if (hi % 64)
		n += __builtin_popcountll(rs->baseline_low[hi / 64] & ((1ull << (hi % 64)) - 1));
	return n;
}

static int count_held_below(const int held[], size_t nheld, int hi)
{
	int n = 0;

	for (size_t i = 0; i < nheld; i++)
		n += held[i] >= 0 && held[i] < hi;
	return n;
}

/*
 * After every op, the fds below a bound are counted with one ppoll instead
 * of a directory listing. Every fd an op creates or receives takes the
 * lowest free number, which is below the count of fds open at the time: at
 * most the count after the last op plus what one op can create. A leak is
 * therefore below hi; the fds known to be open are counted below hi by
 * number. poll() does not see O_PATH fds: the harness's own are left out of
 * the count, and after an op that passed an O_PATH fd to the front-end the
 * directory is listed instead (the front-end may have kept a copy; it makes
 * fds only by receiving them and by socketpair, src/syscalls.h, so it can
 * hold no other O_PATH fd). Teardown counts every fd.
 */
void resources_check_op(struct resources *rs, const struct fd_table *fds, const int held[],
			size_t nheld, bool sent_opath)
{
	int total = rs->baseline + (int)fd_table_open_count(fds) +
		    count_held_below(held, nheld, INT_MAX);
	int want = total, open;
	int hi = scan_bound((total > rs->after_last_op ? total : rs->after_last_op) +
			    FDS_PER_OP_MAX);

	if (hi > rs->scan_end)
		rs->scan_end = hi;
	if (sent_opath) {
		open = probe_open_fds();
	} else {
		open = probe_open_fds_below(hi, NULL);
		want = count_baseline_below(rs, hi) + (int)fd_table_count_pollable_below(fds, hi) +
		       count_held_below(held, nheld, hi);
	}
	ORACLE_CHECK(rs->where, "resources", open == want,
		     "%d fds open, expected %d (an fd leaked or was closed twice)", open, want);
	rs->after_last_op = total;
}

void resources_check_table_intact(const struct resources *rs, const struct fd_table *fds)
{
	int damaged = fd_table_find_damaged(fds);

	ORACLE_CHECK(rs->where, "resources", damaged < 0,
		     "harness fd %d was closed or replaced behind its back", damaged);
}

/*
 * Could the front-end have left this mapping? It maps the files it is sent
 * shared, and reserves a region's range with inaccessible private anonymous
 * memory. The other mappers in the process (the sanitizers' runtimes,
 * libFuzzer, a thread starting up) make private memory they can use, and
 * may do so at any time from another thread: the kernel puts a new mapping
 * in the highest hole that fits, often the range a freed region left.
 */
static bool frontend_could_have_made(const struct proc_mapping *m)
{
	return m->perms[3] == 's' || proc_mapping_is_reservation(m, NULL);
}

void resources_check_regions_gone(const struct resources *rs, const struct vsf_region_info regions[],
				  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uintptr_t at = (uintptr_t)regions[i].base, end = at + regions[i].size;
		struct proc_mapping m;

		while (at < end && probe_mapping_from((void *)at, &m) && m.start < end) {
			ORACLE_CHECK(rs->where, "resources", !frontend_could_have_made(&m),
				     "region at %p still mapped after teardown (%#" PRIx64
				     "-%#" PRIx64 " %s, inode %lu)",
				     regions[i].base, m.start, m.end, m.perms,
				     (unsigned long)m.file.ino);
			at = m.end;
		}
	}
}

void resources_check_fd_set(const struct oracle_where *where, const uint64_t now[],
			    const uint64_t want[], int hi)
{
	int fd = first_difference_below(now, want, hi);
	bool open = fd >= 0 && now[fd / 64] >> (fd % 64) & 1;

	ORACLE_CHECK(where, "resources", fd < 0, "fd %d is %s after teardown (%s)", fd,
		     open ? "open" : "closed",
		     open ? "leaked: it was not open before the input"
			  : "it was open before the input");
}

/*
 * After teardown the open fds are the ones open before the input, with the
 * pool's changes: the same numbers where the input's fds landed, or, after
 * an input that made an O_PATH fd, the same count. What passed is carried
 * to the next input; what was not compared number by number is not.
 */
void resources_check_fds_as_before(const struct resources *rs, bool made_opath,
				   const struct fd_bits *kept, const struct fd_bits *evicted)
{
	uint64_t now[PROBE_FD_SCAN_LIMIT / 64], want[PROBE_FD_SCAN_LIMIT / 64];
	int count = rs->baseline;

	for (int w = 0; w < PROBE_FD_SCAN_LIMIT / 64; w++) {
		want[w] = (rs->baseline_low[w] | kept->w[w]) & ~evicted->w[w];
		count += __builtin_popcountll(kept->w[w]) - __builtin_popcountll(evicted->w[w]);
	}
	if (made_opath) {
		ORACLE_CHECK(rs->where, "resources", probe_open_fds() == count,
			     "%d fds open after teardown, %d expected (%d before the input)",
			     probe_open_fds(), count, rs->baseline);
		carried.count = -1;
		return;
	}
	probe_open_fds_below(rs->scan_end, now);
	resources_check_fd_set(rs->where, now, want, rs->scan_end);
	carried.count = -1;
	if (first_difference_below(now, want, rs->scan_end) < 0) {
		memcpy(carried.low, want, sizeof(want));
		carried.count = count;
	}
}

/*
 * A staged mapping leaked, or a mapping left outside the regions: no mapping
 * of a harness memfd may remain after teardown. Only an input in which the
 * front-end mapped a file can leave one (the last teardown found none).
 * Reading /proc/self/maps is the costliest probe of an input, so it is done
 * only when the number of file-backed mappings differs from what it was at
 * the last teardown that passed this check: a leftover memfd mapping is one
 * more of them.
 */
void resources_check_no_memfd_mapping(const struct resources *rs, unsigned long file_maps_at_start)
{
	static int clean_file_mappings = -1;
	int now;

	if (fault_file_maps_made() == file_maps_at_start)
		return;
	now = probe_file_mappings();

	if (now >= 0 && now == clean_file_mappings)
		return;
	ORACLE_CHECK(rs->where, "resources", !probe_maps_contain("memfd:" FD_TABLE_MEMFD_NAME),
		     "a mapping of a harness memfd is left after teardown (/proc/self/maps)");
	clean_file_mappings = now;
}

/* The first fd open in now[] but not in baseline[] (hi bits), or -1. */
static int first_fd_not_in(const uint64_t now[], const uint64_t baseline[], int hi)
{
	for (int w = 0; w < hi / 64; w++) {
		uint64_t extra = now[w] & ~baseline[w];

		if (extra)
			return w * 64 + __builtin_ctzll(extra);
	}
	return -1;
}

void resources_check_target(const struct oracle_where *where, pid_t pid, const uint64_t baseline[],
			    int hi, const struct file_id files[], size_t n, int wait_ms)
{
	uint64_t now[PROBE_FD_SCAN_LIMIT / 64];
	char path[128] = "";
	int held, fd = -1;

	for (int waited = 0;; waited++) {
		struct timespec ms = { 0, 1000000 };

		held = n ? proc_fds_on_files(pid, files, n, &fd) : 0;
		if (held <= 0 || waited >= wait_ms)
			break;
		nanosleep(&ms, NULL);
	}
	if (hi > PROBE_FD_SCAN_LIMIT)
		hi = PROBE_FD_SCAN_LIMIT;
	if (held > 0)
		proc_fd_path(pid, fd, path, sizeof(path));
	ORACLE_CHECK(where, "resources", held <= 0,
		     "the target holds %d fd%s of the %zu file%s it was sent (its fd %d: %s)", held,
		     held == 1 ? "" : "s", n, n == 1 ? "" : "s", fd, path);
	/* An fd it opened while handling the input may still be on its way
	 * out: the set gets wait_ms to come back within the baseline. */
	for (int waited = 0;; waited++) {
		struct timespec ms = { 0, 1000000 };

		if (proc_fd_set(pid, now, hi) < 0)
			return; /* it is gone: how it ended is the target-died oracle's */
		fd = first_fd_not_in(now, baseline, hi);
		if (fd < 0 || waited >= wait_ms)
			break;
		nanosleep(&ms, NULL);
	}
	if (fd >= 0)
		proc_fd_path(pid, fd, path, sizeof(path));
	ORACLE_CHECK(where, "resources", fd < 0,
		     "the target's fd %d (%s) is open after the input; it was not after its start-up",
		     fd, path);
}
