/* SPDX-License-Identifier: MIT */
/*
 * The resources oracle: the fds open after every op that entered the
 * front-end are the ones expected (nothing leaked, nothing closed twice),
 * the driver's own fds are intact, and after teardown the process has the
 * fds it had before the input, no region still mapped and no mapping of a
 * driver's memfd anywhere. (Heap leaks are LeakSanitizer's.)
 *
 * In process, counting is cheap: a ppoll over the fd numbers an op can
 * reach (probes.h), a directory listing only where poll() cannot see
 * (O_PATH fds). The second close of a double close whose fd number was not
 * reused in between, which no count sees, is caught as it happens: the
 * front-end's close() is watched through its system-call table (fault.h),
 * which needs our library in this process.
 *
 * Out of process, the judgement is the same on the set of fds a target has
 * open (the numbers in /proc/PID/fd, the same user or root):
 * resources_check_fd_set after each input against the set before it.
 */
#ifndef VSF_ORACLE_RESOURCES_H
#define VSF_ORACLE_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fd_table.h"
#include "proc_view.h"
#include "oracles.h"
#include "probes.h"
#include "vhost_shmem.h"

struct resources {
	const struct oracle_where *where;
	int baseline;          /* fds open before the input */
	uint64_t baseline_low[PROBE_FD_SCAN_LIMIT / 64]; /* which of them are below the limit */
	int after_last_op;     /* the fds expected when resources_check_op last passed */
	int scan_end;          /* every fd the input made is numbered below this */
};

/* Before an input: record the fds open, and watch the front-end's closes. */
void resources_begin(struct resources *rs, const struct oracle_where *where);
/*
 * fds open before the input that the input takes over (the sockets of a
 * front-end kept across inputs): from now on they are the input's, held by
 * the driver, not the baseline's.
 */
void resources_hand_over(struct resources *rs, const int fds[], size_t n);
/* After the input's teardown checks: stop watching. */
void resources_end(struct resources *rs);

/*
 * After an op that entered the front-end: the fds open are the baseline,
 * the table's, and held[] (the driver's sockets and the front-end's channel
 * fd; -1 for none). sent_opath: the op passed an O_PATH fd to the front-end.
 */
void resources_check_op(struct resources *rs, const struct fd_table *fds, const int held[],
			size_t nheld, bool sent_opath);

/* Teardown, in this order. The driver's fds were not closed or replaced behind its back. */
void resources_check_table_intact(const struct resources *rs, const struct fd_table *fds);
/*
 * The front-end is freed: nothing it made is left in the ranges of its n
 * regions (no shared mapping, no reservation). What another mapper of the
 * process put there since is not the front-end's (oracle_resources.c).
 */
void resources_check_regions_gone(const struct resources *rs, const struct vsf_region_info regions[],
				  size_t n);
/*
 * The table is closed: the fds open are the ones before the input, with
 * the pool's changes (fds it kept, fds it closed to make room).
 */
void resources_check_fds_as_before(const struct resources *rs, bool made_opath,
				   const struct fd_bits *kept, const struct fd_bits *evicted);
/* No mapping of a driver's memfd is left (file_maps_at_start: fault_file_maps_made() then). */
void resources_check_no_memfd_mapping(const struct resources *rs, unsigned long file_maps_at_start);

/* The fds below hi that are open (now) are exactly the ones expected (want). */
void resources_check_fd_set(const struct oracle_where *where, const uint64_t now[],
			    const uint64_t want[], int hi);

/*
 * Out of process, after an input: the target holds no fd of a file we sent
 * it (files[0..n): each was closed, or is held only by a mapping), and every
 * fd it has open below hi was open after its start-up (baseline), so it
 * leaked none. (Reading /proc/PID/fd: the same user or root.) A front-end
 * closes a mapped fd after its reply: the check waits up to wait_ms for the
 * fds to go before it reports.
 */
void resources_check_target(const struct oracle_where *where, pid_t pid, const uint64_t baseline[],
			    int hi, const struct file_id files[], size_t n, int wait_ms);

#endif
