/* SPDX-License-Identifier: MIT */
/*
 * The backend's socket reads (scenario/peer_io.h): peer_io_read_written
 * reads everything this process wrote, in as many writes as it came, the
 * fds that came with a write closed, and stops at the cap.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer_io.h"
#include "vsf_test.h"

static void pair(int sv[2])
{
	SETUP(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
}

/* Writes of 1, 2, ... n bytes, byte i of the stream being i; their total. */
static size_t write_numbered(int sock, int n, const int *fds, size_t nfds)
{
	uint8_t b[64];
	size_t total = 0;

	for (int w = 1; w <= n; w++) {
		for (int i = 0; i < w; i++)
			b[i] = (uint8_t)(total + (size_t)i);
		SETUP(peer_io_send(sock, b, (size_t)w, 0, w == 2 ? fds : NULL, w == 2 ? nfds : 0,
				   0) == 0);
		total += (size_t)w;
	}
	return total;
}

static bool numbered(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != (uint8_t)i)
			return false;
	return true;
}

TEST(read_written_takes_every_write)
{
	uint8_t buf[256];
	int sv[2];
	size_t total;

	pair(sv);
	total = write_numbered(sv[0], 8, NULL, 0); /* 36 bytes in 8 writes */
	CHECK_EQ(peer_io_read_written(sv[1], buf, sizeof(buf)), total);
	CHECK(numbered(buf, total));
	CHECK_EQ(peer_io_read_written(sv[1], buf, sizeof(buf)), 0);
	close(sv[0]);
	close(sv[1]);
}

/* A write with fds ends one read in the kernel: the bytes after it are read too. */
TEST(read_written_reads_past_a_write_with_fds)
{
	uint8_t buf[256];
	int sv[2], fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	size_t total;

	SETUP(fd >= 0);
	pair(sv);
	total = write_numbered(sv[0], 6, &fd, 1);
	CHECK_EQ(peer_io_read_written(sv[1], buf, sizeof(buf)), total);
	CHECK(numbered(buf, total));
	CHECK_EQ(peer_io_read_written(sv[1], buf, sizeof(buf)), 0);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

TEST(read_written_stops_at_the_cap)
{
	uint8_t buf[10];
	int sv[2];

	pair(sv);
	SETUP(write_numbered(sv[0], 8, NULL, 0) > 2 * sizeof(buf));
	CHECK_EQ(peer_io_read_written(sv[1], buf, sizeof(buf)), sizeof(buf));
	CHECK(numbered(buf, sizeof(buf)));
	CHECK_EQ(peer_io_read_written(sv[1], buf, sizeof(buf)), sizeof(buf));
	CHECK_EQ(buf[0], 10);
	close(sv[0]);
	close(sv[1]);
}
