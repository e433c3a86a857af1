/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "backend_peer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "peer_io.h"
#include "vhost_names.h"

/* GET_CONFIG's payload before the config bytes: u32 offset, size, flags. */
#define DEVICE_CONFIG_HEADER 12

void backend_offer_init(struct backend_offer *o)
{
	memset(o, 0, sizeof(*o));
	o->features = (1ull << VSF_F_VERSION_1) | (1ull << VSF_F_PROTOCOL_FEATURES);
	o->protocol_features = VSF_PROTOCOL_FEATURES_OFFERED;
	o->cfg_request = VSF_REQ_GET_SHMEM_CONFIG;
	o->cfg_flags = VSF_REPLY_FLAGS;
	o->cfg_size = VSF_CONFIG_PAYLOAD_SIZE;
	o->queue_num = 1;
	o->mem_slots = 8;
}

void backend_rule_from_op(const struct vsf_op *op, const int *fds, size_t nfds,
			  struct backend_rule *rule)
{
	memset(rule, 0, sizeof(*rule));
	rule->request = op->answer.request;
	rule->nth = op->answer.nth;
	rule->form = op->answer.form;
	rule->value = op->answer.value;
	rule->id = op->answer.id;
	rule->flags = op->answer.flags;
	rule->size = op->answer.size;
	rule->offset = op->answer.offset;
	rule->csize = op->answer.csize;
	rule->cflags = op->answer.cflags;
	for (size_t i = 0; i < nfds && rule->nfds < VSF_MAX_FDS; i++)
		if (fds[i] >= 0)
			rule->fds[rule->nfds++] = fds[i];
	rule->data = op->data;
	rule->data_len = op->data_len;
}

bool backend_offer_add_rule(struct backend_offer *o, const struct backend_rule *rule)
{
	for (size_t i = 0; i < o->nrules; i++) {
		if (o->rules[i].request == rule->request && o->rules[i].nth == rule->nth) {
			o->rules[i] = *rule;
			return true;
		}
	}
	if (o->nrules == BACKEND_PEER_MAX_RULES)
		return false;
	o->rules[o->nrules++] = *rule;
	return true;
}

const struct backend_rule *backend_offer_rule(const struct backend_offer *o, uint32_t request,
					      unsigned nth)
{
	const struct backend_rule *every = NULL;

	for (size_t i = 0; i < o->nrules; i++) {
		const struct backend_rule *r = &o->rules[i];

		if (r->request != request)
			continue;
		if (r->nth && r->nth == nth)
			return r;
		if (!r->nth)
			every = r;
	}
	return every;
}

bool backend_rule_plain(const struct backend_rule *r)
{
	return r->form == VSF_ANSWER_REPLY && r->id == VSF_ANSWER_NATURAL &&
	       r->flags == VSF_REPLY_FLAGS && r->size == VSF_ANSWER_NATURAL && !r->nfds &&
	       !r->data_len && r->offset == VSF_ANSWER_NATURAL && r->csize == VSF_ANSWER_NATURAL &&
	       r->cflags == VSF_ANSWER_NATURAL;
}

void backend_offer_set_session(struct backend_offer *o, const struct vsf_op *op)
{
	o->features = op->session.features;
	o->protocol_features = op->session.protocol_features;
	o->ack = op->session.ack;
	o->features_after_owner = op->session.features_after_owner;
}

void backend_offer_set_config(struct backend_offer *o, const struct vsf_op *op)
{
	o->cfg_request = op->config.request;
	o->cfg_flags = op->config.flags;
	o->cfg_size = op->config.size;
	o->cfg_nregions = op->config.nregions;
	op_wire_config_sizes(op, o->cfg_sizes);
}

void backend_session_init(struct backend_session *s)
{
	memset(s, 0, sizeof(*s));
	s->backend_fd = -1;
}

void backend_session_fini(struct backend_session *s)
{
	if (s->backend_fd >= 0)
		close(s->backend_fd);
	s->backend_fd = -1;
}

__attribute__((format(printf, 2, 3)))
static int refuse(struct backend_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	return -EPROTO;
}

static size_t u64_reply(uint32_t request, uint64_t value, uint8_t *buf)
{
	struct vsf_wire_header h = { request, VSF_REPLY_FLAGS, VSF_U64_PAYLOAD_SIZE };

	vsf_encode_header(&h, buf);
	vsf_store_le64(buf + VSF_HEADER_SIZE, value);
	return VSF_HEADER_SIZE + VSF_U64_PAYLOAD_SIZE;
}

