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
 *   abort   connect, print a sanitizer-like report line, abort()
 *   exit3   exit with status 3 without connecting
 *   silent  never connect
 */
#define _GNU_SOURCE
#include <signal.h>
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
	serve(s);
	return 0;
}
