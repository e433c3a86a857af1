/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "harness_error.h"

#include <errno.h>
#include <execinfo.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

FILE *harness_report_open(void)
{
	static unsigned n;
	const char *dir = getenv("VSF_REPORT_DIR");
	char path[4096];

	if (!dir || !*dir)
		return NULL;
	snprintf(path, sizeof(path), "%s/report-%ld-%u.txt", dir, (long)getpid(), n++);
	return fopen(path, "ae");
}

void harness_report_close(FILE *fp)
{
	void *frames[64];
	int n = backtrace(frames, 64);

	if (!fp)
		return;
	fputs("==vsf== stack of the report (addresses: llvm-symbolizer or addr2line):\n", fp);
	fflush(fp);
	backtrace_symbols_fd(frames, n, fileno(fp));
	fclose(fp);
}

_Noreturn void harness_setup_failed(const char *what)
{
	const char *why = strerror(errno);
	static const char fmt[] = "==vsf== ERROR: HARNESS SET-UP FAILED: %s: %s (the harness could "
				  "not build what the input asked for; not a front-end finding)\n";
	FILE *log = harness_report_open();

	fprintf(stderr, fmt, what, why);
	if (log) {
		fprintf(log, fmt, what, why);
		harness_report_close(log);
	}
	abort();
}