unsigned backend_session_count(const struct backend_session *s, uint32_t request)
{
	return request < BACKEND_PEER_COUNTED ? s->count[request] : 0;
}

/* The offer's own answer, without rules. */
static size_t offer_reply(const struct backend_offer *o, uint32_t request, bool need_reply,
			  bool after_owner, uint8_t buf[BACKEND_PEER_ANSWER_MAX])
{
	switch (request) {
	case VSF_REQ_GET_FEATURES:
		return u64_reply(request, after_owner && o->features_after_owner ?
						  o->features_after_owner : o->features, buf);
	case VSF_REQ_GET_PROTOCOL_FEATURES:
		return u64_reply(request, o->protocol_features, buf);
	case VSF_REQ_GET_SHMEM_CONFIG:
		if (o->cfg_silent)
			return 0;
		return op_wire_config_reply(o->cfg_request, o->cfg_flags, o->cfg_size,
					    o->cfg_nregions, o->cfg_sizes, buf);
	case VSF_REQ_SET_BACKEND_REQ_FD:
		return need_reply ? u64_reply(request, o->ack, buf) : 0;
	case VHOST_REQ_GET_QUEUE_NUM:
		return u64_reply(request, o->queue_num, buf);
	case VHOST_REQ_GET_MAX_MEM_SLOTS:
		return u64_reply(request, o->mem_slots, buf);
	case VHOST_REQ_GET_STATUS:
		return u64_reply(request, o->status, buf);
	default: /* a SET, or a request this backend does not know: done */
		return need_reply ? u64_reply(request, 0, buf) : 0;
	}
}

/* A GET_* request owes a reply, whether this backend knows it or not. */
static bool is_get(uint32_t request)
{
	const char *name = vhost_request_name(VHOST_FRONTEND_CHANNEL, request);

	return name && !strncmp(name, "GET_", 4);
}

static void store_unless_natural(uint8_t *p, uint32_t v)
{
	if (v != VSF_ANSWER_NATURAL)
		vsf_store_le32(p, v);
}

/*
 * A rule's payload into pl (room for VSF_PAYLOAD_MAX bytes), from the
 * natural answer's payload (natural, n bytes); its length.
 */
static size_t rule_payload(const struct backend_rule *r, const uint8_t *natural, size_t n,
			   uint8_t *pl)
{
	size_t asked;

	if (r->request != VHOST_REQ_GET_CONFIG || n < DEVICE_CONFIG_HEADER) {
		if (!r->data_len) {
			vsf_store_le64(pl, r->value);
			return VSF_U64_PAYLOAD_SIZE;
		}
		n = r->data_len < VSF_PAYLOAD_MAX ? r->data_len : VSF_PAYLOAD_MAX;
		memcpy(pl, r->data, n);
		return n;
	}
	/* GET_CONFIG: the natural answer echoes the request's header and size */
	memcpy(pl, natural, n);
	store_unless_natural(pl, r->offset);
	store_unless_natural(pl + 4, r->csize);
	store_unless_natural(pl + 8, r->cflags);
	if (r->data_len) {
		asked = n - DEVICE_CONFIG_HEADER;
		memset(pl + DEVICE_CONFIG_HEADER, 0, asked);
		memcpy(pl + DEVICE_CONFIG_HEADER, r->data, r->data_len < asked ? r->data_len : asked);
	}
	return n;
}

/*
 * Rule r's answer to request, whose natural answer is in buf (len bytes,
 * 0: none owed by this backend); its length, 0 for none.
 */
