/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "fd_table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness_error.h"

#define MEMFD_SEALS_ALL 0x1fu /* F_SEAL_SEAL .. F_SEAL_FUTURE_WRITE */

void fd_table_init(struct fd_table *t)
{
	for (size_t i = 0; i < VSF_PROG_MAX_HANDLES; i++)
		t->slot[i].fd = -1;
	t->nretired = 0;
	t->bytes_left = VSF_PROG_MAX_FD_BYTES;
	t->made_opath = false;
}

/* A memfd of size bytes with content tiled over it (zeros if none). */
static int make_memfd(uint64_t size, const uint8_t *content, size_t clen)
{
	int fd = memfd_create(FD_TABLE_MEMFD_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		harness_setup_failed("memfd_create");
	if (ftruncate(fd, (off_t)size) < 0)
		harness_setup_failed("ftruncate");
	if (clen) {
		static uint8_t tile[65536];
		/* Fill no more of the tile than the file needs: it runs per fd op. */
		size_t tile_len = size < sizeof(tile) ? (size_t)size : sizeof(tile) - sizeof(tile) % clen;

		size_t have = clen < tile_len ? clen : tile_len;

		/* Tiled by doubling: a few copies, not a loop over every byte
		 * (which a fuzzing build would trace compare by compare). */
		memcpy(tile, content, have);
		while (have < tile_len) {
			size_t n = have < tile_len - have ? have : tile_len - have;

			memcpy(tile + have, tile, n);
			have += n;
		}
		for (uint64_t off = 0; off < size; off += tile_len) {
			size_t n = size - off < tile_len ? (size_t)(size - off) : tile_len;

			if (pwrite(fd, tile, n, (off_t)off) != (ssize_t)n)
				harness_setup_failed("pwrite");
		}
	}
	return fd;
}

/*
 * Seal a fresh memfd. A write seal is refused with EBUSY while the kernel
 * still holds extra references to pages just written (per-CPU page batches,
 * seen about once in 20,000 inputs under load); it clears within moments,
 * so try again a few times before calling it a set-up failure.
 */
static void add_seals(int fd, unsigned seals)
{
	for (int tries = 0; fcntl(fd, F_ADD_SEALS, seals) < 0; tries++) {
		if (errno != EBUSY || tries == 100)
			harness_setup_failed("F_ADD_SEALS");
		usleep(100);
	}
}

/* Reopen fd through /proc with other flags (read-only, O_PATH), closing the original. */
static int reopen(int fd, int flags)
{
	char path[64];
	int nfd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, flags | O_CLOEXEC);
	if (nfd < 0)
		harness_setup_failed("reopen");
	close(fd);
	return nfd;
}

