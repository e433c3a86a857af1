/* SPDX-License-Identifier: MIT */
/*
 * The liveness oracle: every message is handled in bounded time.
 *
 * One message may take LIVENESS_LIMIT_NS of the front-end's CPU time (a
 * loop), and five times as much wall time (a wait it should not make). Wall
 * time alone counts a loaded machine's scheduling delays as the front-end's.
 * Only the wall clock is read per message; past the limit, the CPU time the
 * whole input has used so far bounds the message's.
 *
 * Out of process: the same, with the wall time from sending a message to
 * the reply or the next request it is owed, and the CPU clock of the
 * target's process (clock_getcpuclockid; the same user, or ptrace rights).
 */
#ifndef VSF_ORACLE_LIVENESS_H
#define VSF_ORACLE_LIVENESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "oracles.h"

#define LIVENESS_LIMIT_NS (1000ull * 1000 * 1000)

struct liveness {
	clockid_t cpu_clock; /* the front-end's CPU time */
	uint64_t cpu_at_start;
};

/* Start an input: pid 0 is this thread (an in-process front-end). */
void liveness_start(struct liveness *l, pid_t pid);
/* The wall clock a message's time is counted from. */
uint64_t liveness_now(void);
/* The message started at t0 (liveness_now) is done: was it in time? */
void liveness_check(const struct oracle_where *where, const struct liveness *l, uint64_t t0);

/*
 * Out of process, where the driver waits with a deadline: what the target
 * owed (what: "a reply to SHMEM_MAP (9)", "its connection") came within
 * timeout_ms, or it is a violation.
 */
void liveness_check_arrived(const struct oracle_where *where, bool arrived, int timeout_ms,
			    const char *what);

#endif
