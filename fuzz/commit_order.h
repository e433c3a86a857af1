/* SPDX-License-Identifier: MIT */
/*
 * Reply first, then commit (docs/protocol.md). While a front-end is watched,
 * its private commit hook (src/frontend_internal.h), called after the reply
 * is sent and before the change to the memory map becomes visible, checks,
 * under two oracle names of their own:
 *   commit-order   the reply is already on the wire;
 *   commit-target  the range lies inside its region, and is still free
 *                  before a map (still mapped before an unmap), so a change
 *                  that should have been refused is caught before it lands.
 */
#ifndef VSF_COMMIT_ORDER_H
#define VSF_COMMIT_ORDER_H

#include "oracles.h"
#include "vhost_shmem.h"

/* Watch fe, whose backend reads replies on peer; violations are reported at *where. */
void commit_order_watch(struct vsf_frontend *fe, int peer, const struct oracle_where *where);
void commit_order_unwatch(void);
/*
 * A file behind a mapping may have been cut short (a truncate op): a mapped
 * page can then fault when read, so "still mapped" is read from the page's
 * protection in /proc/self/maps instead. Until commit_order_unwatch().
 */
void commit_order_files_resized(void);

#endif