static size_t rule_reply(const struct backend_rule *r, uint32_t request, size_t len,
			 uint8_t buf[BACKEND_PEER_ANSWER_MAX])
{
	static _Thread_local uint8_t pl[VSF_PAYLOAD_MAX];
	bool owed = len > 0 || is_get(request);
	struct vsf_wire_header h;
	size_t n;

	if (r->form == VSF_ANSWER_WITHHOLD || (r->form != VSF_ANSWER_ALWAYS && !owed))
		return r->form == VSF_ANSWER_WITHHOLD ? 0 : len;
	n = rule_payload(r, buf + VSF_HEADER_SIZE, len > VSF_HEADER_SIZE ? len - VSF_HEADER_SIZE : 0,
			 pl);
	h.request = r->id == VSF_ANSWER_NATURAL ? request : r->id;
	h.flags = r->flags;
	h.size = r->size == VSF_ANSWER_NATURAL ? (uint32_t)n : r->size;
	/* a size other than the payload's: the payload cut or zero-padded to it */
	if (h.size > n)
		memset(pl + n, 0, (h.size < VSF_PAYLOAD_MAX ? h.size : VSF_PAYLOAD_MAX) - n);
	n = h.size < VSF_PAYLOAD_MAX ? h.size : VSF_PAYLOAD_MAX;
	vsf_encode_header(&h, buf);
	if (r->form == VSF_ANSWER_CUT)
		return VSF_HEADER_SIZE;
	memcpy(buf + VSF_HEADER_SIZE, pl, n);
	return VSF_HEADER_SIZE + n;
}

size_t backend_reply_bytes(const struct backend_offer *o, uint32_t request, bool need_reply,
			   bool after_owner, unsigned nth, uint8_t buf[BACKEND_PEER_ANSWER_MAX])
{
	const struct backend_rule *r = backend_offer_rule(o, request, nth);
	size_t len = offer_reply(o, request, need_reply, after_owner, buf);

	return r ? rule_reply(r, request, len, buf) : len;
}

/* A SET_* u64 payload within what was offered. */
static int check_set(struct backend_session *s, const struct vsf_wire_header *h,
		     const uint8_t *payload, uint64_t offered, uint64_t *value)
{
	const char *name = vsf_frontend_request_name(h->request);

	if (h->size != VSF_U64_PAYLOAD_SIZE)
		return refuse(s, "%s: payload size %u, expected 8", name, h->size);
	*value = vsf_load_le64(payload);
	if (*value & ~offered)
		return refuse(s, "%s: 0x%llx sets bits that were not offered (0x%llx)", name,
			      (unsigned long long)*value, (unsigned long long)offered);
	return 0;
}

/* Check request h and take what it sets; 0 or -EPROTO. */
static int take_request(const struct backend_offer *o, struct backend_session *s,
			const struct vsf_wire_header *h, const uint8_t *payload, int *fds,
			size_t nfds)
{
	int ret = 0;

	if ((h->flags & ~VSF_FLAG_NEED_REPLY) != VSF_FLAG_VERSION)
		return refuse(s, "front-end request %u with flags 0x%x", h->request, h->flags);
	switch (h->request) {
	case VSF_REQ_SET_FEATURES:
		ret = check_set(s, h, payload, o->features | o->features_after_owner,
				&s->set_features);
		/* What libvhost-user refuses too: a legacy device. */
		if (ret == 0 && !(s->set_features & (1ull << VSF_F_VERSION_1)))
			ret = refuse(s, "SET_FEATURES 0x%llx without VIRTIO_F_VERSION_1: a legacy device",
				     (unsigned long long)s->set_features);
		s->features_set = ret == 0;
		break;
	case VSF_REQ_SET_PROTOCOL_FEATURES:
		ret = check_set(s, h, payload, o->protocol_features, &s->set_protocol_features);
		s->protocol_set = ret == 0;
		break;
	case VSF_REQ_SET_OWNER:
		s->owner_set = true;
		break;
	case VSF_REQ_SET_BACKEND_REQ_FD:
		if (nfds != 1 || s->backend_fd >= 0)
			return refuse(s, "SET_BACKEND_REQ_FD with %zu fds%s", nfds,
				      s->backend_fd >= 0 ? ", a second time" : "");
		s->backend_fd = fds[0];
		fds[0] = -1;
		break;
	case VSF_REQ_GET_SHMEM_CONFIG:
		if (!(s->set_protocol_features & (1ull << VSF_PROTOCOL_F_SHMEM)))
			return refuse(s, "GET_SHMEM_CONFIG but SHMEM was not negotiated");
		break;
	default:
		break;
	}
	return ret;
}

/*
 * GET_CONFIG: the request's offset, size and flags echoed, then size bytes
 * of the device config space from offset. A request whose payload does not
 * hold its own header gets the header back alone, what it asked for.
 */
