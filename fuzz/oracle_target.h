/* SPDX-License-Identifier: MIT */
/*
 * The target-died oracle, for a front-end run as its own process: it must
 * not die by a signal we did not send (a crash, an abort, an assertion),
 * not report a bug on its stderr (a sanitizer's report, an assertion's
 * words: target_process.h lists them), and not exit while it is owed
 * nothing that would end it. The report quotes the end of its stderr, kept
 * with the finding. A target we stopped must end on SIGTERM
 * (TARGET_SIGTERM_WAIT_MS): one that needs SIGKILL has its main loop stuck.
 *
 * Needs: the target is our child (its exit status), its stderr in the
 * driver's file. Nothing else; it works for any target.
 */
#ifndef VSF_ORACLE_TARGET_H
#define VSF_ORACLE_TARGET_H

#include <stdbool.h>

#include "oracles.h"
#include "target_process.h"

/*
 * Judge how the target has ended so far (reaping it if it has). gone: it
 * was expected to be running (we were talking to it), so a clean exit is a
 * finding too; otherwise an exit with a status is its own business.
 */
void target_check_end(const struct oracle_where *where, struct target_process *t, bool gone);

#endif
