/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for a front-end process, for the tests of the out-of-process
 * plumbing (target_process, proc_view). Usage: fake_frontend MODE SOCKET
 *   serve   connect, then take fds sent with one-byte messages: 'm' maps the
 *           fd shared (one page at file offset one page) and keeps it
 *           mapped, 'h' holds the fd open, anything else closes it; each
 *           message is answered with the mapping's address (8 bytes LE, 0
 *           when none). Exit 0 at the end of the stream.
 *   stay    connect, then never leave by itself (ignore the end of stream)
 *   reconnect       connect, and connect again after each end of stream
 *   reconnect-leak  the same, but each end of stream leaves a shared
 *           mapping of a new memfd behind: a state that outlives a session
 *   abort   connect, print a sanitizer-like report line, abort()
 *   exit3   exit with status 3 without connecting
 *   silent  never connect
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("fake_frontend: connect");
		exit(1);
	}
	return s;
}

static int recv_one(int s, char *cmd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = cmd, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd = -1;

	if (recvmsg(s, &mh, 0) <= 0)
		return -2;
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

static void serve(int s)
{
	long page = sysconf(_SC_PAGESIZE);
	char cmd;
	int fd;

	while ((fd = recv_one(s, &cmd)) != -2) {
		uint64_t addr = 0;

		if (cmd == 'm' && fd >= 0) {
			void *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);

			if (p != MAP_FAILED)
				addr = (uintptr_t)p;
		}
		if (cmd != 'h' && fd >= 0)
			close(fd);
		if (write(s, &addr, sizeof(addr)) != sizeof(addr))
			exit(1);
	}
}

/* Session after session; with leak, each one leaves a mapping behind. */
static void reconnect(int s, const char *path, bool leak)
{
	long page = sysconf(_SC_PAGESIZE);
	char c;

	for (;;) {
		while (read(s, &c, 1) > 0)
			;
		close(s);
		if (leak) {
			int fd = memfd_create("left-behind", MFD_CLOEXEC);

			if (fd < 0 || ftruncate(fd, page) < 0 ||
			    mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
				exit(1);
			close(fd);
		}
		s = connect_to(path);
	}
}

int main(int argc, char **argv)
{
	int s;

	if (argc != 3)
		return 2;
	if (!strcmp(argv[1], "exit3"))
		return 3;
	if (!strcmp(argv[1], "silent"))
		for (;;)
			pause();
	s = connect_to(argv[2]);
	if (!strcmp(argv[1], "abort")) {
		fprintf(stderr, "==1==ERROR: AddressSanitizer: heap-use-after-free (pretend)\n");
		abort();
	}
	if (!strcmp(argv[1], "stay")) {
		signal(SIGPIPE, SIG_IGN);
		for (;;)
			pause();
	}
	if (!strncmp(argv[1], "reconnect", 9))
		reconnect(s, argv[2], !strcmp(argv[1], "reconnect-leak"));
	serve(s);
	return 0;
}
