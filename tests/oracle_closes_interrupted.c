/* SPDX-License-Identifier: MIT */
/*
 * The out-of-process driver's channel-closes check
 * (shadow_check_target_closes) waits out a signal: libFuzzer's SIGALRM
 * (every timeout/2 + 1 s, 31 s for fuzz_frontend_process) interrupted its
 * poll, which was taken for the end of the wait, and a target that closed
 * its channel a moment later was reported as one that keeps it open. Here a
 * child closes its end 300 ms after the check starts, and a SIGALRM comes
 * at 50 ms: the check must see the close (it aborts with a report if not).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oracle_shadow_model.h"

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

int main(void)
{
	/* No SA_RESTART, as libFuzzer's handler: poll returns EINTR. */
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval at = { .it_value = { 0, 50 * 1000 } };
	struct oracle_where where = { .harness = "oracle_closes_interrupted", .op_name = "send" };
	int sv[2], status;
	pid_t child;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || sigaction(SIGALRM, &sa, NULL) < 0) {
		perror("set-up");
		return 2;
	}
	child = fork();
	if (child < 0) {
		perror("fork");
		return 2;
	}
	if (child == 0) { /* the target: closes its end (by exiting) after 300 ms */
		close(sv[0]);
		usleep(300 * 1000);
		_exit(0);
	}
	close(sv[1]);
	if (setitimer(ITIMER_REAL, &at, NULL) < 0) {
		perror("setitimer");
		return 2;
	}
	shadow_check_target_closes(&where, sv[0], 5000, "framing is lost");
	waitpid(child, &status, 0);
	if (alarms != 1) {
		fprintf(stderr, "set-up: the SIGALRM did not come during the check (%d)\n", (int)alarms);
		return 2;
	}
	printf("PASS: a SIGALRM during the channel-closes check did not end its wait\n");
	return 0;
}
