/* SPDX-License-Identifier: MIT */
/*
 * The reply-protocol oracle, on bytes read off the sockets alone: nothing
 * here looks into the front-end, so an out-of-process driver judges a
 * target's replies and requests with the same calls.
 *
 * Replies on the backend channel: exactly one 20-byte reply when the model
 * says one is due (NEED_REPLY, and the channel survives), none otherwise;
 * its header echoes the request with flags 0x5 and size 8; its value is 0
 * exactly when the model accepts the request.
 *
 * Requests on the front-end channel: the ones negotiation calls for, in
 * order, with their flags, sizes and values, and nothing after them.
 */
#ifndef VSF_ORACLE_REPLY_PROTOCOL_H
#define VSF_ORACLE_REPLY_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oracles.h"
#include "shadow_model.h"

/* The replies read after one message (n bytes at buf) against the model's verdict. */
void reply_protocol_check_replies(const struct oracle_where *where, const struct model_verdict *mv,
				  const uint8_t *buf, size_t n);

/*
 * The requests a front-end sent, read in one piece, checked one at a time.
 * may_end: the front-end may have stopped after any of them (a connect that
 * met an injected failure).
 */
struct request_reader {
	const uint8_t *p, *end;
	bool may_end;
};

/* The next request is request with these flags and payload size. */
void reply_protocol_expect(const struct oracle_where *where, struct request_reader *rd,
			   uint32_t request, uint32_t flags, uint32_t size);
/* The next request is request with a u64 payload that must be value. */
void reply_protocol_expect_u64(const struct oracle_where *where, struct request_reader *rd,
			       uint32_t request, uint64_t value);
/* The next is SET_BACKEND_REQ_FD (NEED_REPLY if ack), carrying one fd of the nfds read. */
void reply_protocol_expect_backend_fd(const struct oracle_where *where, struct request_reader *rd,
				      bool ack, size_t nfds);
/*
 * The requests negotiation calls for, as the model's session (s) has them,
 * with nfds fds read along, and nothing after them.
 */
void reply_protocol_check_requests(const struct oracle_where *where, struct request_reader *rd,
				   const struct model_session *s, size_t nfds);
/* Nothing is left after the requests negotiation calls for. */
void reply_protocol_expect_end(const struct oracle_where *where, const struct request_reader *rd);

/*
 * Out of process. fd (the backend channel) holds no reply bytes: nothing
 * was owed since the last reply was read.
 */
void reply_protocol_check_quiet(const struct oracle_where *where, int fd);
/*
 * The requests a target sent during its start-up (seen[0..nseen)) are the
 * ones its profile lists (want[0..n)), in order.
 */
void reply_protocol_check_startup(const struct oracle_where *where, const uint32_t want[], size_t n,
				  const struct vsf_wire_header seen[], size_t nseen);

#endif
