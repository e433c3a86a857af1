/* SPDX-License-Identifier: MIT */
#include "fd_pool.h"

#include <string.h>
#include <unistd.h>

void fd_pool_init(struct fd_pool *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < FD_POOL_ENTRIES; i++)
		p->entry[i].fd = -1;
}

static bool matches(const struct fd_pool_entry *e, const struct fd_pool_key *key)
{
	return e->fd >= 0 && e->kind == key->kind && e->seals == key->seals &&
	       e->size == key->size && e->clen == key->clen &&
	       (!key->clen || !memcmp(e->content, key->content, key->clen));
}

int fd_pool_take(struct fd_pool *p, const struct fd_pool_key *key)
{
	for (size_t i = 0; i < FD_POOL_ENTRIES; i++) {
		struct fd_pool_entry *e = &p->entry[i];

		if (!e->in_use && matches(e, key)) {
			e->in_use = true;
			e->last_use = ++p->clock;
			return e->fd;
		}
	}
	return -1;
}

void fd_pool_release(struct fd_pool *p, int fd)
{
	for (size_t i = 0; i < FD_POOL_ENTRIES; i++)
		if (p->entry[i].fd == fd)
			p->entry[i].in_use = false;
}

void fd_pool_forget(struct fd_pool *p, int fd)
{
	for (size_t i = 0; i < FD_POOL_ENTRIES; i++)
		if (p->entry[i].fd == fd)
			p->entry[i].fd = -1;
}

bool fd_pool_adopt(struct fd_pool *p, int fd, const struct fd_pool_key *key, int *evicted)
{
	struct fd_pool_entry *slot = NULL;

	*evicted = -1;
	if (key->clen > VSF_PROG_MAX_DATA)
		return false;
	for (size_t i = 0; i < FD_POOL_ENTRIES; i++) {
		struct fd_pool_entry *e = &p->entry[i];

		if (e->fd < 0) {
			slot = e;
			break;
		}
		if (!e->in_use && (!slot || e->last_use < slot->last_use))
			slot = e;
	}
	if (!slot)
		return false;
	if (slot->fd >= 0) {
		*evicted = slot->fd;
		close(slot->fd);
	}
	slot->fd = fd;
	slot->in_use = false;
	slot->last_use = ++p->clock;
	slot->kind = key->kind;
	slot->seals = key->seals;
	slot->size = key->size;
	slot->clen = key->clen;
	if (key->clen)
		memcpy(slot->content, key->content, key->clen);
	return true;
}
