/* SPDX-License-Identifier: MIT */
/* The commit-order oracle and the commit hook (oracle_commit_order.h). */
#include "oracle_commit_order.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "frontend_internal.h"
#include "oracle_commit_target.h"
#include "wire.h"

static struct {
	struct vsf_frontend *fe;
	int peer;
	const struct oracle_where *where;
	bool files_resized;
} watched;

static void before_commit(void *opaque, bool replied, bool map, uint8_t shmid,
			  uint64_t shm_offset, uint64_t len);

void commit_order_watch(struct vsf_frontend *fe, int peer, const struct oracle_where *where)
{
	watched.fe = fe;
	watched.peer = peer;
	watched.where = where;
	vsf_frontend_set_commit_hook(fe, before_commit, &watched);
}

void commit_order_files_resized(void)
{
	watched.files_resized = true;
}

void commit_order_unwatch(void)
{
	if (watched.fe)
		vsf_frontend_set_commit_hook(watched.fe, NULL, NULL);
	watched.fe = NULL;
	watched.files_resized = false;
}

/* The front-end's commit hook (src/frontend_internal.h). */
static void before_commit(void *opaque, bool replied, bool map, uint8_t shmid,
			  uint64_t shm_offset, uint64_t len)
{
	uint8_t reply[VSF_HEADER_SIZE + 8];
	struct vsf_region_info info;
	bool have;

	if (!watched.fe)
		return;
	/* Not NULL, so that a hook called without its opaque is seen. */
	ORACLE_CHECK(watched.where, "commit-order", opaque == &watched,
		     "the commit hook got opaque %p, not the %p it was set with", opaque,
		     (void *)&watched);
	if (replied)
		ORACLE_CHECK(watched.where, "commit-order",
			     recv(watched.peer, reply, sizeof(reply), MSG_PEEK | MSG_DONTWAIT) ==
				     (ssize_t)sizeof(reply),
			     "the change is being committed before its reply is on the wire");
	have = vsf_frontend_region(watched.fe, shmid, &info);
	commit_target_check(watched.where, shmid, have ? &info : NULL, map, shm_offset, len,
			    watched.files_resized);
}
