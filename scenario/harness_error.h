/* SPDX-License-Identifier: MIT */
/*
 * When a driver of the front-end cannot go on: a set-up failure of its own
 * (the process could not provide what an input asked for, such as a memfd
 * or a seal), said as such so that nobody takes it for a bug in the
 * front-end, and the report file every finding is also written to, so a
 * campaign keeps the report of a finding whose engine drops its output
 * (libFuzzer's fork mode deletes a job's log; AFL++ keeps none).
 */
#ifndef VSF_HARNESS_ERROR_H
#define VSF_HARNESS_ERROR_H

#include <stdio.h>

/* Print "==vsf== ERROR: HARNESS SET-UP FAILED: what: <errno text>" and abort. */
_Noreturn void harness_setup_failed(const char *what);

/*
 * With VSF_REPORT_DIR set, a new file <dir>/report-<pid>-<n>.txt opened for
 * appending (close it with harness_report_close, which adds the stack);
 * NULL otherwise or if it cannot be made.
 */
FILE *harness_report_open(void);
void harness_report_close(FILE *fp);

#endif
