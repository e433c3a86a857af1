/* SPDX-License-Identifier: MIT */
/*
 * The verdict oracle: what vsf_frontend_handle_backend tells its embedder
 * about a message (struct vsf_verdict) against the message as sent and the
 * reply as read off the wire, both read with the model's own decoding:
 * the header as received, the reply's value, the fds it came with, the
 * VhostUserMMap decoded exactly when the payload is one, and a reason left
 * for every rejection.
 */
#ifndef VSF_ORACLE_VERDICT_H
#define VSF_ORACLE_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "oracles.h"
#include "vhost_shmem.h"

/*
 * One whole message (where->msg, at least its header and payload), sent
 * with nfds fds, handled with verdict v; reply: the n bytes read back after
 * it.
 */
void verdict_check(const struct oracle_where *where, const struct vsf_frontend *fe,
		   const struct vsf_verdict *v, size_t nfds, const uint8_t *reply, size_t n);

#endif
