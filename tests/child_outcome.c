/* SPDX-License-Identifier: MIT */
#include "child_outcome.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run body(arg) in a child; its stderr goes to out. The wait status. */
static int run_child(void (*body)(const void *arg), const void *arg, char *out, size_t cap)
{
	int pipefd[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(pipefd) < 0 || (pid = fork()) < 0)
		exit(2);
	if (pid == 0) {
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		body(arg);
		_exit(0);
	}
	close(pipefd[1]);
	while (got < (ssize_t)cap - 1 && (n = read(pipefd[0], out + got, cap - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return status;
}

bool child_ends_as_expected(void (*body)(const void *arg), const void *arg, const char *report,
			    const char *what)
{
	static char out[65536];
	int status = run_child(body, arg, out, sizeof(out));
	bool ok = report ? WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && strstr(out, report)
			 : WIFEXITED(status) && WEXITSTATUS(status) == 0;

	if (!ok)
		fprintf(stderr, "FAIL: %s:\n%s", what, out);
	return ok;
}
