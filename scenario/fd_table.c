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

#include "fd_pool.h"
#include "harness_error.h"

#define MEMFD_SEALS_ALL 0x1fu /* F_SEAL_SEAL .. F_SEAL_FUTURE_WRITE */

void fd_table_init(struct fd_table *t, struct fd_pool *pool, bool lazy_content)
{
	t->pool = pool;
	t->lazy_content = lazy_content;
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

/*
 * Lazy only where a hole (zeros) can never pass for the content: no zero
 * byte in it, so a mapping at a wrong offset that reads a page not yet
 * written is caught. A seal against writes means it must all be written
 * before the seal goes on. A small file is written whole: that is cheap,
 * and once pooled it costs nothing more per input.
 */
static bool content_is_lazy(const struct fd_table *t, const struct fd_resource *r)
{
	const struct fd_desc *d = &r->desc;

	return t->lazy_content && d->kind == VSF_FD_MEMFD && d->size > FD_TABLE_LAZY_MIN &&
	       !(d->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) && r->clen &&
	       !memchr(r->content, 0, r->clen);
}

/* The fd for r (its content already set): r->desc, r->pooled and r->lazy too. */
static int create_fd(struct fd_table *t, struct fd_resource *r, const struct vsf_op *op)
{
	struct fd_desc *d = &r->desc;
	struct fd_pool *pool = t->pool;
	uint64_t *bytes_left = &t->bytes_left;
	uint64_t size = op->fd.size < VSF_PROG_MAX_FD_SIZE ? op->fd.size : VSF_PROG_MAX_FD_SIZE;
	int fd, pair[2];

	d->kind = op->fd.kind % VSF_FD_KIND_COUNT;
	d->size = 0;
	d->seals = 0;
	if (d->kind == VSF_FD_MEMFD || d->kind == VSF_FD_ROFILE || d->kind == VSF_FD_OPATH) {
		size = size < *bytes_left ? size : *bytes_left;
		*bytes_left -= size;
	}
	if (pool && (d->kind == VSF_FD_MEMFD || d->kind == VSF_FD_ROFILE)) {
		struct fd_pool_key key = { d->kind, d->kind == VSF_FD_MEMFD ? op->fd.seals & MEMFD_SEALS_ALL : 0,
					   size, op->data, op->data_len };

		fd = fd_pool_take(pool, &key);
		if (fd >= 0) {
			d->size = size;
			d->seals = key.seals;
			r->pooled = true;
			r->lazy = content_is_lazy(t, r);
			return fd;
		}
	}
	switch (d->kind) {
	case VSF_FD_MEMFD:
		d->seals = op->fd.seals & MEMFD_SEALS_ALL;
		d->size = size;
		r->lazy = content_is_lazy(t, r);
		fd = r->lazy ? make_memfd(size, NULL, 0) : make_memfd(size, r->content, r->clen);
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
	r->pooled = r->from_pool = r->resized = r->lazy = r->filled = false;
	r->content = op->data;
	r->clen = op->data_len;
	r->fd = create_fd(t, r, op);
	t->made_opath |= r->desc.kind == VSF_FD_OPATH;
	r->desc.content_fd = r->fd;
	if (fstat(r->fd, &st) < 0)
		harness_setup_failed("fstat");
	r->dev = st.st_dev;
	r->ino = st.st_ino;
}

static void write_content(const struct fd_resource *r, uint64_t off, uint64_t len)
{
	uint8_t buf[4096];

	if (off >= r->desc.size)
		return;
	len = len < r->desc.size - off ? len : r->desc.size - off;
	while (len) {
		size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = r->content[(off + i) % r->clen];
		if (pwrite(r->fd, buf, n, (off_t)off) != (ssize_t)n)
			harness_setup_failed("pwrite of lazy content");
		off += n;
		len -= n;
	}
}

static void fill(struct fd_resource *r, int fd, uint64_t off, size_t len)
{
	if (r->fd != fd || !r->lazy)
		return;
	write_content(r, off, len);
	r->filled = true;
}

void fd_table_fill(struct fd_table *t, int fd, uint64_t off, size_t len)
{
	for (size_t i = 0; i < VSF_PROG_MAX_HANDLES; i++)
		fill(&t->slot[i], fd, off, len);
	for (size_t i = 0; i < t->nretired; i++)
		fill(&t->retired[i], fd, off, len);
}

const struct fd_resource *fd_table_get(const struct fd_table *t, uint8_t handle)
{
	const struct fd_resource *r = &t->slot[handle % VSF_PROG_MAX_HANDLES];

	return r->fd >= 0 ? r : NULL;
}

/* Open before the input: lent by the pool, now or until it was resized. */
static bool open_before(const struct fd_resource *r)
{
	return r->pooled || r->from_pool;
}

bool fd_table_truncate(struct fd_table *t, const struct vsf_op *op)
{
	struct fd_resource *r = &t->slot[op->fd.handle % VSF_PROG_MAX_HANDLES];
	uint32_t size = op->fd.size < VSF_PROG_MAX_FD_SIZE ? op->fd.size : VSF_PROG_MAX_FD_SIZE;

	if (r->fd < 0 || (r->desc.kind != VSF_FD_MEMFD && r->desc.kind != VSF_FD_ROFILE))
		return false;
	/* The bytes before the resize are the file's content: all written first. */
	if (r->lazy)
		write_content(r, 0, r->desc.size);
	r->lazy = false;
	if (ftruncate(r->fd, size) < 0)
		return false;
	if (r->pooled) { /* its content is no longer the pool's to lend */
		fd_pool_forget(t->pool, r->fd);
		r->pooled = false;
		r->from_pool = true;
	}
	r->resized = true;
	r->desc.size = size;
	return true;
}

size_t fd_table_open_count(const struct fd_table *t)
{
	size_t n = 0;

	for (size_t i = 0; i < VSF_PROG_MAX_HANDLES; i++)
		n += t->slot[i].fd >= 0 && !open_before(&t->slot[i]);
	for (size_t i = 0; i < t->nretired; i++)
		n += !open_before(&t->retired[i]);
	return n;
}

static bool pollable_below(const struct fd_resource *r, int hi)
{
	return r->fd >= 0 && r->fd < hi && r->desc.kind != VSF_FD_OPATH && !open_before(r);
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

static void add_bit(struct fd_bits *set, int fd)
{
	if (set && fd >= 0 && fd < FD_BITS_LIMIT)
		set->w[fd / 64] |= 1ull << (fd % 64);
}

/* One resource at teardown: closed, or given (back) to the pool. */
static void finish(struct fd_table *t, const struct fd_resource *r, struct fd_bits *kept,
		   struct fd_bits *evicted)
{
	struct fd_pool_key key = { r->desc.kind, r->desc.seals, r->desc.size, r->content, r->clen };
	int gone;

	/* A lazy memfd goes back to the pool as holes, whatever this input
	 * filled: what a wrong mapping reads depends on each input alone. */
	if (t->pool && r->lazy && r->filled &&
	    fallocate(r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t)r->desc.size) < 0)
		harness_setup_failed("punching a pooled memfd's holes");
	if (r->pooled) {
		fd_pool_release(t->pool, r->fd);
	} else if (r->from_pool) {
		close(r->fd);
		add_bit(evicted, r->fd);
	} else if (t->pool && !r->resized &&
		   (r->desc.kind == VSF_FD_MEMFD || r->desc.kind == VSF_FD_ROFILE) &&
		   fd_pool_adopt(t->pool, r->fd, &key, &gone)) {
		add_bit(kept, r->fd);
		/* Made by this input and already pushed out again: net, closed. */
		if (gone >= 0 && gone < FD_BITS_LIMIT && kept && kept->w[gone / 64] >> (gone % 64) & 1)
			kept->w[gone / 64] &= ~(1ull << (gone % 64));
		else
			add_bit(evicted, gone);
	} else {
		close(r->fd);
	}
}

void fd_table_close_all(struct fd_table *t, struct fd_bits *kept, struct fd_bits *evicted)
{
	/* Lent fds first: the pool may then make room among them. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < VSF_PROG_MAX_HANDLES; i++)
			if (t->slot[i].fd >= 0 && t->slot[i].pooled == !pass)
				finish(t, &t->slot[i], kept, evicted);
		for (size_t i = 0; i < t->nretired; i++)
			if (t->retired[i].pooled == !pass)
				finish(t, &t->retired[i], kept, evicted);
	}
	for (size_t i = 0; i < VSF_PROG_MAX_HANDLES; i++)
		t->slot[i].fd = -1;
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
