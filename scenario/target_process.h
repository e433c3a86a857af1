/* SPDX-License-Identifier: MIT */
/*
 * A front-end we did not write, run as its own process: QEMU, crosvm, a
 * user's VMM, or our own vhost-shmem-frontend. The driver plays the
 * backend: it listens on a unix socket in a private directory, starts the
 * target from the user's command line with the socket's path substituted
 * for every "{socket}", and takes the target's connection (its front-end
 * channel). The target's stderr goes to a file, kept with a finding (a
 * sanitizer report, an assertion).
 *
 * The command runs through /bin/sh as "exec COMMAND", so the pid is the
 * target's own (what /proc/PID/fd and /proc/PID/maps are read from, and
 * what process_vm_readv needs: a child of ours may be read under the
 * default ptrace rules). The target leads its own process group, so a stop
 * takes whatever it started with it, and it dies with the driver (a
 * finding aborts the driver). Nothing stays on disk once the target has
 * connected, or failed to: its stderr is read through an open fd.
 */
#ifndef VSF_TARGET_PROCESS_H
#define VSF_TARGET_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>

/* How a target process ended, or that it has not. */
enum target_end {
	TARGET_RUNNING = 0,
	TARGET_EXITED,   /* exit status in status */
	TARGET_SIGNALED, /* signal number in status */
};

struct target_process {
	pid_t pid;                 /* 0: not started, or reaped */
	int listen_fd;             /* our listening socket, or -1 */
	int conn;                  /* the target's front-end channel, or -1 */
	int log_fd;                /* the target's stderr, for reading, or -1 */
	char dir[64];              /* private directory: socket and stderr log,
	                              gone once the target has connected */
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char log_path[96];         /* the target's stderr */
	enum target_end end;
	int status;
	bool stopped_by_us;        /* the end came from target_stop's signal */
	bool kept;                 /* connected again after a target_release */
	bool needed_sigkill;       /* it did not end on SIGTERM in time */
};

/* How long a target gets to end after SIGTERM before SIGKILL. */
#define TARGET_SIGTERM_WAIT_MS 2000

/* The command line with every "{socket}" replaced by path (malloc'd). */
char *target_command(const char *cmd, const char *path);

/*
 * Start cmd and wait at most timeout_ms for it to connect. 0 with t->conn
 * set; -ETIMEDOUT (no connection in time), -ECHILD (the target ended before
 * it connected: t->end says how), or another -errno (set-up failed). On an
 * error the target is stopped and reaped, but its log stays until
 * target_cleanup().
 */
int target_start(struct target_process *t, const char *cmd, int timeout_ms);

/*
 * A target kept across inputs (one whose command makes it connect again
 * when its backend goes): let it go and take it back. target_release
 * listens again at the same path (the command line names it), then closes
 * the front-end channel: the target sees its backend go and connects
 * again. target_retake waits at most timeout_ms for that connection, then
 * removes the names as target_start does. Both return 0, or -errno:
 * -ECHILD when the target ended instead, -ETIMEDOUT when it did not
 * connect (it runs on: stop it).
 */
int target_release(struct target_process *t);
int target_retake(struct target_process *t, int timeout_ms);
/* Empty the target's log: what it wrote so far was judged with its last session. 0 or -errno. */
int target_log_forget(struct target_process *t);

/* Whether the target still runs; reaps it, filling t->end, if not. */
bool target_alive(struct target_process *t);

/*
 * Stop the target: close the channel (a front-end that sees its backend go
 * may exit by itself), wait up to grace_ms for it to end, then SIGTERM, and
 * SIGKILL TARGET_SIGTERM_WAIT_MS later; the process group goes too.
 * Returns how it ended.
 * Keeps the directory (the log) for target_cleanup().
 */
enum target_end target_stop(struct target_process *t, int grace_ms);

/* Stop it if need be; close the log. */
void target_cleanup(struct target_process *t);

/*
 * The end of the target's stderr (at most len - 1 bytes, NUL-terminated):
 * what a report quotes. Returns the length.
 */
size_t target_log_tail(const struct target_process *t, char *buf, size_t len);

/*
 * Whether the log holds a report of a bug in the target: a sanitizer's
 * (AddressSanitizer, UndefinedBehaviorSanitizer "runtime error:", leaks,
 * MemorySanitizer), an assertion (glib's or libc's). Writes the first such
 * line (at most len - 1 bytes) into what.
 */
bool target_log_reports_bug(const struct target_process *t, char *what, size_t len);

/* "exited with status N" / "killed by signal N (SIGSEGV)" / "running". */
void target_describe_end(const struct target_process *t, char *buf, size_t len);

#endif
