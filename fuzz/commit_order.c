/* SPDX-License-Identifier: MIT */
#include "commit_order.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "frontend_internal.h"
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
	vsf_frontend_set_commit_hook(fe, before_commit, NULL);
}

void commit_order_files_resized(void)
{
	watched.files_resized = true;
}

/* A mapping (shared, of a file) rather than the inaccessible reservation. */
static bool mapped(const uint8_t *p)
{
	char perms[5];

	if (probe_readable(p))
		return true;
	return watched.files_resized && probe_maps_perms(p, perms) && perms[3] == 's';
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
	(void)opaque;
	uint8_t reply[VSF_HEADER_SIZE + 8];
	struct vsf_region_info info;
	uint64_t end;

	if (!watched.fe)
		return;
	if (replied)
		ORACLE_CHECK(watched.where, "commit-order",
			     recv(watched.peer, reply, sizeof(reply), MSG_PEEK | MSG_DONTWAIT) ==
				     (ssize_t)sizeof(reply),
			     "the change is being committed before its reply is on the wire");
	/* Checked here, before the change lands: a range outside the region
	 * would be mapped over whatever the process has there. */
	ORACLE_CHECK(watched.where, "commit-target", vsf_frontend_region(watched.fe, shmid, &info),
		     "a change to region %u, which does not exist, is being committed", shmid);
	ORACLE_CHECK(watched.where, "commit-target",
		     !__builtin_add_overflow(shm_offset, len, &end) && end <= info.size,
		     "the commit would %s 0x%llx+0x%llx, outside region %u of 0x%llx bytes",
		     map ? "map" : "unmap", (unsigned long long)shm_offset, (unsigned long long)len,
		     shmid, (unsigned long long)info.size);
	/* Not yet mapped before a map commits; still mapped before an unmap does. */
	ORACLE_CHECK(watched.where, "commit-target",
		     mapped((uint8_t *)info.base + shm_offset) == !map,
		     "region %u offset 0x%llx already %s before the commit", shmid,
		     (unsigned long long)shm_offset, map ? "mapped" : "unmapped");
}
