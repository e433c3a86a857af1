/* SPDX-License-Identifier: MIT */
/*
 * Sized fds kept open across a harness's inputs. Writing a memfd's content
 * is the largest part of a short input's cost; an input that asks for an fd
 * of the same kind, size, seals and content as one an earlier input made
 * gets that fd back instead. Nothing changes a pooled fd's content: the
 * harness writes it once (or lazily, the same bytes, where the oracles read:
 * fd_table_fill), and the front-end under test never writes to what it maps
 * (a front-end that did would make later inputs see other bytes, which the
 * replay digest and AFL++'s stability would show).
 */
#ifndef VSF_FD_POOL_H
#define VSF_FD_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "program.h"

#define FD_POOL_ENTRIES 16

/* What makes two sized fds interchangeable. */
struct fd_pool_key {
	uint8_t kind;   /* VSF_FD_MEMFD or VSF_FD_ROFILE */
	unsigned seals;
	uint64_t size;
	const uint8_t *content; /* tiled over the fd */
	size_t clen;
};

struct fd_pool_entry {
	int fd;          /* -1: free */
	bool in_use;     /* lent to the current input */
	unsigned long last_use;
	uint8_t kind;
	unsigned seals;
	uint64_t size;
	size_t clen;
	uint8_t content[VSF_PROG_MAX_DATA];
};

struct fd_pool {
	struct fd_pool_entry entry[FD_POOL_ENTRIES];
	unsigned long clock;
};

void fd_pool_init(struct fd_pool *p);
/* An idle fd matching key, now lent out; -1 if none. */
int fd_pool_take(struct fd_pool *p, const struct fd_pool_key *key);
/* A lent fd comes back. */
void fd_pool_release(struct fd_pool *p, int fd);
/* The pool lets go of a lent fd without closing it (its content changes). */
void fd_pool_forget(struct fd_pool *p, int fd);
/*
 * Keep a new fd made as key describes. A full pool closes its least recently
 * used idle fd first (its number in *evicted, else -1); with no idle fd the
 * new one is not kept. True if kept (the pool then owns fd).
 */
bool fd_pool_adopt(struct fd_pool *p, int fd, const struct fd_pool_key *key, int *evicted);

#endif