static int create_fd(struct fd_desc *d, const struct vsf_op *op, uint64_t *bytes_left)
{
	uint64_t size = op->fd.size < VSF_PROG_MAX_FD_SIZE ? op->fd.size : VSF_PROG_MAX_FD_SIZE;
	int fd, pair[2];

	d->kind = op->fd.kind % VSF_FD_KIND_COUNT;
	d->size = 0;
	d->seals = 0;
	if (d->kind == VSF_FD_MEMFD || d->kind == VSF_FD_ROFILE || d->kind == VSF_FD_OPATH) {
		size = size < *bytes_left ? size : *bytes_left;
		*bytes_left -= size;
	}
	switch (d->kind) {
	case VSF_FD_MEMFD:
		fd = make_memfd(size, op->data, op->data_len);
		d->size = size;
		d->seals = op->fd.seals & MEMFD_SEALS_ALL;
		if (d->seals)
			add_seals(fd, d->seals);
		return fd;
	case VSF_FD_ROFILE:
		d->size = size;
		return reopen(make_memfd(size, op->data, op->data_len), O_RDONLY);
	case VSF_FD_OPATH:
		d->size = size;
		return reopen(make_memfd(size, NULL, 0), O_PATH);
	case VSF_FD_PIPE:
		if (pipe2(pair, O_CLOEXEC) < 0)
			harness_setup_failed("pipe2");
		close(pair[1]);
		return pair[0];
	case VSF_FD_EVENTFD:
		fd = eventfd(0, EFD_CLOEXEC);
		if (fd < 0)
			harness_setup_failed("eventfd");
		return fd;
	case VSF_FD_SOCKET:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
			harness_setup_failed("socketpair");
		close(pair[1]);
		return pair[0];
	case VSF_FD_DEVZERO:
		fd = open("/dev/zero", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			harness_setup_failed("/dev/zero");
		return fd;
	default: /* VSF_FD_DIR */
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			harness_setup_failed("open /");
		return fd;
	}
}

void fd_table_create(struct fd_table *t, const struct vsf_op *op)
{
	struct fd_resource *r = &t->slot[op->fd.handle % VSF_PROG_MAX_HANDLES];
	struct stat st;

	if (r->fd >= 0) {
		if (t->nretired == FD_TABLE_MAX_RETIRED)
			harness_setup_failed("fd table: too many retired fds");
		t->retired[t->nretired++] = *r;
	}
	r->fd = create_fd(&r->desc, op, &t->bytes_left);
	t->made_opath |= r->desc.kind == VSF_FD_OPATH;
	r->desc.content_fd = r->fd;
	if (fstat(r->fd, &st) < 0)
		harness_setup_failed("fstat");
	r->dev = st.st_dev;
	r->ino = st.st_ino;
}

const struct fd_resource *fd_table_get(const struct fd_table *t, uint8_t handle)
{
	const struct fd_resource *r = &t->slot[handle % VSF_PROG_MAX_HANDLES];

	return r->fd >= 0 ? r : NULL;
}

size_t fd_table_open_count(const struct fd_table *t)
{
	size_t n = t->nretired;

	for (size_t i = 0; i < VSF_PROG_MAX_HANDLES; i++)
		n += t->slot[i].fd >= 0;
	return n;
}

static bool pollable_below(const struct fd_resource *r, int hi)
{
	return r->fd >= 0 && r->fd < hi && r->desc.kind != VSF_FD_OPATH;
}

size_t fd_table_count_pollable_below(const struct fd_table *t, int hi)
{
	size_t n = 0;

	for (size_t i = 0; i < VSF_PROG_MAX_HANDLES; i++)
		n += pollable_below(&t->slot[i], hi);
	for (size_t i = 0; i < t->nretired; i++)
		n += pollable_below(&t->retired[i], hi);
	return n;
}

static bool damaged(const struct fd_resource *r)
{
	struct stat st;

	return fstat(r->fd, &st) < 0 || st.st_dev != r->dev || st.st_ino != r->ino;
}

int fd_table_find_damaged(const struct fd_table *t)
{
	for (size_t i = 0; i < VSF_PROG_MAX_HANDLES; i++)
		if (t->slot[i].fd >= 0 && damaged(&t->slot[i]))
			return t->slot[i].fd;
	for (size_t i = 0; i < t->nretired; i++)
		if (damaged(&t->retired[i]))
			return t->retired[i].fd;
	return -1;
}

void fd_table_close_all(struct fd_table *t)
{
	for (size_t i = 0; i < VSF_PROG_MAX_HANDLES; i++) {
		if (t->slot[i].fd >= 0)
			close(t->slot[i].fd);
		t->slot[i].fd = -1;
	}
	for (size_t i = 0; i < t->nretired; i++)
		close(t->retired[i].fd);
	t->nretired = 0;
}

bool fd_probe_write_sealed_ro_mmap(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = memfd_create("vsf-probe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	void *p;

	if (fd < 0 || ftruncate(fd, page) < 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) < 0)
		harness_setup_failed("sealed memfd probe");
	p = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return false;
	munmap(p, (size_t)page);
	return true;
}
