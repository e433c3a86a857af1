/* SPDX-License-Identifier: MIT */
/*
 * What a front-end process kept across inputs must show again before it
 * takes the next one: the state it had after a fresh start. A state is a
 * sorted list of lines, each something that can be seen from outside:
 *   fd KIND     an open fd, by kind: "socket", "pipe", "anon_inode:[eventfd]",
 *               or the path it is open on (numbers can differ, kinds not)
 *   map ...     a shared or file mapping (/proc/PID/maps lines with an inode
 *               or an 's'): its length, protection, file offset, device and
 *               inode (not its address: states of two processes compare)
 * plus the requests of the start-up it was read after, given by the
 * caller: a start-up that went another way leaves another state behind,
 * so states are only compared after the same start-up. Anonymous private
 * mappings (the heap, a front-end's reservations) are left out: they come
 * and go with what an allocator does.
 */
#ifndef VSF_TARGET_STATE_H
#define VSF_TARGET_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "proc_view.h"

struct target_state {
	char *startup; /* the start-up's requests, as given (malloc'd) */
	char *lines;   /* sorted, '\n'-separated (malloc'd) */
};

/*
 * Read pid's state after a start-up of these requests. log: the file its
 * stderr goes to (named apart in each target), or NULL. 0 or -errno.
 */
int target_state_read(struct target_state *s, pid_t pid, const struct file_id *log,
		      const char *startup);

/* Whether a and b came from the same start-up. */
bool target_state_same_startup(const struct target_state *a, const struct target_state *b);

/*
 * Whether now is the baseline's state; if not, the first difference in
 * why ("+ fd socket": a line only now has, "- map ...": one it lost).
 */
bool target_state_same(const struct target_state *baseline, const struct target_state *now,
		       char *why, size_t len);

void target_state_free(struct target_state *s);

#endif
