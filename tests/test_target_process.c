/* SPDX-License-Identifier: MIT */
/*
 * The plumbing of a front-end run as its own process: starting it on a
 * private socket, seeing how it ended and what it reported, and looking at
 * its fds, mappings and memory from outside. The target is tests/
 * fake_frontend.c (FAKE_FRONTEND, its path, set by CMake).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer_io.h"
#include "proc_view.h"
#include "target_process.h"
#include "vsf_test.h"

#define START_MS 5000

static int start(struct target_process *t, const char *mode)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s %s {socket}", FAKE_FRONTEND, mode);
	return target_start(t, cmd, START_MS);
}

/* Send one command byte with fd; the fake's answer: its mapping's address. */
static uint64_t send_fd(struct target_process *t, char cmd, int fd)
{
	uint64_t addr = 0;

	SETUP(peer_io_send(t->conn, (const uint8_t *)&cmd, 1, 0, &fd, 1, 1000) == 0);
	SETUP(peer_io_recv_exact(t->conn, (uint8_t *)&addr, sizeof(addr), START_MS, NULL, 0, NULL) == 0);
	return addr;
}

TEST(command_substitutes_every_placeholder)
{
	char *c = target_command("qemu -chardev socket,path={socket} x={socket}y", "/t/s");

	SETUP(c);
	CHECK(!strcmp(c, "qemu -chardev socket,path=/t/s x=/t/sy"));
	free(c);
}

TEST(started_target_connects_and_leaves_at_end_of_stream)
{
	struct target_process t;

	CHECK_EQ(start(&t, "serve"), 0);
	CHECK(t.conn >= 0);
	CHECK(t.pid > 0);
	CHECK(access(t.sock_path, F_OK) < 0); /* one connection: the name is gone */
	CHECK_EQ(target_stop(&t, 5000), TARGET_EXITED);
	CHECK_EQ(t.status, 0);
	CHECK(!t.stopped_by_us);
	target_cleanup(&t);
	CHECK(access(t.log_path, F_OK) < 0);
}

TEST(released_target_is_taken_back_when_it_connects_again)
{
	struct target_process t;
	char c;

	CHECK_EQ(start(&t, "reconnect"), 0);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(target_release(&t), 0);
		CHECK(t.conn < 0);
		CHECK(access(t.sock_path, F_OK) == 0); /* where it connects again */
		CHECK_EQ(target_retake(&t, START_MS), 0);
		CHECK(t.conn >= 0 && t.kept);
		CHECK(access(t.sock_path, F_OK) < 0); /* the name is gone again */
		CHECK_EQ(recv(t.conn, &c, 1, MSG_DONTWAIT), -1); /* a live connection */
	}
	CHECK(write(t.log_fd, "x", 1) == 1);
	CHECK_EQ(target_log_forget(&t), 0);
	CHECK_EQ(lseek(t.log_fd, 0, SEEK_END), 0);
	/* It ends on SIGTERM, or by itself when it finds no socket to connect to. */
	CHECK(target_stop(&t, 0) != TARGET_RUNNING);
	target_cleanup(&t);
}

TEST(released_target_that_leaves_instead)
{
	struct target_process t;

	CHECK_EQ(start(&t, "serve"), 0); /* exits at the end of the stream */
	CHECK_EQ(target_release(&t), 0);
	CHECK_EQ(target_retake(&t, START_MS), -ECHILD);
	CHECK_EQ(t.end, TARGET_EXITED);
	CHECK(access(t.sock_path, F_OK) < 0);
	target_cleanup(&t);
}

TEST(target_that_ignores_the_end_is_terminated)
{
	struct target_process t;

	CHECK_EQ(start(&t, "stay"), 0);
	CHECK_EQ(target_stop(&t, 100), TARGET_SIGNALED);
	CHECK_EQ(t.status, SIGTERM);
	CHECK(t.stopped_by_us);
	target_cleanup(&t);
}

TEST(target_that_exits_before_connecting)
{
	struct target_process t;
	char why[64];

	CHECK_EQ(start(&t, "exit3"), -ECHILD);
	CHECK_EQ(t.end, TARGET_EXITED);
	CHECK_EQ(t.status, 3);
	target_describe_end(&t, why, sizeof(why));
	CHECK(!strcmp(why, "exited with status 3"));
	target_cleanup(&t);
}

