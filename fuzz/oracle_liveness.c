/* SPDX-License-Identifier: MIT */
/* The liveness oracle (oracle_liveness.h). */
#include "oracle_liveness.h"

#include <errno.h>

#include "harness_error.h"

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void liveness_start(struct liveness *l, pid_t pid)
{
	int err = 0;

	l->cpu_clock = CLOCK_THREAD_CPUTIME_ID;
	if (pid && (err = clock_getcpuclockid(pid, &l->cpu_clock))) {
		errno = err;
		harness_setup_failed("clock_getcpuclockid");
	}
	l->cpu_at_start = clock_ns(l->cpu_clock);
}

uint64_t liveness_now(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

void liveness_check(const struct oracle_where *where, const struct liveness *l, uint64_t t0)
{
	uint64_t dt = clock_ns(CLOCK_MONOTONIC) - t0, dc;

	if (dt < LIVENESS_LIMIT_NS)
		return;
	dc = clock_ns(l->cpu_clock) - l->cpu_at_start;
	ORACLE_CHECK(where, "liveness", dc < LIVENESS_LIMIT_NS && dt < 5 * LIVENESS_LIMIT_NS,
		     "one message took %llu ms (the input so far %llu ms of CPU)",
		     (unsigned long long)(dt / 1000000), (unsigned long long)(dc / 1000000));
}

void liveness_check_arrived(const struct oracle_where *where, bool arrived, int timeout_ms,
			    const char *what)
{
	ORACLE_CHECK(where, "liveness", arrived, "the target did not send %s within %d ms", what,
		     timeout_ms);
}
