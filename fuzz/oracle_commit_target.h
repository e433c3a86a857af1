/* SPDX-License-Identifier: MIT */
/*
 * The commit-target oracle, from the commit hook (oracle_commit_order.h):
 * the range a commit changes lies inside its region, and is still free
 * before a map (still mapped before an unmap), so a change that should have
 * been refused is caught before it lands over whatever the process has
 * there. An overlapping map accepted by mistake is a commit-target finding,
 * not a reply problem.
 *
 * In process only: it runs inside the front-end's commit, through our
 * library's hook, and probes the page in this process.
 */
#ifndef VSF_ORACLE_COMMIT_TARGET_H
#define VSF_ORACLE_COMMIT_TARGET_H

#include <stdbool.h>
#include <stdint.h>

#include "oracles.h"
#include "vhost_shmem.h"

/*
 * A change to region shmid (region: what the front-end has, NULL for none) about to be
 * committed: map (else unmap) shm_offset..+len. files_resized: a file behind
 * a mapping may have been cut short, so a mapped page may fault when read.
 */
void commit_target_check(const struct oracle_where *where, uint8_t shmid,
			 const struct vsf_region_info *region, bool map, uint64_t shm_offset,
			 uint64_t len, bool files_resized);

#endif