TEST(target_that_never_connects_times_out)
{
	struct target_process t;
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s silent {socket}", FAKE_FRONTEND);
	CHECK_EQ(target_start(&t, cmd, 200), -ETIMEDOUT);
	CHECK_EQ(t.pid, 0); /* stopped and reaped */
	target_cleanup(&t);
}

TEST(crash_and_its_report_are_seen)
{
	struct target_process t;
	char what[256], tail[4096];

	CHECK_EQ(start(&t, "abort"), 0);
	CHECK_EQ(target_stop(&t, 5000), TARGET_SIGNALED);
	CHECK_EQ(t.status, SIGABRT);
	CHECK(!t.stopped_by_us);
	CHECK(target_log_reports_bug(&t, what, sizeof(what)));
	CHECK(strstr(what, "ERROR: AddressSanitizer: heap-use-after-free"));
	CHECK(target_log_tail(&t, tail, sizeof(tail)) > 0);
	CHECK(strstr(tail, "heap-use-after-free"));
	target_cleanup(&t);
}

TEST(clean_log_reports_no_bug)
{
	struct target_process t;
	char what[64];

	CHECK_EQ(start(&t, "serve"), 0);
	target_stop(&t, 5000);
	CHECK(!target_log_reports_bug(&t, what, sizeof(what)));
	target_cleanup(&t);
}

TEST(fds_and_mappings_of_a_sent_file_are_seen_from_outside)
{
	struct target_process t;
	struct proc_mapping m[4];
	struct file_id id;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int fd = make_memfd(2, 0x30), before;
	uint8_t *bytes = malloc(page), want;
	uint64_t addr;
	pid_t pid;

	SETUP(bytes && file_id_of_fd(fd, &id) == 0);
	CHECK_EQ(start(&t, "serve"), 0);
	before = proc_fd_count(t.pid);
	CHECK(before > 0);
	CHECK_EQ(proc_fds_on_files(t.pid, &id, 1, NULL), 0);

	send_fd(&t, 'h', fd); /* held open */
	CHECK_EQ(proc_fd_count(t.pid), before + 1);
	CHECK_EQ(proc_fds_on_files(t.pid, &id, 1, NULL), 1);
	CHECK_EQ(proc_mappings_of(t.pid, &id, 1, m, 4), 0);

	addr = send_fd(&t, 'm', fd); /* mapped at file offset one page, fd closed */
	CHECK(addr != 0);
	CHECK_EQ(proc_fds_on_files(t.pid, &id, 1, NULL), 1);
	SETUP(proc_mappings_of(t.pid, &id, 1, m, 4) == 1);
	CHECK_EQ(m[0].start, addr);
	CHECK_EQ(m[0].end - m[0].start, page);
	CHECK_EQ(m[0].offset, page);
	CHECK(!strcmp(m[0].perms, "rw-s"));
	CHECK_EQ(proc_read(t.pid, addr, bytes, page), (long long)page);
	SETUP(pread(fd, &want, 1, (off_t)page) == 1);
	CHECK_EQ(bytes[0], want);
	CHECK_EQ(bytes[page - 1], want);

	pid = t.pid;
	target_stop(&t, 5000);
	CHECK_EQ(proc_fd_count(pid), -ENOENT); /* reaped: nothing left to look at */
	target_cleanup(&t);
	close(fd);
	free(bytes);
}

/* None of the driver's fds reaches the target, CLOEXEC or not (an engine's fork-server pipes). */
TEST(target_gets_stdio_only)
{
	struct target_process t;
	struct file_id id;
	int fd = make_memfd(1, 0x11), inheritable = dup(fd); /* dup: no CLOEXEC */

	SETUP(inheritable >= 0 && file_id_of_fd(fd, &id) == 0);
	CHECK_EQ(start(&t, "serve"), 0);
	CHECK_EQ(proc_fds_on_files(t.pid, &id, 1, NULL), 0);
	target_stop(&t, 5000);
	target_cleanup(&t);
	close(inheritable);
	close(fd);
}
