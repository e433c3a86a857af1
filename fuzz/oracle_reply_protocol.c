/* SPDX-License-Identifier: MIT */
/* The reply-protocol oracle (oracle_reply_protocol.h). */
#include "oracle_reply_protocol.h"

#include "peer_io.h"
#include "vhost_names.h"
#include "wire.h"

void reply_protocol_check_replies(const struct oracle_where *where, const struct model_verdict *mv,
				  const uint8_t *buf, size_t n)
{
	bool want = mv->reply && !mv->reply_lost;
	struct vsf_wire_header h;
	uint64_t value;

	ORACLE_CHECK(where, "reply-protocol", n == (want ? VSF_HEADER_SIZE + 8 : 0),
		     "request %u: %zu reply bytes, expected %s", mv->request, n,
		     want ? "exactly one reply (20 bytes)" : "no reply");
	if (!want)
		return;
	vsf_decode_header(buf, &h);
	value = vsf_load_le64(buf + VSF_HEADER_SIZE);
	ORACLE_CHECK(where, "reply-protocol",
		     h.request == mv->request && h.flags == VSF_REPLY_FLAGS && h.size == 8,
		     "reply header request %u flags 0x%x size %u, expected %u 0x5 8", h.request,
		     h.flags, h.size, mv->request);
	ORACLE_CHECK(where, "reply-protocol", (value == 0) == mv->accepted,
		     "request %u: reply value 0x%llx but the request was %s", mv->request,
		     (unsigned long long)value, mv->accepted ? "accepted" : "rejected");
}

void reply_protocol_expect(const struct oracle_where *where, struct request_reader *rd,
			   uint32_t request, uint32_t flags, uint32_t size)
{
	const uint8_t *p = rd->p, *end = rd->end;
	struct vsf_wire_header h;

	if (p == end && rd->may_end)
		return;
	ORACLE_CHECK(where, "reply-protocol", end - p >= (long)VSF_HEADER_SIZE,
		     "front-end channel: %s (%u) expected, %zd bytes left",
		     vsf_frontend_request_name(request), request, end - p);
	vsf_decode_header(p, &h);
	ORACLE_CHECK(where, "reply-protocol",
		     h.request == request && h.flags == flags && h.size == size &&
			     end - p >= (long)(VSF_HEADER_SIZE + size),
		     "front-end channel: got request %u flags 0x%x size %u, expected %s flags 0x%x size %u",
		     h.request, h.flags, h.size, vsf_frontend_request_name(request), flags, size);
	rd->p = p + VSF_HEADER_SIZE;
}

void reply_protocol_expect_u64(const struct oracle_where *where, struct request_reader *rd,
			       uint32_t request, uint64_t value)
{
	reply_protocol_expect(where, rd, request, VSF_FLAG_VERSION, 8);
	if (rd->p == rd->end && rd->may_end)
		return;
	ORACLE_CHECK(where, "reply-protocol", vsf_load_le64(rd->p) == value,
		     "%s 0x%llx, expected 0x%llx", vsf_frontend_request_name(request),
		     (unsigned long long)vsf_load_le64(rd->p), (unsigned long long)value);
	rd->p += 8;
}

void reply_protocol_expect_backend_fd(const struct oracle_where *where, struct request_reader *rd,
				      bool ack, size_t nfds)
{
	bool sent = rd->p != rd->end || !rd->may_end;

	reply_protocol_expect(where, rd, VSF_REQ_SET_BACKEND_REQ_FD,
			      VSF_FLAG_VERSION | (ack ? VSF_FLAG_NEED_REPLY : 0), 0);
	ORACLE_CHECK(where, "reply-protocol", nfds == (sent ? 1u : 0u),
		     "SET_BACKEND_REQ_FD %s, with %zu fds", sent ? "sent" : "not sent", nfds);
}

void reply_protocol_expect_end(const struct oracle_where *where, const struct request_reader *rd)
{
	ORACLE_CHECK(where, "reply-protocol", rd->p == rd->end,
		     "front-end channel: %zd unexpected bytes after negotiation", rd->end - rd->p);
}

void reply_protocol_check_requests(const struct oracle_where *where, struct request_reader *rd,
				   const struct model_session *s, size_t nfds)
{
	reply_protocol_expect(where, rd, VSF_REQ_GET_FEATURES, VSF_FLAG_VERSION, 0);
	if (s->sends_protocol) {
		reply_protocol_expect(where, rd, VSF_REQ_GET_PROTOCOL_FEATURES, VSF_FLAG_VERSION, 0);
		reply_protocol_expect_u64(where, rd, VSF_REQ_SET_PROTOCOL_FEATURES, s->negotiated);
	}
	if (s->sends_backend_fd)
		reply_protocol_expect_backend_fd(where, rd, s->expects_ack, nfds);
	if (s->sends_owner) {
		reply_protocol_expect(where, rd, VSF_REQ_SET_OWNER, VSF_FLAG_VERSION, 0);
		reply_protocol_expect(where, rd, VSF_REQ_GET_FEATURES, VSF_FLAG_VERSION, 0);
	}
	if (s->sends_config)
		reply_protocol_expect(where, rd, VSF_REQ_GET_SHMEM_CONFIG, VSF_FLAG_VERSION, 0);
	if (s->sends_set_features)
		reply_protocol_expect_u64(where, rd, VSF_REQ_SET_FEATURES, s->acked);
	reply_protocol_expect_end(where, rd);
}

void reply_protocol_check_quiet(const struct oracle_where *where, int fd)
{
	uint8_t buf[64];
	size_t n = peer_io_read_pending(fd, buf, sizeof(buf), NULL, 0, NULL);

	ORACLE_CHECK(where, "reply-protocol", n == 0,
		     "%zu%s bytes on the backend channel that no request asked for (request %u first)",
		     n, n == sizeof(buf) ? " or more" : "", n >= 4 ? vsf_load_le32(buf) : 0);
}

static const char *frontend_name(uint32_t id)
{
	const char *name = vhost_request_name(VHOST_FRONTEND_CHANNEL, id);

	return name ? name : "an unknown request";
}

void reply_protocol_check_startup(const struct oracle_where *where, const uint32_t want[], size_t n,
				  const struct vsf_wire_header seen[], size_t nseen)
{
	for (size_t i = 0; i < n; i++) {
		ORACLE_CHECK(where, "reply-protocol", i < nseen,
			     "start-up: the target sent %zu requests, its profile lists %zu (next %s)",
			     nseen, n, frontend_name(want[i]));
		ORACLE_CHECK(where, "reply-protocol", seen[i].request == want[i],
			     "start-up request %zu is %s (%u), its profile says %s (%u)", i + 1,
			     frontend_name(seen[i].request), seen[i].request, frontend_name(want[i]),
			     want[i]);
	}
}
