/* SPDX-License-Identifier: MIT */
/*
 * A backend that never accepts: listens on a unix socket with a backlog of
 * zero, fills that backlog with one connection of its own, prints "ready"
 * and waits to be killed. A plain connect() to it blocks for good.
 * Usage: stalled_listener SOCKET_PATH
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int lfd, cfd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: stalled_listener SOCKET_PATH\n");
		return 2;
	}
	strcpy(addr.sun_path, argv[1]);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 || cfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(lfd, 0) < 0 || connect(cfd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("stalled_listener");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
