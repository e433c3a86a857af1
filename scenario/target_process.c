/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "target_process.h"

#define PLACEHOLDER "{socket}"
/* How often a wait without a pidfd looks at the child again. */
#define REAP_POLL_MS 2
/* How long a SIGKILL'd target gets to be reaped. */
#define SIGKILL_WAIT_MS 10000
/* How much of the target's stderr is looked through for a bug report. */
#define LOG_SCAN_BYTES (256u << 10)

char *target_command(const char *cmd, const char *path)
{
	size_t plen = strlen(PLACEHOLDER), n = 0;
	const char *p;
	char *out, *o;

	for (p = cmd; (p = strstr(p, PLACEHOLDER)); p += plen)
		n++;
	out = malloc(strlen(cmd) + n * strlen(path) + 1);
	if (!out)
		return NULL;
	for (o = out, p = cmd; *p;) {
		if (!strncmp(p, PLACEHOLDER, plen)) {
			o = stpcpy(o, path);
			p += plen;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void record_end(struct target_process *t, int wstatus)
{
	if (WIFSIGNALED(wstatus)) {
		t->end = TARGET_SIGNALED;
		t->status = WTERMSIG(wstatus);
	} else {
		t->end = TARGET_EXITED;
		t->status = WEXITSTATUS(wstatus);
	}
	t->pid = 0;
}

bool target_alive(struct target_process *t)
{
	int wstatus;
	pid_t r;

	if (!t->pid)
		return false;
	do
		r = waitpid(t->pid, &wstatus, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return true;
	if (r == t->pid)
		record_end(t, wstatus);
	else
		t->pid = 0; /* not our child any more: nothing to reap */
	return false;
}

/* Wait up to ms for the target to end; true if it has. */
static bool wait_end(struct target_process *t, int ms)
{
	int64_t deadline = now_ms() + ms;
	int pidfd = t->pid ? (int)syscall(SYS_pidfd_open, t->pid, 0) : -1;
	bool alive;

	while ((alive = target_alive(t)) && now_ms() < deadline) {
		int left = (int)(deadline - now_ms());

		if (pidfd >= 0) {
			struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

			(void)poll(&pfd, 1, left > 0 ? left : 0);
		} else {
			struct timespec ts = { 0, REAP_POLL_MS * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return !alive;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Listen on t->sock_path, in t->dir (made already). */
static int listen_at_path(struct target_process *t)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memcpy(sa.sun_path, t->sock_path, strlen(t->sock_path) + 1);
	t->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (t->listen_fd < 0)
		return -errno;
	if (bind(t->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(t->listen_fd, 1) < 0)
		return -errno;
	return 0;
}

static int listen_in_private_dir(struct target_process *t)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	n = snprintf(t->dir, sizeof(t->dir), "%s/vsf-target.XXXXXX", tmp);
	if (n < 0 || (size_t)n >= sizeof(t->dir)) {
		t->dir[0] = '\0';
		return -ENAMETOOLONG;
	}
	if (!mkdtemp(t->dir)) {
		t->dir[0] = '\0';
		return -errno;
	}
	snprintf(t->sock_path, sizeof(t->sock_path), "%s/sock", t->dir);
	snprintf(t->log_path, sizeof(t->log_path), "%s/stderr", t->dir);
	return listen_at_path(t);
}

static int spawn(struct target_process *t, const char *cmd)
{
	char *line = target_command(cmd, t->sock_path);
	char *shell_line = NULL;
	pid_t parent = getpid();
	int devnull;

	if (!line || asprintf(&shell_line, "exec %s", line) < 0) {
		free(line);
		return -ENOMEM;
	}
	free(line);
	/* Kept open: the log is read through it after its name is gone. */
	t->log_fd = open(t->log_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (t->log_fd < 0 || devnull < 0) {
		int err = -errno;

		close_fd(&devnull);
		free(shell_line);
		return err;
	}
	t->pid = fork();
	if (t->pid == 0) {
		/* Whatever way the driver ends (a finding aborts it), the
		 * target goes with it. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		setpgid(0, 0);
		dup2(devnull, 0);
		dup2(t->log_fd, 1);
		dup2(t->log_fd, 2);
		/* Only stdio: none of the driver's fds (an engine's pipes, such as
		 * AFL++'s fork-server fds, which an instrumented target would
		 * take for its own) reaches the target. */
		close_range(3, ~0u, 0);
		execl("/bin/sh", "sh", "-c", shell_line, (char *)NULL);
		_exit(127);
	}
	close(devnull);
	free(shell_line);
	if (t->pid < 0) {
		t->pid = 0;
		return -errno;
	}
	setpgid(t->pid, t->pid); /* also here: no race with the first kill */
	return 0;
}

static void remove_names(struct target_process *t)
{
	if (!t->dir[0])
		return;
	unlink(t->sock_path);
	unlink(t->log_path);
	rmdir(t->dir);
	t->dir[0] = '\0';
}

static int accept_connection(struct target_process *t, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = t->listen_fd, .events = POLLIN };
		int left = (int)(deadline - now_ms());
		int r = poll(&pfd, 1, left < 50 ? (left > 0 ? left : 0) : 50);

		if (r > 0) {
			t->conn = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			return t->conn >= 0 ? 0 : -errno;
		}
		if (r < 0 && errno != EINTR)
			return -errno;
		if (!target_alive(t))
			return -ECHILD;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
	}
}

int target_start(struct target_process *t, const char *cmd, int timeout_ms)
{
	int err;

	memset(t, 0, sizeof(*t));
	t->listen_fd = t->conn = t->log_fd = -1;
	err = listen_in_private_dir(t);
	if (!err)
		err = spawn(t, cmd);
	if (!err)
		err = accept_connection(t, timeout_ms);
	/* One connection per start: a second one would be a second session.
	 * Nothing stays on disk, whatever happens next: the socket and the
	 * log lose their names now (the log is read through log_fd). */
	close_fd(&t->listen_fd);
	remove_names(t);
	if (err)
		target_stop(t, 0);
	return err;
}

int target_release(struct target_process *t)
{
	const char *slash = strrchr(t->sock_path, '/');
	int err;

	if (!t->pid || !slash)
		return -ECHILD;
	/* The same directory and name as at the start: mkdir fails if
	 * anything else took the name meanwhile. */
	snprintf(t->dir, sizeof(t->dir), "%.*s", (int)(slash - t->sock_path), t->sock_path);
	if (mkdir(t->dir, 0700) < 0) {
		err = -errno;
		t->dir[0] = '\0';
		return err;
	}
	err = listen_at_path(t);
	if (err) {
		close_fd(&t->listen_fd);
		remove_names(t);
		return err;
	}
	close_fd(&t->conn);
	return 0;
}

int target_retake(struct target_process *t, int timeout_ms)
{
	int err = accept_connection(t, timeout_ms);

	close_fd(&t->listen_fd);
	remove_names(t);
	if (err)
		return err;
	t->kept = true;
	return 0;
}

int target_log_forget(struct target_process *t)
{
	/* The target writes through the same file description: its offset
	 * goes back to 0 with ours. */
	if (ftruncate(t->log_fd, 0) < 0 || lseek(t->log_fd, 0, SEEK_SET) < 0)
		return -errno;
	return 0;
}

enum target_end target_stop(struct target_process *t, int grace_ms)
{
	close_fd(&t->conn);
	close_fd(&t->listen_fd);
	if (t->pid) {
		pid_t group = t->pid;

		if (!wait_end(t, grace_ms)) {
			t->stopped_by_us = true;
			kill(-group, SIGTERM);
			if (!wait_end(t, TARGET_SIGTERM_WAIT_MS)) {
				t->needed_sigkill = true;
				kill(-group, SIGKILL);
				wait_end(t, SIGKILL_WAIT_MS);
			}
		}
		/* What it started goes too, whether or not it left by itself. */
		kill(-group, SIGKILL);
	}
	return t->end;
}

void target_cleanup(struct target_process *t)
{
	if (t->pid)
		target_stop(t, 0);
	remove_names(t);
	close_fd(&t->log_fd);
}

size_t target_log_tail(const struct target_process *t, char *buf, size_t len)
{
	struct stat st;
	ssize_t n = 0;

	if (!len)
		return 0;
	buf[0] = '\0';
	if (t->log_fd < 0)
		return 0;
	if (fstat(t->log_fd, &st) == 0) {
		off_t from = st.st_size > (off_t)(len - 1) ? st.st_size - (off_t)(len - 1) : 0;

		n = pread(t->log_fd, buf, len - 1, from);
	}
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	return (size_t)n;
}

/* Words that only a bug report puts on stderr. */
static const char *const bug_words[] = {
	"ERROR: AddressSanitizer",
	"ERROR: LeakSanitizer",
	"WARNING: MemorySanitizer",
	"ERROR: ThreadSanitizer",
	"runtime error:",
	"Assertion `",
	"assertion failed",
	"Bail out!",
	"stack smashing detected",
	"double free or corruption",
	"malloc(): ",
	"free(): ",
	"vhost-shmem: internal bug at", /* our library's own assertion */
};

/* The first line of text[0..n) that holds one of bug_words, or NULL; its length in *len. */
static const char *bug_line(const char *text, size_t n, size_t *len)
{
	for (const char *line = text; line < text + n;) {
		const char *end = memchr(line, '\n', (size_t)(text + n - line));
		size_t l = end ? (size_t)(end - line) : (size_t)(text + n - line);

		for (size_t i = 0; i < sizeof(bug_words) / sizeof(bug_words[0]); i++) {
			if (memmem(line, l, bug_words[i], strlen(bug_words[i]))) {
				*len = l;
				return line;
			}
		}
		line += l + 1;
	}
	return NULL;
}

bool target_log_reports_bug(const struct target_process *t, char *what, size_t len)
{
	/* pread: the fd's offset is where the target writes next. */
	static char text[LOG_SCAN_BYTES];
	ssize_t n = t->log_fd >= 0 ? pread(t->log_fd, text, sizeof(text), 0) : -1;
	const char *line;
	size_t l = 0;

	if (len)
		what[0] = '\0';
	line = n > 0 ? bug_line(text, (size_t)n, &l) : NULL;
	if (line && len)
		snprintf(what, len, "%.*s", (int)l, line);
	return line != NULL;
}

void target_describe_end(const struct target_process *t, char *buf, size_t len)
{
	switch (t->end) {
	case TARGET_RUNNING:
		snprintf(buf, len, "running");
		break;
	case TARGET_EXITED:
		snprintf(buf, len, "exited with status %d", t->status);
		break;
	case TARGET_SIGNALED:
		snprintf(buf, len, "killed by signal %d (SIG%s)", t->status,
			 sigabbrev_np(t->status) ? sigabbrev_np(t->status) : "?");
		break;
	}
}
