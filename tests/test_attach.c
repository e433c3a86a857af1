/* SPDX-License-Identifier: MIT */
/*
 * vsf_frontend_attach: any fd is a backend channel, fd 0 too (an embedder
 * that closed stdin may get its socket there); no fd is refused; a second
 * channel is refused and closed; the channel is the front-end's to close.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vsf_test.h"

/* A front-end whose backend channel is fd 0, stdin put aside meanwhile;
 * pf: the protocol features taken as negotiated. */
struct fd0_fixture {
	struct fixture f;
	int saved_stdin;
};

static void fd0_init(struct fd0_fixture *z, uint64_t pf)
{
	int sv[2];

	SETUP(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	z->saved_stdin = fcntl(0, F_DUPFD_CLOEXEC, 3);
	SETUP(z->saved_stdin >= 0);
	SETUP(dup2(sv[0], 0) == 0);
	close(sv[0]);
	SETUP(vsf_frontend_new(NULL, &z->f.fe) == 0);
	SETUP(vsf_frontend_attach(z->f.fe, 0, pf) == 0);
	z->f.peer = sv[1];
	z->f.page = (size_t)sysconf(_SC_PAGESIZE);
}

static void fd0_fini(struct fd0_fixture *z)
{
	fixture_fini(&z->f);
	SETUP(dup2(z->saved_stdin, 0) == 0);
	close(z->saved_stdin);
}

/* A socket that is not the front-end's, to offer it. */
static int spare_socket(int *other_end)
{
	int sv[2];

	SETUP(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	*other_end = sv[1];
	return sv[0];
}

TEST(backend_channel_on_fd_0_carries_requests)
{
	static const uint64_t one_region = 16;
	uint64_t sizes[256] = { 0 };
	struct fd0_fixture z;
	int fd = make_memfd(4, 1);

	fd0_init(&z, ALL_PROTOCOL_FEATURES);
	sizes[0] = one_region * z.f.page;
	CHECK_EQ(vsf_frontend_configure(z.f.fe, 1, sizes), 0);
	CHECK_EQ(do_map(&z.f, 0, fd, 0, 0, z.f.page, false), 0);
	close(fd);
	fd0_fini(&z);
}

TEST(backend_channel_on_fd_0_closed_on_disconnect)
{
	struct fd0_fixture z;

	fd0_init(&z, ALL_PROTOCOL_FEATURES);
	vsf_frontend_disconnect(z.f.fe);
	CHECK(!fd_is_open(0));
	fd0_fini(&z);
}

TEST(second_channel_refused_and_closed)
{
	static const int one_region[] = { 0, 16, -1 };
	struct fixture f;
	int other_end;
	int fd = spare_socket(&other_end);

	fixture_init_regions(&f, one_region);
	CHECK_EQ(vsf_frontend_attach(f.fe, fd, ALL_PROTOCOL_FEATURES), -EISCONN);
	CHECK(!fd_is_open(fd));
	check_channel_usable(&f);
	close(other_end);
	fixture_fini(&f);
}

TEST(second_channel_refused_when_the_first_is_fd_0)
{
	struct fd0_fixture z;
	int other_end;
	int fd = spare_socket(&other_end);

	fd0_init(&z, ALL_PROTOCOL_FEATURES);
	CHECK_EQ(vsf_frontend_attach(z.f.fe, fd, ALL_PROTOCOL_FEATURES), -EISCONN);
	CHECK(!fd_is_open(fd));
	close(other_end);
	fd0_fini(&z);
}

TEST(connect_refused_when_attached_on_fd_0)
{
	struct fd0_fixture z;
	int other_end;
	int fd = spare_socket(&other_end);

	/* Nothing negotiated: the channel alone makes the front-end connected. */
	fd0_init(&z, 0);
	CHECK_EQ(vsf_frontend_connect(z.f.fe, fd), -EISCONN);
	close(fd);
	close(other_end);
	fd0_fini(&z);
}

TEST(attach_without_fd_refused)
{
	struct vsf_frontend *fe;

	SETUP(vsf_frontend_new(NULL, &fe) == 0);
	CHECK_EQ(vsf_frontend_attach(fe, -1, ALL_PROTOCOL_FEATURES), -EBADF);
	/* Still unattached: no channel to read from. */
	CHECK_EQ(vsf_frontend_handle_backend(fe, NULL), -ENOTCONN);
	vsf_frontend_free(fe);
}

TEST(connect_refused_when_attached_with_nothing_negotiated)
{
	struct fixture f;
	int other_end;
	int fd = spare_socket(&other_end);

	fixture_init(&f, 0, NULL);
	CHECK_EQ(vsf_frontend_connect(f.fe, fd), -EISCONN);
	close(fd);
	close(other_end);
	fixture_fini(&f);
}
