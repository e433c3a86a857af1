/* SPDX-License-Identifier: MIT */
#include "oracle_target.h"

#include <signal.h>

#define ORACLE "target-died"

void target_check_end(const struct oracle_where *where, struct target_process *t, bool gone)
{
	char what[256], end[64];
	bool running = target_alive(t);

	ORACLE_CHECK(where, ORACLE, !target_log_reports_bug(t, what, sizeof(what)),
		     "the target reported a bug on its stderr: %s", what);
	if (running)
		return;
	ORACLE_CHECK(where, "liveness", !t->needed_sigkill,
		     "the target did not end within %d ms of SIGTERM (killed)", TARGET_SIGTERM_WAIT_MS);
	target_describe_end(t, end, sizeof(end));
	/* Our stop sends SIGTERM, then SIGKILL: any other signal is its own. */
	ORACLE_CHECK(where, ORACLE,
		     t->end != TARGET_SIGNALED ||
			     (t->stopped_by_us && (t->status == SIGTERM || t->status == SIGKILL)),
		     "the target %s", end);
	ORACLE_CHECK(where, ORACLE, !gone || t->stopped_by_us,
		     "the target %s while the backend was talking to it", end);
}
