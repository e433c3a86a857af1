/* SPDX-License-Identifier: MIT */
/*
 * The harness's fd resources, referred to by handle (0..15). Each resource
 * is created from an `fd` op, owned by the table, and never closed before
 * the end of the input: a replaced handle is retired, not closed, so the
 * memory-truth oracle can still read the content behind an old mapping.
 */
#ifndef VSF_FD_TABLE_H
#define VSF_FD_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "program.h"

#define FD_TABLE_MAX_RETIRED VSF_PROG_MAX_OPS
/* The name of every memfd the table creates ("/memfd:vsf-fuzz" in /proc/PID/maps). */
#define FD_TABLE_MEMFD_NAME "vsf-fuzz"

/* What can be known of an fd resource: the shadow model's view of it. */
struct fd_desc {
	uint8_t kind;       /* enum vsf_fd_kind */
	uint64_t size;      /* bytes, for memfd / rofile / opath */
	unsigned seals;     /* F_SEAL_* bits */
	int content_fd;     /* an fd with the same content, for the memory-truth oracle */
};

struct fd_resource {
	int fd;             /* -1: empty slot */
	struct fd_desc desc;
	dev_t dev;
	ino_t ino;
	bool pooled;        /* lent by the table's pool: open before the input */
	bool from_pool;     /* was lent, then resized: the table closes it */
	bool resized;       /* truncated or grown: no longer what its op made */
	const uint8_t *content; /* what it was made of (the op's bytes), for the pool */
	size_t clen;
	bool lazy;          /* content written only where read (fd_table_fill) */
	bool filled;        /* some of it was, this input */
};

/* A set of fd numbers below FD_BITS_LIMIT (the harness's probe range). */
#define FD_BITS_LIMIT 1024
struct fd_bits {
	uint64_t w[FD_BITS_LIMIT / 64];
};

struct fd_pool;

struct fd_table {
	struct fd_resource slot[VSF_PROG_MAX_HANDLES];
	struct fd_resource retired[FD_TABLE_MAX_RETIRED];
	size_t nretired;
	uint64_t bytes_left; /* of VSF_PROG_MAX_FD_BYTES, for the sized fds still to come */
	bool made_opath;     /* an O_PATH fd was created (probe_open_fds_below() misses those) */
	struct fd_pool *pool; /* NULL: every fd is made for the input and closed after it */
	bool lazy_content;    /* memfds may get their content lazily (fd_table_fill) */
};

/* An empty table; with pool, its memfds and read-only files are taken from
 * and given back to the pool (fd_pool.h); with lazy_content, memfds that
 * can be written later get their content where it is read (fd_table_fill:
 * for the harness, whose oracles read a few bytes; a real backend's peer
 * writes it all). */
void fd_table_init(struct fd_table *t, struct fd_pool *pool, bool lazy_content);
/*
 * Create the resource an fd op describes (aborts on the harness's own
 * failures). Its size is clamped to VSF_PROG_MAX_FD_SIZE and to what is left
 * of the table's VSF_PROG_MAX_FD_BYTES; desc.size is the clamped size.
 */
void fd_table_create(struct fd_table *t, const struct vsf_op *op);
/*
 * A truncate op: ftruncate the resource behind a handle to size (clamped to
 * VSF_PROG_MAX_FD_SIZE). What the kernel refuses (a seal, a read-only or
 * O_PATH fd, no resource) changes nothing. True if the size changed.
 */
bool fd_table_truncate(struct fd_table *t, const struct vsf_op *op);
/*
 * In a table with lazy_content, a memfd larger than FD_TABLE_LAZY_MIN that
 * no seal keeps from being written, whose content has no zero byte, gets
 * its content lazily:
 * byte o of the file is content[o % clen] once written, and only the bytes
 * the oracles read are written, just before they read them (the front-end
 * never reads what it maps; writing whole files was most of a short input's
 * cost). Writes the content due at [off, off + len) of fd, if fd is such a
 * resource of the table; else does nothing.
 */
#define FD_TABLE_LAZY_MIN (64 * 1024)
void fd_table_fill(struct fd_table *t, int fd, uint64_t off, size_t len);
/* The resource behind a handle, or NULL. */
const struct fd_resource *fd_table_get(const struct fd_table *t, uint8_t handle);
/* fds the table holds open that were not open before the input (not lent
 * by the pool); of those, the ones numbered below hi that are not O_PATH
 * (what probe_open_fds_below() sees). */
size_t fd_table_open_count(const struct fd_table *t);
size_t fd_table_count_pollable_below(const struct fd_table *t, int hi);
/* First fd of the table that was closed or replaced behind its back, or -1. */
int fd_table_find_damaged(const struct fd_table *t);
/*
 * Close every fd of the table; with a pool, lent fds go back and new sized
 * fds are kept by it, open. The numbers that stay open though they were not
 * open before the input are added to *kept, pooled fds the pool closed to
 * make room to *evicted (either may be NULL).
 */
void fd_table_close_all(struct fd_table *t, struct fd_bits *kept, struct fd_bits *evicted);

/*
 * Does this kernel allow a read-only MAP_SHARED mapping of a memfd sealed
 * with F_SEAL_WRITE? Linux >= 6.7 does; older kernels refuse it (EPERM).
 * Creates and maps a one-page memfd; call it once, at start-up.
 */
bool fd_probe_write_sealed_ro_mmap(void);

#endif
