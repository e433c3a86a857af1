/* SPDX-License-Identifier: MIT */
/*
 * Reply first, then commit (DESIGN §2). Fuzzing builds of the library call
 * vsf_fuzz_before_commit() after the reply is sent and before the change to
 * the memory map becomes visible; while a front-end is watched, that call
 * checks that the reply is already on the wire and that the range still
 * looks as it did before the request.
 */
#ifndef VSF_COMMIT_ORDER_H
#define VSF_COMMIT_ORDER_H

#include "oracles.h"
#include "vhost_shmem.h"

/* Watch fe, whose backend reads replies on peer; violations are reported at *where. */
void commit_order_watch(const struct vsf_frontend *fe, int peer, const struct oracle_where *where);
void commit_order_unwatch(void);

#endif
