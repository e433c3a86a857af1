/* SPDX-License-Identifier: MIT */
/*
 * The commit-order oracle: reply first, then commit (docs/protocol.md).
 * While a front-end is watched, its private commit hook
 * (src/frontend_internal.h), called after the reply is sent and before the
 * change to the memory map becomes visible, checks that the reply is
 * already on the wire, and hands the change to the commit-target oracle
 * (oracle_commit_target.h) before it lands.
 *
 * In process only: the hook is a seam of our library. Out of process the
 * order shows only as a reply that arrives after the target's memory map
 * changed, which needs the target stopped in between.
 */
#ifndef VSF_ORACLE_COMMIT_ORDER_H
#define VSF_ORACLE_COMMIT_ORDER_H

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
