/* SPDX-License-Identifier: MIT */
/* The commit-target oracle (oracle_commit_target.h). */
#include "oracle_commit_target.h"

#include "probes.h"

/* A mapping (shared, of a file) rather than the inaccessible reservation. */
static bool mapped(const uint8_t *p, bool files_resized)
{
	char perms[5];

	if (probe_readable(p))
		return true;
	return files_resized && probe_maps_perms(p, perms) && perms[3] == 's';
}

void commit_target_check(const struct oracle_where *where, uint8_t shmid,
			 const struct vsf_region_info *region, bool map, uint64_t shm_offset,
			 uint64_t len, bool files_resized)
{
	uint64_t end;

	ORACLE_CHECK(where, "commit-target", region,
		     "a change to region %u, which does not exist, is being committed", shmid);
	ORACLE_CHECK(where, "commit-target",
		     !__builtin_add_overflow(shm_offset, len, &end) && end <= region->size,
		     "the commit would %s 0x%llx+0x%llx, outside region %u of 0x%llx bytes",
		     map ? "map" : "unmap", (unsigned long long)shm_offset, (unsigned long long)len,
		     shmid, (unsigned long long)region->size);
	/* Not yet mapped before a map commits; still mapped before an unmap does. */
	ORACLE_CHECK(where, "commit-target",
		     mapped((uint8_t *)region->base + shm_offset, files_resized) == !map,
		     "region %u offset 0x%llx already %s before the commit", shmid,
		     (unsigned long long)shm_offset, map ? "mapped" : "unmapped");
}