static size_t device_config_reply(const struct backend_offer *o, const struct vsf_wire_header *h,
				  const uint8_t *payload, uint8_t buf[BACKEND_PEER_ANSWER_MAX])
{
	struct vsf_wire_header rh = { h->request, VSF_REPLY_FLAGS, h->size };
	uint32_t offset, size;

	vsf_encode_header(&rh, buf);
	memcpy(buf + VSF_HEADER_SIZE, payload, h->size);
	if (h->size < DEVICE_CONFIG_HEADER)
		return VSF_HEADER_SIZE + h->size;
	offset = vsf_load_le32(payload);
	size = h->size - DEVICE_CONFIG_HEADER;
	for (uint32_t i = 0; i < size; i++) {
		uint64_t at = (uint64_t)offset + i;

		buf[VSF_HEADER_SIZE + DEVICE_CONFIG_HEADER + i] =
			at < sizeof(o->device_config) ? o->device_config[at] : 0;
	}
	return VSF_HEADER_SIZE + h->size;
}

int backend_answer(const struct backend_offer *o, struct backend_session *s,
		   const struct vsf_wire_header *h, const uint8_t *payload, int *fds, size_t nfds,
		   uint8_t buf[BACKEND_PEER_ANSWER_MAX])
{
	/* GET_FEATURES is answered for what came before this request. */
	bool after_owner = s->owner_set;
	unsigned nth = 0;
	size_t len;
	int ret;

	if (s->nseen < BACKEND_PEER_MAX_SEEN) {
		s->seen[s->nseen] = *h;
		s->seen_nfds[s->nseen++] = (unsigned)nfds;
	}
	s->requests++;
	s->last_request = h->request;
	if (h->request < BACKEND_PEER_COUNTED && s->count[h->request] < UINT16_MAX)
		nth = ++s->count[h->request];
	s->withheld = 0;
	s->rule = NULL;
	ret = take_request(o, s, h, payload, fds, nfds);
	if (ret < 0)
		return ret;
	if (h->request == VHOST_REQ_GET_CONFIG)
		len = device_config_reply(o, h, payload, buf);
	else
		len = offer_reply(o, h->request, h->flags & VSF_FLAG_NEED_REPLY, after_owner, buf);
	s->rule = backend_offer_rule(o, h->request, nth);
	if (!s->rule)
		return (int)len;
	if ((len || is_get(h->request)) &&
	    (s->rule->form == VSF_ANSWER_WITHHOLD || s->rule->form == VSF_ANSWER_CUT))
		s->withheld = h->request;
	return (int)rule_reply(s->rule, h->request, len, buf);
}

/* The config answer goes with a one-page memfd when the offer says so; a
 * rule's answer with the rule's fds. */
static int send_answer(int sock, int timeout_ms, const struct backend_offer *o,
		       const struct backend_session *s, uint32_t request, const uint8_t *buf,
		       size_t len)
{
	int fd = -1, ret;

	if (s->rule && s->rule->nfds)
		return peer_io_send(sock, buf, len, 0, s->rule->fds, s->rule->nfds, timeout_ms);
	if (o->cfg_with_fd && request == VSF_REQ_GET_SHMEM_CONFIG) {
		fd = memfd_create("vsf-peer", MFD_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	ret = peer_io_send(sock, buf, len, 0, &fd, fd >= 0, timeout_ms);
	if (fd >= 0)
		close(fd);
	return ret;
}

int backend_serve_one(int sock, int timeout_ms, const struct backend_offer *o,
		      struct backend_session *s)
{
	static _Thread_local uint8_t payload[VSF_PAYLOAD_MAX], answer[BACKEND_PEER_ANSWER_MAX];
	uint8_t hdr[VSF_HEADER_SIZE];
	struct vsf_wire_header h;
	int fds[VSF_MAX_FDS];
	size_t nfds = 0;
	int ret;

	ret = peer_io_recv_exact(sock, hdr, sizeof(hdr), timeout_ms, fds, VSF_MAX_FDS, &nfds);
	if (ret == 0) {
		vsf_decode_header(hdr, &h);
		ret = h.size > VSF_PAYLOAD_MAX ? -EMSGSIZE : 0;
	}
	if (ret == 0)
		ret = peer_io_recv_exact(sock, payload, h.size, timeout_ms, fds, VSF_MAX_FDS, &nfds);
	if (ret == 0)
		ret = backend_answer(o, s, &h, payload, fds, nfds, answer);
	if (ret > 0)
		ret = send_answer(sock, timeout_ms, o, s, h.request, answer, (size_t)ret);
	for (size_t i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (ret < 0)
		return ret;
	return h.request == VSF_REQ_SET_FEATURES;
}
