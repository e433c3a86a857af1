/* SPDX-License-Identifier: MIT */
/*
 * How a piece of a test ends when run in a child process of its own: for
 * tests whose failing case is an oracle's abort(), which must not end the
 * test itself.
 */
#ifndef VSF_CHILD_OUTCOME_H
#define VSF_CHILD_OUTCOME_H

#include <stdbool.h>

/*
 * Run body(arg) in a forked child, its stderr captured; the child exits 0
 * when body returns. True if it ended as expected: with report NULL, it
 * exited 0; else it aborted with report in its stderr. If not, prints
 * "FAIL: <what>:" and the child's stderr.
 */
bool child_ends_as_expected(void (*body)(const void *arg), const void *arg, const char *report,
			    const char *what);

#endif
