/* SPDX-License-Identifier: MIT */
/*
 * Private seams of the front-end, for its tests and harnesses: not part of
 * the public API (vhost_shmem.h), and no program should need them.
 */
#ifndef VSF_FRONTEND_INTERNAL_H
#define VSF_FRONTEND_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "vhost_shmem.h"

/*
 * Called between the reply to a backend request and the commit of the change
 * it prepared (docs/protocol.md: reply first, then commit), so that a test
 * can look at the world in between. replied: a reply was sent and is on the
 * wire; map: the change maps (else unmaps) shm_offset..+len of region shmid.
 */
typedef void (*vsf_commit_hook_fn)(void *opaque, bool replied, bool map, uint8_t shmid,
				   uint64_t shm_offset, uint64_t len);

/* Install the hook; NULL removes it. */
void vsf_frontend_set_commit_hook(struct vsf_frontend *fe, vsf_commit_hook_fn fn, void *opaque);

#endif
