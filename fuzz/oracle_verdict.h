/* SPDX-License-Identifier: MIT */
/*
 * The verdict oracle: what vsf_frontend_handle_backend tells its embedder
 * about a message (struct vsf_verdict) against the message as sent and the
 * reply as read off the wire, both read with the model's own decoding:
 * the header as received, the reply's value, the fds it came with, the
 * VhostUserMMap decoded exactly when the payload is one, a reason left
 * for every rejection, and the last reason kept by every success.
 */
#ifndef VSF_ORACLE_VERDICT_H
#define VSF_ORACLE_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "oracles.h"
#include "vhost_shmem.h"

/*
 * One whole message (where->msg, at least its header and payload), sent
 * with nfds fds, handled with verdict v; reply: the n bytes read back after
 * it.
 */
void verdict_check(const struct oracle_where *where, const struct vsf_frontend *fe,
		   const struct vsf_verdict *v, size_t nfds, const uint8_t *reply, size_t n);

/*
 * vsf_frontend_last_error is the reason for the last failure, not for the
 * last call: a call that succeeds (connect, attach, configure, add_region,
 * a message handled) leaves it as it was. Noted before the call, checked
 * after it succeeded.
 */
struct last_error_before {
	char text[VSF_REASON_MAX];
};

void verdict_note_last_error(struct last_error_before *before, const struct vsf_frontend *fe);
void verdict_check_last_error_kept(const struct oracle_where *where, const struct vsf_frontend *fe,
				   const struct last_error_before *before, const char *call);

#endif
